#!/bin/sh
# fuzz.sh BUILD SECONDS NAME... — `make fuzz`: builds the seed corpus of each fuzz harness from
# the repository's own files (nothing downloaded, nothing committed), then runs each libFuzzer
# binary BUILD/fuzz/NAME for SECONDS seconds, one at a time in one process (the machine is shared),
# keeping its corpus in BUILD/fuzz/corpus/NAME (grows across runs) and any crash, leak or
# timeout input in BUILD/fuzz/artifacts/NAME/. Prints one line per harness: executions, time,
# corpus size and findings (also appended to BUILD/fuzz/summary.log, the history of all runs);
# exits 1 when a harness found something.
# Env: FUZZ_FLAGS adds libFuzzer flags (e.g. -max_len=4096).
B=$1; T=$2; shift 2
F=$B/fuzz
status=0

seed() { # NAME: fill $F/corpus/NAME/ from the repository
	d=$F/corpus/$1; mkdir -p "$d"
	case $1 in
	bpf_obj|bpf_sched)
		for o in "$B"/scheds/*.bpf.o "$B"/tests/bpf/*.bpf.o tests/data/elf/*; do
			[ -f "$o" ] && cp "$o" "$d/seed-$(basename "$o")"
		done ;;
	workload)
		for j in workloads/*.json tests/data/workload/*.json tests/data/workload/rtapp/*.json \
			tests/data/workload/rtapp/*/*.json tests/data/record/*.replay.json; do
			[ -f "$j" ] && head -c 65536 "$j" > "$d/seed-$(echo "$j" | tr / _)"
		done
		for g in cpuhog:n=3 cpuhog:n=2,nice=5,work=3 pipe:loops=50 \
			hackbench:groups=1,fds=2,loops=3 schbench:mthreads=1,workers=2,loops=5; do
			printf '%s' "$g" > "$d/seed-gen-$(echo "$g" | tr ':,=' '___')"
		done ;;
	topo)
		for s in 1 8 2s16c2t 2s4c2t:llc=4 4s2c1t:llc=4:nodes=2 2s8c2t:nodes=1 64; do
			printf '%s' "$s" > "$d/seed-$(echo "$s" | tr ':=' '__')"
		done ;;
	vm)
		"$F/vm_seeds" "$d" tests/ebpf/*.data 2>/dev/null ;;
	trace)
		for g in tests/data/record/*.trace.gz; do
			gzip -dc "$g" | head -c 65536 > "$d/seed-$(basename "$g" .gz)"
		done ;;
	diff)
		for r in tests/data/record/*.real.json; do
			s=${r%.real.json}.replay.json
			[ -f "$s" ] || continue
			{ head -c 32768 "$r"; printf '\000'; head -c 32768 "$r"; } > "$d/seed-$(basename "$r")"
		done
		for j in tests/data/record/ex*.json; do cp "$j" "$d/seed-$(basename "$j")"; done ;;
	json)
		for j in workloads/*.json tests/data/workload/rtapp/*.json tests/data/record/ex*.json; do
			[ -f "$j" ] && cp "$j" "$d/seed-$(echo "$j" | tr / _)"
		done ;;
	esac
	[ -d "tests/fuzz/seeds/$1" ] && cp tests/fuzz/seeds/"$1"/* "$d/" 2>/dev/null
	[ -d "tests/fuzz/crashes/$1" ] && cp tests/fuzz/crashes/"$1"/* "$d/" 2>/dev/null
	return 0
}

for n in "$@"; do
	seed "$n"
	a=$F/artifacts/$n; mkdir -p "$a"
	log=$F/$n.log
	ML=65536; case $n in bpf_*) ML=131072;; esac
	"$F/$n" -max_total_time="$T" -timeout=10 -rss_limit_mb=2048 -max_len=$ML \
		-print_final_stats=1 -artifact_prefix="$a/" $FUZZ_FLAGS "$F/corpus/$n" >"$log" 2>&1
	rc=$?
	runs=$(grep -E '^stat::number_of_executed_units' "$log" | tail -n 1 | awk '{print $2}')
	secs=$(grep -E 'Done [0-9]+ runs in' "$log" | tail -n 1 | sed 's/.*in \([0-9]*\) second.*/\1/')
	eps=$(grep -E '^stat::average_exec_per_sec' "$log" | tail -n 1 | awk '{print $2}')
	# stopped by a finding: no "Done" line; the time is runs / average rate
	[ -z "$secs" ] && [ -n "$runs" ] && [ "${eps:-0}" -gt 0 ] && secs="~$((runs / eps))"
	found=$(ls "$a" | wc -l)
	echo "fuzz $n: ${runs:-?} runs in ${secs:-?} s, corpus $(ls "$F/corpus/$n" | wc -l), exit $rc, $found artifact(s) in $a" |
		tee -a "$F/summary.log"
	[ $rc -eq 0 ] && [ "$found" -eq 0 ] || status=1
done
exit $status
