#!/usr/bin/env bash
# Run every Check runner of a test build and print one summary.
#
#   tests/run-tests.sh BUILD_DIR [name,name...]
#
# Unit runners come first, then integration runners (which start Mosquitto
# and our daemons from BUILD_DIR/bin). Each runner's own Check summary line
# is printed; the last line adds them up. Exits non-zero on any failure.
set -u
build=${1:?usage: run-tests.sh BUILD_DIR [names]}
only=${2:-}
export AMR_BIN_DIR=$(cd "$build/bin" && pwd)
export AMR_SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$AMR_SRC_DIR/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120}

passed=0 failed=0 errors=0 runners=0 bad=()
logdir=$build/test-logs
mkdir -p "$logdir"
for t in $(ls "$build"/tests/ 2>/dev/null | sort); do
	bin=$build/tests/$t
	[ -x "$bin" ] || continue
	if [ -n "$only" ] && [[ ",$only," != *",$t,"* ]]; then
		continue
	fi
	runners=$((runners + 1))
	echo "== $t"
	"$bin" >"$logdir/$t.log" 2>&1
	rc=$?
	# Check prints "NN%: Checks: C, Failures: F, Errors: E"
	line=$(grep -E '^[0-9]+%: Checks: ' "$logdir/$t.log" | tail -n 1)
	if [ -n "$line" ]; then
		echo "   $line"
		c=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		passed=$((passed + c - f - e))
		failed=$((failed + f))
		errors=$((errors + e))
	fi
	if [ $rc -ne 0 ] || [ -z "$line" ]; then
		bad+=("$t")
		[ -z "$line" ] && errors=$((errors + 1))
		echo "   FAILED (exit $rc); log: $logdir/$t.log"
		grep -E ':[EF]:|ERROR|runtime error|Sanitizer' "$logdir/$t.log" | head -n 20 | sed 's/^/   | /'
	fi
done
echo
echo "runners: $runners"
echo "Checks: $((passed + failed + errors)), Failures: $failed, Errors: $errors"
echo "$passed passed, $((failed + errors)) failed"
[ ${#bad[@]} -eq 0 ] || { echo "failed runners: ${bad[*]}"; exit 1; }
[ $runners -gt 0 ] || { echo "no test runner was built"; exit 1; }
exit 0
