import type { WorkloadConfig } from '../src/config/schema';
import { PipelineLayoutProps, pipelineLayouts, waveActions } from '../src/workloads/pipeline-layout';
import { ActionDeclaration, parameterOverrides } from '../src/workloads/pipeline-actions';
import { Deployment, Wave, splitIntoWaves } from '../src/model/topology';

const LAMBDA: WorkloadConfig = { kind: 'lambda-container', name: 'w', path: 'lambda-src' };
const ECS: WorkloadConfig = { kind: 'ecs-service', name: 'w', path: 'ecs-src', cluster: 'main', service: 'web', container: 'app', taskExecutionRoleName: 'exec' };
const CFN: WorkloadConfig = {
  kind: 'cloudformation',
  name: 'w',
  path: 'cfn-src',
  template: 'out/stack.yaml',
  parameters: 'out/params.json',
  permissions: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }],
  handlerPermissionsNotNeeded: [],
};
const roles = {
  actionRoleArn: (a: string) => `arn:aws:iam::${a}:role/deploy`,
  executionRoleArn: (a: string) => `arn:aws:iam::${a}:role/exec`,
  workloadBoundaryArn: (a: string) => `arn:aws:iam::${a}:policy/boundary`,
};
const deployment = (account: string, region: string, stage = 'prod'): Deployment => ({ stage, account, region, stackName: `w-${stage}` });
const props = (waves: Wave[]) => ({
  connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/x',
  fullRepositoryId: 'org/repo',
  branch: 'main',
  buildProjectName: 'build',
  sourceCheckProjectName: 'source-check',
  waves,
  workload: LAMBDA,
  ...roles,
  pipelineName: (n: number) => (n === 1 ? 'p' : `p-${n}`),
  releaseStore: { bucket: 'artifacts', keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/k' },
});
/** The stages of an environment that fits one pipeline. */
const pipelineStages = (p: PipelineLayoutProps) => {
  const layouts = pipelineLayouts(p);
  expect(layouts.map((l) => l.name)).toEqual(['p']);
  return layouts[0]!.stages;
};
const byMode = (actions: ActionDeclaration[], mode: string) => actions.filter((a) => a.configuration?.ActionMode === mode);

describe('wave actions', () => {
  const wave: Wave = { name: 'prod', stage: 'prod', approval: true, deployments: [deployment('222222222222', 'eu-west-1'), deployment('222222222222', 'us-east-1')] };
  const actions = waveActions(wave, LAMBDA, roles);

  it('prepares every change set, then asks for approval, then executes them', () => {
    expect(byMode(actions, 'CHANGE_SET_REPLACE').map((a) => a.runOrder)).toEqual([1, 1]);
    expect(actions.filter((a) => a.category === 'Approval').map((a) => [a.name, a.runOrder])).toEqual([['approve-prod', 2]]);
    expect(byMode(actions, 'CHANGE_SET_EXECUTE').map((a) => a.runOrder)).toEqual([3, 3]);
  });

  it('executes right after preparing when the stage needs no approval', () => {
    const dev = waveActions({ ...wave, approval: false }, LAMBDA, roles);
    expect(dev.some((a) => a.category === 'Approval')).toBe(false);
    expect(byMode(dev, 'CHANGE_SET_EXECUTE').map((a) => a.runOrder)).toEqual([2, 2]);
  });

  it('runs each action in its region with the action role, and CloudFormation with the execution role', () => {
    for (const a of actions.filter((x) => x.category === 'Deploy')) {
      expect(a.roleArn).toBe('arn:aws:iam::222222222222:role/deploy');
      expect(['eu-west-1', 'us-east-1']).toContain(a.region);
    }
    for (const a of byMode(actions, 'CHANGE_SET_REPLACE')) {
      expect(a.configuration).toMatchObject({ RoleArn: 'arn:aws:iam::222222222222:role/exec', TemplatePath: 'BuildOutput::template.yaml', StackName: 'w-prod' });
      expect(a.inputArtifacts).toEqual(['BuildOutput']);
    }
  });

  it('reads the image of the action region from the build output', () => {
    expect(JSON.parse(parameterOverrides(deployment('222222222222', 'us-east-1'), 'arn:aws:iam::222222222222:policy/boundary'))).toEqual({
      ImageUri: { 'Fn::GetParam': ['BuildOutput', 'images.json', 'us-east-1'] },
      Stage: 'prod',
      PermissionsBoundary: 'arn:aws:iam::222222222222:policy/boundary',
    });
  });

  it('refuses ParameterOverrides over 1 KB', () => {
    expect(() => parameterOverrides(deployment('222222222222', 'us-east-1', 'x'.repeat(1000)), 'arn:aws:iam::222222222222:policy/boundary')).toThrow(/is \d+ bytes; CodePipeline allows 1000/);
  });
});

describe('other workload kinds', () => {
  const wave: Wave = { name: 'prod', stage: 'prod', approval: true, deployments: [deployment('222222222222', 'eu-west-1'), deployment('222222222222', 'us-east-1')] };

  it('updates ECS services with the image definitions of their region, after the approval', () => {
    const actions = waveActions(wave, ECS, roles);
    expect(actions.map((a) => [a.name, a.provider, a.runOrder])).toEqual([
      ['approve-prod', 'Manual', 1],
      ['222222222222-eu-west-1-deploy', 'ECS', 2],
      ['222222222222-us-east-1-deploy', 'ECS', 2],
    ]);
    expect(actions[2]).toMatchObject({
      region: 'us-east-1',
      roleArn: 'arn:aws:iam::222222222222:role/deploy',
      inputArtifacts: ['BuildOutput'],
      configuration: { ClusterName: 'main', ServiceName: 'web', FileName: 'imagedefinitions-us-east-1.json' },
    });
  });

  it('deploys any template with its configuration file as change sets', () => {
    const [prepare] = waveActions(wave, CFN, roles);
    expect(prepare!.configuration).toEqual({
      StackName: 'w-prod',
      ChangeSetName: 'pipeline-change-set',
      ActionMode: 'CHANGE_SET_REPLACE',
      RoleArn: 'arn:aws:iam::222222222222:role/exec',
      TemplatePath: 'BuildOutput::out/stack.yaml',
      TemplateConfiguration: 'BuildOutput::out/params.json',
      Capabilities: 'CAPABILITY_IAM,CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND',
    });
    expect(waveActions(wave, CFN, roles).map((a) => a.runOrder)).toEqual([1, 1, 2, 3, 3]);
  });

  it('fits 49 ECS deployments and an approval in one stage', () => {
    const many = Array.from({ length: 49 }, (_, i) => deployment(String(200000000000 + i), 'eu-west-1'));
    const stages = pipelineStages({ ...props(splitIntoWaves('prod', true, many, 1)), workload: ECS });
    expect(stages.map((s) => [s.name, s.actions.length])).toEqual([['Source', 1], ['Build', 2], ['prod', 50]]);
  });
});

describe('pipeline stages', () => {
  it('starts with the GitHub source and the image build', () => {
    const stages = pipelineStages(props([{ name: 'dev', stage: 'dev', approval: false, deployments: [deployment('222222222222', 'eu-west-1', 'dev')] }]));
    expect(stages.map((s) => s.name)).toEqual(['Source', 'Build', 'dev']);
    expect(stages[0]!.actions[0]).toMatchObject({ provider: 'CodeStarSourceConnection', outputArtifacts: ['SourceOutput'], configuration: { OutputArtifactFormat: 'CODEBUILD_CLONE_REF' } });
    // The source check first, with no output: nothing of an unchecked commit reaches the build.
    expect(stages[1]!.actions[0]).toMatchObject({ provider: 'CodeBuild', runOrder: 1, inputArtifacts: ['SourceOutput'], configuration: { ProjectName: 'source-check' } });
    expect(stages[1]!.actions[0]!.outputArtifacts).toBeUndefined();
    expect(stages[1]!.actions[1]).toMatchObject({ provider: 'CodeBuild', runOrder: 2, inputArtifacts: ['SourceOutput'], outputArtifacts: ['BuildOutput'] });
  });

  it('keeps every stage of a split stage within 50 actions and every name valid', () => {
    const many = Array.from({ length: 70 }, (_, i) => deployment(String(200000000000 + i), 'ap-southeast-2'));
    const stages = pipelineStages(props(splitIntoWaves('prod', true, many)));
    expect(stages.map((s) => s.name)).toEqual(['Source', 'Build', 'prod.1', 'prod.2', 'prod.3']);
    for (const s of stages) {
      expect(s.actions.length).toBeLessThanOrEqual(50);
      expect(new Set(s.actions.map((a) => a.name)).size).toBe(s.actions.length);
      for (const a of s.actions) expect(a.name).toMatch(/^[A-Za-z0-9.@_-]{1,100}$/);
    }
    expect(stages[2]!.actions.filter((a) => a.category === 'Approval')).toHaveLength(1);
    expect(stages.slice(3).flatMap((s) => s.actions).filter((a) => a.category === 'Approval')).toHaveLength(0);
  });

  it('refuses a stage over the action quota', () => {
    const wave: Wave = { name: 'prod', stage: 'prod', approval: false, deployments: Array.from({ length: 26 }, (_, i) => deployment(String(200000000000 + i), 'eu-west-1')) };
    expect(() => pipelineStages(props([wave]))).toThrow(/stage prod has 52 actions; CodePipeline allows 50/);
  });
});
