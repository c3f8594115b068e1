import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { fakeAwsAndDocker, fakeDigests } from './fake-aws';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { IMAGES_PER_REPOSITORY_QUOTA, repositoryLifecyclePolicy } from '../src/policy/repository';
import { canRemove, decidingRule } from '../src/verify/ecr-lifecycle';

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
  const { bin, calls } = fakeAwsAndDocker(dir);
  const env: Record<string, string> = { PATH: `${bin}:${process.env.PATH}`, IMAGE_REPOSITORIES: repositories, ...fakeDigests(digests), ...extraEnv };
  const out = join(dir, 'out');
  const run = spawnSync('bash', [SCRIPT, 'workload:abc-1', 'abc-1', out], { env, encoding: 'utf8' });
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
        `docker push ${EU}:build-abc-1`,
        `docker push ${US}:build-abc-1`,
        `aws ecr describe-images --region us-east-1 --repository-name orders-api-example --image-ids imageTag=build-abc-1 --query imageDetails[0].[imageDigest,imageManifestMediaType] --output text`,
        'aws ecr describe-image-scan-findings --region eu-west-1 --repository-name orders-api-example --image-id imageTag=build-abc-1 --query imageScanStatus.status --output text',
      ]),
    );
  });

  it('promotes the checked digest in every region with the tag the lifecycle policy never expires', () => {
    const { run, calls } = publish(`eu-west-1=${EU} us-east-1=${US}`, { 'eu-west-1': digest('a'), 'us-east-1': digest('a') });
    expect(run.status).toBe(0);
    const pushedTags = calls().filter((c) => c.startsWith('docker push')).map((c) => c.split(':').pop()!);
    const promotions = calls().filter((c) => c.startsWith('aws ecr put-image'));
    expect(promotions).toHaveLength(2);
    for (const region of ['eu-west-1', 'us-east-1']) {
      expect(promotions).toContainEqual(expect.stringMatching(new RegExp(`--region ${region} .*--image-tag release-abc-1 .*--image-digest ${digest('a')}`)));
    }
    // The tags the script writes are the ones the repository's lifecycle policy is written for.
    const policyText = repositoryLifecyclePolicy(20);
    for (const tag of pushedTags) expect(canRemove(decidingRule(policyText, [tag])!, IMAGES_PER_REPOSITORY_QUOTA)).toBe(true);
    const releasedTags = [...pushedTags, ...promotions.map((c) => c.match(/--image-tag (\S+)/)![1]!)];
    const keeping = decidingRule(policyText, releasedTags);
    expect(keeping && canRemove(keeping, IMAGES_PER_REPOSITORY_QUOTA)).toBe(false);
  });

  it('promotes nothing when a check fails', () => {
    const { run, calls } = publish(`eu-west-1=${EU} us-east-1=${US}`, { 'eu-west-1': digest('a'), 'us-east-1': digest('a') }, { FAKE_FINDINGS: 'CVE-2024-0002\\tHIGH\\n' });
    expect(run.status).toBe(1);
    expect(calls().filter((c) => c.startsWith('aws ecr put-image'))).toEqual([]);
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
    expect(run.stderr).toMatch(/no digest for .*:build-abc-1 in eu-west-1 \(got 'None'\)/);
  });

  it('refuses an image index (multi-platform or with an attestation), which Lambda cannot run', () => {
    const { run } = publish(`eu-west-1=${EU}`, { 'eu-west-1': digest('a') }, { FAKE_MEDIA_TYPE: 'application/vnd.oci.image.index.v1+json' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/is a application\/vnd\.oci\.image\.index\.v1\+json, not a single-platform image: Lambda refuses image indexes; build with --platform and --provenance=false/);
    expect(publish(`eu-west-1=${EU}`, { 'eu-west-1': digest('a') }, { FAKE_MEDIA_TYPE: 'application/vnd.oci.image.manifest.v1+json' }).run.status).toBe(0);
  });

  it('builds every image for one platform without attestations', () => {
    for (const buildspec of ['lambda-src/buildspec.yml', 'ecs-src/buildspec.yml']) {
      expect(readFileSync(buildspec, 'utf8')).toMatch(/docker build --pull --platform linux\/amd64 --provenance=false /);
    }
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

  it('reads enhanced (Inspector) findings too', () => {
    const run = one({ FAKE_SCAN_STATUS: 'ACTIVE', FAKE_FINDING_KEYS: 'enhancedFindings', FAKE_FINDINGS: 'CVE-2025-0009\\tCRITICAL\\n' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/CRITICAL CVE-2025-0009/);
  });

  it('fails closed: an unfinished or failed scan, or a response without findings, fails the build', () => {
    const failed = one({ FAKE_SCAN_STATUS: 'FAILED' });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/did not complete \(status FAILED\): the gate cannot pass an unscanned image/);
    const waiting = one({ FAKE_SCAN_STATUS: 'IN_PROGRESS', SCAN_WAIT_ATTEMPTS: '2', SCAN_WAIT_SECONDS: '0' });
    expect(waiting.status).toBe(1);
    expect(waiting.stderr).toMatch(/status IN_PROGRESS/);
    const unreadable = one({ FAKE_FINDING_KEYS: 'imageScanCompletedAt' });
    expect(unreadable.status).toBe(1);
    expect(unreadable.stderr).toMatch(/reports no findings list \(basic or enhanced\): the gate cannot read it, so it fails/);
  });

  it('can be turned off, and refuses an unknown threshold', () => {
    expect(one({ FAKE_FINDINGS: 'CVE-2024-0002\\tCRITICAL\\n', SCAN_FAIL_ON: 'OFF' }).status).toBe(0);
    const run = one({ SCAN_FAIL_ON: 'SEVERE' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/SCAN_FAIL_ON 'SEVERE' is not one of CRITICAL, HIGH, MEDIUM, LOW, OFF/);
  });
});
