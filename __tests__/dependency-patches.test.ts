/**
 * The patches npm ci applies to installed packages (patches/, applied by patch-package on postinstall;
 * docs/performance.md). Each only speeds a comparison up, so the package as published is the oracle: GNU patch
 * takes the patch back out of a copy of the installed files, and the patched and the published code must answer
 * every question of a corpus alike.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const PATCHES = resolve('patches');
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The installed package's folder (its exports hide package.json, so from the resolved entry). */
const installed = (pkg: string) => {
  const entry = require.resolve(pkg);
  return entry.slice(0, entry.indexOf(`${pkg}/`) + pkg.length);
};

/** A module of the package as installed (patched) and as published (the patch taken back out by GNU patch). */
function bothVersions<T>(pkg: string, file: string): { patched: T; published: T } {
  const [patch, ...others] = readdirSync(PATCHES).filter((f) => f.startsWith(`${pkg.replace('/', '+')}+`));
  expect(others).toEqual([]);
  expect(patch).toBeDefined();
  const root = mkdtempSync(join(tmpdir(), 'cap-published-'));
  dirs.push(root);
  cpSync(installed(pkg), join(root, 'node_modules', pkg), { recursive: true });
  const reverse = spawnSync('patch', ['-R', '-p1', '--batch', '--silent', '-d', root, '-i', join(PATCHES, patch!)], { encoding: 'utf8' });
  if (reverse.status !== 0 || reverse.stdout + reverse.stderr !== '') {
    throw new Error(`${pkg} as installed is not the patched package (${patch} does not come back out: ${reverse.stdout}${reverse.stderr}); npm ci applies patches/ on postinstall, or run npx patch-package`);
  }
  return { patched: require(join(installed(pkg), file)), published: require(join(root, 'node_modules', pkg, file)) };
}

// Case, accents, compatibility forms, the separators and wildcards ARNs use, and the empty string.
const CHARACTERS = ['a', 'A', 'á', 'Á', 'e', 'E', 'é', 'É', 'e\u0301', 'ß', 's', 'ss', 'ı', 'i', 'I', 'İ', 'ﬁ', 'fi', '0', '9', ':', '/', '*', '?', '-', '_', '.', '$', ' ', ''];

describe('@cloud-copilot/iam-policy with one collator', () => {
  const { patched, published } = bothVersions<{ caseInsensitiveEquals: (a: string, b: string) => boolean }>('@cloud-copilot/iam-policy', 'dist/cjs/utils.js');

  it('compares every pair of the corpus as the published package does', () => {
    const pairs = CHARACTERS.flatMap((a) => CHARACTERS.map((b) => [a, b] as const));
    const answers = pairs.map(([a, b]) => [a, b, published.caseInsensitiveEquals(a, b)]);
    expect(pairs.map(([a, b]) => [a, b, patched.caseInsensitiveEquals(a, b)])).toEqual(answers);
    // The corpus tells the comparison apart from a case-sensitive one and from one that ignores accents.
    for (const other of [(a: string, b: string) => a === b, (a: string, b: string) => new Intl.Collator(undefined, { sensitivity: 'base' }).compare(a, b) === 0]) {
      expect(pairs.map(([a, b]) => [a, b, other(a, b)])).not.toEqual(answers);
    }
  });
});

describe('@cloud-copilot/iam-utils with one collator', () => {
  type Matcher = { resourceStringMatchesResourceTypePattern: (resource: string, pattern: string) => boolean };
  const { patched, published } = bothVersions<Matcher>('@cloud-copilot/iam-utils', 'dist/cjs/resourceTypes.js');
  const PATTERNS = [
    'arn:${Partition}:s3:::${BucketName}',
    'arn:${Partition}:s3:::${BucketName}/${ObjectName}',
    'arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}',
    'arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}',
    'arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}',
  ];
  const RESOURCES = [
    '*', 'arn:aws:*', 'arn:aws:s3:::*', 'arn:aws:s3:::bucket', 'arn:aws:S3:::bucket', 'arn:aws:ś3:::bucket', 'arn:aws:s3:::bucket/key', 'arn:aws:s3:::b?cket/*',
    'arn:aws:iam::111111111111:role/deploy', 'arn:aws:IAM::111111111111:ROLE/deploy', 'arn:aws:iam::111111111111:rôle/deploy', 'arn:aws:iam:::role/deploy', 'arn:aws:iam::*:role/*',
    'arn:aws:kms:eu-west-1:111111111111:key/1234', 'arn:aws:KMS:eu-west-1:111111111111:Key/1234', 'arn:aws:kms:eu-west-1:111111111111:alias/x', 'arn:aws:kms:*:*:key/*',
    'arn:aws:ecr:eu-west-1:111111111111:repository/app', 'arn:aws:ecr:eu-west-1:111111111111:Repository/app', 'arn:aws:ecr:eu-west-1:111111111111:repositorý/app',
  ];

  it('matches every resource of the corpus to every pattern as the published package does', () => {
    const cases = RESOURCES.flatMap((resource) => PATTERNS.map((pattern) => [resource, pattern] as const));
    const answers = cases.map(([r, p]) => [r, p, published.resourceStringMatchesResourceTypePattern(r, p)]);
    expect(cases.map(([r, p]) => [r, p, patched.resourceStringMatchesResourceTypePattern(r, p)])).toEqual(answers);
    // Both answers occur, and a match that needs the case-insensitive comparison.
    expect(new Set(answers.map(([, , a]) => a))).toEqual(new Set([true, false]));
    expect(published.resourceStringMatchesResourceTypePattern('arn:aws:IAM::111111111111:ROLE/deploy', PATTERNS[2]!)).toBe(true);
    expect(published.resourceStringMatchesResourceTypePattern('arn:aws:ś3:::bucket', PATTERNS[0]!)).toBe(false);
  });
});

it('patches only packages that are installed at the version the patch names', () => {
  for (const patch of readdirSync(PATCHES)) {
    const [, scope, name, version] = patch.match(/^(@[^+]+)\+([^+]+)\+(.+)\.patch$/)!;
    const dir = installed(`${scope}/${name}`);
    expect({ patch, version: require(join(dir, 'package.json')).version }).toEqual({ patch, version });
    expect(dirname(dir)).toMatch(/node_modules\/@cloud-copilot$/);
  }
});
