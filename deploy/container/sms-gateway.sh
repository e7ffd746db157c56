#!/usr/bin/env bash
# The SMS gateway (Kannel) of the compose stack's "sms" container and of
# the systemd unit amr-sms.service: bearerbox and smsbox with the
# configuration deploy/kannel/stack.conf.in, and, when the operator's side
# is Kannel's fake centre (the smsc file `deploy/secrets.sh init` writes),
# fakesmsc as that centre, logging every SMS sent to $dir/fakesmsc.log.
#
#   AMR_SMS_PASSWORD        sendsms password of the user amr (required;
#                           amr-notify's AMR_NOTIFY_SMS_PASSWORD)
#   AMR_SMS_ADMIN_PASSWORD  bearerbox's admin password (required)
#   AMR_SMS_SMSC            the operator's smsc groups (/etc/amr/kannel/smsc.conf)
#   AMR_SMS_NOTIFY          amr-notify's listener, host:port (notify:13080)
#   AMR_SMS_BIND            sendsms's address (0.0.0.0; 127.0.0.1 on a host)
#   AMR_SMS_DIR             configuration, store and logs (/var/lib/amr/sms)
#
# Exits when any of its programs does, so that the container's restart
# policy or systemd's Restart= starts all of them again; the store keeps
# what bearerbox had queued.
set -euo pipefail

case ${1:-} in
-h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
'') ;;
*) echo "sms-gateway: no arguments but --help; the settings are the environment's (--help)" >&2; exit 2 ;;
esac

: "${AMR_SMS_PASSWORD:?AMR_SMS_PASSWORD is not set (deploy/secrets.sh init writes it)}"
: "${AMR_SMS_ADMIN_PASSWORD:?AMR_SMS_ADMIN_PASSWORD is not set (deploy/secrets.sh init writes it)}"
smsc=${AMR_SMS_SMSC:-/etc/amr/kannel/smsc.conf}
notify=${AMR_SMS_NOTIFY:-notify:13080}
bind=${AMR_SMS_BIND:-0.0.0.0}
dir=${AMR_SMS_DIR:-/var/lib/amr/sms}
template=${AMR_SMS_TEMPLATE:-/usr/local/share/amr/kannel/stack.conf.in}
fakesmsc=/usr/lib/kannel/test/fakesmsc

die() { echo "sms-gateway: $*" >&2; exit 1; }
[ -r "$smsc" ] || die "the operator's smsc file $smsc is missing (deploy/secrets.sh init writes one)"
[ -r "$template" ] || die "$template is missing"
for v in "$AMR_SMS_PASSWORD" "$AMR_SMS_ADMIN_PASSWORD" "$notify" "$bind" "$dir" "$smsc"; do
	[[ $v != *[\"\|[:space:]]* ]] || die "a setting holds a quote, a bar or a space: '$v'"
done
mkdir -p "$dir"
(umask 077 && sed -e "s|@PASSWORD@|$AMR_SMS_PASSWORD|" -e "s|@ADMIN_PASSWORD@|$AMR_SMS_ADMIN_PASSWORD|" \
	-e "s|@SMSC@|$smsc|" -e "s|@NOTIFY@|$notify|" -e "s|@BIND@|$bind|" -e "s|@DIR@|$dir|" \
	"$template" >"$dir/kannel.conf")

# listening PORT: something accepts connections on 127.0.0.1:PORT
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# await PORT WHAT: wait up to 20 s for it
await() {
	for _ in $(seq 200); do
		listening "$1" && return 0
		sleep 0.1
	done
	die "$2 does not listen on $1"
}

pids=()
fake=
trap 'kill "${pids[@]}" 2>/dev/null; wait; exit 0' TERM INT
/usr/sbin/bearerbox -v 1 "$dir/kannel.conf" &
pids+=($!)
await 13001 bearerbox
if grep -Eq '^[[:space:]]*smsc[[:space:]]*=[[:space:]]*fake' "$smsc"; then
	[ -x "$fakesmsc" ] || die "the smsc file names the fake centre, but $fakesmsc is missing (kannel-extras)"
	# -m 0: sends nothing, prints each SMS it gets ("Got message n: ...")
	"$fakesmsc" -H 127.0.0.1 -r 13010 -m 0 "0 0 text unused" >>"$dir/fakesmsc.log" 2>&1 &
	pids+=($!)
	fake=" and the fake centre"
fi
/usr/sbin/smsbox -v 1 "$dir/kannel.conf" &
pids+=($!)
await 13013 smsbox
echo "sms-gateway: bearerbox, smsbox$fake running; sendsms on $bind:13013, incoming SMS to http://$notify"
wait -n
die "a program of the gateway stopped; exiting so that all are started again"
