#!/usr/bin/env bash
# Broker users, passwords, ACL and TLS certificates of an installation.
#
#   deploy/secrets.sh init [--tls-name NAME]...   create what is missing (idempotent)
#   deploy/secrets.sh gateway OBJ [--host NAME] [--port N] [--tls]
#                                                 provision the gateway of object OBJ
#   deploy/secrets.sh revoke OBJ                  remove that gateway's access
#   deploy/secrets.sh list                        users and gateways
#   deploy/secrets.sh reload                      make a running broker re-read them
#
# Everything lives in AMR_SECRETS_DIR (default deploy/secrets, never
# committed):
#
#   env/<name>.env        AMR_MQTT_USER / AMR_MQTT_PASSWORD of each service
#                         (broker = its health check, ops = amrctl for people)
#   broker/               what the broker reads: passwd (hashed by
#                         mosquitto_passwd), acl, ca.crt, broker.crt, broker.key
#   ca/                   the local certificate authority (ca.key stays here)
#   gateways/OBJ/         amr-gateway.env and ca.crt, ready for that gateway
#   kannel/               the SMS gateway's: sms.env (its sendsms and admin
#                         passwords; amr-notify's env carries the first) and
#                         smsc.conf, the operator's side (Kannel's fake centre
#                         until replaced; docs/deploy.md, "SMS")
#
# The acl file is deploy/mosquitto/acl.services followed by one block per
# provisioned gateway; passwd and acl are rebuilt from the env files on
# every change, so they never drift from them. `init` also provisions
# gateway 1 (the demo building's, or your first object's).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${AMR_SECRETS_DIR:-$here/secrets}
engine=${AMR_ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}
project=${AMR_PROJECT:-amr}
gid=${AMR_CONTAINER_GID:-10001}     # group amr in deploy/Dockerfile
services=(ingest archive billing notify web)

die() { echo "secrets.sh: $*" >&2; exit 1; }

new_password() { head -c 18 /dev/urandom | base64 | tr '+/' 'xy'; }

# env_get FILE KEY: the value of KEY in an env file
env_get() { sed -n "s/^$2=//p" "$1" | tail -n 1; }

# write_env FILE USER [EXTRA LINE]...: keeps an existing password
write_env() {
	local f=$1 user=$2 pw
	shift 2
	pw=$( [ -f "$f" ] && env_get "$f" AMR_MQTT_PASSWORD || true)
	[ -n "$pw" ] || pw=$(new_password)
	umask 077
	{
		echo "# written by deploy/secrets.sh"
		echo "AMR_MQTT_USER=$user"
		echo "AMR_MQTT_PASSWORD=$pw"
		for l in "$@"; do echo "$l"; done
	} >"$f.tmp"
	mv "$f.tmp" "$f"
}

# The broker's and the SMS gateway's containers run as uid/gid 10001: let
# that group read what they need (container_perms broker|kannel). Without
# root (rootless engines) the files are made world-readable inside a
# directory only their owner can list from the host.
container_perms() {
	if [ "$(id -u)" -eq 0 ]; then
		chgrp -R "$gid" "$dir/$1"
		chmod 750 "$dir/$1"
		chmod 640 "$dir/$1"/*
	else
		chmod 755 "$dir/$1"
		chmod 644 "$dir/$1"/*
	fi
}

# Rebuild broker/passwd and broker/acl from the env files.
rebuild_auth() {
	local plain f obj
	command -v mosquitto_passwd >/dev/null ||
		die "mosquitto_passwd is missing (apt-get install mosquitto)"
	plain=$(mktemp "$dir/broker/.passwd.XXXXXX")
	for f in "$dir"/env/*.env "$dir"/gateways/*/amr-gateway.env; do
		[ -f "$f" ] || continue
		printf '%s:%s\n' "$(env_get "$f" AMR_MQTT_USER)" "$(env_get "$f" AMR_MQTT_PASSWORD)" >>"$plain"
	done
	mosquitto_passwd -U "$plain"
	mv "$plain" "$dir/broker/passwd"

	{
		cat "$here/mosquitto/acl.services"
		for f in "$dir"/gateways/*/amr-gateway.env; do
			[ -f "$f" ] || continue
			obj=$(env_get "$f" AMR_GW_OBJ)
			echo
			echo "user gw-$obj"
			echo "topic write amr/v1/gw/$obj/up"
			echo "topic write amr/v1/gw/$obj/status"
			echo "topic write amr/v1/gw/$obj/cmd/result"
			echo "topic read amr/v1/gw/$obj/ack"
			echo "topic read amr/v1/gw/$obj/cmd"
		done
	} >"$dir/broker/acl.tmp"
	mv "$dir/broker/acl.tmp" "$dir/broker/acl"
	container_perms broker
}

# The local CA and the broker's certificate (names: DNS or IP addresses).
make_tls() {
	local names=("$@") san="" n
	command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)"
	if [ ! -f "$dir/ca/ca.key" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$dir/ca/ca.key" -out "$dir/ca/ca.crt" -days 3650 \
			-subj "/CN=amr local CA" 2>/dev/null
		chmod 600 "$dir/ca/ca.key"
		rm -f "$dir/broker/broker.crt"
	fi
	cp "$dir/ca/ca.crt" "$dir/broker/ca.crt"
	if [ -f "$dir/broker/broker.crt" ] && [ ${#names[@]} -eq 0 ]; then
		return 0
	fi
	names+=(localhost broker 127.0.0.1)
	for n in "${names[@]}"; do
		if [[ $n =~ ^[0-9.]+$ || $n == *:* ]]; then
			san+="${san:+,}IP:$n"
		else
			san+="${san:+,}DNS:$n"
		fi
	done
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$dir/broker/broker.key" -out "$dir/ca/broker.csr" \
		-subj "/CN=${names[0]}" 2>/dev/null
	openssl x509 -req -in "$dir/ca/broker.csr" -CA "$dir/ca/ca.crt" -CAkey "$dir/ca/ca.key" \
		-CAcreateserial -out "$dir/broker/broker.crt" -days 825 \
		-extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san") 2>/dev/null
	rm -f "$dir/ca/broker.csr"
	echo "broker certificate for: $san"
}

# provision OBJ HOST PORT TLS: credentials and configuration of a gateway
provision() {
	local obj=$1 host=$2 port=$3 tls=$4 gwdir extra=() console
	[[ $obj =~ ^[1-9][0-9]{0,4}$ ]] && [ "$obj" -le 65000 ] ||
		die "object number must be 1..65000 without leading zeros, not '$obj'"
	gwdir=$dir/gateways/$obj
	mkdir -p "$gwdir"
	chmod 700 "$gwdir"
	cp "$dir/ca/ca.crt" "$gwdir/ca.crt"
	extra=("AMR_GW_OBJ=$obj" "AMR_MQTT_HOST=$host" "AMR_MQTT_PORT=$port")
	# the Telnet console asks for a password (kept when provisioned again)
	console=$( [ -f "$gwdir/amr-gateway.env" ] &&
		env_get "$gwdir/amr-gateway.env" AMR_CONSOLE_PASSWORD || true)
	[ -n "$console" ] || console=$(new_password)
	extra+=("AMR_CONSOLE_PASSWORD=$console")
	# TLS needs the MQTT client's CA option (AMR_MQTT_CAFILE) in libamr.
	[ "$tls" = 1 ] && extra+=("AMR_MQTT_CAFILE=/etc/amr-gateway/ca.crt")
	write_env "$gwdir/amr-gateway.env" "gw-$obj" "${extra[@]}"
}

# The SMS gateway's passwords and operator file (kept when they exist),
# and amr-notify's env with the sendsms user.
make_sms() {
	local f=$dir/kannel/sms.env pw admin
	mkdir -p "$dir/kannel"
	pw=$( [ -f "$f" ] && env_get "$f" AMR_SMS_PASSWORD || true)
	[ -n "$pw" ] || pw=$(new_password)
	admin=$( [ -f "$f" ] && env_get "$f" AMR_SMS_ADMIN_PASSWORD || true)
	[ -n "$admin" ] || admin=$(new_password)
	printf '# written by deploy/secrets.sh\nAMR_SMS_PASSWORD=%s\nAMR_SMS_ADMIN_PASSWORD=%s\n' \
		"$pw" "$admin" >"$f.tmp"
	mv "$f.tmp" "$f"
	[ -f "$dir/kannel/smsc.conf" ] || cp "$here/kannel/smsc-fake.conf" "$dir/kannel/smsc.conf"
	write_env "$dir/env/notify.env" amr-notify "AMR_NOTIFY_SMS_USER=amr" \
		"AMR_NOTIFY_SMS_PASSWORD=$pw"
	container_perms kannel
}

cmd_init() {
	local names=() s
	while [ $# -gt 0 ]; do
		case $1 in
		--tls-name) names+=("$2"); shift 2 ;;
		*) die "init: unknown argument $1" ;;
		esac
	done
	umask 077
	mkdir -p "$dir/env" "$dir/broker" "$dir/ca" "$dir/gateways"
	chmod 700 "$dir" "$dir/env" "$dir/ca" "$dir/gateways"
	for s in "${services[@]}"; do
		write_env "$dir/env/$s.env" "amr-$s"
	done
	write_env "$dir/env/broker.env" amr-health
	write_env "$dir/env/ops.env" amr-ops
	make_sms
	make_tls ${names[@]+"${names[@]}"}
	[ -f "$dir/gateways/1/amr-gateway.env" ] || provision 1 broker 1883 0
	rebuild_auth
	echo "secrets in $dir"
	echo "console password of the demo gateway (object 1):" \
		"$(env_get "$dir/gateways/1/amr-gateway.env" AMR_CONSOLE_PASSWORD)"
}

cmd_gateway() {
	local obj=${1:-} host=${AMR_PUBLIC_HOST:-$(hostname -f 2>/dev/null || hostname)} port="" tls=0
	[ -n "$obj" ] || die "usage: secrets.sh gateway OBJ [--host NAME] [--port N] [--tls]"
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--host) host=$2; shift 2 ;;
		--port) port=$2; shift 2 ;;
		--tls) tls=1; shift ;;
		*) die "gateway: unknown argument $1" ;;
		esac
	done
	[ -n "$port" ] || { [ $tls = 1 ] && port=8883 || port=1883; }
	[ -f "$dir/broker/acl" ] || die "run 'secrets.sh init' first"
	provision "$obj" "$host" "$port" "$tls"
	rebuild_auth
	echo "gateway $obj: $dir/gateways/$obj/amr-gateway.env (user gw-$obj, $host:$port)"
	echo "its console password: $(env_get "$dir/gateways/$obj/amr-gateway.env" AMR_CONSOLE_PASSWORD)"
	echo "install it as /etc/amr-gateway.env (mode 600) on the gateway, with ca.crt in /etc/amr-gateway/;"
	echo "then make the broker re-read its users: deploy/secrets.sh reload"
}

cmd_revoke() {
	local obj=${1:-}
	[ -n "$obj" ] && [ -d "$dir/gateways/$obj" ] || die "no provisioned gateway '$obj'"
	rm -rf "${dir:?}/gateways/$obj"
	rebuild_auth
	echo "gateway $obj revoked; now: deploy/secrets.sh reload"
}

cmd_list() {
	local f
	for f in "$dir"/env/*.env "$dir"/gateways/*/amr-gateway.env; do
		[ -f "$f" ] && printf '%-14s %s\n' "$(env_get "$f" AMR_MQTT_USER)" "$f"
	done
}

# SIGHUP makes Mosquitto re-read passwd and acl: the compose stack's broker
# container, else a broker run by systemd.
cmd_reload() {
	local id
	id=$("$engine" ps -q --filter "label=com.docker.compose.project=$project" \
		--filter "label=com.docker.compose.service=broker" 2>/dev/null | head -n 1 || true)
	if [ -n "$id" ]; then
		"$engine" kill --signal HUP "$id" >/dev/null
		echo "broker container $id reloaded"
	elif command -v systemctl >/dev/null && systemctl is-active --quiet mosquitto 2>/dev/null; then
		systemctl reload mosquitto
		echo "mosquitto (systemd) reloaded"
	else
		die "no running broker found (compose project '$project' or systemd mosquitto)"
	fi
}

case ${1:-} in
init) shift; cmd_init "$@" ;;
gateway) shift; cmd_gateway "$@" ;;
revoke) shift; cmd_revoke "$@" ;;
list) cmd_list ;;
reload) cmd_reload ;;
*) sed -n '2,9p' "$0"; exit 2 ;;
esac
