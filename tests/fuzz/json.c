/*
 * json.c — fuzz harness for the JSON reader (src/util/json.c): parses every input in all four
 * flag combinations (strict, relaxed, bare keys, both) and walks the tree, the duplicate-key
 * finder and the sorted index, so ASan/UBSan see every byte the reader touches.
 * Properties besides "no crash, no leak": a failure leaves a "LINE:COL: reason" message; a
 * success gives a tree whose strings are NUL-terminated at their length and whose positions
 * are 1-based; the index finds the first member of every key.
 */
#include "fuzz.h"
#include "scxsim/json.h"

static size_t walk(const struct json_value *v)
{
	size_t n = 1;

	if (v->line < 1 || v->col < 1)
		fz_fail("json: value at %d:%d: positions are 1-based", v->line, v->col);
	if (v->type == JSON_ARRAY)
		for (int i = 0; i < v->arr.n; i++)
			n += walk(v->arr.v[i]);
	if (v->type == JSON_STRING && v->str.s[v->str.len] != '\0')
		fz_fail("json: string at %d:%d not NUL-terminated at its length", v->line, v->col);
	if (v->type != JSON_OBJECT)
		return n;
	for (int i = 0; i < v->obj.n; i++)
		n += strlen(v->obj.m[i].key) + walk(v->obj.m[i].val);
	json_first_dup(v);
	struct json_index ix;
	if (json_index_init(&ix, v))
		return n;
	for (int i = 0; i < v->obj.n; i++)
		if (json_index_get(&ix, v->obj.m[i].key) != json_get(v, v->obj.m[i].key))
			fz_fail("json: index and json_get disagree on key '%s'", v->obj.m[i].key);
	json_index_free(&ix);
	return n;
}

static void check_err(const char *err)
{
	const char *p = err;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == err || *p++ != ':')
		fz_fail("json: message without LINE: \"%s\"", err);
	const char *q = p;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == q || strncmp(p, ": ", 2) || !p[2])
		fz_fail("json: message without COL and reason: \"%s\"", err);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	for (int flags = 0; flags < 4; flags++) {
		char err[160];
		struct json_value *v = json_parse((const char *)data, size, flags, err, sizeof(err));

		if (v) {
			walk(v);
			json_free(v);
		} else {
			check_err(err);
		}
	}
	return 0;
}
