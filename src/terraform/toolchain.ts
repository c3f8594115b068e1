/**
 * Finds what the real-Terraform check runs: the Terraform CLI and where the hashicorp/aws provider comes
 * from (a local filesystem mirror, else the public registry). Nothing here is a machine path: the mirror is
 * named by a flag or TF_PROVIDER_MIRROR, or found in the folders Terraform itself searches, or by a bounded
 * search of the file system (docs/terraform.md).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareVersions } from './provider-compat';

/** Mock providers in `terraform test` arrived in Terraform 1.7. */
export const MINIMUM_TERRAFORM = '1.7.0';
const PROVIDER_PATH = ['registry.terraform.io', 'hashicorp', 'aws'];

const HOW_TO_PROVIDE_TERRAFORM = 'The real-Terraform check needs the Terraform CLI (>= 1.7): put `terraform` on PATH, or set TERRAFORM_BINARY to its path.';
export const HOW_TO_PROVIDE_PROVIDER = [
  'The real-Terraform check needs the hashicorp/aws provider: network access to registry.terraform.io, or a local',
  'filesystem mirror (a folder that holds registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/terraform-provider-aws_*)',
  'given with --mirror <dir> or TF_PROVIDER_MIRROR=<dir>.',
].join('\n');

export interface TerraformCli {
  readonly binary: string;
  readonly version: string;
}

/** The Terraform CLI named by TERRAFORM_BINARY, else the one on PATH; throws with how to provide one. */
export function findTerraform(env: NodeJS.ProcessEnv): TerraformCli {
  const binary = env.TERRAFORM_BINARY || 'terraform';
  const run = spawnSync(binary, ['version', '-json'], { encoding: 'utf8', env: { ...env, TF_CLI_CONFIG_FILE: '' } });
  if (run.error || run.status !== 0) {
    throw new Error(`Terraform not found (tried "${binary}": ${run.error?.message ?? run.stderr.trim()}).\n${HOW_TO_PROVIDE_TERRAFORM}`);
  }
  const version = String(JSON.parse(run.stdout).terraform_version);
  if (compareVersions(version, MINIMUM_TERRAFORM) < 0) {
    throw new Error(`Terraform ${version} is too old: mocked applies need ${MINIMUM_TERRAFORM} or later.\n${HOW_TO_PROVIDE_TERRAFORM}`);
  }
  return { binary, version };
}

/** Terraform's name for this machine's platform, as mirrors lay out provider builds. */
export function terraformPlatform(platform = process.platform, arch = process.arch): string {
  const os = platform === 'win32' ? 'windows' : platform;
  const cpu = ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[arch] ?? arch;
  return `${os}_${cpu}`;
}

/**
 * hashicorp/aws versions a mirror holds for `platform`, highest first: unpacked
 * (`<version>/<platform>/terraform-provider-aws*`) or packed (`terraform-provider-aws_<version>_<platform>.zip`).
 */
export function mirrorVersions(mirror: string, platform = terraformPlatform()): string[] {
  const dir = join(mirror, ...PROVIDER_PATH);
  if (!existsSync(dir)) return [];
  const versions = new Set<string>();
  for (const entry of readdirSync(dir)) {
    const packed = entry.match(/^terraform-provider-aws_(\d+\.\d+\.\d+)_(.+)\.zip$/);
    if (packed && packed[2] === platform) versions.add(packed[1]!);
    const unpacked = join(dir, entry, platform);
    if (/^\d+\.\d+\.\d+$/.test(entry) && existsSync(unpacked) && readdirSync(unpacked).some((f) => f.startsWith('terraform-provider-aws') && statSync(join(unpacked, f)).isFile())) {
      versions.add(entry);
    }
  }
  return [...versions].sort((a, b) => compareVersions(b, a));
}

/** The implied local mirror folders Terraform searches on its own (CLI configuration docs, "Implied Local Mirror Directories"). */
function impliedMirrors(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME ?? homedir();
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean);
  return [join(home, '.terraform.d', 'plugins'), join(dataHome, 'terraform', 'plugins'), ...dataDirs.map((d) => join(d, 'terraform', 'plugins'))];
}

/** Folders named registry.terraform.io up to five levels below /, on the root file system, within 15 s. */
function searchedMirrors(): string[] {
  const found = spawnSync('find', ['/', '-xdev', '-maxdepth', '5', '-type', 'd', '-name', 'registry.terraform.io'], { encoding: 'utf8', timeout: 15_000 });
  // Plugin caches of earlier runs and other programs' scratch folders look like mirrors; they come and go.
  const scratch = [tmpdir(), '/tmp/', '/var/tmp/'];
  return (found.stdout ?? '')
    .split('\n')
    .filter(Boolean)
    .map((d) => d.slice(0, -'/registry.terraform.io'.length) || '/')
    .filter((d) => !scratch.some((s) => d.startsWith(s)));
}

export type ProviderSource =
  | { readonly kind: 'mirror'; readonly dir: string; readonly versions: readonly string[]; readonly how: string }
  | { readonly kind: 'registry' };

export interface ProviderSourceOptions {
  /** --mirror: this folder, which must hold hashicorp/aws. */
  readonly mirror?: string;
  /** --registry: the public registry, no mirror search. */
  readonly registry?: boolean;
}

/** Where hashicorp/aws comes from: the named mirror, else a found one, else the registry. */
export function findProviderSource(options: ProviderSourceOptions, env: NodeJS.ProcessEnv): ProviderSource {
  if (options.registry) return { kind: 'registry' };
  const named = options.mirror ?? env.TF_PROVIDER_MIRROR;
  if (named) {
    const versions = mirrorVersions(named);
    if (!versions.length) {
      throw new Error(`${named} holds no hashicorp/aws build for ${terraformPlatform()} (expected ${join(named, ...PROVIDER_PATH)}/<version>/${terraformPlatform()}/).\n${HOW_TO_PROVIDE_PROVIDER}`);
    }
    return { kind: 'mirror', dir: named, versions, how: options.mirror ? '--mirror' : 'TF_PROVIDER_MIRROR' };
  }
  for (const [candidates, how] of [
    [impliedMirrors(env), "Terraform's implied mirror folder"],
    [searchedMirrors(), 'found on this machine'],
  ] as const) {
    for (const dir of candidates) {
      const versions = mirrorVersions(dir);
      if (versions.length) return { kind: 'mirror', dir, versions, how };
    }
  }
  return { kind: 'registry' };
}

/** A CLI configuration for the check: the provider from `source`, each build installed once per run through `cacheDir`. */
export function cliConfig(source: ProviderSource, cacheDir: string): string {
  const installation = source.kind === 'mirror' ? `  filesystem_mirror {\n    path    = ${JSON.stringify(source.dir)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n` : '';
  return [
    `plugin_cache_dir = ${JSON.stringify(cacheDir)}`,
    // The temporary working folders have no lock file to check the cache against; they are thrown away.
    'plugin_cache_may_break_dependency_lock_file = true',
    `provider_installation {\n${installation}  direct {\n    exclude = ${source.kind === 'mirror' ? '["registry.terraform.io/hashicorp/aws"]' : '[]'}\n  }\n}`,
    '',
  ].join('\n');
}

/** The environment every Terraform command of a check runs with: its CLI configuration, no prompts, no checkpoint calls. */
export const terraformEnv = (env: NodeJS.ProcessEnv, cliConfigFile: string): NodeJS.ProcessEnv => ({
  ...env,
  TF_CLI_CONFIG_FILE: cliConfigFile,
  TF_IN_AUTOMATION: '1',
  TF_INPUT: '0',
  CHECKPOINT_DISABLE: '1',
});
