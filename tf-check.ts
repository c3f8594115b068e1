import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { assertKnownEnvironment, parseFlags, run } from './cli/flags';
import { environmentFiles, readStackFile, stackFile, synthesize } from './cli/synthesize';
import { StackResult, StackToCheck, TerraformCheck } from './src/terraform/check';
import { runHeader, runSummary, stackReport } from './src/terraform/report';
import { findProviderSource, findTerraform } from './src/terraform/toolchain';

const USAGE = `usage: npm run tf:check [-- [<env> ...] [--config <environment.json> ...] | --plan <cdk.tf.json> ...]

Real Terraform judges every synthesized stack, in a temporary copy (never in cdktf.out/): terraform init,
terraform validate, an offline terraform plan (dummy credentials, no AWS call) and a mocked apply + destroy
(terraform test with a mock provider per alias). Exits 1 if Terraform refuses anything.
  <env>                 check only these environments (default: every one synthesized).
  -c, --config <file>   synthesize these environment files (default: as npm run synth).
  -p, --plan <file>     check an already synthesized stack file instead (repeatable).
  --mirror <dir>        take hashicorp/aws from this filesystem mirror (default: $TF_PROVIDER_MIRROR, else a
                        mirror found on this machine, else the registry). When it lacks the pinned version, the
                        pin is relaxed in the copy to the mirror's newest, and the output says so.
  --registry            take hashicorp/aws from the registry at the pinned version; no mirror search.
  --timeout <seconds>   longest one terraform command may run (default 300).
  -j, --jobs <n>        stacks checked side by side (default 1: a plan's memory grows with its accounts).
  --keep                keep the temporary folder (it is kept anyway for a stack that fails).
  -h, --help            this text.
Terraform: TERRAFORM_BINARY, else terraform on PATH (1.7 or later).`;

function stacksToCheck(args: { config?: string[]; plan?: string[] }, names: readonly string[]): StackToCheck[] {
  if (args.plan?.length) {
    return args.plan.map((file) => ({ ...readStackFile(file), assets: join(dirname(file), 'assets') }));
  }
  const { names: known, outdir } = synthesize(environmentFiles(args.config));
  for (const name of names) assertKnownEnvironment(name, known);
  // Every stack of a split environment is checked on its own, as it is planned and applied.
  return known
    .filter((name) => !names.length || names.includes(name))
    .map((name) => ({ ...readStackFile(stackFile(outdir, name)), assets: join(outdir, 'stacks', name, 'assets') }));
}

/** What a stack's check costs, roughly: Terraform starts one provider process per configuration and command. */
const cost = (json: Record<string, any>) => (json.provider?.aws?.length ?? 0) * 1000 + Object.values(json.resource ?? {}).reduce((n: number, byName) => n + Object.keys(byName as object).length, 0);

async function main(): Promise<number> {
  const args = parseFlags(USAGE, () => {
    const { values, positionals } = parseArgs({
      options: {
        config: { type: 'string', short: 'c', multiple: true },
        plan: { type: 'string', short: 'p', multiple: true },
        mirror: { type: 'string' },
        registry: { type: 'boolean' },
        timeout: { type: 'string', default: '300' },
        jobs: { type: 'string', short: 'j', default: '1' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    const timeoutSeconds = Number(values.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new Error(`--timeout must be a number of seconds above 0 (got "${values.timeout}")`);
    const jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a whole number of at least 1 (got "${values.jobs}")`);
    if (values.mirror && values.registry) throw new Error('--mirror and --registry exclude each other: choose one provider source');
    if (values.plan?.length && (values.config?.length || positionals.length)) throw new Error('--plan checks stack files as they are: give it without --config or environment names');
    return { ...values, names: positionals, timeoutSeconds, jobs };
  });
  if (typeof args === 'number') return args;
  const { timeoutSeconds, jobs } = args;

  const terraform = findTerraform(process.env);
  const source = findProviderSource({ ...(args.mirror ? { mirror: args.mirror } : {}), registry: Boolean(args.registry) }, process.env);
  const stacks = stacksToCheck(args, args.names);
  console.log(runHeader(terraform, source));

  const workspace = mkdtempSync(join(tmpdir(), 'tf-check-'));
  const check = new TerraformCheck({ terraform, source, workspace, timeoutSeconds, env: process.env });
  const started = Date.now();
  const results: StackResult[] = [];
  // Largest first, so side-by-side checks end together instead of one big stack running alone at the end.
  const queue = [...stacks].sort((a, b) => cost(b.json) - cost(a.json));
  const worker = async () => {
    for (let stack = queue.shift(); stack; stack = queue.shift()) {
      const result = await check.check(stack);
      results.push(result);
      console.log(stackReport(result));
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, stacks.length) }, worker));
  console.log(runSummary(results, (Date.now() - started) / 1000));
  const failed = results.filter((r) => !r.ok);
  if (args.keep) console.log(`temporary folder kept: ${workspace}`);
  else if (!failed.length) rmSync(workspace, { recursive: true, force: true });
  else for (const r of results.filter((r) => r.ok)) rmSync(r.folder, { recursive: true, force: true });
  return failed.length ? 1 : 0;
}

run(main);
