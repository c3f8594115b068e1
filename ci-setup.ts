import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { assertKnownEnvironment, environmentArgument, parseFlags, run } from './cli/flags';
import { loadEnvironmentFiles } from './src/environment/load';
import { renderSetup } from './src/ci/render';
import { pipelineGuard } from './src/ci/pipeline-guard';
import { githubSetup, tfcSetup } from './src/ci/setup';
import { environmentFiles } from './cli/synthesize';

const USAGE = `usage: npm run ci-setup -- <environment> (--github [--repository <owner/repo>] [--default-branch <branch>] | --tfc) [--out <dir>] [--config <file> ...]

Writes what CI needs to run an environment with least privilege, as files ready to apply: the OIDC provider,
a read-only plan role and an apply role in every account (trust and permission policies), the entry roles
GitHub assumes, and the variables and secrets to set. Apply it with bash <out>/apply.sh <account>, once per account.
  --github              GitHub Actions with the environment's S3 backend (the workflows in .github/workflows).
  --repository <o/r>    repository whose workflows run. Default: the environment's source repository.
  --default-branch <b>  branch that deploys. Default: main.
  --tfc                 HCP Terraform dynamic credentials (cloud backend, credentials "tfc-dynamic").
  --operator <role ARN> a role that may start, retry and approve runs (repeatable): writes the service control
                        policy that keeps the builds and the pipeline to the pipeline role, the apply role and
                        the operators (guard/<account>-pipeline-guard.scp.json).
  --out <dir>           where to write. Default: ci-setup/<environment>-<github|tfc>.
  -c, --config <file>   environment files to read (default: as npm run synth).
  -h, --help            this text.`;

run(() => {
  const args = parseFlags(USAGE, () => {
    const parsed = parseArgs({
      options: {
        github: { type: 'boolean' },
        tfc: { type: 'boolean' },
        repository: { type: 'string' },
        'default-branch': { type: 'string' },
        out: { type: 'string' },
        operator: { type: 'string', multiple: true },
        config: { type: 'string', short: 'c', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (!parsed.values.help && Boolean(parsed.values.github) === Boolean(parsed.values.tfc)) throw new Error('choose one of --github or --tfc');
    if (parsed.values.repository && !/^[\w.-]+\/[\w.-]+$/.test(parsed.values.repository)) throw new Error(`--repository must be owner/repo (got "${parsed.values.repository}")`);
    for (const operator of parsed.values.operator ?? []) {
      if (!/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,64}$/.test(operator)) throw new Error(`--operator must be an IAM role ARN like arn:aws:iam::123456789012:role/release-managers (got "${operator}")`);
    }
    return { ...parsed.values, positionals: parsed.positionals };
  });
  if (typeof args === 'number') return args;
  const name = environmentArgument(args.positionals, USAGE);
  if (!name) return 2;
  const configs = loadEnvironmentFiles(environmentFiles(args.config));
  assertKnownEnvironment(name, configs.map((c) => c.name));
  const config = configs.find((c) => c.name === name)!;
  const base = args.github
    ? githubSetup(config, args.repository ?? `${config.source.owner}/${config.source.repository}`, args['default-branch'] ?? 'main')
    : tfcSetup(config);
  const setup = args.operator?.length ? { ...base, guard: pipelineGuard(config, args.operator) } : base;
  const out = args.out ?? join('ci-setup', `${name}-${setup.system}`);
  // Written to a scratch folder first: a failure leaves no half-written setup behind.
  mkdirSync(dirname(out), { recursive: true });
  const scratch = mkdtempSync(`${out}.tmp-`);
  for (const [file, text] of Object.entries(renderSetup(setup))) {
    mkdirSync(dirname(join(scratch, file)), { recursive: true });
    writeFileSync(join(scratch, file), text);
  }
  rmSync(out, { recursive: true, force: true });
  renameSync(scratch, out);
  console.log(`${out}/README.md:\n`);
  console.log(renderSetup(setup)['README.md']);
  return 0;
});
