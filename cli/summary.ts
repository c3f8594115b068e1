import { TerraformResource } from 'cdktf';
import type { AccountProviders } from '../src/constructs/account-providers';
import type { EnvironmentStack } from '../stacks/environment-stack';
import type { TargetAccountsStack } from '../stacks/target-accounts-stack';
import { workloadKind } from '../src/workloads/registry';
import { TARGET_ACCOUNTS_PER_STACK } from '../src/config/schema';

/** Resources of a synthesized environment per account and region, by the provider each resource is placed with. */
export function resourcesPerPlace(...stacks: ReadonlyArray<Pick<EnvironmentStack, 'node'> & { providers: AccountProviders }>): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  for (const stack of stacks) for (const node of stack.node.findAll()) {
    if (!(node instanceof TerraformResource)) continue;
    const place = stack.providers.placeOf(node.provider);
    if (!place) throw new Error(`${node.node.path} has no account provider: every resource must be placed in an account`);
    const regions = counts.get(place.account) ?? new Map<string, number>();
    regions.set(place.region, (regions.get(place.region) ?? 0) + 1);
    counts.set(place.account, regions);
  }
  return counts;
}

/** Resources per account (all its regions). */
export function resourcesPerAccount(stack: EnvironmentStack): Map<string, number> {
  return new Map([...resourcesPerPlace(stack)].map(([account, regions]) => [account, [...regions.values()].reduce((a, b) => a + b, 0)]));
}

/** Things a person must do or know after this synth. */
export function warnings(stack: EnvironmentStack): string[] {
  const out: string[] = [];
  if (stack.pipeline.connection) {
    out.push(`the GitHub connection is created PENDING: after the first deploy, complete its one-time handshake (output connection_handshake)`);
  }
  // The bench's fit of an offline plan's memory: 0.41 + 0.079 GiB a provider configuration (docs/performance.md).
  const providers = stack.providers.all.length;
  if (stack.part.kind === 'whole' && stack.topology.targets.length > TARGET_ACCOUNTS_PER_STACK) {
    out.push(
      `${stack.topology.targets.length} target accounts in one stack: its plan needs about ${(0.41 + 0.079 * providers).toFixed(1)} GiB; "targetAccountsPerStack": ${TARGET_ACCOUNTS_PER_STACK} splits it into stacks of at most 2 GiB each (docs/scale.md)`,
    );
  }
  const split = [...new Set(stack.topology.waves.filter((w) => w.name !== w.stage).map((w) => w.stage))];
  for (const stage of split) {
    const waves = stack.topology.waves.filter((w) => w.stage === stage);
    const count = waves.reduce((n, w) => n + w.deployments.length, 0);
    out.push(`stage ${stage} has ${count} deployments, more than one CodePipeline stage holds; split into waves ${waves.map((w) => w.name).join(', ')}`);
  }
  if (stack.pipeline.names.length > 1) {
    out.push(`the waves need more than one pipeline's 500 actions or 50 stages: they continue in ${stack.pipeline.names.slice(1).join(', ')}, each started from the build the one before released after its waves (docs/scale.md)`);
  }
  return out;
}

const pad = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => `  ${r.map((c, i) => c.padStart(i === 0 ? 0 : widths[i]!).padEnd(i === 0 ? widths[i]! : 0)).join('  ')}`.trimEnd());
};

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** What a synth produced, in a few lines a person reads after `npm run synth`. */
export function summarize(stack: EnvironmentStack, parts: readonly TargetAccountsStack[] = []): string {
  const t = stack.topology;
  const places = resourcesPerPlace(stack, ...parts);
  const total = [...places.values()].flatMap((r) => [...r.values()]).reduce((a, b) => a + b, 0);
  const regions = [...new Set([...places.values()].flatMap((r) => [...r.keys()]))].sort();
  const accounts = [...places.keys()].sort((a, b) => (a === t.tooling.account ? -1 : b === t.tooling.account ? 1 : a.localeCompare(b)));
  const table = [
    ['resources', ...regions, 'total'],
    ...accounts.map((account) => {
      const r = places.get(account)!;
      const sum = [...r.values()].reduce((a, b) => a + b, 0);
      return [`${account}${account === t.tooling.account ? ' (tooling)' : ''}`, ...regions.map((region) => String(r.get(region) ?? '-')), String(sum)];
    }),
  ];
  const stageLines = t.waves.map((w) => {
    const targets = [...new Set(w.deployments.map((d) => `${d.account}/${d.region}`))];
    return `  ${w.name}${w.approval ? ' (manual approval)' : ''}: ${targets.join(', ')}`;
  });
  return [
    `environment ${t.environment}: ${total} resources, ${[stack, ...parts].reduce((n, s) => n + s.providers.all.length, 0)} providers (account x region), workload ${stack.workload.kind}`,
    ...(stack.organization ? [`  grants to target accounts by organization ${stack.organization.id}${stack.organization.paths?.length ? ` (paths ${stack.organization.paths.join(', ')})` : ''}`] : []),
    ...(parts.length
      ? [
          `  stacks: ${stack.node.id} (tooling, ${count(stack.providers.all.length, 'provider')}), ${parts.map((p) => `${p.node.id} (${count(p.providers.all.length, 'account')})`).join(', ')}`,
          `  note: each stack has its own state and plans alone; apply every target stack before the pipeline's first deploy (output target_stacks)`,
        ]
      : []),
    `  pipeline ${t.names.pipeline} in ${t.tooling.account}/${t.tooling.region}: ${['Source', 'Build', ...t.waves.map((w) => w.name)].join(' -> ')}`,
    `  artifact stores: ${t.pipelineRegions.join(', ')}; image repositories: ${workloadKind(stack.workload).usesImages ? t.deployRegions.join(', ') : 'none'}`,
    ...pad(table),
    ...stageLines,
    ...warnings(stack).map((w) => `  note: ${w}`),
  ].join('\n');
}
