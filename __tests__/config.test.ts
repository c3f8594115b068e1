import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { parse as parseJsonc } from 'jsonc-parser';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentJsonSchema } from '../src/config/json-schema';
import { ConfigError } from '../src/config/issue';
import { loadEnvironmentFile, loadEnvironmentFiles, parseEnvironment } from '../src/environment/load';
import type { EnvironmentInput } from '../src/config/schema';
import { DEV, PROD, example } from './support';

/** Parses a mutated copy of the example and returns the error it raises (failing if none). */
function errorFor(mutate: (doc: any) => void, file = 'config/example.json'): ConfigError {
  const doc = example();
  mutate(doc);
  try {
    parseEnvironment(doc, file);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const stageOf = (doc: EnvironmentInput, name: string) => doc.stages.find((s) => s.name === name)!;

describe('valid environment files', () => {
  it('accepts the example and applies defaults', () => {
    const doc = example();
    delete (doc as any).terraformRoleName;
    delete (doc.source as any).branch;
    const config = parseEnvironment(doc, 'config/example.json');
    expect(config.name).toBe('example');
    // Per environment, and outside the `<workload>-<env>-` names the apply role may change (docs/ci.md).
    expect([config.terraformRoleName, config.terraformPlanRoleName]).toEqual(['terraform-apply-orders-api-example', 'terraform-plan-orders-api-example']);
    const same = () => parseEnvironment({ ...example(), terraformPlanRoleName: 'terraform', terraformRoleName: 'terraform' }, 'config/example.json');
    expect(same).toThrow(/terraformPlanRoleName: is the apply role "terraform": pull-request plans would run with the rights to change every account/);
    expect(config.source.branch).toBe('main');
    expect(stageOf(config, 'dev').approval).toBe(false);
    expect(stageOf(config, 'prod').approval).toBe(true);
  });

  it('takes the environment name from the file unless the file sets one', () => {
    expect(parseEnvironment(example(), '/x/sandbox.json').name).toBe('sandbox');
    expect(parseEnvironment({ ...example(), name: 'production' }, '/x/sandbox.json').name).toBe('production');
  });
});

describe('bad input names the file, the field and the fix', () => {
  const cases: Array<[string, (doc: any) => void, string, RegExp]> = [
    ['a malformed account id', (d) => (d.stages[0].targets[0].account = '12345'), 'stages[0].targets[0].account', /12-digit AWS account id.*got "12345"/],
    ['an account id given as a number', (d) => (d.tooling.account = 111111111111), 'tooling.account', /12-digit AWS account id in quotes/],
    ['an unknown region', (d) => (d.stages[1].targets[0].regions[1] = 'us-east1'), 'stages[1].targets[0].regions[1]', /"us-east1" is not a known AWS region; did you mean "us-east-1"\? All: .*us-east-1/],
    ['a duplicate stage', (d) => (d.stages[1].name = 'dev'), 'stages[1].name', /stage "dev" is listed more than once/],
    [
      'an account listed twice in a stage',
      (d) => d.stages[2].targets.push({ account: PROD, regions: ['eu-central-1'] }),
      'stages[2].targets[1].account',
      /account 444444444444 appears twice in stage "prod"; list it once with all its regions/,
    ],
    ['a region listed twice for one account', (d) => d.stages[0].targets[0].regions.push('eu-west-1'), 'stages[0].targets[0].regions', /region eu-west-1 is listed twice/],
    ['no stages', (d) => (d.stages = []), 'stages', /must list at least one stage/],
    ['an approval stage with no deployments', (d) => (d.stages[2].targets = []), 'stages[2].targets', /a stage \(and its approval\) needs somewhere to deploy/],
    ['a stage target with no regions', (d) => (d.stages[0].targets[0].regions = []), 'stages[0].targets[0].regions', /at least one region/],
    ['a missing source', (d) => delete d.source, 'source', /is required: \{ "owner", "repository"/],
    ['a missing tooling account', (d) => delete d.tooling.account, 'tooling.account', /is required/],
    [
      'names too long for S3',
      (d) => (d.workload.name = 'a-very-long-workload-name-for-orders'),
      'workload.name',
      /artifact bucket name "a-very-long-workload-name-for-orders-example-artifacts-111111111111-eu-west-1" is 77 characters; AWS allows 63\. Shorten workload\.name \+ environment name \("a-very-long-workload-name-for-orders-example"\) by 14 characters/,
    ],
    [
      'a stage name too long for the function role (IAM) name',
      (d) => (d.stages[0].name = 'integration-sandbox-for-payments-team-eu'),
      'stages[0].name',
      /function role name ".*-eu-west-1" is \d+ characters; AWS allows 64\. Shorten the stage name/,
    ],
    ['a typo in a field name', (d) => (d.stages[0].targets[0].regoins = ['eu-west-1']), 'stages[0].targets[0]', /unknown field "regoins"; did you mean "regions"\?; allowed here: account, regions/],
    ['an upper-case workload name', (d) => (d.workload.name = 'OrdersApi'), 'workload.name', /lower-case letters, digits and inner hyphens/],
    ['a malformed connection ARN', (d) => (d.source.connectionArn = 'arn:aws:iam::1:role/x'), 'source.connectionArn', /CodeConnections connection ARN.*omit it to create a connection/],
    ['a non-boolean approval', (d) => (d.stages[2].approval = 'yes'), 'stages[2].approval', /expected boolean/],
    ['an organization id without "o-"', (d) => (d.organization = { id: 'a1b2c3d4e5' }), 'organization.id', /must be an AWS Organizations id: "o-" and 10 to 32 lowercase letters or digits, e\.g\. "o-a1b2c3d4e5" \(got "a1b2c3d4e5"\)/],
    ['an organization path that is an account id', (d) => (d.organization = { id: 'o-a1b2c3d4e5', paths: ['222222222222'] }), 'organization.paths[0]', /must be an organization path such as "o-a1b2c3d4e5\/r-ab12\/ou-ab12-11111111\/"/],
    ['an organization path without its final "/"', (d) => (d.organization = { id: 'o-a1b2c3d4e5', paths: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111'] }), 'organization.paths[0]', /each ending in "\/"/],
    ['a path of another organization', (d) => (d.organization = { id: 'o-a1b2c3d4e5', paths: ['o-ffffffffff/r-ab12/'] }), 'organization.paths[0]', /must start with the organization id "o-a1b2c3d4e5\/"/],
    ['no target accounts a stack', (d) => (d.targetAccountsPerStack = 0), 'targetAccountsPerStack', /must be at least 1; leave it out for one stack/],
    ['part of an account a stack', (d) => (d.targetAccountsPerStack = 1.5), 'targetAccountsPerStack', /must be a whole number of target accounts, e\.g\. 20/],
    ['an empty list of organization paths', (d) => (d.organization = { id: 'o-a1b2c3d4e5', paths: [] }), 'organization.paths', /leave paths out to trust the whole organization/],
  ];

  it.each(cases)('rejects %s', (_what, mutate, path, message) => {
    const err = errorFor(mutate);
    expect(err.file).toBe('config/example.json');
    expect(err.issues).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
    expect(err.message).toMatch(/^config\/example\.json: invalid environment config \(\d+ problems?\)\n/);
    expect(err.message).toContain(`  ${path}: `);
  });

  it('reports every problem of a file in one pass', () => {
    const err = errorFor((d) => {
      d.tooling.region = 'mars-1';
      d.stages[0].targets[0].account = 'x';
    });
    expect(err.issues.map((i) => i.path).sort()).toEqual(['stages[0].targets[0].account', 'tooling.region']);
  });

  it('rejects a file whose name is no valid environment name unless it sets one', () => {
    const err = errorFor(() => undefined, 'config/My_Env.json');
    expect(err.issues).toEqual([{ path: 'name', message: expect.stringMatching(/file name "My_Env" is not a valid environment name; set "name"/) }]);
  });

  it('accepts more deployment waves than one pipeline holds: they continue in further pipelines (docs/scale.md)', () => {
    const doc = JSON.parse(readFileSync('config/example.json', 'utf8'));
    const accounts = Array.from({ length: 1300 }, (_, i) => String(100000000000 + i));
    doc.stages = [{ name: 'fleet', targets: accounts.map((account) => ({ account, regions: ['eu-west-1'] })) }];
    expect(parseEnvironment({ ...doc, organization: { id: 'o-abcdefghij' } }, 'config/example.json').stages[0]!.targets).toHaveLength(1300);
  });
});

describe('environment files on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cap-config-'));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('says where JSON is broken', () => {
    const file = write('broken.json', '{ "tooling": ');
    expect(() => loadEnvironmentFile(file)).toThrow(new RegExp(`^${file}: invalid environment config \\(2 problems\\)\\n  ${file}:1:14  \\(file\\): not valid JSON: a value expected`));
  });

  it('says when a file cannot be read', () => {
    expect(() => loadEnvironmentFile(join(dir, 'missing.json'))).toThrow(/missing\.json: invalid environment config \(1 problem\)\n  \S+missing\.json  \(file\): cannot read the file \(ENOENT\)/);
  });

  it('refuses two files for one environment name', () => {
    const a = write('a.json', JSON.stringify({ ...example(), name: 'shared' }));
    const b = write('b.json', JSON.stringify({ ...example(), name: 'shared' }));
    expect(() => loadEnvironmentFiles([a, b])).toThrow(/b\.json: invalid environment config \(1 problem\)\n  \S+b\.json:1:\d+  name: environment "shared" is already defined by .*a\.json/);
  });

  it('loads a valid file from disk', () => {
    const file = write('staging.json', JSON.stringify({ ...example(), stages: [{ name: 'dev', targets: [{ account: DEV, regions: ['eu-west-1'] }] }] }));
    expect(loadEnvironmentFiles([file]).map((c) => c.name)).toEqual(['staging']);
  });
});

describe('JSON schema for editors', () => {
  it('is up to date with the zod schema (run `npm run schema` after changing it)', () => {
    expect(JSON.parse(readFileSync('config/schema.json', 'utf8'))).toEqual(environmentJsonSchema());
  });

  // Ajv, a JSON Schema validator of draft 2020-12 as editors apply it, judges what an editor would flag.
  const editor = new Ajv2020({ allErrors: true }).compile(JSON.parse(readFileSync('config/schema.json', 'utf8')));
  const shipped = readdirSync('config').filter((f) => f.endsWith('.json') && f !== 'schema.json');

  it('accepts every shipped environment file, those that leave the workload kind out included', () => {
    expect(shipped.filter((f) => !(parseJsonc(readFileSync(join('config', f), 'utf8')) as { workload: { kind?: string } }).workload.kind).length).toBeGreaterThan(0);
    expect(shipped.map((f) => [f, editor(parseJsonc(readFileSync(join('config', f), 'utf8'))), editor.errors ?? null])).toEqual(shipped.map((f) => [f, true, null]));
  });

  it('flags what the loader refuses in a workload: an unknown kind, a field of another kind, a missing name', () => {
    const base = example();
    const own = base.workload as Record<string, unknown>;
    for (const workload of [{ ...own, kind: 'lambda' }, { ...own, cluster: 'c' }, { path: 'lambda-src' }]) {
      const document = { ...base, workload };
      expect(editor(document)).toBe(false);
      expect(() => parseEnvironment(document, 'config/example.json')).toThrow(ConfigError);
    }
  });
});
