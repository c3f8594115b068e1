import { readFileSync } from 'node:fs';
import { ConfigError } from '../src/config/issue';
import { parseEnvironment } from '../src/environment/load';
import { verifyPlan } from '../src/verify';
import { doc, example, list, resources, statement, synth } from './support';

const { json } = synth(require('../config/example-ecs.json'), 'config/example-ecs.json');
const project = resources(json, 'aws_codebuild_project').find(([n]) => n.startsWith('pull-requests'))![1];

describe('pull-request builds', () => {
  it('build every pull request into the branch from GitHub through the connection, reporting status back', () => {
    expect(project.source).toEqual({
      type: 'GITHUB',
      location: 'https://github.com/example-org/orders-web.git',
      // The text of the base branch's buildspec, held in the plan: a pull request's tree cannot change it.
      buildspec: readFileSync('ecs-src/buildspec-pr.yml', 'utf8'),
      report_build_status: true,
      auth: { type: 'CODECONNECTIONS', resource: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789' },
    });
    expect(project.artifacts).toEqual({ type: 'NO_ARTIFACTS' });
    const webhook = resources(json, 'aws_codebuild_webhook')[0]![1];
    expect(webhook.filter_group[0].filter).toEqual([
      { type: 'EVENT', pattern: 'PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, PULL_REQUEST_REOPENED' },
      { type: 'BASE_REF', pattern: '^refs/heads/main$' },
    ]);
    expect(webhook.pull_request_build_policy).toEqual({ requires_comment_approval: 'ALL_PULL_REQUESTS', approver_roles: ['GITHUB_MAINTAIN', 'GITHUB_ADMIN'] });
  });

  it('never deploy: the role can write its logs and clone, nothing else', () => {
    const policy = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith('pull-requests'))![1].policy);
    const actions = policy.Statement.flatMap((s) => list(s.Action));
    expect(actions.filter((a) => !a.startsWith('logs:') && !/^(codeconnections|codestar-connections):/.test(a))).toEqual([]);
    expect(list(statement(policy, 'CloneThroughConnection').Resource)).toEqual([project.source.auth.resource]);
  });

  it('log to a group the pipeline key lets CloudWatch Logs encrypt', () => {
    const key = resources(json, 'aws_kms_key').find(([n]) => n.startsWith('artifacts-eu-west-1'))![1];
    expect(statement(doc(key.policy), 'CloudWatchLogsEncryptLogGroups').Condition!.ArnEquals!['kms:EncryptionContext:aws:logs:arn']).toContain(
      'arn:aws:logs:eu-west-1:111111111111:log-group:/aws/codebuild/orders-web-example-ecs-pr',
    );
  });

  it('name no encryption key: they write no artifact, and the role has no grant of the artifacts key', () => {
    expect(project.artifacts).toEqual({ type: 'NO_ARTIFACTS' });
    expect(project.encryption_key).toBeUndefined();
  });

  it('fail verify when the pull-request role could push images or write artifacts', async () => {
    const broken = JSON.parse(JSON.stringify(json));
    const [name, body] = resources(broken, 'aws_iam_role_policy').find(([n]) => n.startsWith('pull-requests'))!;
    const policy = doc(body.policy);
    policy.Statement.push({ Sid: 'Oops', Effect: 'Allow', Action: ['ecr:PutImage', 's3:PutObject', 's3:GetObject'], Resource: '*' });
    broken.resource.aws_iam_role_policy[name].policy = JSON.stringify(policy);
    const v = await verifyPlan('broken', broken);
    const failed = [...new Set(v.access.filter((a) => !a.ok).map((a) => `${a.action} ${a.resource.replace(/:[a-z]{2}-[a-z]+-\d:/, ':<region>:').replace(/-[a-z]{2}-[a-z]+-\d\//, '-<region>/')}`))];
    expect(failed.sort()).toEqual([
      'ecr:PutImage arn:aws:ecr:<region>:111111111111:repository/orders-web-example-ecs',
      's3:GetObject arn:aws:s3:::orders-web-example-ecs-artifacts-111111111111-<region>/pipeline/artifact.zip',
      's3:PutObject arn:aws:s3:::orders-web-example-ecs-artifacts-111111111111-<region>/pipeline/artifact.zip',
    ]);
  });

  it('fail verify when the role cannot clone through the connection', async () => {
    const broken = JSON.parse(JSON.stringify(json));
    const [name, body] = resources(broken, 'aws_iam_role_policy').find(([n]) => n.startsWith('pull-requests'))!;
    const policy = doc(body.policy);
    policy.Statement = policy.Statement.filter((s) => s.Sid !== 'CloneThroughConnection');
    broken.resource.aws_iam_role_policy[name].policy = JSON.stringify(policy);
    const v = await verifyPlan('broken', broken);
    expect(v.access.filter((a) => !a.ok).map((a) => a.action)).toEqual(['codeconnections:GetConnectionToken', 'codeconnections:UseConnection']);
  });

  it('take the approval policy, an actor filter and a connection of their own from the environment file', async () => {
    const PR_CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/99999999-4e5f-6789-abcd-ef0123456789';
    const file = require('../config/example-ecs.json');
    const { json: own } = synth({ ...file, pullRequests: { ...file.pullRequests, commentApproval: 'FORK_PULL_REQUESTS', actors: ['583231', '9919'], connectionArn: PR_CONNECTION } }, 'config/example-ecs.json');
    const webhook = resources(own, 'aws_codebuild_webhook')[0]![1];
    expect(webhook.pull_request_build_policy.requires_comment_approval).toBe('FORK_PULL_REQUESTS');
    expect(webhook.filter_group[0].filter).toContainEqual({ type: 'ACTOR_ACCOUNT_ID', pattern: '^(583231|9919)$' });
    const pr = resources(own, 'aws_codebuild_project').find(([n]) => n.startsWith('pull-requests'))![1];
    expect(pr.source.auth.resource).toBe(PR_CONNECTION);
    const policy = doc(resources(own, 'aws_iam_role_policy').find(([n]) => n.startsWith('pull-requests'))![1].policy);
    expect(list(statement(policy, 'CloneThroughConnection').Resource)).toEqual([PR_CONNECTION]);
    // verify proves the pull-request role cannot use the pipeline's connection; widening it fails.
    const pipelineConnection = project.source.auth.resource;
    const v = await verifyPlan('own', own);
    expect(v.access.filter((a) => a.why.includes("cannot use the pipeline's connection")).map((a) => [a.resource, a.ok])).toEqual([
      [pipelineConnection, true],
      [pipelineConnection, true],
    ]);
    const [name, body] = resources(own, 'aws_iam_role_policy').find(([n]) => n.startsWith('pull-requests'))!;
    const widened = doc(body.policy);
    statement(widened, 'CloneThroughConnection').Resource = [PR_CONNECTION, pipelineConnection];
    own.resource.aws_iam_role_policy![name]!.policy = JSON.stringify(widened);
    expect((await verifyPlan('widened', own)).access.filter((a) => !a.ok).map((a) => a.why)).toEqual([
      "orders-web-example-ecs-pr cannot use the pipeline's connection",
      "orders-web-example-ecs-pr cannot use the pipeline's connection",
    ]);
  });

  it('refuse an actor that is not a GitHub account id', () => {
    const file = require('../config/example-ecs.json');
    expect(() => parseEnvironment({ ...file, pullRequests: { actors: ['octocat'] } } as never, 'config/example-ecs.json')).toThrow(/pullRequests\.actors\[0\]: must be a numeric GitHub account id/);
  });

  it('need an existing connection, so the one plan never waits for the handshake', () => {
    let err: ConfigError | undefined;
    try {
      parseEnvironment({ ...example(), pullRequests: {} } as never, 'config/example.json');
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.issues).toEqual([{ path: 'source.connectionArn', message: expect.stringMatching(/must be AVAILABLE at apply/) }]);
  });
});
