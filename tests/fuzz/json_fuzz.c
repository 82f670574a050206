/*
 * json_fuzz.c — libFuzzer harness for the JSON reader: parses every input in all four flag
 * combinations and walks the tree, so ASan/UBSan see every byte the parser touches. The one
 * property checked besides "no crash, no leak": a failure always leaves a "LINE:COL: " message.
 *   clang-19 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *       tests/fuzz/json_fuzz.c src/util/json.c -lm -o /tmp/json_fuzz && /tmp/json_fuzz -max_total_time=60
 */
#include <stdlib.h>
#include <string.h>

#include "scxsim/json.h"

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
	return 0;
}
