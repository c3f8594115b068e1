/**
 * npm run bench:split [-- --accounts 200 --regions 1 --per-stack 20 --runs 1 --organization <o-id>]
 *
 * The offline `terraform plan` of every stack of a split shape (bench/shape-generator.ts with
 * targetAccountsPerStack), as a runner feels it: wall time and peak summed PSS of Terraform and its provider
 * processes (bench/plan-cost.ts). Then the environment's wall time with 1 runner (the stacks one after another,
 * measured) and with 4 and 16 runners (computed from the per-stack figures: the stacks dealt to the runners,
 * longest first; said so in the output). Writes nothing; prints Markdown.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseFlags, run } from '../cli/flags';
import { stackFile, synthesize } from '../cli/synthesize';
import { findProviderSource, findTerraform } from '../src/terraform/toolchain';
import { Run, preparePlan, providerCounts } from './plan-cost';
import { shape } from './shape-generator';

const USAGE = 'usage: npm run bench:split [-- --accounts <A> --regions <R> --per-stack <K> --runs <n> --organization <o-id>]';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

/** Wall time of `seconds` (one per stack) dealt to `runners`, longest first, each to the runner free soonest. */
export function wallTime(seconds: readonly number[], runners: number): number {
  const free = Array.from({ length: runners }, () => 0);
  for (const s of [...seconds].sort((a, b) => b - a)) {
    const i = free.indexOf(Math.min(...free));
    free[i]! += s;
  }
  return Math.max(...free);
}

run(async () => {
  const values = parseFlags(USAGE, () =>
    parseArgs({ options: { accounts: { type: 'string', default: '200' }, regions: { type: 'string', default: '1' }, 'per-stack': { type: 'string', default: '20' }, runs: { type: 'string', default: '1' }, organization: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values,
  );
  if (typeof values === 'number') return values;
  const accounts = Number(values.accounts);
  const regions = Number(values.regions);
  const perStack = Number(values['per-stack']);
  const runs = Number(values.runs);
  const scratch = mkdtempSync(join(tmpdir(), 'bench-split-'));
  try {
    const file = join(scratch, 'shape.json');
    writeFileSync(file, JSON.stringify({ ...shape(accounts, regions, undefined, values.organization), targetAccountsPerStack: perStack }));
    process.env.CDKTF_OUTDIR = join(scratch, 'cdktf.out');
    const { names, outdir } = synthesize([file]);
    const rows: Array<{ name: string; providers: number; resources: number; seconds: number; gib: number }> = [];
    const started = process.hrtime.bigint();
    for (const name of names) {
      const json = JSON.parse(readFileSync(stackFile(outdir, name), 'utf8'));
      const folder = mkdtempSync(join(scratch, `plan-${name}-`));
      const plan = await preparePlan(json, { terraform: findTerraform(process.env), source: findProviderSource({}, process.env), folder });
      const samples: Run[] = [];
      for (let i = 0; i < runs; i++) samples.push(await plan());
      rmSync(folder, { recursive: true, force: true });
      const resources = Object.values(json.resource ?? {}).reduce((n: number, byName) => n + Object.keys(byName as object).length, 0);
      rows.push({ name, providers: providerCounts(json).used, resources, seconds: median(samples.map((s) => s.seconds)), gib: median(samples.map((s) => s.peakPssKb)) / 1024 / 1024 });
      console.error(`${name}: ${rows.at(-1)!.seconds.toFixed(1)} s, ${rows.at(-1)!.gib.toFixed(2)} GiB`);
    }
    const measured = Number(process.hrtime.bigint() - started) / 1e9;
    const seconds = rows.map((r) => r.seconds);
    console.log(
      [
        `Split ${accounts} x ${regions}, ${perStack} target accounts a stack: ${rows.length} stacks; offline terraform plan per stack (median of ${runs}), peak summed PSS`,
        '',
        '| stack | providers | resources | plan | peak memory |',
        '|---|---|---|---|---|',
        ...rows.map((r) => `| ${r.name} | ${r.providers} | ${r.resources} | ${r.seconds.toFixed(1)} s | ${r.gib.toFixed(2)} GiB |`),
        '',
        `Whole environment, plans only: 1 runner ${measured.toFixed(0)} s (measured, with init); 4 runners ${wallTime(seconds, 4).toFixed(0)} s, 16 runners ${wallTime(seconds, 16).toFixed(0)} s (computed from the per-stack plan times).`,
      ].join('\n'),
    );
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
