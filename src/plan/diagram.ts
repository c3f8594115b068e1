/**
 * A Graphviz picture of an environment, drawn from its synthesized plan (the same JSON Terraform applies):
 * accounts as boxes with their regions inside, each region's artifact store and image repository, the
 * pipeline's stages in order with every deploy action in its account and region, the approvals, and the
 * trust edges (pipeline role -> action roles -> execution roles). A split environment is drawn from its stacks
 * merged (as verify reads them), each account labelled with the stacks that manage it.
 */
import { Plan, StackJson } from './plan';
import { chainStages, pipelineChains } from './pipeline-chain';
import type { StackJson as NamedStack } from './environment-plans';

const id = (...parts: string[]) => `"${parts.join('/').replace(/"/g, '')}"`;
const label = (...lines: string[]) => `"${lines.map((l) => l.replace(/"/g, "'")).join('\\n')}"`;
const sorted = <T>(values: Iterable<T>) => [...new Set(values)].sort();

/** The stacks whose providers reach each account (a provider's `allowed_account_ids`). */
export function stacksByAccount(stacks: readonly NamedStack[]): Map<string, string[]> {
  const byAccount = new Map<string, string[]>();
  for (const { name, json } of stacks) {
    for (const account of sorted(((json.provider?.aws ?? []) as Array<Record<string, any>>).flatMap((p) => p.allowed_account_ids ?? []))) {
      byAccount.set(account, [...(byAccount.get(account) ?? []), name]);
    }
  }
  return byAccount;
}

/** The picture of `json`; `stacks`, for a split environment, names the stacks of each account. */
export function diagramDot(json: StackJson, name: string, stacks?: ReadonlyMap<string, readonly string[]>): string {
  const plan = new Plan(json);
  // Beyond one pipeline's quotas the waves continue in a chain: drawn as one pipeline, its links left out.
  const chain = pipelineChains(plan)[0];
  const pipeline = chain?.[0];
  if (!chain || !pipeline) throw new Error(`${name}: the plan has no pipeline to draw`);
  const tooling = pipeline.account;
  const stages = chainStages(chain) as Array<{ name: string; action: Array<Record<string, any>> }>;
  const deploys: Array<Record<string, any>> = stages.flatMap((s) => s.action.filter((a) => a.category === 'Deploy' && a.role_arn).map((a) => ({ ...a, stage: s.name })));
  const accountOf = (arn: string) => arn.split(':')[4]!;

  // Where things are: account -> region -> node lines; account-level (IAM) nodes apart.
  const places = new Map<string, Map<string, string[]>>();
  const accountNodes = new Map<string, string[]>();
  const at = (account: string, region: string) => {
    const regions = places.get(account) ?? new Map<string, string[]>();
    places.set(account, regions);
    const list = regions.get(region) ?? [];
    regions.set(region, list);
    return list;
  };
  const inAccount = (account: string) => {
    const list = accountNodes.get(account) ?? [];
    accountNodes.set(account, list);
    return list;
  };

  for (const b of plan.ofType('aws_s3_bucket')) at(b.account, b.region).push(`${id('store', b.account, b.region)} [shape=cylinder, label=${label('artifact store', b.body.bucket)}];`);
  for (const r of plan.ofType('aws_ecr_repository')) at(r.account, r.region).push(`${id('images', r.account, r.region)} [shape=cylinder, label=${label('image repository', r.body.name)}];`);
  for (const p of plan.ofType('aws_codebuild_project')) at(p.account, p.region).push(`${id('build', p.body.name)} [shape=box, label=${label('build', p.body.name)}];`);
  at(tooling, pipeline.region).push(`${id('pipeline')} [shape=box, style="rounded,bold", label=${label('pipeline', pipeline.body.name)}];`);

  const edges: string[] = [];
  const stageIds = stages.map((s) => id('stage', s.name));
  stages.forEach((s, i) => {
    const approval = s.action.some((a) => a.category === 'Approval');
    at(tooling, pipeline.region).push(`${stageIds[i]} [shape=${approval ? 'octagon' : 'box'}, label=${label(`stage ${i + 1}: ${s.name}`, ...(approval ? ['manual approval'] : []))}];`);
    if (i > 0) edges.push(`${stageIds[i - 1]} -> ${stageIds[i]} [weight=10];`);
  });
  edges.push(`${id('pipeline')} -> ${stageIds[0]} [style=dotted, arrowhead=none];`);

  // One node per deployment (stage, account, region), naming what its actions do there.
  const deployments = new Map<string, { stage: string; account: string; region: string; what: string; steps: string[] }>();
  for (const d of deploys) {
    const account = accountOf(d.role_arn);
    const region = d.region ?? pipeline.region;
    const key = [d.stage, account, region].join('/');
    const entry = deployments.get(key) ?? {
      stage: d.stage,
      account,
      region,
      what: d.provider === 'ECS' ? `service ${d.configuration.ServiceName}` : `stack ${d.configuration.StackName}`,
      steps: [] as string[],
    };
    entry.steps.push(d.provider === 'ECS' ? 'ECS deploy' : d.configuration.ActionMode === 'CHANGE_SET_EXECUTE' ? 'execute change set' : 'prepare change set');
    deployments.set(key, entry);
  }
  for (const d of deployments.values()) {
    const node = id('deploy', d.stage, d.account, d.region);
    at(d.account, d.region).push(`${node} [shape=note, label=${label(`${d.stage}: ${d.what}`, d.steps.join(', then '))}];`);
    edges.push(`${id('stage', d.stage)} -> ${node} [style=dashed, color=gray40];`);
  }

  // Trust: the pipeline role assumes each action role; each action role passes its execution role.
  const pipelineRole = String(pipeline.body.role_arn);
  inAccount(tooling).push(`${id('role', pipelineRole)} [shape=hexagon, label=${label('pipeline role', pipelineRole.split('/').pop()!)}];`);
  for (const arn of sorted(deploys.map((d) => String(d.role_arn)))) {
    inAccount(accountOf(arn)).push(`${id('role', arn)} [shape=hexagon, label=${label('action role', arn.split('/').pop()!)}];`);
    edges.push(`${id('role', pipelineRole)} -> ${id('role', arn)} [label="assumes", color=firebrick, fontcolor=firebrick];`);
  }
  for (const [action, exec] of sorted(deploys.filter((d) => d.configuration.RoleArn).map((d) => `${d.role_arn} ${d.configuration.RoleArn}`)).map((p) => p.split(' '))) {
    inAccount(accountOf(exec!)).push(`${id('role', exec!)} [shape=hexagon, label=${label('CloudFormation execution role', exec!.split('/').pop()!)}];`);
    edges.push(`${id('role', action!)} -> ${id('role', exec!)} [label="passes", color=firebrick, fontcolor=firebrick];`);
  }

  const stackCount = new Set([...(stacks?.values() ?? [])].flat()).size;
  const lines = [
    `digraph ${id(name)} {`,
    '  graph [rankdir=LR, fontname="Helvetica", fontsize=12, compound=true, newrank=true, labelloc=t, label=' + label(`${name}: ${pipeline.body.name}${chain.length > 1 ? ` and ${chain.length - 1} continuation pipelines` : ''}${stackCount > 1 ? ` (${stackCount} stacks)` : ''}`) + '];',
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const account of sorted([...places.keys(), ...accountNodes.keys()])) {
    const stackNote = stacks?.get(account) ? [`stack ${stacks.get(account)!.join(', ')}`] : [];
    lines.push(`  subgraph ${id('cluster', account)} {`, `    label=${label(`account ${account}${account === tooling ? ' (tooling)' : ''}`, ...stackNote)}; style=rounded; color=gray30;`);
    for (const node of sorted(accountNodes.get(account) ?? [])) lines.push(`    ${node}`);
    for (const region of sorted(places.get(account)?.keys() ?? [])) {
      lines.push(`    subgraph ${id('cluster', account, region)} {`, `      label=${label(region)}; style=dashed; color=gray60;`);
      for (const node of places.get(account)!.get(region)!) lines.push(`      ${node}`);
      lines.push('    }');
    }
    lines.push('  }');
  }
  for (const edge of edges) lines.push(`  ${edge}`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Renders DOT to SVG with Graphviz compiled to WebAssembly (no system install). */
export async function renderSvg(dot: string): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  return graphviz.dot(dot);
}
