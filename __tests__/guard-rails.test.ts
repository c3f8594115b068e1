import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const IGNORED = new Set(['node_modules', 'cdktf.out', 'dist', '.git', 'coverage']);
// Built from parts so this file does not match itself.
const PACKAGE = ['@cdktf', 'provider-aws'].join('/');
const ROOT_IMPORT = new RegExp(`(from\\s+|require\\(\\s*|import\\(\\s*)['"]${PACKAGE}['"]`);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (IGNORED.has(entry)) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs|cjs)$/.test(entry) ? [path] : [];
  });
}

describe('performance guard rails', () => {
  it('never imports the provider package root (2,000+ classes, about 2 s and 500 MB per process)', () => {
    const offenders = sourceFiles('.').filter((file) => ROOT_IMPORT.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('would catch a root import if one were written', () => {
    expect(ROOT_IMPORT.test(`import { provider } from '${PACKAGE}';`)).toBe(true);
    expect(ROOT_IMPORT.test(`const aws = require("${PACKAGE}");`)).toBe(true);
    expect(ROOT_IMPORT.test(`import { S3Bucket } from '${PACKAGE}/lib/s3-bucket';`)).toBe(false);
  });

  it('runs the app as bundled JavaScript, never through ts-node', () => {
    const app: string = JSON.parse(readFileSync('cdktf.json', 'utf8')).app;
    expect(app).not.toMatch(/ts-node/);
    const runner = readFileSync(app.split(/\s+/)[1]!, 'utf8');
    expect(app).toBe('bash bin/run main.ts');
    expect(runner).toMatch(/options=\(--bundle /);
    expect(runner).toMatch(/esbuild "\$entry" "\$\{options\[@\]\}"/);
    expect(runner).toMatch(/exec "\$node" "\$out"/);
    expect(JSON.parse(readFileSync('package.json', 'utf8')).devDependencies['ts-node']).toBeUndefined();
  });

  it('keeps CI on the README test command', () => {
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/npm ci[\s\S]*npm test/);
    expect(readFileSync('README.md', 'utf8')).toContain('npm ci && npm test');
  });
});

describe('design notes the code cites', () => {
  // Comments cite docs/<note>.md of this repository; a citation of a file outside it, or of a missing note, fails.
  it('exist in the repository under docs/', () => {
    const { execSync } = require('node:child_process') as typeof import('node:child_process');
    const cited = execSync("grep -rhoE '[A-Za-z./-]*[A-Za-z]+\\.md' src stacks cli scripts bin main.ts verify.ts tf-check.ts ci-setup.ts diagram.ts || true", { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    const notes = [...new Set(cited)].filter((c) => !/(^|\/)(README|CONTRIBUTING)\.md$/.test(c));
    expect(notes.filter((n) => !n.startsWith('docs/'))).toEqual([]);
    const { existsSync } = require('node:fs') as typeof import('node:fs');
    expect(notes.filter((n) => !existsSync(n))).toEqual([]);
  });
});

describe('layers', () => {
  // src/ holds constructs, policies, models and checks; stacks/ composes them; cli/ and the entry points drive both.
  it('keeps src/ free of imports from stacks/, cli/ and the entry points', () => {
    const { execSync } = require('node:child_process') as typeof import('node:child_process');
    const upward = execSync("grep -rnE \"from '(\\.\\./)+(stacks|cli)/|from '(\\.\\./)+(main|verify|tf-check|ci-setup|diagram)'\" src || true", { encoding: 'utf8' }).trim();
    expect(upward).toBe('');
  });
});
