#!/bin/sh
# golden.sh [BUILD] — regenerate tests/golden/ after a deliberate model change; review the diff.
set -e
B=${1:-build}
"$B/scxsim" run --compare fair,simple,central,qmap --workload workloads/dispersive.json \
	--topo 1s4c2t --seed 1 > tests/golden/compare-dispersive.txt
git --no-pager diff --stat tests/golden/
