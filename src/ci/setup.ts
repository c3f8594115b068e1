/**
 * Everything a CI system needs to run this environment with least privilege, as data: the OIDC providers, the
 * roles (trust and permissions) and the variables and secrets to set. Two roles per account by purpose: a
 * read-only plan role that pull requests reach, and an apply role that only the reviewed deploy reaches
 * (docs/ci.md).
 */
import type { EnvironmentConfig } from '../config/schema';
import { roleArn } from '../naming';
import { PolicyDocument, policy } from '../policy/document';
import { buildTopology } from '../topology';
import { tfcTag } from '../tfc';
import { applyRolePolicy } from './apply-role';
import { planRolePolicy } from './plan-role';
import { stateAccess } from './state-access';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** The audience aws-actions/configure-aws-credentials requests. */
export const GITHUB_AUDIENCE = 'sts.amazonaws.com';
/** The audience HCP Terraform puts in workload identity tokens for AWS unless told otherwise. */
export const TFC_AUDIENCE = 'aws.workload.identity';

/** Subjects of GitHub's OIDC tokens (GitHub docs, "About security hardening with OpenID Connect"). */
export const githubSubject = {
  pullRequest: (repository: string) => `repo:${repository}:pull_request`,
  branch: (repository: string, branch: string) => `repo:${repository}:ref:refs/heads/${branch}`,
  environment: (repository: string, environment: string) => `repo:${repository}:environment:${environment}`,
};

export interface RoleSetup {
  readonly account: string;
  readonly name: string;
  /** One line: what the role is for and who reaches it. */
  readonly purpose: string;
  readonly trust: PolicyDocument;
  readonly permissions: PolicyDocument;
}

export interface CiSetup {
  readonly system: 'github' | 'tfc';
  readonly environment: string;
  readonly oidcProviders: ReadonlyArray<{ readonly account: string; readonly url: string; readonly audience: string }>;
  readonly roles: readonly RoleSetup[];
  /** Non-secret settings: where to set each (repository, GitHub environment, workspace). */
  readonly variables: ReadonlyArray<{ readonly scope: string; readonly name: string; readonly value: string }>;
  readonly secrets: ReadonlyArray<{ readonly scope: string; readonly name: string; readonly what: string }>;
  readonly notes: readonly string[];
}

const accountsOf = (config: EnvironmentConfig) => {
  const topology = buildTopology(config);
  return { tooling: topology.tooling.account, all: [...new Set([topology.tooling.account, ...topology.targets.map((t) => t.account)])].sort() };
};
const prefixOf = (config: EnvironmentConfig) => `${config.workload.name}-${config.name}`;

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

const roleTrust = (principal: string): PolicyDocument =>
  policy({ Sid: 'TrustCiEntryRole', Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' });

/**
 * GitHub Actions with an S3 (or local) backend. In the tooling account, two entry roles trusted by GitHub's
 * OIDC provider: `<prefix>-github-plan` for pull requests and the plan of a deploy on the default branch,
 * `<prefix>-github-apply` for the job in the GitHub environment of this name only. Each reaches the role of
 * its purpose in every account and the state.
 */
export function githubSetup(config: EnvironmentConfig, repository: string, defaultBranch = 'main'): CiSetup {
  if (config.backend.type === 'cloud') throw new Error(`environment "${config.name}" runs in HCP Terraform: use --tfc`);
  if (config.backend.type !== 's3') throw new Error(`environment "${config.name}" keeps its state in a local file: give it an "s3" backend for CI`);
  const { tooling, all } = accountsOf(config);
  const prefix = prefixOf(config);
  const entry = { plan: `${prefix}-github-plan`, apply: `${prefix}-github-apply` };
  const entryRole = (purpose: 'plan' | 'apply', subjects: string[], target: string): RoleSetup => ({
    account: tooling,
    name: entry[purpose],
    purpose: `GitHub ${purpose === 'plan' ? 'pull requests and deploy plans' : `the ${config.name} environment's apply job`}: assumes ${target} in every account`,
    trust: oidcTrust(tooling, GITHUB_OIDC_HOST, GITHUB_AUDIENCE, subjects),
    permissions: policy(
      { Sid: 'AssumeRoleInEveryAccount', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: all.map((a) => roleArn(a, target)) },
      ...stateAccess(config.backend as Extract<typeof config.backend, { type: 's3' }>, purpose),
    ),
  });
  const roles: RoleSetup[] = [
    entryRole('plan', [githubSubject.pullRequest(repository), githubSubject.branch(repository, defaultBranch)], config.terraformPlanRoleName),
    entryRole('apply', [githubSubject.environment(repository, config.name)], config.terraformRoleName),
    ...all.flatMap((account) => [
      { account, name: config.terraformPlanRoleName, purpose: `plan (read-only) in ${account}, reached only from ${entry.plan}`, trust: roleTrust(roleArn(tooling, entry.plan)), permissions: planRolePolicy() },
      { account, name: config.terraformRoleName, purpose: `apply in ${account}, reached only from ${entry.apply}`, trust: roleTrust(roleArn(tooling, entry.apply)), permissions: applyRolePolicy(account, prefix) },
    ]),
  ];
  return {
    system: 'github',
    environment: config.name,
    oidcProviders: [{ account: tooling, url: `https://${GITHUB_OIDC_HOST}`, audience: GITHUB_AUDIENCE }],
    roles,
    variables: [
      { scope: 'repository', name: 'AWS_REGION', value: config.tooling.region },
      { scope: 'repository', name: 'AWS_PLAN_ROLE_ARN', value: roleArn(tooling, entry.plan) },
      { scope: `environment ${config.name}`, name: 'AWS_APPLY_ROLE_ARN', value: roleArn(tooling, entry.apply) },
    ],
    secrets: [],
    notes: [
      `GitHub environment "${config.name}": add required reviewers and limit "Deployment branches" to ${defaultBranch}; otherwise a branch could name the environment and reach the apply role.`,
      `Pull requests and deploy plans run as ${config.terraformPlanRoleName} (TF_VAR_terraform_role_name); only the apply job, after approval, runs as ${config.terraformRoleName}.`,
      ...(config.backend.roleArn
        ? [`backend.roleArn is set: both entry roles assume ${config.backend.roleArn} for state, so the plan entry role can write state through it. Leave roleArn out for CI and the printed state statements keep plans read-only.`]
        : []),
    ],
  };
}

/**
 * HCP Terraform with dynamic credentials: per account a plan role trusted by the workspace's plan phase and an
 * apply role trusted by its apply phase only, and the workspace variables that name them per configuration.
 */
export function tfcSetup(config: EnvironmentConfig): CiSetup {
  const backend = config.backend;
  if (backend.type !== 'cloud' || config.credentials !== 'tfc-dynamic') {
    throw new Error(`environment "${config.name}" does not use HCP Terraform dynamic credentials: set backend.type "cloud" and credentials "tfc-dynamic" in its file, or use --github`);
  }
  const { tooling, all } = accountsOf(config);
  const prefix = prefixOf(config);
  const subject = (phase: 'plan' | 'apply') => `organization:${backend.organization}:project:${backend.project ?? '*'}:workspace:${backend.workspace}:run_phase:${phase}`;
  const roles = all.flatMap((account): RoleSetup[] => [
    { account, name: config.terraformPlanRoleName, purpose: `plan phase of workspace ${backend.workspace} in ${account} (read-only)`, trust: oidcTrust(account, backend.hostname, TFC_AUDIENCE, [subject('plan')]), permissions: planRolePolicy() },
    { account, name: config.terraformRoleName, purpose: `apply phase of workspace ${backend.workspace} in ${account}`, trust: oidcTrust(account, backend.hostname, TFC_AUDIENCE, [subject('apply')]), permissions: applyRolePolicy(account, prefix) },
  ]);
  const workspace = `workspace ${backend.organization}/${backend.workspace} (category env)`;
  const variables = [
    { scope: workspace, name: 'TFC_AWS_PROVIDER_AUTH', value: 'true' },
    { scope: workspace, name: 'TFC_AWS_PLAN_ROLE_ARN', value: roleArn(tooling, config.terraformPlanRoleName) },
    { scope: workspace, name: 'TFC_AWS_APPLY_ROLE_ARN', value: roleArn(tooling, config.terraformRoleName) },
    ...all.flatMap((account) => [
      { scope: workspace, name: `TFC_AWS_PROVIDER_AUTH_${tfcTag(account)}`, value: 'true' },
      { scope: workspace, name: `TFC_AWS_PLAN_ROLE_ARN_${tfcTag(account)}`, value: roleArn(account, config.terraformPlanRoleName) },
      { scope: workspace, name: `TFC_AWS_APPLY_ROLE_ARN_${tfcTag(account)}`, value: roleArn(account, config.terraformRoleName) },
    ]),
    { scope: 'repository', name: 'TFC_HOSTNAME', value: backend.hostname },
  ];
  return {
    system: 'tfc',
    environment: config.name,
    oidcProviders: all.map((account) => ({ account, url: `https://${backend.hostname}`, audience: TFC_AUDIENCE })),
    roles,
    variables,
    secrets: [
      {
        scope: 'repository',
        name: 'TF_PLAN_TOKEN',
        what: `a team API token whose team has "plan" (not "apply") run access on ${backend.workspace}: GitHub queues runs, a person confirms applies in HCP Terraform`,
      },
    ],
    notes: [
      `Workspace ${backend.workspace}: execution mode remote (or agent), no VCS connection (GitHub uploads the configuration), auto-apply off.`,
      `A local terraform CLI reads its token for ${backend.hostname} from ${tfcTokenVariable(backend.hostname)} (or terraform login).`,
    ],
  };
}

/** The environment variable Terraform reads a host's API token from: dots become "_", dashes "__" (Terraform CLI docs, "Environment variable credentials"). */
export const tfcTokenVariable = (hostname: string) => `TF_TOKEN_${hostname.replace(/-/g, '__').replace(/\./g, '_')}`;
