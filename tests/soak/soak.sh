#!/usr/bin/env bash
# The soak (issue 18, point 3; docs/reliability.md, "Soak"): the whole
# system at the design load for SOAK_HOURS simulated hours, every process
# sampled for resident memory and open files, pulse conservation and the
# sanitizers' reports checked at the end.
#
#   tests/soak/soak.sh BUILD_DIR        (make soak: the ASan tree, build/test)
#
# Environment (defaults in brackets):
#   SOAK_HOURS           simulated hours to run [24]
#   SOAK_GATEWAYS        gateways, each with its own amr-sim of 32 UO-4 [8]
#   SOAK_SPEED           simulated seconds per real second, an integer [60]
#   SOAK_SAMPLE_S        real seconds between two samples [15]
#   SOAK_BATCH_INTERVAL  the gateways' --batch-interval, real seconds [1]
#   SOAK_DIR             where everything goes, emptied first [build/soak]
#   SOAK_WARMUP_PCT      the share of the run before the memory reference [50]
#
# What runs: a Mosquitto of its own on a free loopback port, amr-archive,
# amr-ingest, amr-billing, amr-notify (no SMTP, no SMS) and amr-web, and
# SOAK_GATEWAYS pairs of amr-sim (32 flats' UO-4 and the house meters' one,
# generators on) and amr-gateway polling its 33 devices. Every process,
# the broker too, runs under libfaketime with one shared clock file that
# this script moves on by SOAK_SPEED simulated seconds per real second;
# monotonic time is left alone, so timers, poll intervals and timeouts run
# at the real pace (docs/reliability.md, "Soak", says what that means).
#
# Output in SOAK_DIR: samples.tsv (one row per process per sample),
# conservation.tsv (one row per channel), summary.txt (what is printed at
# the end), log/NAME.log of every program, asan/NAME.PID of every
# sanitizer report. Exits 0 when every verdict holds, 1 otherwise.
set -uo pipefail

build=${1:?usage: soak.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "$build/bin" && pwd) || exit 1
hours=${SOAK_HOURS:-24}
gateways=${SOAK_GATEWAYS:-8}
speed=${SOAK_SPEED:-60}
sample_s=${SOAK_SAMPLE_S:-15}
batch_interval=${SOAK_BATCH_INTERVAL:-1}
out=${SOAK_DIR:-$top/build/soak}
flats=32
devices=$((flats + 1)) # the house meters' UO-4 after the flats'
faketime_lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

for v in hours gateways speed sample_s batch_interval; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "soak: $v=${!v} is not a positive integer" >&2; exit 2; }
done
[ "$gateways" -le 200 ] || { echo "soak: SOAK_GATEWAYS=$gateways: at most 200" >&2; exit 2; }
[ -r "$faketime_lib" ] || { echo "soak: $faketime_lib is missing (deploy/install-deps.sh installs faketime)" >&2; exit 2; }

rm -rf "$out"
mkdir -p "$out/log" "$out/asan" "$out/data" "$out/broker"
log=$out/log
samples=$out/samples.tsv
summary=$out/summary.txt
: >"$summary"

say() { echo "soak: $*" | tee -a "$summary"; }
# Microseconds of the real clock (bash's own, not faked: this script does
# not preload libfaketime).
now_us() { echo "${EPOCHREALTIME/./}"; }

# --- The shared clock ------------------------------------------------------
# libfaketime reads FAKETIME_TIMESTAMP_FILE at every wall-clock call
# (FAKETIME_NO_CACHE): "+N" puts that process's clock N s ahead. One file for
# every process, rewritten four times a real second, keeps them on one clock
# that runs SOAK_SPEED times as fast as the real one. libfaketime's own speed
# ("x60") is not used: it also divides every poll(), epoll_wait() and sleep
# timeout by the factor, which turns each daemon's loop into a busy one.
clock_file=$out/faketime.rc
echo "+0" >"$clock_file"
r0=$(now_us)
clock_loop() {
	local off
	while :; do
		off=$((($(now_us) - r0) * (speed - 1) / 1000000))
		echo "+$off" >"$clock_file.new" && mv -f "$clock_file.new" "$clock_file"
		sleep 0.25 # the clock's tick, not a wait for anything
	done
}
clock_loop &
clock_pid=$!

# The sanitizers as tests/run-tests.sh sets them, each report into a file
# of its own (log_path), a small quarantine (1 MB): ASan's default 256 MB of
# freed memory held back would itself look like growth for hours in a quiet
# daemon (amr-billing fills even 4 MB only after minutes: each wall-clock
# call frees libfaketime's FILE of the clock file).
asan_base="detect_leaks=1:abort_on_error=0:strict_string_checks=1:suppressions=$top/tests/asan.supp"
asan_base+=":quarantine_size_mb=1:verify_asan_link_order=0"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"

# --- Processes ---------------------------------------------------------------
names=() pids=()
declare -A pid_of=()
used_ports=" "

free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		[[ $used_ports == *" $p "* ]] && continue
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		used_ports+="$p "
		echo "$p"
		return
	done
}

# start NAME PROGRAM ARGS...: in the background under the shared clock,
# output to log/NAME.log, sanitizer reports to asan/NAME.PID.
start() {
	local name=$1
	shift
	env LD_PRELOAD="$faketime_lib" FAKETIME_TIMESTAMP_FILE="$clock_file" FAKETIME_NO_CACHE=1 \
		FAKETIME_DONT_FAKE_MONOTONIC=1 \
		ASAN_OPTIONS="$asan_base:log_path=$out/asan/$name" \
		UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$out/asan/$name" \
		"$@" >>"$log/$name.log" 2>&1 &
	names+=("$name")
	pids+=($!)
	pid_of[$name]=$!
}

alive() { kill -0 "${pid_of[$1]}" 2>/dev/null; }

stopped=0
declare -A exit_of=()
# Stop every process in reverse order of start (the field first, the broker
# last) with SIGTERM, and note how each exited; one still running after
# 60 s (LeakSanitizer's walk of a large heap takes seconds) is killed.
stop_all() {
	local i pid rc
	[ $stopped -eq 1 ] && return
	stopped=1
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[$i]}" 2>/dev/null
		pid=${pids[$i]}
		# its exit, or 60 s: tail(1) returns when the process ends
		timeout 60 tail --pid="$pid" -f /dev/null
		if kill -0 "$pid" 2>/dev/null; then
			echo "soak: ${names[$i]} did not stop in 60 s, killing it" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
		rc=$?
		exit_of[${names[$i]}]=$rc
	done
	kill "$clock_pid" 2>/dev/null
	wait "$clock_pid" 2>/dev/null
}
trap 'stop_all' EXIT
trap 'echo "soak: interrupted" >&2; exit 130' INT TERM

# poll_until SECONDS WHAT COMMAND...: run COMMAND every 0.2 s until it
# succeeds (0) or SECONDS pass (1, saying WHAT did not happen).
poll_until() {
	local secs=$1 what=$2 end
	shift 2
	end=$(($(now_us) + secs * 1000000))
	until "$@"; do
		if [ "$(now_us)" -ge $end ]; then
			say "FAIL: $what within $secs s"
			return 1
		fi
		sleep 0.2 # a poll with a deadline, as HARNESS_POLL_UNTIL
	done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The sampler's and the checks' clients, on the shared clock too.
amrctl() {
	env LD_PRELOAD="$faketime_lib" FAKETIME_TIMESTAMP_FILE="$clock_file" FAKETIME_NO_CACHE=1 \
		FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS="$asan_base:log_path=$out/asan/amrctl" \
		"$bin/amrctl" --compact "$@"
}

# A metric's sample from SERVICE/metrics (Prometheus text in result.text).
metric() {
	amrctl --timeout 5000 rpc "$1/metrics" 2>/dev/null |
		jq -r '(.result.text // .text // "")' 2>/dev/null |
		awk -v n="$2" '$1 == n { print $2; found = 1 } END { if (!found) print -1 }'
}

# A line to amr-sim K's control socket; the answer on stdout.
simctl() { printf '%s\n' "$2" | socat -t 5 - "UNIX-CONNECT:$out/gw$1/sim.sock"; }

sim_ok() { simctl "$1" "$2" | grep -q '^ok'; }

# --- Start ---------------------------------------------------------------------
export AMR_MQTT_HOST=127.0.0.1
export AMR_MQTT_PORT=$(free_port)
export AMR_HTTP_PORT=$(free_port)
export AMR_DATA_DIR=$out/data
unset AMR_MQTT_USER AMR_MQTT_PASSWORD

cat >"$out/broker/mosquitto.conf" <<EOF
# written by tests/soak/soak.sh: loopback only, anonymous, as the test harness's
listener $AMR_MQTT_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $out/broker/
autosave_interval 30
max_queued_messages 0
max_inflight_messages 1000
set_tcp_nodelay true
log_type error
log_type warning
log_type notice
user $(id -un)
EOF
start mosquitto /usr/sbin/mosquitto -c "$out/broker/mosquitto.conf"
poll_until 10 "mosquitto listening on $AMR_MQTT_PORT" port_open "$AMR_MQTT_PORT" || exit 1

services=(archive ingest billing notify web)
for s in "${services[@]}"; do
	start "amr-$s" "$bin/amr-$s"
done
for s in "${services[@]}"; do
	poll_until 60 "amr-$s answering its ping" \
		eval "amrctl --timeout 2000 rpc $s/ping >/dev/null 2>&1" || exit 1
done

channels=$((gateways * devices * 4))
for ((k = 1; k <= gateways; k++)); do
	g=$out/gw$k
	mkdir -p "$g/sim" "$g/flash"
	start "amr-sim-$k" "$bin/amr-sim" --bus "$g/bus" --devices $flats --house yes \
		--speed "$speed" --control "$g/sim.sock" --state "$g/sim" --seed "$k"
done
for ((k = 1; k <= gateways; k++)); do
	poll_until 30 "amr-sim $k's control socket" test -S "$out/gw$k/sim.sock" || exit 1
	# The meters wait until every gateway has read its first totals, so that
	# the change of the simulator's totals from here is what the archive
	# must hold.
	sim_ok "$k" pause || { say "FAIL: amr-sim $k does not pause"; exit 1; }
	simctl "$k" totals >"$out/gw$k/totals0"
done
for ((k = 1; k <= gateways; k++)); do
	g=$out/gw$k
	start "amr-gateway-$k" "$bin/amr-gateway" --obj "$k" --serial "$g/bus" \
		--poll "1-$devices" --data-dir "$g/flash" --console-port "$(free_port)" \
		--batch-interval "$batch_interval"
done
first_seen() { [ "$(metric archive amr_archive_new_channels_total)" -ge "$channels" ]; }
poll_until 180 "the archive seeing all $channels channels" first_seen || exit 1
for ((k = 1; k <= gateways; k++)); do
	sim_ok "$k" resume || { say "FAIL: amr-sim $k does not resume"; exit 1; }
done

# --- Run and sample ------------------------------------------------------------
run_us=$((hours * 3600 * 1000000 / speed))
rs=$(now_us)
say "$gateways gateways x $devices UO-4 ($flats flats + the house meters), $channels channels," \
	"batch interval ${batch_interval} s; $hours simulated hours at x$speed:" \
	"$((run_us / 1000000)) s real, a sample every $sample_s s"
printf 'real_s\tsim_h\tprocess\tpid\trss_kb\tanon_kb\thwm_kb\tfds\tmetric\tvalue\n' >"$samples"

# status_field FIELD PROC: a line of /proc/PID/status, in kB.
proc_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$2/status" 2>/dev/null; }

# Spool pending of every gateway, "OBJ PENDING" lines, from their retained
# status.
spool_pending() {
	env LD_PRELOAD="$faketime_lib" FAKETIME_TIMESTAMP_FILE="$clock_file" FAKETIME_NO_CACHE=1 \
		FAKETIME_DONT_FAKE_MONOTONIC=1 mosquitto_sub -h 127.0.0.1 -p "$AMR_MQTT_PORT" \
		-t 'amr/v1/gw/+/status' -v -C "$gateways" -W 5 2>/dev/null |
		while read -r topic payload; do
			o=${topic#amr/v1/gw/}
			echo "${o%/status} $(jq -r '.spool.pending // -1' <<<"$payload" 2>/dev/null)"
		done
}

sample() {
	local t=$1 sim_h i name pid rss anon hwm fds m v
	local -A pend=()
	sim_h=$(awk -v t="$t" -v s="$speed" 'BEGIN { printf "%.2f", t * s / 3600 }')
	local batches pulses
	batches=$(metric archive amr_archive_batches_total)
	pulses=$(metric archive amr_archive_pulses_total)
	while read -r o p; do pend[$o]=$p; done < <(spool_pending)
	# the portal serves while it is sampled
	curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$AMR_HTTP_PORT/" || true
	for i in "${!names[@]}"; do
		name=${names[$i]} pid=${pids[$i]}
		if ! kill -0 "$pid" 2>/dev/null; then
			say "FAIL: $name (pid $pid) exited during the run, at ${sim_h} simulated hours"
			return 1
		fi
		rss=$(proc_kb VmRSS "$pid") anon=$(proc_kb RssAnon "$pid") hwm=$(proc_kb VmHWM "$pid")
		fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
		m=- v=-
		case $name in
		amr-archive) m=batches/pulses v=$batches/$pulses ;;
		amr-gateway-*) m=spool_pending v=${pend[${name#amr-gateway-}]:--1} ;;
		esac
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$sim_h" "$name" "$pid" \
			"${rss:--1}" "${anon:--1}" "${hwm:--1}" "$fds" "$m" "$v" >>"$samples"
	done
}

failed=0
next=$rs
while :; do
	t_us=$(($(now_us) - rs))
	if [ "$(now_us)" -ge $next ]; then
		sample $((t_us / 1000000)) || { failed=1; break; }
		next=$((next + sample_s * 1000000))
	fi
	[ $t_us -ge $run_us ] && break
	sleep 0.5 # the sampler's tick
done
duration_s=$((($(now_us) - rs) / 1000000))
[ $failed -eq 0 ] && sample "$duration_s" || failed=1

# --- Pulse conservation --------------------------------------------------------
# The meters stop; once each gateway has read its devices' last totals and
# its spool has drained, the archive must hold, on every channel, exactly
# the change of the simulator's own counter since the start.
for ((k = 1; k <= gateways; k++)); do
	alive "amr-sim-$k" && sim_ok "$k" pause || { say "FAIL: amr-sim $k does not pause"; failed=1; }
done

# conservation K: 0 when every channel of gateway K balances; its rows
# (channel, archive, simulator) in gwK/conservation.
conservation() {
	local k=$1 ids to
	ids=$(for ((a = 1; a <= devices; a++)); do for c in 1 2 3 4; do
		printf '"%d.%d.%d",' "$k" "$a" "$c"; done; done)
	to=$(($(date +%s) + 86400 * 30 * (hours / 24 + 2)))
	simctl "$k" totals >"$out/gw$k/totals1" || return 1
	amrctl --timeout 20000 rpc archive/consumption \
		"{\"from\":0,\"to\":$to,\"channels\":[${ids%,}]}" 2>/dev/null |
		jq -r '.items[]? // .result.items[]? | "\(.channel) \(.pulses)"' >"$out/gw$k/archived" ||
		return 1
	awk -v k="$k" '
		FILENAME == ARGV[1] && NF == 3 && $1 ~ /^[0-9]+$/ { t0[$1 "." $2] = $3; next }
		FILENAME == ARGV[2] && NF == 3 && $1 ~ /^[0-9]+$/ { t1[$1 "." $2] = $3; next }
		FILENAME == ARGV[3] { sub("^" k "\\.", "", $1); got[$1] = $2 }
		END {
			bad = 0
			for (c in t1) {
				want = t1[c] - t0[c]
				printf "%s.%s\t%s\t%d\n", k, c, (c in got) ? got[c] : "none", want
				if (!(c in got) || got[c] != want) bad++
			}
			exit bad > 0
		}' "$out/gw$k/totals0" "$out/gw$k/totals1" "$out/gw$k/archived" >"$out/gw$k/conservation"
}
all_balance() {
	local k
	for ((k = 1; k <= gateways; k++)); do conservation "$k" || return 1; done
}
if [ $failed -eq 0 ] || alive amr-archive; then
	if poll_until 300 "every channel's pulses in the archive" all_balance; then
		conserved=yes
	else
		conserved=no
		failed=1
	fi
	printf 'channel\tarchive\tsimulator\n' >"$out/conservation.tsv"
	cat "$out"/gw*/conservation >>"$out/conservation.tsv" 2>/dev/null
fi
final_batches=$(metric archive amr_archive_batches_total)
final_pulses=$(metric archive amr_archive_pulses_total)

# --- Stop, then the sanitizers' verdict ----------------------------------------
stop_all
asan_bad=0
for i in "${!names[@]}"; do
	rc=${exit_of[${names[$i]}]:-?}
	if [ "$rc" != 0 ]; then
		say "FAIL: ${names[$i]} exited with status $rc after SIGTERM"
		asan_bad=1
	fi
done
reports=$(grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error|UndefinedBehaviorSanitizer' \
	"$out"/asan/* "$log"/*.log 2>/dev/null)
if [ -n "$reports" ]; then
	say "FAIL: sanitizer reports in: $(echo $reports)"
	asan_bad=1
fi

# --- Summary -------------------------------------------------------------------
{
	echo
	echo "run: $duration_s s real = $(awk -v t="$duration_s" -v s="$speed" 'BEGIN { printf "%.2f", t * s / 3600 }') simulated hours;" \
		"archive: $final_batches batches, $final_pulses pulses;" \
		"conservation on $channels channels: ${conserved:-not checked}"
	awk -v warm_pct="${SOAK_WARMUP_PCT:-50}" -f "$top/tests/soak/summary.awk" "$samples"
} | tee -a "$summary"
flat_ok=${PIPESTATUS[0]}
grep -q '^VERDICT growth' "$summary" && flat_ok=1
[ $asan_bad -eq 0 ] && say "sanitizers: clean (every process stopped with status 0, no report)"
if [ $failed -ne 0 ] || [ $asan_bad -ne 0 ] || [ "$flat_ok" -ne 0 ]; then
	say "RESULT: FAIL (see $out)"
	exit 1
fi
say "RESULT: PASS"
exit 0
