/**
 * What the command-line entry points (main.ts, verify.ts) share: flag errors and --help answered with the
 * usage, and errors shown as their message, since config and construct errors are written for users.
 */

/** Parses flags with `parse`; returns the exit code instead when the flags are wrong (2) or ask for help (0). */
export function parseFlags<T extends { help?: boolean }>(usage: string, parse: () => T): T | number {
  let values: T;
  try {
    values = parse();
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  return values;
}

/** The environment named by the first positional argument; prints the usage and gives undefined when there is none. */
export function environmentArgument(positionals: readonly string[], usage: string): string | undefined {
  if (!positionals[0]) console.error(usage);
  return positionals[0];
}

/** Fails with the known names when `name` is not one of them. */
export function assertKnownEnvironment(name: string, known: readonly string[]): void {
  if (!known.includes(name)) throw new Error(`no environment "${name}"; known: ${known.join(', ')}`);
}

/** Runs an entry point and sets the exit code: its result, or 1 with the error's message. */
export function run(main: () => number | Promise<number>): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err) => {
        console.error(err instanceof Error ? err.message : String(err));
        process.exitCode = 1;
      },
    );
}
