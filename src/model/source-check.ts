/**
 * The buildspec of the source check, held in the plan rather than in the repository, so that the commit it judges
 * cannot rewrite it. It fetches the branch's head and fails unless the checked-out commit is reachable from it
 * (`git merge-base --is-ancestor`: 0 when it is, 1 when it is not, anything else an error). With
 * `git-credential-helper`, git fetches through the connection CodeBuild cloned with (CodeBuild User Guide,
 * "Build specification reference", env/git-credential-helper). A history CodeBuild cloned shallow is deepened first.
 */
export function sourceCheckBuildspec(): string {
  const script = [
    'set -uo pipefail',
    'commit=$(git rev-parse HEAD) || { echo "source check: the source is not a git clone (the Source action must output CODEBUILD_CLONE_REF)"; exit 1; }',
    'git fetch --quiet --no-tags origin "+refs/heads/$SOURCE_BRANCH:refs/remotes/origin/$SOURCE_BRANCH" || { echo "source check: cannot fetch branch $SOURCE_BRANCH"; exit 1; }',
    'if [ "$(git rev-parse --is-shallow-repository)" = true ]; then git fetch --quiet --unshallow origin || { echo "source check: cannot deepen the shallow clone"; exit 1; }; fi',
    'git merge-base --is-ancestor "$commit" "refs/remotes/origin/$SOURCE_BRANCH"; status=$?',
    'if [ $status -eq 0 ]; then echo "source check: $commit is on $SOURCE_BRANCH"; exit 0; fi',
    'if [ $status -eq 1 ]; then echo "source check: commit $commit is not reachable from $SOURCE_BRANCH: only reviewed code on $SOURCE_BRANCH may be built and deployed (a source revision override named another commit)"; exit 1; fi',
    'echo "source check: git merge-base failed with status $status"; exit 1',
  ];
  return [
    'version: 0.2',
    'env:',
    '  shell: bash',
    '  git-credential-helper: yes',
    'phases:',
    '  build:',
    '    commands:',
    // One command, in a subshell: its `exit` ends the check, not the build's shell (CodeBuild runs every command
    // of a phase in one shell instance).
    '      - |',
    '        (',
    ...script.map((line) => `          ${line}`),
    '        )',
    '',
  ].join('\n');
}
