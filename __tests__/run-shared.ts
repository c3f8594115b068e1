/**
 * What the test files of one jest run share across its workers: a value computed by the first file that asks for it
 * and read back by every other, through the run's folder (made by the globalSetup, removed by the globalTeardown).
 * A file that asks while another worker computes waits for it. Outside such a run (no folder), each process computes
 * its own, once.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The run's folder, handed by the globalSetup to the workers (they start after it). */
export const RUN_FOLDER_VARIABLE = 'CAP_TEST_RUN_FOLDER';

/** Longest a file waits for another worker's computation before doing its own. */
const WAIT_MS = 180_000;

type Stored = { readonly value: unknown } | { readonly error: string };
const inProcess = new Map<string, Stored>();

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function unwrap<T>(stored: Stored): T {
  if ('error' in stored) throw new Error(stored.error);
  return stored.value as T;
}

/** `compute()` once per run (JSON values only); its error, too, is handed to every file that asks. */
export function oncePerRun<T>(name: string, compute: () => T): T {
  const known = inProcess.get(name);
  if (known) return unwrap<T>(known);
  const evaluate = (): Stored => {
    try {
      return { value: compute() };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };
  const folder = process.env[RUN_FOLDER_VARIABLE];
  let stored: Stored;
  if (!folder || !existsSync(folder)) stored = evaluate();
  else {
    const file = join(folder, `${name}.json`);
    const lock = join(folder, `${name}.lock`);
    const read = (): Stored | undefined => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Stored) : undefined);
    let found = read();
    if (!found) {
      let mine = false;
      try {
        mkdirSync(lock);
        mine = true;
      } catch {
        // Another worker computes it.
      }
      if (mine) {
        found = read() ?? evaluate();
        writeFileSync(`${file}.tmp`, JSON.stringify(found));
        renameSync(`${file}.tmp`, file);
        rmSync(lock, { recursive: true, force: true });
      } else {
        for (const started = Date.now(); !found && Date.now() - started < WAIT_MS; found = read()) sleep(50);
        found ??= evaluate();
      }
    }
    stored = found;
  }
  inProcess.set(name, stored);
  return unwrap<T>(stored);
}
