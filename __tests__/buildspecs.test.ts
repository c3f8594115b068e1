import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fakeAwsAndDocker, fakeDigests } from './fake-aws';
import { Synthesized, synth } from './support';

type Body = Record<string, any>;
const shipped = readdirSync('config').filter((f) => f.endsWith('.json') && f !== 'schema.json').sort();
const BUILD_OUTPUT = 'BuildOutput';

/** What the pipeline's actions read from the build output, file by file, and the regions they deploy to. */
function readsOfBuildOutput(json: Synthesized): { files: Set<string>; regions: Set<string> } {
  const pipeline = Object.values(json.resource.aws_codepipeline!)[0]!;
  const files = new Set<string>();
  const regions = new Set<string>();
  for (const action of pipeline.stage.flatMap((s: Body) => s.action) as Body[]) {
    if (!(action.input_artifacts ?? []).includes(BUILD_OUTPUT)) continue;
    if (action.category === 'Deploy') regions.add(action.region ?? Object.values(json.provider.aws)[0]!.region);
    const c = action.configuration ?? {};
    for (const key of ['TemplatePath', 'TemplateConfiguration']) if (c[key]) files.add(String(c[key]).replace(`${BUILD_OUTPUT}::`, ''));
    // The ECS deploy action reads imagedefinitions.json unless FileName names another file.
    if (action.provider === 'ECS') files.add(c.FileName ?? 'imagedefinitions.json');
    for (const m of String(c.ParameterOverrides ?? '').matchAll(/"Fn::GetParam":\["([^"]+)","([^"]+)"/g)) if (m[1] === BUILD_OUTPUT) files.add(m[2]!);
  }
  return { files, regions };
}

/** A glob of buildspec `artifacts.files` as a regex (`*` within a name, `**` across folders). */
const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*')}$`);

/**
 * Runs the build project's buildspec commands (bash, as `env: shell: bash` asks) in a copy of the repository's
 * build scripts and workload folder, with the project's environment and fake docker/aws, and returns the files
 * CodeBuild would upload (artifacts.files under base-directory).
 */
function runBuild(project: Body) {
  const spec = parse(readFileSync(project.source.buildspec, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'buildspec-'));
  const root = join(dir, 'src');
  const env: Record<string, string> = { CODEBUILD_RESOLVED_SOURCE_VERSION: '0123456789abcdef', CODEBUILD_BUILD_NUMBER: '7' };
  const digests: Record<string, string> = {};
  for (const v of project.environment.environment_variable ?? []) {
    // Repository URLs are known after apply: stand in the URL ECR gives (registry of the provider's account).
    env[v.name] = String(v.value).replace(/\$\{aws_ecr_repository\.images-([a-z0-9-]+)_repository_\w+\.repository_url\}/g, (_m, region: string) => {
      digests[region] = `sha256:${'a'.repeat(64)}`;
      return `111111111111.dkr.ecr.${region}.amazonaws.com/workload`;
    });
  }
  cpSync('build', join(root, 'build'), { recursive: true });
  cpSync(env.WORKLOAD_DIR!, join(root, env.WORKLOAD_DIR!), { recursive: true });
  const { bin } = fakeAwsAndDocker(dir);
  const commands = ['set -eo pipefail', ...Object.values(spec.phases as Record<string, { commands?: string[] }>).flatMap((p) => p.commands ?? [])].join('\n');
  writeFileSync(join(dir, 'build.sh'), commands);
  const run = spawnSync('bash', [join(dir, 'build.sh')], { cwd: root, env: { PATH: `${bin}:${process.env.PATH}`, ...env, ...fakeDigests(digests) }, encoding: 'utf8' });
  const base = join(root, spec.artifacts['base-directory']);
  const written = run.status === 0 ? (readdirSync(base, { recursive: true }) as string[]) : [];
  const uploaded = written.filter((f) => (spec.artifacts.files as string[]).some((p) => glob(p).test(f)));
  return { run, uploaded: new Set(uploaded), env, base };
}

describe.each(shipped)('the build of %s', (file) => {
  const { json } = synth(JSON.parse(readFileSync(join('config', file), 'utf8')), join('config', file));
  const project = Object.values(json.resource.aws_codebuild_project!).find((p) => p.artifacts?.type === 'CODEPIPELINE')!;
  const reads = readsOfBuildOutput(json);
  const build = runBuild(project);

  it('runs its buildspec and uploads exactly the files the pipeline actions read', () => {
    expect({ status: build.run.status, stderr: build.run.stderr }).toEqual({ status: 0, stderr: '' });
    expect([...build.uploaded].sort()).toEqual([...reads.files].sort());
  });

  it('publishes the image to every region a stage deploys to, and only there', () => {
    if (!build.env.IMAGE_REPOSITORIES) {
      expect(reads.files.has('images.json')).toBe(false);
      return;
    }
    const published = build.env.IMAGE_REPOSITORIES.split(/\s+/).map((e) => e.split('=')[0]);
    expect(published.sort()).toEqual([...reads.regions].sort());
    expect(Object.keys(JSON.parse(readFileSync(join(build.base, 'images.json'), 'utf8'))).sort()).toEqual([...reads.regions].sort());
  });
});
