import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { providerMirrorEnv } from './shared-terraform';
import { example } from './support';

/** Runs an entry point exactly as cdktf.json and the npm scripts do, writing into a fresh output folder. */
function run(entry: string, args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cap-app-'));
  const outdir = join(dir, 'cdktf.out');
  // CI silences the summary; these tests set it where they mean to. verify's real-Terraform check takes the mirror the
  // run found once (TF_PROVIDER_MIRROR, shared-terraform.ts) instead of searching the file system.
  const mirror = entry === 'verify.ts' ? providerMirrorEnv() : {};
  const result = spawnSync('bash', ['bin/run', entry, ...args], { env: { ...process.env, ...mirror, CI: '', CDKTF_OUTDIR: outdir, TMPDIR: dir, ...env }, encoding: 'utf8' });
  return { run: result, outdir, dir };
}
const app = (args: string[], env: Record<string, string> = {}) => run('main.ts', args, env);

describe('the app, as cdktf runs it', () => {
  it('synthesizes the example offline and summarizes it', () => {
    const { run, outdir } = app(['--config', 'config/example.json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const stack = JSON.parse(readFileSync(join(outdir, 'stacks/example/cdk.tf.json'), 'utf8'));
    expect(Object.keys(stack.resource.aws_codepipeline)).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')).stacks.example).toBeDefined();
    expect(run.stdout).toMatch(/environment example: 48 resources, 5 providers/);
    expect(run.stdout).toMatch(/Source -> Build -> dev -> test -> prod\n/);
    expect(run.stdout).toMatch(/prod \(manual approval\): 444444444444\/eu-west-1, 444444444444\/us-east-1/);
    expect(run.stdout).toMatch(/111111111111 \(tooling\) +24 +12 +36/);
    expect(run.stdout).toMatch(/note: the GitHub connection is created PENDING/);
  });

  it('keeps quiet under CI unless asked for the summary', () => {
    expect(app(['-c', 'config/example.json'], { CI: 'true' }).run.stdout).toBe('');
    expect(app(['-c', 'config/example.json', '--summary'], { CI: 'true' }).run.stdout).toMatch(/^environment example: 48 resources/);
  });

  it('says when a big stage is split into waves', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cap-fleet-')), 'fleet.json');
    const doc = example();
    doc.stages[2]!.targets = Array.from({ length: 30 }, (_, i) => ({ account: String(500000000000 + i), regions: ['eu-west-1'] }));
    writeFileSync(file, JSON.stringify(doc));
    const { run } = app(['-c', file]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/note: stage prod has 30 deployments, more than one CodePipeline stage holds; split into waves prod\.1, prod\.2/);
  });

  it('takes environment files from PIPELINE_CONFIG when cdktf runs it without flags', () => {
    const { run, outdir } = app(['-q'], { PIPELINE_CONFIG: 'config/example.json' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(existsSync(join(outdir, 'stacks/example/cdk.tf.json'))).toBe(true);
  });

  it('stops on a bad file before writing anything, naming the file and field', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'cap-bad-')), 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...example(), tooling: { account: '42', region: 'eu-west-1' } }));
    const { run, outdir } = app(['-c', 'config/example.json', '-c', bad]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${bad}: invalid environment config`);
    expect(run.stderr).toMatch(/tooling\.account: must be a 12-digit AWS account id/);
    expect(existsSync(outdir)).toBe(false);
  });

  it('rejects unknown flags with the usage', () => {
    const { run, outdir } = app(['--confgi', 'x.json']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--confgi'[\s\S]*usage: npm run synth/);
    expect(existsSync(outdir)).toBe(false);
  });
});

describe('npm run verify', () => {
  // verify runs the real terraform validate: a provider process per configuration.
  jest.setTimeout(180_000);
  // The example synthesized once by the app, the stack file the hand-edit tests below start from (each edits a copy).
  let synthesized: string | undefined;
  const exampleStack = (): { stack: Record<string, any>; dir: string } => {
    synthesized ??= readFileSync(join(app(['-q', '-c', 'config/example.json']).outdir, 'stacks/example/cdk.tf.json'), 'utf8');
    return { stack: JSON.parse(synthesized), dir: mkdtempSync(join(tmpdir(), 'cap-app-')) };
  };
  // Without Terraform verify still runs every check of its own and says what it did not run; with Terraform
  // (next test, and npm run tf:check in .ci/run) the real terraform validate runs too.
  it('synthesizes every environment, verifies it, writes a Markdown report and exits 0, even without Terraform', () => {
    const { run: result, outdir } = run('verify.ts', ['--config', 'config/example.json'], { TERRAFORM_BINARY: '/nonexistent/terraform' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^terraform validate: not run, Terraform not found \(tried "\/nonexistent\/terraform".*The checks below do not need it\.$/m);
    expect(result.stdout).toMatch(/^PASS example: (\d+)\/\1 needed paths allowed, (\d+)\/\2 forbidden paths denied, (\d+)\/\3 rules pass/m);
    expect(readFileSync(join(outdir, 'verify/example.md'), 'utf8')).toMatch(/^# Verify report: example\n\n\*\*PASS\*\*/);
  });

  it('fails when real Terraform refuses the plan, with Terraform\'s message, file and line', () => {
    const { stack, dir } = exampleStack();
    const bucket = Object.values(stack.resource.aws_s3_bucket)[0] as Record<string, unknown>;
    bucket.bucket_typo = 'x';
    const edited = join(dir, 'typo.json');
    writeFileSync(edited, JSON.stringify(stack, null, 2));
    const { run: result, outdir: reports } = run('verify.ts', ['--plan', edited]);
    expect(result.status).toBe(1);
    // The headline and the report say it: every path and rule passes, yet Terraform refuses the plan.
    expect(result.stdout).toMatch(/^FAIL typo: (\d+)\/\1 needed paths allowed, (\d+)\/\2 forbidden paths denied, (\d+)\/\3 rules pass, terraform validate FAILED$/m);
    expect(result.stdout).toMatch(/^ {2}terraform validate: FAILED \((checked with )?hashicorp\/aws [\d.]+.*; init [\d.]+ s, validate [\d.]+ s\)$/m);
    expect(result.stdout).toMatch(/Error: Extraneous JSON object property/);
    expect(result.stdout).toMatch(/on cdk\.tf\.json line \d+, in resource\.aws_s3_bucket\.artifacts-eu-west-1_bucket_\w+:/);
    expect(readFileSync(join(reports, 'verify/typo.md'), 'utf8')).toMatch(/^\*\*FAIL\*\*: .*terraform validate FAILED\.$/m);
  });

  it('verifies a stack file edited by hand and exits 1 on a fault', () => {
    const { stack, dir } = exampleStack();
    const project = Object.values(stack.resource.aws_codebuild_project)[0] as Record<string, unknown>;
    delete project.encryption_key;
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, JSON.stringify(stack));
    const { run: result, outdir: reports } = run('verify.ts', ['--plan', edited, '--no-terraform']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^terraform validate: not run \(--no-terraform\)\.$/m);
    expect(result.stdout).toMatch(/^FAIL edited:/m);
    expect(result.stdout).toMatch(/FAIL CODEBUILD_PIPELINE_KEY aws_codebuild_project\.build_project_\w+: encryption_key is not set/);
    expect(existsSync(join(reports, 'verify/edited.md'))).toBe(true);
  });

  it('says which plan file it cannot read', () => {
    const { run: result } = run('verify.ts', ['--plan', 'nowhere/cdk.tf.json']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/nowhere\/cdk\.tf\.json: cannot read a synthesized stack/);
  });
});
