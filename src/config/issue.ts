/**
 * What is wrong with an environment file, and where: the checks of every layer report in these terms, so they
 * live in the lowest one.
 */

/** A problem in an environment file: `path` is the field (e.g. `stages[1].targets[0].account`). */
export interface ConfigIssue {
  /** Field path, e.g. `stages[1].targets[0].account`; empty for the file as a whole. */
  readonly path: string;
  readonly message: string;
  /** Where in the environment file, when it was read from one (counted from 1). */
  readonly line?: number;
  readonly column?: number;
}

/** A place in the file, both counted from 1 as editors show them. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** An environment file that cannot be used; the message names the file, each problem's line, column and field, and the fix. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(
    readonly file: string,
    issues: readonly ConfigIssue[],
    locate?: (path: string) => Position | undefined,
  ) {
    const placed = issues
      .map((i) => (i.line !== undefined || !locate ? i : { ...i, ...locate(i.path) }))
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    const where = (i: ConfigIssue) => (i.line !== undefined ? `${file}:${i.line}:${i.column}` : file);
    const count = placed.length === 1 ? '1 problem' : `${placed.length} problems`;
    super(`${file}: invalid environment config (${count})\n${placed.map((i) => `  ${where(i)}  ${i.path || '(file)'}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = placed;
  }
}
