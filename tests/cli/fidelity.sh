# fidelity.sh — the fair class and machine model against the real kernel: every recording kept
# in tests/data/record/ (traced on the project's machine: kernel 6.18, HZ 250, 2 vCPUs) is
# replayed with the default model and `scxsim diff --check` holds each figure to the error band
# docs/fidelity.md documents for that workload. So a model change that makes the simulator
# further from Linux than measured fails here; one that brings it closer passes (bands are
# symmetric: |sim - real| <= band % of real). Runs in well under a second, needs no root.
#
# Bands: where the measured error meets the target (CPU time 5 %, context switches and wakeups
# 10 %, wakeup latency p50 25 %), the band is the target; where it does not (a known gap,
# docs/fidelity.md says why), the band is the measured error rounded up to 5 % with a 2-point
# margin. Re-measure with scripts/record-compare.sh after a model change that improves them.
# Figures: runtime = all recorded tasks' CPU time; task_runtime = each task with at least 1 % of
# it; wakeups = all tasks' wakeups; quiet_ctx_switches = context switches less the 2 per
# preemption by another program (record.noise_preemptions); lat_p50 = wakeup latency p50
# (from sched_waking); duration = the recording's window.
. tests/cli/lib.sh

D=tests/data/record
T="runtime=5,task_runtime=5,wakeups=10,duration=5"     # bands met by every workload

fidelity() { # name topo extra-bands
	name=$1 topo=$2 bands="$T,$3"
	expect_exit 0 "fidelity_${name}_runs" $SCXSIM run --workload "$D/$name.replay.json" \
		--topo "$topo" --hz 250 --json "$TMP/$name.json" --quiet
	expect_exit 0 "fidelity_${name}_within_bands" $SCXSIM diff "$D/$name.real.json" \
		"$TMP/$name.json" --check "$bands"
	grep FAIL "$TMP/stdout" | sed 's/^/   /'
}

# rt-app tutorial examples 1-8: timer wake-ups of a long-idle CPU (idle_exit_ns models the
# 16 us; the tails above it — vCPU halts of 60-90 us — are not modelled)
fidelity rtapp-ex1 2 quiet_ctx_switches=10,lat_p50=25
fidelity rtapp-ex2 2 quiet_ctx_switches=10,lat_p50=80
fidelity rtapp-ex3 2 quiet_ctx_switches=10,lat_p50=80
fidelity rtapp-ex4 2 quiet_ctx_switches=10,lat_p50=85
fidelity rtapp-ex5 2 quiet_ctx_switches=10,lat_p50=25
fidelity rtapp-ex6 2 quiet_ctx_switches=10,lat_p50=50
fidelity rtapp-ex7 2 quiet_ctx_switches=10,lat_p50=25
fidelity rtapp-ex8 2 quiet_ctx_switches=10,lat_p50=85
fidelity example1 2 quiet_ctx_switches=10,lat_p50=25
# pipes and sockets: a wake-up onto the other, briefly idle CPU costs the IPI (1 us modelled, 6 us real)
fidelity perf-pipe 2 quiet_ctx_switches=10,lat_p50=105
fidelity pipe 2 quiet_ctx_switches=10,lat_p50=105,duration=10
fidelity perf-pipe-cpu0 1 quiet_ctx_switches=40,lat_p50=300,task_runtime=10
fidelity perf-messaging 2 quiet_ctx_switches=50,lat_p50=100
fidelity messaging 2 quiet_ctx_switches=25,lat_p50=85,duration=25
# stress-ng's CPUs are rarely idle 50 us: the modelled deep-idle exit overshoots its 5 us p50
fidelity stress 2 quiet_ctx_switches=25,lat_p50=230,task_runtime=15
fidelity make 2 quiet_ctx_switches=40,lat_p50=100

# the check can fail: a band of 0 on a figure that is off, and a task the sim lacks
expect_exit 1 fidelity_check_fails_out_of_band $SCXSIM diff "$D/perf-pipe.real.json" \
	"$TMP/perf-pipe.json" --check quiet_ctx_switches=0
check fidelity_check_names_figure grep -q "^FAIL totals quiet_ctx_switches: 8054 -> " "$TMP/stdout"
expect_exit 1 fidelity_check_missing_task $SCXSIM diff "$D/perf-pipe.real.json" \
	"$TMP/rtapp-ex1.json" --check task_runtime=5
check fidelity_check_names_missing_task grep -q "FAIL task sched-pipe: no such task" "$TMP/stdout"
expect_exit 0 fidelity_check_ok_lines $SCXSIM diff "$D/rtapp-ex1.real.json" "$TMP/rtapp-ex1.json" \
	--check runtime=5,wakeups=0
check fidelity_check_ok_line grep -q "^ok   totals wakeups: 13 -> 13 (+0.0%, band 0%)" "$TMP/stdout"
# bad specs: exit 2 naming the problem
expect_exit 2 fidelity_check_unknown_figure $SCXSIM diff "$D/rtapp-ex1.real.json" \
	"$TMP/rtapp-ex1.json" --check warp=5
check fidelity_check_unknown_figure_msg grep -q "unknown figure 'warp'" "$TMP/stderr"
expect_exit 2 fidelity_check_bad_pct $SCXSIM diff "$D/rtapp-ex1.real.json" "$TMP/rtapp-ex1.json" \
	--check runtime=abc
check fidelity_check_bad_pct_msg grep -q "'runtime' needs a percentage" "$TMP/stderr"
expect_exit 2 fidelity_check_no_spec $SCXSIM diff "$D/rtapp-ex1.real.json" "$TMP/rtapp-ex1.json" \
	--check
expect_exit 2 fidelity_check_with_json $SCXSIM diff "$D/rtapp-ex1.real.json" \
	"$TMP/rtapp-ex1.json" --check runtime=5 --json
summary
