import { parseArgs } from 'node:util';
import { parseFlags, run } from './src/cli';
import { summarize } from './src/summary';
import { environmentFiles, synthesize } from './src/synthesize';

const USAGE = `usage: npm run synth [-- --config <environment.json> ...]

Synthesizes one Terraform stack per environment into cdktf.out/ (offline, no AWS credentials).
  -c, --config <file>   environment file to synthesize (repeatable).
                        Default: $PIPELINE_CONFIG (comma-separated files), else every config/*.json.
  -q, --quiet           no summary.
  -h, --help            this text.`;

function main(): number {
  const args = parseFlags(USAGE, () =>
    parseArgs({
      options: {
        config: { type: 'string', short: 'c', multiple: true },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values,
  );
  if (typeof args === 'number') return args;
  const { stacks } = synthesize(environmentFiles(args.config));
  if (!args.quiet) console.log(stacks.map(summarize).join('\n\n'));
  return 0;
}

run(main);
