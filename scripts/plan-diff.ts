// Compares the synthesized stacks of two cdktf.out folders, apart from cdktf's metadata (`//` keys):
//   npm run plan-diff -- <before-dir> [<after-dir> (default: cdktf.out)]
// Prints, per environment, "identical" or each path whose value differs. Exit 1 when any differs.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { planDifferences } from '../src/plan/plan-diff';

const [before, after = 'cdktf.out'] = process.argv.slice(2);
if (!before) {
  console.error('usage: npm run plan-diff -- <before-dir> [<after-dir>]');
  process.exit(2);
}
const stacks = (dir: string) => (existsSync(join(dir, 'stacks')) ? readdirSync(join(dir, 'stacks')).sort() : []);
const names = [...new Set([...stacks(before), ...stacks(after)])].sort();
let differs = false;
for (const name of names) {
  const read = (dir: string) => {
    const file = join(dir, 'stacks', name, 'cdk.tf.json');
    if (!existsSync(file)) return undefined;
    const json = JSON.parse(readFileSync(file, 'utf8'));
    // cdktf writes the local state file's absolute path: compare where it is inside the checkout.
    const local = json.terraform?.backend?.local;
    if (local?.path) local.path = basename(local.path);
    return json;
  };
  const differences = planDifferences(read(before), read(after));
  differs ||= differences.length > 0;
  console.log(differences.length ? `${name}: ${differences.length} difference(s)\n${differences.map((d) => `  ${d}`).join('\n')}` : `${name}: identical`);
}
process.exit(differs ? 1 : 0);
