/**
 * CodePipeline's quotas as a property (AWS CodePipeline User Guide, "Quotas in AWS CodePipeline"): for every
 * workload kind, with and without approval and smoke tests, at the stage sizes around each wave boundary, the
 * pipeline keeps every stage within 50 actions, the pipeline within 50 stages and 500 actions, deploys every
 * deployment exactly once, and names everything as CodePipeline accepts. The numbers are AWS's, written out here.
 */
import { readFileSync } from 'node:fs';
import { parseEnvironment } from '../src/environment/load';
import { CONTINUE_STAGE, pipelineLayouts, releaseKey } from '../src/workloads/pipeline-layout';
import { environmentTopology } from '../src/workloads/registry';
import { policyArn, roleArn } from '../src/model/naming';
import { single, synth } from './support';

const AWS = { actionsPerStage: 50, stagesPerPipeline: 50, actionsPerPipeline: 500, name: /^[A-Za-z0-9.@_-]{1,100}$/ };
const KINDS = { 'lambda-container': 'config/example.json', cloudformation: 'config/example-cfn.json', 'ecs-service': 'config/example-ecs.json' } as const;
const SIZES = [1, 24, 25, 26, 49, 50, 51, 200, 251, 1000];

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
    const topology = environmentTopology(config);
    const pipelines = pipelineLayouts({
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
      ...(smoke ? { smokeTest: { functionName: topology.names.smokeTest } } : {}),
      pipelineName: (i) => (i === 1 ? topology.names.pipeline : `${topology.names.pipeline}-${i}`),
      releaseStore: { bucket: 'artifacts', keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/k' },
    });
    // One pipeline while it fits; beyond, a chain: each next one starts from the release the one before writes last.
    for (const [i, { name, stages }] of pipelines.entries()) {
      expect(AWS.name.test(name)).toBe(true);
      expect(stages.length).toBeLessThanOrEqual(AWS.stagesPerPipeline);
      expect(stages.reduce((sum, s) => sum + s.actions.length, 0)).toBeLessThanOrEqual(AWS.actionsPerPipeline);
      if (i + 1 < pipelines.length) {
        const [release, start] = stages.at(-1)!.actions;
        expect({ stage: stages.at(-1)!.name, release: release!.configuration, start: start!.configuration }).toEqual({
          stage: CONTINUE_STAGE,
          release: expect.objectContaining({ ObjectKey: releaseKey(pipelines[i + 1]!.name), Extract: 'false' }),
          start: { PipelineName: pipelines[i + 1]!.name },
        });
        expect(pipelines[i + 1]!.stages[0]!.actions).toEqual([expect.objectContaining({ provider: 'S3', outputArtifacts: ['BuildOutput'], configuration: expect.objectContaining({ S3ObjectKey: releaseKey(pipelines[i + 1]!.name), PollForSourceChanges: 'false' }) })]);
      }
    }
    // A chain only when one pipeline cannot hold the waves: the first would overflow with the next one's waves.
    if (pipelines.length > 1) {
      const alone = 3 + pipelines.flatMap((p, i) => p.stages.slice(i === 0 ? 2 : 1).filter((s) => s.name !== CONTINUE_STAGE)).reduce((sum, s) => sum + s.actions.length, 0);
      const waveCount = topology.waves.length;
      expect(alone > AWS.actionsPerPipeline || 2 + waveCount > AWS.stagesPerPipeline).toBe(true);
    }
    const stages = pipelines.flatMap((p, i) => p.stages.filter((s, j) => !(i > 0 && j === 0) && s.name !== CONTINUE_STAGE));
    // One expectation a rule, naming what breaks it (an expectation an action made thousands).
    expect(stages.filter((s) => !(s.actions.length <= AWS.actionsPerStage && AWS.name.test(s.name))).map((s) => ({ stage: s.name, actions: s.actions.length }))).toEqual([]);
    expect(stages.flatMap((s) => s.actions.filter((a) => !AWS.name.test(a.name)).map((a) => `${s.name} / ${a.name}`))).toEqual([]);
    expect(stages.filter((s) => new Set(s.actions.map((a) => a.name)).size !== s.actions.length).map((s) => s.name)).toEqual([]);
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

  it('continues beyond 500 actions in a second pipeline, which only the first pipeline\'s role starts', () => {
    const { json } = synth(environment(KINDS['lambda-container'], 251, false, false), KINDS['lambda-container']);
    const pipelines = Object.values<any>(json.resource.aws_codepipeline);
    expect(pipelines.map((p) => p.name)).toEqual(['orders-api-example', 'orders-api-example-2']);
    // The pipeline role's statements, inline or in the managed policies its inline quota overflows into.
    const statements = [...Object.values<any>(json.resource.aws_iam_role_policy), ...Object.values<any>(json.resource.aws_iam_policy ?? {})]
      .filter((p) => String(p.role ?? p.name).includes('pipeline'))
      .flatMap((p) => JSON.parse(p.policy).Statement);
    expect(statements.filter((s: any) => s.Sid === 'StartNextPipelines').map((s: any) => s.Resource)).toEqual([['arn:aws:codepipeline:eu-west-1:111111111111:orders-api-example-2']]);
  });
});
