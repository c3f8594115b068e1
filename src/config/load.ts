import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { z } from 'zod';
import { ConfigIssue, checkEnvironment } from '../model/topology';
import { names } from '../model/naming';
import { EnvironmentConfig, LABEL_PATTERN, environmentSchema } from './schema';
import { workloadKind } from '../workloads/registry';

/** An environment file that cannot be used; the message names the file, each field and the fix. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`${file}: invalid environment config\n${issues.map((i) => `  - ${i.path || '(file)'}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const formatPath = (path: readonly PropertyKey[]) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');

/**
 * The object schema found at `path`, to list the fields it allows when a user misspells one. The document
 * picks the branch of a union (the workload `kind`).
 */
function schemaAt(path: readonly PropertyKey[], document: unknown): z.core.$ZodType | undefined {
  let schema: z.core.$ZodType | undefined = environmentSchema;
  let data = document as Record<PropertyKey, unknown> | undefined;
  for (const key of [...path, undefined]) {
    schema = unwrap(schema, data);
    if (key === undefined) break;
    const def = schema?._zod.def as { type?: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType } | undefined;
    if (def?.type === 'object') schema = def.shape?.[String(key)];
    else if (def?.type === 'array') schema = def.element;
    else return undefined;
    data = data?.[key] as Record<PropertyKey, unknown> | undefined;
  }
  return schema;
}

function unwrap(schema: z.core.$ZodType | undefined, data: Record<PropertyKey, unknown> | undefined): z.core.$ZodType | undefined {
  let s = schema;
  for (;;) {
    const def = s?._zod.def as { type?: string; innerType?: z.core.$ZodType; out?: z.core.$ZodType; options?: z.core.$ZodType[] } | undefined;
    if (!def) return s;
    if (['optional', 'default', 'prefault', 'nullable'].includes(def.type!)) s = def.innerType;
    else if (def.type === 'pipe') s = def.out;
    else if (def.type === 'union') {
      // The branch whose `kind` literal matches the document (a missing kind means the default branch).
      const kind = data?.kind ?? 'lambda-container';
      s = def.options!.find((o) => {
        const shape = (o._zod.def as { shape?: Record<string, z.core.$ZodType> }).shape;
        return (shape?.kind?._zod.def as { values?: unknown[] } | undefined)?.values?.includes(kind);
      });
    } else return s;
  }
}

function describeIssue(issue: z.core.$ZodIssue, document: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    const def = schemaAt(issue.path, document)?._zod.def as { shape?: Record<string, unknown> } | undefined;
    const allowed = Object.keys(def?.shape ?? {}).filter((k) => k !== '$schema');
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed here: ${allowed.join(', ')}`;
  }
  return issue.message;
}

/** Validates a parsed environment document; `file` names it in errors and gives the default environment name. */
export function parseEnvironment(document: unknown, file: string): EnvironmentConfig {
  const parsed = environmentSchema.safeParse(document, {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input === undefined ? `is required (${issue.expected})` : undefined,
  });
  if (!parsed.success) {
    throw new ConfigError(
      file,
      parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: describeIssue(issue, document) })),
    );
  }
  const fromFile = basename(file, extname(file));
  const name = parsed.data.name ?? fromFile;
  if (!LABEL_PATTERN.test(name)) {
    throw new ConfigError(file, [
      { path: 'name', message: `the file name "${fromFile}" is not a valid environment name; set "name" (lower-case letters, digits, hyphens)` },
    ]);
  }
  const ci = names(parsed.data.workload.name, name).ci;
  const config: EnvironmentConfig = {
    ...parsed.data,
    name,
    terraformRoleName: parsed.data.terraformRoleName ?? ci.applyRole,
    terraformPlanRoleName: parsed.data.terraformPlanRoleName ?? ci.planRole,
  };
  const issues = checkEnvironment(config);
  if (issues.length > 0) throw new ConfigError(file, issues);
  return config;
}

/**
 * Checks the workload's files in the repository synth runs in (its kind decides which: a `cloudformation`
 * template's handler permissions, src/workloads/cloudformation.ts).
 */
export function checkWorkloadFiles(config: EnvironmentConfig, file: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): void {
  const issues = workloadKind(config.workload).fileChecks(config.workload, read);
  if (issues.length > 0) throw new ConfigError(file, issues);
}

/** Reads and validates one environment file (JSON). */
export function loadEnvironmentFile(file: string): EnvironmentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` }]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `not valid JSON: ${(err as Error).message}` }]);
  }
  const config = parseEnvironment(document, file);
  checkWorkloadFiles(config, file);
  return config;
}

/** Where an environment's state lives, as [field that sets it, location]; undefined for the per-stack local file. */
function stateLocation(config: EnvironmentConfig): [string, string] | undefined {
  const b = config.backend;
  if (b.type === 's3') return ['backend.key', `s3://${b.bucket}/${b.key}`];
  if (b.type === 'cloud') return ['backend.workspace', `${b.hostname}/${b.organization}/${b.workspace}`];
  return undefined;
}

/**
 * Loads several environment files; fails on the first invalid one, on two files claiming one environment
 * name, and on two environments sharing one state (a deploy of one would overwrite the other).
 */
export function loadEnvironmentFiles(files: readonly string[]): EnvironmentConfig[] {
  const configs = files.map(loadEnvironmentFile);
  configs.forEach((config, i) => {
    const first = configs.findIndex((c) => c.name === config.name);
    if (first !== i) {
      throw new ConfigError(files[i]!, [
        { path: 'name', message: `environment "${config.name}" is already defined by ${files[first]}; each environment needs its own name` },
      ]);
    }
    const state = stateLocation(config);
    const sharing = state && configs.findIndex((c) => stateLocation(c)?.[1] === state[1]);
    if (state && sharing !== i) {
      throw new ConfigError(files[i]!, [
        { path: state[0], message: `state ${state[1]} is already used by environment "${configs[sharing!]!.name}" (${files[sharing!]}); give each environment its own state` },
      ]);
    }
    // An account has one CodeStar Notifications service-linked role: a second stack creating it fails at apply.
    const createsRole = (c: EnvironmentConfig) => c.notifications?.serviceLinkedRole === 'create';
    const creator = configs.findIndex((c) => createsRole(c) && c.tooling.account === config.tooling.account);
    if (createsRole(config) && creator !== i) {
      throw new ConfigError(files[i]!, [
        {
          path: 'notifications.serviceLinkedRole',
          message: `environment "${configs[creator]!.name}" (${files[creator]}) already creates the CodeStar Notifications service-linked role of tooling account ${config.tooling.account}; set "existing" here`,
        },
      ]);
    }
  });
  return configs;
}
