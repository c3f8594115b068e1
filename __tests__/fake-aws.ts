import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Fake `docker` and `aws` commands for running the build's scripts offline: both log their calls; `aws`
 * answers digests from FAKE_DIGEST_<region> (media type FAKE_MEDIA_TYPE), scan status and findings from
 * FAKE_SCAN_STATUS, FAKE_FINDING_KEYS and FAKE_FINDINGS ("name\\tseverity\\n" lines).
 */
export function fakeAwsAndDocker(dir: string): { bin: string; calls: () => string[] } {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  writeFileSync(join(bin, 'docker'), `#!/usr/bin/env bash\necho "docker $*" >> "${log}"\ncat > /dev/null || true\n`);
  writeFileSync(
    join(bin, 'aws'),
    `#!/usr/bin/env bash
echo "aws $*" >> "${log}"
region=""; prev=""
for a in "$@"; do [[ $prev == --region ]] && region=$a; prev=$a; done
query=""; prev=""
for a in "$@"; do [[ $prev == --query ]] && query=$a; prev=$a; done
case "$2" in
  get-login-password) echo token ;;
  batch-get-image) echo '{"schemaVersion":2}' ;;
  describe-images) var="FAKE_DIGEST_\${region//-/_}"; printf '%s\t%s\n' "\${!var:-None}" "\${FAKE_MEDIA_TYPE:-application/vnd.docker.distribution.manifest.v2+json}" ;;
  describe-image-scan-findings)
    case "$query" in
      imageScanStatus.status) echo "\${FAKE_SCAN_STATUS:-COMPLETE}" ;;
      join*) echo "\${FAKE_FINDING_KEYS:-findings,imageScanCompletedAt}" ;;
      *) printf '%b' "\${FAKE_FINDINGS:-}" ;;
    esac ;;
esac
`,
  );
  chmodSync(join(bin, 'docker'), 0o755);
  chmodSync(join(bin, 'aws'), 0o755);
  return { bin, calls: () => readFileSync(log, 'utf8').trim().split('\n') };
}

/** FAKE_DIGEST_<region> variables for the fake `aws`. */
export const fakeDigests = (digests: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(digests).map(([region, d]) => [`FAKE_DIGEST_${region.replace(/-/g, '_')}`, d]));
