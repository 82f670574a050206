/*
 * scx_harness.h — the scaffolding the ext-class unit tests share: build a machine from a
 * topology and an rt-app JSON (or generator) workload, attach a C scheduler, run it, and ask
 * whether every finite task finished with no invariant broken. Header-only (static inline):
 * each test file includes it once.
 */
#ifndef SCXSIM_SCX_HARNESS_H
#define SCXSIM_SCX_HARNESS_H

#include <stdio.h>
#include <string.h>
#include "machine/machine_int.h"
#include "scxsim/scx.h"

struct srun {
	struct topo *t;
	struct workload *w;
	struct machine *m;
	char err[512];
};

static inline int srun_start(struct srun *r, const char *topo, const char *json,
		      const struct sched_ext_ops *ops)
{
	struct machine_params p;

	memset(r, 0, sizeof(*r));
	if (topo_parse(topo, &r->t, r->err, sizeof(r->err)))
		return -1;
	if (workload_is_generator(json)) {
		if (workload_generate(json, &r->w, r->err, sizeof(r->err)))
			return -2;
	} else if (workload_load_buf("t.json", json, strlen(json), &r->w, r->err, sizeof(r->err))) {
		return -2;
	}
	machine_params_default(&p);
	r->m = machine_create(r->t, r->w, &p, 1, r->err, sizeof(r->err));
	if (!r->m)
		return -3;
	if (ops && machine_attach_scx(r->m, ops, r->err, sizeof(r->err)))
		return -4;
	return 0;
}

static inline int srun(struct srun *r, const char *topo, const char *json,
		const struct sched_ext_ops *ops, u64 dur)
{
	int e = srun_start(r, topo, json, ops);
	return e ? e : machine_run(r->m, dur);
}

static inline void srun_free(struct srun *r)
{
	machine_destroy(r->m);
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

static inline enum scx_exit_kind exit_kind(struct machine *m)
{
	return machine_scx_exit_info(m)->kind;
}

static inline const char *exit_msg(struct machine *m)
{
	return machine_scx_exit_info(m)->msg;
}

#endif
