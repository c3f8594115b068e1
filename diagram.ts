import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { assertKnownEnvironment, environmentArgument, parseFlags, run } from './cli/flags';
import { diagramDot, renderSvg } from './src/plan/diagram';
import { environmentFiles, stackFile, synthesize } from './cli/synthesize';

const USAGE = `usage: npm run diagram -- <environment> [--config <file> ...] [--plan <cdk.tf.json>] [--out <path without extension>]

Draws the delivery system of an environment from its synthesized plan: writes <out>.dot and <out>.svg
(default out: cdktf.out/<environment>).`;

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
  let file = args.plan;
  let outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  if (!file) {
    const synth = synthesize(environmentFiles(args.config));
    assertKnownEnvironment(name, synth.stacks.map((s) => s.node.id));
    outdir = synth.outdir;
    file = stackFile(outdir, name);
  }
  const dot = diagramDot(JSON.parse(readFileSync(file, 'utf8')), name);
  const out = args.out ?? join(outdir, name);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.dot`, dot);
  writeFileSync(`${out}.svg`, await renderSvg(dot));
  console.log(`${out}.svg`);
  return 0;
});
