/**
 * The same sources synthesized by two engines (CDKTF and CDK Terrain, docs/cdk-terrain.md): what differs in
 * the Terraform JSON they write. Differences a switch of engine is expected to make are named; anything else
 * is a real difference and fails the comparison.
 */
type Json = Record<string, any>;

export interface Difference {
  /** JSON path, e.g. `resource.aws_s3_bucket.store.bucket`. */
  readonly path: string;
  readonly cdktf: unknown;
  readonly cdktn: unknown;
}

export interface Expected extends Difference {
  /** Why the difference is expected and harmless. */
  readonly why: string;
}

/**
 * Terraform's provider source address with its defaults filled in: a bare type means the hashicorp namespace
 * of registry.terraform.io ("Provider Requirements", source addresses: the hostname defaults to
 * registry.terraform.io and, for a type alone, the namespace to hashicorp).
 */
export function fullSourceAddress(source: string): string {
  const parts = source.split('/');
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${parts[0]}/${parts[1]}`;
  return source;
}

/** Every leaf that differs between two JSON values, by path (a list differing in length is one difference). */
export function differences(a: unknown, b: unknown, path = ''): Difference[] {
  const at = (key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [{ path, cdktf: `${a.length} items`, cdktn: `${b.length} items` }];
    return a.flatMap((x, i) => differences(x, b[i], at(i)));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => {
      if (!(k in a)) return [{ path: at(k), cdktf: undefined, cdktn: (b as Json)[k] }];
      if (!(k in b)) return [{ path: at(k), cdktf: (a as Json)[k], cdktn: undefined }];
      return differences((a as Json)[k], (b as Json)[k], at(k));
    });
  }
  return Object.is(a, b) ? [] : [{ path, cdktf: a, cdktn: b }];
}

/** Why a difference is expected when only the engine changed, or undefined for a real difference. */
function expectedBecause(d: Difference): string | undefined {
  if (d.path === '//.metadata.version') return 'the engine writes its own version into the stack metadata (not read by Terraform)';
  if (/^terraform\.required_providers\.[^.]+\.version$/.test(d.path)) return 'each engine pins the provider version its prebuilt bindings were generated from';
  if (/^terraform\.required_providers\.[^.]+\.source$/.test(d.path) && typeof d.cdktf === 'string' && typeof d.cdktn === 'string' && fullSourceAddress(d.cdktf) === fullSourceAddress(d.cdktn)) {
    return `the same provider: both addresses are ${fullSourceAddress(d.cdktf)}`;
  }
  return undefined;
}

/** Splits the differences between two stacks into the expected ones (with the reason) and the real ones. */
export function compareStacks(cdktf: Json, cdktn: Json): { expected: Expected[]; real: Difference[] } {
  const expected: Expected[] = [];
  const real: Difference[] = [];
  for (const d of differences(cdktf, cdktn)) {
    const why = expectedBecause(d);
    if (why) expected.push({ ...d, why });
    else real.push(d);
  }
  return { expected, real };
}

/** The argument names of every interface of a binding's declarations (the resource's Config and its blocks). */
export function configArguments(declarations: string): Map<string, Set<string>> {
  const interfaces = new Map<string, Set<string>>();
  for (const match of declarations.matchAll(/^export interface (\w+)(?: extends [\w.]+)? \{([\s\S]*?)\n\}/gm)) {
    interfaces.set(match[1]!, new Set([...match[2]!.matchAll(/^ {4}readonly (\w+)\??:/gm)].map((m) => m[1]!)));
  }
  return interfaces;
}

export interface BindingChange {
  /** `lib/<resource>` of the binding, and the interface (the resource's Config or one of its blocks). */
  readonly module: string;
  readonly type: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** Arguments the interfaces of each binding gained or lost between two versions (declarations by module). */
export function bindingChanges(modules: ReadonlyArray<{ module: string; cdktf: string; cdktn: string }>): BindingChange[] {
  return modules.flatMap(({ module, cdktf, cdktn }) => {
    const [before, after] = [configArguments(cdktf), configArguments(cdktn)];
    if (!before.size) throw new Error(`${module}: no interface found in the CDKTF binding's declarations`);
    return [...new Set([...before.keys(), ...after.keys()])].sort().flatMap((type) => {
      const [was, now] = [before.get(type) ?? new Set<string>(), after.get(type) ?? new Set<string>()];
      const added = [...now].filter((a) => !was.has(a)).sort();
      const removed = [...was].filter((a) => !now.has(a)).sort();
      return added.length || removed.length ? [{ module, type, added, removed }] : [];
    });
  });
}
