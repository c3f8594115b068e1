import { parseArgs } from 'node:util';
import { parseFlags, run } from './cli/flags';
import { loadEnvironmentFiles } from './src/environment/load';
import { ciListing, perStack, withinMatrix } from './src/ci/listing';
import { summarize } from './cli/summary';
import { environmentFiles, synthesize } from './cli/synthesize';

const USAGE = `usage: npm run synth [-- --config <environment.json> ...]

Synthesizes one Terraform stack per environment into cdktf.out/ (offline, no AWS credentials).
  -c, --config <file>   environment file to synthesize (repeatable).
                        Default: $PIPELINE_CONFIG (comma-separated files), else every config/*.json.
  -q, --quiet           no summary.
  --summary             print the summary even when CI is set (it is quiet there by default).
  --list [--backend <local|s3|cloud>] [--per-stack]
                        print the environments as JSON for CI matrices instead of synthesizing: name, file,
                        region, planRole and applyRole (Terraform roles), prRoleArn, planRoleArn and
                        applyRoleArn (the GitHub entry roles of npm run ci-setup), stacks (the environment's
                        stacks, its main one first). --per-stack: one row a stack instead, with stack and
                        verify (true on the main stack, where verify reads the whole environment).
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
        'per-stack': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values,
  );
  if (typeof args === 'number') return args;
  if (args.list) {
    const files = environmentFiles(args.config);
    const configs = loadEnvironmentFiles(files);
    const listed = configs.map((c, i) => ({ ...ciListing(c), file: files[i]! })).filter((e) => !args.backend || e.backend === args.backend);
    const rows = listed.map(({ backend: _backend, ...entry }) => entry);
    for (const row of rows) withinMatrix(row.stacks, `stacks of environment ${row.name}`);
    console.log(JSON.stringify(args['per-stack'] ? withinMatrix(rows.flatMap(perStack), 'stacks') : rows));
    return 0;
  }
  const { stacks, parts } = synthesize(environmentFiles(args.config));
  const quiet = args.quiet || (Boolean(process.env.CI) && !args.summary);
  if (!quiet) console.log(stacks.map((s) => summarize(s, parts.filter((p) => p.topology.environment === s.topology.environment))).join('\n\n'));
  return 0;
}

run(main);
