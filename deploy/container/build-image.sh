#!/usr/bin/env bash
# Build the system's image from this checkout, and remove the images the
# build replaced.
#
#   deploy/container/build-image.sh [--engine podman|docker] [--tag NAME]
#
# Builds deploy/Dockerfile with the host's network (apt in the build stage
# reaches the mirror as the host does) into NAME (default
# localhost/amr:latest, what the compose files run), and its build stage
# into NAME's repository with the suffix -build, which keeps the compiler
# layers cached for the next build. An image that one of the two tags
# pointed to before the build and no longer does is removed (with the
# layers only it used), so rebuilding after every change of the source
# does not leave some 600 MB of untagged images behind each time. An
# image a container still uses is kept. The base image must exist
# (deploy/container/debian-base.sh makes it where no registry is reachable).
set -euo pipefail

engine=${AMR_ENGINE:-podman}
tag=localhost/amr:latest

while [ $# -gt 0 ]; do
	case $1 in
	--engine) engine=$2; shift 2 ;;
	--tag) tag=$2; shift 2 ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "build-image.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
case $tag in
*:*) build_tag=${tag%:*}-build:${tag##*:} ;;
*) build_tag=$tag-build ;;
esac

cd "$(dirname "$0")/../.."
id_of() { "$engine" image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
old=$(id_of "$build_tag"; id_of "$tag")

"$engine" build --network host -f deploy/Dockerfile --target build -t "$build_tag" .
"$engine" build --network host -f deploy/Dockerfile -t "$tag" .

new=$(id_of "$build_tag"; id_of "$tag")
for id in $old; do
	grep -qx "$id" <<<"$new" && continue
	if "$engine" rmi "$id" >/dev/null 2>&1; then
		echo "removed the replaced image ${id:0:12}"
	fi
done
