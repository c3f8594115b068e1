/**
 * The real-Terraform check: the pure parts (what the temporary copies change, the mocks, the provider
 * source) directly, and the command itself against the real Terraform CLI on faults Terraform refuses.
 * The passing path over every shipped environment runs in .ci/run (npm run tf:check), over the shapes in the bench.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerraformCheck, terraformErrors, toCreate } from '../src/terraform/check';
import { mockedApplyTest } from '../src/terraform/mock-test';
import { NEWER_ONLY_ARGUMENTS, compareVersions, removeNewerArguments } from '../src/terraform/provider-compat';
import { offlineCopy, validationCopy } from '../src/terraform/stack-copy';
import { cliConfig, findProviderSource, mirrorVersions, terraformPlatform } from '../src/terraform/toolchain';
import { providerMirrorEnv } from './shared-terraform';
import { synth } from './support';

type Json = Record<string, any>;
const made: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cap-tf-'));
  made.push(dir);
  return dir;
};
// The fake mirrors below look like real ones to anything that searches the disk for a provider: leave none.
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })));

describe('arguments newer than the provider build', () => {
  it('orders versions numerically', () => {
    expect(compareVersions('5.100.0', '6.13.0')).toBeLessThan(0);
    expect(compareVersions('6.25.0', '6.13.0')).toBeGreaterThan(0);
    expect(compareVersions('6.13.0', '6.13.0')).toBe(0);
    expect(compareVersions('5.100.0', '5.99.9')).toBeGreaterThan(0);
  });

  it('removes pull_request_build_policy below 6.13.0 only, and says where', () => {
    const resources = () => ({ aws_codebuild_webhook: { hook: { project_name: 'p', pull_request_build_policy: [{ requires_comment_approval: 'ALL_PULL_REQUESTS' }] } } });
    const old = resources();
    expect(removeNewerArguments(old, '5.100.0').map((r) => `${r.address}.${r.argument} < ${r.since}`)).toEqual(['aws_codebuild_webhook.hook.pull_request_build_policy < 6.13.0']);
    expect(old.aws_codebuild_webhook.hook).toEqual({ project_name: 'p' });
    for (const version of ['6.13.0', '6.25.0']) {
      const current = resources();
      expect(removeNewerArguments(current, version)).toEqual([]);
      expect(current).toEqual(resources());
    }
    expect(NEWER_ONLY_ARGUMENTS.every((a) => /^\d+\.\d+\.\d+$/.test(a.since) && a.source.length > 0)).toBe(true);
  });
});

describe('the temporary copies', () => {
  const stack = (): Json => ({
    terraform: { required_providers: { aws: { source: 'aws', version: '6.25.0' } }, backend: { s3: { bucket: 'state' } } },
    variable: { creds: { type: 'string' }, used: { type: 'string' } },
    provider: { aws: [{ alias: 'tooling_eu_west_1', region: 'eu-west-1', allowed_account_ids: ['111111111111'], assume_role: [{ role_arn: 'arn:aws:iam::111111111111:role/x' }], shared_config_files: ['${var.creds}'] }] },
    resource: { aws_s3_bucket: { b: { bucket: '${var.used}', provider: 'aws.tooling_eu_west_1' } }, aws_codebuild_webhook: { w: { project_name: 'p', pull_request_build_policy: [{}] } } },
  });

  it('validates the stack as synthesized but for its backend, relaxing the pin only for another build', () => {
    const pinned = validationCopy(stack(), { version: '6.25.0' });
    expect(pinned.json.terraform).toEqual({ required_providers: { aws: { source: 'aws', version: '6.25.0' } } });
    expect(pinned.json.provider).toEqual(stack().provider);
    expect(pinned.removals).toEqual([]);
    const relaxed = validationCopy(stack(), { version: '5.100.0', pinned: '6.25.0' });
    expect(relaxed.json.terraform.required_providers.aws.version).toBe('5.100.0');
    expect(relaxed.removals.map((r) => r.address)).toEqual(['aws_codebuild_webhook.w']);
    expect(relaxed.json.resource.aws_codebuild_webhook.w).toEqual({ project_name: 'p' });
  });

  it('gives the offline copy dummy credentials and skip flags, and drops what only fed credentials', () => {
    const offline = offlineCopy(validationCopy(stack(), { version: '6.25.0' }).json);
    expect(offline.provider.aws[0]).toEqual({
      alias: 'tooling_eu_west_1',
      region: 'eu-west-1',
      access_key: 'offline-check',
      secret_key: 'offline-check',
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      skip_region_validation: true,
    });
    expect(Object.keys(offline.variable)).toEqual(['used']);
  });

  it('never touches the synthesized stack itself', () => {
    const original = stack();
    offlineCopy(validationCopy(original, { version: '5.100.0', pinned: '6.25.0' }).json);
    expect(original).toEqual(stack());
  });
});

describe('the mocked apply', () => {
  const schema = {
    resource_schemas: {
      aws_iam_role: { block: { attributes: { arn: { type: 'string', computed: true }, name: { type: 'string', optional: true }, unique_id: { type: 'string', computed: true } } } },
      aws_lambda_function: { block: { attributes: { arn: { type: 'string', computed: true }, invoke_arn: { type: 'string', computed: true }, role: { type: 'string', required: true } } } },
      aws_s3_bucket_policy: { block: { attributes: { policy: { type: 'string', required: true } } } },
    },
    data_source_schemas: {},
  };

  it('mocks every provider configuration and gives computed ARNs an ARN shape of that account and region', () => {
    const { json } = synth();
    const test = mockedApplyTest(json, schema as never);
    expect(test.run).toEqual({ apply_and_destroy: { command: 'apply' } });
    expect(test.mock_provider.aws.map((p: Json) => p.alias)).toEqual(json.provider.aws.map((p) => p.alias));
    const dev = test.mock_provider.aws.find((p: Json) => p.alias === 'account_222222222222_eu_west_1');
    expect(dev.mock_resource.aws_iam_role).toEqual({ defaults: { arn: 'arn:aws:iam:eu-west-1:222222222222:aws_iam_role/arn' } });
    expect(dev.mock_resource.aws_s3_bucket_policy).toBeUndefined();
    // The provider validates ARNs with a 12-digit account (or a service keyword) in the fifth field.
    for (const provider of test.mock_provider.aws) {
      for (const block of Object.values<Json>(provider.mock_resource ?? {})) for (const arn of Object.values<string>(block.defaults)) expect(arn).toMatch(/^arn:aws:[a-z0-9-]+:[a-z0-9-]*:\d{12}:\S+$/);
    }
  });

  it('mocks only computed ARN attributes, never arguments', () => {
    const test = mockedApplyTest({ provider: { aws: [{ alias: 'a', region: 'eu-west-1' }] }, resource: { aws_lambda_function: { f: {} } } }, schema as never);
    expect(Object.keys(test.mock_provider.aws[0].mock_resource.aws_lambda_function.defaults)).toEqual(['arn', 'invoke_arn']);
  });
});

describe('where the provider comes from', () => {
  const platform = terraformPlatform();
  function mirrorWith(layout: 'unpacked' | 'packed', version: string): string {
    const mirror = scratch();
    const aws = join(mirror, 'registry.terraform.io', 'hashicorp', 'aws');
    if (layout === 'unpacked') {
      mkdirSync(join(aws, version, platform), { recursive: true });
      writeFileSync(join(aws, version, platform, `terraform-provider-aws_v${version}_x5`), '');
    } else {
      mkdirSync(aws, { recursive: true });
      writeFileSync(join(aws, `terraform-provider-aws_${version}_${platform}.zip`), '');
    }
    return mirror;
  }

  it('reads the versions of unpacked and packed mirrors for this platform', () => {
    expect(mirrorVersions(mirrorWith('unpacked', '5.100.0'))).toEqual(['5.100.0']);
    expect(mirrorVersions(mirrorWith('packed', '6.25.0'))).toEqual(['6.25.0']);
    expect(mirrorVersions(scratch())).toEqual([]);
  });

  it('takes the named mirror, refuses one without hashicorp/aws, and uses the registry when told', () => {
    const mirror = mirrorWith('unpacked', '5.100.0');
    expect(findProviderSource({ mirror }, {})).toMatchObject({ kind: 'mirror', dir: mirror, versions: ['5.100.0'], how: '--mirror' });
    expect(findProviderSource({}, { TF_PROVIDER_MIRROR: mirror })).toMatchObject({ kind: 'mirror', how: 'TF_PROVIDER_MIRROR' });
    expect(() => findProviderSource({ mirror: scratch() }, {})).toThrow(/holds no hashicorp\/aws build for .*\n.*needs the hashicorp\/aws provider/s);
    expect(findProviderSource({ registry: true }, { TF_PROVIDER_MIRROR: mirror })).toEqual({ kind: 'registry' });
  });

  it('installs from the mirror only for hashicorp/aws, through a plugin cache shared by the run', () => {
    const config = cliConfig({ kind: 'mirror', dir: '/m', versions: ['5.100.0'], how: '--mirror' }, '/cache');
    expect(config).toContain('plugin_cache_dir = "/cache"');
    expect(config).toMatch(/filesystem_mirror \{\n\s+path\s+= "\/m"\n\s+include = \["registry.terraform.io\/hashicorp\/aws"\]/);
    expect(config).toMatch(/direct \{\n\s+exclude = \["registry.terraform.io\/hashicorp\/aws"\]/);
    expect(cliConfig({ kind: 'registry' }, '/cache')).not.toContain('filesystem_mirror');
  });
});

describe("reading Terraform's answers", () => {
  it('counts resources to create from the plan summary and refuses output without one', () => {
    expect(toCreate('...\nPlan: 44 to add, 0 to change, 0 to destroy.\n')).toBe(44);
    expect(toCreate('No changes. Your infrastructure matches the configuration.')).toBe(0);
    expect(() => toCreate('Error: something')).toThrow(/printed no summary line/);
  });

  it('keeps the errors and folds the list of resources a failed test leaves behind', () => {
    expect(terraformErrors('Error: bad\n\nTerraform left the following resources in state:\n  - a.b\n  - c.d\n')).toBe('Error: bad\n\nTerraform left the following resources in state: (2 mocked resources listed)');
  });
});

describe('npm run tf:check, against the real Terraform CLI', () => {
  // Terraform starts a provider process per configuration; on a loaded 2-core machine that takes a while.
  jest.setTimeout(180_000);
  // TMPDIR: the folders a failed check keeps for a look go where afterAll removes them. TF_PROVIDER_MIRROR: the mirror
  // the run found once (shared-terraform.ts), not a search of the file system per check.
  const check = (args: string[], env: Record<string, string> = {}) =>
    spawnSync('bash', ['bin/run', 'tf-check.ts', ...args], { encoding: 'utf8', env: { ...process.env, ...providerMirrorEnv(), TMPDIR: scratch(), ...env } });

  function stackFile(edit: (json: Json) => void): { dir: string; file: string } {
    const { json } = synth();
    edit(json);
    const dir = scratch();
    const file = join(dir, 'cdk.tf.json');
    writeFileSync(file, JSON.stringify(json, null, 2));
    return { dir, file };
  }

  it('fails on the provider alias bug with Terraform\'s own message, file and line, writing nothing beside the plan', () => {
    const { dir, file } = stackFile((json) => {
      json.provider.aws[0]!.alias = '111111111111_eu_west_1';
      for (const byName of Object.values<Json>(json.resource)) for (const body of Object.values<Json>(byName)) if (body.provider === 'aws.tooling_eu_west_1') body.provider = 'aws.111111111111_eu_west_1';
    });
    const run = check(['--plan', file]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/FAIL init/);
    expect(run.stdout).toMatch(/Error: Invalid provider configuration alias/);
    expect(run.stdout).toMatch(/on cdk\.tf\.json line \d+/);
    expect(run.stdout).toMatch(/real-Terraform check: 0 passed, 1 failed/);
    expect(readdirSync(dir)).toEqual(['cdk.tf.json']);
  });

  it('fails at validate on an argument the provider does not have', () => {
    const { file } = stackFile((json) => (Object.values<Json>(json.resource.aws_kms_key)[0]!.rotate_every_day = true));
    const run = check(['--plan', file]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/ok {3}init[\s\S]*FAIL validate/);
    expect(run.stdout).toMatch(/Error: Extraneous JSON object property[\s\S]*No argument or block type is named "rotate_every_day"/);
  });

  it('says how to provide Terraform when there is none, and exits non-zero', () => {
    const run = check(['--plan', 'config/example.json'], { TERRAFORM_BINARY: '/nonexistent/terraform' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Terraform not found \(tried "\/nonexistent\/terraform"/);
    expect(run.stderr).toMatch(/set TERRAFORM_BINARY/);
  });

  it('says what a mirror must hold when the named one lacks the provider', () => {
    const run = check(['--plan', 'config/example.json', '--mirror', scratch()]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/holds no hashicorp\/aws build for \w+_\w+ \(expected .*registry\.terraform\.io\/hashicorp\/aws\/<version>/);
  });

  it('answers --help with the usage, and refuses bad or contradicting flags with the usage and exit 2', () => {
    const help = check(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run tf:check/);
    for (const [args, message] of [
      [['--mirror', '/m', '--registry'], /--mirror and --registry exclude each other/],
      [['--timeout', '0'], /--timeout must be a number of seconds above 0 \(got "0"\)/],
      [['--jobs', 'abc'], /--jobs must be a whole number of at least 1 \(got "abc"\)/],
      [['--bogus'], /Unknown option '--bogus'/],
    ] as const) {
      const run = check([...args]);
      expect({ args, status: run.status }).toEqual({ args, status: 2 });
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/usage: npm run tf:check/);
    }
  });

  it('stops a Terraform command that runs past --timeout and fails the stack', () => {
    const { file } = stackFile(() => undefined);
    const run = check(['--plan', file, '--timeout', '1']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/FAIL (init|validate) +[\d.]+ s\n +\| terraform (init|validate) did not finish within 1 s \(raise it with --timeout\)/);
  });
});

describe('stacks checked side by side', () => {
  // Two inits filling the shared plugin cache at once failed in CI ("mkdir ...: file exists"): they take turns.
  it('never runs two terraform init at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-inits-'));
    const log = join(dir, 'log');
    const fake = join(dir, 'terraform');
    writeFileSync(fake, `#!/usr/bin/env bash\nif [[ $1 == init ]]; then echo "start $(date +%s%N)" >> ${log}; sleep 0.3; echo "end $(date +%s%N)" >> ${log}; fi\nexit 1\n`);
    chmodSync(fake, 0o755);
    const check = new TerraformCheck({ terraform: { binary: fake, version: '1.11.4' }, source: { kind: 'registry' }, workspace: join(dir, 'ws'), timeoutSeconds: 30, env: process.env });
    const { json } = synth();
    const results = await Promise.all(['a', 'b', 'c'].map((name) => check.check({ name, json })));
    expect(results.map((r) => r.steps.map((s) => `${s.step} ${s.ok}`))).toEqual([['init false'], ['init false'], ['init false']]);
    const events = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ')[0]);
    expect(events).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
  });
});
