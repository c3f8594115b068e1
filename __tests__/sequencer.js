/**
 * jest's order of test files, but for a run jest has no timings for (a fresh clone, as CI's is): there jest goes by
 * file size, which started the short files that run the real AWS CLI and real Terraform (the longest to run) late,
 * and one of them ran alone at the end. Without timings, the files that use the real-client helpers (real-clients.ts,
 * shared-terraform.ts) go first, each group in jest's order. With timings, jest's order: failed first, then longest.
 */
const { readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

const REAL_CLIENTS = /from '\.\/(real-clients|shared-terraform)'/;

class RealClientsFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    if (sorted.some((test) => test.duration != null)) return sorted;
    const real = (test) => REAL_CLIENTS.test(readFileSync(test.path, 'utf8'));
    return [...sorted.filter(real), ...sorted.filter((test) => !real(test))];
  }
}

module.exports = RealClientsFirst;
