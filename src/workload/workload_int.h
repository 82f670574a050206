/*
 * workload_int.h — internals shared by the workload readers (rtapp.c, rtapp_legacy.c) and the
 * generators (gen.c): building a struct workload piece by piece.
 *
 * Builders append to arrays whose capacity is implicit: an array of n elements always has room
 * for the next power of two (wl_grow), so appends are amortised O(1) without a capacity field in
 * the public structs. Every builder returns 0 or a negative errno; on -ENOMEM nothing was added
 * and the workload is still consistent, so the caller can workload_free() it.
 */
#ifndef SCXSIM_WORKLOAD_INT_H
#define SCXSIM_WORKLOAD_INT_H

#include "scxsim/workload.h"

/* Modelling constants, documented in docs/workload.md. */
#define WL_MEM_BYTES_PER_NS   10   /* "mem": memset bandwidth, 10 GB/s => RUN of bytes/10 ns */
#define WL_IO_NS_PER_BYTE     2    /* "iorun": 500 MB/s device => IORUN of 2 ns per byte */
#define WL_USEC_MAX           ((s64)(INT64_MAX / NSEC_PER_USEC))

/* Make room for element n of *arr (elements of size sz). 0 or -ENOMEM. */
int wl_grow(void *arr, int n, size_t sz);

struct workload *wl_new(const char *source);

/* Append a task named name with defaults (1 instance, loop -1, cgroup "/"); *out = its index. */
int wl_task_add(struct workload *w, const char *name, int *out);
/* Append a phase with loop 1 to task t. */
int wl_phase_add(struct wl_task *t, const char *name, struct wl_phase **out);
int wl_ev_add(struct wl_phase *p, enum wl_ev_kind kind, u64 ns, int res, int res2, u32 arg);

/*
 * Hash index over workload.res by name, so that resolving names stays O(1) on huge inputs.
 * Optional (NULL = linear search); when used, every resource must be created through it.
 */
struct wl_res_index {
	int *slot;                /* open addressing: resource index + 1, 0 = empty */
	u32 cap;                  /* power of two, kept > 2 x nr_res */
};
void wl_res_index_free(struct wl_res_index *ix);

/* Index of the resource (name, kind), or -1. */
int wl_res_find(const struct workload *w, const struct wl_res_index *ix, const char *name,
		enum wl_res_kind kind);
/*
 * Index of resource name used as kind, created on first use. A name may be both a mutex and a
 * condition (rt-app keys resources by name and type, and its examples rely on it); any other
 * use of one name as two kinds is -EEXIST with *other set to the kind it already has.
 */
int wl_res_use(struct workload *w, struct wl_res_index *ix, const char *name,
	       enum wl_res_kind kind, enum wl_res_kind *other);
/* Append a resource whose name is known to be new (generators). Index or -ENOMEM. */
int wl_res_add(struct workload *w, const char *name, enum wl_res_kind kind);
const char *wl_res_kind_name(enum wl_res_kind k);

/* Record key as ignored (once). */
int wl_ignore(struct workload *w, const char *key);

/*
 * Check a cgroup path: "/" followed by non-empty components without "." or ".." and
 * shorter than the path field. 0 or -EINVAL with the reason in why.
 */
int wl_cgroup_check(const char *path, const char **why);
/* Add cgroup path, or set its weight when weight != 0 (a new cgroup defaults to 100). */
int wl_cgroup_set(struct workload *w, const char *path, u32 weight);
/* Create missing parents and sort parents first. */
int wl_cgroups_finish(struct workload *w);

const char *wl_policy_name(enum wl_policy p);

#endif
