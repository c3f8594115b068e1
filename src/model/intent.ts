/**
 * The record of what a pipeline intends, written by synth into the plan as the output `pipeline_intent` and
 * read by verify: the deployments and their roles, where images go and who pulls them, the smoke check. verify
 * derives its paths from it and checks the plan agrees with it; a plan without a valid record fails verify
 * (it cannot know what to check). One schema for the writer and the reader. Parts a pipeline does not have are
 * absent (cdktf outputs hold no null); verify holds the plan to the record both ways, so a part removed from
 * the record while its resources stay in the plan is a finding.
 */
import { z } from 'zod';

export const INTENT_OUTPUT = 'pipeline_intent';
export const INTENT_VERSION = 2;

const arn = z.string().regex(/^arn:aws:/, { error: 'must be an ARN' });

export const intentSchema = z.strictObject({
  version: z.literal(INTENT_VERSION),
  kind: z.string().min(1),
  /** `<workload>-<environment>`, the stem of the environment's names (its boundaries are named from it). */
  prefix: z.string().min(1),
  deployments: z
    .array(z.strictObject({ stage: z.string(), account: z.string().regex(/^\d{12}$/), region: z.string(), stackName: z.string(), actionRole: arn, executionRole: arn.optional() }))
    .min(1),
  images: z.strictObject({ regions: z.array(z.string()).min(1), pullers: z.array(arn), lambdaPulls: z.boolean() }).optional(),
  taskRoles: z.strictObject({ execution: z.array(arn).min(1), task: z.array(arn) }).optional(),
  smoke: z.strictObject({ functionName: z.string(), checkRoleName: z.string(), invokesFunctions: z.boolean() }).optional(),
  /** The organization the grants to target accounts name; `paths` empty for the whole organization. */
  organization: z.strictObject({ id: z.string().regex(/^o-/), paths: z.array(z.string()) }).optional(),
  /** A split environment's target stacks: verify reads them with this one, as one plan. */
  targetStacks: z.array(z.string().min(1)).min(1).optional(),
});

export type PipelineIntent = z.infer<typeof intentSchema>;

/** The record in a synthesized plan, or why there is none that verify can use. */
export function readIntent(outputs: Record<string, { value?: unknown }> | undefined): { intent: PipelineIntent } | { problem: string } {
  const value = outputs?.[INTENT_OUTPUT]?.value;
  if (value === undefined) return { problem: `the plan has no output "${INTENT_OUTPUT}" (not synthesized by this tool, or edited)` };
  const parsed = intentSchema.safeParse(value);
  if (!parsed.success) {
    return { problem: `output "${INTENT_OUTPUT}" is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ')}` };
  }
  return { intent: parsed.data };
}
