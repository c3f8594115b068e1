import { SHAPE_REGIONS, shape } from '../bench/shape-generator';
import { criticalPathDepth, planGraph } from '../src/plan/plan-graph';
import { PIPELINE_QUOTAS } from '../src/model/topology';
import { verifyPlan } from '../src/verify';
import { synth } from './support';

describe('shape generator', () => {
  it('spreads accounts round-robin over dev, test and prod, every account in every region, prod approved', () => {
    const doc = shape(7, 2);
    expect(doc.stages.map((s) => [s.name, s.approval, s.targets.length])).toEqual([
      ['dev', false, 3],
      ['test', false, 2],
      ['prod', true, 2],
    ]);
    expect(doc.stages.flatMap((s) => s.targets.map((t) => t.regions))).toEqual(Array(7).fill(SHAPE_REGIONS.slice(0, 2)));
    expect(doc.tooling.region).toBe(SHAPE_REGIONS[0]);
  });

  it('uses fewer stages when there are fewer accounts', () => {
    expect(shape(1, 1).stages.map((s) => s.name)).toEqual(['prod']);
    expect(shape(2, 1).stages.map((s) => s.name)).toEqual(['dev', 'prod']);
  });

  it('refuses shapes it cannot build', () => {
    expect(() => shape(0, 1)).toThrow(/--accounts must be a whole number of at least 1 \(got 0\)/);
    expect(() => shape(3, 11)).toThrow(/--regions must be a whole number from 1 to 10 \(got 11\)/);
  });
});

describe.each([
  [1, 1],
  [3, 3],
  [20, 5],
  [50, 5],
])('a %ix%i environment', (accounts, regions) => {
  const { json } = synth(shape(accounts, regions), `bench/shapes/${accounts}x${regions}.json`);
  const pipeline = Object.values(json.resource.aws_codepipeline!)[0]!;

  it('fits CodePipeline quotas: at most 50 actions per stage and 50 stages', () => {
    expect(pipeline.stage.length).toBeLessThanOrEqual(PIPELINE_QUOTAS.stagesPerPipeline);
    for (const stage of pipeline.stage) expect(stage.action.length).toBeLessThanOrEqual(PIPELINE_QUOTAS.actionsPerStage);
    const deployments = pipeline.stage.flatMap((s: any) => s.action).filter((a: any) => a.configuration?.ActionMode === 'CHANGE_SET_REPLACE');
    expect(deployments).toHaveLength(accounts * regions);
  });

  it('applies in at most 6 rounds (critical path of the plan)', () => {
    expect(criticalPathDepth(planGraph(json))).toBeLessThanOrEqual(6);
  });

  // 50x5 evaluates about 2,600 paths (8 s): `npm run bench` verifies it, and fails if it does not pass.
  (accounts * regions <= 100 ? it : it.skip)('passes verify', async () => {
    const v = await verifyPlan(`${accounts}x${regions}`, json);
    expect({ paths: v.access.filter((a) => !a.ok), rules: v.rules.filter((r) => !r.ok).map((r) => r.rule.id) }).toEqual({ paths: [], rules: [] });
  }, 30_000);
});
