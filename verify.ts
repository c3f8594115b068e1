import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseFlags, run } from './cli/flags';
import { environmentFiles, readStackFile, stackFile, synthesize } from './cli/synthesize';
import { TerraformCheck } from './src/terraform/check';
import { validationSummary } from './src/terraform/report';
import { findProviderSource, findTerraform } from './src/terraform/toolchain';
import { verifyPlan } from './src/verify';
import { assembleEnvironments } from './src/plan/environment-plans';
import { checkAccessOnAllCores, isShardWorker, serveShard } from './src/verify/shards';
import { markdownReport, terminalReport } from './src/verify/report';

const USAGE = `usage: npm run verify [-- --config <environment.json> ... | --plan <cdk.tf.json> ...]

Checks synthesized plans before anything reaches AWS: the access matrix (IAM engine over the plan's
policies), the security baseline rules, and what Terraform and CodePipeline would refuse (aliases,
references, placement, pipeline structure). When Terraform is there (TERRAFORM_BINARY or PATH), it also
runs the real terraform validate on each plan, as npm run tf:check does. The stacks of a split environment
(targetAccountsPerStack) are verified, and validated, as one plan: give them all (docs/scale.md). Writes a Markdown report per
environment to cdktf.out/verify/. Exits 1 if any path, rule or validation fails.
  -c, --config <file>   synthesize and verify these environment files (default: as npm run synth).
  -p, --plan <file>     verify an already synthesized stack file instead (repeatable; may be edited by hand).
  --no-terraform        skip the real terraform validate (it is most of verify's time).
  --threads <n>         evaluate the access matrix in n threads (default: one per core for a large plan).
  -h, --help            this text.`;

async function main(): Promise<number> {
  const args = parseFlags(USAGE, () => {
    const { values } = parseArgs({
      options: {
        config: { type: 'string', short: 'c', multiple: true },
        plan: { type: 'string', short: 'p', multiple: true },
        'no-terraform': { type: 'boolean' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new Error(`--threads must be a whole number of at least 1 (got "${values.threads}")`);
    return { ...values, threads };
  });
  if (typeof args === 'number') return args;
  let files: string[];
  let outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  if (args.plan?.length) {
    files = args.plan;
  } else {
    const synth = synthesize(environmentFiles(args.config));
    outdir = synth.outdir;
    files = synth.names.map((name) => stackFile(synth.outdir, name));
  }
  const validate = args['no-terraform'] ? (console.log('terraform validate: not run (--no-terraform).\n'), undefined) : terraformValidation();
  try {
    return await verifyFiles(files, outdir, validate, args.threads);
  } finally {
    validate?.dispose();
  }
}

async function verifyFiles(files: readonly string[], outdir: string, validate: TerraformValidation | undefined, threads: number | undefined): Promise<number> {
  let failed = false;
  const read = files.map((file) => ({ ...readStackFile(file), file }));
  // A split environment's stacks are one plan to verify (src/plan/environment-plans.ts).
  for (const { name, json } of assembleEnvironments(read)) {
    const file = read.find((r) => r.name === name)!.file;
    const validation = await validate?.validate({ name, json, assets: join(dirname(file), 'assets') });
    const verification = await verifyPlan(name, json, validation && { ok: validation.ok, summary: validationSummary(validation) }, (j) => checkAccessOnAllCores(j, __filename, threads));
    const reportDir = join(outdir, 'verify');
    mkdirSync(reportDir, { recursive: true });
    const report = join(reportDir, `${name}.md`);
    writeFileSync(report, markdownReport(verification));
    console.log(`${terminalReport(verification)}\n  report: ${report}\n`);
    failed ||= !verification.ok;
  }
  return failed ? 1 : 0;
}

interface TerraformValidation {
  validate: TerraformCheck['validate'];
  /** Removes the temporary folder, but for the folders of stacks Terraform refused. */
  dispose(): void;
}

/** The real terraform validate when Terraform is there; otherwise says so and leaves the plan checks to stand alone. */
function terraformValidation(): TerraformValidation | undefined {
  let terraform;
  try {
    terraform = findTerraform(process.env);
  } catch (err) {
    console.log(`terraform validate: not run, ${(err as Error).message.split('\n')[0]} The checks below do not need it.\n`);
    return undefined;
  }
  const workspace = mkdtempSync(join(tmpdir(), 'verify-tf-'));
  const check = new TerraformCheck({ terraform, source: findProviderSource({}, process.env), workspace, timeoutSeconds: 300, env: process.env });
  const refused: string[] = [];
  return {
    validate: async (stack) => {
      const result = await check.validate(stack);
      if (!result.ok) refused.push(result.folder);
      return result;
    },
    dispose: () => {
      if (!refused.length) rmSync(workspace, { recursive: true, force: true });
    },
  };
}

// The same bundle evaluates a shard of the access matrix when started as a worker (src/verify/shards.ts).
if (isShardWorker()) void serveShard();
else run(main);
