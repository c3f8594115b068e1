import type { Document, LineCounter } from 'yaml';

type Path = ReadonlyArray<string | number>;
type Pair = { key?: { value?: unknown; range?: number[] } };

/**
 * The line of the value at `path`, or of its nearest ancestor that exists: the line of the key that holds it, since
 * a block map's own range starts at its first entry, a line below the key a reader looks for.
 */
export function lineOf(doc: Document, lines: LineCounter, path: Path): number {
  for (let n = path.length; n >= 0; n--) {
    const parent = n > 0 ? (doc.getIn(path.slice(0, n - 1), true) as { items?: Pair[] } | undefined) : undefined;
    const key = parent?.items?.find((pair) => pair.key?.value === path[n - 1])?.key;
    const node = key ?? (doc.getIn(path.slice(0, n), true) as { range?: number[] } | undefined);
    if (node?.range) return lines.linePos(node.range[0]!).line;
  }
  return 1;
}
