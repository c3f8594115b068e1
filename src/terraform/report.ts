/** What the real-Terraform check prints: per stack, the provider build, each step's verdict and time, and Terraform's errors. */
import { StackResult } from './check';
import { NEWER_ONLY_ARGUMENTS } from './provider-compat';
import { ProviderSource, TerraformCli } from './toolchain';

const seconds = (s: number) => `${s.toFixed(1)} s`;

/** The run's header: Terraform, where the provider comes from, and the arguments removed for older builds. */
export function runHeader(terraform: TerraformCli, source: ProviderSource): string {
  const from = source.kind === 'mirror' ? `local mirror ${source.dir} (${source.how}; holds ${source.versions.join(', ')})` : 'the public registry';
  return [
    `Terraform ${terraform.version} (${terraform.binary}); hashicorp/aws from ${from}`,
    'Arguments removed, in the temporary copy only, when the provider build predates them:',
    ...NEWER_ONLY_ARGUMENTS.map((a) => `  ${a.resourceType}.${a.argument}: since hashicorp/aws ${a.since} (${a.source})`),
  ].join('\n');
}

export function stackReport(result: StackResult): string {
  const version = result.providerVersion ?? 'not installed';
  const lines = [
    `${result.ok ? 'ok  ' : 'FAIL'} ${result.name}: ` +
      (result.pinned ? `validated with hashicorp/aws ${version}, pinned ${result.pinned}` : `hashicorp/aws ${version}`),
    ...result.removals.map((r) => `       removed ${r.address}.${r.argument} (unknown before hashicorp/aws ${r.since})`),
  ];
  for (const step of result.steps) {
    const extra = step.toCreate !== undefined ? `  ${step.toCreate} to create` : '';
    lines.push(`       ${step.ok ? 'ok  ' : 'FAIL'} ${step.step.padEnd(24)} ${seconds(step.seconds).padStart(7)}${extra}`);
    if (step.error) lines.push(step.error.replace(/^/gm, '         | '));
  }
  if (!result.ok) lines.push(`       working folder kept: ${result.folder}`);
  return lines.join('\n');
}

export function runSummary(results: readonly StackResult[], totalSeconds: number): string {
  const failed = results.filter((r) => !r.ok).map((r) => r.name);
  return `real-Terraform check: ${results.length - failed.length} passed, ${failed.length} failed (${seconds(totalSeconds)})${failed.length ? `: ${failed.join(', ')}` : ''}`;
}
