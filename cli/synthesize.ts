import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { App } from 'cdktf';
import { loadEnvironmentFiles } from '../src/environment/load';
import { EnvironmentStack } from '../stacks/environment-stack';
import { TargetAccountsStack } from '../stacks/target-accounts-stack';
import { stackParts } from '../src/model/stack-parts';
import { environmentTopology } from '../src/workloads/registry';

const CONFIG_DIR = 'config';

/** Which environment files to synthesize: the given ones, else $PIPELINE_CONFIG (comma-separated), else config/*.json. */
export function environmentFiles(given: readonly string[] | undefined): string[] {
  if (given?.length) return [...given];
  const fromEnv = process.env.PIPELINE_CONFIG?.split(',').map((f) => f.trim()).filter(Boolean);
  if (fromEnv?.length) return fromEnv;
  return readdirSync(CONFIG_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .sort()
    .map((f) => join(CONFIG_DIR, f));
}

/**
 * Validates every environment file, then synthesizes its stacks: one, or, for an environment with
 * `targetAccountsPerStack`, the tooling stack and its target stacks. Nothing is written unless every file is
 * valid: the App creates its output folder as soon as it exists.
 */
export function synthesize(files: readonly string[]): { stacks: EnvironmentStack[]; parts: TargetAccountsStack[]; names: string[]; outdir: string } {
  const configs = loadEnvironmentFiles(files);
  const app = new App();
  const parts: TargetAccountsStack[] = [];
  // A limit found while building (a policy or the pipeline too big) names the environment and its file.
  const stacks = configs.map((config, i) => {
    try {
      const { main, targets } = stackParts(config.name, environmentTopology(config).targets.map((t) => t.account), config.targetAccountsPerStack);
      for (const part of targets) parts.push(new TargetAccountsStack(app, config, part));
      return new EnvironmentStack(app, config, { part: main });
    } catch (err) {
      throw new Error(`${files[i]}: environment ${config.name} cannot be deployed: ${(err as Error).message}`);
    }
  });
  app.synth();
  // cdktf commands read cdktf.out/stacks/ as well as the manifest: stacks of an earlier synth of other files
  // would be deployable although the manifest no longer lists them.
  const stacksDir = join(app.outdir, 'stacks');
  const names = [...stacks, ...parts].map((s) => s.node.id);
  const written = new Set(names);
  if (existsSync(stacksDir)) {
    for (const stale of readdirSync(stacksDir).filter((d) => !written.has(d))) rmSync(join(stacksDir, stale), { recursive: true, force: true });
  }
  return { stacks, parts, names, outdir: app.outdir };
}

/** Where the synthesized JSON of a stack lands. */
export const stackFile = (outdir: string, stack: string) => join(outdir, 'stacks', stack, 'cdk.tf.json');

/** A stack file given on the command line: its environment name (`cdktf.out/stacks/<env>/cdk.tf.json`, else the file name) and JSON. */
export function readStackFile(file: string): { name: string; json: Record<string, any> } {
  const name = basename(file) === 'cdk.tf.json' ? basename(dirname(file)) : basename(file, '.json');
  try {
    return { name, json: JSON.parse(readFileSync(file, 'utf8')) };
  } catch (err) {
    throw new Error(`${file}: cannot read a synthesized stack (${(err as Error).message})`);
  }
}
