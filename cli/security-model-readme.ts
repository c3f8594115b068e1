import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { loadEnvironmentFile } from '../src/environment/load';
import { EnvironmentStack } from '../stacks/environment-stack';
import { verifyPlan } from '../src/verify';
import { SECURITY_FACTS_MARKERS, securityFacts } from '../src/verify/security-facts';
import { SECURITY_MODEL_MARKERS, securityModelTable } from '../src/verify/security-model';

/**
 * What docs/security.md says of security, from a fresh synth of every shipped environment (config/*.json): the table of
 * paths verify proves, and the facts read from the plans.
 */
export async function shippedSecurityModel(dir = 'config'): Promise<{ table: string; facts: string }> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'schema.json').sort();
  const verifications = [];
  const plans = [];
  for (const file of files) {
    const config = loadEnvironmentFile(join(dir, file));
    const json = JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), config)));
    const prefix = `${config.workload.name}-${config.name}`;
    verifications.push({ verification: await verifyPlan(config.name, json), props: { tooling: config.tooling.account, prefix } });
    plans.push({ name: config.name, json, prefix });
  }
  return { table: securityModelTable(verifications), facts: securityFacts(plans) };
}

/** The text with what sits between the markers replaced by `content`; fails when the markers are missing. */
export function betweenMarkers(text: string, [start, end]: readonly [string, string], content: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/security.md lacks the markers ${start} ... ${end}`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

/** docs/security.md with the security model table and the security facts regenerated. */
export function withSecurityModel(doc: string, model: { table: string; facts: string }): string {
  return betweenMarkers(betweenMarkers(doc, SECURITY_MODEL_MARKERS, model.table), SECURITY_FACTS_MARKERS, model.facts);
}
