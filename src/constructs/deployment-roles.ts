import { Construct } from 'constructs';
import { TerraformProvider } from 'cdktf';
import { PolicyDocument, rolesTrust, serviceTrust } from '../policy/document';
import { Role } from './role';

export interface DeploymentRolesProps {
  /** Provider of the target account (any of its regions: IAM is global). */
  readonly provider: TerraformProvider;
  /** Target account id. */
  readonly account: string;
  /** Name of the role the pipeline assumes for deploy actions in this account. */
  readonly actionRoleName: string;
  /** The only principal trusted by the action role: the pipeline role. */
  readonly pipelineRoleArn: string;
  /** What the deploy actions do in this account with the action role. */
  readonly actionPermissions: PolicyDocument;
  /** The CloudFormation execution role, for workloads deployed as change sets. Default: none. */
  readonly execution?: {
    /** Name of the role CloudFormation assumes to change the workload stacks. */
    readonly roleName: string;
    /** What CloudFormation may do with it: exactly what the workload template creates. */
    readonly permissions: PolicyDocument;
  };
  /** A read-only role for the smoke test, trusted only by the smoke test function's role. Default: none. */
  readonly smokeCheck?: {
    /** Name of the role. */
    readonly roleName: string;
    /** The smoke test function's role in the tooling account. */
    readonly smokeRoleArn: string;
    /** What the smoke test reads in this account. */
    readonly permissions: PolicyDocument;
  };
}

/**
 * The roles a target account needs: the action role (assumed only by the tooling pipeline role; runs the
 * deploy actions), for change-set workloads the CloudFormation execution role the action role passes, and
 * with smoke tests a read-only role the smoke test checks deployments with (it never gets the action role:
 * it runs outside the approval gate, docs/security.md).
 */
export class DeploymentRoles extends Construct {
  readonly actionRole: Role;
  readonly executionRole?: Role;
  readonly smokeCheckRole?: Role;

  constructor(scope: Construct, id: string, props: DeploymentRolesProps) {
    super(scope, id);
    const { provider, account } = props;
    this.actionRole = new Role(this, 'action', {
      provider,
      account,
      roleName: props.actionRoleName,
      description: 'Runs the deploy actions of the delivery pipeline in this account',
      trustPolicy: rolesTrust([props.pipelineRoleArn]),
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
    if (props.smokeCheck) {
      this.smokeCheckRole = new Role(this, 'smoke-check', {
        provider,
        account,
        roleName: props.smokeCheck.roleName,
        description: 'Read-only: the smoke test of the delivery pipeline checks deployments in this account with it',
        trustPolicy: rolesTrust([props.smokeCheck.smokeRoleArn]),
        permissions: props.smokeCheck.permissions,
      });
    }
  }

  /** The role policies deploy actions rely on. */
  get policies() {
    return [this.actionRole.policy, ...(this.executionRole ? [this.executionRole.policy] : [])];
  }
}
