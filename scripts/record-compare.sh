#!/bin/sh
# record-compare.sh [SCXSIM] [--model K=V,...] — replay every recording kept in tests/data/record/
# in scxsim (fair class, HZ 250, the recording's CPU count: --topo 2, or 1 for perf-pipe-cpu0
# whose tasks were pinned to one CPU) and print the comparison table of docs/fidelity.md:
# real | sim | relative error for each figure tests/cli/fidelity.sh checks. Needs python3.
set -eu
SCXSIM=${1:-build/scxsim}
MODEL=""
[ "${2:-}" = "--model" ] && MODEL="--model $3"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
printf '%s%s\n' "| workload | tasks' CPU time | worst task (>= 1%) | ctx switches |" \
	" ctx sw. w/o noise | wakeups | wakeup lat. p50 | window |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for t in tests/data/record/*.trace.gz; do
	name=$(basename "$t" .trace.gz)
	topo=2
	[ "$name" = perf-pipe-cpu0 ] && topo=1
	"$SCXSIM" run --workload "tests/data/record/$name.replay.json" --topo $topo --hz 250 $MODEL \
		--json "$TMP/sim.json" --quiet
	"$SCXSIM" diff "tests/data/record/$name.real.json" "$TMP/sim.json" --json >"$TMP/d.json"
	python3 - "$name" "$TMP/d.json" <<'PY'
import json, sys
name, d = sys.argv[1], json.load(open(sys.argv[2]))
tot = {f["figure"]: f for f in d["totals"]}
def unit(v, ns):
    if v is None: return "-"
    if not ns: return str(v)
    for div, u in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if abs(v) >= div: return "%.3g %s" % (v / div, u)
    return "%d ns" % v
def cell(f, ns):
    e = f["rel_err"]
    return "%s → %s (%s)" % (unit(f["real"], ns), unit(f["sim"], ns),
                             "%+.1f%%" % (100 * e) if e is not None else "n/a")
total = sum(t["figures"][0]["real"] or 0 for t in d["tasks"])
worst = None
for t in d["tasks"]:
    f = t["figures"][0]
    if f["real"] and f["real"] >= 0.01 * total and f["rel_err"] is not None:
        if worst is None or abs(f["rel_err"]) > abs(worst[1]["rel_err"]): worst = (t["comm"], f)
w = "%s %+.1f%%" % (worst[0], 100 * worst[1]["rel_err"]) if worst else "-"
print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (name, cell(tot["tasks runtime"], 1), w,
      cell(tot["ctx_switches"], 0), cell(tot["ctx_sw w/o noise"], 0), cell(tot["tasks wakeups"], 0),
      cell(tot["wakeup_lat p50"], 1), cell(tot["duration"], 1)))
PY
done
