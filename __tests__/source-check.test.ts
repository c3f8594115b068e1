import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceCheckBuildspec } from '../src/model/source-check';
import { buildScript, readBuildspec } from '../src/rehearse/buildspec';

// Real git judges the check: a repository with a reviewed branch and an unreviewed one, cloned as CodeBuild
// clones a CODEBUILD_CLONE_REF source (in full, or shallow), then the buildspec's commands run in the clone.
const scratch = mkdtempSync(join(tmpdir(), 'source-check-'));
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1', HOME: scratch };
function git(cwd: string, ...args: string[]): string {
  const run = spawnSync('git', args, { cwd, encoding: 'utf8', env: GIT_ENV });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

const origin = join(scratch, 'origin');
git(scratch, 'init', '--quiet', '--initial-branch=main', origin);
const commit = (message: string) => {
  writeFileSync(join(origin, 'file.txt'), message);
  git(origin, 'add', 'file.txt');
  git(origin, 'commit', '--quiet', '-m', message);
  return git(origin, 'rev-parse', 'HEAD');
};
const older = commit('reviewed 1');
const head = commit('reviewed 2');
git(origin, 'checkout', '--quiet', '-b', 'unreviewed');
const unreviewed = commit('not reviewed');
git(origin, 'checkout', '--quiet', 'main');

/** Clones `origin` as CodeBuild would, checks out `revision`, and runs the check's commands there. */
function check(revision: string, clone: string[] = []): { status: number | null; output: string } {
  const dir = mkdtempSync(join(scratch, 'clone-'));
  git(scratch, 'clone', '--quiet', ...clone, `file://${origin}`, dir);
  git(dir, 'checkout', '--quiet', '--detach', revision);
  const { buildspec } = readBuildspec(sourceCheckBuildspec(), ['SOURCE_BRANCH'], false);
  const run = spawnSync('bash', ['-c', buildScript(buildspec!)], { cwd: dir, encoding: 'utf8', env: { ...GIT_ENV, SOURCE_BRANCH: 'main' } });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('the source check', () => {
  it('is a buildspec CodeBuild accepts, reading only the variable the project sets', () => {
    expect(readBuildspec(sourceCheckBuildspec(), ['SOURCE_BRANCH'], false).issues).toEqual([]);
  });

  it('passes the head of the branch and an older commit of it', () => {
    expect(check(head)).toMatchObject({ status: 0, output: expect.stringContaining(`source check: ${head} is on main`) });
    expect(check(older).status).toBe(0);
  });

  it('refuses a commit that is not reachable from the branch, saying so in the build log', () => {
    const result = check(unreviewed);
    expect(result.status).toBe(1);
    expect(result.output).toContain(`source check: commit ${unreviewed} is not reachable from main: only reviewed code on main may be built and deployed`);
  });

  it('deepens a shallow clone before it judges', () => {
    expect(check('origin/main', ['--depth', '1', '--no-single-branch']).status).toBe(0);
    expect(check('origin/unreviewed', ['--depth', '1', '--no-single-branch']).status).toBe(1);
  });

  it('fails, and never passes, when the branch cannot be fetched', () => {
    const dir = mkdtempSync(join(scratch, 'clone-'));
    git(scratch, 'clone', '--quiet', `file://${origin}`, dir);
    git(dir, 'remote', 'set-url', 'origin', join(scratch, 'nowhere'));
    const { buildspec } = readBuildspec(sourceCheckBuildspec(), ['SOURCE_BRANCH'], false);
    const run = spawnSync('bash', ['-c', buildScript(buildspec!)], { cwd: dir, encoding: 'utf8', env: { ...GIT_ENV, SOURCE_BRANCH: 'main' } });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('source check: cannot fetch branch main');
  });
});
