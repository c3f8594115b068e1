import { readFileSync } from 'node:fs';
import { artifactGlob, readBuildspec } from '../src/rehearse/buildspec';

// Rules from the CodeBuild User Guide, "Build specification reference" and "Environment variables in build environments".
const SHIPPED: Array<[string, string[], boolean]> = [
  ['lambda-src/buildspec.yml', ['WORKLOAD_DIR', 'IMAGE_REPOSITORIES'], true],
  ['ecs-src/buildspec.yml', ['WORKLOAD_DIR', 'IMAGE_REPOSITORIES', 'CONTAINER_NAME'], true],
  ['cfn-src/buildspec.yml', ['WORKLOAD_DIR'], true],
  // Pull-request builds upload nothing (NO_ARTIFACTS).
  ['lambda-src/buildspec-pr.yml', [], false],
  ['ecs-src/buildspec-pr.yml', [], false],
];
const issuesOf = (text: string, vars: string[] = []) => readBuildspec(text, vars).issues.map((i) => `${i.line}: ${i.message}`);
const valid = `version: 0.2
phases:
  build:
    commands:
      - TAG=v1
      - echo "$TAG $CODEBUILD_RESOLVED_SOURCE_VERSION"
artifacts:
  files: [out.json]
`;

describe('buildspecs judged by CodeBuild rules', () => {
  it.each(SHIPPED)('%s passes with the variables its project sets', (file, vars, needsArtifacts) => {
    expect(readBuildspec(readFileSync(file, 'utf8'), vars, needsArtifacts).issues).toEqual([]);
  });

  it('fails a pipeline build without artifacts.files', () => {
    expect(readBuildspec(readFileSync('lambda-src/buildspec-pr.yml', 'utf8'), [], true).issues.map((i) => i.message)).toEqual([expect.stringMatching(/^artifacts\.files must list the files/)]);
  });

  it('accepts variables set by an earlier command and by CodeBuild', () => {
    expect(issuesOf(valid)).toEqual([]);
  });

  it('fails another version, an unknown key or phase, and a variable nobody sets, each with its line', () => {
    expect(issuesOf(valid.replace('version: 0.2', 'version: 0.1'))).toEqual(['1: version must be 0.2 (CodeBuild\'s current buildspec version; 0.1 runs each command in its own shell), got 0.1']);
    expect(issuesOf(valid.replace('  build:', '  compile:'))).toEqual([expect.stringMatching(/^3: phases\.compile is not a buildspec key; known here: install, pre_build, build, post_build$/)]);
    expect(issuesOf(valid.replace('    commands:', '    command:'))).toEqual([expect.stringMatching(/^4: phases\.build\.command is not a buildspec key/)]);
    expect(issuesOf(valid.replace('$TAG', '$IMAGE_TAG'))).toEqual(['6: phases.build.commands[1] reads $IMAGE_TAG, which neither the project, the buildspec, an earlier command nor CodeBuild sets']);
    expect(issuesOf(valid.replace('  files: [out.json]', '  base-directory: out'))).toEqual([expect.stringMatching(/^7: artifacts\.files must list the files/)]);
  });

  it('matches artifacts.files globs as CodeBuild does', () => {
    expect(artifactGlob('imagedefinitions-*.json').test('imagedefinitions-eu-west-1.json')).toBe(true);
    expect(artifactGlob('*.json').test('sub/a.json')).toBe(false);
    expect(artifactGlob('**/*').test('sub/a.json')).toBe(true);
    expect(artifactGlob('sub/**').test('sub/a/b.json')).toBe(true);
  });
});
