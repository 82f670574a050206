/*
 * exit.c — how an ext scheduler leaves: scx_exit() records the first exit (kind, reason,
 * message, a dump of DSQ and CPU state) and switches the class to bypass at once (no more
 * ops; every task goes through the global DSQ in FIFO order); the disable event, at the same
 * simulated time, calls ops.disable/exit_task for every task and ops.exit(ei), then moves every
 * ext task back to the fair class, where it finishes its work. Also the stall watchdog and
 * SysRq-S. Messages name the op, the task and the CPU.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scx_int.h"
#include "scxsim/json_write.h"

static const struct {
	enum scx_exit_kind kind;
	const char *name;
	const char *reason;
} exit_kinds[] = {
	{ SCX_EXIT_NONE, "none", "" },
	{ SCX_EXIT_DONE, "done", "Scheduler exited" },
	{ SCX_EXIT_UNREG, "unreg", "unregistered from user space" },
	{ SCX_EXIT_UNREG_BPF, "unreg_bpf", "unregistered from BPF" },
	{ SCX_EXIT_UNREG_KERN, "unreg_kern", "unregistered from the main kernel" },
	{ SCX_EXIT_SYSRQ, "sysrq", "disabled by sysrq-S" },
	{ SCX_EXIT_ERROR, "error", "runtime error" },
	{ SCX_EXIT_ERROR_BPF, "error_bpf", "scx_bpf_error" },
	{ SCX_EXIT_ERROR_STALL, "error_stall", "runnable task stall" },
};

const char *scx_exit_kind_name(enum scx_exit_kind kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_kinds); i++)
		if (exit_kinds[i].kind == kind)
			return exit_kinds[i].name;
	return "unknown";
}

const char *scx_exit_reason(enum scx_exit_kind kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_kinds); i++)
		if (exit_kinds[i].kind == kind)
			return exit_kinds[i].reason;
	return "unknown";
}

/* ---- the dump ------------------------------------------------------------------------- */

struct dump_buf {
	char *s;
	size_t len, cap;
};

static void dprintf_(struct dump_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dprintf_(struct dump_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= 32768)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s)
			return;
		b->s = s;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += n;
}

static void dump_dsq(struct dump_buf *b, const char *name, const struct scx_dsq *dsq)
{
	int shown = 0;

	dprintf_(b, "  %s: nr=%u%s", name, dsq->nr, dsq->vtime ? " (vtime)" : "");
	for (struct task_struct *p = dsq_first(dsq); p && shown < 8; p = dsq_next(dsq, p), shown++)
		dprintf_(b, " %s[%d]", p->comm, p->pid);
	if (dsq->nr > 8)
		dprintf_(b, " ...");
	dprintf_(b, "\n");
}

/* What upstream prints to the trace pipe on an error exit: CPUs, DSQs, the culprit. */
static char *make_dump(struct scx_sched *sch)
{
	struct machine *m = sch->m;
	struct dump_buf b = { 0 };
	char name[64];

	dprintf_(&b, "sched_ext dump at t=%llu ns (%s: %s)\n", (unsigned long long)m->sim.now,
		 sch->reason, sch->msg);
	dprintf_(&b, "CPUs:\n");
	for (int c = 0; c < m->nr_cpus; c++) {
		struct rq *rq = cpu_rq(m, c);
		if (!rq->curr && !rq->nr_running)
			continue;
		dprintf_(&b, "  cpu %d: nr_running=%u ext=%u curr=%s[%d] (%s) slice=%llu\n", c,
			 rq->nr_running, rq->scx.nr_running, rq->curr ? rq->curr->comm : "idle",
			 rq->curr ? rq->curr->pid : 0, rq->curr ? task_class_name(rq->curr) : "-",
			 rq->curr && rq->curr->sched_class == &ext_sched_class ?
				 (unsigned long long)rq->curr->scx.slice : 0ULL);
		if (rq->scx.local.nr) {
			snprintf(name, sizeof(name), "local[%d]", c);
			dump_dsq(&b, name, &rq->scx.local);
		}
	}
	dprintf_(&b, "DSQs:\n");
	dump_dsq(&b, "global", &sch->global);
	for (int i = 0; i < sch->nr_user; i++) {
		snprintf(name, sizeof(name), "0x%llx", (unsigned long long)sch->user[i]->id);
		dump_dsq(&b, name, sch->user[i]);
	}
	int held = 0;
	for (int i = 0; i < m->nr_tasks; i++)
		held += m->tasks[i]->scx.ops_state == SCX_OPSS_QUEUED;
	dprintf_(&b, "tasks held by the scheduler (enqueued, not dispatched): %d\n", held);
	return b.s;
}

/* ---- exit and disable ------------------------------------------------------------------ */

bool scx_exit(struct scx_sched *sch, enum scx_exit_kind kind, s64 code, const char *fmt, ...)
{
	va_list ap;

	if (sch->exiting)
		return false;
	sch->exiting = true;
	sch->ops_off = true;
	sch->bypass_at = sch->m->sim.now ?: 1;
	scx_add_event(sch, SCX_EV_BYPASS_ACTIVATE, 1);
	sch->ei.kind = kind;
	sch->ei.exit_code = code;
	snprintf(sch->reason, sizeof(sch->reason), "%s", scx_exit_reason(kind));
	va_start(ap, fmt);
	vsnprintf(sch->msg, sizeof(sch->msg), fmt, ap);
	va_end(ap);
	sch->exit_at_ns = sch->m->sim.now;
	free(sch->dump);
	sch->dump = kind >= SCX_EXIT_ERROR ? make_dump(sch) : NULL;
	sch->ei.dump = sch->dump;
	/* bypass: kick every CPU so ext tasks go through the global DSQ */
	for (int c = 0; c < sch->m->nr_cpus; c++)
		if (cpu_rq(sch->m, c)->scx.nr_running)
			resched_curr(cpu_rq(sch->m, c));
	sim_schedule(&sch->m->sim, &sch->disable_ev, sch->m->sim.now, SIM_PRIO_HOTPLUG);
	if (sch->m->trace) {
		char d[SCX_EXIT_MSG_LEN + 32];
		snprintf(d, sizeof(d), "%s: %s", scx_exit_kind_name(kind), sch->msg);
		trace_global(sch->m, "scx_exit", d);
	}
	return true;
}

/* scx_disable_workfn: tell the scheduler, then move every task back to fair. */
void scx_disable_now(struct scx_sched *sch)
{
	struct machine *m = sch->m;

	if (sch->disabled)
		return;
	sch->ops_off = false; /* the exit path's ops still run; errors in them are ignored */
	for (int i = 0; i < m->nr_tasks; i++)
		scx_task_disable_exit(sch, m->tasks[i]);
	scx_cgroups_exit(sch);
	SCX_CALL_OP(sch, SCX_KF_SLEEPABLE, exit, NULL, -1, &sch->ei);
	sch->ops_off = true;
	for (int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *p = m->tasks[i];
		if (p->sched_class == &ext_sched_class)
			task_set_class(p, &fair_sched_class);
	}
	sch->disabled = true;
	sim_cancel(&m->sim, &sch->watchdog_ev);
	sim_cancel(&m->sim, &sch->sysrq_ev);
}

static void disable_fn(struct sim *s, struct sim_event *ev)
{
	struct scx_sched *sch = container_of(ev, struct scx_sched, disable_ev);

	scx_disable_now(sch);
}

static void sysrq_fn(struct sim *s, struct sim_event *ev)
{
	struct scx_sched *sch = container_of(ev, struct scx_sched, sysrq_ev);

	scx_exit(sch, SCX_EXIT_SYSRQ, 0, "sysrq-S at t=%llu ns", (unsigned long long)s->now);
}

void machine_sysrq_at(struct machine *m, u64 at_ns)
{
	struct scx_sched *sch = m->scx;

	if (!sch)
		return;
	sim_schedule(&m->sim, &sch->sysrq_ev, at_ns, SIM_PRIO_HOTPLUG);
}

/* ---- the watchdog ---------------------------------------------------------------------- */

static void watchdog_fn(struct sim *s, struct sim_event *ev)
{
	struct scx_sched *sch = container_of(ev, struct scx_sched, watchdog_ev);
	struct machine *m = sch->m;

	for (int c = 0; c < m->nr_cpus; c++) {
		struct task_struct *p = cpu_rq(m, c)->scx.run_head;
		if (!p || s->now - p->scx.runnable_at <= sch->timeout_ns)
			continue;
		u64 ms = (s->now - p->scx.runnable_at) / NSEC_PER_MSEC;
		scx_exit(sch, SCX_EXIT_ERROR_STALL, 0,
			 "%s[%d] failed to run for %llu.%03llus (cpu %d, %s)", p->comm, p->pid,
			 (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000), c,
			 p->scx.dsq ? (p->scx.dsq->id == SCX_DSQ_GLOBAL ? "on the global DSQ" :
				       p->scx.dsq->cpu >= 0 ? "on a local DSQ" : "on a user DSQ") :
				      p->scx.ops_state == SCX_OPSS_QUEUED ? "held by the scheduler" :
									     "not queued anywhere");
		return;
	}
	sim_schedule(s, ev, s->now + sch->timeout_ns / 2, SIM_PRIO_CHECK);
}

void scx_watchdog_start(struct scx_sched *sch)
{
	sim_event_init(&sch->disable_ev, disable_fn);
	sim_event_init(&sch->watchdog_ev, watchdog_fn);
	sim_event_init(&sch->sysrq_ev, sysrq_fn);
	sim_schedule(&sch->m->sim, &sch->watchdog_ev, sch->m->sim.now + sch->timeout_ns / 2,
		     SIM_PRIO_CHECK);
}

/* ---- reporting ------------------------------------------------------------------------- */

const struct scx_exit_info *machine_scx_exit_info(const struct machine *m)
{
	static const struct scx_exit_info none = { .kind = SCX_EXIT_NONE, .reason = "", .msg = "" };

	return m->scx ? &m->scx->ei : &none;
}

void scx_write_result(struct machine *m, struct jw *w)
{
	struct scx_sched *sch = m->scx;
	bool exited = sch && sch->ei.kind != SCX_EXIT_NONE;

	jw_key(w, "exit");
	jw_obj_begin(w);
	jw_kstr(w, "kind", exited ? scx_exit_kind_name(sch->ei.kind) : "none");
	jw_kstr(w, "reason", exited ? sch->reason : "");
	jw_kstr(w, "msg", exited ? sch->msg : "");
	jw_kuint(w, "at_ns", exited ? sch->exit_at_ns : 0);
	if (exited)
		jw_kint(w, "exit_code", sch->ei.exit_code);
	if (exited && sch->dump)
		jw_kstr(w, "dump", sch->dump);
	jw_obj_end(w);
	if (!sch)
		return;
	jw_key(w, "stats");
	jw_obj_begin(w);
	jw_kuint(w, "nr_enqueued", sch->nr_enqueued);
	jw_kuint(w, "nr_dispatch_calls", sch->nr_dispatch_calls);
	jw_kuint(w, "nr_dispatched", sch->nr_dispatched);
	jw_kuint(w, "nr_kicks", sch->nr_kicks);
	jw_kuint(w, "nr_init_task_failed", sch->nr_init_task_failed);
	jw_obj_end(w);
}

/* ext-specific invariants, part of the periodic sweep */
void scx_invariants(struct machine *m)
{
	struct scx_sched *sch = m->scx;
	u32 nr = 0;

	if (!sch || sch->disabled)
		return;
	for (int c = 0; c < m->nr_cpus; c++) {
		struct rq *rq = cpu_rq(m, c);
		nr = 0;
		for (struct task_struct *p = dsq_first(&rq->scx.local); p; p = dsq_next(&rq->scx.local, p)) {
			nr++;
			m->inv_checked++;
			if (p->cpu != c)
				machine_violation(m, "cpu %d: local DSQ holds %s[%d] of cpu %d", c, p->comm,
						  p->pid, p->cpu);
		}
		m->inv_checked++;
		if (nr != rq->scx.local.nr)
			machine_violation(m, "cpu %d: local DSQ count %u but %u tasks", c, rq->scx.local.nr, nr);
	}
}

const char *scx_ops_name(const struct machine *m)
{
	return m->scx ? m->scx->ops.name : "";
}

u64 scx_exit_at_ns(const struct machine *m)
{
	return m->scx ? m->scx->exit_at_ns : 0;
}
