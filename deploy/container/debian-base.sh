#!/usr/bin/env bash
# Make the base image debian:bookworm-slim locally, from Debian's package
# mirror, for machines that reach a Debian mirror but no image registry.
#
#   deploy/container/debian-base.sh [--engine podman|docker] [--mirror URL] [--tag NAME]
#
# Does nothing when the tag already exists. Otherwise debootstraps a
# minimal Debian 12 (variant minbase) from the mirror this machine's apt
# uses (or --mirror), writes apt sources for the same mirror (bookworm,
# bookworm-updates, bookworm-security) and imports the tree as the tag.
# Needs root and debootstrap. Takes a few minutes; the result is cached by
# the engine like any image.
set -euo pipefail

engine=${AMR_ENGINE:-podman}
tag=debian:bookworm-slim
mirror=

while [ $# -gt 0 ]; do
	case $1 in
	--engine) engine=$2; shift 2 ;;
	--mirror) mirror=$2; shift 2 ;;
	--tag) tag=$2; shift 2 ;;
	-h | --help) sed -n '2,12p' "$0"; exit 0 ;;
	*) echo "debian-base.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

if "$engine" image inspect "$tag" >/dev/null 2>&1; then
	echo "base image $tag is present"
	exit 0
fi

# The mirror this host's apt uses for bookworm (deb822 or one-line sources).
host_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		awk '$1=="deb" && $3=="bookworm" {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' "$f"
	done
}
if [ -z "$mirror" ]; then
	mirror=$(host_mirror | head -n 1)
	mirror=${mirror:-http://deb.debian.org/debian}
fi
security=${mirror%/debian}/debian-security
[ "$security" = "$mirror/debian-security" ] && security=http://deb.debian.org/debian-security

command -v debootstrap >/dev/null || { echo "debian-base.sh: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "debian-base.sh: debootstrap needs root" >&2; exit 1; }

root=$(mktemp -d /var/tmp/amr-debian-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "debootstrapping Debian 12 (minbase) from $mirror ..."
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
	tail -n 20 "$root.log" >&2
	rm -f "$root.log"
	exit 1
}
rm -f "$root.log"

# Sources as in Debian's own images, on this mirror.
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
# Slim: no documentation in images, no package lists or caches.
cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
SLIM
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
	"$root"/usr/share/locale/* "$root"/var/log/*.log
: >"$root/etc/machine-id"

tar -C "$root" --numeric-owner -c . | "$engine" import --change 'CMD ["bash"]' - "$tag" >/dev/null
echo "base image $tag created"
