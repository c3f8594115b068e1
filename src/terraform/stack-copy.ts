/**
 * The temporary copies of a synthesized stack that the real-Terraform check hands to Terraform. Each change
 * is one the check's machine forces, and each is reported; the stack in cdktf.out/ is never touched.
 */
import { Removal, removeNewerArguments } from './provider-compat';
import type { ProviderSource } from './toolchain';

type Json = Record<string, any>;

/** The provider build a check uses, and whether the stack's pin had to be relaxed to use it. */
export interface ProviderChoice {
  /** Version Terraform is asked to install. */
  readonly version: string;
  /** The stack's own constraint, when it is not `version`. */
  readonly pinned?: string;
}

export interface ValidationCopy {
  readonly json: Json;
  /** Arguments removed because `version` predates them. */
  readonly removals: readonly Removal[];
}

/** The stack's hashicorp/aws version constraint. */
export const pinnedVersion = (stack: Json): string | undefined => stack.terraform?.required_providers?.aws?.version;

/** The provider build to ask for: the pinned one when the source has it, else the mirror's newest. */
export function providerChoice(stack: Json, source: ProviderSource): ProviderChoice {
  const pinned = pinnedVersion(stack);
  if (source.kind === 'registry' || !pinned || source.versions.includes(pinned)) return { version: pinned ?? '' };
  return { version: source.versions[0]!, pinned };
}

/**
 * What `terraform validate` checks: the stack as synthesized, with its backend removed (the check never
 * touches state) and, when the provider build is not the pinned one, the constraint set to that build and
 * the arguments it does not know yet removed.
 */
export function validationCopy(stack: Json, provider: ProviderChoice): ValidationCopy {
  const json = structuredClone(stack);
  delete json.terraform?.backend;
  delete json.terraform?.cloud;
  if (provider.pinned && json.terraform?.required_providers?.aws) json.terraform.required_providers.aws.version = provider.version;
  const removals = provider.pinned ? removeNewerArguments(json.resource, provider.version) : [];
  return { json, removals };
}

/** Provider arguments that reach out for credentials or check the account: none may run offline. */
const ONLINE_ARGUMENTS = [
  'assume_role',
  'assume_role_with_web_identity',
  'allowed_account_ids',
  'forbidden_account_ids',
  'profile',
  'shared_config_files',
  'shared_credentials_files',
  'token',
];

/**
 * What the offline plan and the mocked apply see: every AWS provider gets static dummy credentials and the
 * `skip_*` flags, so no AWS call is made; variables that only fed provider credentials go with them.
 */
export function offlineCopy(validation: Json): Json {
  const json = structuredClone(validation);
  for (const provider of json.provider?.aws ?? []) {
    for (const argument of ONLINE_ARGUMENTS) delete provider[argument];
    Object.assign(provider, {
      access_key: 'offline-check',
      secret_key: 'offline-check',
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      skip_region_validation: true,
    });
  }
  const { variable, ...rest } = json;
  const text = JSON.stringify(rest);
  const used = Object.entries(variable ?? {}).filter(([name]) => new RegExp(`\\bvar\\.${name}(?![A-Za-z0-9_-])`).test(text));
  if (used.length) json.variable = Object.fromEntries(used);
  else delete json.variable;
  return json;
}
