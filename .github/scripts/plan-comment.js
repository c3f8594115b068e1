// Posts or updates one pull-request comment per environment with its plan and verify report.
// Called from actions/github-script: require('./.github/scripts/plan-comment.js')({ github, context, environment, planFile, reportFile }).
const fs = require('node:fs');

const LIMIT = 60000; // GitHub allows 65,536 characters per comment.

function section(title, file, fence) {
  if (!fs.existsSync(file)) return `### ${title}\n\n_not produced: see the job log_\n`;
  // Colour codes would show as noise in a comment, whatever the tool forgot to turn off.
  let text = fs.readFileSync(file, 'utf8').replace(/\u001b\[[0-9;]*m/g, '');
  if (text.length > LIMIT / 2) text = `${text.slice(0, LIMIT / 2)}\n... (truncated, full text in the job log)`;
  return fence ? `### ${title}\n\n\`\`\`\n${text}\n\`\`\`\n` : `### ${title}\n\n${text}\n`;
}

module.exports = async ({ github, context, environment, planFile, reportFile }) => {
  const marker = `<!-- cross-account-pipeline:${environment} -->`;
  const body = [marker, `## Environment \`${environment}\``, section('Plan', planFile, true), section('Verify', reportFile, false)].join('\n');
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  // Anyone can post a comment starting with the marker: only the workflow's own (a bot's) are updated.
  const existing = comments.find((c) => c.user && c.user.type === 'Bot' && c.body && c.body.startsWith(marker));
  if (existing) await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
  else await github.rest.issues.createComment({ owner, repo, issue_number, body });
};
