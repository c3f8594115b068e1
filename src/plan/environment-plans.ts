/**
 * A split environment is verified as one plan: its tooling stack names its target stacks (the intent's
 * `targetStacks`), each target stack names its environment (output `part_of_environment`), and verify reads them
 * together, as if one stack held them all. It fails closed: a target stack without its environment, or an
 * environment without one of its target stacks, is an error, never a verification of less.
 */
import { INTENT_OUTPUT } from '../model/intent';
import { PART_OUTPUT } from '../model/stack-parts';

type Json = Record<string, any>;

/** A synthesized stack: its name and JSON. */
export interface StackJson {
  readonly name: string;
  readonly json: Json;
}


const partOf = (stack: StackJson): string | undefined => stack.json.output?.[PART_OUTPUT]?.value?.environment;
const targetStacksOf = (stack: StackJson): string[] => stack.json.output?.[INTENT_OUTPUT]?.value?.targetStacks ?? [];

/** The environments among these stacks, each with its target stacks merged in. */
export function assembleEnvironments(stacks: readonly StackJson[]): StackJson[] {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const claimed = new Set<string>();
  const environments = stacks
    .filter((s) => partOf(s) === undefined)
    .map((main) => {
      const parts = targetStacksOf(main).map((name) => {
        const part = byName.get(name);
        if (!part) throw new Error(`environment ${main.name} has the target stack ${name}, which is not among the stacks to verify: give every stack of the environment`);
        if (partOf(part) !== main.name) throw new Error(`stack ${name} is not a target stack of environment ${main.name}`);
        claimed.add(name);
        return part;
      });
      return parts.length ? { name: main.name, json: mergePlans(main, parts) } : main;
    });
  const orphans = stacks.filter((s) => partOf(s) !== undefined && !claimed.has(s.name));
  if (orphans.length) {
    throw new Error(`${orphans.map((s) => `${s.name} (of environment ${partOf(s)})`).join(', ')}: a target stack is verified with its environment's tooling stack; give that stack too`);
  }
  return environments;
}

/** One plan of several stacks: their providers, resources, data sources, variables and outputs together. */
export function mergePlans(main: StackJson, parts: readonly StackJson[]): Json {
  const merged: Json = JSON.parse(JSON.stringify(main.json));
  for (const part of parts) {
    const providers: Json[] = merged.provider?.aws ?? [];
    for (const provider of part.json.provider?.aws ?? []) {
      const same = providers.find((p) => p.alias === provider.alias);
      if (!same) providers.push(provider);
      else if (JSON.stringify(same) !== JSON.stringify(provider)) throw new Error(`stacks ${main.name} and ${part.name} configure provider aws.${provider.alias} differently`);
    }
    merged.provider = { ...merged.provider, aws: providers };
    for (const block of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries((part.json[block] ?? {}) as Record<string, Json>)) {
        merged[block] ??= {};
        merged[block][type] ??= {};
        for (const [name, body] of Object.entries(byName)) {
          if (merged[block][type][name] !== undefined) throw new Error(`stacks ${main.name} and ${part.name} both hold ${type}.${name}`);
          merged[block][type][name] = body;
        }
      }
    }
    for (const block of ['variable', 'output'] as const) {
      for (const [name, body] of Object.entries((part.json[block] ?? {}) as Record<string, Json>)) {
        if (block === 'output' && name === PART_OUTPUT) continue;
        merged[block] ??= {};
        const same = merged[block][name];
        if (same !== undefined && JSON.stringify(same) !== JSON.stringify(body)) throw new Error(`stacks ${main.name} and ${part.name} declare ${block} ${name} differently`);
        merged[block][name] = body;
      }
    }
  }
  return merged;
}
