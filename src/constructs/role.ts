import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { TerraformProvider } from 'cdktf';
import { NAME_LIMITS, roleArn } from '../model/naming';
import { PolicyDocument } from '../policy/document';
import { IAM_LIMITS, packRolePermissions, plannedIamSize } from '../policy/limits';

export interface RoleProps {
  /** Provider of the account the role lives in (IAM is global: any region of that account). */
  readonly provider: TerraformProvider;
  /** Account the role lives in; with `roleName` it gives the ARN other policies name before the role exists. */
  readonly account: string;
  /** Deterministic role name (at most 64 characters). */
  readonly roleName: string;
  readonly description: string;
  /** Who may assume the role. */
  readonly trustPolicy: PolicyDocument;
  /** What the role may do. */
  readonly permissions: PolicyDocument;
}

/**
 * An IAM role with its permissions as a separate `aws_iam_role_policy`, never inline: a key or bucket policy
 * can then name the role while the role's own policy names the key or bucket, without a dependency cycle.
 * Permissions beyond a role's 10,240 inline characters (a pipeline role deploying to 200 accounts) go to managed
 * policies `<role>-permissions-<n>`, attached to it (src/policy/limits.ts).
 */
export class Role extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;
  /** Managed policies holding what does not fit inline (usually none). */
  readonly overflow: readonly IamPolicy[];
  /** The role's ARN, known before apply. */
  readonly arn: string;
  /** Account the role lives in. */
  readonly account: string;

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id);
    if (props.roleName.length > NAME_LIMITS.iamRole) {
      throw new Error(`Role ${this.node.path}: name "${props.roleName}" is longer than ${NAME_LIMITS.iamRole} characters; shorten it`);
    }
    this.account = props.account;
    this.arn = roleArn(props.account, props.roleName);
    this.role = new IamRole(this, 'role', {
      provider: props.provider,
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: JSON.stringify(props.trustPolicy),
    });
    const trustSize = plannedIamSize(JSON.stringify(props.trustPolicy));
    if (trustSize > IAM_LIMITS.roleTrust) {
      throw new Error(`Role ${this.node.path}: trust policy is ${trustSize} characters; IAM allows ${IAM_LIMITS.roleTrust} (IAM and AWS STS quotas). Trust fewer roles.`);
    }
    const packed = packRolePermissions(this.node.path, props.permissions);
    this.policy = new IamRolePolicy(this, 'permissions', {
      provider: props.provider,
      name: 'permissions',
      role: this.role.name,
      policy: JSON.stringify(packed.inline),
    });
    this.overflow = packed.managed.map((doc, i) => {
      const managed = new IamPolicy(this, `permissions-${i + 1}`, {
        provider: props.provider,
        name: `${props.roleName}-permissions-${i + 1}`,
        description: `Permissions of ${props.roleName} beyond its inline policy`,
        policy: JSON.stringify(doc),
      });
      new IamRolePolicyAttachment(this, `permissions-${i + 1}-attachment`, { provider: props.provider, role: this.role.name, policyArn: managed.arn });
      return managed;
    });
  }
}
