/**
 * A buildspec judged by CodeBuild's documented rules (CodeBuild User Guide, "Build specification reference for
 * CodeBuild": https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html), and turned into the one
 * shell script CodeBuild runs: in version 0.2 every command of the build runs in the same shell instance, phase
 * after phase, so a variable set in one command is seen by the next.
 */
import { LineCounter, parseDocument } from 'yaml';
import { lineOf } from '../workloads/yaml-lines';

/** Top-level keys of a buildspec (build-spec-ref.html, "Buildspec syntax"). */
const TOP_KEYS = ['version', 'run-as', 'env', 'proxy', 'batch', 'phases', 'reports', 'artifacts', 'cache'];
const ENV_KEYS = ['shell', 'variables', 'parameter-store', 'exported-variables', 'secrets-manager', 'git-credential-helper'];
/** The four phases, in the order CodeBuild runs them (build-spec-ref.html, "phases"). */
export const PHASES = ['install', 'pre_build', 'build', 'post_build'] as const;
const PHASE_KEYS = ['run-as', 'on-failure', 'runtime-versions', 'commands', 'finally'];
const ARTIFACT_KEYS = ['files', 'name', 'discard-paths', 'base-directory', 'exclude-paths', 'enable-symlinks', 's3-prefix', 'secondary-artifacts'];
/** `env.shell` on Linux (build-spec-ref.html, "env/shell"). */
const LINUX_SHELLS = ['bash', '/bin/sh'];

/**
 * Variables CodeBuild sets in every build ("Environment variables in build environments",
 * https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-env-vars.html), and what the image's
 * shell sets (HOME, PATH, PWD, and the positional and special parameters).
 */
export const CODEBUILD_VARIABLES = [
  'AWS_DEFAULT_REGION', 'AWS_REGION', 'CODEBUILD_BATCH_BUILD_IDENTIFIER', 'CODEBUILD_BUILD_ARN', 'CODEBUILD_BUILD_ID',
  'CODEBUILD_BUILD_IMAGE', 'CODEBUILD_BUILD_NUMBER', 'CODEBUILD_BUILD_SUCCEEDING', 'CODEBUILD_INITIATOR', 'CODEBUILD_KMS_KEY_ID',
  'CODEBUILD_LOG_PATH', 'CODEBUILD_PROJECT_ARN', 'CODEBUILD_PUBLIC_BUILD_URL', 'CODEBUILD_RESOLVED_SOURCE_VERSION',
  'CODEBUILD_SOURCE_REPO_URL', 'CODEBUILD_SOURCE_VERSION', 'CODEBUILD_SRC_DIR', 'CODEBUILD_START_TIME',
  'CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID', 'CODEBUILD_WEBHOOK_BASE_REF', 'CODEBUILD_WEBHOOK_EVENT', 'CODEBUILD_WEBHOOK_MERGE_COMMIT',
  'CODEBUILD_WEBHOOK_PREV_COMMIT', 'CODEBUILD_WEBHOOK_HEAD_REF', 'CODEBUILD_WEBHOOK_TRIGGER', 'HOME', 'PATH', 'PWD',
];

export interface BuildspecIssue {
  readonly line: number;
  readonly message: string;
}

export interface Buildspec {
  readonly shell: string;
  readonly phases: ReadonlyArray<{ readonly name: (typeof PHASES)[number]; readonly commands: readonly string[]; readonly abort: boolean }>;
  readonly artifacts: { readonly baseDirectory: string; readonly files: readonly string[] };
  readonly variables: Readonly<Record<string, string>>;
}

/**
 * Parses and checks a buildspec: version 0.2, known keys, phases with command lists, `artifacts.files`, and every
 * variable a command reads set by the project (`projectVariables`), the buildspec, an earlier command or CodeBuild.
 * `needsArtifacts`: the project uploads an output artifact (a pipeline build), so `artifacts.files` must name it.
 * Returns the issues with their lines; the buildspec only when there are none.
 */
export function readBuildspec(text: string, projectVariables: readonly string[], needsArtifacts = true): { buildspec?: Buildspec; issues: BuildspecIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const issues: BuildspecIssue[] = doc.errors.map((e) => ({ line: e.linePos?.[0]?.line ?? 1, message: e.message }));
  if (issues.length) return { issues };
  const issue = (path: Array<string | number>, message: string) => issues.push({ line: lineOf(doc, lines, path), message });
  const spec = (doc.toJS() ?? {}) as Record<string, any>;
  const unknown = (path: string[], value: unknown, known: readonly string[]) => {
    if (!value || typeof value !== 'object') return;
    for (const key of Object.keys(value)) if (!known.includes(key)) issue([...path, key], `${[...path, key].join('.')} is not a buildspec key; known here: ${known.join(', ')}`);
  };
  if (String(spec.version) !== '0.2') issue(['version'], `version must be 0.2 (CodeBuild's current buildspec version; 0.1 runs each command in its own shell), got ${JSON.stringify(spec.version)}`);
  unknown([], spec, TOP_KEYS);
  unknown(['env'], spec.env, ENV_KEYS);
  const shell = spec.env?.shell ?? '/bin/sh';
  if (!LINUX_SHELLS.includes(shell)) issue(['env', 'shell'], `env.shell on Linux is bash or /bin/sh, got ${JSON.stringify(shell)}`);
  const variables: Record<string, string> = Object.fromEntries(Object.entries(spec.env?.variables ?? {}).map(([k, v]) => [k, String(v)]));
  const known = new Set([...CODEBUILD_VARIABLES, ...projectVariables, ...Object.keys(variables), ...Object.keys(spec.env?.['parameter-store'] ?? {}), ...Object.keys(spec.env?.['secrets-manager'] ?? {})]);
  const phases: Buildspec['phases'][number][] = [];
  if (!spec.phases || typeof spec.phases !== 'object') issue(['phases'], 'phases is missing: a build runs the commands of its phases');
  unknown(['phases'], spec.phases, PHASES);
  for (const name of PHASES) {
    const phase = spec.phases?.[name];
    if (phase === undefined) continue;
    unknown(['phases', name], phase, PHASE_KEYS);
    const commands = phase?.commands ?? [];
    if (!Array.isArray(commands) || commands.some((c) => typeof c !== 'string')) {
      issue(['phases', name, 'commands'], `phases.${name}.commands must be a list of command strings`);
      continue;
    }
    commands.forEach((command: string, i: number) => {
      const unset = new Set<string>();
      // Line by line: a multi-line command sets variables for its own later lines as well as for later commands.
      for (const line of command.split('\n')) {
        for (const m of line.matchAll(/(?<![\\$])\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) if (!known.has(m[1]!)) unset.add(m[1]!);
        // `NAME=value` (alone, after ; & | or (, or after export) sets a variable for what follows, in the same shell.
        for (const m of line.matchAll(/(?:^\s*|[;&|(]\s*|export\s+)([A-Za-z_][A-Za-z0-9_]*)=/g)) known.add(m[1]!);
      }
      for (const variable of unset) issue(['phases', name, 'commands', i], `phases.${name}.commands[${i}] reads $${variable}, which neither the project, the buildspec, an earlier command nor CodeBuild sets`);
    });
    if (phase?.['on-failure'] !== undefined && !['ABORT', 'CONTINUE'].includes(phase['on-failure'])) issue(['phases', name, 'on-failure'], `on-failure is ABORT or CONTINUE, got ${JSON.stringify(phase['on-failure'])}`);
    phases.push({ name, commands, abort: phase?.['on-failure'] !== 'CONTINUE' });
  }
  unknown(['artifacts'], spec.artifacts, ARTIFACT_KEYS);
  const files = spec.artifacts?.files;
  if (needsArtifacts && (!Array.isArray(files) || files.length === 0 || files.some((f) => typeof f !== 'string'))) issue(['artifacts', 'files'], 'artifacts.files must list the files the pipeline reads (CodePipeline takes the build output from them)');
  if (issues.length) return { issues };
  return { issues, buildspec: { shell, phases, artifacts: { baseDirectory: String(spec.artifacts?.['base-directory'] ?? '.'), files: files ?? [] }, variables } };
}

/**
 * The build as one script for the buildspec's shell: the commands in phase order, stopping at the first that
 * fails (a phase ABORTs by default) and saying which, as CodeBuild's log does.
 */
export function buildScript(spec: Buildspec): string {
  const lines = ['# the rehearsal runs the buildspec as CodeBuild does: one shell, phase after phase'];
  for (const [name, value] of Object.entries(spec.variables)) lines.push(`export ${name}=${shellQuote(value)}`);
  for (const phase of spec.phases) {
    phase.commands.forEach((command, i) => {
      const shown = command.includes('\n') ? `${command.split('\n')[0]} ...` : command;
      lines.push(`echo '[Container] Running command ${shown.replace(/'/g, "'\\''")}'`, command);
      lines.push(`status=$?; if [ $status -ne 0 ]; then echo "[Container] Command did not exit successfully (phase ${phase.name}, command ${i + 1}, exit status $status)" >&2; exit $status; fi`);
    });
  }
  return `${lines.join('\n')}\n`;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, "'\\''")}'`;

/** A glob of `artifacts.files` as a regex: `*` within a name, `**` across folders (build-spec-ref.html, "artifacts/files"). */
export const artifactGlob = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\u0000').replace(/\*\*/g, '\u0001').replace(/\*/g, '[^/]*').replace(/\u0000/g, '(?:.*/)?').replace(/\u0001/g, '.*')}$`);
