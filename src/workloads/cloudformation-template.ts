/**
 * What CloudFormation itself calls for the resources of a workload template. Each resource type's handlers
 * (create, read, update, delete) declare the permissions they need in the type's registry schema
 * (`aws cloudformation describe-type --type RESOURCE --type-name <type>`, field `handlers`). The execution role
 * needs all of them: create and update for a deploy, delete and read for a rollback of a failed first create and
 * for a teardown (a missing one leaves the stack in ROLLBACK_FAILED or DELETE_FAILED). The table is generated
 * from those schemas by `npm run cfn-handlers` and names its source per type.
 */
import { parseDocument } from 'yaml';
import HANDLER_TABLE from './cfn-handler-permissions.json';

/** The handlers a stack operation runs; `list` serves Cloud Control listings, never a stack. */
export const STACK_HANDLERS = ['create', 'read', 'update', 'delete'] as const;

export interface HandlerTableEntry {
  /** Where the schema came from: `<repository>@<commit>:<path>`, or what `--source` said. */
  readonly source: string;
  readonly handlers: Partial<Record<(typeof STACK_HANDLERS)[number] | 'list', readonly string[]>>;
}

export const HANDLER_PERMISSIONS: Readonly<Record<string, HandlerTableEntry>> = HANDLER_TABLE;

export interface TemplateResource {
  readonly logicalId: string;
  readonly type: string;
}

/**
 * The resources of a template (YAML with CloudFormation's short-form tags such as !Sub, or JSON). Throws with
 * the parser's position when the text is not a template.
 */
export function templateResources(text: string): TemplateResource[] {
  // Unknown tags (!Ref, !Sub, ...) only warn: their values do not matter here, the resource types do.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message);
  const resources = (doc.toJS() as { Resources?: Record<string, { Type?: unknown }> } | null)?.Resources;
  if (!resources || typeof resources !== 'object') throw new Error('no Resources section');
  return Object.entries(resources).map(([logicalId, r]) => {
    if (typeof r?.Type !== 'string') throw new Error(`resource ${logicalId} has no Type`);
    return { logicalId, type: r.Type };
  });
}

/** IAM action matching: case-insensitive, `*` and `?` wildcards (IAM User Guide, "IAM JSON policy elements: Action"). */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

export interface HandlerGap {
  readonly type: string;
  readonly logicalIds: readonly string[];
  /** Handler permissions no statement grants, with the handlers that call each. */
  readonly missing: ReadonlyArray<{ readonly action: string; readonly handlers: readonly string[] }>;
}

/**
 * For each resource type of the template, the handler permissions the granted actions do not cover; types
 * absent from the table are returned in `unknownTypes` (the check fails closed on them).
 */
export function handlerGaps(
  resources: readonly TemplateResource[],
  grantedActions: readonly string[],
  notNeeded: readonly string[] = [],
): { gaps: HandlerGap[]; unknownTypes: string[] } {
  const byType = new Map<string, string[]>();
  for (const r of resources) byType.set(r.type, [...(byType.get(r.type) ?? []), r.logicalId]);
  const gaps: HandlerGap[] = [];
  const unknownTypes: string[] = [];
  for (const [type, logicalIds] of [...byType.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const entry = HANDLER_PERMISSIONS[type];
    // Custom resources and modules run the user's code, not a registry handler: nothing to derive.
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') continue;
    if (!entry) {
      unknownTypes.push(type);
      continue;
    }
    const needed = new Map<string, string[]>();
    for (const handler of STACK_HANDLERS) {
      for (const action of entry.handlers[handler] ?? []) needed.set(action, [...(needed.get(action) ?? []), handler]);
    }
    const missing = [...needed.entries()]
      .filter(([action]) => !grantedActions.some((p) => actionMatches(p, action)) && !notNeeded.some((p) => actionMatches(p, action)))
      .map(([action, handlers]) => ({ action, handlers }));
    if (missing.length > 0) gaps.push({ type, logicalIds, missing });
  }
  return { gaps, unknownTypes };
}
