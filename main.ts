import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'cdktf';
import { loadEnvironmentFiles } from './src/config/load';
import { summarize } from './src/summary';
import { EnvironmentStack } from './stacks/environment-stack';

const CONFIG_DIR = 'config';
const USAGE = `usage: npm run synth [-- --config <environment.json> ...]

Synthesizes one Terraform stack per environment into cdktf.out/ (offline, no AWS credentials).
  -c, --config <file>   environment file to synthesize (repeatable).
                        Default: $PIPELINE_CONFIG (comma-separated files), else every config/*.json.
  -q, --quiet           no summary.
  -h, --help            this text.`;

/** Which environment files to synthesize: flags, then $PIPELINE_CONFIG (for `cdktf synth/deploy`), then config/. */
function environmentFiles(flags: string[] | undefined): string[] {
  if (flags?.length) return flags;
  const fromEnv = process.env.PIPELINE_CONFIG?.split(',').map((f) => f.trim()).filter(Boolean);
  if (fromEnv?.length) return fromEnv;
  return readdirSync(CONFIG_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .sort()
    .map((f) => join(CONFIG_DIR, f));
}

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
  // Validate every environment before the App exists: App creates the output folder on construction.
  const configs = loadEnvironmentFiles(environmentFiles(args.config));
  const app = new App();
  const stacks = configs.map((config) => new EnvironmentStack(app, config));
  app.synth();
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
