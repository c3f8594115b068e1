/**
 * What every stack of an environment sets up the same way: its state, the credentials its providers use, the
 * roles of a target account. The environment's stack and the target stacks of a split environment share it.
 */
import { Fn, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { AccountAccess } from '../src/constructs/account-providers';
import { AccountProviders } from '../src/constructs/account-providers';
import { DeploymentRoles } from '../src/constructs/deployment-roles';
import { EnvironmentConfig } from '../src/config/schema';
import { roleArn } from '../src/model/naming';
import { TFC_CREDENTIALS_TYPE, TFC_CREDENTIALS_VARIABLE, tfcTag } from '../src/model/tfc';
import type { Topology } from '../src/model/topology';
import { workloadKind } from '../src/workloads/registry';
import type { TargetContext } from '../src/workloads/workload-kind';

/** The Terraform variable naming the role providers assume (plan or apply). */
export const TERRAFORM_ROLE_VARIABLE = 'terraform_role_name';

/** Tag keys every resource carries. */
export const PROJECT_TAG = 'cross-account-pipeline';

/** How the providers of a stack get into each account: HCP Terraform dynamic credentials or an assumed role. */
export function accountAccess(stack: TerraformStack, config: EnvironmentConfig, sessionName: string): AccountAccess {
  return config.credentials === 'tfc-dynamic' ? tfcDynamicCredentials(stack) : { kind: 'assume-role', roleName: terraformRole(stack, config), sessionName };
}

/** Tags of every resource of an environment. */
export const environmentTags = (config: EnvironmentConfig) => ({ project: PROJECT_TAG, environment: config.name, workload: config.workload.name, 'managed-by': 'cdktf' });

/**
 * The role every provider assumes: the apply role unless the run says `TF_VAR_terraform_role_name=<plan role>`.
 * Ephemeral (Terraform 1.10+), so a saved plan does not keep it: a plan made with the read-only plan role is
 * applied with the apply role, given again at apply time (docs/ci.md). Only the two configured names pass.
 */
function terraformRole(stack: TerraformStack, config: EnvironmentConfig): string {
  const names = [config.terraformPlanRoleName, config.terraformRoleName];
  const role = new TerraformVariable(stack, TERRAFORM_ROLE_VARIABLE, {
    type: 'string',
    default: config.terraformRoleName,
    nullable: false,
    description: `Role Terraform assumes in every account: ${config.terraformRoleName} (apply, default) or ${config.terraformPlanRoleName} (plan, read-only)`,
    validation: [
      {
        condition: `\${contains(${JSON.stringify(names)}, var.${TERRAFORM_ROLE_VARIABLE})}`,
        errorMessage: `terraform_role_name must be ${names.map((n) => `"${n}"`).join(' or ')}.`,
      },
    ],
  });
  role.addOverride('ephemeral', true);
  return role.stringValue;
}

/**
 * HCP Terraform fills this variable by its exact name, so it is declared on the stack itself: inside a
 * construct cdktf would suffix the name and the credentials would silently never arrive.
 */
function tfcDynamicCredentials(stack: TerraformStack): AccountAccess {
  const credentials = new TerraformVariable(stack, TFC_CREDENTIALS_VARIABLE, {
    type: TFC_CREDENTIALS_TYPE,
    description: 'Filled by HCP Terraform dynamic provider credentials: one shared config file per account configuration',
  });
  return {
    kind: 'shared-config',
    configFile: (account) => Token.asString(Fn.lookupNested(credentials.value, ['aliases', tfcTag(account), 'shared_config_file'])),
  };
}

/** The roles of one target account: the action role, the execution role, the smoke check role. */
export function deploymentRolesOf(
  stack: TerraformStack,
  config: EnvironmentConfig,
  topology: Topology,
  providers: AccountProviders,
  target: Topology['targets'][number],
  stores: Pick<TargetContext, 'stores' | 'repositoryArns'>,
): DeploymentRoles {
  const { workload } = config;
  const kind = workloadKind(workload);
  const n = topology.names;
  const context: TargetContext = { account: target.account, regions: target.regions, deployments: target.deployments, names: n, ...stores };
  const policies = kind.policies(workload, context);
  const smokeCheck = config.smokeTests ? kind.smokeCheckPolicy(workload, context) : undefined;
  return new DeploymentRoles(stack, `deploy-roles-${target.account}`, {
    provider: providers.for(target.account, target.regions[0]!),
    account: target.account,
    actionRoleName: n.actionRole,
    pipelineRoleArn: roleArn(topology.tooling.account, n.pipelineRole),
    actionPermissions: policies.action,
    ...(policies.execution ? { execution: { roleName: n.executionRole, permissions: policies.execution } } : {}),
    ...(smokeCheck ? { smokeCheck: { roleName: n.smokeCheckRole, smokeRoleArn: roleArn(topology.tooling.account, n.smokeTest), permissions: smokeCheck } } : {}),
  });
}
