import { canRemove, decidingRule } from '../src/verify/ecr-lifecycle';

// The documented semantics (Amazon ECR User Guide, "How lifecycle policies work", "Lifecycle policy
// properties"), stated as cases on the AWS examples' tags (beta-1, prod-1).
const rule = (rulePriority: number, selection: Record<string, unknown>) => ({ rulePriority, selection: { countType: 'imageCountMoreThan', countNumber: 1, ...selection }, action: { type: 'expire' } });
const policy = (...rules: unknown[]) => JSON.stringify({ rules });

describe('ECR lifecycle rule evaluation', () => {
  it('lets the lowest rulePriority that selects an image decide, whatever the order in the file', () => {
    const text = policy(rule(2, { tagStatus: 'tagged', tagPrefixList: ['beta'] }), rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod'] }));
    expect(decidingRule(text, ['beta-1', 'prod-1'])!.rulePriority).toBe(1);
    expect(decidingRule(text, ['beta-3'])!.rulePriority).toBe(2);
  });

  it('selects by every prefix or pattern of the list, each matched by any tag', () => {
    const both = policy(rule(1, { tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'] }));
    expect(decidingRule(both, ['alpha-1', 'beta-1'])).toBeDefined();
    expect(decidingRule(both, ['alpha-1'])).toBeUndefined();
    const patterns = policy(rule(1, { tagStatus: 'tagged', tagPatternList: ['prod*', '*-1'] }));
    expect(decidingRule(patterns, ['prod', 'beta-1'])).toBeDefined();
    expect(decidingRule(patterns, ['prod-2'])).toBeUndefined();
    expect(decidingRule(policy(rule(1, { tagStatus: 'tagged', tagPatternList: ['a.b*'] })), ['axb-1'])).toBeUndefined();
  });

  it('selects untagged images only by "untagged", every image by "any", and nothing when no rule fits', () => {
    const text = policy(rule(1, { tagStatus: 'untagged' }), rule(2, { tagStatus: 'tagged', tagPrefixList: ['prod'] }));
    expect(decidingRule(text, [])!.rulePriority).toBe(1);
    expect(decidingRule(text, ['beta-1'])).toBeUndefined();
    expect(decidingRule(policy(rule(9, { tagStatus: 'any' })), ['beta-1'])!.rulePriority).toBe(9);
  });

  it('counts only a count rule that keeps the whole repository as never removing', () => {
    expect(canRemove(rule(1, { tagStatus: 'any', countNumber: 100_000 }) as never, 100_000)).toBe(false);
    expect(canRemove(rule(1, { tagStatus: 'any', countNumber: 99_999 }) as never, 100_000)).toBe(true);
    expect(canRemove(rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 100_000 }) as never, 100_000)).toBe(true);
  });
});
