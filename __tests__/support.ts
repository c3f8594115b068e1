import { readFileSync } from 'node:fs';
import { Testing } from 'cdktf';
import { parseEnvironment } from '../src/environment/load';
import type { EnvironmentInput } from '../src/config/schema';
import type { PolicyDocument, Statement } from '../src/policy/document';
import { EnvironmentStack } from '../stacks/environment-stack';

/** The shipped example environment, as a fresh object each call (tests mutate copies). */
export const example = (): EnvironmentInput => JSON.parse(readFileSync('config/example.json', 'utf8'));

export const TOOLING = '111111111111';
export const DEV = '222222222222';
export const TEST = '333333333333';
export const PROD = '444444444444';

type Body = Record<string, any>;
export interface Synthesized {
  provider: { aws: Body[] };
  resource: Record<string, Record<string, Body>>;
  output: Record<string, { value: unknown }>;
  variable: Record<string, Body>;
  terraform: Body;
  /** `removed` blocks: resources the stack stops managing without destroying them. */
  removed?: Body[];
}

/** A stack as V8 writes it when nothing formats it: the error, then a line a frame. */
const unmappedStack = (error: unknown, frames: NodeJS.CallSite[]) => [String(error), ...frames.map((frame) => `    at ${frame}`)].join('\n');

/**
 * `build()` with stacks as V8 writes them. cdktf records where each of its thousands of tokens was made (an Error's
 * stack, read only by its error messages); jest's source-map-support maps every frame of every such stack through
 * the source maps of cdktf's files: 5.9 of the 13.9 s five test files spent synthesizing. Unset, the formatter would fall back
 * to the one jest installs outside the test's context (Node's prepareStackTraceCallback): it is replaced, not removed.
 */
export function withoutMappedStacks<T>(build: () => T): T {
  const mapping = Error.prepareStackTrace;
  Error.prepareStackTrace = unmappedStack;
  try {
    return build();
  } finally {
    Error.prepareStackTrace = mapping;
  }
}

/** Synthesizes an environment document the way main.ts does, in memory. */
export function synth(input: EnvironmentInput = example(), file = 'config/example.json') {
  const config = parseEnvironment(input, file);
  return withoutMappedStacks(() => {
    const stack = new EnvironmentStack(Testing.app(), config);
    const json = JSON.parse(Testing.synth(stack)) as Synthesized;
    return { config, stack, json };
  });
}

/** Every resource of a type as [name, body]. */
export const resources = (json: Synthesized, type: string): Array<[string, Body]> => Object.entries(json.resource[type] ?? {});

/** The only resource of a type. */
export function single(json: Synthesized, type: string): Body {
  const all = resources(json, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0]![1];
}

/** The workload's build project (the others: the source check, pull-request builds). */
export const buildProject = (json: Synthesized): Body => resources(json, 'aws_codebuild_project').find(([n]) => n.startsWith('build_'))![1];

/** The account and region a resource is applied in, from its provider alias. */
export function placeOf(json: Synthesized, body: Body): { account: string; region: string } {
  const alias = String(body.provider).replace(/^aws\./, '');
  const provider = json.provider.aws.find((p) => p.alias === alias);
  if (!provider) throw new Error(`resource uses unknown provider ${body.provider}`);
  return { account: provider.allowed_account_ids[0], region: provider.region };
}

/** The resource a `${type.name.attr}` reference points to. */
export function deref(json: Synthesized, reference: string): Body {
  const m = /^\$\{([a-z0-9_]+)\.([^.}]+)\.[a-z_]+\}$/.exec(reference);
  if (!m) throw new Error(`not a single reference: ${reference}`);
  const body = json.resource[m[1]!]?.[m[2]!];
  if (!body) throw new Error(`dangling reference ${reference}`);
  return body;
}

export const doc = (text: string): PolicyDocument => JSON.parse(text);
export const statement = (policy: PolicyDocument, sid: string): Statement => {
  const found = policy.Statement.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${JSON.stringify(policy)}`);
  return found;
};
export const list = (v: string | string[] | boolean | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [String(v)]);

/**
 * The role ARNs a statement family (`Sid`, `Sid2`, ...) written by `grantToRoles` names: exact ARNs of one account,
 * or role names in each of its accounts (account roots, or `aws:PrincipalAccount` under `"*"`). What IAM makes of that form is tested with the IAM engine in
 * policies.test.ts; this reads which roles a plan's policy names.
 */
export function grantees(policy: PolicyDocument, sid: string): string[] {
  return policy.Statement.filter((s) => new RegExp(`^${sid}\\d*$`).test(s.Sid))
    .flatMap((s) => {
      const exact = list(s.Condition?.ArnEquals?.['aws:PrincipalArn']);
      if (exact.length) return exact;
      const byCondition = list(s.Condition?.StringEquals?.['aws:PrincipalAccount']);
      const accounts = byCondition.length ? byCondition : list((s.Principal as { AWS?: string | string[] }).AWS).map((root) => root.split(':')[4]!);
      return list(s.Condition?.ArnLike?.['aws:PrincipalArn']).flatMap((pattern) => accounts.map((a) => pattern.replace('::*:', `::${a}:`)));
    })
    .sort();
}
