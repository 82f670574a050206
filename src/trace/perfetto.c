/*
 * perfetto.c — the run as a Chrome/Perfetto trace (Trace Event Format, JSON object form):
 * one track per CPU (pid 0 = "CPUs", tid = cpu) with a complete ("X") slice per task run
 * (and a nested "kick wait" slice while the CPU busy-waits for SCX_KICK_WAIT targets),
 * instant ("i") events for wake-ups, migrations, kicks, DSQ inserts and hotplug on the CPU
 * they concern, a global instant for the ext scheduler's exit, and wake-up -> run flows
 * ("s"/"f", bound to the enclosing slice). Timestamps are microseconds with nanosecond
 * decimals. Events stream to the file as they happen; the machine calls these hooks only when
 * a trace is open (m->trace != NULL), so tracing costs nothing otherwise.
 * Loads in ui.perfetto.dev and chrome://tracing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "machine/machine_int.h"

struct trace {
	FILE *f;
	bool first;
	u64 nr_events;
	u64 flow_id;
};

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void ev_begin(struct trace *t)
{
	fputs(t->first ? "\n" : ",\n", t->f);
	t->first = false;
	t->nr_events++;
}

static void put_ts(FILE *f, const char *key, u64 ns)
{
	fprintf(f, "\"%s\":%llu.%03llu", key, (unsigned long long)(ns / 1000),
		(unsigned long long)(ns % 1000));
}

int machine_trace_open(struct machine *m, FILE *f)
{
	struct trace *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->f = f;
	t->first = true;
	m->trace = t;
	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"scxsim\"},\"traceEvents\":[", f);
	ev_begin(t);
	fputs("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":0,\"tid\":0,\"args\":{\"name\":\"CPUs\"}}", f);
	for (int c = 0; c < m->nr_cpus; c++) {
		ev_begin(t);
		fprintf(f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":0,\"tid\":%d,\"args\":{\"name\":\"CPU %d\"}}", c, c);
		ev_begin(t);
		fprintf(f, "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":0,\"tid\":%d,\"args\":{\"sort_index\":%d}}", c, c);
	}
	return 0;
}

/* A task ran on cpu from start to end. */
void trace_slice(struct machine *m, int cpu, struct task_struct *p, u64 start, u64 end)
{
	struct trace *t = m->trace;

	ev_begin(t);
	fputs("{\"ph\":\"X\",\"cat\":\"sched\",\"name\":", t->f);
	put_str(t->f, p->comm);
	fprintf(t->f, ",\"pid\":0,\"tid\":%d,", cpu);
	put_ts(t->f, "ts", start);
	fputc(',', t->f);
	put_ts(t->f, "dur", end - start);
	fprintf(t->f, ",\"args\":{\"pid\":%d,\"class\":\"%s\"}}", p->pid, task_class_name(p));
}

/* A named span on cpu's track (a SCX_KICK_WAIT wait), nested in the task slice around it. */
void trace_span(struct machine *m, int cpu, const char *name, u64 start, u64 end,
		const char *detail)
{
	struct trace *t = m->trace;

	ev_begin(t);
	fputs("{\"ph\":\"X\",\"cat\":\"scx\",\"name\":", t->f);
	put_str(t->f, name);
	fprintf(t->f, ",\"pid\":0,\"tid\":%d,", cpu);
	put_ts(t->f, "ts", start);
	fputc(',', t->f);
	put_ts(t->f, "dur", end - start);
	fputs(",\"args\":{", t->f);
	if (detail) {
		fputs("\"detail\":", t->f);
		put_str(t->f, detail);
	}
	fputs("}}", t->f);
}

/* An instant event on cpu's track. */
void trace_instant(struct machine *m, int cpu, const char *name, struct task_struct *p,
		   const char *detail)
{
	struct trace *t = m->trace;

	ev_begin(t);
	fputs("{\"ph\":\"i\",\"cat\":\"sched\",\"s\":\"t\",\"name\":", t->f);
	put_str(t->f, name);
	fprintf(t->f, ",\"pid\":0,\"tid\":%d,", cpu < 0 ? 0 : cpu);
	put_ts(t->f, "ts", m->sim.now);
	fputs(",\"args\":{", t->f);
	if (p) {
		fprintf(t->f, "\"pid\":%d,\"comm\":", p->pid);
		put_str(t->f, p->comm);
	}
	if (detail) {
		fputs(p ? ",\"detail\":" : "\"detail\":", t->f);
		put_str(t->f, detail);
	}
	fputs("}}", t->f);
}

/* A machine-wide instant (the ext scheduler's exit). */
void trace_global(struct machine *m, const char *name, const char *detail)
{
	struct trace *t = m->trace;

	ev_begin(t);
	fputs("{\"ph\":\"i\",\"cat\":\"scx\",\"s\":\"g\",\"name\":", t->f);
	put_str(t->f, name);
	fputs(",\"pid\":0,\"tid\":0,", t->f);
	put_ts(t->f, "ts", m->sim.now);
	fputs(",\"args\":{\"detail\":", t->f);
	put_str(t->f, detail ? detail : "");
	fputs("}}", t->f);
}

/* Wake-up -> run flow: start at the wake-up, finish at the switch-in. */
void trace_flow(struct machine *m, int from_cpu, u64 from_ts, int to_cpu, u64 to_ts)
{
	struct trace *t = m->trace;
	u64 id = ++t->flow_id;

	ev_begin(t);
	fprintf(t->f, "{\"ph\":\"s\",\"cat\":\"wakeup\",\"name\":\"wakeup\",\"id\":%llu,\"pid\":0,\"tid\":%d,",
		(unsigned long long)id, from_cpu < 0 ? 0 : from_cpu);
	put_ts(t->f, "ts", from_ts);
	fputc('}', t->f);
	ev_begin(t);
	fprintf(t->f, "{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"wakeup\",\"name\":\"wakeup\",\"id\":%llu,\"pid\":0,\"tid\":%d,",
		(unsigned long long)id, to_cpu);
	put_ts(t->f, "ts", to_ts);
	fputc('}', t->f);
}

/* Close the running slices at the end of the run and the JSON document. */
int machine_trace_close(struct machine *m)
{
	struct trace *t = m->trace;
	int err;

	if (!t)
		return 0;
	for (int c = 0; c < m->nr_cpus; c++) {
		struct rq *rq = cpu_rq(m, c);
		if (rq->curr)
			trace_slice(m, c, rq->curr, rq->slice_start, m->sim.now);
		if (rq->spinning)
			trace_span(m, c, "kick wait", rq->spin_since, m->sim.now, "cut off");
	}
	fputs("\n]}\n", t->f);
	err = ferror(t->f) ? -EIO : 0;
	free(t);
	m->trace = NULL;
	return err;
}
