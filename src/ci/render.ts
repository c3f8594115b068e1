import type { CiSetup } from './setup';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const roleFile = (account: string, name: string, kind: 'trust' | 'policy') => `roles/${account}-${name}.${kind}.json`;
const policyFile = (account: string, name: string) => `policies/${account}-${name}.json`;

/**
 * The setup as files ready to apply: each role's trust and permission policy as JSON, a script that applies one
 * account's part with that account's credentials (it checks it runs in that account), and a README.
 */
export function renderSetup(setup: CiSetup): Record<string, string> {
  const files: Record<string, string> = {};
  for (const role of setup.roles) {
    files[roleFile(role.account, role.name, 'trust')] = json(role.trust);
    files[roleFile(role.account, role.name, 'policy')] = json(role.permissions);
  }
  for (const p of setup.policies) files[policyFile(p.account, p.name)] = json(p.document);
  const accounts = [...new Set([...setup.roles, ...setup.policies].map((r) => r.account))].sort();
  const script = [
    '#!/usr/bin/env bash',
    `# Applies the ${setup.system === 'github' ? 'GitHub Actions' : 'HCP Terraform'} setup of environment ${setup.environment} in ONE account:`,
    '#   bash apply.sh <account-id>   (with that account\'s administrator credentials)',
    'set -euo pipefail',
    'cd "$(dirname "$0")"',
    'account=${1:?usage: bash apply.sh <account-id>}',
    'actual=$(aws sts get-caller-identity --query Account --output text)',
    '[[ $actual == "$account" ]] || { echo "these credentials are for account $actual, not $account" >&2; exit 1; }',
    'role() { # name trust-file policy-file',
    '  if aws iam get-role --role-name "$1" >/dev/null 2>&1; then',
    '    # A role with other policies would keep rights this setup does not give it (a plan role that can write).',
    '    local attached inline',
    '    attached=$(aws iam list-attached-role-policies --role-name "$1" --query "AttachedPolicies[].PolicyArn" --output text)',
    '    inline=$(aws iam list-role-policies --role-name "$1" --query "PolicyNames[?@ != \'ci\']" --output text)',
    '    [[ -z $attached && -z $inline ]] || { echo "role $1 exists with other policies ($attached $inline): remove them or choose another role name" >&2; exit 1; }',
    '    aws iam update-assume-role-policy --role-name "$1" --policy-document "file://$2"',
    '  else',
    '    aws iam create-role --role-name "$1" --assume-role-policy-document "file://$2" >/dev/null',
    '  fi',
    '  aws iam put-role-policy --role-name "$1" --policy-name ci --policy-document "file://$3"',
    '  echo "role $1 ready"',
    '}',
    'policy() { # name document-file',
    '  local arn="arn:aws:iam::$account:policy/$1"',
    '  if aws iam get-policy --policy-arn "$arn" >/dev/null 2>&1; then',
    '    # IAM keeps at most five versions of a managed policy: the oldest one that is not the default makes room.',
    '    if [[ $(aws iam list-policy-versions --policy-arn "$arn" --query "length(Versions)" --output text) -ge 5 ]]; then',
    '      aws iam delete-policy-version --policy-arn "$arn" --version-id "$(aws iam list-policy-versions --policy-arn "$arn" --query "sort_by(Versions[?!IsDefaultVersion], &CreateDate)[0].VersionId" --output text)"',
    '    fi',
    '    aws iam create-policy-version --policy-arn "$arn" --policy-document "file://$2" --set-as-default >/dev/null',
    '  else',
    '    aws iam create-policy --policy-name "$1" --policy-document "file://$2" >/dev/null',
    '  fi',
    '  echo "policy $1 ready"',
    '}',
    'oidc() { # url audience',
    '  local host=${1#https://}',
    '  if ! aws iam get-open-id-connect-provider --open-id-connect-provider-arn "arn:aws:iam::$account:oidc-provider/$host" >/dev/null 2>&1; then',
    '    aws iam create-open-id-connect-provider --url "$1" --client-id-list "$2" >/dev/null',
    '  fi',
    '  echo "OIDC provider $host ready"',
    '}',
    'case $account in',
    ...accounts.flatMap((account) => [
      `  ${account})`,
      ...setup.oidcProviders.filter((p) => p.account === account).map((p) => `    oidc ${p.url} ${p.audience}`),
      ...setup.policies.filter((p) => p.account === account).map((p) => `    policy ${p.name} ${policyFile(account, p.name)}`),
      ...setup.roles.filter((r) => r.account === account).map((r) => `    role ${r.name} ${roleFile(account, r.name, 'trust')} ${roleFile(account, r.name, 'policy')}`),
      '    ;;',
    ]),
    '  *) echo "account $account has no part in this setup" >&2; exit 1 ;;',
    'esac',
    '',
  ].join('\n');
  files['apply.sh'] = script;
  if (setup.github) files['github.sh'] = githubScript(setup.github);
  if (setup.guard) files[`guard/${setup.guard.account}-pipeline-guard.scp.json`] = json(setup.guard.policy);
  files['README.md'] = readme(setup, accounts);
  return files;
}

/** The repository settings the trust policies rely on, applied with the GitHub CLI (`gh auth login` as an admin). */
function githubScript(g: NonNullable<CiSetup['github']>): string {
  return [
    '#!/usr/bin/env bash',
    `# Repository settings the AWS trust policies of environment ${g.environment} rely on: run once with an admin's gh login.`,
    'set -euo pipefail',
    `repo=${g.repository}`,
    '# OIDC subjects that name the job\'s workflow file and ref (the trust policies match them exactly).',
    `gh api -X PUT "repos/$repo/actions/oidc/customization/sub" -F use_default=false ${g.subjectClaims.map((c) => `-f 'include_claim_keys[]=${c}'`).join(' ')}`,
    `# The environment the apply job runs in, deployable from ${g.defaultBranch} only. Add its required reviewers in the repository settings.`,
    `gh api -X PUT "repos/$repo/environments/${g.environment}" --input - <<'JSON'`,
    '{"deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}}',
    'JSON',
    `gh api -X POST "repos/$repo/environments/${g.environment}/deployment-branch-policies" -f name=${g.defaultBranch} -f type=branch >/dev/null || true`,
    `echo "now add required reviewers to environment ${g.environment}: https://github.com/$repo/settings/environments"`,
    '',
  ].join('\n');
}

function readme(setup: CiSetup, accounts: readonly string[]): string {
  return [
    `# CI setup of ${setup.environment} (${setup.system === 'github' ? 'GitHub Actions' : 'HCP Terraform'})`,
    '',
    `Run \`bash apply.sh <account>\` once per account (${accounts.join(', ')}) with its administrator credentials${setup.github ? ', and `bash github.sh` once with a repository admin\'s `gh` login' : ''}.`,
    '',
    '| account | role or policy | for |',
    '|---|---|---|',
    ...setup.roles.map((r) => `| ${r.account} | \`${r.name}\` | ${r.purpose} |`),
    ...setup.policies.map((p) => `| ${p.account} | \`${p.name}\` (policy) | ${p.purpose} |`),
    '',
    ...(setup.variables.length ? ['## Variables', '', ...setup.variables.map((v) => `- ${v.scope}: \`${v.name}=${v.value}\``)] : []),
    ...(setup.secrets.length ? ['', '## Secrets', '', ...setup.secrets.map((s) => `- ${s.scope}: \`${s.name}\`: ${s.what}`)] : []),
    '',
    '## Before the first run',
    '',
    ...setup.notes.map((n) => `- ${n}`),
    '',
    '## The pipeline guard',
    '',
    ...(setup.guard
      ? [
          `\`guard/${setup.guard.account}-pipeline-guard.scp.json\` is a service control policy for account ${setup.guard.account} (or its OU); attach it from the organization's management account. It keeps starting the builds to the pipeline role, changing the builds and the pipeline to the apply role, and starting, retrying, stopping and approving runs to the operators: ${setup.guard.operators.map((o) => `\`${o}\``).join(', ')}. SCPs do not limit the management account or AWS services acting with service principals (the push trigger starts runs that way).`,
        ]
      : ['Not written: give `--operator <role ARN>` (repeatable) for the roles that may start, retry and approve runs, and ci-setup writes the service control policy that keeps the builds and the pipeline to them (docs/security.md).']),
    '',
  ].join('\n');
}
