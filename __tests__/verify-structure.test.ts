/**
 * verify names what Terraform or CodePipeline would refuse, on plans that are otherwise correct: each
 * fault is injected into the synthesized example and must fail exactly the rule that covers it, with a
 * message that names the part to change.
 */
import { verifyPlan } from '../src/verify';
import { Plan } from '../src/plan/plan';
import { checkRules } from '../src/verify/rules';
import { CLOUDFORMATION_REQUIRED, pipelineStructureProblems } from '../src/verify/structure-rules';
import { DEV, PROD, synth } from './support';

type Json = Record<string, any>;
const { json: good } = synth();
const fresh = (): Json => JSON.parse(JSON.stringify(good));
const named = (j: Json, type: string, part: string): [string, Json] => {
  const entry = Object.entries<Json>(j.resource[type]).find(([n]) => n.includes(part));
  if (!entry) throw new Error(`no ${type} matching ${part}`);
  return entry;
};
const stagesOf = (j: Json): Json[] => named(j, 'aws_codepipeline', 'pipeline')[1].stage;

const STRUCTURE = ['NO_DEPENDENCY_CYCLE', 'PROVIDER_ALIASES_VALID', 'NO_DANGLING_REFERENCE', 'SUBRESOURCE_PLACED_WITH_TARGET', 'PIPELINE_STRUCTURE'];

describe('verify on what Terraform and CodePipeline refuse', () => {
  it('passes the correct example on every structure rule', async () => {
    const v = await verifyPlan('example', fresh());
    expect(v.rules.filter((r) => STRUCTURE.includes(r.rule.id)).map((r) => [r.rule.id, r.findings])).toEqual(STRUCTURE.map((id) => [id, []]));
  });

  const cases: Array<[string, (j: Json) => void, string, RegExp]> = [
    [
      'a provider alias that starts with a digit (the bug Terraform caught)',
      (j) => {
        const provider = j.provider.aws[2];
        const old = provider.alias;
        provider.alias = `${DEV}_eu_west_1`;
        for (const byName of Object.values<Json>(j.resource)) for (const body of Object.values<Json>(byName)) if (body.provider === `aws.${old}`) body.provider = `aws.${provider.alias}`;
      },
      'PROVIDER_ALIASES_VALID',
      new RegExp(`provider\\.aws\\.${DEV}_eu_west_1: alias "${DEV}_eu_west_1" is not a Terraform identifier`),
    ],
    ['a resource naming an undeclared provider', (j) => (named(j, 'aws_s3_bucket', 'us-east-1')[1].provider = 'aws.tooling_mars_1'), 'PROVIDER_ALIASES_VALID', /aws_s3_bucket\.artifacts-us-east-1_bucket_\w+: provider aws\.tooling_mars_1 is not declared/],
    ['a resource without provider', (j) => delete named(j, 'aws_kms_key', 'eu-west-1')[1].provider, 'PROVIDER_ALIASES_VALID', /names no provider: it would apply with an unpinned default provider/],
    [
      'a reference to a resource the plan does not declare',
      (j) => (named(j, 'aws_s3_bucket_versioning', 'eu-west-1')[1].bucket = '${aws_s3_bucket.gone_ABC.id}'),
      'NO_DANGLING_REFERENCE',
      /aws_s3_bucket_versioning\.artifacts-eu-west-1_versioning_\w+: references aws_s3_bucket\.gone_ABC, which the plan does not declare/,
    ],
    [
      'a depends_on entry the plan does not declare',
      (j) => named(j, 'aws_codepipeline', 'pipeline')[1].depends_on.push('aws_iam_role_policy.gone_DEF'),
      'NO_DANGLING_REFERENCE',
      /aws_codepipeline\.pipeline_\w+: depends_on aws_iam_role_policy\.gone_DEF, which the plan does not declare/,
    ],
    [
      'a bucket policy applied in another region than its bucket',
      (j) => (named(j, 'aws_s3_bucket_policy', 'us-east-1')[1].provider = 'aws.tooling_eu_west_1'),
      'SUBRESOURCE_PLACED_WITH_TARGET',
      /aws_s3_bucket_policy\.artifacts-us-east-1_policy_\w+: configures aws_s3_bucket\.artifacts-us-east-1_bucket_\w+ in 111111111111\/us-east-1 but is applied in 111111111111\/eu-west-1/,
    ],
    [
      'a role policy applied in another account than its role',
      (j) => (named(j, 'aws_iam_role_policy', `deploy-roles-${PROD}_action`)[1].provider = `aws.account_${DEV}_eu_west_1`),
      'SUBRESOURCE_PLACED_WITH_TARGET',
      new RegExp(`configures aws_iam_role\\.deploy-roles-${PROD}_action_role_\\w+ in ${PROD} but is applied in ${DEV}`),
    ],
    [
      'a key alias in another region than its key',
      (j) => (named(j, 'aws_kms_alias', 'eu-west-1')[1].provider = 'aws.tooling_us_east_1'),
      'SUBRESOURCE_PLACED_WITH_TARGET',
      /aws_kms_alias\.artifacts-eu-west-1_alias_\w+: configures aws_kms_key\.artifacts-eu-west-1_key_\w+ in 111111111111\/eu-west-1/,
    ],
    [
      'a repository policy in another region than its repository',
      (j) => (named(j, 'aws_ecr_repository_policy', 'us-east-1')[1].provider = 'aws.tooling_eu_west_1'),
      'SUBRESOURCE_PLACED_WITH_TARGET',
      /aws_ecr_repository_policy\.images-us-east-1_policy_\w+: configures aws_ecr_repository\.images-us-east-1_repository_\w+/,
    ],
    ['a pipeline of one stage', (j) => (named(j, 'aws_codepipeline', 'pipeline')[1].stage = [stagesOf(j)[0]]), 'PIPELINE_STRUCTURE', /has 1 stage\(s\); a pipeline needs at least 2/],
    ['a Source action outside the first stage', (j) => stagesOf(j)[1]!.action.push({ ...stagesOf(j)[0]!.action[0], name: 'Again', output_artifacts: ['Again'] }), 'PIPELINE_STRUCTURE', /action Build\/Again: Source actions belong in the first stage only/],
    ['a Build action in the first stage', (j) => stagesOf(j)[0]!.action.push({ ...stagesOf(j)[1]!.action[0], name: 'Early', output_artifacts: ['Early'] }), 'PIPELINE_STRUCTURE', /action Source\/Early: the first stage may hold only Source actions \(found Build\)/],
    ['a stage name used twice', (j) => (stagesOf(j)[3]!.name = 'dev'), 'PIPELINE_STRUCTURE', /stage name dev is used twice/],
    ['an action name used twice in a stage', (j) => (stagesOf(j)[4]!.action[1].name = stagesOf(j)[4]!.action[0].name), 'PIPELINE_STRUCTURE', /action prod\/\S+: action name used twice in the stage/],
    ['an input artifact no action produces', (j) => (stagesOf(j)[2]!.action[0].input_artifacts = ['Missing']), 'PIPELINE_STRUCTURE', /action dev\/\S+: input artifact Missing is produced by no action/],
    [
      'an input artifact produced only later',
      (j) => {
        const stages = stagesOf(j);
        [stages[1], stages[2]] = [stages[2]!, stages[1]!];
      },
      'PIPELINE_STRUCTURE',
      /input artifact BuildOutput is produced only later/,
    ],
    ['an output artifact produced twice', (j) => (stagesOf(j)[2]!.action[0].output_artifacts = ['BuildOutput']), 'PIPELINE_STRUCTURE', /output artifact BuildOutput is already produced by another action/],
    [
      'a change set prepared without its execution role',
      (j) => delete stagesOf(j)[2]!.action.find((a: Json) => a.configuration?.ActionMode === 'CHANGE_SET_REPLACE').configuration.RoleArn,
      'PIPELINE_STRUCTURE',
      /CHANGE_SET_REPLACE needs configuration RoleArn/,
    ],
    [
      'a template read from an artifact the action does not take',
      (j) => (stagesOf(j)[2]!.action.find((a: Json) => a.configuration?.ActionMode === 'CHANGE_SET_REPLACE').configuration.TemplatePath = 'SourceOutput::template.yaml'),
      'PIPELINE_STRUCTURE',
      /TemplatePath reads artifact SourceOutput, which is not an input artifact of the action/,
    ],
  ];

  // The rules verify runs (the access matrix is not what these faults are about, and costs an IAM evaluation each).
  it.each(cases)('fails on %s', (_what, mutate, rule, message) => {
    const json = fresh();
    mutate(json);
    const failed = checkRules(new Plan(json)).filter((r) => !r.ok);
    expect(failed.map((r) => r.rule.id)).toContain(rule);
    const lines = failed.find((r) => r.rule.id === rule)!.findings.map((f) => `${f.address}: ${f.message}`);
    expect(lines.some((l) => message.test(l))).toBe(true);
  });

  it('knows the required settings of every CloudFormation action mode', () => {
    expect(Object.keys(CLOUDFORMATION_REQUIRED).sort()).toEqual(['CHANGE_SET_EXECUTE', 'CHANGE_SET_REPLACE', 'CREATE_UPDATE', 'DELETE_ONLY', 'REPLACE_ON_FAILURE']);
    expect(pipelineStructureProblems([{ name: 'S', action: [{ name: 'a', category: 'Source', output_artifacts: ['O'] }] }, { name: 'D', action: [{ name: 'd', category: 'Deploy', provider: 'CloudFormation', input_artifacts: ['O'], configuration: { ActionMode: 'UPSERT' } }] }])).toEqual([
      'action D/d: ActionMode UPSERT is not one of CHANGE_SET_REPLACE, CHANGE_SET_EXECUTE, CREATE_UPDATE, REPLACE_ON_FAILURE, DELETE_ONLY',
    ]);
  });
});
