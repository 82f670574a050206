/*
 * dump.c — the state dump of an error exit and of SysRq-D, in upstream's layout
 * (kernel/sched/ext.c scx_dump_state/scx_dump_task), with the scheduler's own lines from
 * ops.dump, ops.dump_cpu and ops.dump_task (scx_bpf_dump()).
 *
 * Layout: a header (who triggered which exit kind, reason and message; scxsim's "backtrace"
 * is the op, CPU, task and time that raised the exit), ops.dump's lines, "CPU states" — for
 * each CPU that is not idle (or whose ops.dump_cpu wrote something) the CPU's lines, its
 * ops.dump_cpu lines indented by 2, then its current ext task ('*') and every runnable ext
 * task of its runqueue, each followed by its ops.dump_task lines indented by 4 — and, as
 * scxsim's addition, "DSQ states" (global and user DSQs, tasks held by the scheduler). Each
 * op's first line is preceded by a blank line.
 *
 * When: an error exit (kind >= SCX_EXIT_ERROR) is dumped once, before ops.exit (as upstream's
 * irq_work runs right after the error: here at the disable event of the same simulated time,
 * or at the end of the run if the run stops first). SysRq-D dumps at the requested times and
 * keeps the texts; it does not exit.
 *
 * Invariants: the dump is at most exit_dump_len bytes with its NUL (0 = 32768); when it does
 * not fit it is cut and ends with upstream's "~~~~ TRUNCATED ~~~~" marker. scx_bpf_dump()
 * works only while a dump op runs (else the scheduler is ejected, as upstream); an error
 * raised during a dump op (a fault, a forbidden kfunc) is written into the dump as a "[!]"
 * line, ejects the scheduler only if it was not already exiting, and never recurses: the
 * dump of that new error is taken later, by the disable event.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scx_int.h"

/* ---- the text buffer (upstream's seq_buf: a line that does not fit is cut and ends it) ---- */

struct scx_dump_buf {
	char *s;                     /* NUL-terminated, owned */
	size_t len, cap;
	size_t limit;                /* bytes including the NUL */
	bool overflow;               /* something did not fit: nothing more is written */
};

static const char trunc_marker[] = "\n\n~~~~ TRUNCATED ~~~~\n";

static bool db_reserve(struct scx_dump_buf *b, size_t n)
{
	size_t cap;
	char *s;

	if (b->len + n + 1 <= b->cap)
		return true;
	cap = (b->len + n + 1) * 2;
	s = realloc(b->s, cap);
	if (!s)
		return false;
	b->s = s;
	b->cap = cap;
	return true;
}

static void db_add(struct scx_dump_buf *b, const char *t, size_t n)
{
	size_t room = b->limit ? b->limit - 1 - b->len : 0;

	if (b->overflow)
		return;
	if (n > room) {
		n = room;
		b->overflow = true;
	}
	if (!db_reserve(b, n)) {
		b->overflow = true;
		return;
	}
	memcpy(b->s + b->len, t, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void db_newline(struct scx_dump_buf *b)
{
	db_add(b, "\n", 1);
}

static void db_line(struct scx_dump_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void db_line(struct scx_dump_buf *b, const char *fmt, ...)
{
	char line[SCX_EXIT_MSG_LEN + 64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	db_add(b, line, MIN((size_t)n, sizeof(line) - 1));
	db_newline(b);
}

/* Drops what was written after `len` (an idle CPU that turned out to have nothing to say). */
static void db_rollback(struct scx_dump_buf *b, size_t len, bool overflow)
{
	b->len = len;
	b->overflow = overflow;
	if (b->s)
		b->s[len] = '\0';
}

/* The text, with the truncation marker over its end if it did not fit. */
static char *db_finish(struct scx_dump_buf *b)
{
	if (!b->s && db_reserve(b, 0))
		b->s[0] = '\0';
	if (b->s && b->overflow && b->limit >= sizeof(trunc_marker) && b->len + 1 == b->limit)
		memcpy(b->s + b->limit - sizeof(trunc_marker), trunc_marker, sizeof(trunc_marker));
	return b->s;
}

/* ---- scx_bpf_dump() and the dump ops --------------------------------------------------- */

/* The op's line buffer into the dump, one dump line per '\n'-separated piece. */
static void dd_flush(struct scx_dump_data *dd)
{
	char *line = dd->line;

	if (!dd->cursor)
		return;
	if (dd->first) {
		db_newline(dd->buf);
		dd->first = false;
	}
	dd->line[MIN(dd->cursor, sizeof(dd->line) - 1)] = '\0';
	for (;;) {
		char *end = line;
		char c;

		while (*end && *end != '\n')
			end++;
		c = *end;
		*end = '\0';
		db_line(dd->buf, "%s%s", dd->prefix, line);
		if (!c || !end[1])
			break;
		line = end + 1;
	}
	dd->cursor = 0;
}

static struct scx_sched *dump_sched(void)
{
	struct scx_sched *sch = scx_sch(scx_cur_machine);

	return sch && !sch->disabled ? sch : NULL;
}

void scx_bpf_dump_str(const char *s)
{
	struct scx_sched *sch = dump_sched();
	struct scx_dump_data *dd;
	size_t n, room;

	if (!sch || !s)
		return;
	dd = sch->dd;
	if (!dd) {
		scx_error(sch, "scx_bpf_dump() must only be called from ops.dump() and friends "
			  "(called from %s)", sch->cur_op ? sch->cur_op : "outside any op");
		return;
	}
	n = strlen(s);
	room = sizeof(dd->line) - dd->cursor;
	memcpy(dd->line + dd->cursor, s, MIN(n, room - 1));
	dd->line[dd->cursor + MIN(n, room - 1)] = '\0';
	dd->cursor = (u32)MIN(dd->cursor + n, sizeof(dd->line));
	/* a full buffer or a finished line goes into the dump; a partial line waits */
	if (dd->cursor && (dd->cursor >= sizeof(dd->line) || dd->line[dd->cursor - 1] == '\n'))
		dd_flush(dd);
}

void scx_bpf_dump(const char *fmt, ...)
{
	char buf[SCX_EXIT_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	scx_bpf_dump_str(buf);
}

void scx_dump_note_error(struct scx_sched *sch, const char *msg)
{
	if (sch->dd)
		db_line(sch->dd->buf, "%s[!] %s", sch->dd->prefix, msg);
}

static void dd_begin(struct scx_sched *sch, struct scx_dump_data *dd, const char *prefix)
{
	dd->prefix = prefix;
	dd->first = true;
	dd->cursor = 0;
	sch->dd = dd;
}

static void dd_end(struct scx_sched *sch, struct scx_dump_data *dd)
{
	dd_flush(dd);
	sch->dd = NULL;
}

/*
 * Calls a dump op with kfunc mask `mask` (upstream: ops.dump UNLOCKED = none of the masks,
 * dump_cpu/dump_task REST). Called even while exiting (bypass keeps the other ops off), only
 * once the scheduler finished loading (upstream enables these ops after ops.init).
 */
#define DUMP_OP(sch, dd, prefix, mask, op, cpu, ...)                                       \
	do {                                                                                \
		if ((sch)->ops.op && (sch)->loaded) {                                       \
			struct scx_op_ctx save_;                                            \
			dd_begin((sch), (dd), (prefix));                                    \
			scx_op_enter((sch), &save_, 0, "ops." #op "()", NULL, (cpu));       \
			(sch)->kf_mask = (mask);                                            \
			(sch)->ops.op(__VA_ARGS__);                                         \
			scx_op_leave((sch), &save_);                                        \
			dd_end((sch), (dd));                                                \
		}                                                                           \
	} while (0)

/* ---- the dump -------------------------------------------------------------------------- */

struct dump_run {
	struct scx_sched *sch;
	struct scx_dump_buf *b;
	struct scx_dump_data *dd;
	struct scx_dump_ctx *dctx;
};

/* upstream's enum scx_rq_flags bits scxsim has a state for */
#define DUMP_RQ_ONLINE    (1u << 0)
#define DUMP_RQ_BAL_KEEP  (1u << 3)
#define DUMP_RQ_BYPASSING (1u << 4)
/* upstream's SCX_TASK_RESET_RUNNABLE_AT, SCX_OPSS_QUEUED, SCX_TASK_DSQ_ON_PRIQ */
#define DUMP_TASK_RESET_RUNNABLE_AT (1u << 2)
#define DUMP_OPSS_QUEUED 2u
#define DUMP_DSQ_ON_PRIQ 1u

static u64 jiffies_of(const struct machine *m, u64 ns)
{
	return m->tick_ns ? ns / m->tick_ns : 0;
}

/* %*pb: hex, 32-bit groups separated by commas, most significant first, nr_cpus bits */
static void mask_hex(const struct cpumask *mask, int nr_cpus, char *out, size_t len)
{
	int groups = (nr_cpus + 31) / 32;
	size_t at = 0;

	out[0] = '\0';
	for (int g = groups - 1; g >= 0 && at < len; g--) {
		u32 v = 0;
		for (int b = 0; b < 32 && g * 32 + b < nr_cpus; b++)
			v |= (u32)cpumask_test(mask, g * 32 + b) << b;
		at += (size_t)snprintf(out + at, len - at, g == groups - 1 ? "%x" : ",%08x", v);
	}
}

static char task_state_char(const struct task_struct *p)
{
	switch (p->state) {
	case TASK_RUNNABLE: return 'R';
	case TASK_BLOCKED: return 'S';
	case TASK_DEAD: return 'X';
	default: return '?';
	}
}

static void dump_task(struct dump_run *r, struct task_struct *p, char marker)
{
	struct machine *m = r->sch->m;
	struct scx_dump_buf *b = r->b;
	u64 ago = r->dctx->at_jiffies - MIN(jiffies_of(m, p->scx.runnable_at), r->dctx->at_jiffies);
	char dsq[24] = "(n/a)", cpus[SCX_NR_CPUS_MAX / 4 + SCX_NR_CPUS_MAX / 32 + 8];

	if (p->scx.dsq)
		snprintf(dsq, sizeof(dsq), "0x%llx", (unsigned long long)p->scx.dsq->id);
	mask_hex(&p->cpus_mask, m->nr_cpus, cpus, sizeof(cpus));
	db_newline(b);
	db_line(b, " %c%c %s[%d] %+lldms", marker, task_state_char(p), p->comm, p->pid,
		-(long long)(ago * m->tick_ns / NSEC_PER_MSEC));
	db_line(b, "      scx_state/flags=%u/0x%x dsq_flags=0x%x ops_state/qseq=%u/%llu",
		(unsigned)p->scx.task_state,
		p->scx.flags | (p->scx.reset_runnable_at ? DUMP_TASK_RESET_RUNNABLE_AT : 0),
		p->scx.dsq && p->scx.dsq->vtime ? DUMP_DSQ_ON_PRIQ : 0,
		p->scx.ops_state == SCX_OPSS_QUEUED ? DUMP_OPSS_QUEUED : 0,
		(unsigned long long)p->scx.ops_qseq);
	db_line(b, "      sticky/holding_cpu=%d/%d dsq_id=%s", p->scx.sticky_cpu, p->scx.holding_cpu, dsq);
	db_line(b, "      dsq_vtime=%llu slice=%llu weight=%u", (unsigned long long)p->scx.dsq_vtime,
		(unsigned long long)p->scx.slice, p->scx.weight);
	db_line(b, "      cpus=%s no_mig=%u", cpus, (unsigned)p->migration_disabled);
	DUMP_OP(r->sch, r->dd, "    ", SCX_KF_REST, dump_task, p->cpu, r->dctx, p);
}

/* tasks of a DSQ, at most 8 by name (scxsim's addition) */
static void dump_dsq_line(struct scx_dump_buf *b, const char *name, const struct scx_dsq *dsq)
{
	char line[SCX_EXIT_MSG_LEN];
	size_t at;
	int shown = 0;

	at = (size_t)snprintf(line, sizeof(line), "  %-15s: nr=%u%s", name, dsq->nr,
			      dsq->vtime ? " (vtime)" : "");
	for (struct task_struct *p = dsq_first(dsq); p && shown < 8; p = dsq_next(dsq, p), shown++)
		at += (size_t)snprintf(line + at, sizeof(line) - at, " %s[%d]", p->comm, p->pid);
	if (dsq->nr > 8)
		snprintf(line + at, sizeof(line) - at, " ...");
	db_line(b, "%s", line);
}

static void dump_cpu_lines(struct dump_run *r, struct rq *rq)
{
	struct scx_sched *sch = r->sch;
	struct task_struct *curr = rq->curr;
	u32 flags = (rq->online ? DUMP_RQ_ONLINE : 0) | (rq->scx.bal_keep ? DUMP_RQ_BAL_KEEP : 0) |
		    (sch->exiting ? DUMP_RQ_BYPASSING : 0);
	char idle_comm[24];

	snprintf(idle_comm, sizeof(idle_comm), "swapper/%d", rq->cpu);
	db_newline(r->b);
	db_line(r->b, "CPU %-4d: nr_run=%u flags=0x%x cpu_rel=%d pnt_seq=%llu", rq->cpu,
		rq->scx.nr_running, flags, rq->scx.cpu_released, (unsigned long long)rq->scx.pnt_seq);
	db_line(r->b, "          curr=%s[%d] class=%s_sched_class", curr ? curr->comm : idle_comm,
		curr ? curr->pid : 0, curr ? task_class_name(curr) : "idle");
	db_line(r->b, "  rq_nr_running  : %u", rq->nr_running);
	if (rq->scx.local.nr)
		dump_dsq_line(r->b, "local_dsq", &rq->scx.local);
}

static void dump_cpu(struct dump_run *r, int cpu)
{
	struct scx_sched *sch = r->sch;
	struct rq *rq = cpu_rq(sch->m, cpu);
	bool idle = !rq->scx.run_head && !rq->curr;
	bool has_op = sch->ops.dump_cpu && sch->loaded;
	size_t start = r->b->len, used;
	bool overflow = r->b->overflow;

	if (idle && !has_op)
		return;
	dump_cpu_lines(r, rq);
	used = r->b->len;
	DUMP_OP(sch, r->dd, "  ", SCX_KF_REST, dump_cpu, cpu, r->dctx, cpu, idle);
	if (idle && r->b->len == used) {
		db_rollback(r->b, start, overflow); /* idle and nothing to say */
		return;
	}
	if (rq->curr && rq->curr->sched_class == &ext_sched_class)
		dump_task(r, rq->curr, '*');
	for (struct task_struct *p = rq->scx.run_head; p; p = p->scx.run_next)
		dump_task(r, p, ' ');
}

static void dump_header(struct dump_run *r, const char *msg)
{
	struct scx_sched *sch = r->sch;

	if (r->dctx->kind == SCX_EXIT_NONE) {
		db_line(r->b, "Debug dump triggered by %s", r->dctx->reason);
		return;
	}
	db_line(r->b, "%s triggered exit kind %d:", sch->exit_by, (int)r->dctx->kind);
	db_line(r->b, "  %s (%s)", r->dctx->reason, msg);
	db_newline(r->b);
	db_line(r->b, "Backtrace:");
	db_line(r->b, "  %s", sch->exit_where);
}

/* scxsim's addition: the queues themselves */
static void dump_dsqs(struct dump_run *r)
{
	struct scx_sched *sch = r->sch;
	struct machine *m = sch->m;
	char name[32];
	int held = 0;

	db_newline(r->b);
	db_line(r->b, "DSQ states");
	db_line(r->b, "----------");
	dump_dsq_line(r->b, "global", &sch->global);
	for (int i = 0; i < sch->nr_user; i++) {
		snprintf(name, sizeof(name), "0x%llx", (unsigned long long)sch->user[i]->id);
		dump_dsq_line(r->b, name, sch->user[i]);
	}
	for (int i = 0; i < m->nr_tasks; i++)
		held += m->tasks[i]->scx.ops_state == SCX_OPSS_QUEUED;
	db_line(r->b, "  tasks held by the scheduler (enqueued, not dispatched): %d", held);
}

static char *dump_state(struct scx_sched *sch, struct scx_dump_ctx *dctx, const char *msg,
			size_t limit)
{
	struct scx_dump_buf b = { .limit = limit };
	struct scx_dump_data dd = { .buf = &b };
	struct dump_run r = { sch, &b, &dd, dctx };

	dump_header(&r, msg);
	DUMP_OP(sch, &dd, "", 0, dump, -1, dctx);
	db_newline(&b);
	db_line(&b, "CPU states");
	db_line(&b, "----------");
	for (int c = 0; c < sch->m->nr_cpus; c++)
		dump_cpu(&r, c);
	dump_dsqs(&r);
	return db_finish(&b);
}

static size_t dump_len(const struct scx_sched *sch)
{
	return sch->ops.exit_dump_len ? sch->ops.exit_dump_len : SCX_EXIT_DUMP_DFL_LEN;
}

void scx_dump_exit_context(struct scx_sched *sch)
{
	struct machine *m = sch->m;
	int cpu = sch->cur_op && sch->cur_cpu >= 0 ? sch->cur_cpu : m->cur_cpu;
	struct task_struct *curr = cpu >= 0 && cpu < m->nr_cpus ? cpu_rq(m, cpu)->curr : NULL;
	struct task_struct *p = sch->cur_op ? sch->cur_task : NULL;

	if (curr)
		snprintf(sch->exit_by, sizeof(sch->exit_by), "%s[%d]", curr->comm, curr->pid);
	else if (cpu >= 0)
		snprintf(sch->exit_by, sizeof(sch->exit_by), "swapper/%d[0]", cpu);
	else
		snprintf(sch->exit_by, sizeof(sch->exit_by), "scxsim[0]");
	if (p)
		snprintf(sch->exit_where, sizeof(sch->exit_where), "%s cpu=%d task=%s[%d] t=%lluns",
			 sch->cur_op, cpu, p->comm, p->pid, (unsigned long long)m->sim.now);
	else
		snprintf(sch->exit_where, sizeof(sch->exit_where), "%s cpu=%d t=%lluns",
			 sch->cur_op ? sch->cur_op : "(no op: scxsim event)", cpu,
			 (unsigned long long)m->sim.now);
}

void scx_dump_error(struct scx_sched *sch)
{
	struct machine *m = sch->m;
	struct scx_dump_ctx dctx = { sch->ei.kind, sch->ei.exit_code, sch->reason, m->sim.now,
				     jiffies_of(m, m->sim.now) };

	if (!sch->dump_pending)
		return;
	sch->dump_pending = false; /* before the ops run: an error in them cannot come back here */
	free(sch->dump);
	sch->dump = dump_state(sch, &dctx, sch->msg, dump_len(sch));
	sch->ei.dump = sch->dump;
}

/* ---- SysRq-D --------------------------------------------------------------------------- */

static void sysrq_d_fn(struct sim *s, struct sim_event *ev)
{
	struct scx_sched *sch = container_of(ev, struct scx_sched, sysrq_d_ev);
	struct scx_dump_ctx dctx = { SCX_EXIT_NONE, 0, "SysRq-D", s->now, jiffies_of(sch->m, s->now) };
	struct scx_debug_dump *d;

	memmove(sch->sysrq_d_at, sch->sysrq_d_at + 1, --sch->nr_sysrq_d * sizeof(u64));
	if (sch->nr_sysrq_d)
		sim_schedule(s, ev, sch->sysrq_d_at[0], SIM_PRIO_HOTPLUG);
	if (sch->disabled)
		return;
	d = realloc(sch->ddumps, (sch->nr_ddumps + 1) * sizeof(*d));
	if (!d)
		return;
	sch->ddumps = d;
	d[sch->nr_ddumps] = (struct scx_debug_dump){ s->now, dump_state(sch, &dctx, "", dump_len(sch)) };
	if (d[sch->nr_ddumps].text)
		sch->nr_ddumps++;
}

void machine_sysrq_dump_at(struct machine *m, u64 at_ns)
{
	struct scx_sched *sch = m->scx;
	u64 *at;
	int i;

	if (!sch || at_ns < m->sim.now)
		return;
	at = realloc(sch->sysrq_d_at, (sch->nr_sysrq_d + 1) * sizeof(u64));
	if (!at)
		return;
	sch->sysrq_d_at = at;
	for (i = sch->nr_sysrq_d; i > 0 && at[i - 1] > at_ns; i--)
		at[i] = at[i - 1];
	at[i] = at_ns;
	sch->nr_sysrq_d++;
	sim_cancel(&m->sim, &sch->sysrq_d_ev);
	sim_schedule(&m->sim, &sch->sysrq_d_ev, at[0], SIM_PRIO_HOTPLUG);
}

const char *machine_scx_debug_dump(const struct machine *m, int i, u64 *at_ns)
{
	const struct scx_sched *sch = m->scx;

	if (!sch || i < 0 || i >= sch->nr_ddumps)
		return NULL;
	if (at_ns)
		*at_ns = sch->ddumps[i].at_ns;
	return sch->ddumps[i].text;
}

void scx_dump_init(struct scx_sched *sch)
{
	sim_event_init(&sch->sysrq_d_ev, sysrq_d_fn);
}

void scx_dump_free(struct scx_sched *sch)
{
	sim_cancel(&sch->m->sim, &sch->sysrq_d_ev);
	for (int i = 0; i < sch->nr_ddumps; i++)
		free(sch->ddumps[i].text);
	free(sch->ddumps);
	free(sch->sysrq_d_at);
	sch->ddumps = NULL;
	sch->sysrq_d_at = NULL;
	sch->nr_ddumps = sch->nr_sysrq_d = 0;
}
