import { parseArgs } from 'node:util';
import { parseFlags, run } from './src/cli';
import { loadEnvironmentFiles } from './src/config/load';
import { summarize } from './src/summary';
import { environmentFiles, synthesize } from './src/synthesize';

const USAGE = `usage: npm run synth [-- --config <environment.json> ...]

Synthesizes one Terraform stack per environment into cdktf.out/ (offline, no AWS credentials).
  -c, --config <file>   environment file to synthesize (repeatable).
                        Default: $PIPELINE_CONFIG (comma-separated files), else every config/*.json.
  -q, --quiet           no summary.
  --summary             print the summary even when CI is set (it is quiet there by default).
  --list [--backend <local|s3|cloud>]
                        print [{"name", "file", "planRole", "applyRole"}] of the environments (JSON, for CI
                        matrices) instead of synthesizing.
  -h, --help            this text.`;

function main(): number {
  const args = parseFlags(USAGE, () =>
    parseArgs({
      options: {
        config: { type: 'string', short: 'c', multiple: true },
        quiet: { type: 'boolean', short: 'q' },
        summary: { type: 'boolean' },
        list: { type: 'boolean' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values,
  );
  if (typeof args === 'number') return args;
  if (args.list) {
    const files = environmentFiles(args.config);
    const configs = loadEnvironmentFiles(files);
    const listed = configs
      .map((c, i) => ({ name: c.name, file: files[i]!, planRole: c.terraformPlanRoleName, applyRole: c.terraformRoleName, backend: c.backend.type }))
      .filter((e) => !args.backend || e.backend === args.backend);
    console.log(JSON.stringify(listed.map(({ backend: _backend, ...entry }) => entry)));
    return 0;
  }
  const { stacks } = synthesize(environmentFiles(args.config));
  const quiet = args.quiet || (Boolean(process.env.CI) && !args.summary);
  if (!quiet) console.log(stacks.map(summarize).join('\n\n'));
  return 0;
}

run(main);
