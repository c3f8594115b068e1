import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import madge from 'madge';

/**
 * The layers, bottom to top, as CONTRIBUTING.md's table states them: the test reads the map from the document, so the
 * rule a contributor reads is the rule enforced. Folders are named by their layer key: `src/<key>/`, `stacks/`,
 * `cli/`, and `entry` for the root's programs, bench/ and scripts/.
 */
function layerMap(): { mayImport: Map<string, string[]>; top: string[] } {
  const text = readFileSync('CONTRIBUTING.md', 'utf8');
  const table = text.slice(text.indexOf('## Layers')).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| layer') && !l.startsWith('|---'));
  const rows = table.map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  const keys = (folders: string) =>
    [...folders.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).map((f) => (f.startsWith('src/') ? f.slice(4).replace(/\/$/, '') : ['cli/', 'stacks/'].includes(f) ? f.slice(0, -1) : 'entry'));
  // The numbered layers in order: "config to workloads" is every layer from the one to the other.
  const order = rows.filter((r) => /^\d+$/.test(r[0]!)).sort((a, b) => Number(a[0]) - Number(b[0])).flatMap((r) => keys(r[1]!));
  const expand = (cell: string): string[] =>
    cell === 'nothing of ours'
      ? []
      : cell.split(', ').flatMap((part) => {
          const range = /^(\w+) to (\w+)$/.exec(part);
          return range ? order.slice(order.indexOf(range[1]!), order.indexOf(range[2]!) + 1) : [part];
        });
  const mayImport = new Map<string, string[]>();
  const top: string[] = [];
  for (const [layer, folders, , imports] of rows) for (const key of keys(folders!)) layer === 'top' ? top.push(key) : mayImport.set(key, expand(imports!));
  return { mayImport, top };
}
const { mayImport: MAY_IMPORT, top: TOP } = layerMap();

/** The layer of a source file: its folder under src/, stacks/, cli/, or `entry`. */
const layerOf = (file: string): string => {
  const [first, second] = file.split('/');
  if (first === 'src') return second!;
  if (first === 'stacks' || first === 'cli') return first;
  return 'entry';
};

const ENTRY_POINTS = readdirSync('.').filter((f) => f.endsWith('.ts'));
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
// Type-only imports count: a type shared by two layers lives in the lower one.
const graph = madge(['src', 'stacks', 'cli', 'bench', 'scripts', ...ENTRY_POINTS], {
  fileExtensions: ['ts'],
  tsConfig: 'tsconfig.json',
  excludeRegExp: [/\.test\.ts$/],
  detectiveOptions: { ts: { skipTypeImports: false } },
});

describe('source layers (madge over the TypeScript import graph)', () => {
  it('reads the layer map from CONTRIBUTING.md', () => {
    expect(Object.fromEntries(MAY_IMPORT)).toEqual({
      config: [],
      model: ['config'],
      policy: ['config', 'model'],
      workloads: ['config', 'model', 'policy'],
      environment: ['config', 'model', 'policy', 'workloads'],
      constructs: ['config', 'model', 'policy', 'workloads'],
      stacks: ['config', 'model', 'policy', 'workloads', 'constructs'],
      plan: ['config', 'model', 'policy', 'workloads'],
      verify: ['config', 'model', 'policy', 'workloads', 'plan'],
      ci: ['config', 'model', 'policy', 'workloads'],
      rehearse: ['config', 'model', 'policy', 'workloads', 'plan'],
      terraform: [],
      engine: [],
    });
    expect([...new Set(TOP)].sort()).toEqual(['cli', 'entry']);
  });

  it('has no import circle', async () => {
    const result = await graph;
    // Every source file is in the graph: a file madge could not read would hide its imports.
    expect(Object.keys(result.obj()).filter((f) => f.endsWith('.ts')).sort()).toEqual(['src', 'stacks', 'cli', 'bench', 'scripts'].flatMap(sources).concat(ENTRY_POINTS).sort());
    expect(result.warnings().skipped).toEqual([]);
    expect(result.circular()).toEqual([]);
  });

  it('imports only downward between layers, and every folder has a layer', async () => {
    const imports = Object.entries((await graph).obj()).flatMap(([from, to]) => to.map((file) => [from, file] as const));
    const upward = imports
      .map(([from, to]) => ({ from, to, a: layerOf(from), b: layerOf(to) }))
      .filter(({ a, b }) => a !== b && !TOP.includes(a) && !(MAY_IMPORT.get(a) ?? []).includes(b))
      .map(({ from, to, a, b }) => `${from} (${a}) imports ${to} (${b})`);
    expect(upward).toEqual([]);
    const layers = new Set(imports.flat().map(layerOf));
    expect([...layers].filter((l) => !TOP.includes(l) && !MAY_IMPORT.has(l))).toEqual([]);
  });

  it('lists verify rules in one file that imports them, never the reverse', async () => {
    const obj = (await graph).obj();
    const families = obj['src/verify/rules.ts']!.filter((f) => f.startsWith('src/verify/'));
    expect(families).toEqual(expect.arrayContaining(['src/verify/baseline-rules.ts', 'src/verify/structure-rules.ts', 'src/verify/size-rules.ts', 'src/verify/intent-rule.ts']));
    expect(Object.entries(obj).filter(([, to]) => to.includes('src/verify/rules.ts')).map(([from]) => from).filter((f) => f.startsWith('src/verify/') && f !== 'src/verify/index.ts')).toEqual([]);
  });
});
