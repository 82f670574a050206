#!/bin/sh
# run.sh BUILD [SANBUILD] — runs every test suite and prints the combined total last:
#   the unit tests (BUILD/tests/unit), the same under ASan+UBSan (SANBUILD), and the CLI
#   scripts tests/cli/*.sh against BUILD/scxsim (and SANBUILD/scxsim), and the fuzz reproducers
#   (tests/fuzz/regress.sh) through the SANBUILD harnesses.
# Each suite prints its own "N passed, N failed"; this sums them.
B=${1:-build}
S=${2:-}
total_p=0
total_f=0
log=$(mktemp)
run_suite() { # name cmd...
	name=$1; shift
	"$@" >"$log" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		cat "$log"
		echo "$name: no summary (exit $rc)"
		total_f=$((total_f + 1))
		return
	fi
	p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
	[ "$f" -gt 0 ] || [ $rc -ne 0 ] && grep -v '^ok ' "$log"
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	echo "$name: $p passed, $f failed"
	total_p=$((total_p + p)); total_f=$((total_f + f))
}
export SCXSIM_SCHEDS_DIR="$B/scheds"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite unit "$B/tests/unit"
run_suite compat python3 scripts/compat-check.py docs/compat.md
[ -n "$S" ] && run_suite unit-asan "$S/tests/unit"
[ -n "$S" ] && run_suite fuzz-regress sh tests/fuzz/regress.sh "$S/fuzz-regress"
for t in tests/cli/*.sh; do
	[ -f "$t" ] || continue
	[ "$(basename "$t")" = lib.sh ] && continue
	run_suite "$(basename "$t" .sh)" env SCXSIM="$B/scxsim" BUILD="$B" sh "$t"
	[ -n "$S" ] && run_suite "$(basename "$t" .sh)-asan" env SCXSIM="$S/scxsim" BUILD="$B" sh "$t"
done
rm -f "$log"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
