/**
 * What `terraform plan` costs a CI runner for one synthesized stack: wall time and peak memory counted the
 * way a runner's memory limit (a cgroup) sees it, the sum of the proportional set size (PSS) of Terraform and
 * every provider process it starts. RSS would count the provider binary's shared pages once per process:
 * with one provider process per configuration that overstates memory several times.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { offlineCopy, providerChoice, validationCopy } from '../src/terraform/stack-copy';
import { ProviderSource, TerraformCli, cliConfig, terraformEnv } from '../src/terraform/toolchain';

type Json = Record<string, any>;

/** Provider configurations a stack declares, and those its resources and data sources use. */
export function providerCounts(stack: Json): { declared: number; used: number } {
  const declared = (stack.provider?.aws ?? []).length;
  const used = new Set<string>();
  for (const block of [stack.resource, stack.data]) {
    for (const byName of Object.values(block ?? {})) {
      for (const body of Object.values(byName as Json)) used.add((body as Json).provider ?? 'aws');
    }
  }
  return { declared, used: used.size };
}

/** Parent of each live process, from /proc/<pid>/stat (the command name may hold spaces and parentheses). */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      map.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return map;
}

/** PSS of a process in KiB, 0 when it has ended. */
function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Sum of PSS over a process and all its descendants, in KiB. */
export function treePssKb(root: number): { kb: number; processes: number } {
  const parentOf = parents();
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parentOf) {
      if (!tree.has(pid) && tree.has(parent)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let kb = 0;
  for (const pid of tree) kb += pssKb(pid);
  return { kb, processes: tree.size };
}

export interface Run {
  readonly seconds: number;
  /** Largest sampled sum of PSS of Terraform and its provider processes. */
  readonly peakPssKb: number;
  /** Most processes seen at once in the tree (Terraform + provider processes). */
  readonly peakProcesses: number;
}

/** Runs a command, sampling its process tree's PSS every `intervalMs`; rejects with its output if it fails. */
export function sampled(binary: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, intervalMs = 250): Promise<Run> {
  const started = process.hrtime.bigint();
  const child = spawn(binary, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => output.push(b));
  child.stderr.on('data', (b: Buffer) => output.push(b));
  let peakPssKb = 0;
  let peakProcesses = 0;
  const sample = () => {
    if (child.pid === undefined) return;
    const now = treePssKb(child.pid);
    peakPssKb = Math.max(peakPssKb, now.kb);
    peakProcesses = Math.max(peakProcesses, now.processes);
  };
  const timer = setInterval(sample, intervalMs);
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${binary} ${args.join(' ')} exited ${code}:\n${Buffer.concat(output).toString('utf8').slice(-3000)}`));
      else resolve({ seconds, peakPssKb, peakProcesses });
    });
  });
}

export interface PlanCostProps {
  readonly terraform: TerraformCli;
  readonly source: ProviderSource;
  /** Folder for the offline copy and the plugin cache; reused across runs of the same stack. */
  readonly folder: string;
}

/**
 * Prepares an offline copy of a stack (as `npm run tf:check` does) and runs `terraform init` once; the
 * returned function runs one timed, sampled `terraform plan`.
 */
export async function preparePlan(stack: Json, props: PlanCostProps): Promise<() => Promise<Run>> {
  const { terraform, source, folder } = props;
  mkdirSync(join(folder, 'plugin-cache'), { recursive: true });
  writeFileSync(join(folder, 'terraform.rc'), cliConfig(source, join(folder, 'plugin-cache')));
  const copy = validationCopy(stack, providerChoice(stack, source));
  writeFileSync(join(folder, 'cdk.tf.json'), JSON.stringify(offlineCopy(copy.json)));
  const env = terraformEnv(process.env, join(folder, 'terraform.rc'));
  await sampled(terraform.binary, ['init', '-backend=false', '-input=false', '-no-color'], folder, env);
  return () => sampled(terraform.binary, ['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color'], folder, env);
}

/**
 * Least-squares polynomial y = c[0] + c[1]·x + ... + c[degree]·x^degree (normal equations, Gaussian
 * elimination with partial pivoting). Plan time grows faster than linearly with providers (degree 2); memory
 * linearly (degree 1).
 */
export function fitPolynomial(points: ReadonlyArray<readonly [number, number]>, degree: number): number[] {
  const size = degree + 1;
  if (new Set(points.map(([x]) => x)).size < size) throw new Error(`a degree-${degree} fit needs at least ${size} points with different x`);
  const a = Array.from({ length: size }, (_, i) => [
    ...Array.from({ length: size }, (_, j) => points.reduce((s, [x]) => s + x ** (i + j), 0)),
    points.reduce((s, [x, y]) => s + y * x ** i, 0),
  ]);
  for (let col = 0; col < size; col++) {
    const pivot = a.slice(col).reduce((best, row, k) => (Math.abs(row[col]!) > Math.abs(a[best]![col]!) ? col + k : best), col);
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let row = 0; row < size; row++) {
      if (row === col) continue;
      const factor = a[row]![col]! / a[col]![col]!;
      for (let k = col; k <= size; k++) a[row]![k]! -= factor * a[col]![k]!;
    }
  }
  return a.map((row, i) => row[size]! / row[i]!);
}

/** A fitted polynomial's value at x. */
export const evaluatePolynomial = (c: readonly number[], x: number) => c.reduce((sum, ci, i) => sum + ci * x ** i, 0);
