/**
 * The clients a rehearsed build runs: the real AWS CLI v2, pointed at the rehearsal's endpoint, and the Docker
 * daemon's stand-in (no engine runs here). Nothing else is replaced.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { AwsCli } from './aws-cli-server';

/** The stand-in, relative to the repository root. */
const DOCKER_STAND_IN = join('src', 'rehearse', 'docker-stand-in.sh');
const INSTALL_HINT = 'install it (Debian: apt-get install awscli; or https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html) or set AWS_CLI_V2 to its path';

/** Whether a program is the AWS CLI version 2 (`aws --version` prints `aws-cli/2.x.y ...`). */
function isCliV2(program: string): boolean {
  const run = spawnSync(program, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return run.status === 0 && /^aws-cli\/2\./.test(`${run.stdout}${run.stderr}`.trim());
}

/**
 * The AWS CLI v2: `explicit` (AWS_CLI_V2) when given, else the first `aws` on PATH that is version 2 (a
 * version 1 earlier on PATH, such as a Python environment's, is skipped: its paginated output differs).
 */
export function findAwsCliV2(path: string, explicit?: string): string {
  if (explicit) {
    if (!isCliV2(explicit)) throw new Error(`AWS_CLI_V2=${explicit} is not the AWS CLI version 2: ${INSTALL_HINT}`);
    return explicit;
  }
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'aws');
    if (existsSync(candidate) && isCliV2(candidate)) return candidate;
  }
  throw new Error(`no AWS CLI version 2 on PATH: the rehearsal runs the build's aws commands with the real CLI; ${INSTALL_HINT}`);
}

export interface ClientEnvironment {
  /** Environment for a build command: PATH with `aws` and `docker` first, dummy credentials, no profiles. */
  readonly env: Record<string, string>;
  /** The Docker stand-in's log of daemon commands. */
  readonly dockerLog: string;
}

/** A word for sh, in single quotes. */
const shellWord = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Writes `aws` (the real CLI, as `aws` runs it (aws-cli-server.ts), with `--endpoint-url` of the endpoint: Debian's
 * CLI 2.9 predates AWS_ENDPOINT_URL) and `docker` (the stand-in) into `<dir>/bin`, and returns the environment to
 * run build commands in.
 */
export function clientEnvironment(dir: string, endpointUrl: string, aws: AwsCli, basePath: string, root: string): ClientEnvironment {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'aws'), `#!/bin/sh\nexec ${[...aws.command, '--endpoint-url', endpointUrl].map(shellWord).join(' ')} "$@"\n`);
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\nexec bash '${resolve(root, DOCKER_STAND_IN)}' "$@"\n`);
  chmodSync(join(bin, 'aws'), 0o755);
  chmodSync(join(bin, 'docker'), 0o755);
  const config = join(dir, 'aws-config');
  writeFileSync(config, '');
  const state = join(dir, 'docker');
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'calls.log'), '');
  return {
    dockerLog: join(state, 'calls.log'),
    env: {
      PATH: `${bin}${delimiter}${basePath}`,
      HOME: aws.home,
      LANG: 'C.UTF-8',
      AWS_ACCESS_KEY_ID: 'AKIAREHEARSALEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'rehearsal-secret-key-not-a-credential',
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: config,
      AWS_PAGER: '',
      AWS_MAX_ATTEMPTS: '1',
      AWS_RETRY_MODE: 'standard',
      AWS_EC2_METADATA_DISABLED: 'true',
      REHEARSE_DOCKER_STATE: state,
      REHEARSE_ENDPOINT: endpointUrl,
    },
  };
}

export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking the event loop (the endpoint answers in this process). */
export function run(command: string, args: readonly string[], options: { cwd?: string; env: Record<string, string> }): Promise<CommandResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}
