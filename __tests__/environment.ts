/**
 * The tests' environment: jest's node environment that collects the garbage once a test file is done with it.
 *
 * Why: a busy jest worker's V8 heap grows to about 1 GB, nearly all of it garbage (under 200 MB is live after a
 * collection), and a worker that ends its last file with that heap spends its exit in V8 tearing the heap down page
 * by page (Heap::TearDown, one munmap a page): on a loaded 2-core machine that took longer than the 500 ms
 * jest-worker gives a worker to exit, and jest force-exited it ("A worker process has failed to exit gracefully").
 * No handle was left open: every worker reached `beforeExit`. One full collection per test file keeps the heap to
 * what is live, so a worker exits at once; it costs about what it saves in later collections.
 */
import { TestEnvironment } from 'jest-environment-node';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// The collector as the --expose-gc flag gives it, taken from a context of its own; the flag is turned off again at
// once, so the tests' own contexts get no `gc` global.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
setFlagsFromString('--no-expose-gc');

export default class CollectingEnvironment extends TestEnvironment {
  override async teardown(): Promise<void> {
    await super.teardown();
    collectGarbage();
  }
}
