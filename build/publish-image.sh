#!/usr/bin/env bash
# Pushes one locally built image to the repository of every deploy region and writes what the pipeline
# deploys from into the build output:
#   <out>/images.json                      {"<region>": "<repository-uri>@sha256:<digest>", ...}
#   <out>/imagedefinitions-<region>.json   [{"name": "$CONTAINER_NAME", "imageUri": "<uri>@sha256:<digest>"}]
#                                          (ECS workloads: only when CONTAINER_NAME is set)
# Every region must end up with the same digest: the image is built once and promoted by digest.
# Every pushed manifest must be a single-platform image (Lambda refuses image indexes and attestations).
# Tags (the repository's lifecycle policy relies on them, see docs/security.md "Image retention"):
#   build-<tag>    every pushed image; the newest unpromoted ones are kept, older ones expire
#   release-<tag>  added to the same digest in every region once every check passed, just before the build
#                  output exists: every digest a stage can deploy carries it, and the lifecycle never expires it
# Vulnerability gate: once the image is pushed, wait for the scan of the first region (basic scan on push or
# enhanced Inspector scanning) and fail when a finding at or above SCAN_FAIL_ON (CRITICAL, HIGH (default),
# MEDIUM, LOW; OFF disables) is not in SCAN_ALLOW (space-separated finding names, e.g. CVE ids). It fails
# closed: an unfinished scan or a response without findings fails the build.
# Usage: IMAGE_REPOSITORIES="eu-west-1=<uri> us-east-1=<uri>" publish-image.sh <local-image> <tag> <out-dir>
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: publish-image.sh <local-image> <tag> <out-dir>" >&2; exit 2; }
image=$1 tag=$2 out=$3
[[ -n ${IMAGE_REPOSITORIES:-} ]] || { echo "IMAGE_REPOSITORIES is empty: set region=repository-uri pairs" >&2; exit 2; }
mkdir -p "$out"

severity_rank() {
  case $1 in CRITICAL) echo 5 ;; HIGH) echo 4 ;; MEDIUM) echo 3 ;; LOW) echo 2 ;; INFORMATIONAL) echo 1 ;; *) echo 0 ;; esac
}

# Lambda runs only single-platform images: a manifest list or OCI image index (what a current builder pushes
# with a provenance attestation unless told --provenance=false) is refused at deploy time. Refuse it here.
SINGLE_IMAGE_MANIFESTS=" application/vnd.docker.distribution.manifest.v2+json application/vnd.oci.image.manifest.v1+json "

# DescribeImageScanFindings pages its findings (at most 100 a page, then nextToken). The CLI follows the pages and,
# with --output text, applies --query to each page: a single value (status, keys) is read from one page only
# (--no-paginate), the findings from every page.
scan_value() { # region repository tag query
  aws ecr describe-image-scan-findings --no-paginate --region "$1" --repository-name "$2" --image-id imageTag="$3" --query "$4" --output text
}

scan_gate() { # region repository tag
  local fail_on=${SCAN_FAIL_ON:-HIGH} threshold name severity blocking="" status="" keys attempt findings
  [[ $fail_on == OFF ]] && return 0
  threshold=$(severity_rank "$fail_on")
  [[ $threshold -gt 0 ]] || { echo "SCAN_FAIL_ON '$fail_on' is not one of CRITICAL, HIGH, MEDIUM, LOW, OFF" >&2; exit 2; }
  # Basic scanning ends COMPLETE; enhanced (Inspector) scanning reports ACTIVE once the image is scanned. Each poll
  # reads the status and the keys of imageScanFindings from the first page.
  for ((attempt = 1; attempt <= ${SCAN_WAIT_ATTEMPTS:-60}; attempt++)); do
    read -r status keys < <(scan_value "$1" "$2" "$3" '[imageScanStatus.status, join(`,`, keys(imageScanFindings || `{}`))]' || echo "unreadable")
    [[ $status == COMPLETE || $status == ACTIVE ]] && break
    [[ $status == IN_PROGRESS || $status == PENDING || $status == None ]] || break
    sleep "${SCAN_WAIT_SECONDS:-10}"
  done
  if [[ $status != COMPLETE && $status != ACTIVE ]]; then
    echo "image scan of $2:$3 in $1 did not complete (status ${status:-unknown}): the gate cannot pass an unscanned image" >&2
    exit 1
  fi
  if [[ ",$keys," != *,findings,* && ",$keys," != *,enhancedFindings,* ]]; then
    echo "image scan of $2:$3 in $1 reports no findings list (basic or enhanced): the gate cannot read it, so it fails" >&2
    exit 1
  fi
  # Every page: a list that ends on page 2 must not hide its HIGH. $(...) keeps the CLI's exit status.
  findings=$(aws ecr describe-image-scan-findings --region "$1" --repository-name "$2" --image-id imageTag="$3" --output text \
    --query 'imageScanFindings.[findings[].[name,severity], enhancedFindings[].[packageVulnerabilityDetails.vulnerabilityId,severity]][]')
  while read -r name severity; do
    [[ -z $name || $name == None ]] && continue
    [[ " ${SCAN_ALLOW:-} " == *" $name "* ]] && continue
    [[ $(severity_rank "$severity") -ge $threshold ]] && blocking+="  $severity $name"$'\n'
  done <<< "$findings"
  if [[ -n $blocking ]]; then
    printf 'image scan found %s or worse (SCAN_FAIL_ON) not in SCAN_ALLOW:\n%s' "$fail_on" "$blocking" >&2
    exit 1
  fi
  echo "image scan: nothing at or above $fail_on"
}

build_tag="build-$tag" release_tag="release-$tag"
first_digest="" media_type="" json="" sep="" pushed=()
for entry in $IMAGE_REPOSITORIES; do
  region=${entry%%=*} uri=${entry#*=}
  [[ $region != "$entry" && -n $uri ]] || { echo "bad IMAGE_REPOSITORIES entry '$entry' (want region=uri)" >&2; exit 2; }
  registry=${uri%%/*} repository=${uri#*/}
  aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry" >/dev/null
  docker tag "$image" "$uri:$build_tag"
  docker push "$uri:$build_tag" >/dev/null
  details=$(aws ecr describe-images --region "$region" --repository-name "$repository" \
    --image-ids imageTag="$build_tag" --query 'imageDetails[0].[imageDigest,imageManifestMediaType]' --output text) ||
    { echo "cannot describe $uri:$build_tag in $region after the push (the AWS CLI's error is above)" >&2; exit 1; }
  read -r digest media_type <<< "$details"
  [[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "no digest for $uri:$build_tag in $region (got '$digest')" >&2; exit 1; }
  if [[ $SINGLE_IMAGE_MANIFESTS != *" $media_type "* ]]; then
    echo "$uri@$digest is a $media_type, not a single-platform image: Lambda refuses image indexes; build with --platform and --provenance=false" >&2
    exit 1
  fi
  if [[ -n $first_digest && $digest != "$first_digest" ]]; then
    echo "digest in $region ($digest) differs from the first region's ($first_digest): refusing to promote different images" >&2
    exit 1
  fi
  [[ -z $first_digest ]] && scan_gate "$region" "$repository" "$build_tag"
  first_digest=$digest
  pushed+=("$region" "$repository" "$uri")
  echo "pushed $uri@$digest"
done

# Promotion: only now that every region holds the same checked digest does it get the tag that keeps it.
# ECR computes the digest of PutImage over the exact manifest bytes it receives (ImageDigestDoesNotMatchException
# otherwise, ECR API Reference, PutImage). Text output appends a newline and $(...) strips trailing ones, so the
# manifest travels as a JSON string instead: BatchGetImage's answer, queried as PutImage's input document, goes to
# --cli-input-json unchanged, and JSON escaping carries every byte.
input_file=$(mktemp)
trap 'rm -f "$input_file"' EXIT
# One digest is one manifest: read it once, from the first region, and put it into every region.
aws ecr batch-get-image --region "${pushed[0]}" --repository-name "${pushed[1]}" --image-ids imageDigest="$first_digest" \
  --query '{imageManifest: images[0].imageManifest}' --output json > "$input_file"
grep -q '"imageManifest": "' "$input_file" || { echo "cannot read the manifest of ${pushed[2]}@$first_digest in ${pushed[0]} to promote it" >&2; exit 1; }
for ((i = 0; i < ${#pushed[@]}; i += 3)); do
  region=${pushed[i]} repository=${pushed[i + 1]} uri=${pushed[i + 2]}
  aws ecr put-image --region "$region" --repository-name "$repository" --image-tag "$release_tag" --cli-input-json "file://$input_file" \
    --image-manifest-media-type "$media_type" --image-digest "$first_digest" >/dev/null
  json+="$sep\"$region\":\"$uri@$first_digest\"" sep=","
  if [[ -n ${CONTAINER_NAME:-} ]]; then
    printf '[{"name":"%s","imageUri":"%s"}]\n' "$CONTAINER_NAME" "$uri@$first_digest" > "$out/imagedefinitions-$region.json"
  fi
  echo "promoted $uri@$first_digest as $release_tag"
done
printf '{%s}\n' "$json" > "$out/images.json"
