// Runs a synthesized stack in its HCP Terraform workspace through the API (the API-driven run workflow):
// uploads the stack folder as a configuration version and queues a run. A pull request's run is speculative
// (plan only); a default-branch run never auto-applies: it stops for confirmation in HCP Terraform, where a
// person whose team may apply confirms it. GitHub's token only needs to queue plans.
//   node .github/scripts/tfc-run.js <stack-dir> --speculative|--confirm-in-hcp [--out plan.txt]
// Token: TFE_TOKEN. Hostname, organization and workspace come from the stack's `cloud` block.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// Run states (HCP Terraform API, "Runs"): planned, cost_estimated, policy_checked and post_plan_completed are
// passed through while checks still run, so a run is done only when it says so: finished, waiting for a person
// (is-confirmable, a policy override, a run task decision), or failed.
const WAITING_FOR_A_PERSON = new Set(['policy_override', 'post_plan_awaiting_decision']);
const FAILED = new Set(['errored', 'canceled', 'force_canceled', 'discarded', 'policy_soft_failed']);
/** Polls a run may stay `pending` (queued behind another run of the workspace) before the job stops waiting. */
const PENDING_POLLS = 12;

/** Runs the stack in `dir`; `fetch`, `tar`, `sleep` and `log` are injectable for tests. Returns the run's summary. */
async function tfcRun({ dir, speculative, token, fetch = globalThis.fetch, tar = tarball, sleep = (ms) => new Promise((r) => setTimeout(r, ms)), log = console.log, pollMs = 5000, maxPolls = 720 }) {
  if (!token) throw new Error('TFE_TOKEN is empty: set the repository secret TF_PLAN_TOKEN (a team token with "plan" run access)');
  const cloud = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')).terraform?.cloud;
  if (!cloud?.organization || !cloud?.workspaces?.name) throw new Error(`${dir}/cdk.tf.json has no terraform.cloud block with organization and workspaces.name`);
  const host = cloud.hostname ?? 'app.terraform.io';
  const api = async (method, url, body) => {
    const response = await fetch(url.startsWith('http') ? url : `https://${host}/api/v2${url}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/vnd.api+json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status} ${await response.text()}`);
    return response.status === 204 ? {} : response.json();
  };
  const poll = async (url, status, done) => {
    for (let i = 0; i < maxPolls; i++) {
      const got = await api('GET', url);
      const s = status(got);
      if (done(s)) return got;
      await sleep(pollMs);
    }
    throw new Error(`${url}: still not finished after ${maxPolls} polls`);
  };

  const workspace = (await api('GET', `/organizations/${encodeURIComponent(cloud.organization)}/workspaces/${encodeURIComponent(cloud.workspaces.name)}`)).data;
  const cv = (await api('POST', `/workspaces/${workspace.id}/configuration-versions`, { data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false, speculative } } })).data;
  const upload = await fetch(cv.attributes['upload-url'], { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: tar(dir) });
  if (!upload.ok) throw new Error(`upload of the configuration failed: HTTP ${upload.status}`);
  const uploaded = await poll(`/configuration-versions/${cv.id}`, (r) => r.data.attributes.status, (s) => s === 'uploaded' || s === 'errored');
  if (uploaded.data.attributes.status === 'errored') throw new Error(`HCP Terraform could not ingest the configuration (configuration version ${cv.id} errored)`);
  const run = (
    await api('POST', '/runs', {
      data: {
        type: 'runs',
        attributes: { message: process.env.GITHUB_SHA ? `GitHub ${process.env.GITHUB_SHA.slice(0, 12)}` : 'cross-account-pipeline', 'auto-apply': false },
        relationships: { workspace: { data: { type: 'workspaces', id: workspace.id } }, 'configuration-version': { data: { type: 'configuration-versions', id: cv.id } } },
      },
    })
  ).data;
  const url = `https://${host}/app/${cloud.organization}/workspaces/${cloud.workspaces.name}/runs/${run.id}`;
  log(`run ${url}`);
  let pendingPolls = 0;
  const finished = (
    await poll(
      `/runs/${run.id}`,
      (r) => r.data,
      (data) => {
        const status = data.attributes.status;
        if (status === 'pending') pendingPolls++;
        if (FAILED.has(status) || status === 'planned_and_finished') return true;
        if (speculative) return false;
        return Boolean(data.attributes.actions?.['is-confirmable']) || WAITING_FOR_A_PERSON.has(status) || pendingPolls >= PENDING_POLLS;
      },
    )
  ).data;
  const status = finished.attributes.status;
  if (status === 'pending') {
    log(`the run is queued behind another run of the workspace; it will plan when that one ends: ${url}`);
    return { status, summary: `pending: ${url}`, text: `queued behind another run: ${url}`, url };
  }
  const plan = (await api('GET', `/runs/${run.id}/plan`)).data;
  const a = plan.attributes;
  const summary = `${status}: ${a['resource-additions'] ?? 0} to add, ${a['resource-changes'] ?? 0} to change, ${a['resource-destructions'] ?? 0} to destroy. ${url}`;
  let text = summary;
  if (a['log-read-url']) {
    const logResponse = await fetch(a['log-read-url']);
    if (logResponse.ok) text += `\n\n${(await logResponse.text()).replace(/\u001b\[[0-9;]*m/g, '')}`;
  }
  if (FAILED.has(status)) throw Object.assign(new Error(`run ${status}: ${url}`), { text });
  if (!speculative && status !== 'planned_and_finished') log(`confirm and apply it in HCP Terraform: ${url}`);
  return { status, summary, text, url };
}

function tarball(dir) {
  return execFileSync('tar', ['-czf', '-', '--exclude=.terraform', '-C', dir, '.'], { maxBuffer: 1 << 30 });
}

module.exports = { tfcRun };

if (require.main === module) {
  const [dir, mode, ...rest] = process.argv.slice(2);
  const out = rest[0] === '--out' ? rest[1] : undefined;
  if (!dir || !['--speculative', '--confirm-in-hcp'].includes(mode)) {
    console.error('usage: node .github/scripts/tfc-run.js <stack-dir> --speculative|--confirm-in-hcp [--out plan.txt]');
    process.exit(2);
  }
  tfcRun({ dir, speculative: mode === '--speculative', token: process.env.TFE_TOKEN }).then(
    (r) => {
      if (out) fs.writeFileSync(out, r.text);
      console.log(r.summary);
    },
    (err) => {
      if (out && err.text) fs.writeFileSync(out, err.text);
      console.error(err.message);
      process.exit(1);
    },
  );
}
