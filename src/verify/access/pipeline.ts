/**
 * The pipeline role: its stores, the source connection, the builds it starts, and a chain's hand-over.
 */
import { pipelineArn as pipelineArnOf } from '../../model/naming';
import { connectionTarget, Paths, PipelineContext } from './collector';
import { ADMIN, Principal, service } from './principals';

/** CodePipeline and the pipeline role: its stores, the source connection, the build. */
export function pipelinePaths(p: Paths, c: PipelineContext): void {
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
export function chainPaths(p: Paths, c: PipelineContext): void {
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
