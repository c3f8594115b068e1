import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AwsCliServer } from '../src/rehearse/aws-cli-server';
import { CommandResult, clientEnvironment, findAwsCliV2, run } from '../src/rehearse/clients';
import { EcrEndpoint, EcrEndpointProps } from '../src/rehearse/ecr-endpoint';
import { oncePerRun } from './run-shared';

/** The AWS CLI v2 these tests run (AWS_CLI_V2, else the first v2 on PATH), found once per run; .ci/run installs Debian's. */
export const AWS_CLI = oncePerRun('aws-cli-v2', () => findAwsCliV2(process.env.PATH ?? '', process.env.AWS_CLI_V2));

const serverDir = mkdtempSync(join(tmpdir(), 'aws-cli-'));

/**
 * The AWS CLI v2 for every build of the test file (aws-cli-server.ts): one server, forked per call, stopped when the
 * file's tests end.
 */
export const AWS_CLI_OF_FILE = new AwsCliServer(AWS_CLI, serverDir, resolve('.'));
afterAll(async () => {
  await AWS_CLI_OF_FILE.stop();
  rmSync(serverDir, { recursive: true, force: true });
});

export interface ClientRun extends CommandResult {
  readonly dir: string;
  readonly endpoint: EcrEndpoint;
}

/**
 * Runs `script` (bash) in `cwd` with the real AWS CLI against a fresh ECR endpoint and the Docker stand-in, after
 * `docker build` of `context` as `workload:abc-1`.
 */
export async function withRealClients(props: EcrEndpointProps, script: string, env: Record<string, string> = {}, context = 'lambda-src'): Promise<ClientRun> {
  const endpoint = await new EcrEndpoint(props).start();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'clients-'));
    const aws = AWS_CLI_OF_FILE;
    const clients = clientEnvironment(dir, endpoint.url, aws, process.env.PATH ?? '', resolve('.'));
    const all = { ...clients.env, ...env, OUT: join(dir, 'out') };
    await aws.start(all);
    const built = await run('docker', ['build', '--platform', 'linux/amd64', '--tag', 'workload:abc-1', context], { env: all });
    if (built.status !== 0) throw new Error(`docker stand-in build failed: ${built.stderr}`);
    const result = await run('bash', ['-c', script], { env: all });
    return { ...result, dir, endpoint };
  } finally {
    await endpoint.stop();
  }
}
