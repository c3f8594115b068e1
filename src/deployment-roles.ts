import { Construct } from 'constructs';
import { TerraformProvider } from 'cdktf';
import { PolicyDocument, rolesTrust, serviceTrust } from './policy/document';
import { Role } from './role';

export interface DeploymentRolesProps {
  /** Provider of the target account (any of its regions: IAM is global). */
  readonly provider: TerraformProvider;
  /** Target account id. */
  readonly account: string;
  /** Name of the role the pipeline assumes for deploy actions in this account. */
  readonly actionRoleName: string;
  /** The only principals trusted by the action role: the pipeline role (and the smoke test's role). */
  readonly trustedRoleArns: readonly string[];
  /** What the deploy actions do in this account with the action role. */
  readonly actionPermissions: PolicyDocument;
  /** The CloudFormation execution role, for workloads deployed as change sets. Default: none. */
  readonly execution?: {
    /** Name of the role CloudFormation assumes to change the workload stacks. */
    readonly roleName: string;
    /** What CloudFormation may do with it: exactly what the workload template creates. */
    readonly permissions: PolicyDocument;
  };
}

/**
 * The roles a target account needs: the action role (assumed only by the tooling pipeline role, and the
 * smoke test that checks what it deployed; runs the deploy actions) and, for change-set workloads, the CloudFormation execution role the action role passes.
 */
export class DeploymentRoles extends Construct {
  readonly actionRole: Role;
  readonly executionRole?: Role;

  constructor(scope: Construct, id: string, props: DeploymentRolesProps) {
    super(scope, id);
    const { provider, account } = props;
    this.actionRole = new Role(this, 'action', {
      provider,
      account,
      roleName: props.actionRoleName,
      description: 'Runs the deploy actions of the delivery pipeline in this account',
      trustPolicy: rolesTrust(props.trustedRoleArns),
      permissions: props.actionPermissions,
    });
    if (props.execution) {
      this.executionRole = new Role(this, 'execution', {
        provider,
        account,
        roleName: props.execution.roleName,
        description: 'Assumed by CloudFormation to deploy the workload stacks in this account',
        trustPolicy: serviceTrust('cloudformation.amazonaws.com'),
        permissions: props.execution.permissions,
      });
    }
  }

  /** The role policies deploy actions rely on. */
  get policies() {
    return [this.actionRole.policy, ...(this.executionRole ? [this.executionRole.policy] : [])];
  }
}
