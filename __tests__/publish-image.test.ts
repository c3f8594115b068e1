import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { IMAGES_PER_REPOSITORY_QUOTA, repositoryLifecyclePolicy } from '../src/policy/repository';
import type { EcrEndpointProps, RepositorySpec, ScanFinding } from '../src/rehearse/ecr-endpoint';
import { canRemove, decidingRule } from '../src/verify/ecr-lifecycle';
import { withRealClients } from './real-clients';

// The real AWS CLI v2 against the local ECR endpoint; only the Docker daemon is a stand-in (src/rehearse/).
const SCRIPT = resolve('build/publish-image.sh');
const ACCOUNT = '111111111111';
const REPO = 'orders-api-example';
const uri = (region: string) => `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${REPO}`;
const repositories = (...regions: string[]): RepositorySpec[] => regions.map((region) => ({ region, account: ACCOUNT, name: REPO }));
const TWO = `eu-west-1=${uri('eu-west-1')} us-east-1=${uri('us-east-1')}`;
const ONE = `eu-west-1=${uri('eu-west-1')}`;

function publish(props: EcrEndpointProps, imageRepositories: string, env: Record<string, string> = {}, script = SCRIPT) {
  return withRealClients(props, `bash '${script}' workload:abc-1 abc-1 "$OUT"`, { IMAGE_REPOSITORIES: imageRepositories, SCAN_WAIT_SECONDS: '0', SCAN_WAIT_ATTEMPTS: '2', ...env });
}
/** 150 findings, more than one page of DescribeImageScanFindings (100 by default), with one HIGH on page 2. */
const manyFindings = (): ScanFinding[] => Array.from({ length: 150 }, (_, i) => ({ name: `CVE-2026-${1000 + i}`, severity: i === 120 ? 'HIGH' : 'LOW' }));

/**
 * The passing path, run once and shared by the tests of what it does (each AWS CLI start-up costs about a second):
 * two regions, an ECS container name, and the 150 findings with the HIGH one in SCAN_ALLOW, which the gate lets
 * through to the promotion.
 */
let passing: ReturnType<typeof publish> | undefined;
const passingRun = () =>
  (passing ??= publish({ repositories: repositories('eu-west-1', 'us-east-1'), findings: manyFindings() }, TWO, { CONTAINER_NAME: 'app', SCAN_ALLOW: 'CVE-2023-1 CVE-2026-1120' }));

describe('publish-image.sh with the real AWS CLI (the build pushing one image to every region)', () => {
  it('pushes to each region, promotes the digest ECR computed over the pushed bytes, and writes what the stages deploy', async () => {
    const run = await passingRun();
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    // The digest of the manifest the daemon stand-in pushed, by coreutils' sha256sum, not by our code.
    const pushed = spawnSync('sha256sum', [join(run.dir, 'docker', 'images', `${uri('eu-west-1')}:build-abc-1`.replace(/[/:]/g, '_'))], { encoding: 'utf8' });
    const digest = `sha256:${pushed.stdout.slice(0, 64)}`;
    for (const region of ['eu-west-1', 'us-east-1']) {
      expect(run.endpoint.contents(region, REPO)).toEqual({ 'build-abc-1': digest, 'release-abc-1': digest });
      expect(JSON.parse(readFileSync(join(run.dir, 'out', `imagedefinitions-${region}.json`), 'utf8'))).toEqual([{ name: 'app', imageUri: `${uri(region)}@${digest}` }]);
    }
    expect(JSON.parse(readFileSync(join(run.dir, 'out', 'images.json'), 'utf8'))).toEqual({ 'eu-west-1': `${uri('eu-west-1')}@${digest}`, 'us-east-1': `${uri('us-east-1')}@${digest}` });
    // The tags the script writes are the ones the repository's lifecycle policy is written for.
    const policyText = repositoryLifecyclePolicy(20);
    expect(canRemove(decidingRule(policyText, ['build-abc-1'])!, IMAGES_PER_REPOSITORY_QUOTA)).toBe(true);
    const keeping = decidingRule(policyText, ['build-abc-1', 'release-abc-1']);
    expect(keeping && canRemove(keeping, IMAGES_PER_REPOSITORY_QUOTA)).toBe(false);
  });

  it('fails with ImageDigestDoesNotMatchException when the manifest goes through text output and a file (the first-run bug)', async () => {
    // The promotion as it was: the manifest through --output text into a file, and that file as --image-manifest.
    let buggy = readFileSync(SCRIPT, 'utf8');
    for (const [fixed, bug] of [
      [`--query '{imageManifest: images[0].imageManifest}' --output json > "$input_file"`, `--query 'images[0].imageManifest' --output text > "$input_file"`],
      [`grep -q '"imageManifest": "' "$input_file" ||`, 'true ||'],
      ['--cli-input-json "file://$input_file"', '--image-manifest "file://$input_file"'],
    ]) {
      expect(buggy).toContain(fixed);
      buggy = buggy.replace(fixed, bug);
    }
    const copy = join(require('node:os').tmpdir(), `publish-image-buggy-${process.pid}.sh`);
    writeFileSync(copy, buggy);
    const run = await publish({ repositories: repositories('eu-west-1') }, ONE, {}, copy);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/An error occurred \(ImageDigestDoesNotMatchException\) when calling the PutImage operation/);
    expect(run.endpoint.contents('eu-west-1', REPO)).not.toHaveProperty('release-abc-1');
  });

  it('refuses to promote when a region holds another digest, and promotes nothing', async () => {
    const run = await publish({ repositories: repositories('eu-west-1', 'us-east-1') }, TWO, { REHEARSE_DOCKER_VARY_REGION: 'us-east-1' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/digest in us-east-1 \(sha256:[0-9a-f]{64}\) differs from the first region's .*refusing to promote different images/);
    expect(Object.keys(run.endpoint.contents('eu-west-1', REPO))).toEqual(['build-abc-1']);
  });

  it('refuses an image index (multi-platform or with an attestation), which Lambda cannot run', async () => {
    const run = await publish({ repositories: repositories('eu-west-1') }, ONE, { REHEARSE_DOCKER_MEDIA_TYPE: 'application/vnd.oci.image.index.v1+json' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/is a application\/vnd\.oci\.image\.index\.v1\+json, not a single-platform image: Lambda refuses image indexes; build with --platform and --provenance=false/);
  });

  it('explains a missing or malformed IMAGE_REPOSITORIES', async () => {
    expect((await publish({ repositories: [] }, '')).stderr).toMatch(/IMAGE_REPOSITORIES is empty/);
    const bad = await publish({ repositories: [] }, uri('eu-west-1'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad IMAGE_REPOSITORIES entry/);
  });

  it('builds every image for one platform without attestations', () => {
    for (const buildspec of ['lambda-src/buildspec.yml', 'ecs-src/buildspec.yml']) {
      expect(readFileSync(buildspec, 'utf8')).toMatch(/docker build --pull --platform linux\/amd64 --provenance=false /);
    }
  });
});

describe('image vulnerability gate, with the real AWS CLI following the pages of DescribeImageScanFindings', () => {
  const one = (props: Omit<EcrEndpointProps, 'repositories'>, env: Record<string, string> = {}, scan: RepositorySpec['scan'] = 'basic') =>
    publish({ repositories: [{ region: 'eu-west-1', account: ACCOUNT, name: REPO, scan }], ...props }, ONE, env);

  it('fails on a HIGH finding on the second page, naming it', async () => {
    const run = await one({ findings: manyFindings() });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('image scan found HIGH or worse (SCAN_FAIL_ON) not in SCAN_ALLOW:\n  HIGH CVE-2026-1120\n');
    // One call for the status and the keys (first page only), then every page of findings.
    expect(run.endpoint.calls.filter((c) => c === 'eu-west-1 DescribeImageScanFindings').length).toBe(3);
  });

  it('passes the same findings when the HIGH one is in SCAN_ALLOW, and promotes', async () => {
    // The passing path's run (passingRun): the same findings, the HIGH one allowed.
    const run = await passingRun();
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/image scan: nothing at or above HIGH/);
    expect(existsSync(join(run.dir, 'out', 'images.json'))).toBe(true);
  });

  it('reads enhanced (Inspector) findings, which report ACTIVE', async () => {
    const run = await one({ findings: [{ name: 'CVE-2025-0009', severity: 'CRITICAL' }] }, {}, 'enhanced');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/  CRITICAL CVE-2025-0009\n$/);
  });

  it('fails closed with its own message: no findings list, no imageScanFindings at all (the paginating CLI exits 255 on it)', async () => {
    for (const [scanFault, message] of [
      ['no-findings-list', /reports no findings list \(basic or enhanced\): the gate cannot read it, so it fails\n$/],
      ['no-scan-findings', /reports no findings list \(basic or enhanced\): the gate cannot read it, so it fails\n$/],
    ] as const) {
      const run = await one({ scanFault });
      expect({ scanFault, status: run.status }).toEqual({ scanFault, status: 1 });
      expect(run.stderr).toMatch(message);
    }
  });

  it('refuses an unknown threshold, and an unfinished scan', async () => {
    const unfinished = await one({ scanFault: 'scan-in-progress' });
    expect(unfinished.stderr).toMatch(/did not complete \(status IN_PROGRESS\): the gate cannot pass an unscanned image\n$/);
    const run = await one({}, { SCAN_FAIL_ON: 'SEVERE' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/SCAN_FAIL_ON 'SEVERE' is not one of CRITICAL, HIGH, MEDIUM, LOW, OFF/);
  });
});
