import { parseEnvironment } from '../src/environment/load';
import { Deployment, PIPELINE_QUOTAS, splitIntoWaves } from '../src/model/topology';
import { environmentTopology } from '../src/workloads/registry';
import { DEV, PROD, TEST, TOOLING, example } from './support';

const deployments = (count: number): Deployment[] =>
  Array.from({ length: count }, (_, i) => ({ stage: 'prod', account: String(100000000000 + i), region: 'eu-west-1', stackName: 's' }));

describe('topology of the example', () => {
  const t = environmentTopology(parseEnvironment(example(), 'config/example.json'));

  it('needs an artifact store in the pipeline region first, then every deploy region', () => {
    expect(t.pipelineRegions).toEqual(['eu-west-1', 'us-east-1']);
    expect(t.deployRegions).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('groups deployments by target account', () => {
    expect(t.targets.map((x) => [x.account, x.regions])).toEqual([
      [DEV, ['eu-west-1']],
      [TEST, ['eu-west-1', 'us-east-1']],
      [PROD, ['eu-west-1', 'us-east-1']],
    ]);
    expect(t.targets.some((x) => x.account === TOOLING)).toBe(false);
  });

  it('keeps the configured stage order, one wave per small stage', () => {
    expect(t.waves.map((w) => [w.name, w.approval, w.deployments.length])).toEqual([
      ['dev', false, 1],
      ['test', false, 2],
      ['prod', true, 2],
    ]);
  });

  it('adds the pipeline region to the stores when nothing deploys there', () => {
    const input = example();
    input.tooling.region = 'eu-central-1';
    const other = environmentTopology(parseEnvironment(input, 'config/example.json'));
    expect(other.pipelineRegions).toEqual(['eu-central-1', 'eu-west-1', 'us-east-1']);
    expect(other.deployRegions).toEqual(['eu-west-1', 'us-east-1']);
  });
});

describe('waves', () => {
  it('keeps a stage that fits in one pipeline stage of the same name', () => {
    const waves = splitIntoWaves('prod', true, deployments(24));
    expect(waves).toHaveLength(1);
    expect(waves[0]).toMatchObject({ name: 'prod', approval: true });
  });

  it('splits a big stage into consecutive waves of at most 50 actions, order kept, approval in the first', () => {
    const all = deployments(60);
    const waves = splitIntoWaves('prod', true, all);
    expect(waves.map((w) => w.name)).toEqual(['prod.1', 'prod.2', 'prod.3']);
    expect(waves.map((w) => w.approval)).toEqual([true, false, false]);
    // two actions per deployment, plus the approval in the first wave
    expect(waves.map((w) => w.deployments.length * 2 + (w.approval ? 1 : 0))).toEqual([49, 50, 22]);
    expect(waves.flatMap((w) => w.deployments)).toEqual(all);
    for (const w of waves) expect(w.deployments.length * 2 + (w.approval ? 1 : 0)).toBeLessThanOrEqual(PIPELINE_QUOTAS.actionsPerStage);
  });

  it('fills waves without an approval to exactly 50 actions', () => {
    expect(splitIntoWaves('dev', false, deployments(50)).map((w) => w.deployments.length)).toEqual([25, 25]);
  });
});
