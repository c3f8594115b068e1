/**
 * The pipelines of a plan as chains (docs/scale.md, "Beyond one pipeline"): a pipeline that no other starts begins a
 * chain; a Continue stage's invoke action names the next. Rules that reason about the order of the waves (the
 * approval before prod) read a chain's wave stages as one pipeline's; the link stages (a continuation's release
 * source, the Continue stage) are neither prod nor deployments.
 */
import { CONTINUE_STAGE } from '../workloads/pipeline-layout';
import { Body, Plan, PlanResource } from './plan';

const startsOf = (pipeline: PlanResource): string[] =>
  (pipeline.body.stage ?? []).flatMap((s: Body) => (s.action ?? []).filter((a: Body) => a.category === 'Invoke' && a.provider === 'CodePipeline').map((a: Body) => String(a.configuration?.PipelineName)));

/** The pipelines in chains, each in order; a pipeline started by none begins one. */
export function pipelineChains(plan: Plan): PlanResource[][] {
  const pipelines = plan.ofType('aws_codepipeline');
  const byName = new Map(pipelines.map((p) => [String(p.body.name), p]));
  const started = new Set(pipelines.flatMap(startsOf));
  return pipelines
    .filter((p) => !started.has(String(p.body.name)))
    .map((root) => {
      const chain = [root];
      for (let next = startsOf(root)[0]; next && byName.has(next) && !chain.includes(byName.get(next)!); next = startsOf(chain.at(-1)!)[0]) chain.push(byName.get(next)!);
      return chain;
    });
}

/** A chain's stages that deploy, in order: every stage but a continuation's source and the Continue stages. */
export function chainStages(chain: readonly PlanResource[]): Body[] {
  return chain.flatMap((pipeline, i) => ((pipeline.body.stage ?? []) as Body[]).filter((s, j) => !(i > 0 && j === 0) && s.name !== CONTINUE_STAGE));
}

/**
 * What is wrong with the links of the plan's chains: a continuation must start from exactly the release its
 * predecessor writes, in its last stage after its waves, and only from it (no polling); every pipeline must be in
 * one chain (one started by several, or by one outside the plan, or a cycle, is not).
 */
export function chainProblems(plan: Plan): Array<{ address: string; message: string }> {
  const problems: Array<{ address: string; message: string }> = [];
  const pipelines = plan.ofType('aws_codepipeline');
  const chains = pipelineChains(plan);
  const inChains = new Set(chains.flat());
  for (const p of pipelines.filter((p) => !inChains.has(p))) problems.push({ address: p.address, message: `pipeline ${p.body.name} is started by a pipeline that is not in a chain from a source (a cycle)` });
  const starters = new Map<string, string[]>();
  for (const p of pipelines) for (const next of startsOf(p)) starters.set(next, [...(starters.get(next) ?? []), String(p.body.name)]);
  for (const [next, by] of starters) {
    if (by.length > 1) problems.push({ address: pipelines.find((p) => p.body.name === by[1])!.address, message: `pipeline ${next} is started by ${by.join(' and ')}: a continuation has one predecessor` });
    if (!pipelines.some((p) => p.body.name === next)) problems.push({ address: pipelines.find((p) => p.body.name === by[0])!.address, message: `starts pipeline ${next}, which is not in the plan` });
  }
  for (const chain of chains) {
    chain.forEach((pipeline, i) => {
      const stages: Body[] = pipeline.body.stage ?? [];
      const last = stages.at(-1);
      const starts = startsOf(pipeline);
      if (starts.length > (i + 1 < chain.length ? 1 : 0) || stages.slice(0, -1).some((s) => s.name === CONTINUE_STAGE)) {
        problems.push({ address: pipeline.address, message: 'starts another pipeline other than from its one last stage, Continue' });
      }
      if (i + 1 < chain.length) {
        const release = (last?.action ?? []).find((a: Body) => a.category === 'Deploy' && a.provider === 'S3');
        const start = (last?.action ?? []).find((a: Body) => a.category === 'Invoke' && a.provider === 'CodePipeline');
        if (last?.name !== CONTINUE_STAGE || !release || !start || (release.run_order ?? 1) >= (start.run_order ?? 1)) {
          problems.push({ address: pipeline.address, message: `starts ${chain[i + 1]!.body.name} without releasing its build first in its last stage, ${CONTINUE_STAGE}` });
          return;
        }
        const source: Body[] = chain[i + 1]!.body.stage?.[0]?.action ?? [];
        const from = source[0]?.configuration ?? {};
        if (source.length !== 1 || source[0]!.provider !== 'S3' || from.S3Bucket !== release.configuration?.BucketName || from.S3ObjectKey !== release.configuration?.ObjectKey || from.PollForSourceChanges !== 'false' || from.AllowOverrideForS3ObjectKey === 'true') {
          problems.push({ address: chain[i + 1]!.address, message: `does not start from exactly the release ${pipeline.body.name} writes (s3://${release.configuration?.BucketName}/${release.configuration?.ObjectKey}), without polling or key overrides` });
        }
      }
    });
  }
  return problems;
}
