import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import madge from 'madge';

/**
 * The layers, bottom to top, as the folders that may be imported from each (CONTRIBUTING.md, "Layers"): a lower layer
 * never imports a higher one; it is given what it needs as an argument. plan, verify, ci and rehearse sit beside the
 * top: they read environment files and synthesized plans, never constructs or stacks. A folder missing here fails.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
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
};
/** The command line and the entry points (the repository root's programs, bench/, scripts/) compose every layer. */
const TOP = ['cli', 'entry'];

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
      .filter(({ a, b }) => a !== b && !TOP.includes(a) && !(MAY_IMPORT[a] ?? []).includes(b))
      .map(({ from, to, a, b }) => `${from} (${a}) imports ${to} (${b})`);
    expect(upward).toEqual([]);
    const layers = new Set(imports.flat().map(layerOf));
    expect([...layers].filter((l) => !TOP.includes(l) && !(l in MAY_IMPORT))).toEqual([]);
  });

  it('lists verify rules in one file that imports them, never the reverse', async () => {
    const obj = (await graph).obj();
    const families = obj['src/verify/rules.ts']!.filter((f) => f.startsWith('src/verify/'));
    expect(families).toEqual(expect.arrayContaining(['src/verify/baseline-rules.ts', 'src/verify/structure-rules.ts', 'src/verify/size-rules.ts', 'src/verify/intent-rule.ts']));
    expect(Object.entries(obj).filter(([, to]) => to.includes('src/verify/rules.ts')).map(([from]) => from).filter((f) => f.startsWith('src/verify/') && f !== 'src/verify/index.ts')).toEqual([]);
  });
});
