#!/bin/sh
# make-trees.sh — regenerates the fake sysfs trees that tests/unit/test_topo.c reads with
# topo_from_sysfs(). Each tree is TREE/cpu (the sysfs cpu directory) and TREE/node (its
# ../node sibling), shaped like the kernel's files (one value or cpulist per file, newline
# terminated). The trees are committed; run this from the repository root only to change them:
#   sh tests/data/sysfs/make-trees.sh
# Good trees: twosock, nocache, nonode, adjacent. Every other tree is broken in one way, named
# by its directory, and must make topo_from_sysfs fail with a message naming the file.
set -eu
D=tests/data/sysfs
[ -f "$D/make-trees.sh" ] || { echo "run from the repository root" >&2; exit 1; }
find "$D" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +

w() { # w FILE VALUE: write VALUE and a newline to FILE
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$2" >"$1"
}

# topo TREE CPU PKG CORE_ID SIBLINGS: topology files with both sibling-list names
topo() {
	w "$D/$1/cpu/cpu$2/topology/physical_package_id" "$3"
	w "$D/$1/cpu/cpu$2/topology/core_id" "$4"
	w "$D/$1/cpu/cpu$2/topology/core_cpus_list" "$5"
	w "$D/$1/cpu/cpu$2/topology/thread_siblings_list" "$5"
}

# cache TREE CPU INDEX LEVEL SHARED
cache() {
	w "$D/$1/cpu/cpu$2/cache/index$3/level" "$4"
	w "$D/$1/cpu/cpu$2/cache/index$3/shared_cpu_list" "$5"
}

# --- twosock: 2 packages (ids 3 and 1: renumbered densely by first CPU) x 4 cores
# (core_id 0 1 8 9, as on real Xeons) x 2 threads, x86 numbering (siblings 8 apart);
# L1d/L1i/L2 per core, an L3 per pair of cores (2 LLCs per socket); node0, node1 one per
# package and node2 memory-only (empty cpulist).
T=twosock
w "$D/$T/cpu/online" "0-15"
for cpu in $(seq 0 15); do
	t=$((cpu / 8)); s=$(((cpu % 8) / 4)); c=$((cpu % 4))
	pkg=$([ $s -eq 0 ] && echo 3 || echo 1)
	cid=$(echo "0 1 8 9" | cut -d' ' -f$((c + 1)))
	first=$((s * 4 + c))
	sib="$first,$((first + 8))"
	l3a=$((s * 4 + (c / 2) * 2))
	l3="$l3a-$((l3a + 1)),$((l3a + 8))-$((l3a + 9))"
	topo $T "$cpu" "$pkg" "$cid" "$sib"
	cache $T "$cpu" 0 1 "$sib"
	cache $T "$cpu" 1 1 "$sib"
	cache $T "$cpu" 2 2 "$sib"
	cache $T "$cpu" 3 3 "$l3"
done
w "$D/$T/node/node0/cpulist" "0-3,8-11"
w "$D/$T/node/node1/cpulist" "4-7,12-15"
w "$D/$T/node/node2/cpulist" ""

# --- nocache: 2 packages x 2 cores x 1 thread, only thread_siblings_list (an older kernel),
# no cache directories (LLC falls back to one per package), a single node.
T=nocache
w "$D/$T/cpu/online" "0-3"
for cpu in 0 1 2 3; do
	w "$D/$T/cpu/cpu$cpu/topology/physical_package_id" $((cpu / 2))
	w "$D/$T/cpu/cpu$cpu/topology/core_id" $((cpu % 2))
	w "$D/$T/cpu/cpu$cpu/topology/thread_siblings_list" "$cpu"
done
w "$D/$T/node/node0/cpulist" "0-3"

# --- nonode: 1 package x 4 cores, only core_id (no sibling lists), L1 per core and an L2
# per pair of cores as the highest level, no node directory (one node).
T=nonode
w "$D/$T/cpu/online" "0-3"
for cpu in 0 1 2 3; do
	w "$D/$T/cpu/cpu$cpu/topology/physical_package_id" 0
	w "$D/$T/cpu/cpu$cpu/topology/core_id" "$cpu"
	cache $T "$cpu" 0 1 "$cpu"
	p=$(((cpu / 2) * 2))
	cache $T "$cpu" 1 2 "$p-$((p + 1))"
done

# --- adjacent: 1 package x 2 cores x 2 threads with siblings numbered next to each other
# (0,1 and 2,3), which the SsCcTt grammar cannot express: spec "host:4".
T=adjacent
w "$D/$T/cpu/online" "0-3"
for cpu in 0 1 2 3; do
	p=$(((cpu / 2) * 2))
	topo $T "$cpu" 0 $((cpu / 2)) "$p-$((p + 1))"
	cache $T "$cpu" 0 3 "0-3"
done
w "$D/$T/node/node0/cpulist" "0-3"

# --- broken trees: two CPUs, one core each, one package, unless said otherwise.
good2() { # good2 TREE: a valid two-CPU tree to break
	w "$D/$1/cpu/online" "0-1"
	topo "$1" 0 0 0 0
	topo "$1" 1 0 1 1
}
good2 holes;       w "$D/holes/cpu/online" "0-1,3"
good2 badonline;   w "$D/badonline/cpu/online" "0-x"
good2 toomany;     w "$D/toomany/cpu/online" "0-2047"
good2 noonline;    rm "$D/noonline/cpu/online"
good2 badpkg;      w "$D/badpkg/cpu/cpu1/topology/physical_package_id" "abc"
good2 nopkg;       rm "$D/nopkg/cpu/cpu1/topology/physical_package_id"
good2 nocoreid;    rm "$D/nocoreid/cpu/cpu1/topology/core_id" \
		      "$D/nocoreid/cpu/cpu1/topology/core_cpus_list" \
		      "$D/nocoreid/cpu/cpu1/topology/thread_siblings_list"
good2 badsib;      w "$D/badsib/cpu/cpu0/topology/core_cpus_list" "0-1"
good2 notself;     w "$D/notself/cpu/cpu0/topology/core_cpus_list" "1"
good2 badlist;     w "$D/badlist/cpu/cpu1/topology/core_cpus_list" "1;2"
good2 corespan;    w "$D/corespan/cpu/cpu1/topology/physical_package_id" 1
		   w "$D/corespan/cpu/cpu0/topology/core_cpus_list" "0-1"
		   w "$D/corespan/cpu/cpu1/topology/core_cpus_list" "0-1"
good2 badlevel;    cache badlevel 0 0 x 0;  cache badlevel 1 0 1 1
good2 zerolevel;   cache zerolevel 0 0 0 0; cache zerolevel 1 0 1 1
good2 badshared;   cache badshared 0 0 3 "1-0"; cache badshared 1 0 3 "0-1"
good2 noshared;    cache noshared 0 0 3 "0-1"; cache noshared 1 0 3 "0-1"
		   rm "$D/noshared/cpu/cpu1/cache/index0/shared_cpu_list"
good2 twonodes;    w "$D/twonodes/node/node0/cpulist" "0-1"; w "$D/twonodes/node/node1/cpulist" "1"
good2 nodeless;    w "$D/nodeless/node/node0/cpulist" "0"
good2 nonodelist;  w "$D/nonodelist/node/node0/meminfo" "Node 0 MemTotal: 0 kB"
echo "trees written under $D"
