/**
 * Environment files as people write them: JSON with comments and trailing commas (as tsconfig.json), an
 * optional UTF-8 byte-order mark, parsed by Microsoft's jsonc-parser (the parser of VS Code's JSON mode) so
 * that every problem, of syntax or of content, points at a line and a column.
 */
import { closest, distance } from 'fastest-levenshtein';
import { Node, ParseError, findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { ConfigIssue, Position } from './issue';

/** Longest value echoed back in a message: a 20 MB name stays a readable line. */
export const ECHO_LIMIT = 80;

/** A value as a message quotes it, cut to ECHO_LIMIT characters. */
export function echo(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT)}… (${text.length} characters)` : text;
}

/** The word a misspelt one most likely meant (a field, a region): within two edits, or a third of its length. */
export function didYouMean(word: string, allowed: readonly string[]): string | undefined {
  if (!allowed.length || word.length > 2 * ECHO_LIMIT) return undefined;
  const best = closest(word, [...allowed]);
  return distance(word.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** `stages[1].targets[0].account` as the segments jsonc-parser walks. */
export function pathSegments(path: string): Array<string | number> {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

export class SourceText {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  position(offset: number): Position {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - this.lineStarts[low]! + 1 };
  }

  /** The line at a position, cut to ECHO_LIMIT characters around the column, for a one-line excerpt. */
  excerpt(at: Position): string {
    const line = this.text.slice(this.lineStarts[at.line - 1], this.lineStarts[at.line] ?? this.text.length).replace(/\r?\n$/, '');
    if (line.trim().length <= ECHO_LIMIT) return line.trim();
    const from = Math.max(0, at.column - 1 - ECHO_LIMIT / 2);
    return `${from > 0 ? '…' : ''}${line.slice(from, from + ECHO_LIMIT).trim()}${line.length > from + ECHO_LIMIT ? '…' : ''}`;
  }
}

export interface ParsedSource {
  /** The document's value, when its syntax is valid. */
  readonly value?: unknown;
  /** Syntax errors and duplicate keys; the value is unusable when any is present. */
  readonly issues: readonly ConfigIssue[];
  /** Where a field is (a missing one: where its parent object is). */
  readonly locate: (path: string) => Position | undefined;
}

/** Parses an environment file's text; never throws. */
export function parseSource(raw: string): ParsedSource {
  // A byte-order mark is how some Windows editors save UTF-8: it is not content.
  const source = new SourceText(raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw);
  const errors: ParseError[] = [];
  const tree = parseTree(source.text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  const at = (offset: number) => source.position(offset);
  const issues: ConfigIssue[] = errors.map((e) => {
    const position = at(e.offset);
    return { path: '', message: `not valid JSON: ${syntaxMessage(e)} (here: ${source.excerpt(position)})`, ...position };
  });
  if (tree) issues.push(...duplicateKeys(tree, at));
  const locate = (path: string): Position | undefined => {
    if (!tree) return undefined;
    const segments = pathSegments(path);
    for (let n = segments.length; n >= 0; n--) {
      const node = findNodeAtLocation(tree, segments.slice(0, n));
      if (node) return at(n === segments.length && node.parent?.type === 'property' ? node.parent.offset : node.offset);
    }
    return at(tree.offset);
  };
  return { ...(tree && !issues.length ? { value: getNodeValue(tree) } : {}), issues, locate };
}

const syntaxMessage = (e: ParseError): string =>
  (<Record<string, string>>{
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'not a number',
    PropertyNameExpected: 'a field name in double quotes expected',
    ValueExpected: 'a value expected',
    ColonExpected: '":" expected after the field name',
    CommaExpected: '"," expected between fields or list items',
    CloseBraceExpected: '"}" expected to close the object',
    CloseBracketExpected: '"]" expected to close the list',
    EndOfFileExpected: 'nothing may follow the top-level object',
    InvalidCommentToken: 'unfinished comment',
    UnexpectedEndOfComment: 'unfinished comment',
    UnexpectedEndOfString: 'unfinished string',
    UnexpectedEndOfNumber: 'unfinished number',
    InvalidUnicode: 'invalid \\u escape',
    InvalidEscapeCharacter: 'invalid escape',
    InvalidCharacter: 'a control character inside a string',
  })[printParseErrorCode(e.error)] ?? printParseErrorCode(e.error);

/** Two fields of one name in one object: JSON.parse keeps the last silently; we name both. */
function duplicateKeys(tree: Node, at: (offset: number) => Position): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (node: Node, path: string) => {
    if (node.type === 'object') {
      const seen = new Map<string, Node>();
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (!key) continue;
        const name = String(key.value);
        const first = seen.get(name);
        const field = path ? `${path}.${name}` : name;
        if (first) {
          const was = at(first.offset);
          issues.push({ path: field, message: `"${echo(name)}" is set twice in this object (first at line ${was.line}, column ${was.column}); keep one`, ...at(key.offset) });
        } else seen.set(name, key);
        if (value) walk(value, field);
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => walk(child, `${path}[${i}]`));
    }
  };
  walk(tree, '');
  return issues;
}
