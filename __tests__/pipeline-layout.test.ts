import { ActionDeclaration, parameterOverrides, pipelineStages, waveActions } from '../src/pipeline-layout';
import { Deployment, Wave, splitIntoWaves } from '../src/topology';

const roles = {
  actionRoleArn: (a: string) => `arn:aws:iam::${a}:role/deploy`,
  executionRoleArn: (a: string) => `arn:aws:iam::${a}:role/exec`,
};
const deployment = (account: string, region: string, stage = 'prod'): Deployment => ({ stage, account, region, stackName: `w-${stage}` });
const props = (waves: Wave[]) => ({
  connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/x',
  fullRepositoryId: 'org/repo',
  branch: 'main',
  buildProjectName: 'build',
  waves,
  ...roles,
});
const byMode = (actions: ActionDeclaration[], mode: string) => actions.filter((a) => a.configuration?.ActionMode === mode);

describe('wave actions', () => {
  const wave: Wave = { name: 'prod', stage: 'prod', approval: true, deployments: [deployment('222222222222', 'eu-west-1'), deployment('222222222222', 'us-east-1')] };
  const actions = waveActions(wave, roles);

  it('prepares every change set, then asks for approval, then executes them', () => {
    expect(byMode(actions, 'CHANGE_SET_REPLACE').map((a) => a.runOrder)).toEqual([1, 1]);
    expect(actions.filter((a) => a.category === 'Approval').map((a) => [a.name, a.runOrder])).toEqual([['approve-prod', 2]]);
    expect(byMode(actions, 'CHANGE_SET_EXECUTE').map((a) => a.runOrder)).toEqual([3, 3]);
  });

  it('executes right after preparing when the stage needs no approval', () => {
    const dev = waveActions({ ...wave, approval: false }, roles);
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
    expect(JSON.parse(parameterOverrides(deployment('222222222222', 'us-east-1')))).toEqual({
      ImageUri: { 'Fn::GetParam': ['BuildOutput', 'images.json', 'us-east-1'] },
      Stage: 'prod',
    });
  });

  it('refuses ParameterOverrides over 1 KB', () => {
    expect(() => parameterOverrides(deployment('222222222222', 'us-east-1', 'x'.repeat(1000)))).toThrow(/is \d+ bytes; CodePipeline allows 1000/);
  });
});

describe('pipeline stages', () => {
  it('starts with the GitHub source and the image build', () => {
    const stages = pipelineStages(props([{ name: 'dev', stage: 'dev', approval: false, deployments: [deployment('222222222222', 'eu-west-1', 'dev')] }]));
    expect(stages.map((s) => s.name)).toEqual(['Source', 'Build', 'dev']);
    expect(stages[0]!.actions[0]).toMatchObject({ provider: 'CodeStarSourceConnection', outputArtifacts: ['SourceOutput'] });
    expect(stages[1]!.actions[0]).toMatchObject({ provider: 'CodeBuild', inputArtifacts: ['SourceOutput'], outputArtifacts: ['BuildOutput'] });
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
