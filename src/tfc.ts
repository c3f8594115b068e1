/**
 * HCP Terraform (Terraform Cloud) dynamic provider credentials for several aliased AWS providers: one
 * credential configuration ("tag") per account, which every provider of that account uses.
 */
import { PolicyDocument, policy } from './policy/document';
import { roleArn } from './naming';

/** The variable HCP Terraform fills with the shared config file of each configuration, by this exact name. */
export const TFC_CREDENTIALS_VARIABLE = 'tfc_aws_dynamic_credentials';
export const TFC_CREDENTIALS_TYPE =
  'object({ default = object({ shared_config_file = string }), aliases = map(object({ shared_config_file = string })) })';
/** Audience HCP Terraform puts in its workload identity tokens for AWS unless told otherwise. */
export const TFC_AUDIENCE = 'aws.workload.identity';

/** Configuration tag of an account (upper-case letters, digits and underscores). */
export const tfcTag = (account: string) => `ACCOUNT_${account}`;

export interface TfcWorkspace {
  readonly hostname: string;
  readonly organization: string;
  readonly workspace: string;
  /** Project of the workspace. Default: any project. */
  readonly project?: string;
}

/**
 * The workspace environment variables that turn on dynamic credentials: the default configuration (the
 * tooling account) and one tagged configuration per account, each with the run role of its account.
 */
export function tfcWorkspaceVariables(toolingAccount: string, accounts: readonly string[], runRoleName: string): Array<[string, string]> {
  const vars: Array<[string, string]> = [
    ['TFC_AWS_PROVIDER_AUTH', 'true'],
    ['TFC_AWS_RUN_ROLE_ARN', roleArn(toolingAccount, runRoleName)],
  ];
  for (const account of [...new Set(accounts)].sort()) {
    vars.push([`TFC_AWS_PROVIDER_AUTH_${tfcTag(account)}`, 'true'], [`TFC_AWS_RUN_ROLE_ARN_${tfcTag(account)}`, roleArn(account, runRoleName)]);
  }
  return vars;
}

/** Trust policy of the run role in `account`: only runs of this workspace, through the account's OIDC provider. */
export function tfcRunRoleTrust(account: string, ws: TfcWorkspace): PolicyDocument {
  return policy({
    Sid: 'TrustHcpTerraformWorkspaceRuns',
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${ws.hostname}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { [`${ws.hostname}:aud`]: TFC_AUDIENCE },
      StringLike: { [`${ws.hostname}:sub`]: `organization:${ws.organization}:project:${ws.project ?? '*'}:workspace:${ws.workspace}:run_phase:*` },
    },
  });
}
