import { parseArgs } from 'node:util';
import { assertKnownEnvironment, environmentArgument, parseFlags, run } from './src/cli';
import { loadEnvironmentFiles } from './src/config/load';
import { environmentFiles } from './src/synthesize';
import { tfcRunRoleTrust, tfcWorkspaceVariables } from './src/tfc';
import { buildTopology } from './src/topology';

const USAGE = `usage: npm run tfc-vars -- <environment> [--config <file> ...]

Prints the HCP Terraform workspace environment variables that give every aliased AWS provider of an
environment its dynamic credentials, and the trust policy each run role needs.`;

run(() => {
  const args = parseFlags(USAGE, () => {
    const parsed = parseArgs({ options: { config: { type: 'string', short: 'c', multiple: true }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { ...parsed.values, positionals: parsed.positionals };
  });
  if (typeof args === 'number') return args;
  const name = environmentArgument(args.positionals, USAGE);
  if (!name) return 2;
  const configs = loadEnvironmentFiles(environmentFiles(args.config));
  assertKnownEnvironment(name, configs.map((c) => c.name));
  const config = configs.find((c) => c.name === name)!;
  const backend = config.backend;
  if (backend.type !== 'cloud' || config.credentials !== 'tfc-dynamic') {
    throw new Error(`environment "${name}" does not use HCP Terraform dynamic credentials: set backend.type "cloud" and credentials "tfc-dynamic" in its file`);
  }
  const topology = buildTopology(config);
  const accounts = [topology.tooling.account, ...topology.targets.map((t) => t.account)];
  const out = [
    `# Workspace ${backend.organization}/${backend.workspace} on ${backend.hostname}: environment variables (category "env")`,
    ...tfcWorkspaceVariables(topology.tooling.account, accounts, config.terraformRoleName).map(([k, v]) => `${k}=${v}`),
    '',
    `# In each account: an IAM OIDC provider for https://${backend.hostname} (audience aws.workload.identity) and a role`,
    `# "${config.terraformRoleName}" with permissions to manage this environment's resources and this trust policy:`,
  ];
  for (const account of [...new Set(accounts)].sort()) {
    out.push('', `## ${account}`, JSON.stringify(tfcRunRoleTrust(account, backend), null, 2));
  }
  console.log(out.join('\n'));
  return 0;
});
