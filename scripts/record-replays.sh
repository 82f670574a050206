#!/bin/sh
# record-replays.sh [SCXSIM] — rebuild NAME.real.json and NAME.replay.json of every trace kept in
# tests/data/record/ (NAME.trace.gz) with `scxsim record --from-trace` (no root needed).
# Replays use barriers (suspend/resume replays stall in scxsim, docs/fidelity.md) and runs net
# of the model's default ctx_switch_ns / migration_ns: re-run this after changing those defaults
# (src/machine/setup.c), then re-check tests/cli/fidelity.sh.
set -eu
SCXSIM=${1:-build/scxsim}
for t in tests/data/record/*.trace.gz; do
	name=${t%.trace.gz}
	"$SCXSIM" record --from-trace "$t" --out "$name.real.json" --workload-out "$name.replay.json" \
		--replay-sync barrier 2>&1 | sed "s|^|$(basename "$name"): |"
done
