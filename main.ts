import { parseArgs } from 'node:util';
import { summarize } from './src/summary';
import { environmentFiles, synthesize } from './src/synthesize';

const USAGE = `usage: npm run synth [-- --config <environment.json> ...]

Synthesizes one Terraform stack per environment into cdktf.out/ (offline, no AWS credentials).
  -c, --config <file>   environment file to synthesize (repeatable).
                        Default: $PIPELINE_CONFIG (comma-separated files), else every config/*.json.
  -q, --quiet           no summary.
  -h, --help            this text.`;

function main(): number {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: 'string', short: 'c', multiple: true },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const { stacks } = synthesize(environmentFiles(args.config));
  if (!args.quiet) console.log(stacks.map(summarize).join('\n\n'));
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  // Config and construct errors are written for users: their message is the whole story.
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
