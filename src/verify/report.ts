import type { Verification } from './index';

const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** What the terminal shows: counts, every failure with its fix, and the rule table. */
export function terminalReport(v: Verification): string {
  const allowed = v.access.filter((a) => a.expect === 'allow');
  const denied = v.access.filter((a) => a.expect === 'deny');
  const lines = [
    `${mark(v.ok)} ${v.name}: ${allowed.filter((a) => a.ok).length}/${allowed.length} needed paths allowed, ` +
      `${denied.filter((a) => a.ok).length}/${denied.length} forbidden paths denied, ${v.rules.filter((r) => r.ok).length}/${v.rules.length} rules pass` +
      (v.terraform ? `, terraform validate ${v.terraform.ok ? 'ok' : 'FAILED'}` : ''),
    ...(v.terraform ? [`  ${v.terraform.summary.replace(/\n/g, '\n  ')}`] : []),
  ];
  for (const a of v.access.filter((x) => !x.ok)) {
    lines.push(`  FAIL path (${a.expect === 'allow' ? 'must be allowed' : 'must be denied'}): ${a.principal} -> ${a.action} ${a.resource}`, `       ${a.decision}: ${a.explanation}`);
  }
  lines.push(
    table([
      ['  rule', 'result', 'refs'],
      ...v.rules.map((r) => [`  ${r.rule.id}`, mark(r.ok), r.rule.refs.join(', ')]),
    ]),
  );
  for (const r of v.rules.filter((x) => !x.ok)) {
    for (const f of r.findings) lines.push(`  FAIL ${r.rule.id} ${f.address}: ${f.message}. Fix: ${r.rule.fix}`);
  }
  return lines.join('\n');
}

const escape = (s: string) => s.replace(/\|/g, '\\|');

/** The Markdown report written next to the synthesized stacks. */
export function markdownReport(v: Verification): string {
  const out = [
    `# Verify report: ${v.name}`,
    '',
    `**${v.ok ? 'PASS' : 'FAIL'}**: ${v.access.filter((a) => a.ok).length}/${v.access.length} access paths as expected, ${v.rules.filter((r) => r.ok).length}/${v.rules.length} rules pass` +
      (v.terraform ? `, terraform validate ${v.terraform.ok ? 'ok' : 'FAILED'}.` : '.'),
    '',
    ...(v.terraform ? ['```', v.terraform.summary, '```', ''] : []),
    '## Access matrix',
    '',
    'Evaluated with @cloud-copilot/iam-simulate over the identity and resource policies of the plan.',
    '',
    '| result | expected | principal | action | resource | why | decision / fix |',
    '|---|---|---|---|---|---|---|',
    ...v.access.map(
      (a) =>
        `| ${mark(a.ok)} | ${a.expect} | ${escape(a.principal)} | \`${a.action}\` | \`${escape(a.resource)}\` | ${escape(a.why)} | ${a.decision}${a.explanation ? `: ${escape(a.explanation)}` : ''} |`,
    ),
    '',
    '## Security baseline',
    '',
    '| result | rule | why | fix | maps to | findings |',
    '|---|---|---|---|---|---|',
    ...v.rules.map(
      (r) =>
        `| ${mark(r.ok)} | **${r.rule.id}**: ${escape(r.rule.title)} | ${escape(r.rule.reason)} | ${escape(r.rule.fix)} | ${r.rule.refs.join(', ') || '-'} | ${r.findings.map((f) => `\`${f.address}\`: ${escape(f.message)}`).join('<br>') || '-'} |`,
    ),
    '',
  ];
  return out.join('\n');
}

/**
 * Every path and rule a verification ran, one per line and sorted: what tests pin per shipped environment,
 * so a family of checks cannot vanish unseen.
 */
export function inventory(v: Verification): string {
  const paths = v.access.map((a) => `${a.expect} | ${a.principal} | ${a.action} | ${a.resource} | ${a.why}`);
  const rules = v.rules.map((r) => `rule | ${r.rule.id}`);
  return `${[...new Set(paths)].sort().concat(rules).join('\n')}\n`;
}
