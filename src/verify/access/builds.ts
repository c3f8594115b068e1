/**
 * The builds and the functions: what the pipeline's build may do, what any other build cannot, and whom Lambda acts for.
 */
import { Body, asList } from '../../plan/plan';
import { connectionTarget, Paths } from './collector';
import { OUTSIDER_ACCOUNT, service } from './principals';

/** Confused deputy: the Lambda service assumes a function's role only for functions of the role's account. */
export function functionTrustPaths(p: Paths): void {
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
export function buildPaths(p: Paths): void {
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
