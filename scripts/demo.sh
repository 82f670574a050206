#!/bin/sh
# demo.sh BUILD — the main job: a latency-sensitive workload (schbench-like messengers waking
# workers) on a small SMT machine under the fair class (EEVDF), with the readable summary,
# then the same run again to show it is deterministic. (Once the ext class lands this
# compares the example BPF schedulers against fair.)
set -e
B=${1:-build}
W="schbench:mthreads=2,workers=6,loops=300"
echo "== scxsim demo: $W on 1 socket x 4 cores x 2 SMT threads, fair class, seed 1"
echo
"$B/scxsim" run --sched fair --workload "$W" --topo 1s4c2t --duration 5s --seed 1 --json "$B/demo.json"
"$B/scxsim" run --sched fair --workload "$W" --topo 1s4c2t --duration 5s --seed 1 --json "$B/demo2.json" --quiet
if [ "$(grep -v wall_ns "$B/demo.json" | cksum)" = "$(grep -v wall_ns "$B/demo2.json" | cksum)" ]; then
	echo
	echo "Ran it twice with seed 1: identical results ($B/demo.json). The workers' wake-up"
	echo "latency p99 above is what the fair class gives this mix; BPF schedulers will be compared here."
else
	echo "demo: two runs with the same seed differ — this is a bug, please report it" >&2
	exit 1
fi
