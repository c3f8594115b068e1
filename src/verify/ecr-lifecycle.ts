/**
 * Which rule of an ECR lifecycle policy decides an image's fate, by the documented semantics (Amazon ECR
 * User Guide, "How lifecycle policies work" and "Lifecycle policy properties"):
 * - rules apply by rulePriority, lowest first; an image matched by the tagging requirements of a rule cannot
 *   be expired by a rule of lower priority, so the first matching rule decides;
 * - `any` selects every image, `untagged` images without tags, `tagged` images whose tags match every entry
 *   of tagPrefixList (as a prefix) or of tagPatternList (`*` is a wildcard), each by any of the image's tags.
 */

export interface LifecycleRuleJson {
  readonly rulePriority: number;
  readonly description?: string;
  readonly selection: {
    readonly tagStatus: 'tagged' | 'untagged' | 'any';
    readonly tagPrefixList?: readonly string[];
    readonly tagPatternList?: readonly string[];
    readonly countType: string;
    readonly countNumber: number;
  };
  readonly action: { readonly type: string };
}

const patternMatches = (pattern: string, tag: string) =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(tag);

function selects(rule: LifecycleRuleJson, tags: readonly string[]): boolean {
  const s = rule.selection;
  if (s.tagStatus === 'any') return true;
  if (s.tagStatus === 'untagged') return tags.length === 0;
  if (tags.length === 0) return false;
  const prefixes = s.tagPrefixList ?? [];
  const patterns = s.tagPatternList ?? [];
  return prefixes.every((p) => tags.some((t) => t.startsWith(p))) && patterns.every((p) => tags.some((t) => patternMatches(p, t)));
}

/** The rule that decides an image with these tags, or undefined when no rule selects it (it never expires). */
export function decidingRule(policyText: string, tags: readonly string[]): LifecycleRuleJson | undefined {
  const rules = (JSON.parse(policyText) as { rules?: LifecycleRuleJson[] }).rules ?? [];
  return [...rules].sort((a, b) => a.rulePriority - b.rulePriority).find((rule) => selects(rule, tags));
}

/**
 * Whether a rule can remove (expire, or move to archive storage, which cannot be pulled) an image it selects
 * in a repository holding at most `maxImages`: only a count rule keeping at least that many cannot.
 */
export function canRemove(rule: LifecycleRuleJson, maxImages: number): boolean {
  return !(rule.selection.countType === 'imageCountMoreThan' && rule.selection.countNumber >= maxImages);
}
