/**
 * CodePipeline's quotas as a property (AWS CodePipeline User Guide, "Quotas in AWS CodePipeline"): for every
 * workload kind, with and without approval and smoke tests, at the stage sizes around each wave boundary, the
 * pipeline keeps every stage within 50 actions, the pipeline within 50 stages and 500 actions, deploys every
 * deployment exactly once, and names everything as CodePipeline accepts. The numbers are AWS's, written out here.
 */
import { readFileSync } from 'node:fs';
import { parseEnvironment } from '../src/config/load';
import { pipelineStages } from '../src/model/pipeline-layout';
import { buildTopology } from '../src/model/topology';
import { policyArn, roleArn } from '../src/model/naming';
import { single, synth } from './support';

const AWS = { actionsPerStage: 50, stagesPerPipeline: 50, actionsPerPipeline: 500, name: /^[A-Za-z0-9.@_-]{1,100}$/ };
const KINDS = { 'lambda-container': 'config/example.json', cloudformation: 'config/example-cfn.json', 'ecs-service': 'config/example-ecs.json' } as const;
const SIZES = [1, 24, 25, 26, 49, 50, 51, 200];

function environment(file: string, deployments: number, approval: boolean, smokeTests: boolean) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  doc.smokeTests = smokeTests;
  doc.stages = [{ name: 'prod', approval, targets: Array.from({ length: deployments }, (_, i) => ({ account: String(500000000000 + i), regions: ['eu-west-1'] })) }];
  return doc;
}

const cases = Object.entries(KINDS).flatMap(([kind, file]) =>
  [true, false].flatMap((approval) => [true, false].flatMap((smoke) => SIZES.map((n) => [kind, file, approval, smoke, n] as const))),
);

describe('CodePipeline quotas, for every kind, approval, smoke test and stage size', () => {
  it.each(cases)('%s, approval %s, smoke tests %s, %i deployments', (_kind, file, approval, smoke, n) => {
    const config = parseEnvironment(environment(file, n, approval, smoke), file);
    const topology = buildTopology(config);
    const stages = pipelineStages({
      connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/c',
      fullRepositoryId: 'o/r',
      branch: 'main',
      buildProjectName: topology.names.buildProject,
      sourceCheckProjectName: topology.names.sourceCheckProject,
      waves: topology.waves,
      workload: config.workload,
      actionRoleArn: (a) => roleArn(a, topology.names.actionRole),
      executionRoleArn: (a) => roleArn(a, topology.names.executionRole),
      workloadBoundaryArn: (a) => policyArn(a, topology.names.workloadBoundary),
      ...(smoke ? { smokeTest: { functionName: topology.names.smokeTest, pipelineName: topology.names.pipeline } } : {}),
    });
    for (const stage of stages) {
      expect({ stage: stage.name, actions: stage.actions.length <= AWS.actionsPerStage, name: AWS.name.test(stage.name) }).toEqual({ stage: stage.name, actions: true, name: true });
      for (const action of stage.actions) expect({ action: action.name, ok: AWS.name.test(action.name) }).toEqual({ action: action.name, ok: true });
      expect(new Set(stage.actions.map((a) => a.name)).size).toBe(stage.actions.length);
    }
    expect(stages.length).toBeLessThanOrEqual(AWS.stagesPerPipeline);
    expect(stages.reduce((sum, s) => sum + s.actions.length, 0)).toBeLessThanOrEqual(AWS.actionsPerPipeline);
    expect(new Set(stages.map((s) => s.name)).size).toBe(stages.length);
    // Every deployment in exactly one wave; the approval (if any) in the first wave; a smoke test ending each wave.
    expect(topology.waves.flatMap((w) => w.deployments.map((d) => d.account)).sort()).toEqual(Array.from({ length: n }, (_, i) => String(500000000000 + i)));
    const waves = stages.slice(2);
    expect(waves.map((w) => w.actions.some((a) => a.category === 'Approval'))).toEqual(waves.map((_, i) => approval && i === 0));
    if (smoke) for (const w of waves) expect(w.actions.at(-1)!.name).toBe('smoke-test');
  });

  // The full synthesis at the boundary where a forgotten smoke-test slot made 51 actions.
  it.each(Object.entries(KINDS))('synthesizes %s with 25 deployments, approval and smoke tests', (_kind, file) => {
    const { json } = synth(environment(file, 25, true, true), file);
    for (const stage of single(json, 'aws_codepipeline').stage) expect(stage.action.length).toBeLessThanOrEqual(AWS.actionsPerStage);
  });

  it('refuses, naming the environment and the quota, a pipeline over 500 actions', () => {
    expect(() => synth(environment(KINDS['lambda-container'], 251, false, false), KINDS['lambda-container'])).toThrow(
      /the pipeline has \d+ actions; CodePipeline allows 500 per pipeline .*split the environment/,
    );
  });
});
