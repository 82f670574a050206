/*
 * test_topo.c — topology: the --topo grammar (numbering, masks, canonical spec, every error),
 * and cloning from sysfs (the fake trees in tests/data/sysfs, made by make-trees.sh, and once
 * this machine's real /sys). Paths are relative to the repository root, where tests run.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "scxsim/topo.h"
#include "test.h"

#define TREES "tests/data/sysfs/"

/* Structural invariants every topology must satisfy; NULL or what is wrong (static buffer). */
static const char *topo_invariant_error(const struct topo *t)
{
	static char why[160];
	struct cpumask seen_llc = { 0 }, seen_node = { 0 }, seen_sock = { 0 }, all;
	int cpu;

	cpumask_fill(&all, t->nr_cpus);
	if (!cpumask_equal(&all, &t->all))
		return "all is not CPUs 0..nr_cpus-1";
	for (cpu = 0; cpu < t->nr_cpus; cpu++) {
		const struct topo_cpu *c = &t->cpus[cpu];

		if (c->socket < 0 || c->socket >= t->nr_sockets || c->core < 0 ||
		    c->core >= t->nr_cores || c->llc < 0 || c->llc >= t->nr_llcs || c->node < 0 ||
		    c->node >= t->nr_nodes || c->thread < 0) {
			snprintf(why, sizeof(why), "cpu%d has an id out of range", cpu);
			return why;
		}
		if (!cpumask_test(&t->smt[cpu], cpu) || !cpumask_test(&t->llc_mask[c->llc], cpu) ||
		    !cpumask_test(&t->node_mask[c->node], cpu) ||
		    !cpumask_test(&t->socket_mask[c->socket], cpu)) {
			snprintf(why, sizeof(why), "cpu%d missing from one of its masks", cpu);
			return why;
		}
		for (int j = 0; j < t->nr_cpus; j++)
			if (cpumask_test(&t->smt[cpu], j) != (t->cpus[j].core == c->core)) {
				snprintf(why, sizeof(why), "smt[%d] wrong about cpu%d", cpu, j);
				return why;
			}
	}
	for (int i = 0; i < t->nr_llcs; i++)
		for_each_cpu(cpu, &t->llc_mask[i])
			if (t->cpus[cpu].llc != i || cpumask_test(&seen_llc, cpu))
				return "llc masks do not match ids";
			else
				cpumask_set(&seen_llc, cpu);
	for (int i = 0; i < t->nr_nodes; i++)
		for_each_cpu(cpu, &t->node_mask[i])
			if (t->cpus[cpu].node != i || cpumask_test(&seen_node, cpu))
				return "node masks do not match ids";
			else
				cpumask_set(&seen_node, cpu);
	for (int i = 0; i < t->nr_sockets; i++)
		for_each_cpu(cpu, &t->socket_mask[i])
			if (t->cpus[cpu].socket != i || cpumask_test(&seen_sock, cpu))
				return "socket masks do not match ids";
			else
				cpumask_set(&seen_sock, cpu);
	if (!cpumask_equal(&seen_llc, &all) || !cpumask_equal(&seen_node, &all) ||
	    !cpumask_equal(&seen_sock, &all))
		return "a domain mask misses CPUs";
	for (int i = 0; i < t->nr_llcs; i++)
		if (cpumask_empty(&t->llc_mask[i]))
			return "an empty LLC";
	for (int i = 0; i < t->nr_nodes; i++)
		if (cpumask_empty(&t->node_mask[i]))
			return "an empty node";
	return NULL;
}

/* "0-3,8" style rendering of a mask, for compact expectations. */
static const char *mask_str(const struct cpumask *m)
{
	static char buf[256];
	size_t n = 0;
	int cpu = cpumask_first(m);

	buf[0] = '\0';
	while (cpu >= 0) {
		int end = cpu;

		while (cpumask_next(m, end + 1) == end + 1)
			end++;
		n += snprintf(buf + n, sizeof(buf) - n, "%s%d", n ? "," : "", cpu);
		if (end > cpu)
			n += snprintf(buf + n, sizeof(buf) - n, "-%d", end);
		cpu = cpumask_next(m, end + 1);
	}
	return buf;
}

TEST(topo_parse_plain_n)
{
	struct topo *t;
	char err[256];

	CHECK_EQ(topo_parse("4", &t, err, sizeof(err)), 0);
	CHECK_EQ(t->nr_cpus, 4);
	CHECK_EQ(t->nr_sockets, 1);
	CHECK_EQ(t->nr_cores, 4);
	CHECK_EQ(t->nr_llcs, 1);
	CHECK_EQ(t->nr_nodes, 1);
	CHECK_STR(t->spec, "4");
	CHECK_STR(mask_str(&t->smt[2]), "2");
	CHECK_STR(mask_str(&t->llc_mask[0]), "0-3");
	CHECK_EQ(t->cpus[3].core, 3);
	CHECK_EQ(t->cpus[3].thread, 0);
	CHECK(!topo_invariant_error(t));
	topo_free(t);
}

TEST(topo_parse_smt_numbering_x86)
{
	struct topo *t;
	char err[256];

	CHECK_EQ(topo_parse("2s4c2t", &t, err, sizeof(err)), 0);
	CHECK_EQ(t->nr_cpus, 16);
	CHECK_EQ(t->nr_cores, 8);
	CHECK_STR(t->spec, "2s4c2t:llc=2:nodes=2");
	/* cpu = t*(S*C) + s*C + c: cpu 13 is thread 1 of socket 1 core 1 (machine core 5) */
	CHECK_EQ(t->cpus[13].thread, 1);
	CHECK_EQ(t->cpus[13].socket, 1);
	CHECK_EQ(t->cpus[13].core, 5);
	CHECK_EQ(t->cpus[13].llc, 1);
	CHECK_EQ(t->cpus[13].node, 1);
	CHECK_STR(mask_str(&t->smt[13]), "5,13");
	CHECK_STR(mask_str(&t->smt[5]), "5,13");
	CHECK_STR(mask_str(&t->socket_mask[0]), "0-3,8-11");
	CHECK_STR(mask_str(&t->llc_mask[1]), "4-7,12-15");
	CHECK_STR(mask_str(&t->node_mask[1]), "4-7,12-15");
	CHECK_EQ(cpumask_weight(&t->all), 16);
	CHECK(!topo_invariant_error(t));
	topo_free(t);
}

TEST(topo_parse_llc_and_nodes)
{
	struct topo *t;
	char err[256];

	CHECK_EQ(topo_parse("2s16c2t:llc=8:nodes=2", &t, err, sizeof(err)), 0);
	CHECK_EQ(t->nr_cpus, 64);
	CHECK_EQ(t->nr_llcs, 8);
	CHECK_EQ(t->nr_nodes, 2);
	CHECK_STR(t->spec, "2s16c2t:llc=8:nodes=2");
	/* 4 cores per LLC: cpu 37 = thread 1, socket 0, core 5 -> LLC 1 */
	CHECK_EQ(t->cpus[37].llc, 1);
	CHECK_STR(mask_str(&t->llc_mask[1]), "4-7,36-39");
	CHECK_STR(mask_str(&t->llc_mask[7]), "28-31,60-63");
	CHECK_STR(mask_str(&t->node_mask[0]), "0-15,32-47");
	CHECK(!topo_invariant_error(t));
	topo_free(t);
}

TEST(topo_parse_nodes_spanning_and_splitting_sockets)
{
	struct topo *t;
	char err[256];

	/* 2 sockets per node */
	CHECK_EQ(topo_parse("4s2c1t:nodes=2", &t, err, sizeof(err)), 0);
	CHECK_EQ(t->nr_nodes, 2);
	CHECK_STR(mask_str(&t->node_mask[0]), "0-3");
	CHECK_STR(mask_str(&t->node_mask[1]), "4-7");
	CHECK_EQ(t->nr_llcs, 4);
	CHECK(!topo_invariant_error(t));
	topo_free(t);
	/* 2 nodes per socket, 2 LLCs per node (sub-NUMA clustering) */
	CHECK_EQ(topo_parse("2s8c2t:llc=8:nodes=4", &t, err, sizeof(err)), 0);
	CHECK_STR(mask_str(&t->node_mask[1]), "4-7,20-23");
	CHECK_STR(mask_str(&t->llc_mask[1]), "2-3,18-19");
	CHECK_EQ(t->cpus[21].node, 1);
	CHECK_EQ(t->cpus[21].llc, 2);
	CHECK(!topo_invariant_error(t));
	topo_free(t);
	/* a single node for a two-socket machine */
	CHECK_EQ(topo_parse("2s2c1t:nodes=1", &t, err, sizeof(err)), 0);
	CHECK_EQ(t->nr_nodes, 1);
	CHECK_STR(mask_str(&t->node_mask[0]), "0-3");
	topo_free(t);
}

/* Canonical spec for each accepted input, and re-parsing it gives the same machine. */
TEST(topo_parse_canonical_round_trip)
{
	static const struct { const char *in, *spec; } cases[] = {
		{ "1", "1" },
		{ "1s4c1t", "4" },
		{ "1s4c1t:llc=1:nodes=1", "4" },
		{ "1s4c2t", "1s4c2t:llc=1:nodes=1" },
		{ "2s2c2t:nodes=2:llc=2", "2s2c2t:llc=2:nodes=2" },
		{ "1s8c1t:llc=2", "1s8c1t:llc=2:nodes=1" },
		{ "004", "4" },
		{ "1024", "1024" },
		{ "2s256c2t", "2s256c2t:llc=2:nodes=2" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct topo *a, *b;
		char err[256];

		CHECK_EQ(topo_parse(cases[i].in, &a, err, sizeof(err)), 0);
		CHECK_STR(a->spec, cases[i].spec);
		CHECK(!topo_invariant_error(a));
		CHECK_EQ(topo_parse(a->spec, &b, err, sizeof(err)), 0);
		CHECK_STR(b->spec, a->spec);
		CHECK_EQ(b->nr_cpus, a->nr_cpus);
		CHECK(!memcmp(b->cpus, a->cpus, a->nr_cpus * sizeof(*a->cpus)));
		topo_free(a);
		topo_free(b);
	}
}

TEST(topo_parse_errors_name_spec_and_problem)
{
	static const struct { const char *spec, *msg; } cases[] = {
		{ "", "bad topology '': empty" },
		{ "abc", "bad topology 'abc': expected N, SsCcTt[:llc=K][:nodes=N] or host (at column 1)" },
		{ "2s3x", "bad topology '2s3x': expected N, SsCcTt[:llc=K][:nodes=N] or host (at column 4)" },
		{ "2s4c", "(at column 5)" },
		{ "2s4c1tx", "(at column 7)" },
		{ " 4", "(at column 1)" },
		{ "4 ", "(at column 2)" },
		{ "HOST", "(at column 1)" },
		{ "host:2", "(at column 1)" },
		{ "0", "bad topology '0': zero CPUs" },
		{ "-1", "bad topology '-1': negative count at column 1" },
		{ "2s-4c1t", "negative count at column 3" },
		{ "0s4c1t", "zero sockets" },
		{ "2s0c1t", "zero cores per socket" },
		{ "2s4c0t", "zero threads per core" },
		{ "2s4c1t:llc=0", "zero llc" },
		{ "2s4c1t:nodes=0", "zero nodes" },
		{ "1025", "bad topology '1025': 1025 CPUs is more than the maximum of 1024" },
		{ "2s512c2t", "2048 CPUs is more than the maximum of 1024" },
		{ "1000s1000c1000t", "1000000000 CPUs is more than the maximum" },
		{ "2000000000s2000000000c2000000000t", "2000000000*2000000000*2000000000 CPUs overflows" },
		{ "99999999999", "number at column 1 is too large" },
		{ "2s4c1t:llc=99999999999", "number at column 12 is too large" },
		{ "2s4c1t:llc=3", "llc=3 is not a multiple of the 2 sockets" },
		{ "2s4c1t:llc=6", "llc=6: 4 cores per socket do not split into 3 LLCs per socket" },
		{ "2s4c1t:llc=16", "do not split into 8 LLCs per socket" },
		{ "2s4c1t:llc=4:nodes=3", "nodes=3 does not divide the 4 LLCs" },
		{ "2s6c1t:llc=6:nodes=3", "nodes=3 is neither a multiple nor a divisor of the 2 sockets" },
		{ "2s4c1t:foo=1", "bad topology '2s4c1t:foo=1': unknown option 'foo' (known: llc, nodes)" },
		{ "2s4c1t:llc=2:llc=2", "repeated option 'llc'" },
		{ "2s4c1t:nodes=1:nodes=2", "repeated option 'nodes'" },
		{ "2s4c1t:", "expected an option llc=K or nodes=N at column 8" },
		{ "2s4c1t::llc=2", "expected an option llc=K or nodes=N at column 8" },
		{ "2s4c1t:llc", "option 'llc' needs '=COUNT' (at column 11)" },
		{ "2s4c1t:llc=", "expected a count at column 12" },
		{ "2s4c1t:llc=x", "expected a count at column 12" },
		{ "2s4c1t:llc=2x", "(at column 13)" },
		{ "4:llc=2", "options need the SsCcTt form (e.g. 1s4c1t:llc=2)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct topo *t = (struct topo *)1;
		char err[256] = "";

		if (topo_parse(cases[i].spec, &t, err, sizeof(err)) != -EINVAL)
			FAIL_("'%s' was accepted", cases[i].spec);
		CHECK(t == NULL);
		CHECK_CONTAINS(err, cases[i].msg);
		CHECK(!strchr(err, '\n'));
	}
}

TEST(topo_parse_null_spec_and_tiny_errbuf)
{
	struct topo *t;
	char err[8];

	CHECK_EQ(topo_parse(NULL, &t, NULL, 0), -EINVAL);
	CHECK(t == NULL);
	CHECK_EQ(topo_parse("abc", &t, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "bad top");
	topo_free(NULL);
}

/* ---- sysfs ---- */

TEST(topo_sysfs_two_socket_smt_two_llcs_per_socket)
{
	struct topo *t;
	char err[256] = "";
	int rc = topo_from_sysfs(TREES "twosock/cpu", &t, err, sizeof(err));

	if (rc)
		FAIL_("rc %d: %s", rc, err);
	CHECK_EQ(t->nr_cpus, 16);
	CHECK_EQ(t->nr_sockets, 2);
	CHECK_EQ(t->nr_cores, 8);
	CHECK_EQ(t->nr_llcs, 4);
	CHECK_EQ(t->nr_nodes, 2);   /* the memory-only node2 is not a CPU node */
	CHECK_STR(t->spec, "host:2s4c2t:llc=4:nodes=2");
	/* package ids 3 and 1 renumbered by first CPU: cpu0's package is socket 0 */
	CHECK_EQ(t->cpus[0].socket, 0);
	CHECK_EQ(t->cpus[4].socket, 1);
	CHECK_EQ(t->cpus[11].core, 3);    /* core_id 9 of package 3 -> dense core 3 */
	CHECK_EQ(t->cpus[11].thread, 1);
	CHECK_STR(mask_str(&t->smt[3]), "3,11");
	CHECK_STR(mask_str(&t->llc_mask[1]), "2-3,10-11");
	CHECK_STR(mask_str(&t->node_mask[1]), "4-7,12-15");
	CHECK(!topo_invariant_error(t));
	topo_free(t);
}

TEST(topo_sysfs_no_cache_dir_falls_back_to_socket_llc)
{
	struct topo *t;
	char err[256] = "";
	int rc = topo_from_sysfs(TREES "nocache/cpu", &t, err, sizeof(err));

	if (rc)
		FAIL_("rc %d: %s", rc, err);
	CHECK_EQ(t->nr_cpus, 4);
	CHECK_EQ(t->nr_sockets, 2);
	CHECK_EQ(t->nr_cores, 4);
	CHECK_EQ(t->nr_llcs, 2);
	CHECK_EQ(t->nr_nodes, 1);
	CHECK_STR(t->spec, "host:2s2c1t:llc=2:nodes=1");
	CHECK_STR(mask_str(&t->llc_mask[1]), "2-3");
	CHECK(!topo_invariant_error(t));
	topo_free(t);
}

TEST(topo_sysfs_no_node_dir_and_core_id_only)
{
	struct topo *t;
	char err[256] = "";
	int rc = topo_from_sysfs(TREES "nonode/cpu", &t, err, sizeof(err));

	if (rc)
		FAIL_("rc %d: %s", rc, err);
	CHECK_EQ(t->nr_cpus, 4);
	CHECK_EQ(t->nr_cores, 4);
	CHECK_EQ(t->nr_llcs, 2);   /* L2 pairs: the highest level present */
	CHECK_EQ(t->nr_nodes, 1);
	CHECK_STR(t->spec, "host:1s4c1t:llc=2:nodes=1");
	CHECK_STR(mask_str(&t->llc_mask[1]), "2-3");
	CHECK_STR(mask_str(&t->node_mask[0]), "0-3");
	CHECK(!topo_invariant_error(t));
	topo_free(t);
}

TEST(topo_sysfs_adjacent_siblings_do_not_fit_grammar)
{
	struct topo *t;
	char err[256] = "";
	int rc = topo_from_sysfs(TREES "adjacent/cpu", &t, err, sizeof(err));

	if (rc)
		FAIL_("rc %d: %s", rc, err);
	CHECK_EQ(t->nr_cpus, 4);
	CHECK_EQ(t->nr_cores, 2);
	CHECK_STR(t->spec, "host:4");
	CHECK_STR(mask_str(&t->smt[1]), "0-1");
	CHECK_EQ(t->cpus[1].thread, 1);
	CHECK_EQ(t->cpus[2].core, 1);
	CHECK_EQ(t->cpus[2].thread, 0);
	CHECK(!topo_invariant_error(t));
	topo_free(t);
}

TEST(topo_sysfs_broken_trees_fail_naming_the_file)
{
	static const struct { const char *tree, *msg; } cases[] = {
		{ "holes", "holes/cpu/online: online CPUs '0-1,3' have holes" },
		{ "badonline", "badonline/cpu/online: expected a CPU number after '-' in '0-x'" },
		{ "toomany", "toomany/cpu/online: CPU number beyond the maximum of 1024 CPUs in '0-2047'" },
		{ "noonline", "noonline/cpu/online: No such file or directory" },
		{ "badpkg", "badpkg/cpu/cpu1/topology/physical_package_id: not a number: 'abc'" },
		{ "nopkg", "nopkg/cpu/cpu1/topology/physical_package_id: No such file" },
		{ "nocoreid", "nocoreid/cpu/cpu1/topology/core_id: No such file" },
		{ "badsib", "badsib/cpu: cpu0 and cpu1 disagree in topology/" },
		{ "notself", "notself/cpu/cpu0/topology/" },
		{ "badlist", "badlist/cpu/cpu1/topology/core_cpus_list: unexpected character in '1;2'" },
		{ "corespan", "corespan/cpu: the core of cpu0 spans several packages" },
		{ "badlevel", "badlevel/cpu/cpu0/cache/index0/level: not a number: 'x'" },
		{ "zerolevel", "zerolevel/cpu/cpu0/cache/index0/level: cache level 0 is not >= 1" },
		{ "badshared", "badshared/cpu/cpu0/cache/index0/shared_cpu_list: reversed range in '1-0'" },
		{ "noshared", "noshared/cpu/cpu1/cache/index0/shared_cpu_list: No such file" },
		{ "twonodes", "twonodes/cpu/../node: cpu1 is in node0 and node1" },
		{ "nodeless", "nodeless/cpu/../node: cpu1 is in no node" },
		{ "nonodelist", "nonodelist/cpu/../node/node0/cpulist: No such file" },
		{ "missing", "missing/cpu/online: No such file" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct topo *t = (struct topo *)1;
		char dir[128], err[512] = "";
		int rc;

		snprintf(dir, sizeof(dir), TREES "%s/cpu", cases[i].tree);
		rc = topo_from_sysfs(dir, &t, err, sizeof(err));
		if (rc != -EINVAL)
			FAIL_("%s: rc %d, err '%s'", cases[i].tree, rc, err);
		CHECK(t == NULL);
		CHECK_CONTAINS(err, "host topology: " TREES);
		CHECK_CONTAINS(err, cases[i].msg);
		CHECK(!strchr(err, '\n'));
	}
}

/* This machine's real sysfs: as many CPUs as are online (contiguous 0..N-1 is assumed). */
TEST(topo_sysfs_real_host)
{
	struct topo *t;
	char err[512] = "";
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int rc = topo_parse("host", &t, err, sizeof(err));

	if (rc)
		FAIL_("rc %d: %s", rc, err);
	CHECK_EQ(t->nr_cpus, n);
	CHECK(!strncmp(t->spec, "host:", 5));
	CHECK(!topo_invariant_error(t));
	topo_free(t);
}
