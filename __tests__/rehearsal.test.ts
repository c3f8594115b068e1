import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RehearsalFailure, RehearsalResult, rehearse } from '../src/rehearse/rehearsal';
import { AWS_CLI_OF_FILE } from './real-clients';
import { Synthesized, synth } from './support';

type Body = Record<string, any>;
const shipped = readdirSync('config').filter((f) => f.endsWith('.json') && f !== 'schema.json').sort();
const BUILD_OUTPUT = 'BuildOutput';

/** What the pipeline's actions read from the build output, file by file (from the plan, not the rehearsal). */
function readsOfBuildOutput(json: Synthesized): string[] {
  const pipeline = Object.values(json.resource.aws_codepipeline!)[0]!;
  const files = new Set<string>();
  for (const action of pipeline.stage.flatMap((s: Body) => s.action) as Body[]) {
    if (!(action.input_artifacts ?? []).includes(BUILD_OUTPUT)) continue;
    const c = action.configuration ?? {};
    for (const key of ['TemplatePath', 'TemplateConfiguration']) if (c[key]) files.add(String(c[key]).replace(`${BUILD_OUTPUT}::`, ''));
    // The ECS deploy action reads imagedefinitions.json unless FileName names another file.
    if (action.provider === 'ECS') files.add(c.FileName ?? 'imagedefinitions.json');
    for (const m of String(c.ParameterOverrides ?? '').matchAll(/"Fn::GetParam":\["([^"]+)","([^"]+)"/g)) if (m[1] === BUILD_OUTPUT) files.add(m[2]!);
  }
  return [...files].sort();
}

/** The repository's HEAD: the commit the rehearsal delivers, with the working tree's files. */
const HEAD = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
const rehearsal = (json: Synthesized, buildEnv: Record<string, string> = {}, source: { sourceRoot?: string; sourceRevision?: string } = {}) =>
  rehearse({ plan: json, sourceRoot: resolve('.'), awsCli: AWS_CLI_OF_FILE, path: process.env.PATH ?? '', workDir: mkdtempSync(join(tmpdir(), 'rehearsal-')), buildEnv, ...source });

async function failure(run: Promise<RehearsalResult>): Promise<RehearsalFailure> {
  try {
    await run;
  } catch (err) {
    if (err instanceof RehearsalFailure) return err;
    throw err;
  }
  throw new Error('the rehearsal passed');
}

describe.each(shipped)('the first run of %s, rehearsed', (file) => {
  const { json } = synth(JSON.parse(readFileSync(join('config', file), 'utf8')), join('config', file));
  let result: RehearsalResult;
  beforeAll(async () => {
    result = await rehearsal(json);
  });

  it('reaches the prod approval, after the connection handshake the first run needs', () => {
    expect(result.stoppedAt).toBe('prod / approve-prod');
    expect(result.steps[0]).toMatch(/is created PENDING: the first run fails here until someone completes its handshake/);
  });

  it('builds exactly the files the pipeline actions read', () => {
    expect((readdirSync(result.buildOutput!, { recursive: true }) as string[]).sort()).toEqual(readsOfBuildOutput(json));
  });

  it('leaves one digest in every region, with the release tag on it, and deploys that digest', () => {
    const repositories = Object.values(result.images);
    if (repositories.length === 0) return expect(Object.keys(json.resource)).not.toContain('aws_ecr_repository');
    const digests = new Set(repositories.flatMap((tags) => Object.values(tags)));
    expect(digests.size).toBe(1);
    const [digest] = [...digests];
    for (const tags of repositories) expect(Object.entries(tags).filter(([tag]) => tag.startsWith('release-'))).toEqual([[`release-${HEAD.slice(0, 12)}-1`, digest]]);
    const deployed = result.steps.filter((s) => /(ImageUri = |-> )/.test(s));
    expect(deployed.length).toBeGreaterThan(0);
    for (const line of deployed) expect(line).toMatch(new RegExp(`@${digest}$`));
  });
});

describe('the rehearsal fails at the step that would fail, with the error AWS would give', () => {
  const cfn = () => synth(JSON.parse(readFileSync('config/example-cfn.json', 'utf8')), 'config/example-cfn.json').json;
  const firstPrepare = (json: Synthesized) => (Object.values(json.resource.aws_codepipeline!)[0]!.stage as Body[])[2].action[0] as Body;

  it('a parameter override the template does not declare', async () => {
    const json = cfn();
    firstPrepare(json).configuration.ParameterOverrides = JSON.stringify({ Colour: 'blue' });
    expect((await failure(rehearsal(json))).message).toMatch(/^dev \/ 222222222222-eu-west-1-prepare: ValidationError: Parameters: \[Colour\] do not exist in the template BuildOutput::template\.yaml$/);
  });

  it('template parameters without a default and without a value', async () => {
    const json = cfn();
    delete firstPrepare(json).configuration.TemplateConfiguration;
    expect((await failure(rehearsal(json))).message).toMatch(/ValidationError: Parameters: \[Stage\] must have values \(no default in BuildOutput::template\.yaml, none given\)$/);
  });

  it('Fn::GetParam of a file the build does not write', async () => {
    const json = cfn();
    firstPrepare(json).configuration.ParameterOverrides = JSON.stringify({ Colour: { 'Fn::GetParam': ['BuildOutput', 'images.json', 'eu-west-1'] } });
    expect((await failure(rehearsal(json))).message).toMatch(/BuildOutput::images\.json: images\.json is not in BuildOutput \(the build does not write it\)/);
  });

  it('a source revision override naming a commit that is not on the branch stops the run at the source check, before any build', async () => {
    // A clone of this repository with one unreviewed commit on another branch, named by the override.
    const clone = mkdtempSync(join(tmpdir(), 'rehearsal-source-'));
    const git = (...args: string[]) => execFileSync('git', ['-C', clone, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@example.com' } }).trim();
    execFileSync('git', ['clone', '--quiet', resolve('.'), clone]);
    // main is this checkout's commit, whichever branch it is on; the unreviewed commit goes on top, beside main.
    git('checkout', '--quiet', '-B', 'main');
    git('checkout', '--quiet', '-b', 'unreviewed');
    writeFileSync(join(clone, 'cfn-src', 'buildspec.yml'), 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo anything\n');
    git('commit', '--quiet', '-am', 'not reviewed');
    const commit = git('rev-parse', 'HEAD');
    const err = await failure(rehearsal(cfn(), {}, { sourceRoot: clone, sourceRevision: commit }));
    expect(err.step).toBe('Build / Source-check');
    expect(err.message).toContain(`source check: commit ${commit} is not reachable from main: only reviewed code on main may be built and deployed`);
  });

  it('a failing build command stops the run at Build, naming the phase and command, with nothing deployed', async () => {
    const json = cfn();
    const project = Object.values(json.resource.aws_codebuild_project!).find((p) => p.name.endsWith('-image'))!;
    project.environment.environment_variable.find((v: Body) => v.name === 'WORKLOAD_DIR').value = 'no-such-folder';
    const err = await failure(rehearsal(json));
    expect(err.step).toBe('Build / Image');
    expect(err.message).toMatch(/No such file or directory: 'no-such-folder\/params\.json'[\s\S]*Command did not exit successfully \(phase build, command 1, exit status 1\)/);
  });
});
