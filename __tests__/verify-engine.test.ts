import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AccessModel, PolicyCache, accessChecks, checkAccess, evaluate } from '../src/verify/access';
import { Plan } from '../src/plan/plan';
import { synth } from './support';

type Json = Record<string, any>;
const { json: example } = synth();

/** The example with an execution role that may do anything but read IAM (NotAction): escalation paths open. */
function withNotActionGrant(): Json {
  const json = structuredClone(example);
  const policies = json.resource.aws_iam_role_policy as Record<string, Json>;
  const [, target] = Object.entries(policies).find(([name]) => name.includes('cfn-exec') || name.includes('execution'))!;
  const policy = JSON.parse(target.policy);
  policy.Statement.push({ Sid: 'EverythingButReads', Effect: 'Allow', NotAction: ['iam:Get*', 'iam:List*'], Resource: '*' });
  target.policy = JSON.stringify(policy);
  return json;
}

describe('the access matrix asks the IAM engine what it would answer on the whole policies', () => {
  // Oracle: @cloud-copilot/iam-simulate on every policy as written. Trimming statements whose Action does not
  // match, and answering "implicitly denied" when no statement concerns the action, must never change a decision.
  it.each([
    ['the example', () => example, false],
    ['the example with a NotAction grant to an execution role', withNotActionGrant, true],
  ])('%s: every check gets the same decision trimmed and whole', async (_, plan, opened) => {
    const checks = accessChecks(new AccessModel(new Plan(plan())));
    const trimmed = new PolicyCache();
    const whole = new PolicyCache(false);
    const decisions = async (cache: PolicyCache) => (await Promise.all(checks.map((c) => evaluate(c, cache)))).map((r) => `${r.why} | ${r.action} | ${r.resource}: ${r.decision}`);
    const [fast, oracle] = [await decisions(trimmed), await decisions(whole)];
    expect(fast).toEqual(oracle);
    // The mutation must be seen by both: some forbidden path is now allowed.
    expect(oracle.filter((d) => d.endsWith('Allowed')).length < fast.length).toBe(true);
    if (opened) expect(checks.filter((c, i) => c.expect === 'deny' && oracle[i]!.endsWith('Allowed')).length).toBeGreaterThan(0);
  });

  it('a NotAction grant opens escalation paths that verify reports, with the statement as written', async () => {
    const results = await checkAccess(new Plan(withNotActionGrant()));
    const opened = results.filter((r) => !r.ok);
    expect(opened.map((r) => r.why)).toContain('no role creates keys');
    expect(opened.find((r) => r.why === 'no role creates keys')?.explanation).toMatch(/statement EverythingButReads/);
  });

  it('shards add up to the whole matrix, in order', async () => {
    const plan = new Plan(example);
    const whole = await checkAccess(plan);
    const shards = await Promise.all([0, 1, 2].map((index) => checkAccess(plan, { index, count: 3 })));
    const merged = whole.map((_, i) => shards[i % 3]![Math.floor(i / 3)]);
    expect(merged).toEqual(whole);
    expect(shards.reduce((n, s) => n + s.length, 0)).toBe(whole.length);
  });

  it('npm run verify reports the same with the matrix spread over worker threads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-threads-'));
    const file = join(dir, 'cdk.tf.json');
    writeFileSync(file, JSON.stringify(example));
    const report = (threads: number) => {
      const run = spawnSync('bash', ['bin/run', 'verify.ts', '--no-terraform', '--threads', String(threads), '--plan', file], { encoding: 'utf8', env: { ...process.env, CDKTF_OUTDIR: join(dir, `out-${threads}`) } });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      return readFileSync(join(dir, `out-${threads}`, 'verify', `${basename(dir)}.md`), 'utf8');
    };
    expect(report(3)).toEqual(report(1));
  });
});
