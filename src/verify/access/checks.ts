/**
 * The access matrix of one plan: every family's paths, each check once.
 */
import { readIntent } from '../../model/intent';
import { Body, asList } from '../../plan/plan';
import { boundaryPaths } from './boundary';
import { buildPaths, functionTrustPaths } from './builds';
import { Paths, PipelineContext } from './collector';
import { deploymentPaths } from './deployment';
import { ceilingPaths, escalationChecks } from './escalation';
import { AccessModel } from './model';
import { notificationPaths } from './notifications';
import { chainPaths, pipelinePaths } from './pipeline';
import { AccessCheck } from './principals';
import { smokeTestPaths } from './smoke-test';

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
