import { Construct } from 'constructs';
import { TerraformProvider } from 'cdktf';
import { StoreArns } from './policy/artifacts';
import { rolesTrust, serviceTrust } from './policy/document';
import { StackPlacement, actionRolePolicy, executionRolePolicy } from './policy/roles';
import { Role } from './role';
import { roleArn } from './naming';

export interface DeploymentRolesProps {
  /** Provider of the target account (any of its regions: IAM is global). */
  readonly provider: TerraformProvider;
  /** Target account id. */
  readonly account: string;
  /** Name of the role the pipeline assumes for deploy actions in this account. */
  readonly actionRoleName: string;
  /** Name of the role CloudFormation assumes to change the workload stacks. */
  readonly executionRoleName: string;
  /** The tooling pipeline role: the only principal trusted by the action role. */
  readonly pipelineRoleArn: string;
  /** Workload stacks deployed into this account. */
  readonly stacks: readonly StackPlacement[];
  /** Artifact stores of the regions this account is deployed to. */
  readonly stores: readonly StoreArns[];
  /** Image repositories of the regions this account is deployed to. */
  readonly repositoryArns: readonly string[];
}

/**
 * The two roles a target account needs: the action role (assumed by the tooling pipeline role, runs the
 * change-set actions) and the CloudFormation execution role (passed by the action role, changes the stack).
 */
export class DeploymentRoles extends Construct {
  readonly actionRole: Role;
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: DeploymentRolesProps) {
    super(scope, id);
    if (props.stacks.length === 0) {
      throw new Error(`DeploymentRoles ${this.node.path}: account ${props.account} has no stacks; leave it out of the targets`);
    }
    const { provider, account } = props;
    const executionRoleArn = roleArn(account, props.executionRoleName);
    this.actionRole = new Role(this, 'action', {
      provider,
      account,
      roleName: props.actionRoleName,
      description: 'Runs the CloudFormation actions of the delivery pipeline in this account',
      trustPolicy: rolesTrust([props.pipelineRoleArn]),
      permissions: actionRolePolicy({ account, stacks: props.stacks, executionRoleArn, stores: props.stores }),
    });
    this.executionRole = new Role(this, 'execution', {
      provider,
      account,
      roleName: props.executionRoleName,
      description: 'Assumed by CloudFormation to deploy the workload stacks in this account',
      trustPolicy: serviceTrust('cloudformation.amazonaws.com'),
      permissions: executionRolePolicy({ account, stacks: props.stacks, repositoryArns: props.repositoryArns, stores: props.stores }),
    });
  }
}
