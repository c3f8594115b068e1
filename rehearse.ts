import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { environmentArgument, parseFlags, run } from './cli/flags';
import { readStackFile, stackFile, synthesize } from './cli/synthesize';
import { AwsCliServer } from './src/rehearse/aws-cli-server';
import { findAwsCliV2 } from './src/rehearse/clients';
import { RehearsalFailure, rehearse } from './src/rehearse/rehearsal';

const USAGE = `usage: npm run rehearse -- <environment> [--config <environment.json>] [--revision <commit>] [--keep]

Rehearses the first run of an environment's pipeline, offline and without AWS credentials: synthesizes the
environment, delivers the working tree as the source, runs the build's buildspec with the real AWS CLI v2
against a local ECR endpoint (the Docker daemon is a stand-in), then each stage's actions with the inputs
CodePipeline would resolve, and stops where the first run would wait (the manual approval). Prints each step;
exits 1 with the step and the AWS error when a step would fail.
  <environment>         environment name (config/<environment>.json unless --config is given).
  -c, --config <file>   the environment file.
  --revision <commit>   the commit a source revision override would name (default: HEAD, with the working tree's
                        files); one not reachable from the pipeline's branch stops at the source check.
  --keep                keep the scratch folder (artifacts, build output) and print its path.
  -h, --help            this text.
Needs the AWS CLI v2 (AWS_CLI_V2, else the first v2 on PATH), bash, curl and coreutils.`;

async function main(): Promise<number> {
  const args = parseFlags(USAGE, () => {
    const { values, positionals } = parseArgs({
      options: { config: { type: 'string', short: 'c' }, revision: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { ...values, positionals };
  });
  if (typeof args === 'number') return args;
  const name = environmentArgument(args.positionals, USAGE);
  if (!name) return 2;
  const awsCli = findAwsCliV2(process.env.PATH ?? '', process.env.AWS_CLI_V2);
  const { outdir } = synthesize([args.config ?? join('config', `${name}.json`)]);
  const { json } = readStackFile(stackFile(outdir, name));
  const workDir = mkdtempSync(join(tmpdir(), `rehearse-${name}-`));
  const aws = new AwsCliServer(awsCli, join(workDir, 'aws-cli'), process.cwd());
  try {
    const result = await rehearse({
      plan: json,
      sourceRoot: process.cwd(),
      ...(args.revision ? { sourceRevision: args.revision } : {}),
      awsCli: aws,
      path: process.env.PATH ?? '',
      workDir,
      log: (line) => console.log(line),
    });
    console.log(result.stoppedAt ? `\nrehearsal of ${name}: the first run reaches ${result.stoppedAt} and waits there` : `\nrehearsal of ${name}: the first run goes through every stage`);
    return 0;
  } catch (err) {
    if (!(err instanceof RehearsalFailure)) throw err;
    console.error(`\nrehearsal of ${name} fails at ${err.message}`);
    return 1;
  } finally {
    await aws.stop();
    if (args.keep) console.log(`scratch folder: ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

run(main);
