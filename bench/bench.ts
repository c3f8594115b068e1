/**
 * npm run bench [-- --runs 5 --plan-runs 3 --quick]
 *
 * Times the app command exactly as cdktf.json runs it, as a whole process, for several shapes and for the
 * floor (`node -e "require('cdktf')"`): one warm-up, then --runs runs; median and min-max wall time, peak RSS
 * (GNU time), and what the synthesized plan holds. Also times `npm test`, `tsc --noEmit`, verify, and the
 * real-Terraform check (`npm run tf:check -- --plan`: init, validate, offline plan, mocked apply + destroy)
 * for the shapes CI checks; and, per shape, the offline `terraform plan` as a runner feels it (wall time and
 * peak summed PSS of Terraform and its provider processes, bench/plan-cost.ts), with a per-provider fit.
 * Writes the tables to bench/RESULTS.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { run } from '../cli/flags';
import { criticalPathDepth, planGraph } from '../src/plan/plan-graph';
import { findProviderSource, findTerraform } from '../src/terraform/toolchain';
import { Run, evaluatePolynomial, fitPolynomial, preparePlan, providerCounts } from './plan-cost';
import { shape } from './shape-generator';

const TIME = '/usr/bin/time';
/** Shapes whose real-Terraform check is timed: the ones .ci/run checks. */
const TF_CHECKED = ['example', '1x1', '3x3', '10x5'];

interface Sample {
  readonly seconds: number;
  readonly peakKb: number;
}

interface Row {
  readonly name: string;
  readonly samples: readonly Sample[];
  readonly plan?: { resources: number; providers: number; depth: number };
  readonly note?: string;
}

/** Runs a shell command once under GNU time; fails loudly if the command fails. */
function measure(command: string, env: Record<string, string> = {}): Sample {
  const start = process.hrtime.bigint();
  const run = spawnSync(TIME, ['-f', '%M', 'bash', '-c', command], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run.status !== 0) throw new Error(`"${command}" failed (exit ${run.status}):\n${run.stderr}`);
  const lines = run.stderr.trim().split('\n');
  return { seconds, peakKb: Number(lines[lines.length - 1]) };
}

function repeat(runs: number, warmups: number, command: string, env: Record<string, string> = {}): Sample[] {
  for (let i = 0; i < warmups; i++) measure(command, env);
  return Array.from({ length: runs }, () => measure(command, env));
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const secs = (v: number) => `${v.toFixed(2)} s`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
const gib = (kb: number) => `${(kb / 1024 / 1024).toFixed(2)} GiB`;

/** Above this many provider processes a plan takes minutes: it runs once (the row says so). */
const ONE_PLAN_RUN_ABOVE = 30;

interface PlanRow {
  readonly name: string;
  readonly declared: number;
  readonly used: number;
  readonly runs: readonly Run[];
}

/** Offline `terraform plan` of a synthesized stack: init once, then `runs` sampled plans. */
async function planRow(name: string, planFile: string, runs: number): Promise<PlanRow> {
  const json = JSON.parse(readFileSync(planFile, 'utf8'));
  const { declared, used } = providerCounts(json);
  const folder = mkdtempSync(join(tmpdir(), `bench-plan-${name}-`));
  try {
    const plan = await preparePlan(json, { terraform: findTerraform(process.env), source: findProviderSource({}, process.env), folder });
    const samples: Run[] = [];
    for (let i = 0; i < (used > ONE_PLAN_RUN_ABOVE ? 1 : runs); i++) samples.push(await plan());
    return { name, declared, used, runs: samples };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The plan table, the per-provider fit and what it predicts, as Markdown. */
function planReport(rows: readonly PlanRow[]): string {
  const med = (row: PlanRow) => ({ seconds: median(row.runs.map((r) => r.seconds)), kb: median(row.runs.map((r) => r.peakPssKb)) });
  const time = fitPolynomial(rows.map((r) => [r.used, med(r).seconds] as const), 2);
  const memory = fitPolynomial(rows.map((r) => [r.used, med(r).kb / 1024 / 1024] as const), 1);
  const worst = (fit: number[], actual: (r: PlanRow) => number) => Math.max(...rows.map((r) => Math.abs(evaluatePolynomial(fit, r.used) - actual(r)) / actual(r))) * 100;
  return [
    '| shape | providers declared | providers used (N) | plan median | min-max | peak PSS, summed (median) | processes at peak | runs |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const t = r.runs.map((x) => x.seconds);
      return `| ${r.name} | ${r.declared} | ${r.used} | ${secs(med(r).seconds)} | ${secs(Math.min(...t))}-${secs(Math.max(...t))} | ${gib(med(r).kb)} | ${Math.max(...r.runs.map((x) => x.peakProcesses))} | ${r.runs.length} |`;
    }),
    '',
    `Fit over these shapes (least squares on the medians): plan wall ≈ ${time[0]!.toFixed(1)} + ${time[1]!.toFixed(2)}·N + ${time[2]!.toFixed(4)}·N² s (largest error ${worst(time, (r) => med(r).seconds).toFixed(0)}%), ` +
      `memory ≈ ${memory[0]!.toFixed(2)} + ${memory[1]!.toFixed(3)}·N GiB (largest error ${worst(memory, (r) => med(r).kb / 1024 / 1024).toFixed(0)}%), N = provider configurations used.`,
  ].join('\n');
}

function planStats(outdir: string, stack: string) {
  const json = JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
  const resources = Object.values(json.resource ?? {}).reduce((n: number, byName) => n + Object.keys(byName as object).length, 0);
  return { resources, providers: (json.provider?.aws ?? []).length, depth: criticalPathDepth(planGraph(json)) };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'plan-runs': { type: 'string', default: '3' }, quick: { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of at least 1 (got ${values.runs})`);
  const planRuns = Number(values['plan-runs']);
  if (!Number.isInteger(planRuns) || planRuns < 1) throw new Error(`--plan-runs must be a whole number of at least 1 (got ${values['plan-runs']})`);
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing: install GNU time (apt-get install time) to measure peak memory`);
  const app: string = JSON.parse(readFileSync('cdktf.json', 'utf8')).app;

  mkdirSync('bench/shapes', { recursive: true });
  const shapes: Array<[string, string, string]> = [['example', 'config/example.json', 'example']];
  // Past about 240 deployments only ecs-service (1 action a deployment) fits CodePipeline's 500 actions a pipeline.
  for (const [a, r, kind] of [[1, 1, 'lambda-container'], [3, 3, 'lambda-container'], [10, 5, 'lambda-container'], [20, 5, 'lambda-container'], [50, 5, 'ecs-service'], [200, 1, 'lambda-container'], [100, 3, 'ecs-service']] as const) {
    const doc = shape(a, r, kind);
    const name = String(doc.name).replace(/^shape-/, '');
    const file = `bench/shapes/${name}.json`;
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
    shapes.push([name, file, doc.name!]);
  }

  const planRows: PlanRow[] = [];
  const rows: Row[] = [{ name: 'floor: node -e "require(\'cdktf\')"', samples: repeat(runs, 1, `node -e "require('cdktf')"`) }];
  for (const [name, file, stack] of shapes) {
    const outdir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
    const samples = repeat(runs, 1, app, { PIPELINE_CONFIG: file, CDKTF_OUTDIR: outdir });
    rows.push({ name: `synth ${name}`, samples, plan: planStats(outdir, stack) });
    // Every shape must pass verify (a failure makes measure() throw). Without terraform validate: the access
    // matrix and the rules are verify's own cost; Terraform's is in the tf:check and plan rows.
    const planFile = join(outdir, 'stacks', stack, 'cdk.tf.json');
    rows.push({ name: `verify ${name} (--plan, --no-terraform)`, samples: repeat(Math.min(runs, 3), 0, `bash bin/run verify.ts --no-terraform --plan ${planFile} > /dev/null`, { CDKTF_OUTDIR: outdir }) });
    // What CI runs for every shipped environment and these shapes; a failure makes measure() throw.
    if (!values.quick && TF_CHECKED.includes(name)) {
      rows.push({ name: `tf:check ${name} (--plan)`, samples: repeat(Math.min(runs, 3), 0, `bash bin/run tf-check.ts --plan ${planFile} > /dev/null`) });
    }
    if (!values.quick) planRows.push(await planRow(name, planFile, planRuns));
    console.error(`measured ${name}`);
  }
  if (!values.quick) {
    const slow = Math.min(runs, 3);
    rows.push({ name: 'tsc --noEmit', samples: repeat(slow, 1, 'node_modules/.bin/tsc --noEmit') });
    rows.push({ name: 'npm test (warm jest cache)', samples: repeat(slow, 1, 'npm test --silent > /dev/null 2>&1') });
  }

  const floor = median(rows[0]!.samples.map((s) => s.seconds));
  const table = [
    '| what | median | min-max | peak RSS (median) | x floor | resources | providers | critical path |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((row) => {
      const t = row.samples.map((s) => s.seconds);
      return `| ${row.name} | ${secs(median(t))} | ${secs(Math.min(...t))}-${secs(Math.max(...t))} | ${mb(median(row.samples.map((s) => s.peakKb)))} | ${(median(t) / floor).toFixed(2)} | ${row.plan?.resources ?? ''} | ${row.plan?.providers ?? ''} | ${row.plan?.depth ?? ''} |`;
    }),
  ].join('\n');
  const cpu = cpus();
  const machine = `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
  const git = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const report = [
    '# Benchmark results',
    '',
    `Machine: ${machine}. Commit ${git}. Each row: one warm-up, then ${runs} runs (3 for tsc and npm test) of the whole process.`,
    `Synth rows run the app command of cdktf.json (\`${app}\`) with PIPELINE_CONFIG set to the shape's file.`,
    'Shapes: AxR = A target accounts x R regions, round-robin over dev/test/prod (see bench/shape.ts).',
    '',
    table,
    '',
    'tf:check rows: one whole `npm run tf:check -- --plan` process (terraform init, validate, offline plan, mocked apply + destroy), up to 3 runs; peak RSS is the largest single process (a provider plugin), not the sum.',
    '',
    ...(planRows.length
      ? [
          '## Real `terraform plan` cost (offline)',
          '',
          `\`terraform plan -refresh=false\` of each shape's offline copy (dummy credentials, as \`npm run tf:check\` makes it), after one \`terraform init\`; ${planRuns} runs, 1 above ${ONE_PLAN_RUN_ABOVE} providers. ` +
            'Memory is what a runner\'s memory limit sees: the sum of proportional set size (PSS, `/proc/<pid>/smaps_rollup`) of Terraform and every provider process, sampled every 250 ms; Terraform starts one provider process per configuration used, and summed RSS would count the shared provider binary once per process.',
          '',
          planReport(planRows),
          '',
        ]
      : []),
    'Rerun: `npm run bench` (needs GNU time: `apt-get install time`, and Terraform with hashicorp/aws; `--quick` skips tsc, npm test, tf:check and the plan cost).',
    '',
  ].join('\n');
  writeFileSync('bench/RESULTS.md', report);
  console.log(report);
  return 0;
}

run(main);
