/**
 * One provider process for validate, the schema read and the mocked apply (src/terraform/provider-server.ts). Real
 * Terraform with a provider per configuration, as it runs without TF_REATTACH_PROVIDERS, is the oracle: on a stack
 * that passes and on stacks the provider refuses at validate and at the mocked apply, Terraform on the one process
 * answers with the same exit status and the same words, and the process served every command.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerraformCheck } from '../src/terraform/check';
import { providerProcessLine } from '../src/terraform/report';
import { ProviderServer, installedProvider, reattachValue } from '../src/terraform/provider-server';
import { findTerraform, terraformPlatform } from '../src/terraform/toolchain';
import { CommandResult, run } from '../src/rehearse/clients';
import { providerSource, sharedTerraform, terraformFolder } from './shared-terraform';

type Json = Record<string, any>;
const AWS = 'registry.terraform.io/hashicorp/aws';
const dirs: string[] = [];
const scratch = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })));

describe("the provider's announcement and its installed build", () => {
  const printed = (value: string) => `Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='${value}'\n\n`;
  const value = JSON.stringify({ [AWS]: { Protocol: 'grpc', ProtocolVersion: 5, Pid: 7, Test: true, Addr: { Network: 'unix', String: '/tmp/plugin1' } } });

  it('reads the value for the address asked, and nothing from a half-printed line or another provider', () => {
    expect(reattachValue(printed(value), AWS)).toBe(value);
    expect(reattachValue(printed(value).slice(0, 60), AWS)).toBeUndefined();
    expect(reattachValue(printed(value), 'registry.terraform.io/hashicorp/random')).toBeUndefined();
  });

  it('finds the binary init installed for the version and platform, and none for another', () => {
    const data = scratch('cap-provider-data-');
    const dir = join(data, 'providers', AWS, '5.100.0', 'linux_amd64');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'LICENSE.txt'), '');
    writeFileSync(join(dir, 'terraform-provider-aws_v5.100.0_x5'), '');
    expect(installedProvider(data, AWS, '5.100.0', 'linux_amd64')).toBe(join(dir, 'terraform-provider-aws_v5.100.0_x5'));
    expect(installedProvider(data, AWS, '6.25.0', 'linux_amd64')).toBeUndefined();
    expect(installedProvider(data, AWS, '5.100.0', 'darwin_arm64')).toBeUndefined();
  });

  it('says in the report whether the process served, and why not', () => {
    expect(providerProcessLine({ requests: 12 })).toBe('one provider process for validate and the mocked apply: 12 calls served');
    expect(providerProcessLine({ notUsed: 'no hashicorp/aws build under /x\nmore' })).toBe('a provider process per configuration (the shared one could not start: no hashicorp/aws build under /x)');
  });
});

/** The provider build the run's shared `terraform init` installed (shared-terraform.ts). */
function sharedProviderBinary(): string {
  const { initDir, init } = sharedTerraform();
  expect(init).toEqual({ status: 0, stderr: '' });
  const version = readdirSync(join(initDir, '.terraform', 'providers', AWS))[0]!;
  const binary = installedProvider(join(initDir, '.terraform'), AWS, version, terraformPlatform());
  expect(binary).toBeDefined();
  return binary!;
}

/** Two regions, a key, a bucket, a role and its policy on the key: small, but each command reaches the provider. */
function stack(edit: (json: Json) => void = () => undefined): Json {
  const json: Json = {
    terraform: { required_providers: { aws: { source: 'hashicorp/aws' } } },
    provider: { aws: [{ alias: 'tooling_eu_west_1', region: 'eu-west-1' }, { alias: 'tooling_us_east_1', region: 'us-east-1' }] },
    resource: {
      aws_kms_key: { key: { provider: 'aws.tooling_eu_west_1', deletion_window_in_days: 7, enable_key_rotation: true } },
      aws_s3_bucket: { artifacts: { provider: 'aws.tooling_us_east_1', bucket: 'cap-provider-server-artifacts' } },
      aws_iam_role: { build: { provider: 'aws.tooling_eu_west_1', name: 'build', assume_role_policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"}]}' } },
      aws_iam_policy: { build: { provider: 'aws.tooling_eu_west_1', name: 'build', policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"${aws_kms_key.key.arn}"}]}' } },
      aws_iam_role_policy_attachment: { build: { provider: 'aws.tooling_eu_west_1', role: '${aws_iam_role.build.name}', policy_arn: '${aws_iam_policy.build.arn}' } },
    },
  };
  edit(json);
  return json;
}

/** The mocked apply as the check writes it: a mock per alias, the policy's ARN ARN-shaped (mock-test.ts). */
const MOCKED_APPLY = {
  mock_provider: {
    aws: [
      { alias: 'tooling_eu_west_1', mock_resource: { aws_iam_policy: { defaults: { arn: 'arn:aws:iam::123456789012:policy/build' } } } },
      { alias: 'tooling_us_east_1' },
    ],
  },
  run: { apply_and_destroy: { command: 'apply' } },
};

/** Terraform's answer, but for the random string a mock gave a computed value, which Terraform quotes when the provider refuses it. */
const answer = ({ status, stdout, stderr }: CommandResult) => {
  const unmock = (text: string) => text.replace(/("\w+") \([a-z0-9]+\) is an invalid/g, '$1 (mocked) is an invalid');
  return { status, stdout: unmock(stdout), stderr: unmock(stderr) };
};

describe('validate and the mocked apply with one provider process, against a process per configuration', () => {
  jest.setTimeout(180_000);
  const cases: Record<string, { json: Json; commands: string[][] }> = {
    passes: { json: stack(), commands: [['validate', '-no-color'], ['test', '-no-color']] },
    // The provider's own range check, at validate.
    'refused at validate': { json: stack((json) => (json.resource.aws_kms_key.key.deletion_window_in_days = 3)), commands: [['validate', '-no-color']] },
    // A computed id where an ARN belongs: unknown at validate and plan, a mocked string the provider refuses at apply.
    'refused at the mocked apply': { json: stack((json) => (json.resource.aws_iam_role_policy_attachment.build.policy_arn = '${aws_iam_policy.build.policy_id}')), commands: [['test', '-no-color']] },
  };
  const spawned: Record<string, CommandResult[]> = {};
  const shared: Record<string, CommandResult[]> = {};
  const served: Record<string, number[]> = {};
  let server: ProviderServer;

  beforeAll(async () => {
    server = await ProviderServer.start({ binary: sharedProviderBinary(), address: AWS, env: process.env });
    const folders = Object.fromEntries(
      Object.entries(cases).map(([name, { json }]) => {
        const { dir, env } = terraformFolder('cap-provider-case-');
        dirs.push(dir);
        writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(json));
        writeFileSync(join(dir, 'mocked.tftest.json'), JSON.stringify(MOCKED_APPLY));
        return [name, { dir, env: env as Record<string, string> }];
      }),
    );
    const terraform = (name: string, args: string[], extra: Record<string, string> = {}) => run('terraform', args, { cwd: folders[name]!.dir, env: { ...folders[name]!.env, ...extra } });
    // Terraform with its own providers, all at once; beside it, one command at a time on the shared process, so
    // each command's calls can be counted.
    const oracle = Promise.all(Object.entries(cases).map(async ([name, { commands }]) => (spawned[name] = await Promise.all(commands.map((args) => terraform(name, args))))));
    for (const [name, { commands }] of Object.entries(cases)) {
      for (const args of commands) {
        const before = server.requests;
        (shared[name] ??= []).push(await terraform(name, args, { TF_REATTACH_PROVIDERS: server.reattach }));
        (served[name] ??= []).push(server.requests - before);
      }
    }
    await oracle;
  });
  afterAll(() => server?.stop());

  it.each(Object.keys(cases))('%s: the same exit status, output and errors', (name) => {
    expect(shared[name]!.map(answer)).toEqual(spawned[name]!.map(answer));
  });

  it('fails where each case is meant to, so the comparison covers a pass and both refusals', () => {
    expect(Object.keys(cases).map((name) => spawned[name]!.map((r) => r.status))).toEqual([[0, 0], [1], [1]]);
    expect(spawned['refused at validate']![0]!.stderr).toMatch(/deletion_window_in_days/);
    expect(spawned['refused at the mocked apply']![0]!.stderr).toMatch(/"policy_arn" \(\w+\) is an invalid ARN/);
  });

  it('served every command from the one process', () => {
    expect(Object.values(served).flat().filter((calls) => !(calls > 0))).toEqual([]);
    expect(Object.values(served).flat()).toHaveLength(4);
  });
});

describe('the check with one provider process per stack', () => {
  jest.setTimeout(120_000);

  it('starts it from the build init installed and says how many calls it served', async () => {
    const check = new TerraformCheck({ terraform: findTerraform(process.env), source: providerSource(), workspace: scratch('cap-provider-check-'), timeoutSeconds: 120, env: process.env });
    const result = await check.validate({ name: 'one', json: stack() });
    expect(result.ok).toBe(true);
    expect(result.providerProcess).toEqual({ requests: expect.any(Number) });
    expect((result.providerProcess as { requests: number }).requests).toBeGreaterThan(0);
  });
});

describe('the provider process itself', () => {
  jest.setTimeout(60_000);

  it('stops with its socket removed', async () => {
    const server = await ProviderServer.start({ binary: sharedProviderBinary(), address: AWS, env: process.env });
    const { Pid, Addr } = JSON.parse(server.reattach)[AWS];
    expect(existsSync(Addr.String)).toBe(true);
    await server.stop();
    expect(existsSync(Addr.String)).toBe(false);
    expect(() => process.kill(Pid, 0)).toThrow();
  });

  it('refuses a program that exits or does not exist, saying which', async () => {
    await expect(ProviderServer.start({ binary: 'false', address: AWS, env: process.env })).rejects.toThrow(/^false -debug exited \(status 1\) before it announced itself/);
    await expect(ProviderServer.start({ binary: '/nonexistent/terraform-provider-aws', address: AWS, env: process.env })).rejects.toThrow(/^\/nonexistent\/terraform-provider-aws -debug could not start: spawn \/nonexistent\/terraform-provider-aws ENOENT/);
  });
});
