import { TerraformResource } from 'cdktf';
import type { EnvironmentStack } from '../stacks/environment-stack';
import { usesImages } from './workload';

/** Resources per account of a synthesized environment, by the provider each resource is placed with. */
export function resourcesPerAccount(stack: EnvironmentStack): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of stack.node.findAll()) {
    if (!(node instanceof TerraformResource)) continue;
    const place = stack.providers.placeOf(node.provider);
    if (!place) throw new Error(`${node.node.path} has no account provider: every resource must be placed in an account`);
    counts.set(place.account, (counts.get(place.account) ?? 0) + 1);
  }
  return counts;
}

/** What a synth produced, in a few lines a person reads after `npm run synth`. */
export function summarize(stack: EnvironmentStack): string {
  const t = stack.topology;
  const perAccount = resourcesPerAccount(stack);
  const total = [...perAccount.values()].reduce((a, b) => a + b, 0);
  const stages = ['Source', 'Build', ...t.waves.map((w) => (w.approval ? `${w.name} (approval)` : w.name))];
  const lines = [
    `environment ${t.environment}: ${total} resources, ${stack.providers.all.length} providers (account x region)`,
    `  pipeline ${t.names.pipeline} in ${t.tooling.account}/${t.tooling.region}: ${stages.join(' -> ')}`,
    `  artifact stores: ${t.pipelineRegions.join(', ')}; image repositories: ${usesImages(stack.workload) ? t.deployRegions.join(', ') : 'none'}`,
    ...[...perAccount].map(([account, n]) => `  ${account}${account === t.tooling.account ? ' (tooling)' : ''}: ${n} resources`),
  ];
  const split = new Map<string, string[]>();
  for (const w of t.waves) if (w.name !== w.stage) split.set(w.stage, [...(split.get(w.stage) ?? []), w.name]);
  for (const [stage, waves] of split) {
    const count = t.waves.filter((w) => w.stage === stage).reduce((n, w) => n + w.deployments.length, 0);
    lines.push(`  note: stage ${stage} has ${count} deployments, more than one CodePipeline stage holds; split into waves ${waves.join(', ')}`);
  }
  return lines.join('\n');
}
