import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { placeId, roleArn } from './naming';

/** An (account, region) pair that resources are placed in. */
export interface Place {
  readonly account: string;
  readonly region: string;
}

export interface AccountProvidersProps {
  /** Every (account, region) that gets resources. */
  readonly places: readonly Place[];
  /** Role Terraform assumes in every account. */
  readonly terraformRoleName: string;
  /** Session name for the assumed roles, shown in CloudTrail. */
  readonly sessionName: string;
  /** Tags every provider puts on every resource. */
  readonly tags: Record<string, string>;
}

/**
 * One aliased AWS provider per (account, region), each assuming the Terraform role of its account and
 * pinned to it with `allowed_account_ids`, so a wrong credential can never apply into another account.
 */
export class AccountProviders extends Construct {
  private readonly providers = new Map<string, AwsProvider>();
  private readonly places = new Map<AwsProvider, Place>();

  constructor(scope: Construct, id: string, props: AccountProvidersProps) {
    super(scope, id);
    for (const { account, region } of props.places) {
      const alias = placeId(account, region);
      if (this.providers.has(alias)) continue;
      const provider = new AwsProvider(this, alias, {
        alias,
        region,
        allowedAccountIds: [account],
        assumeRole: [{ roleArn: roleArn(account, props.terraformRoleName), sessionName: props.sessionName }],
        defaultTags: [{ tags: props.tags }],
      });
      this.providers.set(alias, provider);
      this.places.set(provider, { account, region });
    }
  }

  /** The provider of an (account, region); throws if that place was not declared. */
  for(account: string, region: string): AwsProvider {
    const provider = this.providers.get(placeId(account, region));
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
