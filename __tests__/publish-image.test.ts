import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve('build/publish-image.sh');
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const EU = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/orders-api-example';
const US = '111111111111.dkr.ecr.us-east-1.amazonaws.com/orders-api-example';

/**
 * Runs publish-image.sh with fake `docker` and `aws` commands that log their calls, answer digests from
 * FAKE_DIGEST_<region> and scan findings ("name severity" lines) from FAKE_FINDINGS.
 */
function publish(repositories: string, digests: Record<string, string>, extraEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'publish-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const log = join(dir, 'calls.log');
  writeFileSync(join(bin, 'docker'), `#!/usr/bin/env bash\necho "docker $*" >> "${log}"\ncat > /dev/null || true\n`);
  writeFileSync(
    join(bin, 'aws'),
    `#!/usr/bin/env bash
echo "aws $*" >> "${log}"
region=""; prev=""
for a in "$@"; do [[ $prev == --region ]] && region=$a; prev=$a; done
case "$2" in
  get-login-password) echo token ;;
  describe-images) var="FAKE_DIGEST_\${region//-/_}"; echo "\${!var:-None}" ;;
  describe-image-scan-findings) printf '%b' "\${FAKE_FINDINGS:-}" ;;
esac
`,
  );
  chmodSync(join(bin, 'docker'), 0o755);
  chmodSync(join(bin, 'aws'), 0o755);
  const env: Record<string, string> = { PATH: `${bin}:${process.env.PATH}`, IMAGE_REPOSITORIES: repositories, ...extraEnv };
  for (const [region, d] of Object.entries(digests)) env[`FAKE_DIGEST_${region.replace(/-/g, '_')}`] = d;
  const out = join(dir, 'out');
  const run = spawnSync('bash', [SCRIPT, 'workload:abc-1', 'abc-1', out], { env, encoding: 'utf8' });
  const calls = () => readFileSync(log, 'utf8').trim().split('\n');
  return { run, out, calls };
}

describe('publish-image.sh (the build pushing one image to every region)', () => {
  it('pushes to each regional repository and records the digest URI per region', () => {
    const { run, out, calls } = publish(`eu-west-1=${EU} us-east-1=${US}`, { 'eu-west-1': digest('a'), 'us-east-1': digest('a') });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'images.json'), 'utf8'))).toEqual({
      'eu-west-1': `${EU}@${digest('a')}`,
      'us-east-1': `${US}@${digest('a')}`,
    });
    expect(existsSync(join(out, 'imagedefinitions-eu-west-1.json'))).toBe(false);
    expect(calls()).toEqual(
      expect.arrayContaining([
        `docker push ${EU}:abc-1`,
        `docker push ${US}:abc-1`,
        `aws ecr describe-images --region us-east-1 --repository-name orders-api-example --image-ids imageTag=abc-1 --query imageDetails[0].imageDigest --output text`,
        'aws ecr wait image-scan-complete --region eu-west-1 --repository-name orders-api-example --image-id imageTag=abc-1',
      ]),
    );
  });

  it('writes the image definitions of every region for an ECS container', () => {
    const { run, out } = publish(`eu-west-1=${EU} us-east-1=${US}`, { 'eu-west-1': digest('a'), 'us-east-1': digest('a') }, { CONTAINER_NAME: 'app' });
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'imagedefinitions-us-east-1.json'), 'utf8'))).toEqual([{ name: 'app', imageUri: `${US}@${digest('a')}` }]);
    expect(JSON.parse(readFileSync(join(out, 'imagedefinitions-eu-west-1.json'), 'utf8'))).toEqual([{ name: 'app', imageUri: `${EU}@${digest('a')}` }]);
  });

  it('refuses to promote when a region ends up with another digest', () => {
    const { run } = publish(`eu-west-1=${EU} us-east-1=${US}`, { 'eu-west-1': digest('a'), 'us-east-1': digest('b') });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/digest in us-east-1 .* differs from the first region's .*refusing to promote different images/);
  });

  it('fails when the registry reports no digest', () => {
    const { run } = publish(`eu-west-1=${EU}`, {});
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no digest for .*:abc-1 in eu-west-1 \(got 'None'\)/);
  });

  it('explains a missing or malformed IMAGE_REPOSITORIES', () => {
    expect(publish('', {}).run.stderr).toMatch(/IMAGE_REPOSITORIES is empty/);
    const bad = publish(EU, {}).run;
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad IMAGE_REPOSITORIES entry/);
  });
});

describe('image vulnerability gate', () => {
  const one = (env: Record<string, string>) => publish(`eu-west-1=${EU}`, { 'eu-west-1': digest('a') }, env).run;

  it('fails on a finding at or above the threshold (HIGH by default), naming it', () => {
    const run = one({ FAKE_FINDINGS: 'CVE-2024-0001\\tMEDIUM\\nCVE-2024-0002\\tHIGH\\n' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/image scan found HIGH or worse \(SCAN_FAIL_ON\) not in SCAN_ALLOW:\n  HIGH CVE-2024-0002\n$/);
  });

  it('passes findings below the threshold and allow-listed ones', () => {
    expect(one({ FAKE_FINDINGS: 'CVE-2024-0001\\tMEDIUM\\n' }).status).toBe(0);
    expect(one({ FAKE_FINDINGS: 'CVE-2024-0002\\tCRITICAL\\n', SCAN_ALLOW: 'CVE-2023-1 CVE-2024-0002' }).status).toBe(0);
    expect(one({ FAKE_FINDINGS: 'CVE-2024-0001\\tMEDIUM\\n', SCAN_FAIL_ON: 'MEDIUM' }).status).toBe(1);
  });

  it('can be turned off, and refuses an unknown threshold', () => {
    expect(one({ FAKE_FINDINGS: 'CVE-2024-0002\\tCRITICAL\\n', SCAN_FAIL_ON: 'OFF' }).status).toBe(0);
    const run = one({ SCAN_FAIL_ON: 'SEVERE' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/SCAN_FAIL_ON 'SEVERE' is not one of CRITICAL, HIGH, MEDIUM, LOW, OFF/);
  });
});
