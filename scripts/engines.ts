/**
 * npm run engines [-- --config <environment.json> ... --tf-check <env|all|none> --no-terraform]
 *
 * One code base, two engines (docs/cdk-terrain.md): synthesizes every environment with CDKTF and with CDK Terrain
 * (bin/run --engine cdktn), compares the stacks and their assets, lists what the newer provider bindings changed
 * in the arguments of the resources we use, and runs verify (with terraform validate) and the real-Terraform check
 * on the CDK Terrain output. Exits 1 on any real difference or failed check.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { parseFlags, run } from '../cli/flags';
import { environmentFiles } from '../cli/synthesize';
import { bindingChanges, compareStacks } from '../src/engine/compare';

const USAGE = 'usage: npm run engines [-- [--config <environment.json> ...] [--tf-check <env>|all|none] [--no-terraform]]';
const ENGINES = ['cdktf', 'cdktn'] as const;
const COMPAT = 'compat/cdktn';

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((entry) => (statSync(join(dir, entry)).isDirectory() ? files(join(dir, entry)) : [join(dir, entry)]));

/** Runs one of our entry points; its output is shown, its failure fails the comparison. */
function runEntry(args: string[], env: Record<string, string> = {}, quiet = false): boolean {
  const result = spawnSync('bash', ['bin/run', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] });
  return result.status === 0;
}

/** Entries of a zip archive (name and content): the engines zip with different timestamps and compressors. */
function archiveEntries(file: string): Map<string, string> {
  // fflate is CDK Terrain's own zip library, installed with it.
  const fflate = createRequire(join(process.cwd(), COMPAT, 'node_modules/cdktn/package.json'))('fflate') as { unzipSync(data: Uint8Array): Record<string, Uint8Array> };
  return new Map(Object.entries(fflate.unzipSync(readFileSync(file))).map(([name, data]) => [name, Buffer.from(data).toString('base64')]));
}

function compareAssets(a: string, b: string): string[] {
  const list = (dir: string) => (existsSync(dir) ? files(dir).map((f) => relative(dir, f)).sort() : []);
  const [left, right] = [list(a), list(b)];
  if (JSON.stringify(left) !== JSON.stringify(right)) return [`asset files differ: ${left.join(', ') || '(none)'} vs ${right.join(', ') || '(none)'}`];
  return left.flatMap((file) => {
    if (!file.endsWith('.zip')) return readFileSync(join(a, file)).equals(readFileSync(join(b, file))) ? [] : [`${file} differs`];
    const [x, y] = [archiveEntries(join(a, file)), archiveEntries(join(b, file))];
    const names = [...new Set([...x.keys(), ...y.keys()])];
    return names.filter((n) => x.get(n) !== y.get(n)).map((n) => `${file}: entry ${n} differs`);
  });
}

/** The provider modules our sources import, with both engines' declarations. */
function boundModules() {
  const sources = ['src', 'stacks'].flatMap(files).filter((f) => f.endsWith('.ts'));
  const modules = new Set(sources.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/from '@cdktf\/provider-aws\/lib\/([\w-]+)'/g)].map((m) => m[1]!)));
  return [...modules].sort().map((module) => ({
    module: `lib/${module}`,
    cdktf: readFileSync(`node_modules/@cdktf/provider-aws/lib/${module}/index.d.ts`, 'utf8'),
    cdktn: readFileSync(`${COMPAT}/node_modules/@cdktn/provider-aws/lib/${module}/index.d.ts`, 'utf8'),
  }));
}

run(() => {
  const args = parseFlags(USAGE, () =>
    parseArgs({ options: { config: { type: 'string', short: 'c', multiple: true }, 'tf-check': { type: 'string', default: 'all' }, 'no-terraform': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values,
  );
  if (typeof args === 'number') return args;
  const started = Date.now();
  const configs = environmentFiles(args.config);
  const scratch = mkdtempSync(join(tmpdir(), 'engines-'));
  let ok = true;
  try {
    const outdirs = Object.fromEntries(ENGINES.map((engine) => [engine, join(scratch, engine)])) as Record<(typeof ENGINES)[number], string>;
    for (const engine of ENGINES) {
      if (!runEntry(['main.ts', '--engine', engine], { CDKTF_OUTDIR: outdirs[engine], PIPELINE_CONFIG: configs.join(',') }, true)) throw new Error(`synth with ${engine} failed`);
    }
    // The same sources type-check against CDK Terrain's declarations (compat/cdktn/tsconfig.json maps the imports).
    const typecheck = spawnSync('node_modules/.bin/tsc', ['-p', `${COMPAT}/tsconfig.json`], { stdio: 'inherit' });
    console.log(`tsc against CDK Terrain's declarations: ${typecheck.status === 0 ? 'no errors' : 'ERRORS (above)'}`);
    ok &&= typecheck.status === 0;
    const stacks = readdirSync(join(outdirs.cdktf, 'stacks')).sort();
    const other = readdirSync(join(outdirs.cdktn, 'stacks')).sort();
    if (JSON.stringify(stacks) !== JSON.stringify(other)) throw new Error(`the engines wrote different stacks: ${stacks.join(', ')} vs ${other.join(', ')}`);

    console.log(`Engines: CDKTF (cdktf, @cdktf/provider-aws) vs CDK Terrain (cdktn, @cdktn/provider-aws from ${COMPAT}/package-lock.json)\n`);
    for (const stack of stacks) {
      const read = (engine: (typeof ENGINES)[number]) => JSON.parse(readFileSync(join(outdirs[engine], 'stacks', stack, 'cdk.tf.json'), 'utf8'));
      const { expected, real } = compareStacks(read('cdktf'), read('cdktn'));
      const assets = compareAssets(join(outdirs.cdktf, 'stacks', stack, 'assets'), join(outdirs.cdktn, 'stacks', stack, 'assets'));
      const same = !real.length && !assets.length;
      ok &&= same;
      console.log(`${same ? 'SAME' : 'DIFF'}  ${stack}: ${real.length} real difference(s), ${assets.length} asset difference(s); expected: ${expected.map((e) => `${e.path} ${JSON.stringify(e.cdktf)} -> ${JSON.stringify(e.cdktn)}`).join('; ')}`);
      for (const d of real.slice(0, 20)) console.log(`      ${d.path}: ${JSON.stringify(d.cdktf)} -> ${JSON.stringify(d.cdktn)}`);
      for (const a of assets) console.log(`      ${a}`);
    }
    const changes = bindingChanges(boundModules());
    console.log(`\nProvider bindings of the ${boundModules().length} resource modules we use, aws 6.25 (CDKTF) -> 6.66 (CDK Terrain): ${changes.length ? '' : 'no argument added or removed'}`);
    for (const c of changes) console.log(`  ${c.module} ${c.type}: ${c.added.length ? `added ${c.added.join(', ')}` : ''}${c.added.length && c.removed.length ? '; ' : ''}${c.removed.length ? `removed ${c.removed.join(', ')}` : ''}`);

    const planOf = (stack: string) => join(outdirs.cdktn, 'stacks', stack, 'cdk.tf.json');
    // One verify process for every stack: the engine's data loads once.
    const verified = runEntry(['verify.ts', ...stacks.flatMap((s) => ['--plan', planOf(s)]), ...(args['no-terraform'] ? ['--no-terraform'] : [])], { CDKTF_OUTDIR: join(scratch, 'verify') }, true);
    console.log(`\nverify on the CDK Terrain output (${stacks.join(', ')}): ${verified ? 'PASS' : 'FAIL'}`);
    ok &&= verified;
    const checked = args['tf-check'] === 'none' ? [] : args['tf-check'] === 'all' ? stacks : args['tf-check']!.split(',');
    if (checked.length) {
      console.log(`\nreal-Terraform check on the CDK Terrain output (${checked.join(', ')}):`);
      ok = runEntry(['tf-check.ts', '--jobs', '2', ...checked.flatMap((s) => ['--plan', planOf(s)])]) && ok;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`\nengines: ${ok ? 'the same plans' : 'DIFFERENT or failing'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok ? 0 : 1;
});
