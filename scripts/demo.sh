#!/bin/sh
# demo.sh BUILD — the main job: the fair class and three example BPF schedulers (simple,
# central, qmap) on the same latency-sensitive workload and machine, side by side, then the
# same comparison again to show it is deterministic.
set -e
B=${1:-build}
W=workloads/dispersive.json
T=1s4c2t
echo "== scxsim demo: $W (short requests next to batch work)"
echo "== on $T (1 socket, 4 cores, 2 SMT threads), seed 1: fair vs BPF schedulers"
echo
"$B/scxsim" run --compare fair,simple,central,qmap --workload "$W" --topo "$T" --seed 1 \
	--json "$B/demo.json"
"$B/scxsim" run --compare fair,simple,central,qmap --workload "$W" --topo "$T" --seed 1 \
	--json "$B/demo2.json" --quiet
echo
echo "What it shows: with more runnable threads than CPUs, EEVDF (fair) places a waking short"
echo "request ahead of the batch work, while the one-queue BPF schedulers (simple, qmap) make it"
echo "wait for a 20 ms slice to end and central funnels every decision through one CPU."
if [ "$(grep -v wall_ns "$B/demo.json" | cksum)" = "$(grep -v wall_ns "$B/demo2.json" | cksum)" ]; then
	echo "Ran twice with seed 1: identical results ($B/demo.json)."
else
	echo "demo: two runs with the same seed differ; this is a bug, please report it" >&2
	exit 1
fi
