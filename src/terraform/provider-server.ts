/**
 * One hashicorp/aws provider process that every provider configuration of a Terraform command talks to, instead of
 * Terraform starting one process per configuration and command. The provider serves itself (`-debug`) and prints
 * the reattach configuration; Terraform, given it as TF_REATTACH_PROVIDERS, connects to that process and starts
 * none of its own (Terraform's "Debugging providers" guide, debugger-based debugging:
 * https://developer.hashicorp.com/terraform/plugin/debugging). Only for commands that never configure the
 * provider: one process holds one configuration, so the aliases of a plan would overwrite each other's
 * (docs/terraform.md#one-provider-process).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where the provider announces itself on stdout in `-debug` mode. */
const ANNOUNCEMENT = /^\s*TF_REATTACH_PROVIDERS='(\{.*\})'\s*$/m;

/** Each gRPC call the provider serves, logged at trace level on stderr, which `-debug` mode always writes. */
const SERVED = '"@message":"Received request"';

/** Longest the provider may take to announce itself; a start takes under a second. */
const START_MS = 60_000;

/** The TF_REATTACH_PROVIDERS value in what a provider printed in `-debug` mode, checked to name `address`. */
export function reattachValue(stdout: string, address: string): string | undefined {
  const found = stdout.match(ANNOUNCEMENT)?.[1];
  if (!found) return undefined;
  const parsed = JSON.parse(found) as Record<string, { Addr?: { Network?: string; String?: string } }>;
  return parsed[address]?.Addr?.String ? found : undefined;
}

/** The provider binary `terraform init` installed for `address` at `version` (`<data dir>/providers/<address>/<version>/<platform>/`). */
export function installedProvider(dataDir: string, address: string, version: string, platform: string): string | undefined {
  const dir = join(dataDir, 'providers', address, version, platform);
  if (!existsSync(dir)) return undefined;
  const name = readdirSync(dir).find((f) => f.startsWith(`terraform-provider-${address.split('/').pop()}`));
  return name ? join(dir, name) : undefined;
}

export interface ProviderServerProps {
  /** The provider binary, as `terraform init` installed it. */
  readonly binary: string;
  /** The provider's source address, e.g. registry.terraform.io/hashicorp/aws. */
  readonly address: string;
  /** Environment the provider runs with (its socket goes to TMPDIR). */
  readonly env: NodeJS.ProcessEnv;
}

export class ProviderServer {
  /** Starts the provider and waits for its announcement; throws with what it printed when it does not announce. */
  static start(props: ProviderServerProps): Promise<ProviderServer> {
    const child = spawn(props.binary, ['-debug'], { env: props.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ProviderServer(child);
    let stdout = '';
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        server.kill();
        reject(new Error(`${props.binary} -debug ${why}${stdout.trim() ? `:\n${stdout.trim().slice(-2000)}` : ''}`));
      };
      const timer = setTimeout(() => fail(`printed no TF_REATTACH_PROVIDERS within ${START_MS / 1000} s`), START_MS);
      const onData = (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const value = reattachValue(stdout, props.address);
        if (!value) return;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        // Drained, so a full pipe never blocks the provider.
        child.stdout.resume();
        server.reattach = value;
        resolve(server);
      };
      const onExit = (code: number | null, signal: string | null) => fail(`exited (${signal ?? `status ${code}`}) before it announced itself`);
      child.stdout.on('data', onData);
      child.once('exit', onExit);
      child.once('error', (e) => fail(`could not start: ${e.message}`));
    });
  }

  /** TF_REATTACH_PROVIDERS for the commands that use this process. */
  reattach = '';
  private served = 0;
  private tail = '';
  private readonly exited: Promise<void>;
  private readonly killOnExit = () => this.kill();

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = this.tail + chunk.toString('utf8');
      const end = text.lastIndexOf('\n') + 1;
      for (let at = text.indexOf(SERVED); at !== -1 && at < end; at = text.indexOf(SERVED, at + SERVED.length)) this.served++;
      this.tail = text.slice(end);
    });
    // A check that ends without stop() (an uncaught error) leaves no provider behind.
    process.once('exit', this.killOnExit);
  }

  /** gRPC calls the provider has served: proof that Terraform used this process and started none of its own. */
  get requests(): number {
    return this.served;
  }

  /** Stops the provider (SIGINT, as its `-debug` mode expects) and waits until it has gone. */
  async stop(): Promise<void> {
    process.off('exit', this.killOnExit);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
    const late = setTimeout(() => this.kill(), 5_000);
    await this.exited;
    clearTimeout(late);
  }

  private kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
