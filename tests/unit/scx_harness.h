/*
 * scx_harness.h — the scaffolding the ext-class unit tests share: build a machine from a
 * topology and an rt-app JSON (or generator) workload, attach a C scheduler, run it, and ask
 * whether every finite task finished with no invariant broken. Header-only (static inline):
 * each test file includes it once.
 */
#ifndef SCXSIM_SCX_HARNESS_H
#define SCXSIM_SCX_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
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

/*
 * No invariant broke and no finite task is short of its work: one that finished did exactly
 * its work; with need_finished every finite task finished (else a run cut off by its duration
 * may leave tasks unfinished, but never finished short).
 */
static inline bool nothing_lost(struct machine *m, bool need_finished)
{
	for (int i = 0; i < m->nr_violations; i++)
		fprintf(stderr, "  violation: %s\n", m->violations[i]);
	if (m->nr_violations)
		return false;
	for (int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *p = m->tasks[i];

		if (p->st.work_total_ns < 0)
			continue;
		if (p->st.finished ? (s64)p->st.work_done_ns != p->st.work_total_ns : need_finished) {
			fprintf(stderr, "  %s[%d]: %llu of %lld ns, finished %d\n", p->comm, p->pid,
				(unsigned long long)p->st.work_done_ns, (long long)p->st.work_total_ns,
				p->st.finished);
			return false;
		}
	}
	return true;
}

/* every finite task finished all its work, and no invariant broke */
static inline bool all_finished(struct machine *m)
{
	return nothing_lost(m, true);
}

/* An example scheduler "NAME[:knobs]" as cli_sched_attach takes it: DIR/NAME.bpf.o[:knobs]
 * with DIR $SCXSIM_SCHEDS_DIR or build/scheds. */
static inline const char *sched_spec(char *buf, size_t len, const char *sched)
{
	const char *dir = getenv("SCXSIM_SCHEDS_DIR"), *colon = strchr(sched, ':');

	snprintf(buf, len, "%s/%.*s.bpf.o%s", dir && *dir ? dir : "build/scheds",
		 colon ? (int)(colon - sched) : (int)strlen(sched), sched, colon ? colon : "");
	return buf;
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
