# upstream.sh — scripts/try-upstream.sh end to end, on scxsim's own test BPF source
# tests/bpf/selftest_compat.bpf.c copied under several names (each with its NAME.sched
# extras) and a source that does not compile: one line per file with the compile result, the
# exit kind and message or the load failure; bad usage exits 2. Nothing is downloaded.
. tests/cli/lib.sh

has() { grep -q -- "$1" "$2"; }
S=scripts/try-upstream.sh
D=$TMP/up
mkdir -p "$D"
cp tests/bpf/selftest_compat.bpf.c "$D/a_runs.bpf.c"
cp tests/bpf/selftest_compat.bpf.c "$D/b_peek.bpf.c"; echo ':mode=3' > "$D/b_peek.sched"
cp tests/bpf/selftest_compat.bpf.c "$D/c_enqlast.bpf.c"; echo '@st_enqlast_ops' > "$D/c_enqlast.sched"
cp tests/bpf/selftest_compat.bpf.c "$D/d_hotplug.bpf.c"; echo '@st_hotplug_ops' > "$D/d_hotplug.sched"
printf '{ "tasks": { "t": { "instance": 2, "loop": 5, "run": 1000, "sleep": 100 } },\n  "hotplug": [ { "at_ms": 2, "cpu": 1, "online": false } ] }\n' > "$D/hp.json"
echo "$D/hp.json" > "$D/d_hotplug.workload"
printf '#include <scx/common.bpf.h>\nint x = undeclared_thing;\n' > "$D/e_broken.bpf.c"

expect_exit 0 try_upstream env SCXSIM="$SCXSIM" sh $S "$D" --topo 2 --duration 200ms --globals
cp "$TMP/stdout" "$TMP/out"
check five_lines test "$(grep -c '  compile=' "$TMP/out")" -eq 5
check a_runs has '^a_runs  compile=ok  exit=none  msg=""$' "$TMP/out"
check a_runs_globals has '^  global nr_dfl_enqueue = ' "$TMP/out"
check b_peek_error has '^b_peek  compile=ok  exit=error  code=0  msg="ops.dispatch(): st_dispatch pc .*peek disallowed on builtin DSQ 0x8000000000000001' "$TMP/out"
check c_enqlast_ejected_at_attach has '^c_enqlast  compile=ok  exit=error  code=0  msg="SCX_OPS_ENQ_LAST requires ops.enqueue() to be implemented"$' "$TMP/out"
check d_hotplug_exit has '^d_hotplug  compile=ok  exit=unreg_bpf  code=281479271677953  msg="cpu 1 offline"$' "$TMP/out"
check e_broken_compile_fail has "^e_broken  compile=FAIL  msg=\"use of undeclared identifier 'undeclared_thing'\"$" "$TMP/out"
check no_tmp_paths sh -c "! grep -q '/tmp' '$TMP/out'"

expect_exit 2 try_upstream_no_dir sh $S
expect_exit 2 try_upstream_not_dir sh $S "$D/a_runs.bpf.c"
check try_upstream_not_dir_msg has 'not a directory' "$TMP/stderr"
expect_exit 2 try_upstream_bad_opt sh $S "$D" --bogus
mkdir -p "$TMP/empty"
expect_exit 0 try_upstream_empty env SCXSIM="$SCXSIM" sh $S "$TMP/empty"
check try_upstream_empty_msg has 'no \*.bpf.c in' "$TMP/stderr"
summary
