import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { loadEnvironmentFile } from '../src/environment/load';
import { SCP_MAX_CHARACTERS, pipelineGuard } from '../src/ci/pipeline-guard';

const config = loadEnvironmentFile('config/example-s3.json');
const TOOLING = config.tooling.account;
const PREFIX = 'orders-api-example-s3';
const role = (name: string) => `arn:aws:iam::${TOOLING}:role/${name}`;
const OPERATOR = role('release-managers');
const guard = pipelineGuard(config, [OPERATOR]);
const ADMIN = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const pipeline = `arn:aws:codepipeline:eu-west-1:${TOOLING}:${PREFIX}`;
const project = (name: string) => `arn:aws:codebuild:eu-west-1:${TOOLING}:project/${PREFIX}-${name}`;

/** The IAM engine's decision for a principal with administrator rights under the guard (and FullAWSAccess). */
async function allowed(principal: string, action: string, resource: string): Promise<boolean> {
  const response = await runSimulation(
    {
      // A role's session carries aws:PrincipalArn = the role's ARN (IAM User Guide, "AWS global condition context keys").
      request: { principal, action, resource: { resource, accountId: TOOLING }, contextVariables: { 'aws:PrincipalArn': principal } },
      identityPolicies: [{ name: 'admin', policy: ADMIN }],
      serviceControlPolicies: [{ orgIdentifier: 'ou-tooling', policies: [{ name: 'FullAWSAccess', policy: ADMIN }, { name: 'guard', policy: guard.policy }] }],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult === 'Allowed';
}

describe('the pipeline guard (a service control policy for the tooling account)', () => {
  // Who does what, with administrator rights of their own: the guard alone decides.
  const cases: Array<[string, string, string, string, boolean]> = [
    ['an administrator of the tooling account', role('developer'), 'codebuild:StartBuild', project('image'), false],
    ['an administrator of the tooling account', role('developer'), 'codebuild:StartBuild', project('source-check'), false],
    ['an administrator of the tooling account', role('developer'), 'codebuild:UpdateProject', project('image'), false],
    ['an administrator of the tooling account', role('developer'), 'codepipeline:UpdatePipeline', pipeline, false],
    ['an administrator of the tooling account', role('developer'), 'codepipeline:StartPipelineExecution', pipeline, false],
    ['an administrator of the tooling account', role('developer'), 'codepipeline:PutApprovalResult', `${pipeline}/prod/approve-prod`, false],
    ['the pipeline role', role(`${PREFIX}-pipeline`), 'codebuild:StartBuild', project('image'), true],
    ['the pipeline role', role(`${PREFIX}-pipeline`), 'codebuild:StartBuild', project('source-check'), true],
    ['the pipeline role', role(`${PREFIX}-pipeline`), 'codepipeline:PutApprovalResult', `${pipeline}/prod/approve-prod`, false],
    ['the apply role', role(config.terraformRoleName), 'codepipeline:UpdatePipeline', pipeline, true],
    ['the apply role', role(config.terraformRoleName), 'codebuild:UpdateProject', project('image'), true],
    ['the apply role', role(config.terraformRoleName), 'codebuild:StartBuild', project('image'), false],
    ['the apply role', role(config.terraformRoleName), 'codepipeline:PutApprovalResult', `${pipeline}/prod/approve-prod`, false],
    ['an operator', OPERATOR, 'codepipeline:PutApprovalResult', `${pipeline}/prod/approve-prod`, true],
    ['an operator', OPERATOR, 'codepipeline:StartPipelineExecution', pipeline, true],
    ['an operator', OPERATOR, 'codepipeline:RetryStageExecution', `${pipeline}/Build`, true],
    ['an operator', OPERATOR, 'codebuild:StartBuild', project('image'), false],
    ['an operator', OPERATOR, 'codepipeline:UpdatePipeline', pipeline, false],
    // Everything else stays as it was: the guard names only this environment's resources.
    ['an administrator of the tooling account', role('developer'), 'codebuild:StartBuild', `arn:aws:codebuild:eu-west-1:${TOOLING}:project/another-team`, true],
  ];
  it.each(cases)('%s: %s %s on %s', async (_who, principal, action, resource, expected) => {
    expect(await allowed(principal, action, resource)).toBe(expected);
  });

  it('fits the service control policy quota as the file holds it', () => {
    expect(`${JSON.stringify(guard.policy, null, 2)}\n`.length).toBeLessThanOrEqual(SCP_MAX_CHARACTERS);
  });

  it('needs an operator: without one nobody could approve prod', () => {
    expect(() => pipelineGuard(config, [])).toThrow(/needs at least one operator \(--operator <role ARN>\)/);
  });

  it('is written by npm run ci-setup -- --operator, which refuses a value that is not a role ARN', () => {
    const cli = (...args: string[]) => spawnSync('bash', ['bin/run', 'ci-setup.ts', 'example-s3', '--github', ...args], { encoding: 'utf8' });
    const out = join(mkdtempSync(join(tmpdir(), 'guard-')), 'setup');
    expect(cli('--out', out, '--operator', OPERATOR).status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'guard', `${TOOLING}-pipeline-guard.scp.json`), 'utf8'))).toEqual(guard.policy);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain(`to the operators: \`${OPERATOR}\``);
    const bad = join(mkdtempSync(join(tmpdir(), 'guard-')), 'setup');
    const refused = cli('--out', bad, '--operator', 'release-managers');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--operator must be an IAM role ARN like arn:aws:iam::123456789012:role\/release-managers \(got "release-managers"\)/);
    expect(existsSync(bad)).toBe(false);
  });
});
