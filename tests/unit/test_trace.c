/*
 * test_trace.c — the Perfetto/Chrome trace: well-formed JSON (our strict reader), the fields
 * the Trace Event Format requires per phase, per-CPU slices that never overlap, flows that
 * pair up, and the ext scheduler's exit as a global instant.
 */
#include <stdlib.h>
#include "machine/machine_int.h"
#include "scxsim/json.h"
#include "scxsim/scx.h"
#include "test.h"

static char *traced_run(const char *topo, const char *json, const struct sched_ext_ops *ops,
			u64 sysrq_at)
{
	struct topo *t;
	struct workload *w;
	struct machine *m;
	struct machine_params p;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || topo_parse(topo, &t, err, sizeof(err)))
		return NULL;
	if (workload_load_buf("t.json", json, strlen(json), &w, err, sizeof(err)))
		return NULL;
	machine_params_default(&p);
	m = machine_create(t, w, &p, 1, err, sizeof(err));
	if (ops)
		machine_attach_scx(m, ops, err, sizeof(err));
	if (sysrq_at)
		machine_sysrq_at(m, sysrq_at);
	machine_trace_open(m, f);
	machine_run(m, NSEC_PER_SEC);
	machine_trace_close(m);
	machine_destroy(m);
	workload_free(w);
	topo_free(t);
	fclose(f);
	return buf;
}

static double num(const struct json_value *o, const char *k)
{
	const struct json_value *v = json_get(o, k);
	return v && v->type == JSON_NUMBER ? v->num.d : -1;
}

static const char *str(const struct json_value *o, const char *k)
{
	const struct json_value *v = json_get(o, k);
	return v && v->type == JSON_STRING ? v->str.s : NULL;
}

struct slice {
	int tid;
	double ts, end;
};

static int by_tid_ts(const void *a, const void *b)
{
	const struct slice *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid - y->tid;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

TEST(trace_is_well_formed_and_consistent)
{
	char err[256];
	char *buf = traced_run("2s2c2t", "{\"tasks\":{\"w\":{\"instance\":6,\"loop\":30,\"run\":700,\"sleep\":500},"
					 "\"m\":{\"instance\":2,\"loop\":20,\"lock\":\"x\",\"run\":100,\"unlock\":\"x\"}}}",
			       NULL, 0);
	CHECK(buf);
	struct json_value *root = json_parse(buf, strlen(buf), JSON_STRICT, err, sizeof(err));
	if (!root)
		FAIL_("trace is not valid JSON: %s", err);
	const struct json_value *ev = json_get(root, "traceEvents");
	CHECK(ev && ev->type == JSON_ARRAY && ev->arr.n > 100);
	struct slice *sl = calloc(ev->arr.n, sizeof(*sl));
	int nsl = 0, nflow_s = 0, nflow_f = 0, nmeta = 0;
	for (int i = 0; i < ev->arr.n; i++) {
		const struct json_value *e = ev->arr.v[i];
		const char *ph = str(e, "ph");
		CHECK(ph && str(e, "name") && num(e, "pid") >= 0 && num(e, "tid") >= 0);
		if (!strcmp(ph, "M")) {
			nmeta++;
			CHECK(json_get(e, "args"));
			continue;
		}
		CHECK(num(e, "ts") >= 0);
		if (!strcmp(ph, "X")) {
			CHECK(num(e, "dur") >= 0);
			CHECK(json_get(json_get(e, "args"), "pid"));
			sl[nsl++] = (struct slice){ (int)num(e, "tid"), num(e, "ts"), num(e, "ts") + num(e, "dur") };
		} else if (!strcmp(ph, "i")) {
			CHECK(str(e, "s"));
		} else if (!strcmp(ph, "s")) {
			nflow_s++;
			CHECK(num(e, "id") > 0);
		} else if (!strcmp(ph, "f")) {
			nflow_f++;
			CHECK_STR(str(e, "bp"), "e");
		} else {
			FAIL_("unexpected phase '%s'", ph);
		}
	}
	CHECK_EQ(nmeta, 1 + 2 * 8);
	CHECK_EQ(nflow_s, nflow_f);
	CHECK(nflow_s > 0);
	qsort(sl, nsl, sizeof(*sl), by_tid_ts);
	for (int i = 1; i < nsl; i++)
		if (sl[i].tid == sl[i - 1].tid && sl[i].ts < sl[i - 1].end - 1e-9)
			FAIL_("overlapping slices on cpu %d at %.3f us", sl[i].tid, sl[i].ts);
	free(sl);
	json_free(root);
	free(buf);
}

static void tr_enqueue(struct task_struct *p, u64 f)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, f);
}

TEST(trace_shows_dsq_inserts_and_scheduler_exit)
{
	static const struct sched_ext_ops ops = { .enqueue = tr_enqueue, .name = "tracefifo" };
	char *buf = traced_run("2", "{\"tasks\":{\"w\":{\"instance\":3,\"loop\":20,\"run\":700,\"sleep\":500}}}",
			       &ops, 5 * NSEC_PER_MSEC);
	CHECK(buf);
	CHECK_CONTAINS(buf, "\"name\":\"dsq_insert\"");
	CHECK_CONTAINS(buf, "\"name\":\"scx_exit\"");
	CHECK_CONTAINS(buf, "sysrq: sysrq-S");
	CHECK_CONTAINS(buf, "\"class\":\"ext\"");
	CHECK_CONTAINS(buf, "\"class\":\"fair\"");
	free(buf);
}
