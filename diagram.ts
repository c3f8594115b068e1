import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { assertKnownEnvironment, environmentArgument, parseFlags, run } from './cli/flags';
import { diagramDot, renderSvg, stacksByAccount } from './src/plan/diagram';
import { environmentFiles, readStackFile, stackFile, synthesize } from './cli/synthesize';
import { assembleEnvironments } from './src/plan/environment-plans';

const USAGE = `usage: npm run diagram -- <environment> [--config <file> ...] [--plan <cdk.tf.json>] [--out <path without extension>]

Draws the delivery system of an environment from its synthesized plan: writes <out>.dot and <out>.svg
(default out: cdktf.out/<environment>). A split environment (targetAccountsPerStack) is drawn from all of its
stacks, each account labelled with its stack.`;

run(async () => {
  const args = parseFlags(USAGE, () => {
    const parsed = parseArgs({
      options: {
        config: { type: 'string', short: 'c', multiple: true },
        plan: { type: 'string', short: 'p' },
        out: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    return { ...parsed.values, positionals: parsed.positionals };
  });
  if (typeof args === 'number') return args;
  const name = environmentArgument(args.positionals, USAGE);
  if (!name) return 2;
  let outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  let dot: string;
  if (args.plan) {
    dot = diagramDot(JSON.parse(readFileSync(args.plan, 'utf8')), name);
  } else {
    const synth = synthesize(environmentFiles(args.config));
    assertKnownEnvironment(name, synth.stacks.map((s) => s.node.id));
    outdir = synth.outdir;
    const main = synth.stacks.find((s) => s.node.id === name)!;
    const stacks = [name, ...(main.part.kind === 'tooling' ? main.part.targetStacks : [])].map((stack) => readStackFile(stackFile(outdir, stack)));
    const [environment] = assembleEnvironments(stacks);
    dot = diagramDot(environment!.json, name, stacks.length > 1 ? stacksByAccount(stacks) : undefined);
  }
  const out = args.out ?? join(outdir, name);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.dot`, dot);
  writeFileSync(`${out}.svg`, await renderSvg(dot));
  console.log(`${out}.svg`);
  return 0;
});
