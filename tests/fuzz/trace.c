/*
 * trace.c — fuzz harness for `scxsim record --from-trace`: the tracefs text parser
 * (rec_trace_parse, src/record/parse.c), then the analysis of the recorded process tree
 * (rec_analyze: the root pid from the "# scxsim-record: root_pid=N" header, else the pid of the
 * first event), the result JSON and the rt-app replay writer, both to /dev/null.
 * Properties: the parser never fails on content (only -ENOMEM); its counters agree (malformed
 * lines <= lines, events in file order of lines); rec_analyze either succeeds or names the trace
 * and the reason; the writers return 0.
 * Seeds: the recordings in tests/data/record/NAME.trace.gz, unpacked and cut to 64 KiB at fuzz time.
 */
#include <errno.h>

#include "fuzz.h"
#include "scxsim/record.h"

static void fz_check_trace(const struct rec_trace *t)
{
	if (t->nr_malformed > t->nr_lines || (t->nr_malformed && !t->first_malformed))
		fz_fail("trace: %llu malformed of %llu lines, first at %u",
			(unsigned long long)t->nr_malformed, (unsigned long long)t->nr_lines,
			t->first_malformed);
	for (int i = 1; i < t->nr_ev; i++)
		if (t->ev[i].line < t->ev[i - 1].line || t->ev[i].type >= REC_EV_NR_TYPES)
			fz_fail("trace: event %d out of file order or of unknown type", i);
}

static void fz_analyze(const struct rec_trace *t, FILE *null)
{
	struct rec_opts o = { 0 };
	struct rec_result *r = NULL;
	char err[512] = "";

	if (!t->root_pid && t->nr_ev)
		o.root_pid = t->ev[0].pid;
	if (rec_analyze(t, &o, &r, err, sizeof(err))) {
		if (r)
			fz_fail("rec_analyze failed but returned a result");
		fz_check_msg("rec_analyze", err, "fz.trace: ");
		return;
	}
	struct rec_replay_opts ro[2] = { { REC_SYNC_SUSPEND, 10, 8 }, { REC_SYNC_BARRIER, 0, 3 } };
	rec_result_write_json(r, null);
	for (int i = 0; i < 2; i++)
		if (rec_replay_write(r, &ro[i], null, NULL))
			fz_fail("rec_replay_write failed");
	rec_result_free(r);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct rec_trace *t = NULL;
	char err[256] = "";
	FILE *null = fopen("/dev/null", "w");
	int e = rec_trace_parse("fz.trace", (const char *)data, size, &t, err, sizeof(err));

	if (e && e != -ENOMEM)
		fz_fail("rec_trace_parse failed on content: %d %s", e, err);
	if (t) {
		fz_check_trace(t);
		if (null)
			fz_analyze(t, null);
	}
	rec_trace_free(t);
	if (null)
		fclose(null);
	return 0;
}
