/**
 * Beyond one pipeline's quotas (500 actions, 50 stages: AWS CodePipeline User Guide, "Quotas in AWS CodePipeline")
 * the waves continue in a chain of pipelines (docs/scale.md). verify proves the chain on the synthesized plan: each
 * continuation starts only from the release its predecessor writes after its waves, only the pipeline role writes
 * releases (IAM engine over the bucket policy), and the approval before prod holds across the chain.
 */
import { readFileSync } from 'node:fs';
import { verifyPlan } from '../src/verify';
import { Plan } from '../src/plan/plan';
import { AccessModel, accessChecks, evaluateChecks } from '../src/verify/access';
import { pipelineChains } from '../src/plan/pipeline-chain';
import { checkRules } from '../src/verify/rules';
import { pipelineGuard } from '../src/ci/pipeline-guard';
import { parseEnvironment } from '../src/environment/load';
import { synth } from './support';
import { warnings } from '../cli/summary';

type Json = Record<string, any>;
const FILE = 'config/example.json';
/**
 * 46 one-account stages, then prod in 75 accounts behind an approval (4 waves): 51 stages, more than one pipeline
 * holds, with the approval in the first pipeline and prod continuing in the second.
 */
function doc(): Json {
  const d = JSON.parse(readFileSync(FILE, 'utf8'));
  d.organization = { id: 'o-abcdefghij' };
  d.stages = [
    ...Array.from({ length: 46 }, (_, i) => ({ name: `dev${i + 1}`, targets: [{ account: String(200000000000 + i), regions: ['eu-west-1'] }] })),
    { name: 'prod', approval: true, targets: Array.from({ length: 75 }, (_, i) => ({ account: String(500000000000 + i), regions: ['eu-west-1'] })) },
  ];
  return d;
}
const { json, stack } = synth(doc() as never, FILE);
const copy = (): Json => JSON.parse(JSON.stringify(json));
const pipelines = (j: Json) => Object.values<Json>(j.resource.aws_codepipeline);
const findings = (j: Json, rule: string) => checkRules(new Plan(j as never)).filter((r) => r.rule.id === rule).flatMap((r) => r.findings.map((f) => f.message));

describe('a pipeline chain', () => {
  it('splits the waves over pipelines in order, the approval before the first prod wave', () => {
    const chain = pipelineChains(new Plan(json as never));
    expect(chain).toHaveLength(1);
    expect(chain[0]!.map((p) => p.body.name)).toEqual(['orders-api-example', 'orders-api-example-2']);
    // Source, Build, 46 stages and the first prod wave (with the approval) and Continue fill the first pipeline's 50 stages.
    const stages = chain[0]!.flatMap((p) => (p.body.stage as Json[]).map((s) => s.name));
    expect(stages).toEqual(['Source', 'Build', ...Array.from({ length: 46 }, (_, i) => `dev${i + 1}`), 'prod.1', 'Continue', 'Source', 'prod.2', 'prod.3', 'prod.4']);
    expect(chain[0]![0]!.body.stage[48].action.some((a: Json) => a.category === 'Approval')).toBe(true);
    expect(warnings(stack)).toContain("the waves need more than one pipeline's 500 actions or 50 stages: they continue in orders-api-example-2, each started from the build the one before released after its waves (docs/scale.md)");
  });

  it('passes verify: every path of both pipelines, the release written only by the pipeline role, every rule green', async () => {
    const v = await verifyPlan('chain', json as never);
    const failed = [...v.access.filter((a) => !a.ok).map((a) => `${a.why}: ${a.principal} ${a.action}`), ...v.rules.filter((r) => r.findings.length).map((r) => r.rule.id)];
    expect(failed).toEqual([]);
    const whys = v.access.map((a) => `${a.expect} ${a.why}`);
    for (const why of [
      'allow pipeline role releases the build to the next pipeline',
      'allow pipeline role starts the next pipeline',
      'deny an administrator of the tooling account cannot replace a release',
      'deny orders-api-example-image cannot replace a release',
    ]) expect(whys).toContain(why);
  });

  it('fails verify when a continuation could start from another build, or before the waves before it, or builds', () => {
    const builds = copy();
    pipelines(builds)[1]!.stage[1].action.push({ ...pipelines(builds)[0]!.stage[1].action[1], run_order: 9 });
    expect(findings(builds, 'SOURCE_COMMIT_ON_BRANCH')).toEqual([expect.stringMatching(/builds Image without the source check running before it/)]);
    const source = copy();
    pipelines(source)[1]!.stage[0].action[0].configuration.S3ObjectKey = 'orders-api-example/BuildOutput/unapproved.zip';
    expect(findings(source, 'PIPELINE_CHAIN')).toEqual([expect.stringMatching(/does not start from exactly the release orders-api-example writes/)]);
    const polled = copy();
    pipelines(polled)[1]!.stage[0].action[0].configuration.PollForSourceChanges = 'true';
    expect(findings(polled, 'PIPELINE_CHAIN')).toHaveLength(1);
    const early = copy();
    const first = pipelines(early)[0]!;
    const cont = first.stage.pop();
    first.stage.splice(2, 0, cont);
    expect(findings(early, 'PIPELINE_CHAIN').join('\n')).toMatch(/other than from its one last stage|without releasing its build first/);
  });

  it('fails verify when a release could be written by anyone but the pipeline role', async () => {
    const open = copy();
    for (const policy of Object.values<Json>(open.resource.aws_s3_bucket_policy)) {
      const doc = JSON.parse(policy.policy);
      doc.Statement = doc.Statement.filter((s: Json) => s.Sid !== 'OnlyThePipelineWritesReleases');
      policy.policy = JSON.stringify(doc);
    }
    // The release paths alone, evaluated by the IAM engine as verify does.
    const releasePaths = (j: Json) => accessChecks(new AccessModel(new Plan(j as never))).filter((c) => c.why.includes('release'));
    const results = await evaluateChecks(releasePaths(open));
    expect(results.length).toBe(releasePaths(json).length);
    expect(results.filter((a) => !a.ok).map((a) => a.why).sort()).toEqual(['an administrator of the tooling account cannot replace a release', 'orders-api-example-image cannot replace a release']);
  });

  it('keeps the approval before prod across the chain: one removed fails in the pipeline that deploys', () => {
    const none = copy();
    for (const stage of pipelines(none)[0]!.stage) stage.action = stage.action.filter((a: Json) => a.category !== 'Approval');
    expect(findings(none, 'PROD_APPROVAL').length).toBeGreaterThan(0);
    // The continuation alone holds no approval, and needs none: its waves come after the first pipeline's.
    expect(findings(json, 'PROD_APPROVAL')).toEqual([]);
  });

  it('guards every pipeline of the chain: only the pipeline role and the operators start a continuation', () => {
    const guard = pipelineGuard(parseEnvironment(doc() as never, FILE), ['arn:aws:iam::111111111111:role/release-managers']);
    const start = guard.policy.Statement.find((s) => s.Sid === 'OnlyThePipelineAndOperatorsStartContinuations')!;
    expect(start.Resource).toEqual(['arn:aws:codepipeline:eu-west-1:111111111111:orders-api-example-2']);
    expect(start.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': ['arn:aws:iam::111111111111:role/orders-api-example-pipeline', 'arn:aws:iam::111111111111:role/release-managers'] } });
  });
});
