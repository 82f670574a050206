#!/bin/sh
# try-upstream.sh DIR [--workload W] [--topo T] [--duration D] [--globals]
#
# Compile every DIR/*.bpf.c (e.g. the tools/testing/selftests/sched_ext/*.bpf.c files you
# fetched yourself, unmodified) with the command docs/bpf-runtime.md gives, run each in scxsim
# and print one line per file:
#
#   NAME  compile=ok  exit=KIND  code=N  msg="..."        it loaded and ran (KIND as in the result
#                                                          JSON; code when the scheduler exited)
#   NAME  compile=ok  load=FAIL  msg="..."                 scxsim refused it (loader or verifier)
#   NAME  compile=FAIL  msg="first clang error"
#
# Per-file extras, optional, next to the source: NAME.sched holds what to append to the
# object in --sched (knobs and/or the ops variable, e.g. ":nr_cpus=4" or "@hotplug_nocb_ops"),
# NAME.workload a workload (a file or a generator spec) replacing the default. --globals also
# prints each file's integer globals after the run ("  global NAME = VALUE").
#
# It never downloads anything. Defaults: --workload hackbench:groups=2 --topo 4 --duration 2s.
# $SCXSIM (default: build/scxsim next to this script) and $CLANG (default clang-19) override
# the tools; objects and results go to a temporary directory removed at exit.
# Exit status: 0 when every file was tried (whatever the outcome), 2 on bad usage.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
SCXSIM=${SCXSIM:-$here/build/scxsim}
CLANG=${CLANG:-clang-19}
workload=hackbench:groups=2 topo=4 duration=2s globals=

usage() { echo "usage: $0 DIR [--workload W] [--topo T] [--duration D] [--globals]" >&2; exit 2; }
[ $# -ge 1 ] || usage
dir=$1; shift
[ -d "$dir" ] || { echo "$0: $dir: not a directory" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--workload) [ $# -ge 2 ] || usage; workload=$2; shift 2 ;;
	--topo) [ $# -ge 2 ] || usage; topo=$2; shift 2 ;;
	--duration) [ $# -ge 2 ] || usage; duration=$2; shift 2 ;;
	--globals) globals=--globals; shift ;;
	*) usage ;;
	esac
done
[ -x "$SCXSIM" ] || { echo "$0: $SCXSIM: not built (run make)" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# the value of "key": "..." in the scheduler's exit object of a result JSON
jstr() { sed -n "/\"exit\": {/,/}/s/^ *\"$1\": \"\\(.*\\)\",\{0,1\}\$/\\1/p" "$2" | head -n 1; }
jint() { sed -n "/\"exit\": {/,/}/s/^ *\"$1\": \\(-\\{0,1\\}[0-9]*\\),\{0,1\}\$/\\1/p" "$2" | head -n 1; }

found=0
for src in "$dir"/*.bpf.c; do
	[ -f "$src" ] || continue
	found=1
	name=$(basename "$src" .bpf.c)
	obj=$tmp/$name.bpf.o
	if ! $CLANG -O2 -g -target bpf -mcpu=v3 -Wno-compare-distinct-pointer-types \
		-Wno-incompatible-function-pointer-types -I "$here/scheds/include" -I "$dir" \
		-c "$src" -o "$obj" 2>"$tmp/cc.log"; then
		err=$(grep -m 1 'error:' "$tmp/cc.log" | sed 's/^[^ ]*: error: //')
		printf '%s  compile=FAIL  msg="%s"\n' "$name" "$err"
		continue
	fi
	spec=$obj
	[ -f "$dir/$name.sched" ] && spec=$obj$(head -n 1 "$dir/$name.sched")
	w=$workload
	[ -f "$dir/$name.workload" ] && w=$(head -n 1 "$dir/$name.workload")
	rm -f "$tmp/r.json"
	"$SCXSIM" run --sched "$spec" --workload "$w" --topo "$topo" --duration "$duration" \
		--quiet --json "$tmp/r.json" $globals >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ] || [ ! -s "$tmp/r.json" ]; then
		msg=$(sed -n "1{s|^scxsim run: ||;s|$tmp/||g;p}" "$tmp/err")
		printf '%s  compile=ok  load=FAIL  msg="%s"\n' "$name" "$msg"
		continue
	fi
	code=$(jint exit_code "$tmp/r.json")
	printf '%s  compile=ok  exit=%s%s  msg="%s"\n' "$name" "$(jstr kind "$tmp/r.json")" \
		"${code:+  code=$code}" "$(jstr msg "$tmp/r.json")"
	[ -n "$globals" ] && grep '^global ' "$tmp/out" | sed 's/^/  /'
done
[ $found -eq 1 ] || echo "$0: no *.bpf.c in $dir" >&2
exit 0
