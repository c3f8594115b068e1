/**
 * The dependency graph Terraform builds from a synthesized stack (`cdk.tf.json`): an edge for every
 * `${type.name...}` reference and every `depends_on` entry. Read from the JSON, not the constructs, so it
 * checks what Terraform will actually plan.
 */

/** The parts of a synthesized stack the graph reads. */
export interface SynthesizedStack {
  resource?: Record<string, Record<string, unknown>>;
  data?: Record<string, Record<string, unknown>>;
}

/** Resource address (`aws_s3_bucket.artifacts_bucket_ABC`) to the addresses it depends on. */
export type PlanGraph = Map<string, Set<string>>;

const REFERENCE = /\$\{([^}]*)\}/g;
const ADDRESS = /\b(data\.[A-Za-z0-9_]+\.[A-Za-z0-9_-]+|[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z0-9_-]+)/g;

function referencesIn(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    for (const [, expression] of value.matchAll(REFERENCE)) {
      for (const [address] of expression!.matchAll(ADDRESS)) into.add(address!);
    }
  } else if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, into);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key !== '//') referencesIn(v, into);
    }
  }
}

export function planGraph(stack: SynthesizedStack): PlanGraph {
  const graph: PlanGraph = new Map();
  const blocks: Array<[string, Record<string, Record<string, unknown>> | undefined]> = [
    ['', stack.resource],
    ['data.', stack.data],
  ];
  for (const [prefix, block] of blocks) {
    for (const [type, byName] of Object.entries(block ?? {})) {
      for (const [name, body] of Object.entries(byName)) {
        const edges = new Set<string>();
        const { depends_on: dependsOn, ...rest } = body as { depends_on?: string[] };
        referencesIn(rest, edges);
        for (const d of dependsOn ?? []) edges.add(d);
        graph.set(`${prefix}${type}.${name}`, edges);
      }
    }
  }
  // Keep only edges to nodes of this stack (a reference like `${var.x}` or `${each.value}` is not a resource).
  for (const edges of graph.values()) for (const e of edges) if (!graph.has(e)) edges.delete(e);
  return graph;
}

/** A dependency cycle as a list of addresses (first repeated at the end), or undefined when there is none. */
export function findCycle(graph: PlanGraph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

/** Number of resources on the longest dependency chain: how many rounds an unlimited-parallel apply needs. */
export function criticalPathDepth(graph: PlanGraph): number {
  const cycle = findCycle(graph);
  if (cycle) throw new Error(`dependency cycle: ${cycle.join(' -> ')}`);
  const depth = new Map<string, number>();
  const measure = (node: string): number => {
    const known = depth.get(node);
    if (known !== undefined) return known;
    let d = 1;
    for (const next of graph.get(node) ?? []) d = Math.max(d, 1 + measure(next));
    depth.set(node, d);
    return d;
  };
  let max = 0;
  for (const node of graph.keys()) max = Math.max(max, measure(node));
  return max;
}
