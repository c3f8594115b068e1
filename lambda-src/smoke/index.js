'use strict';
/**
 * Post-deploy smoke test, invoked by a CodePipeline Invoke action after each wave's deployments.
 *
 * UserParameters: {"pipeline": "<name>", "stage": "<pipeline stage>"}. The function reads that stage from
 * the pipeline itself (so it checks exactly what was deployed), assumes the read-only check role
 * (CHECK_ROLE_NAME) of each target account, never its deploy role, and checks every deployment in its region:
 *   - CloudFormation deployments: the stack is CREATE_COMPLETE or UPDATE_COMPLETE, and for a container
 *     Lambda (SMOKE_INVOKE=true) the function answers an invocation with status 200;
 *   - ECS deployments: the service has settled on one deployment with all its tasks running.
 * It reports success or failure to CodePipeline with a message a person can act on.
 *
 * Plain JavaScript on purpose: it runs as is on the Lambda Node.js runtime, which ships the AWS SDK v3.
 */
const { CodePipelineClient, GetPipelineCommand, PutJobFailureResultCommand, PutJobSuccessResultCommand } = require('@aws-sdk/client-codepipeline');
const { STSClient, AssumeRoleCommand } = require('@aws-sdk/client-sts');
const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const { CloudFormationClient, DescribeStacksCommand } = require('@aws-sdk/client-cloudformation');
const { ECSClient, DescribeServicesCommand } = require('@aws-sdk/client-ecs');

const HEALTHY_STACK = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE']);
/** Time kept back to report to CodePipeline before Lambda's own deadline. */
const REPORT_MARGIN_MS = 5000;
const MAX_MESSAGE = 5000;

class InputError extends Error {}

/** The deployments of a pipeline stage, as the deploy actions name them. */
function deploymentsOf(pipeline, stageName) {
  const stage = (pipeline.stages || []).find((s) => s.name === stageName);
  if (!stage) throw new InputError(`pipeline ${pipeline.name} has no stage "${stageName}"`);
  return stage.actions
    .filter((a) => a.actionTypeId.category === 'Deploy' && a.roleArn)
    .filter((a) => a.actionTypeId.provider === 'ECS' || a.configuration.ActionMode === 'CHANGE_SET_EXECUTE')
    .map((a) => ({
      action: a.name,
      roleArn: a.roleArn,
      region: a.region,
      ...(a.actionTypeId.provider === 'ECS'
        ? { kind: 'ecs', cluster: a.configuration.ClusterName, service: a.configuration.ServiceName }
        : { kind: 'stack', stack: a.configuration.StackName }),
    }));
}

function parseParameters(job) {
  const raw = job && job.data && job.data.actionConfiguration && job.data.actionConfiguration.configuration && job.data.actionConfiguration.configuration.UserParameters;
  if (!raw) throw new InputError('UserParameters is missing: expected {"pipeline": "<name>", "stage": "<stage>"}');
  let params;
  try {
    params = JSON.parse(raw);
  } catch (err) {
    throw new InputError(`UserParameters is not JSON (${err.message}): expected {"pipeline": "<name>", "stage": "<stage>"}`);
  }
  if (!params || typeof params.pipeline !== 'string' || typeof params.stage !== 'string') {
    throw new InputError('UserParameters needs "pipeline" and "stage" strings');
  }
  return params;
}

/** The read-only check role in the account of a deploy action's role. */
function checkRoleOf(deps, actionRoleArn) {
  const [, partition, , , account] = actionRoleArn.split(':');
  return `arn:${partition}:iam::${account}:role/${deps.checkRoleName}`;
}

async function credentialsFor(deps, roleArn) {
  const out = await deps.sts.send(new AssumeRoleCommand({ RoleArn: checkRoleOf(deps, roleArn), RoleSessionName: 'pipeline-smoke-test' }));
  const c = out.Credentials;
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

/** Checks one deployment; resolves to undefined when healthy, or to the problem. */
async function check(deps, d) {
  const credentials = await credentialsFor(deps, d.roleArn);
  const where = `${d.roleArn.split(':')[4]}/${d.region}`;
  if (d.kind === 'ecs') {
    const ecs = deps.ecs({ region: d.region, credentials });
    const out = await ecs.send(new DescribeServicesCommand({ cluster: d.cluster, services: [d.service] }));
    const svc = (out.services || [])[0];
    if (!svc) return `${where}: service ${d.cluster}/${d.service} not found`;
    if ((svc.deployments || []).length !== 1 || svc.runningCount !== svc.desiredCount) {
      return `${where}: service ${d.service} has not settled (${(svc.deployments || []).length} deployments, ${svc.runningCount}/${svc.desiredCount} tasks running); see its events in the ECS console`;
    }
    return undefined;
  }
  const cfn = deps.cloudformation({ region: d.region, credentials });
  const stacks = await cfn.send(new DescribeStacksCommand({ StackName: d.stack }));
  const status = stacks.Stacks && stacks.Stacks[0] && stacks.Stacks[0].StackStatus;
  if (!HEALTHY_STACK.has(status)) return `${where}: stack ${d.stack} is ${status || 'missing'}; see its events in the CloudFormation console`;
  if (deps.invoke) {
    const lambda = deps.lambda({ region: d.region, credentials });
    const out = await lambda.send(new InvokeCommand({ FunctionName: d.stack, Payload: Buffer.from(JSON.stringify({ smokeTest: true })) }));
    const payload = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError) return `${where}: function ${d.stack} failed (${out.FunctionError}): ${payload.slice(0, 300)}`;
    let body;
    try {
      body = JSON.parse(payload);
    } catch {
      body = undefined;
    }
    if (!body || body.statusCode !== 200) return `${where}: function ${d.stack} answered ${payload.slice(0, 300) || 'nothing'}, expected statusCode 200`;
  }
  return undefined;
}

function withDeadline(promise, ms, what) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(`${what}: no answer within ${Math.round(ms / 1000)} s`), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs the smoke test of one job and reports to CodePipeline. Resolves to the reported outcome. */
async function runSmokeTest(job, deps, remainingMs) {
  const report = async (problems) => {
    if (problems.length === 0) {
      await deps.codepipeline.send(new PutJobSuccessResultCommand({ jobId: job.id }));
      return { ok: true, problems };
    }
    const message = problems.join('\n').slice(0, MAX_MESSAGE);
    await deps.codepipeline.send(new PutJobFailureResultCommand({ jobId: job.id, failureDetails: { type: 'JobFailed', message } }));
    return { ok: false, problems };
  };
  let deployments;
  try {
    const params = parseParameters(job);
    const pipeline = await deps.codepipeline.send(new GetPipelineCommand({ name: params.pipeline }));
    deployments = deploymentsOf(pipeline.pipeline, params.stage);
    if (deployments.length === 0) throw new InputError(`stage "${params.stage}" has no deployments to check`);
  } catch (err) {
    return report([err instanceof InputError ? `malformed smoke test input: ${err.message}` : `cannot read the pipeline: ${err.message}`]);
  }
  const budget = Math.max(1000, remainingMs - REPORT_MARGIN_MS);
  const results = await Promise.all(
    deployments.map((d) =>
      withDeadline(
        check(deps, d).catch((err) => `${d.roleArn.split(':')[4]}/${d.region}: ${err.name || 'Error'}: ${err.message}`),
        budget,
        `${d.roleArn.split(':')[4]}/${d.region} ${d.stack || d.service}`,
      ),
    ),
  );
  return report(results.filter(Boolean));
}

/** Lambda entry point. */
async function handler(event, context) {
  const job = event && event['CodePipeline.job'];
  const codepipeline = new CodePipelineClient({});
  if (!job || !job.id) throw new Error('not a CodePipeline job event: expected "CodePipeline.job" with an id');
  if (!process.env.CHECK_ROLE_NAME) throw new Error('CHECK_ROLE_NAME is not set: the function needs the name of the read-only check role of the target accounts');
  const deps = {
    codepipeline,
    checkRoleName: process.env.CHECK_ROLE_NAME,
    sts: new STSClient({}),
    invoke: process.env.SMOKE_INVOKE === 'true',
    lambda: (config) => new LambdaClient(config),
    cloudformation: (config) => new CloudFormationClient(config),
    ecs: (config) => new ECSClient(config),
  };
  return runSmokeTest(job, deps, context && context.getRemainingTimeInMillis ? context.getRemainingTimeInMillis() : 60000);
}

module.exports = { handler, runSmokeTest, deploymentsOf };
