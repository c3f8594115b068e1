import type { CiSetup } from './setup';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const roleFile = (account: string, name: string, kind: 'trust' | 'policy') => `roles/${account}-${name}.${kind}.json`;

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
  const accounts = [...new Set(setup.roles.map((r) => r.account))].sort();
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
    '    aws iam update-assume-role-policy --role-name "$1" --policy-document "file://$2"',
    '  else',
    '    aws iam create-role --role-name "$1" --assume-role-policy-document "file://$2" >/dev/null',
    '  fi',
    '  aws iam put-role-policy --role-name "$1" --policy-name ci --policy-document "file://$3"',
    '  echo "role $1 ready"',
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
      ...setup.roles.filter((r) => r.account === account).map((r) => `    role ${r.name} ${roleFile(account, r.name, 'trust')} ${roleFile(account, r.name, 'policy')}`),
      '    ;;',
    ]),
    '  *) echo "account $account has no part in this setup" >&2; exit 1 ;;',
    'esac',
    '',
  ].join('\n');
  files['apply.sh'] = script;
  files['README.md'] = readme(setup, accounts);
  return files;
}

function readme(setup: CiSetup, accounts: readonly string[]): string {
  return [
    `# CI setup of ${setup.environment} (${setup.system === 'github' ? 'GitHub Actions' : 'HCP Terraform'})`,
    '',
    `Run \`bash apply.sh <account>\` once per account (${accounts.join(', ')}) with its administrator credentials.`,
    '',
    '| account | role | for |',
    '|---|---|---|',
    ...setup.roles.map((r) => `| ${r.account} | \`${r.name}\` | ${r.purpose} |`),
    '',
    '## Variables',
    '',
    ...setup.variables.map((v) => `- ${v.scope}: \`${v.name}=${v.value}\``),
    ...(setup.secrets.length ? ['', '## Secrets', '', ...setup.secrets.map((s) => `- ${s.scope}: \`${s.name}\`: ${s.what}`)] : []),
    '',
    '## Before the first run',
    '',
    ...setup.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}
