/**
 * Rules for what Terraform or CodePipeline would refuse at apply, checked on the plan without either:
 * identifiers and references Terraform resolves, sub-resources placed with what they configure, and the
 * pipeline structure CodePipeline validates (docs/terraform.md, docs/codepipeline.md). `npm run verify`
 * also runs the real `terraform validate` when Terraform is there; these rules hold without it.
 */
import { TERRAFORM_IDENTIFIER } from '../model/naming';
import { Body, PlanResource } from '../plan/plan';
import type { Finding, Rule } from './rule';
import { chainProblems } from '../plan/pipeline-chain';

/** `${type.name...}` / `${data.type.name...}` / `${var.name}` references in a raw (unresolved) value. */
function references(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') {
    for (const [, expression] of value.matchAll(/\$\{([^}]*)\}/g)) {
      for (const [ref] of expression!.matchAll(/\b(?:data\.[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+|var\.[A-Za-z_][A-Za-z0-9_-]*|[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*)/g)) into.push(ref!);
    }
  } else if (Array.isArray(value)) value.forEach((v) => references(v, into));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (k !== '//') references(v, into);
  return into;
}

/** Every declared address: `type.name`, `data.type.name`, `var.name`. */
function declared(json: Body): Set<string> {
  const out = new Set<string>();
  for (const [type, byName] of Object.entries<Body>(json.resource ?? {})) for (const name of Object.keys(byName)) out.add(`${type}.${name}`);
  for (const [type, byName] of Object.entries<Body>(json.data ?? {})) for (const name of Object.keys(byName)) out.add(`data.${type}.${name}`);
  for (const name of Object.keys(json.variable ?? {})) out.add(`var.${name}`);
  return out;
}

function rawResources(json: Body): Array<{ address: string; type: string; body: Body }> {
  return Object.entries<Body>(json.resource ?? {}).flatMap(([type, byName]) => Object.entries<Body>(byName).map(([name, body]) => ({ address: `${type}.${name}`, type, body })));
}

/**
 * Sub-resources and the argument that names what they configure. `global`: IAM is one per account, so only
 * the account must match; every other pair must share account and region, or AWS answers "not found".
 */
const CONFIGURES: ReadonlyArray<{ type: string; argument: string; target: string; global?: boolean }> = [
  ...['aws_s3_bucket_policy', 'aws_s3_bucket_versioning', 'aws_s3_bucket_public_access_block', 'aws_s3_bucket_server_side_encryption_configuration', 'aws_s3_bucket_lifecycle_configuration', 'aws_s3_bucket_ownership_controls'].map(
    (type) => ({ type, argument: 'bucket', target: 'aws_s3_bucket' }),
  ),
  { type: 'aws_kms_alias', argument: 'target_key_id', target: 'aws_kms_key' },
  { type: 'aws_ecr_repository_policy', argument: 'repository', target: 'aws_ecr_repository' },
  { type: 'aws_ecr_lifecycle_policy', argument: 'repository', target: 'aws_ecr_repository' },
  { type: 'aws_iam_role_policy', argument: 'role', target: 'aws_iam_role', global: true },
  { type: 'aws_sns_topic_policy', argument: 'arn', target: 'aws_sns_topic' },
  { type: 'aws_sns_topic_subscription', argument: 'topic_arn', target: 'aws_sns_topic' },
  { type: 'aws_codebuild_webhook', argument: 'project_name', target: 'aws_codebuild_project' },
];

/** Required CloudFormation action configuration per ActionMode (CloudFormation user guide, "Configuration properties (JSON object)"). */
export const CLOUDFORMATION_REQUIRED: Readonly<Record<string, readonly string[]>> = {
  CHANGE_SET_REPLACE: ['StackName', 'ChangeSetName', 'TemplatePath', 'RoleArn'],
  CHANGE_SET_EXECUTE: ['StackName', 'ChangeSetName'],
  CREATE_UPDATE: ['StackName', 'TemplatePath', 'RoleArn'],
  REPLACE_ON_FAILURE: ['StackName', 'TemplatePath', 'RoleArn'],
  DELETE_ONLY: ['StackName', 'RoleArn'],
};

/** Problems CodePipeline's CreatePipeline would report for one pipeline's stages. */
export function pipelineStructureProblems(stages: readonly Body[]): string[] {
  const problems: string[] = [];
  if (stages.length < 2) problems.push(`has ${stages.length} stage(s); a pipeline needs at least 2`);
  // Every producer first, so an input produced later is told apart from one produced nowhere.
  const produced = new Map<string, { stage: number; runOrder: number }>();
  stages.forEach((stage, index) => {
    for (const action of stage.action ?? []) {
      for (const output of action.output_artifacts ?? []) {
        if (produced.has(output)) problems.push(`action ${stage.name}/${action.name}: output artifact ${output} is already produced by another action`);
        else produced.set(output, { stage: index, runOrder: action.run_order ?? 1 });
      }
    }
  });
  const seenStages = new Set<string>();
  stages.forEach((stage, index) => {
    const actions: Body[] = stage.action ?? [];
    if (seenStages.has(stage.name)) problems.push(`stage name ${stage.name} is used twice`);
    seenStages.add(stage.name);
    if (!actions.length) problems.push(`stage ${stage.name} has no action`);
    const seenActions = new Set<string>();
    for (const action of actions) {
      const where = `action ${stage.name}/${action.name}`;
      if (seenActions.has(action.name)) problems.push(`${where}: action name used twice in the stage`);
      seenActions.add(action.name);
      if (index === 0 && action.category !== 'Source') problems.push(`${where}: the first stage may hold only Source actions (found ${action.category})`);
      if (index > 0 && action.category === 'Source') problems.push(`${where}: Source actions belong in the first stage only`);
      for (const input of action.input_artifacts ?? []) {
        const from = produced.get(input);
        if (!from) problems.push(`${where}: input artifact ${input} is produced by no action`);
        else if (from.stage > index || (from.stage === index && from.runOrder >= (action.run_order ?? 1))) problems.push(`${where}: input artifact ${input} is produced only later`);
      }
      if (action.provider === 'CloudFormation') problems.push(...cloudFormationProblems(where, action));
    }
  });
  return problems;
}

function cloudFormationProblems(where: string, action: Body): string[] {
  const config: Body = action.configuration ?? {};
  const required = CLOUDFORMATION_REQUIRED[config.ActionMode];
  if (!required) return [`${where}: ActionMode ${config.ActionMode ?? '(missing)'} is not one of ${Object.keys(CLOUDFORMATION_REQUIRED).join(', ')}`];
  const problems = required.filter((key) => !config[key]).map((key) => `${where}: ${config.ActionMode} needs configuration ${key}`);
  for (const key of ['TemplatePath', 'TemplateConfiguration']) {
    const artifact = typeof config[key] === 'string' ? config[key].split('::')[0] : undefined;
    if (artifact && !(action.input_artifacts ?? []).includes(artifact)) problems.push(`${where}: ${key} reads artifact ${artifact}, which is not an input artifact of the action`);
  }
  return problems;
}

export const STRUCTURE_RULES: readonly Rule[] = [
  {
    id: 'PIPELINE_CHAIN',
    title: 'A continuation pipeline starts only from the build its predecessor released after its waves',
    reason: 'Beyond one pipeline\'s quotas the waves continue in further pipelines; one that could start from another build, or before the waves before it (and their approval) passed, would deploy what nobody approved.',
    fix: 'Let the tool lay out the pipelines (npm run synth); do not edit their Source or Continue stages by hand.',
    refs: [],
    check: chainProblems,
  },
  {
    id: 'PROVIDER_ALIASES_VALID',
    title: 'Provider aliases are Terraform identifiers and every resource names a declared provider',
    reason: 'terraform init refuses an alias that starts with a digit; a resource without a declared provider would run with an unpinned default provider.',
    fix: 'Alias providers with providerAlias() (letter or underscore first) and give every resource provider = "aws.<alias>" of a declared configuration.',
    refs: [],
    check: (plan) => {
      const aliases = new Set(plan.providers.map((p) => p.alias));
      return [
        ...plan.providers.filter((p) => !TERRAFORM_IDENTIFIER.test(p.alias)).map((p) => ({ address: `provider.aws.${p.alias}`, message: `alias "${p.alias}" is not a Terraform identifier (letter or underscore first, then letters, digits, _ and -)` })),
        ...rawResources(plan.json).flatMap(({ address, body }) => {
          const alias = typeof body.provider === 'string' ? body.provider.replace(/^aws\.?/, '') : undefined;
          if (alias === undefined) return [{ address, message: 'names no provider: it would apply with an unpinned default provider' }];
          return aliases.has(alias) ? [] : [{ address, message: `provider ${body.provider} is not declared` }];
        }),
      ];
    },
  },
  {
    id: 'NO_DANGLING_REFERENCE',
    title: 'Every reference and depends_on names something the plan declares',
    reason: 'Terraform refuses a reference to an undeclared resource, data source or variable.',
    fix: 'Reference the construct that creates the resource (or declare the variable) instead of a hand-written address.',
    refs: [],
    check: (plan) => {
      const known = declared(plan.json);
      return rawResources(plan.json).flatMap(({ address, body }) => {
        const { depends_on: dependsOn, ...rest } = body;
        const refs = [...new Set(references(rest))].filter((r) => !known.has(r));
        const deps = ((dependsOn ?? []) as string[]).filter((d) => !known.has(d));
        return [
          ...refs.map((r) => ({ address, message: `references ${r}, which the plan does not declare` })),
          ...deps.map((d) => ({ address, message: `depends_on ${d}, which the plan does not declare` })),
        ];
      });
    },
  },
  {
    id: 'SUBRESOURCE_PLACED_WITH_TARGET',
    title: 'Sub-resources are applied in the account (and region) of what they configure',
    reason: 'A bucket policy, key alias, repository policy or role policy applied through another provider fails with "not found", or configures a namesake in the wrong account.',
    fix: 'Give the sub-resource the provider of the resource it configures.',
    refs: [],
    check: (plan) => {
      const byAddress = new Map(plan.resources.map((r) => [r.address, r]));
      const findings: Finding[] = [];
      for (const { type, argument, target, global } of CONFIGURES) {
        for (const sub of plan.ofType(type)) {
          const raw = (plan.json.resource?.[type]?.[sub.name] ?? {})[argument];
          const ref = references(raw).find((r) => r.startsWith(`${target}.`));
          const configured: PlanResource | undefined = ref ? byAddress.get(ref) : undefined;
          if (!configured) continue;
          const same = configured.account === sub.account && (global || configured.region === sub.region);
          if (!same) {
            findings.push({
              address: sub.address,
              message: `configures ${configured.address} in ${configured.account}${global ? '' : `/${configured.region}`} but is applied in ${sub.account}${global ? '' : `/${sub.region}`}`,
            });
          }
        }
      }
      return findings;
    },
  },
  {
    id: 'PIPELINE_STRUCTURE',
    title: 'The pipeline has the structure CodePipeline accepts',
    reason: 'CreatePipeline refuses fewer than 2 stages, Source actions outside the first stage, repeated stage or action names, inputs no earlier action produces, and incomplete CloudFormation actions.',
    fix: 'Build stages through DeliveryPipeline: Source first, then Build, then the deployment waves.',
    refs: [],
    check: (plan) => plan.ofType('aws_codepipeline').flatMap((p) => pipelineStructureProblems(p.body.stage ?? []).map((message) => ({ address: p.address, message }))),
  },
];
