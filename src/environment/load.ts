import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { z } from 'zod';
import { ConfigError, ConfigIssue, Position } from '../config/issue';
import { DEFAULT_WORKLOAD_KIND, EnvironmentConfig, LABEL_PATTERN, StageConfig, environmentSchema, targetSchema } from '../config/schema';
import { didYouMean, echo, parseSource } from '../config/source';
import { names } from '../model/naming';
import { workloadKind } from '../workloads/registry';
import { checkPartialEnvironment, stageDuplicates } from './checks';

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
      const kind = data?.kind ?? DEFAULT_WORKLOAD_KIND;
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
    const guesses = issue.keys.map((k) => didYouMean(k, allowed)).filter((g): g is string => Boolean(g));
    return (
      `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${echo(k)}"`).join(', ')}` +
      (guesses.length ? `; did you mean ${guesses.map((g) => `"${g}"`).join(', ')}?` : '') +
      `; allowed here: ${allowed.join(', ')}`
    );
  }
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined && !issue.message.startsWith('is required')) {
    const at = schemaAt(issue.path, document);
    const description = at && z.globalRegistry.get(at as z.ZodType)?.description;
    return `is required${description ? `: ${description}` : issue.code === 'invalid_type' ? ` (${issue.expected})` : ''}`;
  }
  return issue.message;
}

/** A schema's verdict on a value: its output, or its issues with paths below `prefix`. */
function parseWith(schema: z.ZodType, value: unknown, document: unknown, prefix: PropertyKey[]): { data?: unknown; issues: ConfigIssue[] } {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return { data: parsed.data, issues: [] };
  return {
    issues: parsed.error.issues.map((issue) => {
      const full = { ...issue, path: [...prefix, ...issue.path] } as z.core.$ZodIssue;
      return { path: formatPath(full.path), message: describeIssue(full, document) };
    }),
  };
}

/**
 * Validates a parsed environment document; `file` names it in errors and gives the default environment name.
 * Every problem is reported at once: the schema's, and the checks of each field the schema accepted
 * (checkPartialEnvironment). `locate` places each problem in the file, when the document was read from one.
 */
export function parseEnvironment(document: unknown, file: string, locate?: (path: string) => Position | undefined): EnvironmentConfig {
  const parsed = environmentSchema.safeParse(document, { reportInput: true });
  const fromFile = basename(file, extname(file));
  const name = (parsed.success ? parsed.data.name : undefined) ?? (document as { name?: unknown } | undefined)?.name ?? fromFile;
  const nameIssue: ConfigIssue[] =
    typeof name === 'string' && !LABEL_PATTERN.test(name) && name === fromFile
      ? [{ path: 'name', message: `the file name "${echo(fromFile)}" is not a valid environment name; set "name" (lower-case letters, digits, hyphens)` }]
      : [];
  if (parsed.success && !nameIssue.length) {
    const ci = names(parsed.data.workload.name, parsed.data.name ?? fromFile).ci;
    const config: EnvironmentConfig = {
      ...parsed.data,
      name: parsed.data.name ?? fromFile,
      terraformRoleName: parsed.data.terraformRoleName ?? ci.applyRole,
      terraformPlanRoleName: parsed.data.terraformPlanRoleName ?? ci.planRole,
    };
    const issues = checkPartialEnvironment(config);
    if (issues.length > 0) throw new ConfigError(file, issues, locate);
    return config;
  }
  // Not valid as a whole: each top-level field on its own, so the fields that are valid still get their checks.
  const input = (document && typeof document === 'object' && !Array.isArray(document) ? document : {}) as Record<string, unknown>;
  const issues: ConfigIssue[] = [...nameIssue];
  // Issues of the whole document outside its fields (unknown top-level fields, not an object); the fields' own below.
  if (!parsed.success) {
    issues.push(
      ...parsed.error.issues
        .filter((issue) => !(String(issue.path[0]) in environmentSchema.shape))
        .map((issue) => ({ path: formatPath(issue.path), message: describeIssue(issue, document) })),
    );
  }
  const partial: Record<string, unknown> = {};
  const valid = new Set<string>();
  for (const [field, schema] of Object.entries(environmentSchema.shape)) {
    const own = parseWith(schema as z.ZodType, input[field], document, [field]);
    issues.push(...own.issues);
    if (!own.issues.length) {
      partial[field] = own.data;
      valid.add(field);
    }
  }
  // The environment name and the Terraform role names default from the file name and the workload.
  if (nameIssue.length) valid.delete('name');
  else partial.name ??= fromFile;
  if (valid.has('workload') && valid.has('name')) {
    const ci = names((partial.workload as { name: string }).name, partial.name as string).ci;
    partial.terraformRoleName ??= ci.applyRole;
    partial.terraformPlanRoleName ??= ci.planRole;
  }
  for (const role of ['terraformRoleName', 'terraformPlanRoleName']) if (partial[role] === undefined) valid.delete(role);
  issues.push(...checkPartialEnvironment(partial as EnvironmentConfig, valid));
  // Stages with a wrong value elsewhere still have names and accounts: repeated ones are reported now, not after.
  if (!valid.has('stages') && Array.isArray(input.stages)) issues.push(...stageDuplicates(lenientStages(input.stages)));
  throw new ConfigError(file, issues, locate);
}

/** Stages as far as they can be read: names as written, the targets that are valid (positions kept). */
function lenientStages(stages: unknown[]): StageConfig[] {
  // An unreadable name or target gets a placeholder no other can equal, so it is never called a duplicate.
  return stages.map((stage, i) => {
    const s = (stage ?? {}) as { name?: unknown; targets?: unknown };
    const targets = Array.isArray(s.targets) ? s.targets.map((t) => targetSchema.safeParse(t)) : [];
    return {
      name: typeof s.name === 'string' && s.name ? s.name : `\u0000${i}`,
      approval: false,
      targets: targets.map((t, j) => (t.success ? t.data : { account: `\u0000${i}.${j}`, regions: [] })),
    };
  });
}

/**
 * Checks the workload's files in the repository synth runs in (its kind decides which: a `cloudformation`
 * template's handler permissions, src/workloads/cloudformation.ts).
 */
export function checkWorkloadFiles(
  config: EnvironmentConfig,
  file: string,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  locate?: (path: string) => Position | undefined,
): void {
  const issues = [...repositoryFileIssues(config, read), ...workloadKind(config.workload).fileChecks(config.workload, read)];
  if (issues.length > 0) throw new ConfigError(file, issues, locate);
}

/** The files of the repository the pipeline runs: the workload's buildspec and the pull-request buildspec. */
function repositoryFileIssues(config: EnvironmentConfig, read: (path: string) => string): ConfigIssue[] {
  const missing = (path: string) => {
    try {
      read(path);
      return false;
    } catch {
      return true;
    }
  };
  const issues: ConfigIssue[] = [];
  const buildspec = `${config.workload.path}/buildspec.yml`;
  if (missing(buildspec)) {
    issues.push({ path: 'workload.path', message: `${echo(buildspec)} does not exist (synth reads paths from the repository root): the pipeline's build runs it; give the folder that holds the workload and its buildspec.yml` });
  } else if (config.pullRequests) {
    const pr = config.pullRequests.buildspec ?? `${config.workload.path}/buildspec-pr.yml`;
    if (missing(pr)) issues.push({ path: config.pullRequests.buildspec ? 'pullRequests.buildspec' : 'pullRequests', message: `${echo(pr)} does not exist: pull-request builds run it; add it or set pullRequests.buildspec` });
  }
  return issues;
}

/** Reads and validates one environment file (JSON with comments, src/config/source.ts). */
export function loadEnvironmentFile(file: string): EnvironmentConfig {
  return readEnvironmentFile(file).config;
}

/** An environment file's config and where its fields are, for problems found across files. */
function readEnvironmentFile(file: string): { config: EnvironmentConfig; locate: (path: string) => Position | undefined } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` }]);
  }
  const source = parseSource(text);
  if (source.issues.length) throw new ConfigError(file, source.issues);
  const config = parseEnvironment(source.value, file, source.locate);
  checkWorkloadFiles(config, file, undefined, source.locate);
  return { config, locate: source.locate };
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
  const read = files.map(readEnvironmentFile);
  const configs = read.map((r) => r.config);
  configs.forEach((config, i) => {
    const locate = read[i]!.locate;
    const first = configs.findIndex((c) => c.name === config.name);
    if (first !== i) {
      throw new ConfigError(files[i]!, [
        { path: 'name', message: `environment "${echo(config.name)}" is already defined by ${files[first]}; each environment needs its own name` },
      ], locate);
    }
    const state = stateLocation(config);
    const sharing = state && configs.findIndex((c) => stateLocation(c)?.[1] === state[1]);
    if (state && sharing !== i) {
      throw new ConfigError(files[i]!, [
        { path: state[0], message: `state ${state[1]} is already used by environment "${configs[sharing!]!.name}" (${files[sharing!]}); give each environment its own state` },
      ], locate);
    }
  });
  return configs;
}
