/**
 * The access matrix of a large plan evaluated on every core: the IAM engine is CPU-bound and single-threaded,
 * and a plan of 200 target accounts asks it about 10,000 questions. Each worker derives the same checks from
 * the plan (accessChecks is deterministic) and evaluates its shard; the results are put back in order.
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { AccessModel, AccessResult, Shard, accessChecks, checkAccess, evaluateChecks } from './access';
import { Plan, StackJson } from '../plan/plan';

interface ShardRequest {
  readonly json: StackJson;
  readonly shard: Shard;
}

/** Checks a worker must take to be worth its start-up (about 0.3 s to load the bundle and the engine's data). */
const CHECKS_PER_WORKER = 1000;

/** Whether this thread was started to evaluate a shard. */
export const isShardWorker = (): boolean => !isMainThread && (workerData as ShardRequest | undefined)?.shard !== undefined;

/** In a worker: evaluates the shard it was given and posts the results. */
export async function serveShard(): Promise<void> {
  const { json, shard } = workerData as ShardRequest;
  parentPort!.postMessage(await checkAccess(new Plan(json), shard));
}

/** Results of one shard evaluated by `script` (a bundle whose entry calls serveShard in a worker). */
function inWorker(script: string, request: ShardRequest): Promise<AccessResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: request });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`access-check worker ${request.shard.index} exited with code ${code}`)));
  });
}

/**
 * Every check of the plan, evaluated in shards: this thread takes shard 0, workers running `script` the
 * others. `threads` fixes their number; by default one per core, as long as each takes CHECKS_PER_WORKER.
 * Fails (never returns fewer results) if any worker fails or returns a shard of the wrong size.
 */
export async function checkAccessOnAllCores(json: StackJson, script: string, threads?: number): Promise<AccessResult[]> {
  const plan = new Plan(json);
  const checks = accessChecks(new AccessModel(plan));
  const expected = checks.length;
  const count = threads ?? Math.max(1, Math.min(availableParallelism(), Math.floor(expected / CHECKS_PER_WORKER)));
  if (count === 1) return evaluateChecks(checks);
  const shards = await Promise.all(
    Array.from({ length: count }, (_, index) => (index === 0 ? evaluateChecks(checks, { index, count }) : inWorker(script, { json, shard: { index, count } }))),
  );
  const results: AccessResult[] = new Array(expected);
  shards.forEach((shard, index) => shard.forEach((result, j) => (results[j * count + index] = result)));
  const total = shards.reduce((n, s) => n + s.length, 0);
  if (total !== expected || results.some((r) => r === undefined)) {
    throw new Error(`the access-check shards do not add up: ${shards.map((s) => s.length).join(' + ')} results for ${expected} checks`);
  }
  return results;
}
