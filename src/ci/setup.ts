/**
 * Everything a CI system needs to run this environment with least privilege, as data: the OIDC providers, the
 * roles (trust and permissions) and the variables and secrets to set. Two roles per account by purpose: a
 * read-only plan role that pull requests reach, and an apply role that only the reviewed deploy reaches
 * (docs/ci.md).
 */
import type { EnvironmentConfig } from '../config/schema';
import { accountOfArn, names, roleArn } from '../model/naming';
import { PolicyDocument, assumableRoles, policy } from '../policy/document';
import { environmentTopology, workloadKind } from '../workloads/registry';
import { tfcTag } from '../model/tfc';
import { BoundaryDocument, environmentBoundaries, roleBoundaryPolicy, workloadBoundaryPolicy } from '../policy/boundaries';
import { IAM_LIMITS, iamSize } from '../policy/limits';
import { applyRolePolicy } from './apply-role';
import { ANY_TARGET_STACK, backendFor, stackParts, stateBeside } from '../model/stack-parts';
import { planRolePolicy } from './plan-role';
import { stateAccess } from './state-access';
import type { PipelineGuard } from './pipeline-guard';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** The audience aws-actions/configure-aws-credentials requests. */
export const GITHUB_AUDIENCE = 'sts.amazonaws.com';
/** The audience HCP Terraform puts in workload identity tokens for AWS unless told otherwise. */
export const TFC_AUDIENCE = 'aws.workload.identity';

/**
 * GitHub's OIDC subject once the repository's subject template includes the job's workflow
 * (`include_claim_keys: ["repo", "context", "job_workflow_ref"]`, GitHub docs "Customizing the subject claims"):
 * `repo:<o/r>:<context>:job_workflow_ref:<o/r>/<workflow path>@<ref>`. Naming the workflow and its ref makes a
 * job that merely names an environment, in a workflow a branch changed, a different subject.
 */
export const SUBJECT_CLAIMS = ['repo', 'context', 'job_workflow_ref'] as const;
export const githubSubject = (repository: string, context: string, workflow: string, ref: string) =>
  `repo:${repository}:${context}:job_workflow_ref:${repository}/.github/workflows/${workflow}@${ref}`;
export const githubContext = {
  pullRequest: 'pull_request',
  branch: (branch: string) => `ref:refs/heads/${branch}`,
  environment: (environment: string) => `environment:${environment}`,
};

export interface RoleSetup {
  readonly account: string;
  readonly name: string;
  /** One line: what the role is for and who reaches it. */
  readonly purpose: string;
  readonly trust: PolicyDocument;
  readonly permissions: PolicyDocument;
}

/** A managed policy an account administrator creates: the boundaries the apply role can neither change nor avoid. */
export interface PolicySetup {
  readonly account: string;
  readonly name: string;
  /** One line: what the policy is for. */
  readonly purpose: string;
  readonly document: BoundaryDocument | PolicyDocument;
}

export interface CiSetup {
  readonly system: 'github' | 'tfc';
  readonly environment: string;
  readonly oidcProviders: ReadonlyArray<{ readonly account: string; readonly url: string; readonly audience: string }>;
  readonly roles: readonly RoleSetup[];
  /** The permissions boundaries, created before the roles. */
  readonly policies: readonly PolicySetup[];
  /** Non-secret settings: where to set each (repository, GitHub environment, workspace). */
  readonly variables: ReadonlyArray<{ readonly scope: string; readonly name: string; readonly value: string }>;
  readonly secrets: ReadonlyArray<{ readonly scope: string; readonly name: string; readonly what: string }>;
  /** GitHub settings the trust policies rely on (github.sh applies them). */
  readonly github?: { readonly repository: string; readonly subjectClaims: readonly string[]; readonly environment: string; readonly defaultBranch: string };
  readonly notes: readonly string[];
  /** The service control policy that keeps the pipeline's runs and builds to it and its operators. @default none written */
  readonly guard?: PipelineGuard;
}

const accountsOf = (config: EnvironmentConfig) => {
  const topology = environmentTopology(config);
  return { tooling: topology.tooling.account, all: [...new Set([topology.tooling.account, ...topology.targets.map((t) => t.account)])].sort() };
};
const prefixOf = (config: EnvironmentConfig) => `${config.workload.name}-${config.name}`;
const partsOf = (config: EnvironmentConfig) => stackParts(config.name, environmentTopology(config).targets.map((t) => t.account), config.targetAccountsPerStack);
/**
 * Whether a CI role names the Terraform role of every account by its name alone: for a split or organization
 * environment, so that the policy's size does not grow with the accounts (the role's trust still decides).
 */
const anyAccount = (config: EnvironmentConfig) => config.targetAccountsPerStack !== undefined || config.organization !== undefined;

/**
 * The boundaries of an environment: in every account the one every stack role carries, and in every target account
 * of a change-set workload the one every role its templates create carries (docs/security.md).
 */
export function boundaryPolicies(config: EnvironmentConfig): PolicySetup[] {
  const topology = environmentTopology(config);
  const n = topology.names;
  const { all } = accountsOf(config);
  const targets = topology.targets.map((t) => t.account);
  const kind = workloadKind(config.workload);
  const taskRoles = kind.taskRoles(config.workload, targets);
  return all.flatMap((account) => {
    const boundaries = environmentBoundaries(account, n);
    const passedRoles = [...(taskRoles?.execution ?? []), ...(taskRoles?.task ?? [])].filter((arn) => accountOfArn(arn) === account);
    return [
      { account, name: n.roleBoundary, purpose: 'permissions boundary of every role the stack creates', document: roleBoundaryPolicy({ account, prefix: n.prefix, boundaries, passedRoles }) },
      ...(targets.includes(account) && kind.usesChangeSets
        ? [{ account, name: n.workloadBoundary, purpose: 'permissions boundary of every role a workload template creates', document: workloadBoundaryPolicy(account, n.prefix) }]
        : []),
    ];
  });
}

/**
 * The setup, once every document fits IAM's quotas (IAM_LIMITS): a role or boundary IAM would refuse is an error
 * here, before an administrator runs half of apply.sh.
 */
function withinIamQuotas(setup: CiSetup): CiSetup {
  const over: string[] = [];
  const check = (what: string, doc: unknown, limit: number, fix: string) => {
    const size = iamSize(JSON.stringify(doc));
    if (size > limit) over.push(`${what} is ${size} characters; IAM allows ${limit} (IAM and AWS STS quotas): ${fix}`);
  };
  for (const r of setup.roles) {
    check(`the trust policy of role ${r.name} in ${r.account}`, r.trust, IAM_LIMITS.roleTrust, 'the trust names the repository, workflows and workspace: shorten them, or raise the account\'s trust policy quota (up to 4,096)');
    check(`the policy of role ${r.name} in ${r.account}`, r.permissions, IAM_LIMITS.roleInline, 'shorten the workload and environment names');
  }
  for (const p of setup.policies) check(`the managed policy ${p.name} in ${p.account}`, p.document, IAM_LIMITS.managedPolicy, 'shorten the workload and environment names');
  if (over.length) throw new Error(`environment "${setup.environment}": ${over.join('; ')}`);
  return setup;
}

/** The apply role's permissions in one account. */
const applyPermissions = (config: EnvironmentConfig, account: string, ciRoles: readonly string[]) =>
  applyRolePolicy(account, prefixOf(config), [roleArn(account, config.terraformPlanRoleName), roleArn(account, config.terraformRoleName), ...ciRoles], environmentBoundaries(account, environmentTopology(config).names));

function oidcTrust(account: string, host: string, audience: string, subjects: readonly string[]): PolicyDocument {
  const sub = { [`${host}:sub`]: subjects.length === 1 ? subjects[0]! : [...subjects] };
  // A subject with a wildcard (an unset HCP project) needs StringLike; exact subjects stay StringEquals.
  const wildcard = subjects.some((s) => s.includes('*'));
  return policy({
    Sid: 'TrustOidcSubjects',
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${host}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: wildcard ? { StringEquals: { [`${host}:aud`]: audience }, StringLike: sub } : { StringEquals: { [`${host}:aud`]: audience, ...sub } },
  });
}

/**
 * GitHub Actions with an S3 backend. In the tooling account three entry roles trusted by GitHub's OIDC provider,
 * each for one kind of job: pull-request plans (plan role, state read only), the deploy's plan on the default
 * branch (plan role, state read and lock), and the deploy's apply in the GitHub environment (apply role, state
 * write). Subjects name the workflow file and ref, so only `deploy-environment.yml` of the default branch reaches
 * the apply role.
 */
export function githubSetup(config: EnvironmentConfig, repository: string, defaultBranch = 'main'): CiSetup {
  if (config.backend.type === 'cloud') throw new Error(`environment "${config.name}" runs in HCP Terraform: use --tfc`);
  if (config.backend.type !== 's3') throw new Error(`environment "${config.name}" keeps its state in a local file: give it an "s3" backend for CI`);
  const backend = config.backend;
  const { tooling, all } = accountsOf(config);
  const prefix = prefixOf(config);
  const ci = names(config.workload.name, config.name).ci;
  const main = `refs/heads/${defaultBranch}`;
  // The job that assumes the roles is defined in deploy-stack.yml (called by deploy-environment.yml), so that
  // file is the subject's job_workflow_ref (GitHub docs, "Using OpenID Connect with reusable workflows").
  const deployWorkflow = 'deploy-stack.yml';
  const keys = config.targetAccountsPerStack === undefined ? [backend.key] : [backend.key, (stateBeside(backend, ANY_TARGET_STACK) as typeof backend).key];
  const entry = (name: string, purpose: string, subjects: { like?: string[]; equals?: string[] }, target: string, state: 'read' | 'plan' | 'apply'): RoleSetup => ({
    account: tooling,
    name,
    purpose,
    trust: githubTrust(tooling, subjects),
    permissions: policy(
      { Sid: 'AssumeRoleInEveryAccount', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: assumableRoles(target, all, anyAccount(config)) },
      ...stateAccess(backend, state, keys),
    ),
  });
  const guarded = [ci.pullRequestEntry, ci.planEntry, ci.applyEntry].map((n) => roleArn(tooling, n));
  const roles: RoleSetup[] = [
    // Any pull-request workflow, even one the pull request changed: its rights are read-only.
    entry(ci.pullRequestEntry, 'GitHub pull-request plans: the plan role, state read only', { like: [githubSubject(repository, githubContext.pullRequest, '*', '*')] }, config.terraformPlanRoleName, 'read'),
    entry(ci.planEntry, `GitHub deploy plans (${deployWorkflow} on ${defaultBranch}): the plan role, state read and lock`, { equals: [githubSubject(repository, githubContext.branch(defaultBranch), deployWorkflow, main)] }, config.terraformPlanRoleName, 'plan'),
    entry(ci.applyEntry, `GitHub deploy applies (${deployWorkflow} on ${defaultBranch}, environment ${config.name}): the apply role`, { equals: [githubSubject(repository, githubContext.environment(config.name), deployWorkflow, main)] }, config.terraformRoleName, 'apply'),
    ...all.flatMap((account) => [
      {
        account,
        name: config.terraformPlanRoleName,
        purpose: `plan (read-only) in ${account}, reached from ${ci.pullRequestEntry} and ${ci.planEntry}`,
        trust: rolesTrust(ci.pullRequestEntry, ci.planEntry),
        permissions: planRolePolicy(account, prefix),
      },
      {
        account,
        name: config.terraformRoleName,
        purpose: `apply in ${account}, reached only from ${ci.applyEntry}`,
        trust: rolesTrust(ci.applyEntry),
        permissions: applyPermissions(config, account, account === tooling ? guarded : []),
      },
    ]),
  ];
  function rolesTrust(...entries: string[]): PolicyDocument {
    return policy({ Sid: 'TrustCiEntryRoles', Effect: 'Allow', Principal: { AWS: entries.length === 1 ? roleArn(tooling, entries[0]!) : entries.map((e) => roleArn(tooling, e)) }, Action: 'sts:AssumeRole' });
  }
  return withinIamQuotas({
    system: 'github',
    environment: config.name,
    oidcProviders: [{ account: tooling, url: `https://${GITHUB_OIDC_HOST}`, audience: GITHUB_AUDIENCE }],
    roles,
    policies: boundaryPolicies(config),
    variables: [],
    secrets: [],
    github: { repository, subjectClaims: [...SUBJECT_CLAIMS], environment: config.name, defaultBranch },
    notes: [
      `Repository ${repository}: set the OIDC subject template to ${JSON.stringify(SUBJECT_CLAIMS)} (github.sh does it with the gh CLI); the trust policies expect those subjects.`,
      `GitHub environment "${config.name}": required reviewers, and "Deployment branches" limited to ${defaultBranch} (github.sh creates it so).`,
      'The workflows read the role ARNs and the region from npm run synth -- --list: no repository variables to set.',
      ...(backend.roleArn
        ? [`backend.roleArn is set: every entry role assumes ${backend.roleArn} for state, so pull requests could write state through it. Leave roleArn out for CI and the printed state statements keep plans read-only.`]
        : []),
    ],
  });
}

function githubTrust(account: string, subjects: { like?: string[]; equals?: string[] }): PolicyDocument {
  const host = GITHUB_OIDC_HOST;
  const values = (list: string[]) => (list.length === 1 ? list[0]! : list);
  return policy({
    Sid: 'TrustGithubWorkflowJobs',
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${host}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { [`${host}:aud`]: GITHUB_AUDIENCE, ...(subjects.equals ? { [`${host}:sub`]: values(subjects.equals) } : {}) },
      ...(subjects.like ? { StringLike: { [`${host}:sub`]: values(subjects.like) } } : {}),
    },
  });
}

/**
 * HCP Terraform with dynamic credentials: per account a plan role trusted by the plan phase of the workspaces whose
 * stacks reach the account, and an apply role trusted by their apply phase only; per workspace (one a stack: a
 * split environment's target stacks have theirs beside the environment's) the variables that name them per
 * configuration.
 */
export function tfcSetup(config: EnvironmentConfig): CiSetup {
  const backend = config.backend;
  if (backend.type !== 'cloud' || config.credentials !== 'tfc-dynamic') {
    throw new Error(`environment "${config.name}" does not use HCP Terraform dynamic credentials: set backend.type "cloud" and credentials "tfc-dynamic" in its file, or use --github`);
  }
  const { tooling, all } = accountsOf(config);
  const prefix = prefixOf(config);
  const { main, targets } = partsOf(config);
  const workspaceOf = (part: Parameters<typeof backendFor>[1]) => (backendFor(backend, part) as typeof backend).workspace;
  // The tooling stack reaches the tooling account only; a target stack its accounts (stacks/target-accounts-stack.ts).
  const workspaces = (main.kind === 'whole' ? [{ name: backend.workspace, accounts: all }] : [{ name: backend.workspace, accounts: [tooling] }]).concat(
    targets.map((t) => ({ name: workspaceOf(t), accounts: [...t.accounts].sort() })),
  );
  const workspacesOf = (account: string) => workspaces.filter((w) => w.accounts.includes(account)).map((w) => w.name);
  const subject = (workspace: string, phase: 'plan' | 'apply') => `organization:${backend.organization}:project:${backend.project ?? '*'}:workspace:${workspace}:run_phase:${phase}`;
  const trust = (account: string, phase: 'plan' | 'apply') => oidcTrust(account, backend.hostname, TFC_AUDIENCE, workspacesOf(account).map((w) => subject(w, phase)));
  const reachedFrom = (account: string) => `workspace${workspacesOf(account).length > 1 ? 's' : ''} ${workspacesOf(account).join(', ')}`;
  const roles = all.flatMap((account): RoleSetup[] => [
    { account, name: config.terraformPlanRoleName, purpose: `plan phase of ${reachedFrom(account)} in ${account} (read-only)`, trust: trust(account, 'plan'), permissions: planRolePolicy(account, prefix) },
    { account, name: config.terraformRoleName, purpose: `apply phase of ${reachedFrom(account)} in ${account}`, trust: trust(account, 'apply'), permissions: applyPermissions(config, account, []) },
  ]);
  const variables = workspaces.flatMap(({ name, accounts }) => {
    const scope = `workspace ${backend.organization}/${name} (category env)`;
    return [
      { scope, name: 'TFC_AWS_PROVIDER_AUTH', value: 'true' },
      { scope, name: 'TFC_AWS_PLAN_ROLE_ARN', value: roleArn(accounts.includes(tooling) ? tooling : accounts[0]!, config.terraformPlanRoleName) },
      { scope, name: 'TFC_AWS_APPLY_ROLE_ARN', value: roleArn(accounts.includes(tooling) ? tooling : accounts[0]!, config.terraformRoleName) },
      ...accounts.flatMap((account) => [
        { scope, name: `TFC_AWS_PROVIDER_AUTH_${tfcTag(account)}`, value: 'true' },
        { scope, name: `TFC_AWS_PLAN_ROLE_ARN_${tfcTag(account)}`, value: roleArn(account, config.terraformPlanRoleName) },
        { scope, name: `TFC_AWS_APPLY_ROLE_ARN_${tfcTag(account)}`, value: roleArn(account, config.terraformRoleName) },
      ]),
    ];
  });
  const names = workspaces.map((w) => w.name);
  return withinIamQuotas({
    system: 'tfc',
    environment: config.name,
    oidcProviders: all.map((account) => ({ account, url: `https://${backend.hostname}`, audience: TFC_AUDIENCE })),
    roles,
    policies: boundaryPolicies(config),
    variables: [...variables, { scope: 'repository', name: 'TFC_HOSTNAME', value: backend.hostname }],
    secrets: [
      {
        scope: 'repository',
        name: 'TF_PLAN_TOKEN',
        what: `a team API token whose team has "plan" (not "apply") run access on ${names.length > 1 ? `the workspaces ${names.join(', ')} (or their project)` : names[0]}: GitHub queues runs, a person confirms applies in HCP Terraform`,
      },
    ],
    notes: [
      `${names.length > 1 ? `Workspaces ${names.join(', ')}` : `Workspace ${names[0]}`}: ${backend.project ? `in project ${backend.project}, ` : ''}execution mode remote (or agent), no VCS connection (GitHub uploads the configuration), auto-apply off.`,
      ...(names.length > 1 ? [`One workspace a stack: the runs of ${names.join(', ')} are independent and may run side by side; the pipeline runs once every one is applied (docs/scale.md).`] : []),
      `A local terraform CLI reads its token for ${backend.hostname} from ${tfcTokenVariable(backend.hostname)} (or terraform login).`,
    ],
  });
}

/** The environment variable Terraform reads a host's API token from: dots become "_", dashes "__" (Terraform CLI docs, "Environment variable credentials"). */
export const tfcTokenVariable = (hostname: string) => `TF_TOKEN_${hostname.replace(/-/g, '__').replace(/\./g, '_')}`;
