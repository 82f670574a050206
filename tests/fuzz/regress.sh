#!/bin/sh
# regress.sh DIR — replays every input in tests/fuzz/crashes/NAME/ (the minimized reproducers
# of the bugs the fuzzers found, docs/fuzzing.md) and tests/fuzz/seeds/NAME/ through DIR/NAME,
# the harness built as a plain program (tests/fuzz/main.c) under ASan+UBSan, one process per
# input with a 60 s limit. An input passes when the harness exits 0 (no sanitizer report, no
# broken property, no hang). Prints "ok"/"FAIL" per input and "N passed, N failed" last.
D=${1:-build/san/fuzz-regress}
p=0; f=0
for dir in tests/fuzz/crashes/* tests/fuzz/seeds/*; do
	[ -d "$dir" ] || continue
	h=$(basename "$dir")
	for in in "$dir"/*; do
		[ -f "$in" ] || continue
		if [ ! -x "$D/$h" ]; then
			echo "FAIL $in: no harness $D/$h"; f=$((f + 1)); continue
		fi
		if timeout 60 "$D/$h" "$in" >/dev/null 2>"$D/.regress.err"; then
			echo "ok $in"; p=$((p + 1))
		else
			echo "FAIL $in (exit $?):"; tail -n 20 "$D/.regress.err"; f=$((f + 1))
		fi
	done
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
