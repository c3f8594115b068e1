import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagramDot, stacksByAccount } from '../src/plan/diagram';
import { resourcesPerPlace } from '../cli/summary';
import { example, placeOf, synth } from './support';

const { json, stack } = synth();

describe('diagram', () => {
  const dot = diagramDot(json as never, 'example');

  it('draws every account, region, stage, deployment and trust edge of the plan', () => {
    for (const account of ['111111111111 (tooling)', '222222222222', '333333333333', '444444444444']) expect(dot).toContain(`label="account ${account}"`);
    expect(dot.match(/subgraph "cluster\/\d{12}\/[a-z0-9-]+"/g)!.sort()).toEqual(
      [
        '111111111111/eu-west-1',
        '111111111111/us-east-1',
        '222222222222/eu-west-1',
        '333333333333/eu-west-1',
        '333333333333/us-east-1',
        '444444444444/eu-west-1',
        '444444444444/us-east-1',
      ].map((p) => `subgraph "cluster/${p}"`),
    );
    expect(dot).toMatch(/"stage\/Source" -> "stage\/Build".*\n.*"stage\/Build" -> "stage\/dev".*\n.*"stage\/dev" -> "stage\/test".*\n.*"stage\/test" -> "stage\/prod"/);
    expect(dot).toContain('label="stage 5: prod\\nmanual approval"');
    for (const place of ['prod/444444444444/us-east-1', 'test/333333333333/eu-west-1', 'dev/222222222222/eu-west-1']) {
      expect(dot).toContain(`"stage/${place.split('/')[0]}" -> "deploy/${place}"`);
    }
    for (const account of ['222222222222', '333333333333', '444444444444']) {
      expect(dot).toContain(`"role/arn:aws:iam::111111111111:role/orders-api-example-pipeline" -> "role/arn:aws:iam::${account}:role/orders-api-example-deploy" [label="assumes"`);
      expect(dot).toContain(`"role/arn:aws:iam::${account}:role/orders-api-example-deploy" -> "role/arn:aws:iam::${account}:role/orders-api-example-cfn-exec" [label="passes"`);
    }
  });

  // Graphviz WebAssembly ships as an ES module, which jest cannot load: render through the CLI, as users do.
  const render = (plan: object) => {
    const dir = mkdtempSync(join(tmpdir(), 'diagram-'));
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(plan));
    const run = spawnSync('bash', ['bin/run', 'diagram.ts', 'example', '--plan', join(dir, 'cdk.tf.json'), '--out', join(dir, 'example')], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(run.stderr);
    return { dot: readFileSync(join(dir, 'example.dot'), 'utf8'), svg: readFileSync(join(dir, 'example.svg'), 'utf8') };
  };

  it('renders the same SVG bytes for the same plan, and matches the picture in the README (`npm run diagram:readme` regenerates it)', () => {
    const [a, b] = [render(json), render(JSON.parse(JSON.stringify(json)))];
    expect(a.svg).toBe(b.svg);
    expect(a.dot).toBe(dot);
    expect(a.svg).toMatch(/^<\?xml[\s\S]*<svg [\s\S]*account 444444444444[\s\S]*<\/svg>\n?$/);
    expect(readFileSync('docs/example.dot', 'utf8')).toBe(dot);
    expect(readFileSync('docs/example.svg', 'utf8')).toBe(a.svg);
  });
});

describe('diagram of a split environment', () => {
  it('draws the environment from all its stacks, each account labelled with the stack that manages it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diagram-split-'));
    const file = join(dir, 'example.json');
    writeFileSync(file, JSON.stringify({ ...example(), name: 'example', targetAccountsPerStack: 2 }));
    const run = spawnSync('bash', ['bin/run', 'diagram.ts', 'example', '--config', file, '--out', join(dir, 'example')], { encoding: 'utf8', env: { ...process.env, CDKTF_OUTDIR: join(dir, 'out') } });
    expect(run.stderr).toBe('');
    const dot = readFileSync(join(dir, 'example.dot'), 'utf8');
    // The stacks as synth wrote them, and who they reach: the oracle for the labels.
    const stacks = ['example', 'example-targets-1', 'example-targets-2'].map((name) => ({ name, json: JSON.parse(readFileSync(join(dir, 'out/stacks', name, 'cdk.tf.json'), 'utf8')) }));
    const byAccount = stacksByAccount(stacks);
    expect([...byAccount.keys()].sort()).toEqual(['111111111111', '222222222222', '333333333333', '444444444444']);
    for (const [account, names] of byAccount) expect(dot).toContain(`label="account ${account}${account === '111111111111' ? ' (tooling)' : ''}\\nstack ${names.join(', ')}"`);
    expect(dot).toContain('label="example: orders-api-example (3 stacks)"');
    // The target stacks' roles are drawn as in one stack: the merged plan has them.
    expect(dot).toContain('"role/arn:aws:iam::444444444444:role/orders-api-example-deploy" -> "role/arn:aws:iam::444444444444:role/orders-api-example-cfn-exec" [label="passes"');
  });
});

describe('synth summary', () => {
  it('counts the resources of every account and region as the synthesized JSON places them', () => {
    const fromJson = new Map<string, number>();
    for (const byName of Object.values(json.resource)) {
      for (const body of Object.values(byName)) {
        const { account, region } = placeOf(json, body);
        fromJson.set(`${account}/${region}`, (fromJson.get(`${account}/${region}`) ?? 0) + 1);
      }
    }
    const fromSummary = new Map([...resourcesPerPlace(stack)].flatMap(([account, regions]) => [...regions].map(([region, n]): [string, number] => [`${account}/${region}`, n])));
    expect(fromSummary).toEqual(fromJson);
    expect([...fromSummary.values()].reduce((a, b) => a + b, 0)).toBe(48);
  });
});
