#!/usr/bin/env bash
# Run the Check runners of a test build and print one summary.
#
#   tests/run-tests.sh [--unit] BUILD_DIR [name,name...]
#
# Unit runners first, all of them, nproc at a time; then the integration
# runners (linked with tests/harness: they start Mosquitto and our daemons
# from BUILD_DIR/bin, each on its own ports in its own temporary directory),
# AMR_TEST_JOBS at a time (default 4: they mostly wait on the broker and the
# daemons), the slowest of the last run first. The runners are those of
# BUILD_DIR/tests, or of BUILD_DIR/$AMR_RUNNER_DIR when that is set (make
# test-faults: BUILD_DIR/faults). --unit runs the unit runners
# only. Each runner's Check summary line is printed as it ends, with its
# time; a failed runner's log excerpt follows it. The last lines add them
# up. Exits non-zero on any failure.
set -u
unit_only=0
if [ "${1:-}" = --unit ]; then
	unit_only=1
	shift
fi
build=${1:?usage: run-tests.sh [--unit] BUILD_DIR [names]}
only=${2:-}
jobs=${AMR_TEST_JOBS:-4}
runners_dir=$build/${AMR_RUNNER_DIR:-tests}
export AMR_BIN_DIR=$(cd "$build/bin" && pwd)
export AMR_SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:suppressions=$AMR_SRC_DIR/tests/asan.supp}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$AMR_SRC_DIR/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120}

logdir=$build/test-logs${AMR_RUNNER_DIR:+-$AMR_RUNNER_DIR}
mkdir -p "$logdir"
times=$logdir/durations # "name seconds" of the last run of each runner

# Runners of a first run (no durations yet) known to take longest.
slow_first="test_web test_web_e2e test_gateway test_stack test_web_ops test_pipeline"

unit=() integ=()
for t in $(ls "$runners_dir"/ 2>/dev/null | sort); do
	bin=$runners_dir/$t
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	if [ -n "$only" ] && [[ ",$only," != *",$t,"* ]]; then
		continue
	fi
	if grep -q harness_start "$bin"; then
		integ+=("$t")
	else
		unit+=("$t")
	fi
done
[ $unit_only -eq 1 ] && integ=()

# Integration runners, slowest first: by the last run's time; a runner
# not timed yet comes before those (it may be slow), the ones of
# $slow_first first of all, in that order.
order_by_time() {
	local t d i
	for t in "$@"; do
		d=$(awk -v n="$t" '$1 == n { d = $2 } END { print d }' "$times" 2>/dev/null)
		if [ -z "$d" ]; then
			d=500000 i=0
			for s in $slow_first; do
				[ "$s" = "$t" ] && d=$((1000000 - i))
				i=$((i + 1))
			done
		fi
		echo "$d $t"
	done | sort -k1,1gr -k2,2 | awk '{ print $2 }'
}

passed=0 failed=0 errors=0 runners=0 bad=()
declare -A name_of=() start_of=()

now() { date +%s.%N; }

# Account for runner $1, which exited with $2 after $3 seconds.
report() {
	local t=$1 rc=$2 secs=$3 log=$logdir/$1.log line c f e
	runners=$((runners + 1))
	# Check prints "NN%: Checks: C, Failures: F, Errors: E"
	line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
	echo "== $t ($secs s)"
	if [ -n "$line" ]; then
		echo "   $line"
		c=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		passed=$((passed + c - f - e))
		failed=$((failed + f))
		errors=$((errors + e))
	fi
	if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
		bad+=("$t")
		[ -z "$line" ] && errors=$((errors + 1))
		echo "   FAILED (exit $rc); log: $log"
		grep -E ':[EF]:|ERROR|runtime error|Sanitizer' "$log" | head -n 20 | sed 's/^/   | /'
	fi
	echo "$t $secs" >>"$times.new"
}

# Wait for one of the running runners to end and report it.
reap_one() {
	local pid rc
	wait -n -p pid "${!name_of[@]}"
	rc=$?
	report "${name_of[$pid]}" "$rc" \
		"$(awk -v a="${start_of[$pid]}" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
	unset "name_of[$pid]" "start_of[$pid]"
}

# Run the runners named after $1, at most $1 at a time.
run_all() {
	local max=$1 t
	shift
	for t in "$@"; do
		while [ ${#name_of[@]} -ge "$max" ]; do
			reap_one
		done
		"$runners_dir/$t" >"$logdir/$t.log" 2>&1 &
		name_of[$!]=$t
		start_of[$!]=$(now)
	done
	while [ ${#name_of[@]} -gt 0 ]; do
		reap_one
	done
}

# Stopped from outside (make test-faults bounds its run with timeout(1)):
# the runners still running go too, and the run fails.
trap 'for p in "${!name_of[@]}"; do kill -TERM "$p" 2>/dev/null; done
	echo "run-tests: stopped before the end (${!name_of[*]} still running)"; exit 124' TERM

t0=$(now)
: >"$times.new"
[ ${#unit[@]} -gt 0 ] && run_all "$(nproc 2>/dev/null || echo 2)" "${unit[@]}"
[ ${#integ[@]} -gt 0 ] && run_all "$jobs" $(order_by_time "${integ[@]}")
# Keep the times of runners not run this time.
awk 'NR == FNR { seen[$1] = 1; print; next } !($1 in seen)' "$times.new" "$times" 2>/dev/null >"$times.tmp" ||
	cp "$times.new" "$times.tmp"
mv "$times.tmp" "$times"
rm -f "$times.new"
echo
echo "runners: $runners (unit ${#unit[@]}, integration ${#integ[@]} at most $jobs at a time), $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s"
echo "Checks: $((passed + failed + errors)), Failures: $failed, Errors: $errors"
echo "$passed passed, $((failed + errors)) failed"
[ ${#bad[@]} -eq 0 ] || { echo "failed runners: ${bad[*]}"; exit 1; }
[ $runners -gt 0 ] || { echo "no test runner was built"; exit 1; }
exit 0
