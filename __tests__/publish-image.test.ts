import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve('lambda-src/publish.sh');
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const EU = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/orders-api-example';
const US = '111111111111.dkr.ecr.us-east-1.amazonaws.com/orders-api-example';

/** Runs publish.sh with fake `docker` and `aws` commands that log their calls and answer from FAKE_DIGEST_<region>. */
function publish(repositories: string, digests: Record<string, string>) {
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
esac
`,
  );
  chmodSync(join(bin, 'docker'), 0o755);
  chmodSync(join(bin, 'aws'), 0o755);
  const env: Record<string, string> = { PATH: `${bin}:${process.env.PATH}`, IMAGE_REPOSITORIES: repositories };
  for (const [region, d] of Object.entries(digests)) env[`FAKE_DIGEST_${region.replace(/-/g, '_')}`] = d;
  const out = join(dir, 'out');
  const run = spawnSync('bash', [SCRIPT, 'workload:abc-1', 'abc-1', out], { env, encoding: 'utf8' });
  const calls = () => readFileSync(log, 'utf8').trim().split('\n');
  return { run, out, calls };
}

describe('publish.sh (the build pushing one image to every region)', () => {
  it('pushes to each regional repository and records the digest URI per region', () => {
    const { run, out, calls } = publish(`eu-west-1=${EU} us-east-1=${US}`, { 'eu-west-1': digest('a'), 'us-east-1': digest('a') });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'images.json'), 'utf8'))).toEqual({
      'eu-west-1': `${EU}@${digest('a')}`,
      'us-east-1': `${US}@${digest('a')}`,
    });
    expect(readFileSync(join(out, 'template.yaml'), 'utf8')).toBe(readFileSync('lambda-src/template.yaml', 'utf8'));
    expect(calls()).toEqual(
      expect.arrayContaining([
        `docker push ${EU}:abc-1`,
        `docker push ${US}:abc-1`,
        `aws ecr describe-images --region us-east-1 --repository-name orders-api-example --image-ids imageTag=abc-1 --query imageDetails[0].imageDigest --output text`,
      ]),
    );
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
