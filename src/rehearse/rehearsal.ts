/**
 * The first run of a pipeline, offline, from its synthesized plan: the source the connection would deliver, the
 * build (its buildspec, the real AWS CLI against the local ECR endpoint, the Docker daemon's stand-in), the build
 * output, then each stage's actions in order with the inputs CodePipeline would resolve for them, until the first
 * run would stop (the manual approval). What it cannot see: IAM evaluated at run time (verify proves the plan's
 * policies), quotas at run time, the Docker build itself (docs/rehearsal.md).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Plan, PlanResource, StackJson, asList } from '../plan/plan';
import { artifactGlob, buildScript, readBuildspec } from './buildspec';
import { AwsCliServer } from './aws-cli-server';
import { clientEnvironment, run } from './clients';
import { EcrEndpoint, RepositorySpec } from './ecr-endpoint';
import { checkTemplate, templateParameters } from '../workloads/template-schema';

type Body = Record<string, any>;

export interface RehearsalProps {
  /** The synthesized stack (`cdk.tf.json`). */
  readonly plan: StackJson;
  /** The git repository the connection delivers; at HEAD its working tree stands in for the branch's head. */
  readonly sourceRoot: string;
  /** The commit the run builds, as a source revision override would name it. @default HEAD, with the working tree's files */
  readonly sourceRevision?: string;
  /** The AWS CLI v2 the build's commands run; the rehearsal starts its server, the caller stops it. */
  readonly awsCli: AwsCliServer;
  /** PATH for the build's other programs (bash, python3, curl, coreutils). */
  readonly path: string;
  /** Scratch folder: artifacts, the clients' state. */
  readonly workDir: string;
  /** Extra environment for the build, e.g. a fault of the Docker stand-in in a test. @default none */
  readonly buildEnv?: Readonly<Record<string, string>>;
  /** Prints each step as it happens. @default nothing printed */
  readonly log?: (line: string) => void;
}

/** A step of the first run that would fail, with the AWS or CodeBuild error it would show. */
export class RehearsalFailure extends Error {
  constructor(
    readonly step: string,
    detail: string,
  ) {
    super(`${step}: ${detail}`);
  }
}

export interface RehearsalResult {
  /** Every step, in order, with what it did. */
  readonly steps: string[];
  /** Where the first run would stop waiting for a person: the approval action, or undefined when it runs through. */
  readonly stoppedAt?: string;
  /** The tags and digests of each region's image repository after the build. */
  readonly images: Record<string, Record<string, string>>;
  /** The build output's folder. */
  readonly buildOutput?: string;
}

/** The rehearsal's props with the commit the connection delivers (CODEBUILD_RESOLVED_SOURCE_VERSION). */
type RunProps = RehearsalProps & { readonly sourceVersion: string };

/** Folders of the working tree the connection would not deliver (build products, dependencies, history). */
const NOT_IN_SOURCE = /(^|\/)(node_modules|\.git|cdktf\.out|dist)(\/|$)/;

export async function rehearse(rehearsal: RehearsalProps): Promise<RehearsalResult> {
  const commit = spawnSync('git', ['-C', rehearsal.sourceRoot, 'rev-parse', '--verify', `${rehearsal.sourceRevision ?? 'HEAD'}^{commit}`], { encoding: 'utf8' });
  if (commit.status !== 0) throw new Error(`the rehearsal delivers a commit of a git repository: ${rehearsal.sourceRoot} has no commit ${rehearsal.sourceRevision ?? 'HEAD'} (${commit.stderr.trim()})`);
  const props: RunProps = { ...rehearsal, sourceVersion: commit.stdout.trim() };
  const plan = new Plan(props.plan);
  const steps: string[] = [];
  const say = (line: string) => {
    steps.push(line);
    props.log?.(line);
  };
  const pipeline = plan.ofType('aws_codepipeline')[0];
  if (!pipeline) throw new RehearsalFailure('plan', 'the stack has no aws_codepipeline');
  const endpoint = await new EcrEndpoint({ repositories: repositoriesOf(plan) }).start();
  const artifacts = new Map<string, string>();
  try {
    for (const stage of pipeline.body.stage as Body[]) {
      const actions = [...(stage.action as Body[])].sort((a, b) => (a.run_order ?? 1) - (b.run_order ?? 1));
      for (const action of actions) {
        const step = `${stage.name} / ${action.name}`;
        const region = action.region ?? pipeline.region;
        if (action.category === 'Approval') {
          say(`${step}: manual approval (${action.configuration?.CustomData ?? 'no message'}); the first run waits here for a person`);
          return { steps, stoppedAt: step, images: imagesOf(endpoint, plan), buildOutput: artifacts.get('BuildOutput') };
        }
        const inputs = inputArtifacts(step, action, artifacts);
        const lines = await ACTIONS[action.provider]?.({ step, action, region, plan, props, inputs, artifacts, endpoint, pipeline });
        if (!lines) throw new RehearsalFailure(step, `the rehearsal does not know the ${action.category} provider ${action.provider}: add it to src/rehearse/rehearsal.ts`);
        for (const line of lines) say(`${step}: ${line}`);
      }
    }
    return { steps, images: imagesOf(endpoint, plan), buildOutput: artifacts.get('BuildOutput') };
  } finally {
    await endpoint.stop();
  }
}

interface ActionContext {
  readonly step: string;
  readonly action: Body;
  readonly region: string;
  readonly plan: Plan;
  readonly props: RunProps;
  readonly inputs: Map<string, string>;
  readonly artifacts: Map<string, string>;
  readonly endpoint: EcrEndpoint;
  readonly pipeline: PlanResource;
}

/** What each action provider does on the first run, as lines of the rehearsal's log. */
const ACTIONS: Record<string, (c: ActionContext) => Promise<string[]> | string[]> = {
  CodeStarSourceConnection: ({ step, action, props, artifacts }) => {
    const out = outputDir(props, action.output_artifacts[0], artifacts);
    const c = action.configuration;
    const workingTree = () => cpSync(props.sourceRoot, out, { recursive: true, filter: (src) => !NOT_IN_SOURCE.test(relative(props.sourceRoot, src)) });
    if (c.OutputArtifactFormat === 'CODEBUILD_CLONE_REF') {
      // CodeBuild clones the commit with its history from the connection's repository. That repository is a bare
      // copy of the one rehearsed; without an override the run delivers the branch's head, which HEAD stands in for,
      // so the branch is moved there (a rehearsal from a feature branch sees its commit on the branch, as after merge).
      const origin = join(props.workDir, 'connection-repository.git');
      const steps = [['clone', '--quiet', '--bare', props.sourceRoot, origin]];
      if (!props.sourceRevision) steps.push(['-C', origin, 'update-ref', `refs/heads/${c.BranchName}`, props.sourceVersion]);
      steps.push(['clone', '--quiet', '--no-checkout', origin, out], ['-C', out, 'checkout', '--quiet', '--detach', props.sourceVersion]);
      for (const args of steps) {
        const git = spawnSync('git', args, { encoding: 'utf8' });
        if (git.status !== 0) throw new RehearsalFailure(step, `git ${args.join(' ')}: ${git.stderr.trim()}`);
      }
      if (!props.sourceRevision) workingTree();
    } else workingTree();
    const delivered = props.sourceRevision ? `the commit ${props.sourceRevision}` : 'the working tree';
    return [
      `the connection ${c.ConnectionArn} is created PENDING: the first run fails here until someone completes its handshake in the console (Developer Tools > Settings > Connections)`,
      `then it delivers ${c.FullRepositoryId}@${c.BranchName} (${props.sourceVersion}) as ${action.output_artifacts[0]} (${c.OutputArtifactFormat ?? 'CODE_ZIP'}): rehearsed with ${delivered}`,
    ];
  },
  CodeBuild: (c) => runBuild(c),
  CloudFormation: ({ step, action, region, inputs }) => cloudFormation(step, action, region, inputs),
  ECS: ({ step, action, region, inputs }) => {
    const file = action.configuration.FileName ?? 'imagedefinitions.json';
    const definitions = readJsonArtifact(step, inputs, action.input_artifacts[0], file);
    if (!Array.isArray(definitions) || definitions.some((d) => typeof d?.name !== 'string' || typeof d?.imageUri !== 'string')) {
      throw new RehearsalFailure(step, `${file} is not a list of {name, imageUri} (ECS deploy action, "Image definitions file reference")`);
    }
    return definitions.map((d) => `ECS ${region}: service ${action.configuration.ServiceName} of cluster ${action.configuration.ClusterName}, container ${d.name} -> ${d.imageUri}`);
  },
  Lambda: ({ action, region }) => [`invokes ${action.configuration.FunctionName} in ${region} with UserParameters ${action.configuration.UserParameters ?? '(none)'}`],
};

function inputArtifacts(step: string, action: Body, artifacts: Map<string, string>): Map<string, string> {
  const inputs = new Map<string, string>();
  for (const name of (action.input_artifacts ?? []) as string[]) {
    const dir = artifacts.get(name);
    if (!dir) throw new RehearsalFailure(step, `input artifact ${name} is not produced by an earlier action`);
    inputs.set(name, dir);
  }
  return inputs;
}

function outputDir(props: RehearsalProps, name: string, artifacts: Map<string, string>): string {
  const dir = join(props.workDir, 'artifacts', name);
  mkdirSync(dir, { recursive: true });
  artifacts.set(name, dir);
  return dir;
}

async function runBuild({ step, action, region, plan, props, inputs, artifacts, endpoint, pipeline }: ActionContext): Promise<string[]> {
  const project = plan.ofType('aws_codebuild_project').find((p) => p.body.name === action.configuration.ProjectName);
  if (!project) throw new RehearsalFailure(step, `no aws_codebuild_project named ${action.configuration.ProjectName}`);
  const source = inputs.get(action.input_artifacts[0])!;
  const buildspecName = String(project.body.source?.buildspec ?? 'buildspec.yml');
  const inline = buildspecName.includes('\n');
  const buildspecPath = join(source, buildspecName);
  if (!inline && !existsSync(buildspecPath)) throw new RehearsalFailure(step, `YAML_FILE_ERROR: ${buildspecName} is not in the source (CodeBuild reads the buildspec from the source root)`);
  const variables: Record<string, string> = {};
  for (const v of (project.body.environment?.environment_variable ?? []) as Body[]) {
    if ((v.type ?? 'PLAINTEXT') !== 'PLAINTEXT') throw new RehearsalFailure(step, `variable ${v.name} is ${v.type}: the rehearsal reads only PLAINTEXT values`);
    variables[v.name] = String(v.value);
  }
  const { buildspec, issues } = readBuildspec(inline ? buildspecName : readFileSync(buildspecPath, 'utf8'), Object.keys(variables), asList(action.output_artifacts).length > 0);
  if (!buildspec) throw new RehearsalFailure(step, issues.map((i) => `${inline ? 'buildspec' : buildspecName}:${i.line}: ${i.message}`).join('; '));
  const clients = clientEnvironment(join(props.workDir, 'clients'), endpoint.url, props.awsCli, props.path, props.sourceRoot);
  const env = {
    ...clients.env,
    ...variables,
    ...props.buildEnv,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    CODEBUILD_BUILD_NUMBER: '1',
    CODEBUILD_BUILD_ID: `${project.body.name}:00000000-0000-0000-0000-000000000001`,
    CODEBUILD_INITIATOR: `codepipeline/${pipeline.body.name}`,
    CODEBUILD_RESOLVED_SOURCE_VERSION: props.sourceVersion,
    CODEBUILD_SOURCE_VERSION: props.sourceVersion,
    CODEBUILD_SRC_DIR: source,
  };
  const script = join(props.workDir, 'build-script.sh');
  writeFileSync(script, buildScript(buildspec));
  const shell = buildspec.shell === 'bash' ? 'bash' : 'sh';
  await props.awsCli.start(env);
  const result = await run(shell, [script], { cwd: source, env });
  if (result.status !== 0) throw new RehearsalFailure(step, `the build failed:\n${`${result.stdout}${result.stderr}`.trim().split('\n').slice(-12).join('\n')}`);
  const ran = `CodeBuild ${project.body.name} in ${region} runs ${inline ? 'its inline buildspec' : buildspecName} (${buildspec.phases.map((p) => p.name).join(', ')})`;
  const log = result.stdout.trim().split('\n').filter((l) => l && !l.startsWith('[Container]')).map((l) => `  ${l}`);
  // A build without an output artifact (the source check) uploads nothing.
  if (asList(action.output_artifacts).length === 0) return [ran, ...log];
  const out = outputDir(props, action.output_artifacts[0], artifacts);
  const base = join(source, buildspec.artifacts.baseDirectory);
  const written = existsSync(base) ? (readdirSync(base, { recursive: true }) as string[]) : [];
  const uploaded: string[] = [];
  for (const pattern of buildspec.artifacts.files) {
    const matches = written.filter((f) => artifactGlob(pattern).test(f));
    // CodeBuild fails the upload phase when a pattern matches nothing ("no matching artifact paths found").
    if (matches.length === 0) throw new RehearsalFailure(step, `CLIENT_ERROR: no matching artifact paths found for ${pattern} under ${buildspec.artifacts.baseDirectory}`);
    uploaded.push(...matches);
  }
  for (const file of [...new Set(uploaded)].sort()) {
    mkdirSync(dirname(join(out, file)), { recursive: true });
    cpSync(join(base, file), join(out, file));
  }
  const pushed = Object.entries(imagesOf(endpoint, plan)).map(([where, tags]) => `${where} ${Object.keys(tags).join(', ')}`);
  return [
    ran,
    ...log,
    ...pushed.map((p) => `  ECR ${p}`),
    `${action.output_artifacts[0]}: ${[...new Set(uploaded)].sort().join(', ')}`,
  ];
}

/** `Artifact::file` of a CloudFormation action's TemplatePath or TemplateConfiguration. */
function artifactFile(step: string, reference: string, inputs: Map<string, string>): { file: string; path: string } {
  const [artifact, file] = reference.split('::');
  const dir = artifact && inputs.get(artifact);
  if (!dir || !file) throw new RehearsalFailure(step, `${reference} does not name an input artifact of the action and a file in it (Artifact::path)`);
  const path = join(dir, file);
  if (!existsSync(path)) throw new RehearsalFailure(step, `${reference}: ${file} is not in ${artifact} (the build does not write it)`);
  return { file, path };
}

function readJsonArtifact(step: string, inputs: Map<string, string>, artifact: string, file: string): any {
  const { path } = artifactFile(step, `${artifact}::${file}`, inputs);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RehearsalFailure(step, `${artifact}::${file} is not JSON: ${(err as Error).message}`);
  }
}

/**
 * A CloudFormation action as CodePipeline runs it (CodePipeline User Guide, "AWS CloudFormation deploy action
 * reference" and "Parameter override functions with CodePipeline pipelines"): the template and template
 * configuration from input artifacts, `Fn::GetParam` read from a JSON file of an input artifact, and the
 * change set's parameters: every override a template parameter, every parameter without a default given.
 */
function cloudFormation(step: string, action: Body, region: string, inputs: Map<string, string>): string[] {
  const c = action.configuration;
  if (c.ActionMode === 'CHANGE_SET_EXECUTE') return [`CloudFormation ${region}: executes change set ${c.ChangeSetName} of stack ${c.StackName}`];
  const template = artifactFile(step, c.TemplatePath, inputs);
  const text = readFileSync(template.path, 'utf8');
  const schemaIssues = checkTemplate(text);
  if (schemaIssues.length) throw new RehearsalFailure(step, schemaIssues.map((i) => `${c.TemplatePath}:${i.line}: ${i.message}`).join('; '));
  const values: Record<string, string> = {};
  if (c.TemplateConfiguration) {
    const [artifact, file] = String(c.TemplateConfiguration).split('::');
    const config = readJsonArtifact(step, inputs, artifact!, file!);
    for (const [k, v] of Object.entries(config?.Parameters ?? {})) values[k] = String(v);
  }
  const overrides = JSON.parse(c.ParameterOverrides ?? '{}') as Record<string, unknown>;
  for (const [name, value] of Object.entries(overrides)) values[name] = resolveOverride(step, name, value, inputs);
  const parameters = templateParameters(text);
  for (const name of Object.keys(values)) {
    if (!(name in parameters)) throw new RehearsalFailure(step, `ValidationError: Parameters: [${name}] do not exist in the template ${c.TemplatePath}`);
  }
  for (const [name, value] of Object.entries(values)) {
    const { allowedPattern, allowedValues } = parameters[name]!;
    if (allowedPattern && !new RegExp(`^(?:${allowedPattern})$`).test(value)) throw new RehearsalFailure(step, `ValidationError: Parameter '${name}' must match pattern ${allowedPattern} (got ${value})`);
    if (allowedValues && !allowedValues.includes(value)) throw new RehearsalFailure(step, `ValidationError: Parameter '${name}' must be one of AllowedValues ${allowedValues.join(', ')} (got ${value})`);
  }
  const missing = Object.entries(parameters).filter(([name, p]) => !(name in values) && !p.hasDefault).map(([name]) => name);
  if (missing.length) throw new RehearsalFailure(step, `ValidationError: Parameters: [${missing.join(', ')}] must have values (no default in ${c.TemplatePath}, none given)`);
  return [
    `CloudFormation ${region} as ${c.RoleArn}: change set ${c.ChangeSetName} of stack ${c.StackName} from ${c.TemplatePath}`,
    ...Object.entries(values).map(([k, v]) => `  ${k} = ${v}`),
  ];
}

/** A ParameterOverrides value: a string, or `{"Fn::GetParam": [artifact, file, key]}` read from the artifact. */
function resolveOverride(step: string, name: string, value: unknown, inputs: Map<string, string>): string {
  if (typeof value === 'string') return value;
  const args = (value as Body | null)?.['Fn::GetParam'];
  if (!Array.isArray(args) || args.length !== 3 || args.some((a) => typeof a !== 'string')) {
    throw new RehearsalFailure(step, `ParameterOverrides.${name} must be a string or {"Fn::GetParam": [artifact, file, key]}`);
  }
  const [artifact, file, key] = args as [string, string, string];
  if (!inputs.has(artifact)) throw new RehearsalFailure(step, `ParameterOverrides.${name}: Fn::GetParam names ${artifact}, not an input artifact of the action`);
  const document = readJsonArtifact(step, inputs, artifact, file);
  if (typeof document?.[key] !== 'string') throw new RehearsalFailure(step, `ParameterOverrides.${name}: ${artifact}::${file} has no string "${key}" (it has ${Object.keys(document ?? {}).join(', ') || 'nothing'})`);
  return document[key];
}

/** The image repositories of the plan, as the endpoint serves them. */
function repositoriesOf(plan: Plan): RepositorySpec[] {
  const enhanced = new Set(
    plan
      .ofType('aws_ecr_registry_scanning_configuration')
      .filter((r) => r.body.scan_type === 'ENHANCED')
      .map((r) => `${r.account}/${r.region}`),
  );
  return plan.ofType('aws_ecr_repository').map((r) => ({
    region: r.region,
    account: r.account,
    name: r.body.name,
    tagMutability: r.body.image_tag_mutability ?? 'MUTABLE',
    scan: enhanced.has(`${r.account}/${r.region}`) ? 'enhanced' : r.body.image_scanning_configuration?.scan_on_push ? 'basic' : 'none',
  }));
}

function imagesOf(endpoint: EcrEndpoint, plan: Plan): Record<string, Record<string, string>> {
  return Object.fromEntries(plan.ofType('aws_ecr_repository').map((r) => [`${r.region}/${r.body.name}`, endpoint.contents(r.region, r.body.name)]));
}
