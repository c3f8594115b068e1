#!/usr/bin/env bash
# The Docker daemon's stand-in: no Docker engine runs here, so this does only what the build asks of the daemon
# (build, tag, login, push), nothing of the AWS CLI. `build` makes a single-platform image manifest (Docker image
# manifest v2 schema 2, indented as the daemon's registry client writes it, no trailing newline) whose content
# depends on the build context; `push` sends it to the registry side of the rehearsal's ECR endpoint as the
# daemon would (PUT /v2/<name>/manifests/<tag>, basic credentials from `docker login`).
# Faults, for tests: REHEARSE_DOCKER_MEDIA_TYPE makes `build` produce another manifest type (an image index);
# REHEARSE_DOCKER_VARY_REGION=<region> makes the push to that region carry a different manifest.
set -euo pipefail
state=${REHEARSE_DOCKER_STATE:?the rehearsal sets REHEARSE_DOCKER_STATE} endpoint=${REHEARSE_ENDPOINT:?the rehearsal sets REHEARSE_ENDPOINT}
mkdir -p "$state/images" "$state/logins"
image_file() { printf '%s/images/%s' "$state" "${1//[\/:]/_}"; }
echo "docker $*" >> "$state/calls.log"
command=$1
shift
case $command in
  build)
    tag="" context=""
    while (($#)); do
      case $1 in
        --tag | -t) tag=$2; shift 2 ;;
        --platform | -f | --file) shift 2 ;;
        --*) shift ;;
        *) context=$1; shift ;;
      esac
    done
    [[ -n $tag && -d $context ]] || { echo "docker build: need --tag and a build context folder (got '$context')" >&2; exit 1; }
    [[ -f $context/Dockerfile ]] || { echo "docker build: unable to prepare context: $context/Dockerfile not found" >&2; exit 1; }
    layer=$(cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)
    config=$(printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$layer" | sha256sum | cut -c1-64)
    media=${REHEARSE_DOCKER_MEDIA_TYPE:-application/vnd.docker.distribution.manifest.v2+json}
    printf '{\n   "schemaVersion": 2,\n   "mediaType": "%s",\n   "config": {\n      "mediaType": "application/vnd.docker.container.image.v1+json",\n      "size": 1470,\n      "digest": "sha256:%s"\n   },\n   "layers": [\n      {\n         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",\n         "size": 2048,\n         "digest": "sha256:%s"\n      }\n   ]\n}' \
      "$media" "$config" "$layer" > "$(image_file "$tag")"
    ;;
  tag)
    [[ -f $(image_file "$1") ]] || { echo "Error response from daemon: No such image: $1" >&2; exit 1; }
    cp "$(image_file "$1")" "$(image_file "$2")"
    ;;
  login)
    registry="" stdin=""
    while (($#)); do
      case $1 in
        --username | -u) shift 2 ;;
        --password-stdin) stdin=1; shift ;;
        *) registry=$1; shift ;;
      esac
    done
    [[ -n $stdin && -n $registry ]] || { echo "docker login: the build logs in with --password-stdin <registry>" >&2; exit 1; }
    cat > "$state/logins/$registry"
    echo "Login Succeeded"
    ;;
  push)
    reference=$1 registry=${1%%/*} rest=${1#*/}
    repository=${rest%:*} tag=${rest##*:}
    [[ $registry =~ ^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$ ]] || { echo "docker push: $registry is not an ECR registry" >&2; exit 1; }
    account=${BASH_REMATCH[1]} region=${BASH_REMATCH[2]}
    [[ -f $(image_file "$reference") ]] || { echo "An image does not exist locally with the tag: $reference" >&2; exit 1; }
    [[ -f $state/logins/$registry ]] || { echo "no basic auth credentials (docker login $registry first)" >&2; exit 1; }
    manifest=$(image_file "$reference")
    if [[ ${REHEARSE_DOCKER_VARY_REGION:-} == "$region" ]]; then
      sed 's/"size": 2048/"size": 2049/' "$manifest" > "$manifest.varied"
      manifest=$manifest.varied
    fi
    media=$(sed -n 's/^   "mediaType": "\(.*\)",$/\1/p' "$manifest")
    answer=$(curl -sS -X PUT -o - -w '\n%{http_code}' -u "AWS:$(cat "$state/logins/$registry")" -H "Content-Type: $media" \
      --data-binary "@$manifest" "$endpoint/registry/$account/$region/v2/$repository/manifests/$tag")
    [[ ${answer##*$'\n'} == 201 ]] || { echo "docker push $reference: ${answer%$'\n'*}" >&2; exit 1; }
    ;;
  *)
    echo "docker $command: not a command the build runs (the stand-in does build, tag, login, push)" >&2
    exit 1
    ;;
esac
