/**
 * One Terraform set-up for every real-Terraform test of a run (run-shared.ts): the hashicorp/aws provider found once
 * (a mirror, else the registry), one CLI configuration with one plugin cache, and one working folder
 * `terraform init`-ed with hashicorp/aws. A test's own folder reuses that folder's lock file and data folder
 * (TF_DATA_DIR) instead of an init of its own; the Terraform checks the tests start (npm run tf:check, npm run verify)
 * get the mirror found as TF_PROVIDER_MIRROR instead of searching the file system again.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliConfig, findProviderSource, ProviderSource } from '../src/terraform/toolchain';
import { RUN_FOLDER_VARIABLE, oncePerRun } from './run-shared';

export interface SharedTerraform {
  /** CLI configuration: the provider source and the run's plugin cache. */
  readonly cliConfigFile: string;
  /** The initialized working folder. */
  readonly initDir: string;
  /** What `terraform init` there answered. */
  readonly init: { readonly status: number | null; readonly stderr: string };
}

/** Where hashicorp/aws comes from, searched once per run (findProviderSource searches the file system). */
export const providerSource = (): ProviderSource => oncePerRun('provider-source', () => findProviderSource({}, process.env));

/** TF_PROVIDER_MIRROR for a command the tests start: the mirror found, unless the environment names one already. */
export function providerMirrorEnv(): Record<string, string> {
  if (process.env.TF_PROVIDER_MIRROR) return {};
  const source = providerSource();
  return source.kind === 'mirror' ? { TF_PROVIDER_MIRROR: source.dir } : {};
}

/** The configuration the shared folder is initialized with: hashicorp/aws, of any version, as the tests ask. */
const INIT_CONFIGURATION = { terraform: { required_providers: { aws: { source: 'hashicorp/aws' } } } };

/** The run's shared set-up: made by the first test that asks, in the run's folder. */
export const sharedTerraform = (): SharedTerraform =>
  oncePerRun('terraform', () => {
    const parent = process.env[RUN_FOLDER_VARIABLE];
    const root = parent ? join(parent, 'terraform') : mkdtempSync(join(tmpdir(), 'cap-tf-shared-'));
    if (!parent) process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    const cache = join(root, 'plugin-cache');
    const initDir = join(root, 'init');
    mkdirSync(cache, { recursive: true });
    mkdirSync(initDir, { recursive: true });
    const cliConfigFile = join(root, 'cli.tfrc');
    writeFileSync(cliConfigFile, cliConfig(providerSource(), cache));
    writeFileSync(join(initDir, 'main.tf.json'), JSON.stringify(INIT_CONFIGURATION));
    const init = spawnSync(process.env.TERRAFORM_BINARY || 'terraform', ['init', '-backend=false', '-input=false', '-no-color'], {
      cwd: initDir,
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfigFile, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
    });
    return { cliConfigFile, initDir, init: { status: init.status, stderr: init.error?.message ?? init.stderr } };
  });

/**
 * A fresh working folder (`prefix`) that uses the shared init: its lock file is copied in, its data folder is the
 * shared one (TF_DATA_DIR), so no `terraform init` runs here. Terraform commands run there with `env`.
 */
export function terraformFolder(prefix: string): { readonly dir: string; readonly env: NodeJS.ProcessEnv; readonly shared: SharedTerraform } {
  const shared = sharedTerraform();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (shared.init.status === 0) copyFileSync(join(shared.initDir, '.terraform.lock.hcl'), join(dir, '.terraform.lock.hcl'));
  const env = { ...process.env, TF_CLI_CONFIG_FILE: shared.cliConfigFile, TF_DATA_DIR: join(shared.initDir, '.terraform'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  return { dir, env, shared };
}
