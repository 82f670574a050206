# run.sh — `scxsim run` end to end: the contract keys of the result JSON, determinism, the
# rt-app examples, and every bad-input path (exit status and the message naming the problem).
. tests/cli/lib.sh

has() { grep -q -- "$1" "$2"; }

# the issue's headline command
expect_exit 0 run_hackbench $SCXSIM run --sched fair --workload hackbench:groups=2 --topo 4 --duration 1s --seed 1 --json "$TMP/a.json"
for k in '"scheduler"' '"exit"' '"kind": "none"' '"machine"' '"nr_cpus": 4' '"sim"' '"seed": 1' \
	'"duration_ns"' '"events"' '"wall_ns"' '"totals"' '"ctx_switches"' '"migrations"' '"idle_ns"' \
	'"wakeup_lat_ns"' '"p999"' '"tasks"' '"pid"' '"comm"' '"cgroup"' '"class": "fair"' '"runtime_ns"' \
	'"wait_ns"' '"nr_wakeups"' '"work_done_ns"' '"work_total_ns"' '"finished"' '"invariants"' '"checked"'; do
	check "json_has_$k" has "$k" "$TMP/a.json"
done
check json_no_violations has '"violations": \[\]' "$TMP/a.json"
check json_all_finished sh -c "! grep -q '\"finished\": false' '$TMP/a.json'"

# determinism: byte-identical apart from wall_ns
expect_exit 0 run_again $SCXSIM run --sched fair --workload hackbench:groups=2 --topo 4 --duration 1s --seed 1 --json "$TMP/b.json"
grep -v wall_ns "$TMP/a.json" > "$TMP/a.nowall"; grep -v wall_ns "$TMP/b.json" > "$TMP/b.nowall"
check same_seed_same_json cmp -s "$TMP/a.nowall" "$TMP/b.nowall"
expect_exit 0 run_seed2 $SCXSIM run --workload schbench --topo 2s2c2t --duration 200ms --seed 2 --json "$TMP/c.json"
expect_exit 0 run_seed3 $SCXSIM run --workload schbench --topo 2s2c2t --duration 200ms --seed 2 --json "$TMP/d.json"
grep -v wall_ns "$TMP/c.json" > "$TMP/c.nowall"; grep -v wall_ns "$TMP/d.json" > "$TMP/d.nowall"
check same_seed_same_json_smt cmp -s "$TMP/c.nowall" "$TMP/d.nowall"

# every rt-app example Debian ships runs with zero violations
for f in $(find tests/data/workload/rtapp -name '*.json' | sort); do
	case "$f" in */merge/*) continue;; esac
	n=$(echo "$f" | sed 's|tests/data/workload/rtapp/||; s|[/.]|_|g')
	expect_exit 0 "rtapp_$n" $SCXSIM run --workload "$f" --topo 2s2c1t --duration 2s --json "$TMP/r.json" --quiet
	check "rtapp_${n}_no_violations" has '"violations": \[\]' "$TMP/r.json"
done

# generators and topologies
for w in cpuhog:n=3 pipe:loops=1000 "hackbench:groups=1,loops=10" "schbench:mthreads=1,workers=2"; do
	expect_exit 0 "gen_$w" $SCXSIM run --workload "$w" --topo 2s4c2t:llc=4:nodes=2 --duration 100ms --quiet
done
expect_exit 0 topo_host $SCXSIM run --workload cpuhog --topo host --duration 10ms --quiet
expect_exit 0 help $SCXSIM run --help
expect_exit 0 top_help $SCXSIM --help

# bad input: exit 2 and a message naming the problem
expect_exit 2 bad_topo $SCXSIM run --workload cpuhog --topo 2x3
check bad_topo_msg has "2x3" "$TMP/stderr"
expect_exit 2 missing_file $SCXSIM run --workload "$TMP/nope.json"
check missing_file_msg has "nope.json" "$TMP/stderr"
printf '{"tasks":{"t0":{"rnu":100}}}' > "$TMP/unk.json"
expect_exit 2 unknown_key $SCXSIM run --workload "$TMP/unk.json"
check unknown_key_msg has "rnu" "$TMP/stderr"
check unknown_key_task has "t0" "$TMP/stderr"
printf '{"tasks":{"t0":{"run":100,}' > "$TMP/bad.json"
expect_exit 2 bad_json $SCXSIM run --workload "$TMP/bad.json"
check bad_json_msg has "bad.json" "$TMP/stderr"
printf '{"tasks":{"t0":{"run":"x"}}}' > "$TMP/type.json"
expect_exit 2 wrong_type $SCXSIM run --workload "$TMP/type.json"
check wrong_type_msg has "run" "$TMP/stderr"
printf '{"tasks":{"t0":{"run":10,"cpus":[7]}}}' > "$TMP/aff.json"
expect_exit 2 affinity_outside $SCXSIM run --workload "$TMP/aff.json" --topo 2
check affinity_msg has "CPU 7 does not exist" "$TMP/stderr"
expect_exit 2 unknown_gen_key $SCXSIM run --workload cpuhog:bogus=1
check unknown_gen_key_msg has "bogus" "$TMP/stderr"
expect_exit 2 bad_duration $SCXSIM run --workload cpuhog --duration 5parsecs
check bad_duration_msg has "duration" "$TMP/stderr"
expect_exit 2 bad_seed $SCXSIM run --workload cpuhog --seed -3
expect_exit 2 bad_hz $SCXSIM run --workload cpuhog --hz 7
expect_exit 2 unknown_option $SCXSIM run --workload cpuhog --frobnicate
check unknown_option_msg has "frobnicate" "$TMP/stderr"
expect_exit 2 no_workload $SCXSIM run
expect_exit 2 unknown_command $SCXSIM frob
expect_exit 2 json_unwritable $SCXSIM run --workload cpuhog --duration 1ms --json /nonexistent/dir/o.json --quiet
check json_unwritable_msg has "/nonexistent/dir/o.json" "$TMP/stderr"
expect_exit 2 sched_missing $SCXSIM run --workload cpuhog --sched nosuch
check sched_missing_msg has "nosuch" "$TMP/stderr"
expect_exit 2 bad_sysrq $SCXSIM run --workload cpuhog --sysrq-at soon
check bad_sysrq_msg has "sysrq-at" "$TMP/stderr"
expect_exit 0 sysrq_on_fair_is_noted $SCXSIM run --workload cpuhog --duration 5ms --sysrq-at 1ms --quiet
check sysrq_on_fair_msg has "nothing to disable" "$TMP/stderr"
printf '{"hotplug":[{"at_ms":2,"cpu":1,"online":false}],"tasks":{"t":{"loop":5,"run":1000,"sleep":100}}}' > "$TMP/hp.json"
expect_exit 0 hotplug_workload $SCXSIM run --workload "$TMP/hp.json" --topo 2 --json "$TMP/hp.out" --quiet
check hotplug_counted has '"transitions": 1' "$TMP/hp.out"
printf '{"hotplug":[{"at_ms":2,"cpu":1}],"tasks":{"t":{"run":100}}}' > "$TMP/hpbad.json"
expect_exit 2 hotplug_bad $SCXSIM run --workload "$TMP/hpbad.json"
check hotplug_bad_msg has "online" "$TMP/stderr"

# cgroup_events: a move and a cpu.weight write at run time; the task reports its final cgroup
printf '{"cgroups":{"/a":{}},"tasks":{"x":{"taskgroup":"/a","loop":1,"run":20000},"y":{"taskgroup":"/a","loop":1,"run":20000}},"cgroup_events":[{"at_ms":5,"task":"y","cgroup":"/b/c"},{"at_ms":8,"cgroup":"/a","weight":300}]}' > "$TMP/cg.json"
expect_exit 0 cgroup_events_fair $SCXSIM run --sched fair --workload "$TMP/cg.json" --topo 1 --json "$TMP/cg.out" --quiet
check cgroup_events_counted has '"moves": 1' "$TMP/cg.out"
check cgroup_events_weight has '"weight_writes": 1' "$TMP/cg.out"
check cgroup_events_final_cgroup has '"cgroup": "/b/c"' "$TMP/cg.out"
check cgroup_events_no_violations has '"violations": \[\]' "$TMP/cg.out"
check cgroup_events_all_finished sh -c "! grep -q '\"finished\": false' '$TMP/cg.out'"
expect_exit 0 cgroup_events_simple $SCXSIM run --sched simple --workload "$TMP/cg.json" --topo 2 --json "$TMP/cgs.out" --quiet
check cgroup_events_simple_moves has '"moves": 1' "$TMP/cgs.out"
printf '{"tasks":{"x":{"run":100}},"cgroup_events":[{"at_ms":5,"task":"nobody","cgroup":"/b"}]}' > "$TMP/cgbad.json"
expect_exit 2 cgroup_events_bad $SCXSIM run --sched fair --workload "$TMP/cgbad.json"
check cgroup_events_bad_msg has "cgbad.json: cgroup_events: event 0: key 'task': no task named 'nobody'" "$TMP/stderr"
printf '{"tasks":{"x":{"run":100}},"cgroup_events":[{"at_ms":5,"cgroup":"/","weight":50}]}' > "$TMP/cgroot.json"
expect_exit 2 cgroup_events_root_weight $SCXSIM run --workload "$TMP/cgroot.json"
check cgroup_events_root_weight_msg has "event 0: the root cgroup '/' has no weight" "$TMP/stderr"
expect_exit 0 model_params $SCXSIM run --workload pipe:loops=100 --model ctx_switch_ns=5000,wakeup_ipi_ns=0 --quiet
expect_exit 2 model_unknown $SCXSIM run --workload cpuhog --model warp=1
check model_unknown_msg has "ctx_switch_ns" "$TMP/stderr"
expect_exit 2 model_bad_value $SCXSIM run --workload cpuhog --model base_slice_ns=0
expect_exit 2 model_server_runtime_above_period $SCXSIM run --workload cpuhog --model fair_server_runtime_ns=60000000,fair_server_period_ns=50000000
check model_server_runtime_above_period_msg has "fair_server_runtime_ns=60000000: above fair_server_period_ns=50000000" "$TMP/stderr"
expect_exit 2 model_server_period_range $SCXSIM run --workload cpuhog --model ext_server_period_ns=5000000000
check model_server_period_range_msg has "ext_server_period_ns=5000000000: must be in 100000..4194304000" "$TMP/stderr"
printf '{"tasks":{"rt":{"policy":"SCHED_FIFO","priority":50,"cpus":[0],"run":100000000},"hog":{"cpus":[0],"run":100000000}}}' > "$TMP/dls.json"
expect_exit 0 fair_server_run $SCXSIM run --sched fair --workload "$TMP/dls.json" --topo 1 --duration 2s --json "$TMP/dls.out" --quiet
check fair_server_run_ns has '"fair_server_ns": 100000000' "$TMP/dls.out"
expect_exit 0 fair_server_off $SCXSIM run --sched fair --workload "$TMP/dls.json" --topo 1 --duration 2s --model fair_server_runtime_ns=0 --json "$TMP/dls0.out" --quiet
check fair_server_off_ns has '"fair_server_ns": 0' "$TMP/dls0.out"
expect_exit 0 trace_written $SCXSIM run --workload hackbench:groups=1,loops=5 --topo 4 --trace "$TMP/trace.json" --quiet
check trace_has_events has '"traceEvents"' "$TMP/trace.json"
check trace_closed sh -c "tail -c 5 '$TMP/trace.json' | grep -q ']}'"
printf '{"tasks":{"h":{"instance":4,"loop":1,"run":5000}}}' > "$TMP/kw.json"
expect_exit 0 kick_wait_run $SCXSIM run --sched "$BUILD/tests/bpf/kick_wait.bpf.o" --workload "$TMP/kw.json" \
	--topo 4 --json "$TMP/kw.out" --trace "$TMP/kw.trace" --quiet
check kick_wait_stats has '"nr_kick_waits": 15' "$TMP/kw.out"
check kick_wait_cpu_keys has '"kick_wait_ns": 5000' "$TMP/kw.out"
check kick_wait_trace_slice has '"name":"kick wait"' "$TMP/kw.trace"
expect_exit 0 trace_bpf_timer $SCXSIM run --sched central --workload cpuhog:n=3,work=5 --topo 2 --trace "$TMP/tt.json" --quiet
check trace_bpf_timer_instant has '"name":"bpf_timer","pid":0,"tid":0,"ts":1000.000,"args":{"detail":"central_timerfn"' "$TMP/tt.json"
expect_exit 2 trace_unwritable $SCXSIM run --workload cpuhog --duration 1ms --trace /nonexistent/t.json --quiet
expect_exit 0 compare_runs $SCXSIM run --workload schbench:loops=20 --compare fair,fair --topo 4 --json "$TMP/cmp.json"
check compare_json_runs has '"runs"' "$TMP/cmp.json"
check compare_two_results sh -c "[ \$(grep -c '\"scheduler\"' '$TMP/cmp.json') -eq 2 ]"
check compare_table has 'fairness: Jain, tasks' "$TMP/stdout"
expect_exit 2 compare_empty $SCXSIM run --workload cpuhog --compare ,
expect_exit 2 compare_unloadable $SCXSIM run --workload cpuhog --duration 1ms --compare fair,nosuch
check compare_unloadable_msg has "nosuch" "$TMP/stderr"
# BPF schedulers from the command line
expect_exit 0 sched_simple $SCXSIM run --sched simple --workload hackbench:groups=1,loops=10 --topo 4 --json "$TMP/s.json"
check sched_simple_ext has '"class": "ext"' "$TMP/s.json"
check sched_simple_name has '"name": "simple"' "$TMP/s.json"
check sched_simple_user_half has 'simple: t=' "$TMP/stderr"
expect_exit 0 sched_knob $SCXSIM run --sched simple:fifo_sched=1,slice_ns=5000000 --workload cpuhog:n=3,work=20 --topo 2 --quiet
printf 'not an elf' > "$TMP/garbage.bpf.o"
expect_exit 1 sched_garbage $SCXSIM run --sched "$TMP/garbage.bpf.o" --workload cpuhog
check sched_garbage_msg has "not an ELF file" "$TMP/stderr"
expect_exit 2 sched_unknown_name env -u SCXSIM_SCHEDS_DIR $SCXSIM run --sched nosuch --workload cpuhog
check sched_unknown_name_lists has "no built scheduler .*nosuch.bpf.o (No such file or directory); built: fair" "$TMP/stderr"
expect_exit 2 sched_unknown_knob $SCXSIM run --sched simple:nope=1 --workload cpuhog
check sched_unknown_knob_lists has "fifo_sched (const volatile bool)" "$TMP/stderr"
expect_exit 2 sched_bad_knob_value $SCXSIM run --sched simple:slice_ns=soon --workload cpuhog
check sched_bad_knob_value_msg has "slice_ns" "$TMP/stderr"
# run verifies a BPF object before attaching it, as the kernel does; --no-verify skips that
expect_exit 1 run_verifier_rejects $SCXSIM run --sched "$BUILD/tests/bpf/verifier_null.bpf.o" --workload cpuhog:n=2,work=5 --topo 2
check run_verifier_rejects_msg has "rejected by the verifier at pc" "$TMP/stderr"
check run_verifier_rejects_hint has "run --no-verify" "$TMP/stderr"
expect_exit 0 run_no_verify $SCXSIM run --sched "$BUILD/tests/bpf/verifier_null.bpf.o" --workload cpuhog:n=2,work=5 --topo 2 --no-verify --quiet
# struct_ops data members set like a user half does: ops.FIELD=VALUE
expect_exit 0 ops_knob_timeout $SCXSIM run --sched qmap:stall_user_nth=3,ops.timeout_ms=200 --workload hackbench:groups=1,loops=30 --topo 2 --json "$TMP/ok.json" --quiet
check ops_knob_timeout_stall has '"kind": "error_stall"' "$TMP/ok.json"
check ops_knob_timeout_soon has 'failed to run for 0.' "$TMP/ok.json"
expect_exit 0 ops_knob_flags $SCXSIM run --sched "simple:ops.flags=SCX_OPS_SWITCH_PARTIAL|0x1" --workload hackbench:groups=1,loops=30 --topo 2 --json "$TMP/of.json" --quiet
check ops_knob_flags_partial sh -c "! grep -q '\"class\": \"ext\"' '$TMP/of.json'"
expect_exit 2 ops_knob_unknown $SCXSIM run --sched simple:ops.flagz=1 --workload cpuhog
check ops_knob_unknown_msg has "knob 'ops.flagz': not a data member scxsim lets you set (ops.dispatch_max_batch, ops.flags" "$TMP/stderr"
expect_exit 2 ops_knob_bad_flag $SCXSIM run --sched simple:ops.flags=SCX_OPS_NOPE --workload cpuhog
check ops_knob_bad_flag_msg has "knob 'ops.flags': bad value 'SCX_OPS_NOPE' (a number or SCX_OPS_" "$TMP/stderr"
expect_exit 2 ops_knob_range $SCXSIM run --sched simple:ops.timeout_ms=99999999999 --workload cpuhog
check ops_knob_range_msg has "99999999999 is out of range (at most 4294967295)" "$TMP/stderr"
expect_exit 2 ops_knob_not_number $SCXSIM run --sched "simple:ops.timeout_ms=1|2" --workload cpuhog
check ops_knob_not_number_msg has "bad value '1|2' (a number)" "$TMP/stderr"
expect_exit 0 sched_ejected_is_a_result $SCXSIM run --sched qmap:error_after_dsp=20 --workload hackbench:groups=2,loops=30 --topo 2 --json "$TMP/q.json"
check sched_ejected_kind has '"kind": "error_bpf"' "$TMP/q.json"
check sched_ejected_all_finished sh -c "! grep -q '\"finished\": false' '$TMP/q.json'"
check sched_ejected_dump has "CPU states" "$TMP/stderr"
expect_exit 0 sysrq_on_ext $SCXSIM run --sched simple --workload cpuhog:n=2,work=50 --sysrq-at 10ms --json "$TMP/y.json" --quiet
check sysrq_kind has '"kind": "sysrq"' "$TMP/y.json"
expect_exit 0 sysrq_d_on_ext $SCXSIM run --sched qmap --workload hackbench:groups=1,loops=30 --topo 2 --sysrq-d-at 20us --sysrq-d-at 1ms --json "$TMP/sd.json" --quiet
check sysrq_d_dump_on_stderr has "Debug dump triggered by SysRq-D" "$TMP/stderr"
check sysrq_d_qmap_dump_op has "QMAP: enqueued=" "$TMP/stderr"
check sysrq_d_in_json has '"debug_dumps"' "$TMP/sd.json"
check sysrq_d_no_exit has '"kind": "none"' "$TMP/sd.json"
check sysrq_d_all_finished sh -c "! grep -q '\"finished\": false' '$TMP/sd.json'"
expect_exit 2 sysrq_d_bad_time $SCXSIM run --sched qmap --workload cpuhog --sysrq-d-at soon
check sysrq_d_bad_time_msg has "--sysrq-d-at 'soon'" "$TMP/stderr"
expect_exit 0 disasm $SCXSIM disasm "$BUILD/scheds/simple.bpf.o"
check disasm_source_lines has "simple.bpf.c:" "$TMP/stdout"
expect_exit 2 disasm_missing $SCXSIM disasm "$TMP/none.bpf.o"
expect_exit 0 verify_ok $SCXSIM verify "$BUILD/scheds/qmap.bpf.o"
check verify_ok_msg has "programs accepted" "$TMP/stdout"
expect_exit 1 verify_rejects_bad_proto $SCXSIM verify "$BUILD/tests/bpf/sched_badproto.bpf.o"
check verify_rejects_msg has "prototype differs" "$TMP/stdout"
expect_exit 1 verify_garbage $SCXSIM verify "$TMP/garbage.bpf.o"
expect_exit 2 verify_missing $SCXSIM verify "$TMP/none.bpf.o"
expect_exit 2 verify_usage $SCXSIM verify
expect_exit 0 verify_simple_accepted $SCXSIM verify "$BUILD/scheds/simple.bpf.o"
check verify_simple_per_prog has "prog 'simple_enqueue': accepted (" "$TMP/stdout"
expect_exit 1 verify_rejects_null_deref $SCXSIM verify "$BUILD/tests/bpf/verifier_bad.bpf.o"
check verify_null_msg has "prog 'vb_enqueue': rejected at pc 7 .r1 = .(u64 .)(r0 + 0x0).: R0 invalid mem access 'map_value_or_null'" "$TMP/stdout"
check verify_null_line has "verifier_bad.bpf.c:36: .v += 1;" "$TMP/stdout"
check verify_leak_msg has "Unreleased reference id=" "$TMP/stdout"
check verify_rejected_count has "rejected: 10 of 11 programs" "$TMP/stdout"
expect_exit 0 verify_verbose $SCXSIM verify --verbose "$BUILD/scheds/simple.bpf.o"
check verify_verbose_trace has "0: (79) r1 = .(u64 .)(r1 + 0x0)" "$TMP/stdout"
expect_exit 0 verify_hostile_knobs_dead $SCXSIM verify "$BUILD/tests/bpf/sched_hostile.bpf.o"
expect_exit 0 verify_central_warns $SCXSIM verify "$BUILD/scheds/central.bpf.o"
check verify_central_within_limits has "7 programs accepted, 1 warnings" "$TMP/stdout"
check verify_central_ptr_warning has "32-bit pointer arithmetic prohibited" "$TMP/stdout"
expect_exit 0 verify_kernel_accepted_constructs $SCXSIM verify "$BUILD/tests/bpf/verifier_ok.bpf.o"
check verify_constructs_no_warning has "7 programs accepted, 0 warnings" "$TMP/stdout"
expect_exit 1 verify_nullable_args $SCXSIM verify "$BUILD/tests/bpf/verifier_null.bpf.o"
check verify_nullable_dispatch has "prog 'vn_dispatch': rejected at pc 1 " "$TMP/stdout"
check verify_nullable_msg has "R1 invalid mem access 'trusted_ptr_or_null_'" "$TMP/stdout"
check verify_nullable_count has "rejected: 2 of 3 programs" "$TMP/stdout"
expect_exit 2 verify_verbose_usage $SCXSIM verify --verbose
# observers (user halves, progress) never change results
expect_exit 0 observed $SCXSIM run --sched simple --workload cpuhog:n=3,work=1500 --topo 2 --json "$TMP/o1.json"
expect_exit 0 unobserved $SCXSIM run --sched simple --workload cpuhog:n=3,work=1500 --topo 2 --json "$TMP/o2.json" --quiet
grep -v wall_ns "$TMP/o1.json" > "$TMP/o1"; grep -v wall_ns "$TMP/o2.json" > "$TMP/o2"
check observers_change_nothing cmp -s "$TMP/o1" "$TMP/o2"
# flatcg: nested cgroup weights compound (/a 100 {x 100, y 300}, /b 100, two hogs each on 2 CPUs)
printf '{"cgroups":{"/a":{"weight":100},"/a/x":{"weight":100},"/a/y":{"weight":300},"/b":{"weight":100}},"tasks":{"x":{"instance":2,"taskgroup":"/a/x","run":100000000},"y":{"instance":2,"taskgroup":"/a/y","run":100000000},"b":{"instance":2,"taskgroup":"/b","run":100000000}}}' > "$TMP/fcg.json"
# share_in PREFIX LO HI: the summary table's runtime of tasks named PREFIX* over all, in [LO, HI] %
share_in() { awk -v p="$1" -v lo="$2" -v hi="$3" '$3 == "ext" { t += $4; if (index($2, p) == 1) m += $4 }
	END { s = 100 * m / t; if (s < lo || s > hi) { print p ": " s "%" > "/dev/stderr"; exit 1 } }' "$TMP/stdout"; }
expect_exit 0 flatcg_verify $SCXSIM verify "$BUILD/scheds/flatcg.bpf.o"
check flatcg_verify_all has "14 programs accepted, 0 warnings (scheduler 'flatcg')" "$TMP/stdout"
expect_exit 0 flatcg_nested $SCXSIM run --sched flatcg --workload "$TMP/fcg.json" --topo 2 --duration 10s
check flatcg_nested_x share_in x- 11.5 13.5
check flatcg_nested_y share_in y- 36.5 38.5
check flatcg_nested_b share_in b- 49 51
check flatcg_nested_no_violations has "invariants: .* checked, 0 violations" "$TMP/stdout"
check flatcg_user_half has "flatcg: t=1.000s hweight_gen=4 act=3 deact=0" "$TMP/stderr"
check flatcg_user_half_picks has "PNC next=" "$TMP/stderr"
# a cpu.weight write at 5 s (/a 100 -> 300) moves the split for the whole run towards 3/16, 9/16, 1/4
sed 's/}}}$/}},"cgroup_events":[{"at_ms":5000,"cgroup":"\/a","weight":300}]}/' "$TMP/fcg.json" > "$TMP/fcgw.json"
expect_exit 0 flatcg_weight_write $SCXSIM run --sched flatcg --workload "$TMP/fcgw.json" --topo 2 --duration 10s
check flatcg_weight_write_y share_in y- 45.9 47.9
check flatcg_weight_write_b share_in b- 36.5 38.5
expect_exit 0 flatcg_fifo_knob $SCXSIM run --sched flatcg:fifo_sched=1,cgrp_slice_ns=5000000 --workload "$TMP/cg.json" --topo 2 --json "$TMP/fcgf.json" --quiet
check flatcg_fifo_knob_all_finished sh -c "! grep -q '\"finished\": false' '$TMP/fcgf.json'"
check flatcg_fifo_knob_moves has '"moves": 1' "$TMP/fcgf.json"
expect_exit 2 flatcg_unknown_knob $SCXSIM run --sched flatcg:slice_ns=1 --workload cpuhog
check flatcg_unknown_knob_lists has "cgrp_slice_ns (const volatile u64)" "$TMP/stderr"
# pair: CPUs in pairs, both on one cgroup at a time (tests/unit/test_sched_pair.c checks the trace)
cat > "$TMP/pair.json" <<'EOF2'
{"tasks":{"a":{"instance":3,"taskgroup":"/a","loop":20,"run":3000,"sleep":300},
          "b":{"instance":3,"taskgroup":"/b","loop":20,"run":2000,"sleep":500}}}
EOF2
expect_exit 0 sched_pair $SCXSIM run --sched pair --workload "$TMP/pair.json" --topo 1s1c2t --json "$TMP/pair.out.json" --trace "$TMP/pair.trace.json"
check sched_pair_user_half has 'pair: pairs \[0,1\]' "$TMP/stderr"
check sched_pair_stats has 'cgnext=' "$TMP/stderr"
check sched_pair_loaded has '"kind": "none"' "$TMP/pair.out.json"
check sched_pair_no_violations has '"violations": \[\]' "$TMP/pair.out.json"
check sched_pair_all_finished sh -c "! grep -q '\"finished\": false' '$TMP/pair.out.json'"
check sched_pair_trace_written has '"traceEvents"' "$TMP/pair.trace.json"
expect_exit 0 sched_pair_stride $SCXSIM run --sched pair:stride=1 --workload "$TMP/pair.json" --topo 4
check sched_pair_stride_pairs has 'pair: pairs \[0,1\] \[2,3\]' "$TMP/stderr"
expect_exit 0 sched_pair_bad_stride $SCXSIM run --sched pair:stride=4 --workload "$TMP/pair.json" --topo 4
check sched_pair_bad_stride_msg has "invalid stride 4: CPU 0 would pair with itself" "$TMP/stdout"
expect_exit 0 verify_pair $SCXSIM verify "$BUILD/scheds/pair.bpf.o"
check verify_pair_msg has "9 programs accepted, 0 warnings" "$TMP/stdout"
summary
