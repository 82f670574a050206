/*
 * json_fuzz.c — libFuzzer harness for the JSON reader and the rt-app reader on top of it:
 * parses every input in all four flag combinations and walks the tree, then loads it as an
 * rt-app workload, so ASan/UBSan see every byte both readers touch. Properties checked besides
 * "no crash, no leak": a JSON failure always leaves a "LINE:COL: " message; a workload failure
 * returns a negative errno, no workload and a message starting with the file name.
 *   clang-19 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *       tests/fuzz/json_fuzz.c src/util/json.c src/workload/[a-z]*.c -lm -o /tmp/json_fuzz
 *   /tmp/json_fuzz -max_total_time=60 tests/data/workload/rtapp   # seeds: rt-app examples
 */
#include <stdlib.h>
#include <string.h>

#include "scxsim/json.h"
#include "scxsim/workload.h"

static size_t walk(const struct json_value *v)
{
	size_t n = 1;

	if (v->type == JSON_ARRAY)
		for (int i = 0; i < v->arr.n; i++)
			n += walk(v->arr.v[i]);
	if (v->type == JSON_OBJECT)
		for (int i = 0; i < v->obj.n; i++)
			n += strlen(v->obj.m[i].key) + walk(v->obj.m[i].val);
	if (v->type == JSON_STRING)
		n += v->str.len;
	return n;
}

static int fuzz_workload(const unsigned char *data, size_t size)
{
	struct workload *w = NULL;
	char err[256];
	int ret = workload_load_buf("f.json", (const char *)data, size, &w, err, sizeof(err));

	if (ret > 0 || (ret < 0 && (w || strncmp(err, "f.json", 6))))
		abort();
	for (int t = 0; w && t < w->nr_tasks; t++)
		workload_task_work_ns(&w->tasks[t]);
	workload_free(w);
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	for (int flags = 0; flags < 4; flags++) {
		char err[128];
		struct json_value *v = json_parse((const char *)data, size, flags, err, sizeof(err));

		if (v) {
			walk(v);
			json_free(v);
		} else if (!(err[0] >= '1' && err[0] <= '9') || !strchr(err, ':')) {
			abort();
		}
	}
	return fuzz_workload(data, size);
}
