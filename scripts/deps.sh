#!/bin/sh
# deps.sh — make sure the Debian packages scxsim needs are installed.
# As root: installs the missing ones with apt-get. Otherwise: prints the exact command to run.
# The list and why each package is used: docs/dependencies.md.
set -u
PKGS="make gcc clang-19 llvm-19 libclang-rt-19-dev rt-app python3"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "scxsim needs these Debian packages:$missing" >&2
	echo "run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || exit 1
apt-get install -y -qq $missing >&2
