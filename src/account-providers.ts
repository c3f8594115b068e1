import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { providerAlias, roleArn } from './naming';

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
  /** Every (account, region) that gets resources. */
  readonly places: readonly Place[];
  /** The account that runs the pipeline: its providers are aliased `tooling_<region>`. */
  readonly toolingAccount: string;
  /** How every provider reaches its account. */
  readonly access: AccountAccess;
  /** Tags every provider puts on every resource. */
  readonly tags: Record<string, string>;
}

/**
 * One aliased AWS provider per (account, region), each reaching its account on its own (assumed role or
 * per-account credentials) and pinned to it with `allowed_account_ids`, so a wrong credential can never
 * apply into another account.
 */
export class AccountProviders extends Construct {
  private readonly providers = new Map<string, AwsProvider>();
  private readonly places = new Map<AwsProvider, Place>();
  private readonly toolingAccount: string;

  constructor(scope: Construct, id: string, props: AccountProvidersProps) {
    super(scope, id);
    this.toolingAccount = props.toolingAccount;
    for (const { account, region } of props.places) {
      const alias = providerAlias(account, region, props.toolingAccount);
      if (this.providers.has(alias)) continue;
      const provider = new AwsProvider(this, alias, {
        alias,
        region,
        allowedAccountIds: [account],
        ...(props.access.kind === 'assume-role'
          ? { assumeRole: [{ roleArn: roleArn(account, props.access.roleName), sessionName: props.access.sessionName }] }
          : { sharedConfigFiles: [props.access.configFile(account)] }),
        defaultTags: [{ tags: props.tags }],
      });
      this.providers.set(alias, provider);
      this.places.set(provider, { account, region });
    }
  }

  /** The provider of an (account, region); throws if that place was not declared. */
  for(account: string, region: string): AwsProvider {
    const provider = this.providers.get(providerAlias(account, region, this.toolingAccount));
    if (!provider) {
      throw new Error(`no provider for account ${account} in ${region}: add it to AccountProviders' places`);
    }
    return provider;
  }

  /** The (account, region) a provider of this set is pinned to. */
  placeOf(provider: unknown): Place | undefined {
    return this.places.get(provider as AwsProvider);
  }

  /** Every provider, in declaration order. */
  get all(): AwsProvider[] {
    return [...this.providers.values()];
  }
}
