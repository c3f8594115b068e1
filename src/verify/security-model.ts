import type { Verification } from './index';

/** Where the generated table sits in docs/security.md. */
export const SECURITY_MODEL_MARKERS = ['<!-- security-model:start (npm run security-model) -->', '<!-- security-model:end -->'] as const;

export interface SecurityModelProps {
  /** The tooling account. */
  readonly tooling: string;
  /** Prefix of the environment's role names (`<workload>-<env>`), left out of the table. */
  readonly prefix: string;
}

/**
 * The "who can, who cannot" table of docs/security.md, made from verifications' paths: one row per kind of principal
 * (a role of the tooling account, a role every target account has, an outsider, a service), listing the
 * actions verify proved allowed and those it proved denied.
 */
export function securityModelTable(verifications: ReadonlyArray<{ verification: Verification; props: SecurityModelProps }>): string {
  const rows = new Map<string, { allow: Set<string>; deny: Set<string> }>();
  for (const { verification, props } of verifications) {
    for (const path of verification.access) {
      const who = principalKind(path.principal, props);
      const row = rows.get(who) ?? { allow: new Set(), deny: new Set() };
      row[path.expect].add(claim(path.why, props));
      rows.set(who, row);
    }
  }
  // A denial every role of the plan shares is one row, not a repetition in each.
  const roleRows = [...rows.entries()].filter(([who]) => who.startsWith('role '));
  const shared = [...(roleRows[0]?.[1].deny ?? [])].filter((c) => roleRows.every(([, r]) => r.deny.has(c)));
  for (const [, r] of roleRows) for (const c of shared) r.deny.delete(c);
  if (roleRows.length > 1 && shared.length) rows.set('every role above', { allow: new Set(), deny: new Set(shared) });
  const cell = (claims: Set<string>) => (claims.size ? [...claims].sort().join('; ') : '-');
  return [
    '| who | proved allowed | proved denied |',
    '|---|---|---|',
    ...[...rows.entries()].map(([who, r]) => `| ${who} | ${cell(r.allow)} | ${cell(r.deny)} |`),
  ].join('\n');
}

/** A path's reason without the account, region and deployment it was evaluated for. */
function claim(why: string, props: SecurityModelProps): string {
  const region = '[a-z]{2}(?:-gov)?-[a-z]+-\\d';
  return why
    .replace(/ \([^)]*\)/g, '')
    .replace(/ (of|for) \d{12}-[a-z0-9-]+-(prepare|execute|deploy)\b/g, '')
    .replace(/\b\d{12}-[a-z0-9-]+-(prepare|execute|deploy)\b/g, 'each deployment')
    .replace(new RegExp(`\\b${props.prefix}-`, 'g'), '')
    .replace(/for arn:aws:lambda:\S+/g, "for the target accounts' functions")
    .replace(/(a role|a function) named \S+ in an unrelated account/g, '$1 named like ours in an unrelated account')
    .replace(/role of target account \d{12}/g, 'role of a target account')
    .replace(new RegExp(`to ${region}\\b`, 'g'), 'to each deploy region')
    .replace(new RegExp(`(the )?${region} artifacts`, 'g'), "any region's artifacts")
    .replace(new RegExp(`, ${region} store`, 'g'), ', each regional store')
    .replace(/\brole (\S+)/g, (_m, name: string) => `role ${name.startsWith(`${props.prefix}-`) ? name.slice(props.prefix.length + 1) : name}`)
    .replace(/\b\d{12}\b/g, (account) => (account === props.tooling ? 'tooling' : 'a target'));
}

function principalKind(label: string, props: SecurityModelProps): string {
  const where = (account: string) => (account === props.tooling ? 'tooling' : 'each target');
  // The boundary's ceiling: which role of the account stands in for it does not matter, the account's boundary does.
  const ceiling = /^role \S+ \((\d{12})\) given (\S+)$/.exec(label);
  if (ceiling) return `any role under the role boundary (${where(ceiling[1]!)}), given ${ceiling[2]}`;
  const role = /^role (\S+) \((\d{12})\)$/.exec(label);
  if (role) {
    const name = role[1]!.startsWith(`${props.prefix}-`) ? role[1]!.slice(props.prefix.length + 1) : role[1]!;
    return `role \`${name}\` (${where(role[2]!)})`;
  }
  if (/^a role of unrelated account \d{12} named /.test(label)) return label.replace(/ named \S+$/, ' named like a role of ours');
  return label
    .replace(/arn:aws:iam::(\d{12}):role\/(\S+)/g, (_m, account: string, name: string) => `\`${name}\` (${where(account)})`)
    .replace(/\b\d{12}\b/g, (account) => (account === props.tooling ? 'tooling' : account));
}
