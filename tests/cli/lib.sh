# lib.sh — helpers for CLI test scripts. Source it, call check/check_fail, end with summary.
#   check NAME CMD...        passes when CMD exits 0
#   expect_exit N NAME CMD...  passes when CMD exits N
# $SCXSIM is the binary under test; $TMP a scratch directory removed at exit.
PASS=0; FAILN=0
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
ok()   { PASS=$((PASS + 1)); echo "ok $1"; }
bad()  { FAILN=$((FAILN + 1)); echo "FAIL $1"; }
check() { n=$1; shift; if "$@" >"$TMP/out" 2>"$TMP/err"; then ok "$n"; else bad "$n"; sed 's/^/   /' "$TMP/err" | head -20; fi; }
expect_exit() { want=$1; n=$2; shift 2; "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
	if [ $rc -eq "$want" ]; then ok "$n"; else bad "$n (exit $rc, want $want)"; sed 's/^/   /' "$TMP/err" | head -20; fi; }
summary() { echo "$PASS passed, $FAILN failed"; [ $FAILN -eq 0 ]; }
