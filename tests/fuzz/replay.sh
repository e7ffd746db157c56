#!/usr/bin/env bash
# test_fuzz_replay: every seed of tests/fuzz/corpus/NAME/ and every input of
# tests/fuzz/crashes/NAME/ once through its fuzz target (make test,
# docs/reliability.md), so that a crash fixed stays fixed. Installed as
# BUILD/tests/test_fuzz_replay; the targets are in BUILD/fuzz/bin. A corpus
# whose target was not built, or a target without seeds, is a failure,
# never a skip. Prints Check's
# summary line (one check per target) for tests/run-tests.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../fuzz/bin
src=${AMR_SRC_DIR:-$(git -C "$here" rev-parse --show-toplevel)}
logs=$here/../test-logs
mkdir -p "$logs"
checks=0 failures=0
shopt -s nullglob
# Every target built, every corpus and every crashes directory: a target
# without seeds or seeds without a target is a failure too.
names=$({
	for d in "$src"/tests/fuzz/corpus/*/ "$src"/tests/fuzz/crashes/*/; do basename "$d"; done
	for b in "$bin"/fuzz_*; do basename "$b" | sed 's/^fuzz_//'; done
} | sort -u)
for t in $names; do
	checks=$((checks + 1))
	files=("$src/tests/fuzz/corpus/$t"/* "$src/tests/fuzz/crashes/$t"/*)
	if [ ! -x "$bin/fuzz_$t" ]; then
		echo "$t: $bin/fuzz_$t is not built (clang and libFuzzer: deploy/install-deps.sh)"
		failures=$((failures + 1))
		continue
	fi
	if [ ${#files[@]} -eq 0 ]; then
		echo "$t: no seeds in tests/fuzz/corpus/$t/"
		failures=$((failures + 1))
		continue
	fi
	if "$bin/fuzz_$t" -runs=1 "${files[@]}" >"$logs/fuzz_$t.log" 2>&1; then
		echo "$t: ${#files[@]} inputs replayed"
	else
		echo "$t: ERROR: an input fails; log $logs/fuzz_$t.log"
		grep -E 'ERROR|runtime error|Running:' "$logs/fuzz_$t.log" | tail -n 5
		failures=$((failures + 1))
	fi
done
[ $checks -gt 0 ] || { echo "no corpus in $src/tests/fuzz/corpus"; exit 1; }
echo "$(((checks - failures) * 100 / checks))%: Checks: $checks, Failures: $failures, Errors: 0"
[ $failures -eq 0 ]
