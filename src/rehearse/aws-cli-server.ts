/**
 * The real AWS CLI v2, imported once per build and forked per call (aws-cli-server.py, docs/rehearsal.md "The AWS
 * CLI, forked"): a fresh `aws` spends about a second importing its modules, and a build runs it a dozen times.
 * Only a CLI whose entry is a Python script can be forked (Debian's and pip's are; AWS's installer ships a frozen
 * binary, which runs as it is).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** The server and its launcher, relative to the repository root (the entry points run bundled, from dist/). */
const SERVER = join('src', 'rehearse', 'aws-cli-server.py');
const LAUNCHER = join('src', 'rehearse', 'aws-cli-launcher.py');
/** Longest the server may take to import the CLI before the build runs it unforked. */
const START_TIMEOUT_MS = 30_000;

/** The interpreter of a Python entry script (its `#!` line), or undefined for any other program. */
export function pythonOf(program: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(program, 'r');
    const head = Buffer.alloc(256);
    const line = head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString('latin1').split('\n')[0]!;
    const [interpreter] = line.startsWith('#!') ? line.slice(2).trim().split(/\s+/) : [];
    return interpreter && /^python3(\.\d+)?$/.test(basename(interpreter)) ? interpreter : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** How a build runs the AWS CLI. */
export interface AwsCli {
  /** The command line that runs it. */
  readonly command: readonly string[];
  /** HOME for its calls (its ~/.aws stays empty: the calls read dummy credentials from the environment). */
  readonly home: string;
}

/**
 * The CLI, forked from one server for every build that calls it with the same HOME and locale (what its imports
 * read), such as every build of a rehearsal. The caller starts it with the first build's environment and stops it.
 */
export class AwsCliServer implements AwsCli {
  /** Through the server's launcher when the CLI can be forked, else the CLI itself. */
  readonly command: readonly string[];
  readonly home: string;
  private readonly python?: string;
  private readonly socket: string;
  private readonly server: string;
  private child?: ChildProcess;
  private started?: Promise<this>;
  private counts = { forked: 0, fresh: 0 };

  /** `cli` is the AWS CLI v2's path, the server's socket and HOME go in `dir`, its scripts are under `root`. */
  constructor(
    private readonly cli: string,
    dir: string,
    root: string,
  ) {
    this.python = pythonOf(cli);
    this.home = join(dir, 'home');
    mkdirSync(this.home, { recursive: true });
    this.socket = join(dir, 'aws-cli.sock');
    this.server = resolve(root, SERVER);
    // -I -S: the launcher reads nothing of the call's environment into itself, and imports only the standard library.
    this.command = this.python ? [this.python, '-I', '-S', resolve(root, LAUNCHER), this.socket, cli] : [cli];
  }

  /**
   * Starts the server, once, with a build's environment `env` (the imports read it). Until it listens, and if it
   * cannot start, the launcher runs each call as a new process.
   */
  start(env: Readonly<Record<string, string>>): Promise<this> {
    if (!this.python) return Promise.resolve(this);
    if (this.started) return this.started;
    const child = spawn(this.python, [this.server, this.cli, this.socket], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    this.child = child;
    this.started = new Promise((done) => {
      const timer = setTimeout(() => done(this), START_TIMEOUT_MS);
      const settle = () => {
        clearTimeout(timer);
        done(this);
      };
      let pending = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          if (line === 'ready') settle();
          else if (line === 'forked' || line === 'fresh') this.counts[line]++;
        }
      });
      child.once('error', settle);
      child.once('exit', settle);
    });
    return this.started;
  }

  /** Calls the server forked, and calls it answered with "start afresh" (their environment differs in what the imports read). */
  get calls(): { readonly forked: number; readonly fresh: number } {
    return { ...this.counts };
  }

  /** Ends the server (it exits when its standard input closes); a later start starts a new one. */
  stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.started = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((done) => {
      child.once('exit', () => done());
      child.stdin!.end();
    });
  }
}
