import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { providerAlias, roleArn } from '../model/naming';

/** An (account, region) pair that resources are placed in. */
export interface Place {
  readonly account: string;
  readonly region: string;
}

/** How a provider gets credentials for its account. */
export type AccountAccess =
  /** Chain from the caller's credentials into a role of every account. */
  | { readonly kind: 'assume-role'; readonly roleName: string; readonly sessionName: string }
  /** Use a shared config file per account (HCP Terraform dynamic credentials write one per configuration). */
  | { readonly kind: 'shared-config'; readonly configFile: (account: string) => string };

export interface AccountProvidersProps {
  /** Every (account, region) where resources may be placed; asking for another place is an error. */
  readonly places: readonly Place[];
  /** The account that runs the pipeline: its providers are aliased `tooling_<region>`. */
  readonly toolingAccount: string;
  /** How every provider reaches its account. */
  readonly access: AccountAccess;
  /** Tags every provider puts on every resource. */
  readonly tags: Record<string, string>;
}

/**
 * One aliased AWS provider per (account, region) in use, each reaching its account on its own (assumed role
 * or per-account credentials) and pinned to it with `allowed_account_ids`, so a wrong credential can never
 * apply into another account. A provider is declared when a resource first asks for it: a target account's
 * roles are global, so its other regions get none, and every provider Terraform validates and starts is one
 * the plan uses (docs/terraform.md, "What a check costs").
 */
export class AccountProviders extends Construct {
  private readonly providers = new Map<string, AwsProvider>();
  private readonly places = new Map<AwsProvider, Place>();
  private readonly allowed: Set<string>;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AccountProvidersProps,
  ) {
    super(scope, id);
    this.allowed = new Set(props.places.map(({ account, region }) => providerAlias(account, region, props.toolingAccount)));
  }

  /** The provider of an (account, region), declared on first use; throws if that place was not declared. */
  for(account: string, region: string): AwsProvider {
    const alias = providerAlias(account, region, this.props.toolingAccount);
    if (!this.allowed.has(alias)) {
      throw new Error(`no provider for account ${account} in ${region}: add it to AccountProviders' places`);
    }
    const known = this.providers.get(alias);
    if (known) return known;
    const { access, tags } = this.props;
    const provider = new AwsProvider(this, alias, {
      alias,
      region,
      allowedAccountIds: [account],
      ...(access.kind === 'assume-role'
        ? { assumeRole: [{ roleArn: roleArn(account, access.roleName), sessionName: access.sessionName }] }
        : { sharedConfigFiles: [access.configFile(account)] }),
      defaultTags: [{ tags }],
    });
    this.providers.set(alias, provider);
    this.places.set(provider, { account, region });
    return provider;
  }

  /** The (account, region) a provider of this set is pinned to. */
  placeOf(provider: unknown): Place | undefined {
    return this.places.get(provider as AwsProvider);
  }

  /** Every provider declared so far, in order of first use. */
  get all(): AwsProvider[] {
    return [...this.providers.values()];
  }
}
