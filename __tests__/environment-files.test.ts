import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/config/issue';
import { loadEnvironmentFile, parseEnvironment } from '../src/environment/load';
import { parse as parseJsonc } from 'jsonc-parser';
import { ECHO_LIMIT, parseSource } from '../src/config/source';
import { synthesize } from '../cli/synthesize';
import { example } from './support';

const dir = mkdtempSync(join(tmpdir(), 'cap-env-files-'));
let n = 0;
const write = (text: string, name = `env${++n}.json`) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const json = (doc: unknown) => JSON.stringify(doc, null, 2);

/** The error loading a file raises (failing if none). */
function errorOf(file: string): ConfigError {
  try {
    loadEnvironmentFile(file);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`${file} loaded, expected a ConfigError`);
}
const mutated = (edit: (doc: any) => void) => {
  const doc: any = example();
  edit(doc);
  return errorOf(write(json(doc)));
};
/** One problem's line of the message, by field. */
const lineFor = (err: ConfigError, path: string) => err.message.split('\n').find((l) => l.includes(`  ${path}: `));

const readmeSection = () => {
  const readme = readFileSync('README.md', 'utf8');
  const heading = '## A worked example';
  return readme.slice(readme.indexOf(heading), readme.indexOf('\n## ', readme.indexOf(heading) + 5));
};
const readmeExample = () => /```jsonc\n([\s\S]*?)```/.exec(readmeSection())![1]!;

describe('comments, a byte-order mark and trailing commas are forgiven', () => {
  it("the README's environment-file example, copied as is, loads", () => {
    const block = readmeExample();
    expect(block).toMatch(/\/\/ /);
    expect(loadEnvironmentFile(write(block, 'readme.json')).name).toBe('readme');
    // As config/production.json, the file the README runs it as, the role names it sets are the defaults it says.
    const { terraformRoleName, terraformPlanRoleName, ...rest } = parseJsonc(block) as Record<string, unknown>;
    const defaults = parseEnvironment(rest, 'config/production.json');
    expect([defaults.terraformRoleName, defaults.terraformPlanRoleName]).toEqual([terraformRoleName, terraformPlanRoleName]);
  });

  it("the README's sample error output is what the loader prints for the mistakes it names", () => {
    const mistaken = readmeExample()
      .replace('"regions": ["eu-west-1", "us-east-1"]', '"regions": ["eu-west-1", "us-east1"]')
      .replace('{ "name": "prod", "approval": true,', '{ "name": "dev", "approval": true,')
      .replace('"path": "lambda-src" }', '"path": "../lambda-src", "kinds": "lambda-container" }');
    const file = write(mistaken, 'production.json');
    const printed = errorOf(file).message.replaceAll(file, 'config/production.json');
    const sample = /```\n(config\/production\.json: invalid environment config[\s\S]*?)\n```/.exec(readmeSection())![1]!;
    // The README cuts the list of regions after the first.
    expect(printed.replace(/(All: af-south-1), .*$/m, '$1, ...')).toBe(sample);
  });

  it('a UTF-8 byte-order mark is not content', () => {
    expect(loadEnvironmentFile(write(`\uFEFF${json(example())}`, 'bom.json')).name).toBe('bom');
  });

  it('block comments and trailing commas, as in tsconfig.json', () => {
    const text = json(example()).replace('{', '{ /* made by hand */').replace(/\n}$/, ',\n}');
    expect(loadEnvironmentFile(write(text, 'trailing.json')).name).toBe('trailing');
  });
});

describe('every problem points at its line and column', () => {
  it('a syntax error: where, what, and the line as written', () => {
    const file = write('{\n  "tooling": { "account": "111111111111" "region": "eu-west-1" }\n}\n');
    expect(errorOf(file).message).toContain(`${file}:2:42  (file): not valid JSON: "," expected between fields or list items (here: "tooling": { "account": "111111111111" "region": "eu-west-1" })`);
  });

  it('a duplicated key, which JSON.parse would silently drop, with both positions', () => {
    const text = json(example()).replace('"stages": [', '"stages": [],\n  "stages": [');
    const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
    const [first, second] = [lineOf(text.indexOf('"stages"')), lineOf(text.lastIndexOf('"stages"'))];
    expect(second).toBe(first + 1);
    expect(errorOf(write(text)).issues).toEqual([{ path: 'stages', message: `"stages" is set twice in this object (first at line ${first}, column 3); keep one`, line: second, column: 3 }]);
    expect(parseSource(text).value).toBeUndefined();
  });

  it('schema and other checks in one pass, sorted by position', () => {
    const err = mutated((d) => {
      d.workload.naem = 'typo';
      d.stages[1].name = 'dev';
      d.stages[1].targets[0].regions[1] = 'us-east1';
      delete d.tooling.region;
    });
    const lines = err.message.split('\n').slice(1);
    expect(lines.map((l) => l.replace(/^ {2}\S+:\d+:\d+ {2}/, ''))).toEqual([
      'tooling.region: is required: Region of the pipeline and the build.',
      expect.stringMatching(/^workload: unknown field "naem"; did you mean "name"\?; allowed here: kind, name, path$/),
      'stages[0].name: stage "dev" is listed more than once; stage names must be unique',
      'stages[1].name: stage "dev" is listed more than once; stage names must be unique',
      expect.stringMatching(/^stages\[1\]\.targets\[0\]\.regions\[1\]: "us-east1" is not a known AWS region; did you mean "us-east-1"\? All: af-south-1, /),
    ]);
    const positions = err.issues.map((i) => [i.line!, i.column!]);
    expect(positions).toEqual([...positions].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
  });

  it('a missing field says "required" and what it is, never "undefined"', () => {
    const err = mutated((d) => delete d.tooling.region);
    expect(err.message).not.toMatch(/undefined/);
    expect(lineFor(err, 'tooling.region')).toMatch(/:\d+:\d+ {2}tooling\.region: is required: Region of the pipeline and the build\.$/);
  });

  it('a value echoed back is cut to 80 characters, however long', () => {
    const long = `a${'b'.repeat(20_000_000)}`;
    const err = mutated((d) => {
      d.workload.name = long.toUpperCase();
      d.stages[0].name = long.toUpperCase();
    });
    expect(err.message.length).toBeLessThan(2000);
    expect(err.message).toContain(`${'B'.repeat(ECHO_LIMIT - 1)}… (20000001 characters)`);
  });
});

describe('values that pass their field but make derived names too long are cut in the message', () => {
  // 2 MB of valid lower-case letters: each derived-name message (bucket, function role, duplicates) quotes a cut value.
  const huge = `a${'b'.repeat(2_000_000)}`;
  it.each<[string, (d: any) => void, string]>([
    ['workload.name', (d) => (d.workload.name = huge), 'workload.name'],
    ['the environment name', (d) => (d.name = huge), 'workload.name'],
    ['a stage name', (d) => (d.stages[0].name = huge), 'stages[0].name'],
    ['a stage name listed twice', (d) => (d.stages[0].name = d.stages[1].name = huge), 'stages[1].name'],
  ])('%s of 2 MB', (_what, edit, path) => {
    const err = mutated(edit);
    expect(err.issues.map((i) => i.path)).toContain(path);
    expect(err.message.length).toBeLessThan(2000);
    for (const issue of err.issues) expect(issue.message.length).toBeLessThan(600);
    expect(err.message).toContain(`… (`);
  });
});

describe('paths stay inside the repository', () => {
  it.each([
    ['../../etc', 'climbs out with ".."'],
    ['lambda-src/../..', 'climbs out with ".."'],
    ['/etc', 'is absolute'],
    ['C:/Windows', 'is absolute'],
    ['./lambda-src', 'is not normalized'],
    ['lambda-src/', 'is not normalized'],
    ['lambda-src\\src', 'uses "\\"'],
  ])('workload.path "%s" is refused: %s', (path, why) => {
    const err = mutated((d) => (d.workload.path = path));
    expect(lineFor(err, 'workload.path')).toContain(why);
  });

  it('a buildspec or template path is held to the same rule', () => {
    const err = mutated((d) => (d.pullRequests = { buildspec: '../other-repo/buildspec.yml' }));
    expect(lineFor(err, 'pullRequests.buildspec')).toMatch(/must be a buildspec file of the repository, relative to the repository root.*climbs out with "\.\."/);
  });

  it('a folder that is not in the repository is named with the file it needs', () => {
    const err = mutated((d) => (d.workload.path = 'lambda-scr'));
    expect(lineFor(err, 'workload.path')).toMatch(/lambda-scr\/buildspec\.yml does not exist/);
  });
});

describe('permissions are judged with IAM semantics, not spelling', () => {
  const cfn = (permissions: unknown[]) => ({ kind: 'cloudformation', name: 'orders-events', path: 'cfn-src', template: 'template.yaml', permissions });
  const queues = { Action: 'sqs:CreateQueue', Resource: 'arn:aws:sqs:{region}:{account}:{stack}-*' };
  it.each([
    ['iam:Pass* on "*"', { Action: 'iam:Pass*', Resource: '*' }],
    ['sts:AssumeRole on every role of every account', { Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/*' }],
    ['"*" on the account\'s roles', { Action: '*', Resource: 'arn:aws:iam::{account}:role/*' }],
    ['iam:*Role, conditions aside', { Action: 'iam:*Role', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } } }],
  ])('%s is refused with the statement index', (_, statement) => {
    const err = mutated((d) => (d.workload = cfn([queues, statement])));
    expect(lineFor(err, 'workload.permissions[1]')).toMatch(/allows (iam:PassRole|sts:AssumeRole) on roles the template does not create/);
    expect(err.issues.map((i) => i.path)).not.toContain('workload.permissions[0]');
  });

  it("roles the template creates, by the stack's name, may be passed", () => {
    const doc: any = example();
    doc.workload = cfn([queues, { Action: 'iam:PassRole', Resource: 'arn:aws:iam::{account}:role/{stack}-*' }]);
    const err = errorOf(write(json(doc)));
    expect(err.issues.map((i) => i.path).filter((p) => p.startsWith('workload.permissions[1]'))).toEqual([]);
  });
});

describe('AWS naming rules for every derived name', () => {
  it.each(['xn--orders', 'sthree-orders', 'amzn-s3-demo-orders'])('workload "%s" would make a bucket name S3 reserves', (name) => {
    const err = mutated((d) => (d.workload.name = name));
    expect(lineFor(err, 'workload.name')).toMatch(/starts with "(xn--|sthree-|amzn-s3-demo-)", a prefix S3 reserves/);
  });

  it('an ECS task role name longer than IAM allows (64)', () => {
    const err = mutated((d) => {
      d.workload = { kind: 'ecs-service', name: 'orders-api', path: 'ecs-src', cluster: 'apps', service: 'orders', container: 'web', taskExecutionRoleName: 'r'.repeat(65) };
    });
    expect(lineFor(err, 'workload.taskExecutionRoleName')).toMatch(/must be an IAM role name \(1-64/);
  });
});

describe('cdktf.out stays coherent', () => {
  it('a synth leaves only the stacks its manifest lists, and a failed synth changes nothing', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cap-out-'));
    const before = process.env.CDKTF_OUTDIR;
    process.env.CDKTF_OUTDIR = outdir;
    try {
      synthesize([write(json(example()), 'first.json')]);
      synthesize([write(json(example()), 'second.json')]);
      const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
      expect(readdirSync(join(outdir, 'stacks'))).toEqual(Object.keys(manifest.stacks));
      expect(Object.keys(manifest.stacks)).toEqual(['second']);
      const bad: any = example();
      bad.tooling.region = 'nowhere';
      expect(() => synthesize([write(json(bad), 'third.json')])).toThrow(ConfigError);
      expect(readdirSync(join(outdir, 'stacks'))).toEqual(['second']);
    } finally {
      if (before === undefined) delete process.env.CDKTF_OUTDIR;
      else process.env.CDKTF_OUTDIR = before;
    }
  });
});
