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
    'Arguments removed, in the temporary copy only, from stacks that have them, when the provider build predates them:',
    ...NEWER_ONLY_ARGUMENTS.map((a) => `  ${a.resourceType}.${a.argument}: since hashicorp/aws ${a.since} (${a.source})`),
  ].join('\n');
}

/** The provider build a stack was checked with, and the stack's pin when that differs. */
function providerLine(result: StackResult): string {
  const version = result.providerVersion ?? 'not installed';
  if (!result.pinned) return `hashicorp/aws ${version}`;
  return result.ok ? `validated with hashicorp/aws ${version}, pinned ${result.pinned}` : `checked with hashicorp/aws ${version}, pinned ${result.pinned}`;
}

/** One block for verify's report: the verdict, the provider build, the step times, Terraform's errors. */
export function validationSummary(result: StackResult): string {
  const steps = result.steps.map((s) => `${s.step} ${seconds(s.seconds)}`).join(', ');
  const head = `terraform validate: ${result.ok ? 'ok' : 'FAILED'} (${providerLine(result)}; ${steps})`;
  const errors = result.steps.filter((s) => s.error).map((s) => s.error!.replace(/^/gm, '| '));
  return [head, ...errors, ...(result.ok ? [] : [`working folder kept: ${result.folder}`])].join('\n');
}

export function stackReport(result: StackResult): string {
  const lines = [
    `${result.ok ? 'ok  ' : 'FAIL'} ${result.name}: ${providerLine(result)}`,
    ...result.removals.map((r) => `       removed ${r.address}.${r.argument} (unknown before hashicorp/aws ${r.since})`),
  ];
  for (const step of result.steps) {
    const extra = step.toCreate !== undefined ? `  ${step.toCreate} to create` : '';
    lines.push(`       ${step.ok ? 'ok  ' : 'FAIL'} ${step.step.padEnd(24)} ${seconds(step.seconds).padStart(7)}${extra}`);
    if (step.error) lines.push(step.error.replace(/^/gm, '         | '));
  }
  if (result.providerProcess) lines.push(`       ${providerProcessLine(result.providerProcess)}`);
  if (!result.ok) lines.push(`       working folder kept: ${result.folder}`);
  return lines.join('\n');
}

/** Whether validate and the mocked apply shared one provider process (provider-server.ts), and how much it served. */
export function providerProcessLine(process: NonNullable<StackResult['providerProcess']>): string {
  if ('requests' in process) return `one provider process for validate and the mocked apply: ${process.requests} calls served`;
  return `a provider process per configuration (the shared one could not start: ${process.notUsed.split('\n')[0]})`;
}

export function runSummary(results: readonly StackResult[], totalSeconds: number): string {
  const failed = results.filter((r) => !r.ok).map((r) => r.name);
  return `real-Terraform check: ${results.length - failed.length} passed, ${failed.length} failed (${seconds(totalSeconds)})${failed.length ? `: ${failed.join(', ')}` : ''}`;
}
