/**
 * The differences between two synthesized stacks, ignoring cdktf's metadata (`//` keys, which hold construct
 * paths): what a refactoring that must not change behaviour has to leave empty.
 */
export function planDifferences(before: unknown, after: unknown, path = ''): string[] {
  if (before === undefined || after === undefined) return before === after ? [] : [`${path || '(stack)'}: ${before === undefined ? 'added' : 'removed'}`];
  if (typeof before !== typeof after || Array.isArray(before) !== Array.isArray(after) || before === null || after === null || typeof before !== 'object') {
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [`${path}: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`];
  }
  if (Array.isArray(before)) {
    const a = after as unknown[];
    const length = Math.max(before.length, a.length);
    return Array.from({ length }, (_, i) => planDifferences(before[i], a[i], `${path}[${i}]`)).flat();
  }
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => k !== '//').sort();
  return keys.flatMap((k) => planDifferences(b[k], a[k], path ? `${path}.${k}` : k));
}
