# golden.sh — seeded runs whose output is checked in (tests/golden/, reviewed by eye once):
# the --compare table of the demo. A model change that alters them must regenerate them
# (scripts/golden.sh) and say why in its commit.
. tests/cli/lib.sh

expect_exit 0 compare_dispersive $SCXSIM run --compare fair,simple,central,qmap \
	--workload workloads/dispersive.json --topo 1s4c2t --seed 1
check compare_dispersive_golden cmp -s "$TMP/stdout" tests/golden/compare-dispersive.txt
[ -s "$TMP/stdout" ] && ! cmp -s "$TMP/stdout" tests/golden/compare-dispersive.txt &&
	diff tests/golden/compare-dispersive.txt "$TMP/stdout" | head -20
summary
