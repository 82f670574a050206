/*
 * bpf_harness.h — the scaffolding the BPF-runtime unit tests share: find a test object
 * ($SCXSIM_TEST_BPF_DIR or build/tests/bpf), build a machine, open/knob/load/attach a BPF
 * scheduler (brun_start returns the failing stage, < 0), read its u64 globals, and check that
 * every finite task finished with no invariant broken. Header-only (static inline).
 */
#ifndef SCXSIM_BPF_HARNESS_H
#define SCXSIM_BPF_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "machine/machine_int.h"
#include "scxsim/bpf_sched.h"
#include "test.h"

static inline const char *obj_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("SCXSIM_TEST_BPF_DIR");

	snprintf(buf, len, "%s/%s.bpf.o", dir && *dir ? dir : "build/tests/bpf", name);
	return buf;
}

struct brun {
	struct topo *t;
	struct workload *w;
	struct machine *m;
	struct bpf_sched *s;
	char err[1024];
};

/* Build the machine, open/knob/load/attach the scheduler. 0 or the failing stage (<0). */
static inline int brun_start(struct brun *r, const char *topo, const char *wl, const char *obj,
		      const char *knobs)
{
	struct machine_params p;
	char path[512];
	int e;

	memset(r, 0, sizeof(*r));
	if (topo_parse(topo, &r->t, r->err, sizeof(r->err)))
		return -1;
	e = workload_is_generator(wl) ? workload_generate(wl, &r->w, r->err, sizeof(r->err))
				      : workload_load_buf("t.json", wl, strlen(wl), &r->w, r->err, sizeof(r->err));
	if (e)
		return -2;
	machine_params_default(&p);
	r->m = machine_create(r->t, r->w, &p, 1, r->err, sizeof(r->err));
	if (!r->m)
		return -3;
	if (!obj) /* the machine only */
		return 0;
	if (bpf_sched_open(obj_path(obj, path, sizeof(path)), &r->s, r->err, sizeof(r->err)))
		return -4;
	bpf_sched_set_print(r->s, false);
	if (knobs && bpf_sched_set_knobs(r->s, knobs))
		return -5;
	if (bpf_sched_load(r->s, r->m))
		return -6;
	if (bpf_sched_attach(r->s))
		return -7;
	return 0;
}

static inline void brun_free(struct brun *r)
{
	if (r->s && r->err[0] == '\0')
		snprintf(r->err, sizeof(r->err), "%s", bpf_sched_errmsg(r->s));
	machine_destroy(r->m);
	bpf_sched_free(r->s);
	workload_free(r->w);
	topo_free(r->t);
}

static inline struct task_struct *by_comm(struct machine *m, const char *comm)
{
	for (int i = 0; i < m->nr_tasks; i++)
		if (!strcmp(m->tasks[i]->comm, comm))
			return m->tasks[i];
	return NULL;
}

/* every finite task finished all its work, and no invariant broke */
static inline bool all_finished(struct machine *m)
{
	for (int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *p = m->tasks[i];
		if (p->st.work_total_ns >= 0 &&
		    (!p->st.finished || (s64)p->st.work_done_ns != p->st.work_total_ns)) {
			fprintf(stderr, "  %s[%d] not finished: %llu/%lld ns\n", p->comm, p->pid,
				(unsigned long long)p->st.work_done_ns, (long long)p->st.work_total_ns);
			return false;
		}
	}
	for (int i = 0; i < m->nr_violations; i++)
		fprintf(stderr, "  violation: %s\n", m->violations[i]);
	return m->nr_violations == 0;
}

static inline u64 global_u64(struct bpf_sched *s, const char *name)
{
	size_t sz = 0;
	u64 *v = bpf_sched_global(s, name, &sz);

	return v && sz == 8 ? *v : ~0ULL;
}

#define START(r, topo, wl, obj, knobs)                                                     \
	do {                                                                               \
		int e_ = brun_start((r), (topo), (wl), (obj), (knobs));                    \
		if (e_) {                                                                  \
			fprintf(stderr, "  start failed at stage %d: %s\n", e_, (r)->err[0] ? \
				(r)->err : bpf_sched_errmsg((r)->s));                      \
			brun_free(r);                                                      \
			CHECK_EQ(e_, 0);                                                   \
		}                                                                          \
	} while (0)

#endif
