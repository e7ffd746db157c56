#!/usr/bin/env bash
# Run each fuzz target for a while (make fuzz, docs/reliability.md).
#
#   tests/fuzz/run-fuzz.sh FUZZ_DIR SECONDS NAME...
#
# FUZZ_DIR/bin/fuzz_NAME runs SECONDS seconds from tests/fuzz/corpus/NAME;
# the inputs it finds go to FUZZ_DIR/NAME/corpus (not the repository), a
# crash's input to FUZZ_DIR/NAME/ (crash-*, leak-*, timeout-*), its log to
# FUZZ_DIR/NAME/fuzz.log. One line per target is printed and appended to
# FUZZ_DIR/stats.tsv: date, target, seconds, executions, crashes. Exits
# non-zero when any target crashed. tests/fuzz/NAME.options, when there,
# holds more libFuzzer flags for that target, e.g. -max_len=512.
set -u
dir=${1:?usage: run-fuzz.sh FUZZ_DIR SECONDS NAME...}
secs=${2:?usage: run-fuzz.sh FUZZ_DIR SECONDS NAME...}
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:suppressions=$src/tests/asan.supp}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
stats=$dir/stats.tsv
[ -f "$stats" ] || printf 'date\ttarget\tseconds\texecutions\tcrashes\n' >"$stats"
bad=()
for t in "$@"; do
	out=$dir/$t
	mkdir -p "$out/corpus"
	log=$out/fuzz.log
	before=$(ls "$out" | grep -cE '^(crash|leak|timeout|oom)-')
	opts=()
	[ -f "$src/tests/fuzz/$t.options" ] && read -r -a opts <"$src/tests/fuzz/$t.options"
	"$dir/bin/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -timeout=10 "${opts[@]}" \
		-artifact_prefix="$out/" "$out/corpus" "$src/tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
	crashes=$(($(ls "$out" | grep -cE '^(crash|leak|timeout|oom)-') - before))
	[ $rc -ne 0 ] && [ $crashes -eq 0 ] && crashes=1
	printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$secs" "${execs:-0}" "$crashes" >>"$stats"
	printf 'fuzz %-12s %6s s %12s executions %3s crashes\n' "$t" "$secs" "${execs:-0}" "$crashes"
	if [ $rc -ne 0 ]; then
		bad+=("$t")
		grep -E 'ERROR|runtime error|Test unit written' "$log" | head -n 5 | sed 's/^/   | /'
		echo "   log: $log"
	fi
done
[ ${#bad[@]} -eq 0 ] || { echo "fuzz: crashed: ${bad[*]}"; exit 1; }
