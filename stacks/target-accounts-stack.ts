import { Construct } from 'constructs';
import { Aspects, TerraformOutput, TerraformStack } from 'cdktf';
import { AccountProviders } from '../src/constructs/account-providers';
import { useBackend } from '../src/constructs/backend';
import { PermissionsBoundary } from '../src/constructs/permissions-boundary';
import type { EnvironmentConfig } from '../src/config/schema';
import { policyArn, repositoryArn } from '../src/model/naming';
import { PART_OUTPUT, TargetsPart, backendFor } from '../src/model/stack-parts';
import { Topology } from '../src/model/topology';
import { environmentTopology, workloadKind } from '../src/workloads/registry';
import { storeByName } from '../src/policy/artifacts';
import { accountAccess, deploymentRolesOf, environmentTags } from './stack-setup';


/**
 * Some target accounts of a split environment: their deploy, execution and smoke check roles, in a stack and state
 * of their own. Nothing here refers to the tooling stack: the stores, keys and repositories are named as the
 * tooling stack names them (the keys by alias), so this stack plans and applies alone, in any order. Its plan
 * holds one provider per account (IAM is global), which bounds its memory (docs/scale.md).
 */
export class TargetAccountsStack extends TerraformStack {
  readonly topology: Topology;
  readonly providers: AccountProviders;

  constructor(scope: Construct, config: EnvironmentConfig, part: TargetsPart) {
    super(scope, part.name);
    const topology = (this.topology = environmentTopology(config));
    const { names: n, tooling } = topology;
    const targets = topology.targets.filter((t) => part.accounts.includes(t.account));
    const sessionName = `cdktf-${n.prefix}`.slice(0, 64);
    useBackend(this, backendFor(config.backend, part), sessionName);
    Aspects.of(this).add(new PermissionsBoundary((account) => policyArn(account, n.roleBoundary)));
    const providers = (this.providers = new AccountProviders(this, 'providers', {
      toolingAccount: tooling.account,
      places: targets.map((t) => ({ account: t.account, region: t.regions[0]! })),
      access: accountAccess(this, config, sessionName),
      tags: environmentTags(config),
    }));
    const usesImages = workloadKind(config.workload).usesImages;
    for (const target of targets) {
      deploymentRolesOf(this, config, topology, providers, target, {
        stores: target.regions.map((region) => storeByName(tooling.account, region, n.artifactBucket(tooling.account, region), n.keyAlias)),
        repositoryArns: usesImages ? target.regions.map((region) => repositoryArn(tooling.account, region, n.repository)) : [],
      });
    }
    new TerraformOutput(this, PART_OUTPUT, { value: { environment: part.environment, accounts: [...part.accounts] }, staticId: true });
  }
}
