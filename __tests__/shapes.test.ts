import { SHAPE_REGIONS, shape } from '../bench/shape-generator';
import { criticalPathDepth, planGraph } from '../src/plan/plan-graph';
import { Plan } from '../src/plan/plan';
import { checkRules } from '../src/verify/rules';
import { POLICY_SIZE_RULE } from '../src/verify/size-rules';
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

// 200x1 and 100x3 (ECS: 2 actions a deployment would pass CodePipeline's 500 a pipeline) synthesize within every
// quota here; `npm run bench` verifies them (12 s and 7 s) and runs the real Terraform check on them.
describe.each([
  [1, 1, 'lambda-container', 'verify'],
  [3, 3, 'lambda-container', 'verify'],
  [20, 5, 'lambda-container', 'verify'],
  [50, 5, 'ecs-service', 'verify'],
  [200, 1, 'lambda-container', 'bench verifies'],
  [100, 3, 'ecs-service', 'bench verifies'],
] as const)('a %ix%i environment (%s)', (accounts, regions, kind, verified) => {
  const doc = shape(accounts, regions, kind);
  const { json } = synth(doc, `bench/shapes/${String(doc.name).replace(/^shape-/, '')}.json`);
  const pipeline = Object.values(json.resource.aws_codepipeline!)[0]!;

  it('fits CodePipeline quotas: at most 50 actions per stage, 50 stages and 500 actions, every deployment once', () => {
    expect(pipeline.stage.length).toBeLessThanOrEqual(50);
    for (const stage of pipeline.stage) expect(stage.action.length).toBeLessThanOrEqual(50);
    const actions = pipeline.stage.flatMap((s: any) => s.action);
    expect(actions.length).toBeLessThanOrEqual(500);
    const deployments = actions.filter((a: any) => a.configuration?.ActionMode === 'CHANGE_SET_REPLACE' || a.provider === 'ECS');
    expect(deployments).toHaveLength(accounts * regions);
  });

  it('keeps every policy within its AWS quota', () => {
    expect(checkRules(new Plan(json as never), [POLICY_SIZE_RULE])[0]!.findings).toEqual([]);
  });

  it('applies in at most 6 rounds (critical path of the plan)', () => {
    expect(criticalPathDepth(planGraph(json))).toBeLessThanOrEqual(6);
  });

  (verified === 'verify' ? it : it.skip)('passes verify', async () => {
    const v = await verifyPlan(`${accounts}x${regions}`, json);
    expect({ paths: v.access.filter((a) => !a.ok), rules: v.rules.filter((r) => !r.ok).map((r) => r.rule.id) }).toEqual({ paths: [], rules: [] });
  }, 60_000);
});
