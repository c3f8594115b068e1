import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AwsCliServer, pythonOf } from '../src/rehearse/aws-cli-server';
import { clientEnvironment } from '../src/rehearse/clients';
import { EcrEndpoint } from '../src/rehearse/ecr-endpoint';
import { AWS_CLI } from './real-clients';

interface Answer {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command`; `input` reaches it through a shell's pipe, as a buildspec's `printf ... | aws ...` (node's own pipe is a socket, which /dev/stdin cannot open). */
function call(command: readonly string[], options: { env: Record<string, string>; cwd: string; input?: string }): Promise<Answer> {
  const [program, ...args] = options.input === undefined ? command : ['sh', '-c', 'printf %s "$CALL_INPUT" | "$@"', 'sh', ...command];
  const env = options.input === undefined ? options.env : { ...options.env, CALL_INPUT: options.input };
  return new Promise((done, fail) => {
    const child = spawn(program!, args, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', fail);
    child.on('close', (status, signal) => done({ status, signal, stdout, stderr }));
  });
}

// The CLI started afresh is the oracle: every call through the server answers byte for byte what it answers, on the
// same arguments, environment, working folder and standard input.
describe('the AWS CLI v2 forked from its server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aws-cli-server-'));
  const server = new AwsCliServer(AWS_CLI, join(dir, 'server'), resolve('.'));
  const endpoint = new EcrEndpoint({ repositories: [{ region: 'eu-west-1', account: '111111111111', name: 'workload' }] });
  let env: Record<string, string>;
  let url: string;

  beforeAll(async () => {
    await endpoint.start();
    url = endpoint.url;
    env = { ...clientEnvironment(join(dir, 'clients'), url, server, process.env.PATH ?? '', resolve('.')).env, AWS_REGION: 'eu-west-1' };
    writeFileSync(join(dir, 'input.json'), JSON.stringify({ repositoryName: 'workload' }));
    const pushed = await call([AWS_CLI, '--endpoint-url', url, 'ecr', 'put-image', '--repository-name', 'workload', '--image-tag', 'one', '--image-manifest', manifest], { env, cwd: dir });
    expect(pushed).toMatchObject({ status: 0, stderr: '' });
    await server.start(env);
  });
  afterAll(async () => {
    await server.stop();
    await endpoint.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is possible: this CLI is a Python entry script (Debian\'s awscli), so the command runs the launcher', () => {
    expect(pythonOf(AWS_CLI)).toMatch(/python3/);
    expect(server.command.slice(-2)).toEqual([join(dir, 'server', 'aws-cli.sock'), AWS_CLI]);
    // Any other program (AWS's installer ships a frozen binary) runs as it is.
    expect(pythonOf('/bin/sh')).toBeUndefined();
    expect(new AwsCliServer('/bin/sh', join(dir, 'other'), resolve('.')).command).toEqual(['/bin/sh']);
  });

  // An image in the repository, pushed with the CLI itself, so the calls below have something to answer.
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 2, digest: `sha256:${'a'.repeat(64)}` }, layers: [] });
  const cases: { name: string; args: string[]; input?: string; env?: Record<string, string>; status: number }[] = [
    { name: 'its version', args: ['--version'], status: 0 },
    { name: 'a usage error', args: ['ecr'], status: 252 },
    { name: 'a call, JSON output', args: ['ecr', 'describe-images', '--repository-name', 'workload'], status: 0 },
    { name: 'a call with --query and text output', args: ['ecr', 'describe-images', '--repository-name', 'workload', '--query', 'imageDetails[].[imageDigest, imageTags[0]]', '--output', 'text'], status: 0 },
    { name: 'an AWS error', args: ['ecr', 'describe-images', '--repository-name', 'missing'], status: 254 },
    // The manifest read from standard input is the one pushed as `one`: ECR answers that the image already exists.
    { name: 'input read from its standard input', args: ['ecr', 'put-image', '--repository-name', 'workload', '--image-tag', 'one', '--image-manifest', 'file:///dev/stdin'], input: manifest, status: 254 },
    { name: 'a file:// path relative to its working folder', args: ['ecr', 'describe-images', '--cli-input-json', 'file://input.json', '--output', 'text'], status: 0 },
    { name: "the call's own environment (AWS_DEFAULT_OUTPUT)", args: ['ecr', 'describe-images', '--repository-name', 'workload'], env: { AWS_DEFAULT_OUTPUT: 'yaml' }, status: 0 },
    { name: 'an endpoint that refuses the connection', args: ['sts', 'get-caller-identity', '--endpoint-url', 'http://127.0.0.1:9'], status: 255 },
  ];

  it.each(cases)('answers as the CLI does: $name', async ({ args, input, env: extra, status }) => {
    const options = { env: { ...env, ...extra }, cwd: dir, input };
    const before = server.calls.forked;
    const fresh = await call([AWS_CLI, '--endpoint-url', url, ...args], options);
    const forked = await call([...server.command, '--endpoint-url', url, ...args], options);
    expect({ status: fresh.status, signal: fresh.signal }).toEqual({ status, signal: null });
    expect(forked).toEqual(fresh);
    expect(server.calls.forked).toBe(before + 1);
  });

  it('starts afresh a call whose environment differs in what the imports read (HOME), with the same answer', async () => {
    const options = { env: { ...env, HOME: dir }, cwd: dir };
    const before = server.calls;
    const forked = await call([...server.command, '--endpoint-url', url, 'ecr', 'describe-images', '--repository-name', 'workload'], options);
    expect(forked).toEqual(await call([AWS_CLI, '--endpoint-url', url, 'ecr', 'describe-images', '--repository-name', 'workload'], options));
    expect(server.calls).toEqual({ forked: before.forked, fresh: before.fresh + 1 });
  });

  it('starts afresh however soon the server closes its end after saying so (an empty send to it failed with EPIPE)', async () => {
    // The launcher execs what it is given to run afresh: a program that ends at once, so the server's answer and
    // close race the launcher as closely as they can. Before the fix, about half of such calls failed.
    const launcher = [...server.command.slice(0, -1), '/bin/true'];
    const before = server.calls.fresh;
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(launcher, { env: { ...env, HOME: join(dir, `home-${i}`) }, cwd: dir })));
    expect(answers.filter((a) => a.status !== 0 || a.stderr !== '')).toEqual([]);
    expect(server.calls.fresh).toBe(before + 40);
  });

  it('runs a call as a new process when the server is gone', async () => {
    const gone = new AwsCliServer(AWS_CLI, join(dir, 'gone'), resolve('.'));
    const answer = await call([...gone.command, '--version'], { env, cwd: dir });
    expect(answer).toEqual(await call([AWS_CLI, '--version'], { env, cwd: dir }));
  });
});
