import { AWS_REGIONS } from '../src/config/regions';
import { NAME_LIMITS, TERRAFORM_IDENTIFIER, accountOfArn, names, providerAlias } from '../src/model/naming';

const longestRegion = [...AWS_REGIONS].sort((a, b) => b.length - a.length)[0]!;
const shortestRegion = [...AWS_REGIONS].sort((a, b) => a.length - b.length)[0]!;

describe('names', () => {
  it('derives every name from workload and environment, deterministically', () => {
    const n = names('orders-api', 'prod');
    expect(n).toMatchObject({
      prefix: 'orders-api-prod',
      pipeline: 'orders-api-prod',
      pipelineRole: 'orders-api-prod-pipeline',
      buildRole: 'orders-api-prod-build',
      buildProject: 'orders-api-prod-image',
      buildLogGroup: '/aws/codebuild/orders-api-prod-image',
      actionRole: 'orders-api-prod-deploy',
      executionRole: 'orders-api-prod-cfn-exec',
      repository: 'orders-api-prod',
      keyAlias: 'alias/orders-api-prod-artifacts',
    });
    expect(n.artifactBucket('111111111111', 'eu-west-1')).toBe('orders-api-prod-artifacts-111111111111-eu-west-1');
    expect(n.stack('dev')).toBe('orders-api-prod-dev');
    expect(n.functionRole('dev', 'us-east-1')).toBe('orders-api-prod-dev-us-east-1');
  });

  // checkPartialEnvironment only checks the bucket name for the prefix: that is safe only if no other
  // prefix-derived name can exceed its limit while the bucket name fits, whatever the region.
  it('makes the artifact bucket the binding limit of every prefix-derived name', () => {
    for (let length = 3; length <= 80; length++) {
      const n = names('w'.repeat(length - 2), 'e');
      const bucketFits = n.artifactBucket('111111111111', shortestRegion).length <= NAME_LIMITS.s3Bucket;
      if (!bucketFits) continue;
      for (const role of [n.pipelineRole, n.buildRole, n.actionRole, n.executionRole]) expect(role.length).toBeLessThanOrEqual(NAME_LIMITS.iamRole);
      expect(n.pipeline.length).toBeLessThanOrEqual(NAME_LIMITS.codePipeline);
      expect(n.buildProject.length).toBeLessThanOrEqual(NAME_LIMITS.codeBuildProject);
      expect(n.connection.length).toBeLessThanOrEqual(NAME_LIMITS.connection);
    }
  });

  it('makes the function role the binding limit of the stage-derived names', () => {
    const n = names('orders-api', 'prod');
    for (let length = 1; length <= 60; length++) {
      const stage = 's'.repeat(length);
      if (n.functionRole(stage, longestRegion).length > NAME_LIMITS.iamRole) continue;
      expect(n.stack(stage).length).toBeLessThanOrEqual(NAME_LIMITS.lambdaFunction);
      expect(n.stack(stage).length).toBeLessThanOrEqual(NAME_LIMITS.cloudFormationStack);
    }
  });

  it('builds provider aliases that are Terraform identifiers, readable in a plan', () => {
    // Terraform's rule (configuration syntax, "Identifiers"): letters, digits, underscores and dashes, and the
    // first character must not be a digit. An account id alone breaks it.
    const terraformRule = /^[A-Za-z_][A-Za-z0-9_-]*$/;
    expect(terraformRule.test('111111111111_eu_west_1')).toBe(false);
    expect(TERRAFORM_IDENTIFIER.source).toBe(terraformRule.source);
    expect(providerAlias('111111111111', 'ap-southeast-2', '111111111111')).toBe('tooling_ap_southeast_2');
    expect(providerAlias('222222222222', 'eu-west-1', '111111111111')).toBe('account_222222222222_eu_west_1');
    for (const region of AWS_REGIONS) {
      expect(providerAlias('111111111111', region, '111111111111')).toMatch(terraformRule);
      expect(providerAlias('012345678901', region, '111111111111')).toMatch(terraformRule);
    }
  });

  it('reads the account of an IAM ARN and refuses anything else', () => {
    expect(accountOfArn('arn:aws:iam::222222222222:role/x')).toBe('222222222222');
    expect(() => accountOfArn('arn:aws:s3:::bucket')).toThrow(/not an IAM ARN/);
  });
});
