import { runSimulation } from '@cloud-copilot/iam-simulate';
import { shape } from '../bench/shape-generator';
import { policy } from '../src/policy/document';
import { packRolePermissions, resourcePolicyJson } from '../src/policy/limits';
import { POLICY_LIMITS, iamSize } from '../src/verify/size-rules';
import { synth } from './support';

/** AWS's quotas as the documentation states them (src/policy/limits.ts cites each). */
const AWS = { roleTrust: 2048, roleInline: 10240, managedPolicy: 6144, managedPoliciesPerRole: 10, bucketPolicy: 20480, keyPolicy: 32768, repositoryPolicy: 10240, topicPolicy: 30720 };

describe('policy sizes against AWS quotas', () => {
  it('measures IAM policies the way IAM does: whitespace does not count', () => {
    expect(iamSize('{ "a" : [ 1,\n 2 ] }')).toBe('{"a":[1,2]}'.length);
    expect(POLICY_LIMITS).toEqual(AWS);
  });

  describe('a role whose permissions outgrow its inline policy', () => {
    const roles = Array.from({ length: 400 }, (_, i) => `arn:aws:iam::${200000000000 + i}:role/w-deploy`);
    const doc = policy(
      { Sid: 'RunBuild', Effect: 'Allow', Action: 'codebuild:StartBuild', Resource: 'arn:aws:codebuild:eu-west-1:111111111111:project/p' },
      { Sid: 'AssumeDeployActionRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roles },
    );
    const packed = packRolePermissions('pipeline', doc);

    it('keeps the inline policy and each managed policy within IAM\'s quotas', () => {
      expect(iamSize(JSON.stringify(doc))).toBeGreaterThan(AWS.roleInline);
      expect(iamSize(JSON.stringify(packed.inline))).toBeLessThanOrEqual(AWS.roleInline);
      expect(packed.managed.length).toBeGreaterThan(0);
      expect(packed.managed.length).toBeLessThanOrEqual(AWS.managedPoliciesPerRole);
      for (const m of packed.managed) expect(iamSize(JSON.stringify(m))).toBeLessThanOrEqual(AWS.managedPolicy);
    });

    // The IAM engine decides: the role may assume every deploy role through its policies together, and no other.
    it('grants exactly what the single policy granted', async () => {
      const identityPolicies = [packed.inline, ...packed.managed].map((p, i) => ({ name: `p${i}`, policy: p }));
      const canAssume = async (arn: string) => {
        const response = await runSimulation(
          { request: { principal: 'arn:aws:iam::111111111111:role/pipeline', action: 'sts:AssumeRole', resource: { resource: arn, accountId: arn.split(':')[4]! }, contextVariables: {} }, identityPolicies, serviceControlPolicies: [], resourceControlPolicies: [], resourcePolicy: policy({ Sid: 'Trust', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'sts:AssumeRole' }) },
          {},
        );
        return response.resultType !== 'error' && response.overallResult === 'Allowed';
      };
      for (const arn of [roles[0]!, roles[199]!, roles[399]!]) expect({ arn, allowed: await canAssume(arn) }).toEqual({ arn, allowed: true });
      expect(await canAssume('arn:aws:iam::999999999999:role/w-deploy')).toBe(false);
    });

    it('refuses, naming the quotas and the fix, what even ten managed policies cannot hold', () => {
      const huge = policy({ Sid: 'Assume', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: Array.from({ length: 2000 }, (_, i) => `arn:aws:iam::${200000000000 + i}:role/w-deploy`) });
      expect(() => packRolePermissions('pipeline', huge)).toThrow(/role pipeline: its permissions are \d+ characters; IAM holds 10240 inline and 10 managed policies of 6144 .*Split the environment/);
    });
  });

  it('refuses a resource policy over its quota, naming the resource, its size, the limit and the fix', () => {
    const big = policy({ Sid: 'Read', Effect: 'Allow', Principal: { AWS: Array.from({ length: 700 }, (_, i) => `arn:aws:iam::${200000000000 + i}:root`) }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' });
    expect(() => resourcePolicyJson('bucket', 'stores/eu-west-1', big)).toThrow(/^stores\/eu-west-1: the S3 bucket policy is \d+ bytes; AWS allows 20480 \(Amazon S3 User Guide, "Bucket policies"\)\. .*split the environment/);
    expect(JSON.parse(resourcePolicyJson('repository', 'r', policy()))).toEqual(policy());
  });

  // 400 accounts in one region: the bucket policy names 400 account roots twice (26 KB).
  it('fails at synth an environment whose artifact bucket policy cannot fit, naming the limit and the fix', () => {
    const input = shape(400, 1, 'ecs-service');
    expect(() => synth(input, 'config/shape-400x1-ecs.json')).toThrow(/the S3 bucket policy is \d{5} bytes; AWS allows 20480 .*fewer target accounts per region/);
  });
});
