#!/usr/bin/env bash
# Pushes one locally built image to the repository of every deploy region and writes the build output
# the pipeline deploys from:
#   <out>/images.json    {"<region>": "<repository-uri>@sha256:<digest>", ...}
#   <out>/template.yaml  the workload template
# Every region must end up with the same digest: the image is built once and promoted by digest.
# Usage: IMAGE_REPOSITORIES="eu-west-1=<uri> us-east-1=<uri>" publish.sh <local-image> <tag> <out-dir>
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: publish.sh <local-image> <tag> <out-dir>" >&2; exit 2; }
image=$1 tag=$2 out=$3
[[ -n ${IMAGE_REPOSITORIES:-} ]] || { echo "IMAGE_REPOSITORIES is empty: set region=repository-uri pairs" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

first_digest="" json="" sep=""
for entry in $IMAGE_REPOSITORIES; do
  region=${entry%%=*} uri=${entry#*=}
  [[ $region != "$entry" && -n $uri ]] || { echo "bad IMAGE_REPOSITORIES entry '$entry' (want region=uri)" >&2; exit 2; }
  registry=${uri%%/*} repository=${uri#*/}
  aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry" >/dev/null
  docker tag "$image" "$uri:$tag"
  docker push "$uri:$tag" >/dev/null
  digest=$(aws ecr describe-images --region "$region" --repository-name "$repository" \
    --image-ids imageTag="$tag" --query 'imageDetails[0].imageDigest' --output text)
  [[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "no digest for $uri:$tag in $region (got '$digest')" >&2; exit 1; }
  if [[ -n $first_digest && $digest != "$first_digest" ]]; then
    echo "digest in $region ($digest) differs from the first region's ($first_digest): refusing to promote different images" >&2
    exit 1
  fi
  first_digest=$digest
  json+="$sep\"$region\":\"$uri@$digest\"" sep=","
  echo "pushed $uri@$digest"
done
printf '{%s}\n' "$json" > "$out/images.json"
cp "$here/template.yaml" "$out/template.yaml"
