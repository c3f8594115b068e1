/**
 * The plan must carry the pipeline's intent (src/model/intent.ts) and agree with it both ways: every deployment it
 * records has its deploy actions and every deploy action belongs to one; the regions it pushes images to are
 * the repositories and the build's IMAGE_REPOSITORIES; the smoke check and the ECS task roles it records are
 * the ones the plan configures. verify derives paths from the record, so a record that drifted from the plan,
 * or none, fails here instead of silently leaving paths unchecked.
 */
import { PipelineIntent, INTENT_OUTPUT, readIntent } from '../model/intent';
import { Body, Plan } from '../plan/plan';
import type { Finding, Rule } from './rule';

/** What verify derives from the record: named when it is missing, so a foreign plan's report says what was not checked. */
const DERIVED_FROM_INTENT = 'the build\'s image pushes, the ECS task roles\' paths, the smoke check role and function invocations';

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

function intentFindings(plan: Plan): Finding[] {
  const read = readIntent(plan.json.output);
  const address = `output.${INTENT_OUTPUT}`;
  if ('problem' in read) return [{ address, message: `${read.problem}; without it verify cannot derive ${DERIVED_FROM_INTENT}` }];
  const intent = read.intent;
  const findings: Finding[] = [];
  const mismatch = (what: string, recorded: readonly string[], planned: readonly string[]) => {
    if (!sameSet(recorded, planned)) findings.push({ address, message: `${what}: the record says [${recorded.join(', ')}], the plan has [${planned.join(', ')}]` });
  };
  // Every pipeline of the environment (a chain beyond one pipeline's quotas); the release of a chain's build to its
  // next pipeline is an S3 deploy with the pipeline's own role, not a deployment.
  const pipelines = plan.ofType('aws_codepipeline');
  const pipeline = pipelines[0];
  const actions: Body[] = pipelines.flatMap((p) => (p.body.stage ?? []).flatMap((s: Body) => s.action ?? []));
  const deploys = actions.filter((a) => a.category === 'Deploy' && a.role_arn);
  const key = (account: string, region: string, role: string) => `${account}/${region}/${role}`;
  mismatch(
    'deployments (account/region/action role)',
    [...new Set(intent.deployments.map((d) => key(d.account, d.region, d.actionRole)))],
    [...new Set(deploys.map((a) => key(String(a.role_arn).split(':')[4]!, a.region ?? pipeline!.region, String(a.role_arn))))],
  );
  mismatch(
    'execution roles of change sets',
    [...new Set(intent.deployments.flatMap((d) => (d.executionRole ? [d.executionRole] : [])))],
    [...new Set(deploys.flatMap((a) => (a.configuration?.RoleArn ? [String(a.configuration.RoleArn)] : [])))],
  );
  imageFindings(plan, intent, pipeline, actions, mismatch);
  const ecsDeploys = deploys.some((a) => a.provider === 'ECS');
  if (ecsDeploys !== Boolean(intent.taskRoles)) {
    findings.push({ address, message: ecsDeploys ? 'the plan deploys ECS services but the record names no task roles' : 'the record names ECS task roles but the plan deploys no ECS service' });
  }
  smokeFindings(plan, intent, actions, mismatch);
  return findings;
}

function imageFindings(plan: Plan, intent: PipelineIntent, pipeline: { body: Body } | undefined, actions: Body[], mismatch: (what: string, a: readonly string[], b: readonly string[]) => void) {
  const recorded = intent.images?.regions ?? [];
  mismatch('image repository regions', recorded, plan.ofType('aws_ecr_repository').map((r) => r.region));
  const buildProjects = actions.filter((a) => a.provider === 'CodeBuild').map((a) => a.configuration?.ProjectName);
  const build = plan.ofType('aws_codebuild_project').find((p) => buildProjects.includes(p.body.name));
  const pushes = String((build?.body.environment?.environment_variable ?? []).find((v: Body) => v.name === 'IMAGE_REPOSITORIES')?.value ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((entry) => entry.split('=')[0]!);
  if (pipeline) mismatch('regions the build pushes to (IMAGE_REPOSITORIES)', recorded, pushes);
}

function smokeFindings(plan: Plan, intent: PipelineIntent, actions: Body[], mismatch: (what: string, a: readonly string[], b: readonly string[]) => void) {
  const invoked = actions.filter((a) => a.category === 'Invoke' && a.provider === 'Lambda').map((a) => String(a.configuration?.FunctionName));
  mismatch('smoke-test functions the pipeline invokes', intent.smoke ? [intent.smoke.functionName] : [], [...new Set(invoked)]);
  if (!intent.smoke) return;
  const fn = plan.ofType('aws_lambda_function').find((f) => f.body.function_name === intent.smoke!.functionName);
  const variables = fn?.body.environment?.variables ?? {};
  mismatch('smoke check role the function assumes (CHECK_ROLE_NAME)', [intent.smoke.checkRoleName], variables.CHECK_ROLE_NAME ? [String(variables.CHECK_ROLE_NAME)] : []);
  mismatch('whether the smoke test invokes functions (SMOKE_INVOKE)', [String(intent.smoke.invokesFunctions)], variables.SMOKE_INVOKE ? [String(variables.SMOKE_INVOKE)] : []);
}

export const INTENT_RULE: Rule = {
  id: 'PIPELINE_INTENT',
  title: 'The plan carries the pipeline intent and agrees with it',
  reason: 'verify derives the paths it checks from the record; a missing or drifted record would leave paths unchecked while verify says ok.',
  fix: `Synthesize the plan with this tool (npm run synth), which writes output "${INTENT_OUTPUT}"; do not edit the record or the resources it describes by hand.`,
  refs: [],
  check: intentFindings,
};
