# lib.sh — helpers for CLI test scripts. Source it, call check/expect_exit, end with summary.
#   check NAME CMD...          passes when CMD exits 0
#   expect_exit N NAME CMD...  passes when CMD exits N; its stdout/stderr are kept in
#                              $TMP/stdout and $TMP/stderr for the checks that follow
# $SCXSIM is the binary under test; $TMP a scratch directory removed at exit.
PASS=0; FAILN=0
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
ok()   { PASS=$((PASS + 1)); echo "ok $1"; }
bad()  { FAILN=$((FAILN + 1)); echo "FAIL $1"; }
check() { n=$1; shift; if "$@" >"$TMP/cout" 2>"$TMP/cerr"; then ok "$n"; else bad "$n"; sed 's/^/   /' "$TMP/cerr" | head -20; fi; }
expect_exit() { want=$1; n=$2; shift 2; "$@" >"$TMP/stdout" 2>"$TMP/stderr"; rc=$?
	if [ $rc -eq "$want" ]; then ok "$n"; else bad "$n (exit $rc, want $want)"; sed 's/^/   /' "$TMP/stderr" | head -20; fi; }
summary() { echo "$PASS passed, $FAILN failed"; [ $FAILN -eq 0 ]; }
