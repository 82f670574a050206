/*
 * topo.h — the simulated machine's CPU topology: sockets, cores, SMT threads, LLC and NUMA
 * domains. Built from a spec string (`--topo`) or cloned from a sysfs tree (`host`).
 *
 * Spec grammar:
 *   N                      N CPUs: 1 socket, N cores, 1 thread each, 1 LLC, 1 node
 *   SsCcTt[:llc=K][:nodes=N]
 *                          S sockets x C cores per socket x T SMT threads per core.
 *                          llc=K: K LLC domains in the whole machine (default S, one per
 *                          socket); each LLC holds whole cores of one socket, so K must be a
 *                          multiple of S and C must divide evenly by K/S.
 *                          nodes=N: N NUMA nodes in the whole machine (default S); each node
 *                          holds whole LLCs: N must divide K and either be a multiple of S or
 *                          divide S evenly (several sockets per node).
 *   host                   read /sys/devices/system/cpu (see topo_from_sysfs)
 * CPU numbering follows x86 Linux: the first SMT thread of every core first, then the second
 * thread of every core, ...: cpu = t * (S*C) + s * C + c. Siblings are S*C apart.
 */
#ifndef SCXSIM_TOPO_H
#define SCXSIM_TOPO_H

#include "scxsim/cpumask.h"

struct topo_cpu {
	int socket;      /* package id, 0-based, dense */
	int core;        /* machine-wide core id, 0-based, dense */
	int thread;      /* SMT thread index within its core, 0-based */
	int llc;         /* machine-wide LLC domain id, 0-based, dense */
	int node;        /* NUMA node id, 0-based, dense */
};

struct topo {
	int nr_cpus;            /* CPUs 0..nr_cpus-1, 1 <= nr_cpus <= SCX_NR_CPUS_MAX */
	int nr_sockets;         /* packages */
	int nr_cores;           /* cores in the whole machine */
	int nr_llcs;            /* LLC domains in the whole machine */
	int nr_nodes;           /* NUMA nodes */
	char spec[64];          /* canonical spec, e.g. "2s16c2t:llc=8:nodes=2" or "4" */
	struct topo_cpu *cpus;  /* nr_cpus entries, owned */
	struct cpumask *smt;    /* per CPU: CPUs of its core (itself included), owned */
	struct cpumask *llc_mask;  /* per LLC id: its CPUs, owned */
	struct cpumask *node_mask; /* per node id: its CPUs, owned */
	struct cpumask *socket_mask; /* per socket id: its CPUs, owned */
	struct cpumask all;     /* every CPU */
};

/*
 * Parse a --topo spec. Returns 0 and a new topology in *out, or -EINVAL with a one-line
 * reason in err (e.g. "bad topology '2s3x': expected N, SsCcTt[:llc=K][:nodes=N] or host").
 * "host" reads sysfs at /sys/devices/system/cpu.
 */
int topo_parse(const char *spec, struct topo **out, char *err, size_t errlen);

/*
 * Clone a topology from a sysfs cpu directory (normally /sys/devices/system/cpu; tests pass a
 * fake tree). Reads online CPUs, topology/physical_package_id, topology/core_id (or core_cpus_list
 * / thread_siblings_list), cache/index3 (or the highest level present) shared_cpu_list for the
 * LLC and ../node/nodeN/cpulist for NUMA. Missing optional files fall back to one LLC per socket
 * and one node. spec becomes "host:<canonical>". Errors as topo_parse.
 */
int topo_from_sysfs(const char *cpu_dir, struct topo **out, char *err, size_t errlen);

void topo_free(struct topo *t); /* NULL-safe */

#endif
