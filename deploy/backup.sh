#!/usr/bin/env bash
# Hot backup of every LMDB environment and of the broker's state, while
# everything keeps running.
#
#   deploy/backup.sh DEST                      make run / systemd: data under AMR_DATA_DIR [./var]
#   deploy/backup.sh --compose [PROJECT] DEST  the container stack (project [amr])
#
# Each LMDB environment (every directory holding a data.mdb under the data
# root: archive, ingest, billing, notify, web, a gateway's spool) is copied
# with `mdb_copy -c`, a compacted copy of one read transaction: consistent
# while its service writes. The broker is told to write its persistence
# file (SIGUSR1), which it does by rename, and that file is copied.
# Containers are reached with `ENGINE exec` (ENGINE: AMR_ENGINE, podman if
# installed, else docker), so the copies run beside the writers.
#
# Order: the archive first, the gateways' spools last. A spool copied after
# the archive holds seq numbers above the restored archive's mark, so the
# archive sees the gap, waits for the batches (--gap-wait) and says what it
# gave up; a spool copied before it would reuse seq numbers the archive has
# already stored, and their new pulses would be dropped as duplicates.
#
# DEST must not exist. It gets data/<path>/data.mdb for each environment,
# data/broker/mosquitto.db, and MANIFEST (one line per copy: the compose
# service or "-", the path under the data root, sha256). Restore with
# deploy/restore.sh.
set -euo pipefail

engine=${AMR_ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}
compose=0
project=amr
root=${AMR_DATA_DIR:-./var}
croot=/var/lib/amr          # data root inside the containers

die() { echo "backup.sh: $*" >&2; exit 1; }

if [ "${1:-}" = --compose ]; then
	compose=1
	shift
	[ $# -ge 2 ] && { project=$1; shift; }
fi
[ $# -eq 1 ] || { sed -n '2,9p' "$0"; exit 2; }
dest=$1
[ ! -e "$dest" ] || die "$dest exists; give a new directory"
mkdir -p "$dest/data"
dest=$(cd "$dest" && pwd)
: >"$dest/MANIFEST.tmp"

# record SERVICE RELPATH: a line of the manifest
record() {
	local sum
	sum=$(sha256sum "$dest/data/$2" | cut -d' ' -f1)
	printf '%s %s %s\n' "$1" "$2" "$sum" >>"$dest/MANIFEST.tmp"
	echo "  $1 $2 ($(stat -c %s "$dest/data/$2") bytes)"
}

# wait_newer FILE STAMP: until FILE is newer than STAMP (the broker's save)
wait_newer() {
	for _ in $(seq 50); do
		[ "$1" -nt "$2" ] && return 0
		sleep 0.1
	done
	echo "backup.sh: the broker did not write $1 in 5 s; copying the last save" >&2
}

# broker_pid: the mosquitto whose configuration lies in $root/broker (make run)
broker_pid() {
	local p
	for p in $(pgrep -x mosquitto || true); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$root/broker/" && { echo "$p"; return; }
	done
	return 0
}

# in_order: lines "[SERVICE ]PATH" on stdin, the archive first, gateway
# spools last (see the head of this file)
in_order() {
	awk '{ k = 1 } /(^|[ \/])archive$/ { k = 0 } /gateway[^ \/]*\/spool$/ { k = 2 } { print k " " $0 }' |
		sort | cut -d' ' -f2-
}

backup_local() {
	local env rel pid stamp
	[ -d "$root" ] || die "no data directory $root (set AMR_DATA_DIR)"
	root=$(cd "$root" && pwd)
	command -v mdb_copy >/dev/null || die "mdb_copy is missing (apt-get install lmdb-utils)"
	echo "backup of $root into $dest"
	while IFS= read -r env; do
		rel=${env#"$root"/}
		mkdir -p "$dest/data/$rel"
		mdb_copy -c "$env" "$dest/data/$rel" || die "mdb_copy $env failed"
		record - "$rel/data.mdb"
	done < <(find "$root" -path "$root/backup" -prune -o -name data.mdb -printf '%h\n' | in_order)

	if [ -f "$root/broker/mosquitto.db" ]; then
		stamp=$(mktemp)
		touch -d '-1 second' "$stamp"
		# The make run broker is the mosquitto whose configuration is in
		# $root/broker; under systemd it is the mosquitto unit.
		pid=$(broker_pid)
		if [ -n "$pid" ]; then
			kill -USR1 "$pid" && wait_newer "$root/broker/mosquitto.db" "$stamp"
		elif command -v systemctl >/dev/null && systemctl is-active --quiet mosquitto 2>/dev/null; then
			systemctl kill -s USR1 mosquitto && wait_newer "$root/broker/mosquitto.db" "$stamp"
		fi
		rm -f "$stamp"
		mkdir -p "$dest/data/broker"
		cp "$root/broker/mosquitto.db" "$dest/data/broker/mosquitto.db"
		record - broker/mosquitto.db
	fi
}

# container SERVICE: the id of the project's running container of SERVICE
container() {
	"$engine" ps -q --filter "label=com.docker.compose.project=$project" \
		--filter "label=com.docker.compose.service=$1" | head -n 1
}

backup_compose() {
	local svc id env rel ids
	ids=$("$engine" ps -q --filter "label=com.docker.compose.project=$project")
	[ -n "$ids" ] || die "no running containers of compose project '$project'"
	echo "backup of compose project $project into $dest"
	for svc in $("$engine" inspect --format '{{index .Config.Labels "com.docker.compose.service"}}' $ids | sort -u); do
		[ "$svc" = broker ] && continue
		id=$(container "$svc")
		"$engine" exec "$id" find "$croot" -path "$croot/backup" -prune -o -name data.mdb -printf "$svc %h\n"
	done | in_order >"$dest/envs"
	while read -r svc env; do
		rel=${env#"$croot"/}
		mkdir -p "$dest/data/$rel"
		"$engine" exec "$(container "$svc")" mdb_copy -c "$env" >"$dest/data/$rel/data.mdb" </dev/null ||
			die "mdb_copy $env in $svc failed"
		record "$svc" "$rel/data.mdb"
	done <"$dest/envs"
	rm -f "$dest/envs"
	id=$(container broker)
	[ -n "$id" ] || die "the broker of project '$project' is not running"
	"$engine" exec "$id" touch "$croot/broker/.backup-stamp"
	sleep 1
	"$engine" kill --signal USR1 "$id" >/dev/null
	for _ in $(seq 50); do
		"$engine" exec "$id" test "$croot/broker/mosquitto.db" -nt "$croot/broker/.backup-stamp" && break
		sleep 0.1
	done
	mkdir -p "$dest/data/broker"
	"$engine" exec "$id" cat "$croot/broker/mosquitto.db" >"$dest/data/broker/mosquitto.db"
	record broker broker/mosquitto.db
}

if [ $compose = 1 ]; then backup_compose; else backup_local; fi
mv "$dest/MANIFEST.tmp" "$dest/MANIFEST"
echo "backup complete: $dest"
