/**
 * HCP Terraform (Terraform Cloud) dynamic provider credentials for several aliased AWS providers: one
 * credential configuration ("tag") per account, which every provider of that account uses.
 */

/** The variable HCP Terraform fills with the shared config file of each configuration, by this exact name. */
export const TFC_CREDENTIALS_VARIABLE = 'tfc_aws_dynamic_credentials';
export const TFC_CREDENTIALS_TYPE =
  'object({ default = object({ shared_config_file = string }), aliases = map(object({ shared_config_file = string })) })';

/** Configuration tag of an account (upper-case letters, digits and underscores). */
export const tfcTag = (account: string) => `ACCOUNT_${account}`;
