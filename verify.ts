import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseFlags, run } from './src/cli';
import { environmentFiles, stackFile, synthesize } from './src/synthesize';
import { verifyPlan } from './src/verify';
import { markdownReport, terminalReport } from './src/verify/report';

const USAGE = `usage: npm run verify [-- --config <environment.json> ... | --plan <cdk.tf.json> ...]

Checks synthesized plans before anything reaches AWS: the access matrix (IAM engine over the plan's
policies) and the security baseline rules. Writes a Markdown report per environment to cdktf.out/verify/.
Exits 1 if any path or rule fails.
  -c, --config <file>   synthesize and verify these environment files (default: as npm run synth).
  -p, --plan <file>     verify an already synthesized stack file instead (repeatable; may be edited by hand).
  -h, --help            this text.`;

async function main(): Promise<number> {
  const args = parseFlags(USAGE, () =>
    parseArgs({
      options: {
        config: { type: 'string', short: 'c', multiple: true },
        plan: { type: 'string', short: 'p', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values,
  );
  if (typeof args === 'number') return args;
  let plans: Array<{ name: string; file: string }>;
  let outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  if (args.plan?.length) {
    // cdktf.out/stacks/<env>/cdk.tf.json is named after its environment.
    plans = args.plan.map((file) => ({ name: basename(file) === 'cdk.tf.json' ? basename(dirname(file)) : basename(file, '.json'), file }));
  } else {
    const synth = synthesize(environmentFiles(args.config));
    outdir = synth.outdir;
    plans = synth.stacks.map((s) => ({ name: s.node.id, file: stackFile(synth.outdir, s.node.id) }));
  }
  let failed = false;
  for (const { name, file } of plans) {
    let json;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${file}: cannot read a synthesized stack (${(err as Error).message})`);
    }
    const verification = await verifyPlan(name, json);
    const reportDir = join(outdir, 'verify');
    mkdirSync(reportDir, { recursive: true });
    const report = join(reportDir, `${name}.md`);
    writeFileSync(report, markdownReport(verification));
    console.log(`${terminalReport(verification)}\n  report: ${report}\n`);
    failed ||= !verification.ok;
  }
  return failed ? 1 : 0;
}

run(main);
