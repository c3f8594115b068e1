/**
 * Where the paths of one plan are collected, with the shorthands every family of paths uses (a family a file).
 */
import { PipelineIntent } from '../../model/intent';
import { Body, Plan, PlanResource } from '../../plan/plan';
import { AccessModel } from './model';
import { AccessCheck, Principal, Target } from './principals';

/** A pipeline as its paths see it: the pipeline role, its regional stores, its actions. */
export interface PipelineContext {
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
export class Paths {
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

/** A connection as IAM sees it: in the account its ARN names (a connection created by the plan: the creator's). */
export function connectionTarget(arn: unknown, creator: string, label: string): Target {
  return { arn: String(arn), account: /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(String(arn))?.[1] ?? creator, label };
}
