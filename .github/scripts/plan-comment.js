// Posts or updates one pull-request comment per stack with its plan and its environment's verify report.
// Called from actions/github-script: require('./.github/scripts/plan-comment.js')({ github, context, environment, planFile, reportFile, onlyOnChanges }).
// reportFile null: a target stack of a split environment, verified with its environment's main stack. onlyOnChanges:
// post a new comment only when the plan changes something (a split environment's many target stacks mostly do not).
const fs = require('node:fs');

const LIMIT = 60000; // GitHub allows 65,536 characters per comment.

/** What `terraform plan` prints when there is nothing to do (Terraform 1.x). */
const NO_CHANGES = 'No changes. Your infrastructure matches the configuration.';

function section(title, file, fence) {
  if (file === null) return `### ${title}\n\n_with the environment's main stack: see its comment_\n`;
  if (!fs.existsSync(file)) return `### ${title}\n\n_not produced: see the job log_\n`;
  // Colour codes would show as noise in a comment, whatever the tool forgot to turn off.
  let text = fs.readFileSync(file, 'utf8').replace(/\u001b\[[0-9;]*m/g, '');
  if (text.length > LIMIT / 2) text = `${text.slice(0, LIMIT / 2)}\n... (truncated, full text in the job log)`;
  return fence ? `### ${title}\n\n\`\`\`\n${text}\n\`\`\`\n` : `### ${title}\n\n${text}\n`;
}

module.exports = async ({ github, context, environment, planFile, reportFile, onlyOnChanges = false }) => {
  const marker = `<!-- cross-account-pipeline:${environment} -->`;
  const body = [marker, `## ${reportFile === null ? 'Target stack' : 'Environment'} \`${environment}\``, section('Plan', planFile, true), section('Verify', reportFile, false)].join('\n');
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  // Anyone can post a comment starting with the marker: only the workflow's own (a bot's) are updated.
  const existing = comments.find((c) => c.user && c.user.type === 'Bot' && c.body && c.body.startsWith(marker));
  if (existing) await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
  else if (!(onlyOnChanges && fs.existsSync(planFile) && fs.readFileSync(planFile, 'utf8').includes(NO_CHANGES))) await github.rest.issues.createComment({ owner, repo, issue_number, body });
};
