import { shape } from '../bench/shape-generator';
import { Plan } from '../src/verify/plan';
import { checkRules } from '../src/verify/rules';
import { POLICY_LIMITS, POLICY_SIZE_RULE, iamSize } from '../src/verify/size-rules';
import { synth } from './support';

const findings = (accounts: number, regions: number) => {
  const input = shape(accounts, regions);
  const { json } = synth(input, `config/${input.name}.json`);
  return checkRules(new Plan(json as never), [POLICY_SIZE_RULE])[0]!.findings;
};

describe('policy sizes against AWS quotas', () => {
  it('measures IAM policies the way IAM does: whitespace does not count', () => {
    expect(iamSize('{ "a" : [ 1,\n 2 ] }')).toBe('{"a":[1,2]}'.length);
    expect(POLICY_LIMITS).toMatchObject({ roleTrust: 2048, roleInline: 10240, managedPolicy: 6144, bucketPolicy: 20480, keyPolicy: 32768, repositoryPolicy: 10240 });
  });

  it('passes every policy of a 20 x 5 environment', () => {
    expect(findings(20, 5)).toEqual([]);
  });

  // Policies that list a role per target account grow with every account (60 in one region: bucket policy 19.3 KB;
  // 100: 31.6 KB): verify names the documents over their quota before anything is applied.
  it('fails the bucket and repository policies of 100 target accounts in one region', () => {
    const over = findings(100, 1);
    expect(over.map((f) => f.address.split('.')[0]).sort()).toEqual(['aws_ecr_repository_policy', 'aws_s3_bucket_policy']);
    expect(over.find((f) => f.address.startsWith('aws_s3_bucket_policy'))!.message).toMatch(/^the bucket policy is \d{5} characters; AWS allows 20480$/);
    expect(over.find((f) => f.address.startsWith('aws_ecr_repository_policy'))!.message).toMatch(/^the repository policy is \d{5} characters; AWS allows 10240$/);
  });
});
