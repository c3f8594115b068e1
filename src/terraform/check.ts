/**
 * The real-Terraform check of synthesized stacks: for each, in a temporary folder, `terraform init`
 * (provider from a mirror or the registry), `terraform validate`, an offline `terraform plan` and a mocked
 * apply + destroy with `terraform test`. Terraform is the judge; this file only prepares its input and
 * reports its answers.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ProviderSchema, mockedApplyTest } from './mock-test';
import { Removal } from './provider-compat';
import { ProviderServer, installedProvider } from './provider-server';
import { offlineCopy, providerChoice, validationCopy } from './stack-copy';
import { HOW_TO_PROVIDE_PROVIDER, ProviderSource, TerraformCli, cliConfig, terraformEnv, terraformPlatform } from './toolchain';

type Json = Record<string, any>;

export interface StackToCheck {
  /** Environment (stack) name, used for the working folder and the report. */
  readonly name: string;
  /** The synthesized stack (`cdk.tf.json`). */
  readonly json: Json;
  /** The stack's `assets/` folder (function bundles), copied beside the copy when present. */
  readonly assets?: string;
}

export type StepName = 'init' | 'validate' | 'plan' | 'apply+destroy (mocked)';

export interface StepResult {
  readonly step: StepName;
  readonly ok: boolean;
  readonly seconds: number;
  /** Terraform's own error text when the step failed. */
  readonly error?: string;
  /** Resources the offline plan creates (plan step). */
  readonly toCreate?: number;
}

export interface StackResult {
  readonly name: string;
  /** hashicorp/aws version Terraform selected, from `terraform version -json`. */
  readonly providerVersion?: string;
  /** The stack's own constraint, when the check used another build. */
  readonly pinned?: string;
  readonly removals: readonly Removal[];
  readonly steps: readonly StepResult[];
  /** The working folder, kept when a step failed. */
  readonly folder: string;
  /**
   * The one provider process validate, the schema read and the mocked apply used (provider-server.ts): the calls it
   * served, or why Terraform started its own per configuration instead.
   */
  readonly providerProcess?: { readonly requests: number } | { readonly notUsed: string };
  readonly ok: boolean;
}

export interface TerraformCheckProps {
  readonly terraform: TerraformCli;
  readonly source: ProviderSource;
  /** Temporary folder of this run: one sub-folder per stack, and the plugin cache. */
  readonly workspace: string;
  /** Longest any one Terraform command may run. */
  readonly timeoutSeconds: number;
  /** Environment the Terraform commands inherit. */
  readonly env: NodeJS.ProcessEnv;
}

const AWS = 'registry.terraform.io/hashicorp/aws';

/** Terraform's errors without the list of mocked resources a failed test leaves behind. */
export function terraformErrors(text: string): string {
  const lines = text.split('\n');
  const listed = lines.filter((l) => /^ {2}- /.test(l)).length;
  const kept = lines.filter((l) => !/^ {2}- /.test(l)).join('\n').replace(/\n{3,}/g, '\n\n').trim();
  return listed ? `${kept} (${listed} mocked resources listed)` : kept;
}

export class TerraformCheck {
  private readonly cliConfigFile: string;
  private schema?: { version: string; schema: Promise<ProviderSchema> };
  /**
   * Inits run one at a time: they share the plugin cache, which Terraform does not make safe for concurrent
   * installs (two inits of stacks checked side by side failed with "mkdir ...: file exists"). An init takes
   * under a second; the other steps still run side by side.
   */
  private inits: Promise<unknown> = Promise.resolve();

  constructor(private readonly props: TerraformCheckProps) {
    mkdirSync(props.workspace, { recursive: true });
    this.cliConfigFile = join(props.workspace, 'terraform.rc');
    const cache = join(props.workspace, 'plugin-cache');
    mkdirSync(cache, { recursive: true });
    writeFileSync(this.cliConfigFile, cliConfig(props.source, cache));
  }

  /** init and validate only: what `npm run verify` asks of Terraform. */
  validate(stack: StackToCheck): Promise<StackResult> {
    return this.run(stack, ['init', 'validate']);
  }

  /** Every step: init, validate, the offline plan and the mocked apply + destroy. */
  check(stack: StackToCheck): Promise<StackResult> {
    return this.run(stack, ['init', 'validate', 'plan', 'apply+destroy (mocked)']);
  }

  private async run(stack: StackToCheck, wanted: readonly StepName[]): Promise<StackResult> {
    const folder = join(this.props.workspace, stack.name);
    mkdirSync(folder, { recursive: true });
    if (stack.assets && existsSync(stack.assets)) cpSync(stack.assets, join(folder, 'assets'), { recursive: true });
    const choice = providerChoice(stack.json, this.props.source);
    const validation = validationCopy(stack.json, choice);
    const write = (json: Json) => writeFileSync(join(folder, 'cdk.tf.json'), `${JSON.stringify(json, null, 2)}\n`);
    const steps: StepResult[] = [];
    let server: ProviderServer | { notUsed: string } | undefined;
    const result = (providerVersion?: string): StackResult => ({
      name: stack.name,
      ...(providerVersion ? { providerVersion } : {}),
      ...(choice.pinned ? { pinned: choice.pinned } : {}),
      removals: validation.removals,
      steps,
      folder,
      ...(server ? { providerProcess: server instanceof ProviderServer ? { requests: server.requests } : server } : {}),
      ok: steps.length === wanted.length && steps.every((s) => s.ok),
    });
    const reattached = () => (server instanceof ProviderServer ? { TF_REATTACH_PROVIDERS: server.reattach } : {});
    const step = async (name: StepName, args: string[], judge: (out: string) => Partial<StepResult> = () => ({}), env: NodeJS.ProcessEnv = reattached()): Promise<boolean> => {
      const run = await this.terraform(folder, args, env);
      const ok = run.status === 0 && !run.error;
      steps.push({ step: name, ok, seconds: run.seconds, ...(ok ? judge(run.stdout) : { error: terraformErrors(run.error ?? `${run.stderr}\n${ok ? '' : run.stdout}`) }) });
      return ok;
    };

    write(validation.json);
    const init = this.inits.then(() => step('init', ['init', '-backend=false', '-input=false', '-no-color']));
    this.inits = init.catch(() => undefined);
    if (!(await init)) {
      if (this.props.source.kind === 'registry') steps[0] = { ...steps[0]!, error: `${steps[0]!.error}\n\n${HOW_TO_PROVIDE_PROVIDER}` };
      return result();
    }
    const providerVersion = await this.selectedVersion(folder);
    if (choice.version && providerVersion !== choice.version) {
      steps.push({ step: 'validate', ok: false, seconds: 0, error: `Terraform selected hashicorp/aws ${providerVersion}, not ${choice.version} as asked` });
      return result(providerVersion);
    }
    server = await this.providerServer(folder, providerVersion);
    try {
      if (!(await step('validate', ['validate', '-no-color'])) || !wanted.includes('plan')) return result(providerVersion);

      write(offlineCopy(validation.json));
      // The plan configures every alias, and one process holds one configuration: it runs without the shared process.
      const planned = await step('plan', ['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color'], (out) => ({ toCreate: toCreate(out) }), {});
      if (!planned) return result(providerVersion);

      let schema: ProviderSchema;
      try {
        schema = await this.providerSchema(folder, providerVersion, reattached());
      } catch (err) {
        steps.push({ step: 'apply+destroy (mocked)', ok: false, seconds: 0, error: (err as Error).message });
        return result(providerVersion);
      }
      writeFileSync(join(folder, 'mocked.tftest.json'), JSON.stringify(mockedApplyTest(validation.json, schema)));
      await step('apply+destroy (mocked)', ['test', '-no-color']);
      return result(providerVersion);
    } finally {
      if (server instanceof ProviderServer) await server.stop();
    }
  }

  /** The stack's one provider process, started from the build init installed; why not, when it cannot be. */
  private async providerServer(folder: string, version: string | undefined): Promise<ProviderServer | { notUsed: string }> {
    const env = terraformEnv(this.props.env, this.cliConfigFile);
    const dataDir = resolve(folder, env.TF_DATA_DIR || '.terraform');
    const binary = version ? installedProvider(dataDir, AWS, version, terraformPlatform()) : undefined;
    if (!binary) return { notUsed: `no hashicorp/aws ${version ?? ''} build under ${dataDir}/providers` };
    try {
      return await ProviderServer.start({ binary, address: AWS, env });
    } catch (err) {
      return { notUsed: (err as Error).message };
    }
  }

  private terraform(cwd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string; seconds: number; error?: string }> {
    const started = process.hrtime.bigint();
    const child = spawn(this.props.terraform.binary, args, {
      cwd,
      env: { ...terraformEnv(this.props.env, this.cliConfigFile), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // Terraform answers SIGTERM by finishing what it does gracefully; a check past its time is killed.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, this.props.timeoutSeconds * 1000);
    return new Promise((resolve) => {
      const done = (status: number | null, error?: string) => {
        clearTimeout(timer);
        resolve({
          status,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
          ...(timedOut ? { error: `terraform ${args[0]} did not finish within ${this.props.timeoutSeconds} s (raise it with --timeout)` } : error ? { error } : {}),
        });
      };
      child.on('error', (e) => done(null, e.message));
      child.on('close', (code) => done(code));
    });
  }

  private async selectedVersion(folder: string): Promise<string | undefined> {
    const run = await this.terraform(folder, ['version', '-json']);
    return run.status === 0 ? JSON.parse(run.stdout).provider_selections?.[AWS] : undefined;
  }

  /** The provider's schema, read once per provider version with `terraform providers schema -json`. */
  private providerSchema(folder: string, version = '', env: NodeJS.ProcessEnv = {}): Promise<ProviderSchema> {
    // Stacks checked side by side share one read.
    if (this.schema?.version !== version) {
      const read = this.terraform(folder, ['providers', 'schema', '-json'], env).then((run) => {
        if (run.status !== 0) throw new Error(`terraform providers schema failed:\n${terraformErrors(run.stderr)}`);
        return JSON.parse(run.stdout).provider_schemas[AWS] as ProviderSchema;
      });
      this.schema = { version, schema: read };
    }
    return this.schema.schema;
  }
}

/** Resources to create, from `terraform plan`'s summary line. */
export function toCreate(planOutput: string): number {
  if (/^No changes\./m.test(planOutput)) return 0;
  const summary = planOutput.match(/^Plan: (\d+) to add, \d+ to change, \d+ to destroy\./m);
  if (!summary) throw new Error(`terraform plan printed no summary line:\n${planOutput.slice(-2000)}`);
  return Number(summary[1]);
}
