import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/config/issue';
import { loadEnvironmentFiles, parseEnvironment } from '../src/environment/load';
import { TFC_CREDENTIALS_VARIABLE } from '../src/model/tfc';
import { example, synth } from './support';

const shipped = (file: string) => require(`../config/${file}`);
const s3 = { type: 's3', bucket: 'acme-state', key: 'pipeline/example.tfstate', region: 'eu-west-1' } as const;
const cloud = { type: 'cloud', organization: 'acme', workspace: 'orders-prod' } as const;

describe('backends', () => {
  it('keeps cdktf\'s per-stack local state for the local backend (the default)', () => {
    const { json } = synth();
    expect(json.terraform.backend).toBeUndefined();
    expect(json.terraform.cloud).toBeUndefined();
  });

  it('writes an encrypted S3 backend with native locking, and the state role when the file names one', () => {
    const input = { ...shipped('example-s3.json'), backend: { ...shipped('example-s3.json').backend, roleArn: 'arn:aws:iam::111111111111:role/terraform-state' } };
    const { json } = synth(input, 'config/example-s3.json');
    expect(json.terraform.backend).toEqual({
      s3: {
        bucket: 'acme-terraform-state-111111111111',
        key: 'cross-account-pipeline/example-s3.tfstate',
        region: 'eu-west-1',
        encrypt: true,
        kms_key_id: 'arn:aws:kms:eu-west-1:111111111111:alias/terraform-state',
        use_lockfile: true,
        assume_role: { role_arn: 'arn:aws:iam::111111111111:role/terraform-state', session_name: 'cdktf-orders-api-example-s3' },
      },
    });
  });

  it('writes a Terraform Cloud block with the environment\'s own workspace', () => {
    const { json } = synth(shipped('example-cloud.json'), 'config/example-cloud.json');
    expect(json.terraform.backend).toBeUndefined();
    expect(json.terraform.cloud).toEqual({
      hostname: 'app.terraform.io',
      organization: 'acme',
      workspaces: { name: 'orders-api-example-cloud', project: 'delivery' },
    });
  });
});

describe('HCP Terraform dynamic credentials', () => {
  const { json } = synth(shipped('example-cloud.json'), 'config/example-cloud.json');
  const variables = (json as unknown as { variable: Record<string, { type: string }> }).variable;

  it('declares tfc_aws_dynamic_credentials at the top level, under its exact name', () => {
    expect(Object.keys(variables)).toEqual([TFC_CREDENTIALS_VARIABLE]);
    expect(variables[TFC_CREDENTIALS_VARIABLE]!.type).toMatch(/aliases = map\(object\(\{ shared_config_file = string \}\)\)/);
  });

  it('wires each provider to the shared config file of its account, with no role chaining', () => {
    for (const provider of json.provider.aws) {
      const account = provider.allowed_account_ids[0];
      expect(provider.shared_config_files).toEqual([`\${var.${TFC_CREDENTIALS_VARIABLE}.aliases.ACCOUNT_${account}.shared_config_file}`]);
      expect(provider.assume_role).toBeUndefined();
    }
  });

  it('keeps role chaining for local runs', () => {
    const { json: local } = synth();
    expect(Object.keys(local.variable)).toEqual(['terraform_role_name']);
    for (const provider of local.provider.aws) expect(provider.shared_config_files).toBeUndefined();
  });
});

describe('bad backend input', () => {
  const errorFor = (patch: object) => {
    try {
      parseEnvironment({ ...example(), ...patch } as never, 'config/example.json');
    } catch (err) {
      return (err as ConfigError).issues;
    }
    throw new Error('expected a ConfigError');
  };

  it.each([
    ['an s3 backend without bucket and key', { backend: { type: 's3', region: 'eu-west-1' } }, [['backend.bucket', /is required/], ['backend.key', /is required/]]],
    ['a cloud backend without organization and workspace', { backend: { type: 'cloud' } }, [['backend.organization', /is required/], ['backend.workspace', /is required/]]],
    ['an unknown backend', { backend: { type: 'gcs' } }, [['backend.type', /must be "local", "s3" or "cloud"/]]],
    ['a state key that is not a state file', { backend: { ...s3, key: 'state' } }, [['backend.key', /ending in \.tfstate/]]],
    ['dynamic credentials without HCP Terraform', { credentials: 'tfc-dynamic' }, [['credentials', /set backend\.type to "cloud"/]]],
  ])('rejects %s', (_what, patch, expected) => {
    const issues = errorFor(patch);
    for (const [path, message] of expected as Array<[string, RegExp]>) {
      expect(issues).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
    }
  });

  const dir = mkdtempSync(join(tmpdir(), 'cap-state-'));
  const file = (name: string, doc: object) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify({ ...example(), ...doc }));
    return path;
  };

  it('rejects two environments sharing one S3 state key', () => {
    const a = file('alpha.json', { backend: s3 });
    const b = file('bravo.json', { backend: s3 });
    expect(() => loadEnvironmentFiles([a, b])).toThrow(/bravo\.json: invalid environment config \(1 problem\)\n  \S+bravo\.json:\d+:\d+  backend\.key: state s3:\/\/acme-state\/pipeline\/example\.tfstate is already used by environment "alpha"/);
  });

  it('rejects two environments sharing one workspace', () => {
    const a = file('charlie.json', { backend: cloud });
    const b = file('delta.json', { backend: cloud });
    expect(() => loadEnvironmentFiles([a, b])).toThrow(/backend\.workspace: state app\.terraform\.io\/acme\/orders-prod is already used by environment "charlie"/);
  });

  it('accepts environments with their own states', () => {
    const a = file('echo.json', { backend: s3 });
    const b = file('foxtrot.json', { backend: { ...s3, key: 'pipeline/foxtrot.tfstate' } });
    expect(loadEnvironmentFiles([a, b]).map((c) => c.name)).toEqual(['echo', 'foxtrot']);
  });
});
