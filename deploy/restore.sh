#!/usr/bin/env bash
# Put a backup made by deploy/backup.sh back in place.
#
#   deploy/restore.sh SRC                      make run / systemd: data under AMR_DATA_DIR [./var]
#   deploy/restore.sh --compose [PROJECT] SRC  the container stack (project [amr])
#
# Every copy in SRC/MANIFEST is checked against its sha256 first; nothing
# is touched if one does not match. Then each LMDB environment of the
# backup replaces the one in place (data.mdb and lock.mdb removed, the copy
# put in), and the broker's persistence file likewise. Environments not in
# the backup are left alone.
#
# Local: stop everything first (Ctrl-C on make run; systemctl stop
# 'amr-*' mosquitto); the script refuses while a process has the data open.
# Compose: the script stops the project's containers, writes into their
# volumes through a helper container of the same image (--volumes-from),
# and starts them again, broker first.
set -euo pipefail

engine=${AMR_ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}
compose=0
project=amr
root=${AMR_DATA_DIR:-./var}
croot=/var/lib/amr

die() { echo "restore.sh: $*" >&2; exit 1; }

if [ "${1:-}" = --compose ]; then
	compose=1
	shift
	[ $# -ge 2 ] && { project=$1; shift; }
fi
[ $# -eq 1 ] || { sed -n '2,9p' "$0"; exit 2; }
src=$(cd "$1" 2>/dev/null && pwd) || die "no backup directory $1"
[ -f "$src/MANIFEST" ] || die "$src has no MANIFEST: not a complete backup"

while read -r svc rel sum; do
	[ "$(sha256sum "$src/data/$rel" 2>/dev/null | cut -d' ' -f1)" = "$sum" ] ||
		die "$src/data/$rel is missing or damaged (sha256 differs); nothing restored"
done <"$src/MANIFEST"

# place DIR REL: put the copy of REL into the data root DIR (local or in a
# helper container); an environment's old lock file goes with its data.
place_script='
set -e
root=$1 rel=$2
d=$(dirname "$root/$rel")
mkdir -p "$d"
cat >"$root/$rel.restore"
case $rel in */data.mdb) rm -f "$d/lock.mdb" ;; esac
mv "$root/$rel.restore" "$root/$rel"
'

restore_local() {
	local busy svc rel sum p
	[ -d "$root" ] || mkdir -p "$root"
	root=$(cd "$root" && pwd)
	busy=$(find /proc/[0-9]*/fd -lname "$root/*" -printf '%h\n' 2>/dev/null | cut -d/ -f3 | sort -u | head -n 5 || true)
	for p in $(pgrep -x mosquitto || true); do
		# 2>/dev/null first: a process may end between pgrep and the read
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF "$root/broker/" && busy+=" $p"
	done
	[ -z "$busy" ] || die "processes still use $root (pids: $(echo $busy)); stop them first"
	echo "restoring $src into $root"
	while read -r svc rel sum; do
		sh -c "$place_script" place "$root" "$rel" <"$src/data/$rel"
		echo "  $rel"
	done <"$src/MANIFEST"
}

# container SERVICE: the id of the project's container of SERVICE (any state)
container() {
	"$engine" ps -a -q --filter "label=com.docker.compose.project=$project" \
		--filter "label=com.docker.compose.service=$1" | head -n 1
}

restore_compose() {
	local ids svc rel sum id image svcs
	ids=$("$engine" ps -a -q --filter "label=com.docker.compose.project=$project")
	[ -n "$ids" ] || die "compose project '$project' has no containers (create them: up --no-start, or up)"
	svcs=$(cut -d' ' -f1 "$src/MANIFEST" | sort -u)
	for svc in $svcs; do
		[ -n "$(container "$svc")" ] || die "project '$project' has no container for $svc"
	done
	echo "stopping project $project"
	"$engine" stop $("$engine" ps -q --filter "label=com.docker.compose.project=$project" |
		grep -vxF "$(container broker)" || true) >/dev/null 2>&1 || true
	"$engine" stop "$(container broker)" >/dev/null
	echo "restoring $src into project $project"
	while read -r svc rel sum; do
		id=$(container "$svc")
		image=$("$engine" inspect --format '{{.Config.Image}}' "$id")
		"$engine" run --rm -i --network none --volumes-from "$id" "$image" \
			sh -c "$place_script" place "$croot" "$rel" <"$src/data/$rel" ||
			die "could not write $rel into the volumes of $svc"
		echo "  $svc $rel"
	done <"$src/MANIFEST"
	echo "starting project $project"
	"$engine" start "$(container broker)" >/dev/null
	"$engine" start $ids >/dev/null
}

if [ $compose = 1 ]; then restore_compose; else restore_local; fi
echo "restore complete"
