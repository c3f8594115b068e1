/**
 * The roles, keys, buckets, repositories and topics of a plan, with their policies, as the access paths read them.
 */
import { PipelineIntent, readIntent } from '../../model/intent';
import { accountOfArn, boundaryNames, topicArn } from '../../model/naming';
import { environmentBoundaries, roleBoundaryPolicy, workloadBoundaryPolicy } from '../../policy/boundaries';
import { Body, Plan, PolicyJson, policyOf } from '../../plan/plan';
import { NamedPolicy, OrganizationPlace, Principal, RoleInfo, Target } from './principals';

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
export function knownBoundary(account: string, intent: PipelineIntent, arn: string): NamedPolicy | undefined {
  const { prefix } = intent;
  const boundaries = environmentBoundaries(account, boundaryNames(prefix));
  const passedRoles = [...(intent.taskRoles?.execution ?? []), ...(intent.taskRoles?.task ?? [])].filter((r) => accountOfArn(r) === account);
  if (arn === boundaries.roles) return { name: `boundary ${arn}`, policy: roleBoundaryPolicy({ account, prefix, boundaries, passedRoles }) as unknown as PolicyJson };
  if (arn === boundaries.workload) return { name: `boundary ${arn}`, policy: workloadBoundaryPolicy(account, prefix) as unknown as PolicyJson };
  return undefined;
}
