#!/usr/bin/env bash
# Start the whole system on this machine, in the foreground (make run).
#
# Mosquitto on loopback, the five services, and a simulated building:
# object 1, UO-4 devices at addresses 1..32 (one per flat) and 33 (the
# house meters) on amr-sim's virtual RS-485 bus, polled by amr-gateway. On
# the first start of a data directory deploy/demo-setup.sh describes the
# building in the registry, imports a year of its history and sets up its
# organisation in amr-billing (log/demo-setup.log). Ctrl-C (or SIGTERM)
# stops everything it started.
#
# Environment (defaults in brackets):
#   AMR_DATA_DIR      data of every part [./var]
#   AMR_MQTT_PORT     broker port on 127.0.0.1 [1883]
#   AMR_HTTP_PORT     portal port [8080]
#   AMR_CONSOLE_PORT  gateway Telnet console [2323]
#   AMR_SMTP_PORT     the local mailbox amr-notify's alarm e-mails go to [2525]
#   AMR_KANNEL_PORT   the SMS gateway's first port; it takes B..B+13 and
#                     amr-notify's SMS listener B+80 (deploy/kannel) [13000]
#   AMR_SIM_SPEED     simulated time runs this many times faster [1]
#   AMR_SIM_DEVICES   flats (UO-4 devices) in the demo building, the house
#                     meters' device after them [32]
# Two stacks run side by side given different ports and data directories.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/bin
export AMR_DATA_DIR=$(mkdir -p "${AMR_DATA_DIR:-./var}" && cd "${AMR_DATA_DIR:-./var}" && pwd)
export AMR_MQTT_HOST=127.0.0.1
export AMR_MQTT_PORT=${AMR_MQTT_PORT:-1883}
export AMR_HTTP_PORT=${AMR_HTTP_PORT:-8080}
export AMR_CONSOLE_PORT=${AMR_CONSOLE_PORT:-2323}
export AMR_SMTP_PORT=${AMR_SMTP_PORT:-2525}
export AMR_KANNEL_PORT=${AMR_KANNEL_PORT:-13000}
export AMR_SIM_SPEED=${AMR_SIM_SPEED:-1}
devices=${AMR_SIM_DEVICES:-32}
logs=$AMR_DATA_DIR/log
mkdir -p "$logs" "$AMR_DATA_DIR/broker" "$AMR_DATA_DIR/sim"

pids=()
names=()
stopping=0

stop_all() {
	[ $stopping -eq 1 ] && return
	stopping=1
	echo
	echo "stopping..."
	# Reverse order: the field first, the broker last.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[$i]}" 2>/dev/null
	done
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		for _ in $(seq 50); do
			kill -0 "${pids[$i]}" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "${pids[$i]}" 2>/dev/null; then
			echo "${names[$i]} did not stop, killing it"
			kill -KILL "${pids[$i]}" 2>/dev/null
		fi
		wait "${pids[$i]}" 2>/dev/null
	done
	echo "stopped."
}
trap 'stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start NAME COMMAND...: run in the background, output to $logs/NAME.log
start() {
	local name=$1
	shift
	"$@" >>"$logs/$name.log" 2>&1 &
	pids+=($!)
	names+=("$name")
}

kp=$AMR_KANNEL_PORT
for p in "$AMR_MQTT_PORT" "$AMR_HTTP_PORT" "$AMR_CONSOLE_PORT" "$AMR_SMTP_PORT" \
	"$kp" $((kp + 1)) $((kp + 10)) $((kp + 11)) $((kp + 13)) $((kp + 80)); do
	if port_busy "$p"; then
		echo "port $p on 127.0.0.1 is in use (another stack?); choose other AMR_*_PORT values" >&2
		exit 1
	fi
done

# The broker: loopback only, anonymous allowed only here, on loopback, for
# a developer's run (deploy/mosquitto/local.conf.in). Shared settings come
# from deploy/mosquitto/conf.d, as in the containers and under systemd.
sed -e "s|@USER@|$(id -un)|" -e "s|@PORT@|$AMR_MQTT_PORT|" \
	-e "s|@DATA@|$AMR_DATA_DIR/broker|" -e "s|@CONF_D@|$top/deploy/mosquitto/conf.d|" \
	"$top/deploy/mosquitto/local.conf.in" >"$AMR_DATA_DIR/broker/mosquitto.conf"
start mosquitto mosquitto -c "$AMR_DATA_DIR/broker/mosquitto.conf"
for _ in $(seq 50); do port_busy "$AMR_MQTT_PORT" && break; sleep 0.1; done
if ! port_busy "$AMR_MQTT_PORT"; then
	echo "mosquitto did not start; see $logs/mosquitto.log" >&2
	tail -n 5 "$logs/mosquitto.log" >&2
	exit 1
fi

# The local mailbox (deploy/mail-catcher.py, python3-aiosmtpd): every alarm
# e-mail amr-notify sends lands in $AMR_DATA_DIR/mail as n.eml.
mailbox=
if /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	mkdir -p "$AMR_DATA_DIR/mail"
	start mail-catcher /usr/bin/python3 "$top/deploy/mail-catcher.py" \
		--port "$AMR_SMTP_PORT" --dir "$AMR_DATA_DIR/mail"
	for _ in $(seq 50); do port_busy "$AMR_SMTP_PORT" && break; sleep 0.1; done
	mailbox="$AMR_DATA_DIR/mail   (each alarm e-mail as n.eml)"
	export AMR_NOTIFY_SMTP_URL="smtp://127.0.0.1:$AMR_SMTP_PORT"
	export AMR_NOTIFY_SMTP_FROM="alarms@tsj-sadovaya.example"
fi

# The SMS gateway (Debian's kannel; deploy/kannel/local.conf.in): bearerbox
# with Kannel's fake SMS centre (fakesmsc, kannel-extras) in place of the
# operator's, and smsbox, whose sendsms amr-notify sends through. Every SMS
# sent shows in $logs/fakesmsc.log; deploy/sms-in.sh sends one in
# ("STATUS 1") and shows amr-notify's answer.
phone=
smsin=
fakesmsc=/usr/lib/kannel/test/fakesmsc
if [ -x /usr/sbin/bearerbox ] && [ -x /usr/sbin/smsbox ] && [ -x "$fakesmsc" ]; then
	kdir=$AMR_DATA_DIR/kannel
	mkdir -p "$kdir"
	if [ ! -s "$kdir/password" ]; then
		(umask 077 && head -c 12 /dev/urandom | base64 | tr '+/' 'xy' >"$kdir/password")
	fi
	(umask 077 && sed -e "s|@ADMIN@|$kp|" -e "s|@BOX@|$((kp + 1))|" -e "s|@MT@|$((kp + 10))|" \
		-e "s|@MO@|$((kp + 11))|" -e "s|@SENDSMS@|$((kp + 13))|" \
		-e "s|@NOTIFY@|$((kp + 80))|" -e "s|@DIR@|$kdir|" \
		-e "s|@PASSWORD@|$(cat "$kdir/password")|" \
		"$top/deploy/kannel/local.conf.in" >"$kdir/kannel.conf")
	start bearerbox /usr/sbin/bearerbox -v 1 "$kdir/kannel.conf"
	for _ in $(seq 50); do port_busy $((kp + 10)) && break; sleep 0.1; done
	# -m 0: sends nothing, prints each SMS it gets ("Got message n: ...")
	start fakesmsc "$fakesmsc" -H 127.0.0.1 -r $((kp + 10)) -m 0 "0 0 text unused"
	start smsbox /usr/sbin/smsbox -v 1 "$kdir/kannel.conf"
	for _ in $(seq 50); do port_busy $((kp + 13)) && break; sleep 0.1; done
	export AMR_NOTIFY_SMS_URL="http://127.0.0.1:$((kp + 13))/cgi-bin/sendsms"
	export AMR_NOTIFY_SMS_USER=amr
	AMR_NOTIFY_SMS_PASSWORD=$(cat "$kdir/password")
	export AMR_NOTIFY_SMS_PASSWORD
	# incoming SMS and delivery reports: amr-notify's listener for Kannel
	export AMR_NOTIFY_SMS_LISTEN="127.0.0.1:$((kp + 80))"
	export AMR_NOTIFY_SMS_DLR_URL="http://127.0.0.1:$((kp + 80))/sms/dlr?key=%KEY%&status=%d"
	phone="deploy/sms-inbox.py $logs/fakesmsc.log   (each SMS the fake SMS centre got)"
	smsin="AMR_KANNEL_PORT=$kp AMR_DATA_DIR=$AMR_DATA_DIR deploy/sms-in.sh STATUS 1   (from the dispatcher's phone; prints the answer)"
fi

for s in archive ingest billing notify web; do
	start "amr-$s" "$bin/amr-$s"
done

if [ -x "$bin/amr-sim" ] && [ -x "$bin/amr-gateway" ]; then
	rm -f "$AMR_DATA_DIR/sim/bus" "$AMR_DATA_DIR/sim/control.sock"
	start amr-sim "$bin/amr-sim" --bus "$AMR_DATA_DIR/sim/bus" --devices "$devices" --house yes \
		--speed "$AMR_SIM_SPEED" --control "$AMR_DATA_DIR/sim/control.sock"
	for _ in $(seq 50); do [ -e "$AMR_DATA_DIR/sim/bus" ] && break; sleep 0.1; done
	# The console asks for a password, made once per data directory (as
	# deploy/secrets.sh does for a provisioned gateway); the environment
	# carries it, so it is not on the command line for ps to show.
	if [ ! -s "$AMR_DATA_DIR/console-password" ]; then
		(umask 077 && head -c 12 /dev/urandom | base64 | tr '+/' 'xy' \
			>"$AMR_DATA_DIR/console-password")
	fi
	console_password=$(cat "$AMR_DATA_DIR/console-password")
	AMR_CONSOLE_PASSWORD=$console_password start amr-gateway "$bin/amr-gateway" --obj 1 \
		--serial "$AMR_DATA_DIR/sim/bus" --poll "1-$((devices + 1))"
fi

# The demo building's registry, history and organisation, once per data
# directory (deploy/demo-setup.sh: it waits for the building's channels,
# and does nothing on a later start).
if [ -x "$bin/amr-sim" ]; then
	AMRCTL="$bin/amrctl" AMR_SIM="$bin/amr-sim" AMR_DEMO_STATE="$AMR_DATA_DIR" \
		start demo-setup "$top/deploy/demo-setup.sh" "$devices"
fi

# amr-web creates the admin account at its first start and says so once.
for _ in $(seq 50); do
	grep -q "http: listening" "$logs/amr-web.log" 2>/dev/null && break
	sleep 0.1
done
admin=$(grep -o 'created user admin with password [^ ]*' "$logs/amr-web.log" 2>/dev/null |
	tail -n 1 | awk '{print $6}')
cat <<INFO

  The metering system is running (data in $AMR_DATA_DIR, logs in $logs).

  MQTT broker     127.0.0.1:$AMR_MQTT_PORT
  watch traffic   mosquitto_sub -h 127.0.0.1 -p $AMR_MQTT_PORT -v -t 'amr/#'
  services        mosquitto_sub -h 127.0.0.1 -p $AMR_MQTT_PORT -v -t 'amr/v1/svc/#'
  portal          http://127.0.0.1:$AMR_HTTP_PORT/
  sign in as      admin / ${admin:-"(the password amr-web printed at its first start, in $logs/amr-web.log)"}
  gateway console telnet 127.0.0.1 $AMR_CONSOLE_PORT   (password ${console_password:-"(none)"})
  simulator       socat - UNIX-CONNECT:$AMR_DATA_DIR/sim/control.sock   (type help)
  alarms          mosquitto_sub -h 127.0.0.1 -p $AMR_MQTT_PORT -v -t 'amr/v1/alarms/+'
  alarm e-mails   ${mailbox:-"(none: python3-aiosmtpd is not installed; deploy/install-deps.sh installs it)"}
  SMS in          ${smsin:-"(none: kannel and kannel-extras are not installed)"}
  alarm SMS       ${phone:-"(none: kannel and kannel-extras are not installed; deploy/install-deps.sh installs them)"}
  command line    AMR_MQTT_PORT=$AMR_MQTT_PORT build/bin/amrctl status

  Below: warnings and errors of every program (all lines in $logs).
  Ctrl-C stops everything.

INFO

# Follow the logs' warnings and errors until a program dies or we are told
# to stop. Every line (each device coming online, each command) stays in
# $logs; the terminal shows what needs a look.
# (grep reads through a process substitution, so that $! is tail: stopping
# it ends grep too)
tail -q -n 0 -F "$logs"/*.log > >(grep --line-buffered -E ' (warn|error): ') &
tailpid=$!
pids=("$tailpid" "${pids[@]}")
names=(tail "${names[@]}")
while [ $stopping -eq 0 ]; do
	for i in "${!pids[@]}"; do
		[ "${names[$i]}" = demo-setup ] && continue
		if ! kill -0 "${pids[$i]}" 2>/dev/null; then
			echo "${names[$i]} exited; see $logs/${names[$i]}.log" >&2
			kill "$tailpid" 2>/dev/null
			exit 1
		fi
	done
	sleep 1
done
