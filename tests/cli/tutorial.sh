# tutorial.sh — every command of docs/tutorial.md, run as the page shows them, with the output
# lines the page quotes: if the model or the CLI changes what they print, this fails and the
# page must be updated (like tests/golden). Needs clang-19 (the tutorial compiles schedulers).
. tests/cli/lib.sh

has() { grep -qF -- "$1" "$2"; }
CC="clang-19 -O2 -g -target bpf -mcpu=v3 -I scheds/include"
DOC=docs/tutorial.md

# the lines quoted in the page's output blocks that follow a command we run
quoted() {
	awk -v cmd="$1" 'index($0, cmd) { found = 1; next }
		found == 1 && /^```$/ { found = 2; next }
		found == 2 && /^```$/ { found = 3; next }
		found == 3 && /^```$/ { exit }
		found == 3 && $0 != "..." { print }' "$DOC"
}

expect_exit 0 tut_compile $CC -c docs/tutorial/fifo.bpf.c -o "$TMP/fifo.bpf.o"
expect_exit 0 tut_run $SCXSIM run --sched "$TMP/fifo.bpf.o" --workload hackbench:groups=2 --topo 4 --globals
cp "$TMP/stdout" "$TMP/run.out"
n=0; bad_line=""
quoted 'build/scxsim run --sched ./fifo.bpf.o --workload hackbench:groups=2 --topo 4 --globals' > "$TMP/want"
while IFS= read -r l; do n=$((n + 1)); has "$l" "$TMP/run.out" || bad_line="$l"; done < "$TMP/want"
check tut_run_quoted_lines sh -c "[ $n -ge 7 ] && [ -z '$bad_line' ]"
[ -n "$bad_line" ] && echo "   missing: $bad_line"

expect_exit 0 tut_compare $SCXSIM run --compare "fair,simple,$TMP/fifo.bpf.o:slice_ns=1000000" \
	--workload workloads/dispersive.json --topo 1s4c2t
check tut_compare_header has 'fifo:slice_ns=1000000' "$TMP/stdout"
check tut_compare_p99 has 'wakeup lat p99 (us)                     3801.1               19922.9                1900.5' "$TMP/stdout"

expect_exit 0 tut_bug_compile $CC -c docs/tutorial/fifo_bug.bpf.c -o "$TMP/fifo_bug.bpf.o"
expect_exit 1 tut_bug_rejected $SCXSIM run --sched "$TMP/fifo_bug.bpf.o" --workload hackbench:groups=2 --topo 4
check tut_bug_rejected_msg has "prog 'fifo_enqueue' rejected by the verifier at pc 12 \`*(u64 *)(r0 + 0x1a0) = r2\`: R0 invalid mem access 'trusted_ptr_or_null_'" "$TMP/stderr"
check tut_bug_rejected_line has 'fifo_bug.bpf.c:17: parent->scx.dsq_vtime = nr_enqueued++;' "$TMP/stderr"
expect_exit 1 tut_bug_verify $SCXSIM verify "$TMP/fifo_bug.bpf.o"
check tut_bug_verify_msg has "R0 invalid mem access 'trusted_ptr_or_null_'" "$TMP/stdout"
expect_exit 0 tut_bug_run $SCXSIM run --sched "$TMP/fifo_bug.bpf.o" --workload hackbench:groups=2 --topo 4 --no-verify
check tut_bug_ejected has "was ejected (runtime error): ops.enqueue(): fifo_enqueue pc 12 \`*(u64 *)(r0 + 0x1a0) = r2\`: invalid write of 8 bytes at 0x1a0 (null + 0x1a0)" "$TMP/stderr"
check tut_bug_line has 'fifo_bug.bpf.c:17: parent->scx.dsq_vtime = nr_enqueued++;' "$TMP/stderr"
check tut_bug_all_finished has 'work done 201.600 ms; finite tasks finished 80 of 80' "$TMP/stdout"
check tut_bug_exit has "ext scheduler 'fifo': exited at 0.024 ms, error (runtime error)" "$TMP/stdout"
expect_exit 0 tut_verify $SCXSIM verify "$TMP/fifo.bpf.o"
expect_exit 0 tut_disasm $SCXSIM disasm "$TMP/fifo.bpf.o"
check tut_disasm_lines has 'fifo.bpf.c:16: scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, slice_ns, enq_flags);' "$TMP/stdout"
expect_exit 0 tut_stall $SCXSIM run --sched qmap:stall_user_nth=10,ops.timeout_ms=1000 --workload hackbench:groups=2 --topo 4 --quiet --json "$TMP/st.json"
check tut_stall_kind has '"kind": "error_stall"' "$TMP/st.json"
expect_exit 0 tut_trace $SCXSIM run --sched "$TMP/fifo.bpf.o" --workload hackbench:groups=2 --topo 4 --trace "$TMP/trace.json" --quiet
check tut_trace_events has '"traceEvents"' "$TMP/trace.json"
summary
