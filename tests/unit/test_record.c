/*
 * test_record.c — scxsim record / diff: the tracefs parser (formats, malformed lines, lost
 * events), the metrics and the CPU-1 quirk reconstruction on hand-made traces whose figures
 * are worked out in the comments, the real traces of tests/data/record (figures checked by
 * hand with independent greps: see docs/fidelity.md), the replay workload (compaction, and
 * that scxsim's own rt-app reader takes it with the recorded CPU time), the result JSON, the
 * diff, and every error path of the CLI. Needs no root: live recording is only tested for
 * its refusals. Run from the repository root (data paths are relative to it). Also: replays net
 * of the model's switch and migration charges, latency from sched_waking, preemptions by other
 * programs, replay names that fit a comm, and `diff --check` bands with every error path.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include "cli/cli.h"
#include "scxsim/json.h"
#include "record/record_int.h"
#include "scxsim/record.h"
#include "scxsim/workload.h"
#include "test.h"

#define DATA "tests/data/record/"

static struct rec_trace *rt_parse(const char *s)
{
	struct rec_trace *t = NULL;
	char err[256];

	rec_trace_parse("t", s, strlen(s), &t, err, sizeof(err));
	return t;
}

/* Analyze with a fixed reconstruction delay (ns); NULL on error (err filled). */
static struct rec_result *rt_analyze(const struct rec_trace *t, int root, s64 delay, char *err)
{
	struct rec_opts o = { .root_pid = root, .fixed_delay = delay >= 0,
			      .recon_delay_ns = delay >= 0 ? (u64)delay : 0 };
	struct rec_result *r = NULL;

	rec_analyze(t, &o, &r, err, 256);
	return r;
}

static const struct rec_task *rt_task(const struct rec_result *r, int pid)
{
	for (int i = 0; i < r->nr_tasks; i++)
		if (r->tasks[i].pid == pid)
			return &r->tasks[i];
	return NULL;
}

/* Write to a temporary file and read it back (for outputs that go to a FILE *). */
static char *rt_capture_begin(FILE **f)
{
	char *path = strdup("/tmp/scxsim_test_record_XXXXXX");
	int fd = mkstemp(path);

	*f = fd >= 0 ? fdopen(fd, "w+") : NULL;
	return path;
}

static char *rt_capture_end(FILE *f, char *path)
{
	char *buf = NULL, err[256];
	size_t len;

	fclose(f);
	rec_read_file(path, &buf, &len, err, sizeof(err));
	unlink(path);
	free(path);
	return buf;
}

static char *rt_tmpname(const char *suffix)
{
	static int n;
	char *p = malloc(128);

	snprintf(p, 128, "/tmp/scxsim_test_record_%d_%d%s", (int)getpid(), n++, suffix);
	return p;
}

static void rt_write(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

/* ---- parser ------------------------------------------------------------------------------- */

static const char parse_text[] =
	"# tracer: nop\n"
	"#\n"
	"# entries-in-buffer/entries-written: 7/7   #P:2\n"
	"# scxsim-record: root_pid=4895\n"
	"# scxsim-record: command=perf bench sched pipe\n"
	" memfd:sealed-91-4421    [000] d..2.   379.901717: sched_switch: prev_comm=memfd:sealed-91 "
	"prev_pid=4421 prev_prio=120 prev_state=S ==> next_comm=Web Content next_pid=4890 next_prio=120\n"
	"     Web Content-4890    [000] .....   379.900787: sched_process_fork: comm=Web Content "
	"pid=4890 child_comm=sched-pipe child_pid=4895\n"
	"            bash-4890    [000] d..2.   379.900791: sched_wakeup_new: comm=sched-pipe "
	"pid=4895 prio=120 target_cpu=001\n"
	"      sched-pipe-4895    [001] d.s2.   379.902541: sched_waking: comm=rcu_preempt pid=15 "
	"prio=120 target_cpu=001\n"
	"      sched-pipe-4895    [001] d.s2.   379.902542: sched_migrate_task: comm=rcu_preempt "
	"pid=15 prio=120 orig_cpu=1 dest_cpu=0\n"
	"          <idle>-0       [000] dNh2.   379.902557: sched_wakeup: comm=rcu_preempt pid=15 "
	"prio=120 target_cpu=000\n"
	"             cat-4893    [001] .....   379.898558: sched_process_exit: comm=cat pid=4893 "
	"prio=120 group_dead=true\n"
	"            bash-1 [000] 12.5: tracing_mark_write: hello\n";

TEST(record_parse_every_event_type)
{
	struct rec_trace *t = rt_parse(parse_text);
	const struct rec_event *e;

	CHECK(t);
	CHECK_EQ(t->nr_ev, 7);
	CHECK_EQ(t->nr_malformed, 0);
	CHECK_EQ(t->nr_other, 1);          /* the marker: well formed, another event */
	CHECK_EQ(t->nr_cpus, 2);
	CHECK_EQ(t->root_pid, 4895);
	CHECK_STR(t->command, "perf bench sched pipe");
	CHECK_EQ(t->lost_events, 0);
	e = &t->ev[0];                     /* comms with ':', '-' and a space */
	CHECK_EQ(e->type, REC_EV_SWITCH);
	CHECK_EQ(e->ctx_pid, 4421);
	CHECK_EQ(e->ts_ns, 379901717000ULL);
	CHECK_STR(e->comm, "memfd:sealed-91");
	CHECK_EQ(e->pid, 4421);
	CHECK_STR(e->state, "S");
	CHECK_STR(e->comm2, "Web Content");
	CHECK_EQ(e->pid2, 4890);
	CHECK_EQ(e->prio2, 120);
	CHECK_EQ(e->line, 6);
	e = &t->ev[1];
	CHECK_EQ(e->type, REC_EV_FORK);
	CHECK_EQ(e->ctx_pid, 4890);
	CHECK_STR(e->comm, "Web Content");
	CHECK_EQ(e->pid, 4890);
	CHECK_STR(e->comm2, "sched-pipe");
	CHECK_EQ(e->pid2, 4895);
	e = &t->ev[2];
	CHECK_EQ(e->type, REC_EV_WAKEUP_NEW);
	CHECK_EQ(e->cpu2, 1);
	e = &t->ev[3];
	CHECK_EQ(e->type, REC_EV_WAKING);
	CHECK_EQ(e->cpu, 1);
	CHECK_EQ(e->ctx_irq, 's');
	CHECK_EQ(e->pid, 15);
	e = &t->ev[4];
	CHECK_EQ(e->type, REC_EV_MIGRATE);
	CHECK_EQ(e->cpu2, 1);
	CHECK_EQ(e->cpu3, 0);
	e = &t->ev[5];
	CHECK_EQ(e->type, REC_EV_WAKEUP);
	CHECK_EQ(e->ctx_pid, 0);
	CHECK_EQ(e->ctx_irq, 'h');
	e = &t->ev[6];
	CHECK_EQ(e->type, REC_EV_EXIT);
	CHECK_EQ(e->pid, 4893);
	CHECK_STR(rec_ev_type_name(REC_EV_MIGRATE), "sched_migrate_task");
	CHECK_STR(rec_ev_type_name(REC_EV_NR_TYPES), "?");
	rec_trace_free(t);
}

TEST(record_parse_malformed_lines_are_skipped_and_counted)
{
	static const char text[] =
		"garbage\n"                                                           /* 1 */
		"      sched-pipe-4895    [001] d..2.   379.918555: sched_switch: prev_comm=a "
		"prev_pid=4895 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 "
		"next_prio=120\n"                                                     /* 2 ok */
		"      sched-pipe-4895    [001] d..2.   379.918555: sched_switch: prev_comm=a\n"
		"      sched-pipe-4895    [001] d..2.   379.9: sched_wakeup: comm=a pid=x prio=1 "
		"target_cpu=0\n"                                                      /* 4 bad pid */
		"      sched-pipe-4895    [99999] d..2.   379.9: sched_wakeup: comm=a pid=1 prio=1 "
		"target_cpu=0\n"                                                      /* 5 bad cpu */
		"      sched-pipe-    [001] d..2.   379.9: sched_wakeup: comm=a pid=1 prio=1 target_cpu=0\n"
		"      x-1    [001] d..2.   379: sched_wakeup: comm=a pid=1 prio=1 target_cpu=0\n"
		"      x-1    [001] d..2.   379.1: sched_wakeup comm=a pid=1\n"   /* 8 no colon */
		"      x-1    [001] d..2.   379.1: sched_wakeup: comm=a pid=99999999999999 prio=1 "
		"target_cpu=0\n"                                                      /* 9 overflow */
		"\x01\x02\xff[\n"                                                     /* 10 binary */
		"[\n"                                                                 /* 11 */
		"      x-1    [001] d..2.   379.000001: sched_process_exit: comm=a pid=1 prio=120\r\n"
		"      x-1    [001]";                                                 /* 13 cut */
	struct rec_trace *t = rt_parse(text);

	CHECK(t);
	CHECK_EQ(t->nr_lines, 13);
	CHECK_EQ(t->nr_ev, 2);
	CHECK_EQ(t->nr_malformed, 11);
	CHECK_EQ(t->first_malformed, 1);
	CHECK_EQ(t->ev[0].line, 2);
	CHECK_EQ(t->ev[1].line, 12);      /* CRLF accepted */
	CHECK_EQ(t->ev[1].type, REC_EV_EXIT);
	rec_trace_free(t);
}

TEST(record_parse_empty_trace)
{
	struct rec_trace *t = rt_parse("");
	char err[256] = "";

	CHECK(t);
	CHECK_EQ(t->nr_ev, 0);
	CHECK_EQ(t->nr_malformed, 0);
	CHECK(!rt_analyze(t, 0, -1, err));
	CHECK_CONTAINS(err, "no root pid");
	CHECK(!rt_analyze(t, 42, -1, err));
	CHECK_CONTAINS(err, "root pid 42 never appears");
	rec_trace_free(t);
}

TEST(record_parse_lost_events_and_overruns)
{
	static const char text[] =
		"# entries-in-buffer/entries-written: 100/160   #P:4\n"
		"# scxsim-record: root_pid=7\n"
		"# scxsim-record: overrun=5\n"
		"# scxsim-record: dropped=3\n"
		"##### CPU 1 buffer started ####\n"
		"CPU:1 [LOST 12 EVENTS]\n"
		"      x-7    [002] d..2.   5.000001: sched_process_exit: comm=x pid=7 prio=120\n";
	struct rec_trace *t = rt_parse(text);
	struct rec_result *r;
	char err[256], *out, *path;
	FILE *f;

	CHECK(t);
	CHECK_EQ(t->lost_events, 60 + 12);
	CHECK_EQ(t->overruns, 5);
	CHECK_EQ(t->dropped, 3);
	CHECK(t->late_start);
	CHECK_EQ(t->nr_cpus, 4);
	CHECK_EQ(t->nr_malformed, 0);
	r = rt_analyze(t, 0, -1, err);
	CHECK(r);
	path = rt_capture_begin(&f);
	CHECK(f);
	rec_result_write_json(r, f);
	out = rt_capture_end(f, path);
	CHECK_CONTAINS(out, "\"lost_events\": 72");
	CHECK_CONTAINS(out, "\"overruns\": 5");
	CHECK_CONTAINS(out, "\"late_start\": true");
	CHECK_CONTAINS(out, "\"nr_cpus\": 4");
	free(out);
	rec_result_free(r);
	rec_trace_free(t);
}

TEST(record_load_errors)
{
	struct rec_trace *t = NULL;
	char err[256], *bad = rt_tmpname(".gz");

	CHECK_EQ(rec_trace_load("/nonexistent/x.trace", &t, err, sizeof(err)), -ENOENT);
	CHECK_CONTAINS(err, "/nonexistent/x.trace");
	CHECK(!t);
	rt_write(bad, "this is not gzip\n");
	CHECK_EQ(rec_trace_load(bad, &t, err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "not a valid .gz file");
	CHECK(!t);
	unlink(bad);
	free(bad);
}

/* ---- metrics and the CPU-1 quirk ----------------------------------------------------------- */

/*
 * Task 200 runs twice on CPU 1; both switch-ins from swapper/1 are missing, as on the real
 * machine. With a fixed rebuild delay of 3 µs:
 *   switch-in 1 = max(CPU 1's last event 10.000001, wakeup_new 10.000002) + 3 µs = 10.000005
 *   run 1 = 10.001005 - 10.000005 = 1000 µs; wait 3 µs
 *   wakeup at 10.002000 (idle, hardirq) -> switch-in 2 = 10.002003: latency 3 µs, wait 3 µs
 *   run 2 = 10.003000 - 10.002003 = 997 µs
 *   CPU 1 idle: 10.000001..10.000005 and 10.001005..10.002003 = 4 + 998 = 1002 µs (CPU 0 runs
 *   bash, the recorder: noise 10.000000..10.003000 = 3000 µs)
 *   replay: run 1000, sleep 10.002000 - 10.001005 = 995, run 997
 */
static const char quirk_text[] =
	"# entries-in-buffer/entries-written: 7/7   #P:2\n"
	"            bash-100     [000] .....    10.000000: sched_process_fork: comm=bash pid=100 "
	"child_comm=bash child_pid=200\n"
	"          <idle>-0       [001] d.s2.    10.000001: sched_waking: comm=rcu_preempt pid=15 "
	"prio=120 target_cpu=000\n"
	"            bash-100     [000] d..2.    10.000002: sched_wakeup_new: comm=bash pid=200 "
	"prio=120 target_cpu=001\n"
	"           child-200     [001] d..2.    10.001005: sched_switch: prev_comm=child prev_pid=200 "
	"prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120\n"
	"          <idle>-0       [001] dNh2.    10.002000: sched_wakeup: comm=child pid=200 "
	"prio=120 target_cpu=001\n"
	"           child-200     [001] .....    10.002500: sched_process_exit: comm=child pid=200 "
	"prio=120 group_dead=true\n"
	"           child-200     [001] d..2.    10.003000: sched_switch: prev_comm=child prev_pid=200 "
	"prev_prio=120 prev_state=Z ==> next_comm=swapper/1 next_pid=0 next_prio=120\n";

TEST(record_quirk_switch_in_rebuilt)
{
	struct rec_trace *t = rt_parse(quirk_text);
	char err[256];
	struct rec_result *r = rt_analyze(t, 200, 3000, err);
	const struct rec_task *k;

	CHECK(r);
	CHECK_EQ(r->nr_tasks, 1);
	k = &r->tasks[0];
	CHECK_EQ(k->pid, 200);
	CHECK_STR(k->comm, "child");
	CHECK_EQ(r->reconstructed, 2);
	CHECK_EQ(r->recon_other, 0);
	CHECK_EQ(r->ctx_switches, 4);
	CHECK_EQ(k->nr_switch_in, 2);
	CHECK_EQ(k->runtime_ns, 1997000);
	CHECK_EQ(k->wait_ns, 6000);
	CHECK_EQ(k->nr_wakeups, 1);
	CHECK_EQ(k->nr_lat, 1);
	CHECK_EQ(k->lat[0], 3000);
	CHECK_EQ(r->lat.p50, 3000);
	CHECK_EQ(r->lat.max, 3000);
	CHECK(k->exited);
	CHECK_EQ(r->start_ns, 10000000000ULL);
	CHECK_EQ(r->end_ns, 10003000000ULL);
	CHECK_EQ(r->idle_ns, 1002000);
	CHECK_EQ(r->noise_runtime_ns, 3000000);
	CHECK_EQ(k->nr_steps, 3);
	CHECK_EQ(k->steps[0].kind, REC_STEP_RUN);
	CHECK_EQ(k->steps[0].ns, 1000000);
	CHECK_EQ(k->steps[1].kind, REC_STEP_SLEEP);
	CHECK_EQ(k->steps[1].ns, 995000);
	CHECK_EQ(k->steps[2].kind, REC_STEP_RUN);
	CHECK_EQ(k->steps[2].ns, 997000);
	rec_result_free(r);
	/* measured delay: no CPU records an idle->task switch here, so it is 0 */
	r = rt_analyze(t, 200, -1, err);
	CHECK(r);
	CHECK_EQ(r->recon_samples, 0);
	CHECK_EQ(r->recon_delay_ns, 0);
	CHECK_EQ(r->tasks[0].runtime_ns, 1003000 + 1000000);
	rec_result_free(r);
	rec_trace_free(t);
}

/*
 * Ground truth for the rebuild: the pipe trace's CPU 0 does record its idle->task switches.
 * Dropping them (1991 lines) makes CPU 0 look like CPU 1; rebuilt with the delay measured on
 * the full trace (1 µs), the figures must stay close to the recorded ones.
 */
TEST(record_quirk_rebuild_matches_recorded_cpu0)
{
	char *buf, *o, err[256];
	size_t len, dropped = 0;
	struct rec_trace *full = NULL, *cut;
	struct rec_result *a, *b;

	CHECK_EQ(rec_read_file(DATA "pipe.trace.gz", &buf, &len, err, sizeof(err)), 0);
	CHECK_EQ(rec_trace_parse("pipe", buf, len, &full, err, sizeof(err)), 0);
	o = buf;
	for (char *p = buf, *nl; *p; p = nl + 1) {   /* drop "prev_comm=swapper/0 " lines */
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		size_t n = (size_t)(nl - p) + 1;
		char keep = 1, save = nl[1];
		nl[1] = '\0';
		if (strstr(p, "prev_comm=swapper/0 "))
			keep = 0, dropped++;
		nl[1] = save;
		if (keep) {
			memmove(o, p, n);
			o += n;
		}
	}
	*o = '\0';
	CHECK_EQ(dropped, 1991);
	cut = rt_parse(buf);
	free(buf);
	a = rt_analyze(full, 0, -1, err);
	b = rt_analyze(cut, 0, 1000, err);
	CHECK(a && b);
	CHECK_EQ(a->recon_delay_ns, 1000);
	CHECK_EQ(a->recon_samples, 1991);
	CHECK_EQ(b->reconstructed, a->reconstructed + 1991);
	CHECK_EQ(b->ctx_switches, a->ctx_switches);
	for (int i = 0; i < a->nr_tasks; i++) {
		const struct rec_task *x = &a->tasks[i], *y = &b->tasks[i];
		double rt = fabs((double)y->runtime_ns - (double)x->runtime_ns) / (double)x->runtime_ns;
		CHECK(rt < 0.02);
		CHECK_EQ(y->nr_switch_in, x->nr_switch_in);
		CHECK_EQ(y->nr_lat, x->nr_lat);
	}
	CHECK(labs((long)b->idle_ns - (long)a->idle_ns) < (long)(a->idle_ns / 50));
	CHECK_EQ(b->lat.p50, a->lat.p50);
	rec_result_free(a);
	rec_result_free(b);
	rec_trace_free(full);
	rec_trace_free(cut);
}

/*
 * Two tasks of a tree on one CPU: 301 (forked by root 300) is preempted, and 300 wakes it from
 * task context (sched_waking in 300's context): a suspend/resume pair in the replay. A pid
 * reused after exit by an unrelated task is not followed.
 */
TEST(record_tree_wakeups_between_tasks)
{
	static const char text[] =
		"# entries-in-buffer/entries-written: 9/9   #P:1\n"
		"# scxsim-record: root_pid=300\n"
		"   p-300 [000] .....  1.000000: sched_process_fork: comm=p pid=300 child_comm=c child_pid=301\n"
		"   p-300 [000] d..2.  1.000001: sched_wakeup_new: comm=c pid=301 prio=120 target_cpu=000\n"
		"   p-300 [000] d..2.  1.000010: sched_switch: prev_comm=p prev_pid=300 prev_prio=120 "
		"prev_state=R+ ==> next_comm=c next_pid=301 next_prio=120\n"
		"   c-301 [000] d..2.  1.000050: sched_switch: prev_comm=c prev_pid=301 prev_prio=120 "
		"prev_state=S ==> next_comm=p next_pid=300 next_prio=120\n"
		"   p-300 [000] d..3.  1.000070: sched_waking: comm=c pid=301 prio=120 target_cpu=000\n"
		"   p-300 [000] d..3.  1.000071: sched_wakeup: comm=c pid=301 prio=120 target_cpu=000\n"
		"   p-300 [000] d..2.  1.000080: sched_switch: prev_comm=p prev_pid=300 prev_prio=120 "
		"prev_state=S ==> next_comm=c next_pid=301 next_prio=120\n"
		"   c-301 [000] .....  1.000090: sched_process_exit: comm=c pid=301 prio=120 group_dead=true\n"
		"   c-301 [000] d..2.  1.000095: sched_switch: prev_comm=c prev_pid=301 prev_prio=120 "
		"prev_state=Z ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
		"   <idle>-0 [000] d..2.  1.000150: sched_switch: prev_comm=swapper/0 prev_pid=0 "
		"prev_prio=120 prev_state=R ==> next_comm=other next_pid=301 next_prio=120\n"
		"   other-301 [000] d..2.  1.000200: sched_switch: prev_comm=other prev_pid=301 "
		"prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n";
	struct rec_trace *t = rt_parse(text);
	char err[256];
	struct rec_result *r = rt_analyze(t, 0, -1, err);
	const struct rec_task *p, *c;

	CHECK(r);
	CHECK_EQ(t->nr_malformed, 0);
	CHECK_EQ(r->nr_tasks, 2);
	p = rt_task(r, 300);
	c = rt_task(r, 301);
	CHECK(p && c);
	CHECK_EQ(c->ppid, 300);
	CHECK_EQ(p->runtime_ns, 10000 + 30000);      /* 1.000000-.000010 and .000050-.000080 */
	CHECK_EQ(p->nr_preempted, 1);
	CHECK_EQ(c->runtime_ns, 40000 + 15000);
	CHECK_EQ(c->wait_ns, 9000 + 9000);
	CHECK_EQ(c->nr_lat, 1);
	CHECK_EQ(c->lat[0], 10000);                  /* from the sched_waking at .000070 */
	CHECK_EQ(r->ctx_switches, 4);                /* the reused pid 301 is not the tree's */
	CHECK_EQ(r->end_ns, 1000095000ULL);
	CHECK_EQ(r->noise_tasks, 0);                 /* it ran after the window */
	CHECK_EQ(r->tree_events, 9);
	CHECK_EQ(r->noise_events, 2);
	/* p: run 10, (preempted: same burst) run 20 then resume c, run 10, sleep (never woken) */
	CHECK_EQ(p->nr_steps, 3);
	CHECK_EQ(p->steps[0].kind, REC_STEP_RUN);
	CHECK_EQ(p->steps[0].ns, 30000);
	CHECK_EQ(p->steps[1].kind, REC_STEP_RESUME);
	CHECK_EQ(p->steps[1].arg, 1);
	CHECK_EQ(p->steps[2].ns, 10000);
	CHECK_EQ(c->nr_steps, 3);
	CHECK_EQ(c->steps[1].kind, REC_STEP_SUSPEND);
	CHECK_EQ(c->steps[1].arg, 0);                /* woken by task 0 */
	rec_result_free(r);
	rec_trace_free(t);
}

/* ---- the recorded traces --------------------------------------------------------------------- */

static struct rec_result *rt_data(const char *name, struct rec_trace **tp)
{
	char path[128], err[256];
	struct rec_result *r;

	snprintf(path, sizeof(path), DATA "%s.trace.gz", name);
	*tp = NULL;
	if (rec_trace_load(path, tp, err, sizeof(err)))
		return NULL;
	r = rt_analyze(*tp, 0, -1, err);
	return r;
}

static u64 rt_sum_switch_in(const struct rec_result *r)
{
	u64 n = 0;

	for (int i = 0; i < r->nr_tasks; i++)
		n += r->tasks[i].nr_switch_in;
	return n;
}

static u64 rt_sum_wakeups(const struct rec_result *r)
{
	u64 n = 0;

	for (int i = 0; i < r->nr_tasks; i++)
		n += r->tasks[i].nr_wakeups;
	return n;
}

/*
 * perf bench sched pipe -l 2000, quiet machine. Checked with greps on the trace:
 * 6026 recorded switches name pid 10356 or 10357; 2012 of them switch one in, 4014 switch
 * one out to another task or idle; sched_wakeup: 2037 + 1986; sched_migrate_task: 7.
 * So: ctx switches = 6026 recorded + 2025 rebuilt = 8051 = 4037 switch-ins + 4014 switch-outs.
 */
TEST(record_data_pipe)
{
	struct rec_trace *t;
	struct rec_result *r = rt_data("pipe", &t);

	CHECK(r);
	CHECK_EQ(t->nr_malformed, 0);
	CHECK_EQ(r->lost_events + r->overruns + r->dropped, 0);
	CHECK_EQ(r->root_pid, 10356);
	CHECK_EQ(r->nr_tasks, 2);
	CHECK_STR(r->tasks[0].comm, "sched-pipe");
	CHECK_STR(r->tasks[1].name, "sched-pipe-2");
	CHECK_EQ(r->ctx_switches, 8051);
	CHECK_EQ(rt_sum_switch_in(r), 8051 - 4014);
	CHECK_EQ(rt_sum_switch_in(r) - 2012, 2025);
	CHECK_EQ(r->reconstructed, 2056);     /* 2025 of the tree + 31 of other tasks */
	CHECK_EQ(r->tasks[0].nr_wakeups, 2037);
	CHECK_EQ(r->tasks[1].nr_wakeups, 1986);
	CHECK_EQ(r->migrations, 7);
	CHECK_EQ(r->recon_delay_ns, 1000);
	/* CPU time adds up: idle + tree + noise = window x 2 CPUs (to the µs of the trace) */
	u64 busy = r->idle_ns + r->noise_runtime_ns + r->tasks[0].runtime_ns + r->tasks[1].runtime_ns;
	CHECK_EQ(busy, 2 * (r->end_ns - r->start_ns));
	/* from sched_waking: the IPI to the idle CPU shows (an independent script on the trace:
	 * waking -> recorded switch-in p50 8 µs over 1986 wakeups onto an idle CPU 0) */
	CHECK_EQ(r->lat.p50, 8000);
	rec_result_free(r);
	rec_trace_free(t);
}

/*
 * perf bench sched messaging -g 1 -l 50 (40 workers + the parent; another program compiled
 * on the machine meanwhile: noise). Greps: 1237 recorded switches name a tree pid, 1153
 * switch one in, 84 switch one out to a non-tree task; sched_wakeup 885; migrate 81.
 */
TEST(record_data_messaging)
{
	struct rec_trace *t;
	struct rec_result *r = rt_data("messaging", &t);

	CHECK(r);
	CHECK_EQ(r->nr_tasks, 41);
	CHECK_EQ(r->ctx_switches, 1237);
	CHECK_EQ(rt_sum_switch_in(r), 1153);
	CHECK_EQ(r->ctx_switches - rt_sum_switch_in(r), 84);
	CHECK_EQ(rt_sum_wakeups(r), 885);
	CHECK_EQ(r->migrations, 81);
	CHECK_EQ(r->lat.n, 885 - 22);       /* minus wakeups of tasks still on their CPU */
	CHECK(r->noise_runtime_ns > 0);
	/* replay names fit a simulated comm (15 characters): the comm is cut for the suffix */
	CHECK_STR(r->tasks[40].name, "sched-messag-41");
	CHECK_STR(r->tasks[0].name, "sched-messaging");
	for (int i = 1; i < r->nr_tasks; i++)
		CHECK(r->tasks[i].exited);
	rec_result_free(r);
	rec_trace_free(t);
}

/*
 * rt-app tutorial example1 (20 ms run, 80 ms sleep, 2 s). Greps: 160 recorded switches name
 * rt-app's pids, 78 switch one in, 82 out; so 5 switch-ins are rebuilt (thread0 on CPU 1).
 */
TEST(record_data_example1)
{
	struct rec_trace *t;
	struct rec_result *r = rt_data("example1", &t);
	const struct rec_task *th;

	CHECK(r);
	CHECK_EQ(r->nr_tasks, 2);
	CHECK_EQ(r->ctx_switches, 165);
	CHECK_EQ(rt_sum_switch_in(r), 78 + 5);
	CHECK_EQ(rt_sum_wakeups(r), 29);
	th = &r->tasks[1];
	CHECK_STR(th->comm, "thread0");
	CHECK_EQ(th->nr_wakeups, 20);
	/* 20 periods of a calibrated 20 ms loop: about 23 ms each charged here */
	CHECK(th->runtime_ns > 20 * 20 * NSEC_PER_MSEC && th->runtime_ns < 20 * 30 * NSEC_PER_MSEC);
	rec_result_free(r);
	rec_trace_free(t);
}

/* ---- replay --------------------------------------------------------------------------------- */

static char *rt_replay_sync(const struct rec_result *r, int tol, enum rec_sync sync,
			    struct rec_replay_stats *st)
{
	struct rec_replay_opts o = { .tolerance_pct = tol, .sync = sync };
	char *path;
	FILE *f;

	path = rt_capture_begin(&f);
	if (!f)
		return NULL;
	rec_replay_write(r, &o, f, st);
	return rt_capture_end(f, path);
}

static char *rt_replay(const struct rec_result *r, int tol, struct rec_replay_stats *st)
{
	return rt_replay_sync(r, tol, REC_SYNC_SUSPEND, st);
}

/* A synthetic task: 40 x (run 10, resume self, run 3) then one long run; 2nd task sleeps. */
static struct rec_result *rt_synthetic(void)
{
	struct rec_result *r = calloc(1, sizeof(*r));
	struct rec_task *k;

	r->nr_tasks = 2;
	r->tasks = calloc(2, sizeof(*r->tasks));
	r->start_ns = 0;
	r->end_ns = 3 * NSEC_PER_SEC / 2;
	k = &r->tasks[0];
	snprintf(k->name, sizeof(k->name), "a");
	k->prio = 120;
	k->steps = calloc(200, sizeof(*k->steps));
	for (int i = 0; i < 40; i++) {
		u64 jitter = (i % 3) * 1000;       /* 10, 11, 12 µs */
		k->steps[k->nr_steps++] = (struct rec_step){ REC_STEP_RUN, 0, 10000 + jitter };
		k->steps[k->nr_steps++] = (struct rec_step){ REC_STEP_RESUME, 1, 0 };
		k->steps[k->nr_steps++] = (struct rec_step){ REC_STEP_RUN, 0, 3000 };
	}
	k->steps[k->nr_steps++] = (struct rec_step){ REC_STEP_RUN, 0, 5000000 };
	k = &r->tasks[1];
	snprintf(k->name, sizeof(k->name), "b");
	k->prio = 125;
	k->fork_ns = 2000;
	k->steps = calloc(4, sizeof(*k->steps));
	k->steps[k->nr_steps++] = (struct rec_step){ REC_STEP_SUSPEND, 0, 0 };
	k->steps[k->nr_steps++] = (struct rec_step){ REC_STEP_SLEEP, 0, 7000 };
	return r;
}

TEST(record_replay_collapses_repeats)
{
	struct rec_result *r = rt_synthetic();
	struct rec_replay_stats st;
	char *out = rt_replay(r, 25, &st);

	CHECK(out);
	CHECK_CONTAINS(out, "\"loop\": 40");
	CHECK_CONTAINS(out, "\"run\": 11");           /* mean of 10, 11, 12 */
	CHECK_CONTAINS(out, "\"resume\": \"wake_b\"");
	CHECK_CONTAINS(out, "\"suspend\": \"wake_b\"");
	CHECK_CONTAINS(out, "\"run\": 5000");
	CHECK_CONTAINS(out, "\"delay\": 2");
	CHECK_CONTAINS(out, "\"priority\": 5");
	CHECK_CONTAINS(out, "\"duration\": 3");
	CHECK_EQ(st.steps, 121 + 2);
	CHECK_EQ(st.phases, 2 + 1);
	CHECK_EQ(st.events_out, 3 + 1 + 2);
	free(out);
	/* tolerance 0: only equal durations collapse; the jitter splits the loop */
	out = rt_replay(r, 0, &st);
	CHECK(out);
	CHECK_EQ(st.events_out, st.steps);
	CHECK(!strstr(out, "\"loop\": 40"));
	free(out);
	/* barrier mode: one 2-task barrier per waker/sleeper pair, on both sides */
	out = rt_replay_sync(r, 25, REC_SYNC_BARRIER, &st);
	CHECK(out);
	CHECK(!strstr(out, "\"resume\""));
	CHECK(!strstr(out, "\"suspend\""));
	const char *b1 = strstr(out, "\"barrier\": \"wake_a_b\"");
	CHECK(b1 && strstr(b1 + 1, "\"barrier\": \"wake_a_b\""));
	free(out);
	rec_result_free(r);
}

/* The replay of each recording reads back with scxsim's rt-app reader, CPU work preserved. */
TEST(record_replay_reads_back_with_recorded_work)
{
	static const char *const names[] = { "pipe", "messaging", "example1" };

	for (size_t n = 0; n < ARRAY_SIZE(names); n++) {
		struct rec_trace *t;
		struct rec_result *r = rt_data(names[n], &t);
		struct workload *w = NULL;
		char *text, err[512];

		CHECK(r);
		text = rt_replay(r, 25, NULL);
		CHECK(text);
		int rc = workload_load_buf(names[n], text, strlen(text), &w, err, sizeof(err));
		free(text);
		if (rc)
			FAIL_("%s: %s", names[n], err);
		CHECK_EQ(w->nr_tasks, r->nr_tasks);
		for (int i = 0; i < r->nr_tasks; i++) {
			s64 work = workload_task_work_ns(&w->tasks[i]);
			double d = fabs((double)work - (double)r->tasks[i].runtime_ns);
			CHECK_STR(w->tasks[i].name, r->tasks[i].name);
			/* means rounded to the µs: at most 0.5 µs per collapsed step */
			CHECK(d <= 0.01 * (double)r->tasks[i].runtime_ns + 20000);
		}
		workload_free(w);
		rec_result_free(r);
		rec_trace_free(t);
	}
}

/* ---- result JSON ---------------------------------------------------------------------------- */

TEST(record_result_json_has_the_contract_keys)
{
	struct rec_trace *t = rt_parse(quirk_text);
	char err[256], *out, *path;
	struct rec_result *r = rt_analyze(t, 200, 3000, err);
	struct json_value *v;
	const struct json_value *k;
	FILE *f;

	CHECK(r);
	path = rt_capture_begin(&f);
	CHECK(f);
	rec_result_write_json(r, f);
	out = rt_capture_end(f, path);
	v = json_parse(out, strlen(out), JSON_STRICT, err, sizeof(err));
	free(out);
	CHECK(v);
	CHECK_STR(json_get(json_get(v, "scheduler"), "name")->str.s, "real");
	CHECK_STR(json_get(json_get(json_get(v, "scheduler"), "exit"), "kind")->str.s, "none");
	CHECK_STR(json_get(json_get(v, "machine"), "topo")->str.s, "host");
	CHECK_EQ(json_get(json_get(v, "machine"), "nr_cpus")->num.i, 2);
	CHECK_EQ(json_get(json_get(v, "sim"), "duration_ns")->num.i, 3000000);
	k = json_get(v, "totals");
	CHECK_EQ(json_get(k, "ctx_switches")->num.i, 4);
	CHECK_EQ(json_get(k, "idle_ns")->num.i, 1002000);
	CHECK_EQ(json_get(json_get(k, "wakeup_lat_ns"), "p999")->num.i, 3000);
	k = json_get(v, "tasks")->arr.v[0];
	CHECK_EQ(json_get(k, "pid")->num.i, 200);
	CHECK_STR(json_get(k, "comm")->str.s, "child");
	CHECK_STR(json_get(k, "class")->str.s, "fair");
	CHECK_EQ(json_get(k, "runtime_ns")->num.i, 1997000);
	CHECK_EQ(json_get(k, "wait_ns")->num.i, 6000);
	CHECK_EQ(json_get(json_get(k, "wakeup_lat_ns"), "p99")->num.i, 3000);
	CHECK_EQ(json_get(k, "work_total_ns")->type, JSON_NULL);
	CHECK_EQ(json_get(k, "finished")->b, true);
	CHECK_EQ(json_get(json_get(v, "record"), "reconstructed_switches")->num.i, 2);
	CHECK_EQ(json_get(json_get(v, "invariants"), "checked")->num.i, 0);
	json_free(v);
	rec_result_free(r);
	rec_trace_free(t);
}

TEST(record_percentile_nearest_rank)
{
	u64 s[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	CHECK_EQ(rec_percentile(s, 10, 500), 5);
	CHECK_EQ(rec_percentile(s, 10, 990), 10);
	CHECK_EQ(rec_percentile(s, 10, 0), 1);
	CHECK_EQ(rec_percentile(s, 1, 999), 1);
	CHECK_EQ(rec_percentile(s, 0, 500), 0);
}

/* ---- diff ----------------------------------------------------------------------------------- */

static const char diff_real[] =
	"{\"scheduler\": {\"name\": \"real\"}, \"sim\": {\"duration_ns\": 1000000},\n"
	" \"totals\": {\"ctx_switches\": 100, \"migrations\": 0, \"idle_ns\": 2000000,\n"
	"            \"wakeup_lat_ns\": {\"p50\": 1000, \"p99\": 5000, \"p999\": 9000, \"max\": 9000}},\n"
	" \"tasks\": [{\"pid\": 10, \"comm\": \"w\", \"replay_name\": \"w\", \"runtime_ns\": 4000000},\n"
	"           {\"pid\": 11, \"comm\": \"w\", \"replay_name\": \"w-2\", \"runtime_ns\": 1000},\n"
	"           {\"pid\": 12, \"comm\": \"lost\", \"runtime_ns\": 1}]}\n";
static const char diff_sim[] =
	"{\"runs\": [{\"scheduler\": {\"name\": \"fair\"}, \"sim\": {\"duration_ns\": 1100000},\n"
	" \"totals\": {\"ctx_switches\": 90, \"migrations\": 3, \"idle_ns\": 2000000,\n"
	"            \"wakeup_lat_ns\": {\"p50\": 1500, \"p99\": 5000, \"p999\": 9000, \"max\": 9000}},\n"
	" \"tasks\": [{\"pid\": 1, \"comm\": \"w-2\", \"runtime_ns\": 2000},\n"
	"           {\"pid\": 2, \"comm\": \"w\", \"runtime_ns\": 5000000},\n"
	"           {\"pid\": 3, \"comm\": \"extra\"}]}]}\n";

static char *rt_diff(const char *real, const char *sim, bool json, int *rc, char *err)
{
	char *rp = rt_tmpname(".json"), *sp = rt_tmpname(".json"), *path, *out;
	FILE *f;

	rt_write(rp, real);
	rt_write(sp, sim);
	path = rt_capture_begin(&f);
	*rc = f ? rec_diff_files(rp, sp, json, f, err, 256) : -EIO;
	out = rt_capture_end(f, path);
	unlink(rp);
	unlink(sp);
	free(rp);
	free(sp);
	return out;
}

TEST(record_diff_table)
{
	char err[256];
	int rc;
	char *out = rt_diff(diff_real, diff_sim, false, &rc, err);

	CHECK_EQ(rc, 0);
	CHECK(out);
	CHECK_CONTAINS(out, "(real)");
	CHECK_CONTAINS(out, "(fair)");
	CHECK_CONTAINS(out, "  ctx_switches                    100               90    -10.0%\n");
	CHECK_CONTAINS(out, "  duration                   1.000 ms         1.100 ms    +10.0%\n");
	CHECK_CONTAINS(out, "  migrations                        0                3       n/a\n");
	CHECK_CONTAINS(out, "  idle                       2.000 ms         2.000 ms     +0.0%\n");
	CHECK_CONTAINS(out, "task w (real pid 10, sim pid 2)\n"
		       "  runtime                    4.000 ms         5.000 ms    +25.0%\n");
	CHECK_CONTAINS(out, "task w (real pid 11, sim pid 1)\n"
		       "  runtime                    1.000 us         2.000 us   +100.0%\n");
	CHECK_CONTAINS(out, "  wait                              -                -         -\n");
	CHECK_CONTAINS(out, "unmatched real tasks: lost(12)\n");
	CHECK_CONTAINS(out, "unmatched sim tasks: extra(3)\n");
	free(out);
}

TEST(record_diff_json)
{
	char err[256];
	int rc;
	char *out = rt_diff(diff_real, diff_sim, true, &rc, err);
	struct json_value *v;
	const struct json_value *fig;

	CHECK_EQ(rc, 0);
	v = json_parse(out, strlen(out), JSON_STRICT, err, sizeof(err));
	free(out);
	CHECK(v);
	fig = json_get(v, "totals")->arr.v[1];
	CHECK_STR(json_get(fig, "figure")->str.s, "ctx_switches");
	CHECK_EQ(json_get(fig, "real")->num.i, 100);
	CHECK_EQ(json_get(fig, "sim")->num.i, 90);
	CHECK(fabs(json_get(fig, "rel_err")->num.d + 0.1) < 1e-9);
	fig = json_get(v, "totals")->arr.v[2];
	CHECK_EQ(json_get(fig, "rel_err")->type, JSON_NULL);
	CHECK_EQ(json_get(v, "tasks")->arr.n, 2);
	CHECK_EQ(json_get(json_get(v, "tasks")->arr.v[1], "sim_pid")->num.i, 1);
	CHECK_STR(json_get(json_get(v, "unmatched_sim")->arr.v[0], "comm")->str.s, "extra");
	json_free(v);
}

TEST(record_diff_errors)
{
	char err[256];
	int rc;
	char *out;

	out = rt_diff("{\"totals\": {}, \"tasks\": [", diff_sim, false, &rc, err);
	free(out);
	CHECK_EQ(rc, -EINVAL);
	CHECK_CONTAINS(err, ".json:");
	out = rt_diff("{\"tasks\": []}", diff_sim, false, &rc, err);
	free(out);
	CHECK_EQ(rc, -EINVAL);
	CHECK_CONTAINS(err, "no 'totals' object");
	out = rt_diff(diff_real, "{\"totals\": {}, \"tasks\": 3}", false, &rc, err);
	free(out);
	CHECK_EQ(rc, -EINVAL);
	CHECK_CONTAINS(err, "no 'tasks' array");
	CHECK_EQ(rec_diff_files("/nonexistent/r.json", "/nonexistent/s.json", false, stdout, err,
				sizeof(err)), -ENOENT);
	CHECK_CONTAINS(err, "/nonexistent/r.json");
}

/* ---- CLI and live recording refusals -------------------------------------------------------- */

static int rt_cli(int (*fn)(int, char **), const char *a0, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)a0;
	va_start(ap, a0);
	for (char *s; argc < 15 && (s = va_arg(ap, char *));)
		argv[argc++] = s;
	va_end(ap);
	argv[argc] = NULL;
	return fn(argc, argv);
}

TEST(record_cli_usage_errors)
{
	CHECK_EQ(rt_cli(cmd_record, "record", NULL), 2);
	CHECK_EQ(rt_cli(cmd_record, "record", "--bogus", NULL), 2);
	CHECK_EQ(rt_cli(cmd_record, "record", "--out", NULL), 2);
	CHECK_EQ(rt_cli(cmd_record, "record", "--from-trace", "x", "--rtapp", "y", NULL), 2);
	CHECK_EQ(rt_cli(cmd_record, "record", "--root-pid", "3", "--", "true", NULL), 2);
	CHECK_EQ(rt_cli(cmd_record, "record", "--tolerance", "abc", "--from-trace", "x", NULL), 2);
	CHECK_EQ(rt_cli(cmd_record, "record", "--from-trace", "/nonexistent/t", NULL), 2);
	CHECK_EQ(rt_cli(cmd_record, "record", "--rtapp", "/nonexistent/w.json", NULL), 2);
	CHECK_EQ(rt_cli(cmd_diff, "diff", NULL), 2);
	CHECK_EQ(rt_cli(cmd_diff, "diff", "a", "b", "c", NULL), 2);
	CHECK_EQ(rt_cli(cmd_diff, "diff", "--bad", NULL), 2);
	CHECK_EQ(rt_cli(cmd_diff, "diff", "/nonexistent/a", "/nonexistent/b", NULL), 2);
}

TEST(record_cli_from_trace_writes_outputs)
{
	char *out = rt_tmpname(".json"), *wl = rt_tmpname(".json"), *raw = rt_tmpname(".trace");
	char *buf, err[256];
	size_t len;

	rt_write(raw, quirk_text);
	CHECK_EQ(rt_cli(cmd_record, "record", "--from-trace", raw, NULL), 2);  /* no root pid */
	CHECK_EQ(rt_cli(cmd_record, "record", "--from-trace", raw, "--root-pid", "200", "--out", out,
			"--workload-out", wl, NULL), 0);
	CHECK_EQ(rec_read_file(out, &buf, &len, err, sizeof(err)), 0);
	CHECK_CONTAINS(buf, "\"runtime_ns\": 2003000");   /* measured delay: 0 */
	free(buf);
	CHECK_EQ(rec_read_file(wl, &buf, &len, err, sizeof(err)), 0);
	CHECK_CONTAINS(buf, "\"child\": {");
	CHECK_CONTAINS(buf, "\"sleep\": 995");
	free(buf);
	CHECK_EQ(rt_cli(cmd_diff, "diff", out, out, NULL), 0);
	CHECK_EQ(rt_cli(cmd_record, "record", "--from-trace", raw, "--root-pid", "200", "--out", out,
			"--rebuild-delay-ns", "3000", NULL), 0);
	CHECK_EQ(rec_read_file(out, &buf, &len, err, sizeof(err)), 0);
	CHECK_CONTAINS(buf, "\"runtime_ns\": 1997000");
	free(buf);
	CHECK_EQ(rt_cli(cmd_record, "record", "--from-trace", raw, "--rebuild-delay-ns", "-1", NULL),
		 2);
	CHECK_EQ(rt_cli(cmd_record, "record", "--from-trace", raw, "--root-pid", "200", "--out",
			"/nonexistent/dir/x.json", NULL), 2);
	unlink(out);
	unlink(wl);
	unlink(raw);
	free(out);
	free(wl);
	free(raw);
}

TEST(record_live_refuses_without_tracefs_or_root)
{
	char *argv[] = { "true", NULL };
	struct rec_live_opts o = { .argv = argv, .tracefs = "/nonexistent/tracefs" };
	char *text = NULL, err[512];
	size_t len;
	int status, rc;

	rc = rec_live_record(&o, &text, &len, &status, err, sizeof(err));
	CHECK(!text);
	if (geteuid() == 0) {
		CHECK_EQ(rc, -ENODEV);
		CHECK_CONTAINS(err, "mount -t tracefs nodev /nonexistent/tracefs");
	} else {
		CHECK_EQ(rc, -EPERM);
		CHECK_CONTAINS(err, "needs root");
	}
	o.argv = NULL;
	CHECK_EQ(rec_live_record(&o, &text, &len, &status, err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "no command");
}

/* ---- net replays, latency from sched_waking, noise preemptions ------------------------------ */

/*
 * Root 500 forked by 499 (not recorded), on CPU 0 from .000010; preempted at .000030 by a
 * kworker (another program: a noise preemption), back at .000040, blocks at .000042 (burst 22
 * µs over 2 switch-ins). Woken from an irq on CPU 1 (sched_waking .000100, sched_wakeup
 * .000104), migrated there, switched in at .000110 (latency 10 µs from the waking; wait 6 µs
 * from the wakeup), exits after 5 µs.
 * Net of 3500 ns per switch-in and 5000 per migration: 22 - 2 x 3.5 = 15 µs, then the last
 * burst owes 3.5 + 5 = 8.5 µs of which it can pay its 5: run 0.
 */
static const char net_text[] =
	"# entries-in-buffer/entries-written: 11/11   #P:2\n"
	"# scxsim-record: root_pid=500\n"
	"      sh-499 [000] .....  5.000000: sched_process_fork: comm=sh pid=499 child_comm=p "
	"child_pid=500\n"
	"      sh-499 [000] d..2.  5.000001: sched_wakeup_new: comm=p pid=500 prio=120 target_cpu=000\n"
	"      sh-499 [000] d..2.  5.000010: sched_switch: prev_comm=sh prev_pid=499 prev_prio=120 "
	"prev_state=S ==> next_comm=p next_pid=500 next_prio=120\n"
	"       p-500 [000] d..2.  5.000030: sched_switch: prev_comm=p prev_pid=500 prev_prio=120 "
	"prev_state=R+ ==> next_comm=kworker next_pid=77 next_prio=120\n"
	" kworker-77  [000] d..2.  5.000040: sched_switch: prev_comm=kworker prev_pid=77 prev_prio=120 "
	"prev_state=I ==> next_comm=p next_pid=500 next_prio=120\n"
	"       p-500 [000] d..2.  5.000042: sched_switch: prev_comm=p prev_pid=500 prev_prio=120 "
	"prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
	"  <idle>-0   [001] d.h2.  5.000100: sched_waking: comm=p pid=500 prio=120 target_cpu=000\n"
	"  <idle>-0   [001] d.h2.  5.000101: sched_migrate_task: comm=p pid=500 prio=120 orig_cpu=0 dest_cpu=1\n"
	"  <idle>-0   [001] dNh2.  5.000104: sched_wakeup: comm=p pid=500 prio=120 target_cpu=001\n"
	"  <idle>-0   [001] d..2.  5.000110: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 "
	"prev_state=R ==> next_comm=p next_pid=500 next_prio=120\n"
	"       p-500 [001] .....  5.000111: sched_process_exit: comm=p pid=500 prio=120 group_dead=true\n"
	"       p-500 [001] d..2.  5.000115: sched_switch: prev_comm=p prev_pid=500 prev_prio=120 "
	"prev_state=Z ==> next_comm=swapper/1 next_pid=0 next_prio=120\n";

static struct rec_result *rt_net(const struct rec_trace *t, const struct rec_costs *c,
				 struct rec_extra *x)
{
	struct rec_opts o = { .fixed_delay = true };
	struct rec_result *r = NULL;
	char err[256];

	rec_analyze_costs(t, &o, c, &r, x, err, sizeof(err));
	return r;
}

TEST(record_net_runs_pay_switch_and_migration_costs)
{
	struct rec_trace *t = rt_parse(net_text);
	struct rec_costs c = { .switch_ns = 3500, .migration_ns = 5000 };
	struct rec_extra x;
	struct rec_result *r = rt_net(t, &c, &x);
	const struct rec_task *k;

	CHECK(r);
	CHECK_EQ(r->nr_tasks, 1);
	k = &r->tasks[0];
	CHECK_EQ(k->runtime_ns, 27000);               /* measured: not net */
	CHECK_EQ(k->nr_switch_in, 3);
	CHECK_EQ(k->nr_steps, 3);
	CHECK_EQ(k->steps[0].kind, REC_STEP_RUN);
	CHECK_EQ(k->steps[0].ns, 15000);
	CHECK_EQ(k->steps[1].kind, REC_STEP_SLEEP);
	CHECK_EQ(k->steps[1].ns, 62000);              /* .000042 to the wakeup at .000104 */
	CHECK_EQ(k->steps[2].kind, REC_STEP_RUN);
	CHECK_EQ(k->steps[2].ns, 0);
	CHECK_EQ(k->nr_lat, 1);
	CHECK_EQ(k->lat[0], 10000);                   /* from sched_waking, not sched_wakeup */
	CHECK_EQ(k->wait_ns, 9000 + 10000 + 6000);    /* new, preempted, woken */
	CHECK_EQ(r->ctx_switches, 6);
	CHECK_EQ(r->migrations, 1);
	CHECK_EQ(x.noise_preemptions, 1);
	CHECK_EQ(x.costs.switch_ns, 3500);
	CHECK_EQ(x.costs.migration_ns, 5000);
	rec_result_free(r);
	/* gross (no costs): the measured bursts */
	r = rt_net(t, NULL, &x);
	CHECK(r);
	CHECK_EQ(r->tasks[0].steps[0].ns, 22000);
	CHECK_EQ(r->tasks[0].steps[2].ns, 5000);
	CHECK_EQ(x.costs.switch_ns, 0);
	CHECK_EQ(x.noise_preemptions, 1);
	rec_result_free(r);
	rec_trace_free(t);
}

/* A sched_waking seen for a sleep that then ended unseen is not taken for the next wakeup's. */
TEST(record_latency_stale_waking_is_dropped)
{
	static const char text[] =
		"# scxsim-record: root_pid=700\n"
		"   p-700 [000] d..2.  1.000010: sched_switch: prev_comm=p prev_pid=700 prev_prio=120 "
		"prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
		"   <idle>-0 [000] d.h2.  1.000020: sched_waking: comm=p pid=700 prio=120 target_cpu=000\n"
		"   <idle>-0 [000] d..2.  1.000030: sched_switch: prev_comm=swapper/0 prev_pid=0 "
		"prev_prio=120 prev_state=R ==> next_comm=p next_pid=700 next_prio=120\n"
		"   p-700 [000] d..2.  1.000040: sched_switch: prev_comm=p prev_pid=700 prev_prio=120 "
		"prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
		"   <idle>-0 [000] dNh2.  1.000500: sched_wakeup: comm=p pid=700 prio=120 target_cpu=000\n"
		"   <idle>-0 [000] d..2.  1.000502: sched_switch: prev_comm=swapper/0 prev_pid=0 "
		"prev_prio=120 prev_state=R ==> next_comm=p next_pid=700 next_prio=120\n";
	struct rec_trace *t = rt_parse(text);
	char err[256];
	struct rec_result *r = rt_analyze(t, 0, 0, err);

	CHECK(r);
	CHECK_EQ(r->tasks[0].nr_lat, 1);
	CHECK_EQ(r->tasks[0].lat[0], 2000);          /* from the sched_wakeup: no waking of its own */
	rec_result_free(r);
	rec_trace_free(t);
}

TEST(record_replay_names_fit_a_comm)
{
	static const char text[] =
		"# scxsim-record: root_pid=600\n"
		"   sh-1 [000] .....  1.000000: sched_process_fork: comm=sh pid=1 "
		"child_comm=aaaaaaaaaaaaaaa child_pid=600\n"
		"   aaaaaaaaaaaaaaa-600 [000] .....  1.000001: sched_process_fork: comm=aaaaaaaaaaaaaaa "
		"pid=600 child_comm=aaaaaaaaaaaaaaa child_pid=601\n"
		"   aaaaaaaaaaaaaaa-600 [000] .....  1.000002: sched_process_fork: comm=aaaaaaaaaaaaaaa "
		"pid=600 child_comm=aaaaaaaaaaaaa-2 child_pid=602\n";
	struct rec_trace *t = rt_parse(text);
	char err[256];
	struct rec_result *r = rt_analyze(t, 0, 0, err);

	CHECK(r);
	CHECK_EQ(r->nr_tasks, 3);
	CHECK_STR(r->tasks[0].name, "aaaaaaaaaaaaaaa");
	CHECK_STR(r->tasks[1].name, "aaaaaaaaaaaaa-2");     /* cut to leave room for "-2" */
	CHECK_STR(r->tasks[2].name, "aaaaaaaaaaaaa-3");     /* its own comm was taken */
	rec_result_free(r);
	rec_trace_free(t);
}

TEST(record_replay_says_what_runs_are_net_of)
{
	struct rec_result *r = rt_synthetic();
	struct rec_costs c = { .switch_ns = 3500, .migration_ns = 5000 };
	char *path;
	FILE *f;

	path = rt_capture_begin(&f);
	CHECK(f);
	CHECK_EQ(rec_replay_write_costs(r, NULL, &c, f, NULL), 0);
	char *out = rt_capture_end(f, path);
	CHECK(out);
	CHECK_CONTAINS(out, "Runs are net of 3500 ns per switch-in and 5000 ns per migration");
	free(out);
	path = rt_capture_begin(&f);
	CHECK_EQ(rec_replay_write_costs(r, NULL, NULL, f, NULL), 0);
	out = rt_capture_end(f, path);
	CHECK(out && !strstr(out, "net of"));
	free(out);
	rec_result_free(r);
}

TEST(record_cli_costs_and_extra_figures)
{
	char *out = rt_tmpname(".json"), *wl = rt_tmpname(".json"), *raw = rt_tmpname(".trace");
	char *buf, err[256];
	size_t len;

	rt_write(raw, net_text);
	CHECK_EQ(rt_cli(cmd_record, "record", "--from-trace", raw, "--out", out, "--workload-out", wl,
			"--switch-cost-ns", "3500", "--migration-cost-ns", "5000", NULL), 0);
	CHECK_EQ(rec_read_file(out, &buf, &len, err, sizeof(err)), 0);
	CHECK_CONTAINS(buf, "\"noise_preemptions\": 1");
	CHECK_CONTAINS(buf, "\"replay_switch_cost_ns\": 3500");
	CHECK_CONTAINS(buf, "\"replay_migration_cost_ns\": 5000");
	free(buf);
	CHECK_EQ(rec_read_file(wl, &buf, &len, err, sizeof(err)), 0);
	CHECK_CONTAINS(buf, "\"run\": 15");
	free(buf);
	CHECK_EQ(rt_cli(cmd_record, "record", "--from-trace", raw, "--workload-out", wl, "--out", out,
			"--switch-cost-ns", "0", "--migration-cost-ns", "0", NULL), 0);
	CHECK_EQ(rec_read_file(wl, &buf, &len, err, sizeof(err)), 0);
	CHECK_CONTAINS(buf, "\"run\": 22");
	free(buf);
	CHECK_EQ(rt_cli(cmd_record, "record", "--from-trace", raw, "--switch-cost-ns", "-5", NULL), 2);
	CHECK_EQ(rt_cli(cmd_record, "record", "--from-trace", raw, "--migration-cost-ns", "x", NULL),
		 2);
	unlink(out);
	unlink(wl);
	unlink(raw);
	free(out);
	free(wl);
	free(raw);
}

/* ---- diff --check ------------------------------------------------------------------------------ */

static char *rt_check(const char *real, const char *sim, const char *spec, int *rc, char *err)
{
	char *rp = rt_tmpname(".json"), *sp = rt_tmpname(".json"), *path, *out;
	FILE *f;

	rt_write(rp, real);
	rt_write(sp, sim);
	path = rt_capture_begin(&f);
	*rc = f ? rec_diff_check_files(rp, sp, spec, f, err, 256) : -EIO;
	out = rt_capture_end(f, path);
	unlink(rp);
	unlink(sp);
	free(rp);
	free(sp);
	return out;
}

TEST(record_diff_check_bands)
{
	char err[256];
	int rc;
	char *out;

	out = rt_check(diff_real, diff_sim, "ctx_switches=10,duration=10", &rc, err);
	CHECK_EQ(rc, 0);                               /* -10 % and +10 %: on the band */
	CHECK_CONTAINS(out, "ok   totals ctx_switches: 100 -> 90 (-10.0%, band 10%)\n");
	free(out);
	out = rt_check(diff_real, diff_sim, "ctx_switches=9,duration=10,migrations=50", &rc, err);
	CHECK_EQ(rc, 2);                               /* migrations 0 -> 3: out of any band */
	CHECK_CONTAINS(out, "FAIL totals ctx_switches: 100 -> 90 (-10.0%, band 9%)\n");
	CHECK_CONTAINS(out, "FAIL totals migrations: 0 -> 3");
	free(out);
	/* times within the trace's 1 µs resolution pass whatever the band */
	out = rt_check(diff_real, diff_sim, "lat_p50=0", &rc, err);
	CHECK_EQ(rc, 0);
	free(out);
	/* sums over the tasks: 4.001001 ms -> 5.002 ms */
	out = rt_check(diff_real, diff_sim, "runtime=25", &rc, err);
	CHECK_EQ(rc, 1);
	CHECK_CONTAINS(out, "FAIL totals runtime: 4.001 ms -> 5.002 ms (+25.0%, band 25%)");
	free(out);
	/* a key given twice: the later band holds */
	out = rt_check(diff_real, diff_sim, "ctx_switches=0,ctx_switches=10", &rc, err);
	CHECK_EQ(rc, 0);
	free(out);
}

TEST(record_diff_check_tasks_and_min_share)
{
	char err[256];
	int rc;
	char *out;

	/* only w (4 ms) has 1 % of the CPU time: +25 % */
	out = rt_check(diff_real, diff_sim, "task_runtime=30", &rc, err);
	CHECK_EQ(rc, 0);
	CHECK_CONTAINS(out, "ok   task w task_runtime: 4.000 ms -> 5.000 ms (+25.0%, band 30%)");
	CHECK(!strstr(out, "w-2"));
	free(out);
	/* every task: w-2 is within 1 µs, "lost" is missing from the simulation */
	out = rt_check(diff_real, diff_sim, "task_runtime=30,min_share=0", &rc, err);
	CHECK_EQ(rc, 1);
	CHECK_CONTAINS(out, "ok   task w-2 task_runtime");
	CHECK_CONTAINS(out, "FAIL task lost: no such task in ");
	free(out);
}

TEST(record_diff_check_quiet_ctx_switches)
{
	static const char real[] =
		"{\"sim\": {\"duration_ns\": 1000}, \"totals\": {\"ctx_switches\": 100},"
		" \"tasks\": [], \"record\": {\"noise_preemptions\": 5}}";
	static const char sim[] =
		"{\"sim\": {\"duration_ns\": 1000}, \"totals\": {\"ctx_switches\": 90}, \"tasks\": []}";
	char err[256];
	int rc;
	char *out = rt_check(real, sim, "quiet_ctx_switches=0", &rc, err);

	CHECK_EQ(rc, 0);                               /* 100 - 2 x 5 = 90 */
	CHECK_CONTAINS(out, "ok   totals quiet_ctx_switches: 90 -> 90");
	free(out);
	out = rt_check(real, sim, "ctx_switches=5", &rc, err);
	CHECK_EQ(rc, 1);
	free(out);
}

TEST(record_diff_check_errors)
{
	static const char *const bad[][2] = {
		{ "warp=5", "unknown figure 'warp'" },
		{ "runtime", "'runtime' needs a percentage (runtime=PCT)" },
		{ "runtime=", "'runtime' needs a percentage" },
		{ "runtime=-3", "'runtime' needs a percentage" },
		{ "runtime=5x", "'runtime' needs a percentage" },
		{ "", "no figure to check" },
		{ "min_share=5", "no figure to check" },
		{ "runtime=5,,wait=3", "unknown figure ''" },
	};
	char err[256];
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = 0;
		char *out = rt_check(diff_real, diff_sim, bad[i][0], &rc, err);
		free(out);
		CHECK_EQ(rc, -EINVAL);
		CHECK_CONTAINS(err, bad[i][1]);
	}
	CHECK_EQ(rec_diff_check_files("/nonexistent/r.json", "/nonexistent/s.json", "runtime=5", stdout,
				      err, sizeof(err)), -ENOENT);
	CHECK_CONTAINS(err, "/nonexistent/r.json");
	char *out = rt_check("{\"tasks\": []}", diff_sim, "runtime=5", &rc, err);
	free(out);
	CHECK_EQ(rc, -EINVAL);
	CHECK_CONTAINS(err, "no 'totals' object");
}

TEST(record_cli_diff_check_exit_status)
{
	char *rp = rt_tmpname(".json"), *sp = rt_tmpname(".json");

	rt_write(rp, diff_real);
	rt_write(sp, diff_sim);
	CHECK_EQ(rt_cli(cmd_diff, "diff", rp, sp, "--check", "ctx_switches=10", NULL), 0);
	CHECK_EQ(rt_cli(cmd_diff, "diff", rp, sp, "--check", "ctx_switches=5", NULL), 1);
	CHECK_EQ(rt_cli(cmd_diff, "diff", rp, sp, "--check", "bogus=5", NULL), 2);
	CHECK_EQ(rt_cli(cmd_diff, "diff", rp, sp, "--check", NULL), 2);
	CHECK_EQ(rt_cli(cmd_diff, "diff", rp, sp, "--json", "--check", "runtime=5", NULL), 2);
	CHECK_EQ(rt_cli(cmd_diff, "diff", rp, "/nonexistent/s", "--check", "runtime=5", NULL), 2);
	unlink(rp);
	unlink(sp);
	free(rp);
	free(sp);
}

/* ---- found by fuzzing (tests/fuzz/crashes/, docs/fuzzing.md) -------------------------------- */

/* The "buffer started" marker is looked for within its own line and within len: the buffer
 * need not be NUL-terminated (it read past the end before). */
TEST(record_fuzz_late_start_within_line)
{
	static const char a[] = "##### CPU 1 buffer started ####";
	static const char b[] = "##### CPU 1 buffer\nbuffer started\n";
	char *unterminated = malloc(sizeof(a) - 1);
	struct rec_trace *t = NULL;
	char err[128];

	CHECK(unterminated);
	memcpy(unterminated, a, sizeof(a) - 1); /* no NUL: ASan sees any read past len */
	CHECK_EQ(rec_trace_parse("t", unterminated, sizeof(a) - 1, &t, err, sizeof(err)), 0);
	CHECK(t && t->late_start);
	rec_trace_free(t);
	CHECK_EQ(rec_trace_parse("t", unterminated, 20, &t, err, sizeof(err)), 0);
	CHECK(t && !t->late_start); /* "##### CPU 1 buffer s" */
	rec_trace_free(t);
	free(unterminated);
	CHECK_EQ(rec_trace_parse("t", b, sizeof(b) - 1, &t, err, sizeof(err)), 0);
	CHECK(t && !t->late_start); /* the marker is on the next line, not this header's */
	rec_trace_free(t);
}

/* A figure beyond +-2^53 (1e99, 2^63) is no figure: shown as absent, never converted (that
 * was undefined behaviour) nor summed into an overflow. */
TEST(record_fuzz_diff_huge_figures)
{
	static const char real[] =
		"{\"sim\": {\"duration_ns\": 1e99}, \"totals\": {\"ctx_switches\": 9223372036854775807,"
		" \"migrations\": -9007199254740992, \"wakeup_lat_ns\": {\"p99\": 2.5e20}},"
		" \"tasks\": [{\"pid\": 1, \"comm\": \"a\", \"runtime_ns\": 9007199254740992},"
		"            {\"pid\": 2, \"comm\": \"b\", \"runtime_ns\": 9007199254740992}]}";
	char err[256];
	int rc;
	char *out = rt_diff(real, real, false, &rc, err);

	CHECK_EQ(rc, 0);
	CHECK(out);
	CHECK_CONTAINS(out, "  duration                          -                -         -\n");
	CHECK_CONTAINS(out, "  ctx_switches                      -                -         -\n");
	CHECK_CONTAINS(out, "  migrations         -9007199254740992");
	CHECK_CONTAINS(out, "  tasks runtime         9007199.255 s"); /* the sum saturates at 2^53 */
	free(out);
	out = rt_diff(real, real, true, &rc, err);
	CHECK_EQ(rc, 0);
	free(out);
}
