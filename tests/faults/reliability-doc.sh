#!/usr/bin/env bash
# test_reliability_doc: docs/reliability.md names, in backquotes, every
# fuzz target (tests/fuzz/fuzz_NAME.c), every case of the fault runners
# (tests/faults/*.c) and of the security suite
# (tests/integration/test_security*.c), so that its table of what was
# tried and with what outcome (issue 18) cannot fall behind the suites: a
# case added without its row fails make test. Installed as
# BUILD/tests/test_reliability_doc; prints Check's summary line, one check
# per name, for tests/run-tests.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${AMR_SRC_DIR:-$(git -C "$here" rev-parse --show-toplevel)}
doc=$src/docs/reliability.md
checks=0 failures=0
names=$({
	for f in "$src"/tests/fuzz/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done
	sed -n 's/^START_TEST(\([a-z0-9_]*\)).*/\1/p' "$src"/tests/faults/*.c \
		"$src"/tests/integration/test_security*.c
})
for n in $names; do
	checks=$((checks + 1))
	if ! grep -qF "\`$n\`" "$doc"; then
		echo "$n: not in docs/reliability.md (a row for it, its name in backquotes)"
		failures=$((failures + 1))
	fi
done
[ $checks -gt 0 ] || { echo "no fuzz target, fault or security case found under $src/tests"; exit 1; }
echo "$(((checks - failures) * 100 / checks))%: Checks: $checks, Failures: $failures, Errors: 0"
[ $failures -eq 0 ]
