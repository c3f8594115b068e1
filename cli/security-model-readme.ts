import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { loadEnvironmentFile } from '../src/config/load';
import { EnvironmentStack } from '../stacks/environment-stack';
import { verifyPlan } from '../src/verify';
import { SECURITY_MODEL_MARKERS, securityModelTable } from '../src/verify/security-model';

/** The security model table of every shipped environment (config/*.json), from a fresh synth and verify of each. */
export async function shippedSecurityModel(dir = 'config'): Promise<string> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'schema.json').sort();
  const verifications = [];
  for (const file of files) {
    const config = loadEnvironmentFile(join(dir, file));
    const stack = new EnvironmentStack(Testing.app(), config);
    const verification = await verifyPlan(config.name, JSON.parse(Testing.synth(stack)));
    verifications.push({ verification, props: { tooling: config.tooling.account, prefix: `${config.workload.name}-${config.name}` } });
  }
  return securityModelTable(verifications);
}

/** The README with the text between the markers replaced by `table`; fails when the markers are missing. */
export function withSecurityModel(readme: string, table: string): string {
  const [start, end] = SECURITY_MODEL_MARKERS;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${start} ... ${end}`);
  return `${readme.slice(0, from + start.length)}\n${table}\n${readme.slice(to)}`;
}
