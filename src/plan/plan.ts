/**
 * A synthesized stack (`cdk.tf.json`) with its references resolved into the concrete names and ARNs
 * AWS will see, so policies can be evaluated before apply. Accounts and regions come from each
 * resource's provider alias (`allowed_account_ids` and `region`); attributes known only after apply
 * (key ids, connection ids) get stable placeholders derived from the resource address.
 */
import type { SynthesizedStack } from './plan-graph';
import { pipelineArn, topicArn } from '../model/naming';

export type Body = Record<string, any>;

/** A synthesized stack file, as far as the checks read it. */
export interface StackJson extends SynthesizedStack {
  provider?: { aws?: Body[] };
  output?: Record<string, { value?: unknown }>;
  resource?: Record<string, Record<string, Body>>;
}

export interface PlanResource {
  readonly type: string;
  readonly name: string;
  /** `type.name`, as Terraform and the reports name it. */
  readonly address: string;
  readonly account: string;
  readonly region: string;
  /** The resource's arguments, every `${...}` reference replaced by its value. */
  readonly body: Body;
}

export interface PlanProvider {
  readonly alias: string;
  readonly account?: string;
  readonly region?: string;
  readonly allowedAccountIds: readonly string[];
}

const REFERENCE = /\$\{([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g;

/** A stable stand-in for an id AWS assigns at apply time. */
const placeholderId = (address: string) => `planned-${address.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`;

export class Plan {
  readonly providers: PlanProvider[];
  readonly resources: PlanResource[];
  private readonly raw = new Map<string, { type: string; name: string; account: string; region: string; body: Body }>();
  private readonly resolving = new Set<string>();
  private readonly resolved = new Map<string, Body>();

  constructor(readonly json: StackJson) {
    this.providers = (json.provider?.aws ?? []).map((p) => ({
      alias: String(p.alias ?? ''),
      // An unpinned provider (a rule failure of its own) still shows its account in the role it assumes.
      account: p.allowed_account_ids?.length === 1 ? String(p.allowed_account_ids[0]) : String(p.assume_role?.[0]?.role_arn ?? '').split(':')[4] || undefined,
      region: p.region,
      allowedAccountIds: (p.allowed_account_ids ?? []).map(String),
    }));
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      for (const [name, body] of Object.entries(byName)) {
        const alias = String(body.provider ?? '').replace(/^aws\.?/, '');
        const provider = this.providers.find((p) => p.alias === alias);
        this.raw.set(`${type}.${name}`, {
          type,
          name,
          account: provider?.account ?? 'unknown-account',
          region: provider?.region ?? 'unknown-region',
          body,
        });
      }
    }
    this.resources = [...this.raw.entries()].map(([address, r]) => ({
      type: r.type,
      name: r.name,
      address,
      account: r.account,
      region: r.region,
      body: this.bodyOf(address),
    }));
  }

  ofType(type: string): PlanResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  private bodyOf(address: string): Body {
    const cached = this.resolved.get(address);
    if (cached) return cached;
    // A reference cycle is reported by the no-cycle rule; here it just stays unresolved.
    if (this.resolving.has(address)) return this.raw.get(address)!.body;
    this.resolving.add(address);
    const body = this.resolveValue(this.raw.get(address)!.body) as Body;
    this.resolving.delete(address);
    this.resolved.set(address, body);
    return body;
  }

  private resolveValue(value: unknown): unknown {
    if (typeof value === 'string') return value.replace(REFERENCE, (whole, type, name, attr) => this.attribute(`${type}.${name}`, attr) ?? whole);
    if (Array.isArray(value)) return value.map((v) => this.resolveValue(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '//').map(([k, v]) => [k, this.resolveValue(v)]));
    }
    return value;
  }

  /** The value of an attribute as AWS will report it. */
  attribute(address: string, attr: string): string | undefined {
    const raw = this.raw.get(address);
    if (!raw) return undefined;
    const body = this.bodyOf(address);
    const { account, region } = raw;
    const id = placeholderId(address);
    const computed: Record<string, Record<string, () => string>> = {
      aws_iam_role: { arn: () => `arn:aws:iam::${account}:role/${body.name}`, id: () => body.name, name: () => body.name },
      aws_iam_policy: { arn: () => `arn:aws:iam::${account}:policy/${body.name}`, id: () => `arn:aws:iam::${account}:policy/${body.name}`, name: () => body.name },
      aws_s3_bucket: { arn: () => `arn:aws:s3:::${body.bucket}`, id: () => body.bucket, bucket: () => body.bucket },
      aws_kms_key: { arn: () => `arn:aws:kms:${region}:${account}:key/${id}`, key_id: () => id, id: () => id },
      aws_ecr_repository: {
        arn: () => `arn:aws:ecr:${region}:${account}:repository/${body.name}`,
        name: () => body.name,
        id: () => body.name,
        repository_url: () => `${account}.dkr.ecr.${region}.amazonaws.com/${body.name}`,
      },
      aws_codebuild_project: { arn: () => `arn:aws:codebuild:${region}:${account}:project/${body.name}`, name: () => body.name, id: () => body.name },
      aws_codeconnections_connection: { arn: () => `arn:aws:codeconnections:${region}:${account}:connection/${id}`, connection_status: () => 'PENDING' },
      aws_cloudwatch_log_group: { arn: () => `arn:aws:logs:${region}:${account}:log-group:${body.name}`, name: () => body.name },
      aws_codepipeline: { arn: () => pipelineArn(account, region, body.name), name: () => body.name, id: () => body.name },
      aws_sns_topic: { arn: () => topicArn(account, region, body.name), id: () => topicArn(account, region, body.name), name: () => body.name },
    };
    const fn = computed[raw.type]?.[attr];
    if (fn) return fn();
    const direct = body[attr];
    return typeof direct === 'string' ? direct : undefined;
  }
}

/** Parses a policy document held in a resource argument; undefined when absent. */
export function policyOf(text: unknown): PolicyJson | undefined {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  return JSON.parse(text) as PolicyJson;
}

export interface StatementJson {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS?: string | string[]; Service?: string | string[] };
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyJson {
  Version?: string;
  Statement: StatementJson[] | StatementJson;
}

export const statementsOf = (policy: PolicyJson | undefined): StatementJson[] =>
  policy ? (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]) : [];

export const asList = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
