import { Plan, PlanResource, StackJson, StatementJson, asList, policyOf, statementsOf } from '../plan/plan';

/** Where the generated facts sit in docs/security.md. */
export const SECURITY_FACTS_MARKERS = ['<!-- security-facts:start (npm run security-model) -->', '<!-- security-facts:end -->'] as const;

export interface SecurityFactsInput {
  /** The environment's name. */
  readonly name: string;
  /** The synthesized stack. */
  readonly json: StackJson;
  /** Prefix of the environment's role and resource names (`<workload>-<env>`), left out of the facts. */
  readonly prefix: string;
}

/**
 * The security claims the docs make, read from the synthesized plans rather than written by hand: who may write
 * and who may read the artifact stores (bucket and key policies), which statements have `Resource: "*"` (every
 * role's policies), which log groups each artifact key serves, and which roles act in the approval's stage before
 * the approval. One line per fact, each listing the shipped environments it holds in.
 */
export function securityFacts(inputs: readonly SecurityFactsInput[]): string {
  const facts = new Map<string, Set<string>>();
  const add = (fact: string, env: string) => facts.set(fact, (facts.get(fact) ?? new Set()).add(env));
  for (const { name, json, prefix } of inputs) {
    const plan = new Plan(json);
    const short = (text: string) => text.split(`${prefix}-`).join('');
    const roleNames = (s: StatementJson) => [...new Set(principalRoles(s).map((arn) => short(arn.replace(/^arn:aws:iam::[^:]*:role\//, ''))))].sort();
    const pipelineRegion = plan.ofType('aws_codepipeline')[0]?.region;
    const storePolicies = [...plan.ofType('aws_s3_bucket_policy'), ...plan.ofType('aws_kms_key')].filter((r) => /artifacts/.test(r.address));
    for (const r of storePolicies) {
      const where = r.region === pipelineRegion ? 'the pipeline region' : 'another region';
      for (const s of statementsOf(policyOf(r.body.policy))) {
        if (/^Writers/.test(s.Sid ?? '')) add(`artifact store of ${where}: written only by \`${roleNames(s).join('`, `')}\``, name);
        if (/^Readers/.test(s.Sid ?? '')) for (const role of roleNames(s)) add(`artifact stores: read by \`${role}\``, name);
        const logGroups = asList(s.Condition?.ArnEquals?.['kms:EncryptionContext:aws:logs:arn']);
        if (logGroups.length) add(`artifact key of the pipeline region serves the log groups ${logGroups.map((g) => `\`${short(g.replace(/^.*:log-group:/, ''))}\``).join(', ')}`, name);
      }
    }
    for (const r of [...plan.ofType('aws_iam_role_policy'), ...plan.ofType('aws_iam_policy')]) {
      const owner = short(String(r.body.role ?? r.body.name));
      for (const s of statementsOf(policyOf(r.body.policy))) {
        if (s.Effect === 'Allow' && asList(s.Resource).includes('*')) add(`\`Resource: "*"\`: \`${owner}\` statement ${s.Sid ?? '(no Sid)'} (${asList(s.Action).join(', ')})`, name);
      }
    }
    for (const pipeline of plan.ofType('aws_codepipeline')) beforeApproval(pipeline, short).forEach((fact) => add(fact, name));
  }
  const everywhere = inputs.length;
  return [...facts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([fact, envs]) => `- ${fact} (${envs.size === everywhere ? 'every shipped environment' : [...envs].sort().join(', ')})`)
    .join('\n');
}

/** Role ARNs a statement lets in: `aws:PrincipalArn` narrowing an account root, else role principals. */
function principalRoles(s: StatementJson): string[] {
  const narrowed = Object.values(s.Condition ?? {}).flatMap((c) => asList((c as Record<string, unknown>)['aws:PrincipalArn']));
  if (narrowed.length) return narrowed;
  const aws = typeof s.Principal === 'object' ? asList(s.Principal.AWS) : [];
  return aws.filter((p) => p.includes(':role/'));
}

/** The roles that act, in a stage with an approval, before that approval runs. */
function beforeApproval(pipeline: PlanResource, short: (text: string) => string): string[] {
  const facts: string[] = [];
  for (const stage of asStages(pipeline.body.stage)) {
    const approval = stage.action.find((a) => a.category === 'Approval');
    if (!approval) continue;
    for (const action of stage.action.filter((a) => a.category !== 'Approval' && (a.run_order ?? 1) < (approval.run_order ?? 1))) {
      const mode = action.configuration?.ActionMode ? ` (${action.provider} ${action.configuration.ActionMode})` : ` (${action.provider})`;
      facts.push(`before the approval of a stage: \`${action.role_arn ? short(String(action.role_arn).replace(/^.*:role\//, '')) : 'pipeline'}\`${mode}`);
    }
  }
  return facts;
}

type Action = { category: string; provider: string; run_order?: number; role_arn?: string; configuration?: Record<string, string> };
const asStages = (v: unknown) => (Array.isArray(v) ? v : []) as Array<{ name: string; action: Action[] }>;
