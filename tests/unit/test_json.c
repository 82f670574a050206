/*
 * test_json.c — unit tests for the JSON reader (src/util/json.c): values, repeated keys kept
 * in order, relaxed mode (comments, trailing commas, bare keys), escapes and surrogates,
 * exact integers, positions, every error message, the depth limit, and garbage input.
 */
#include <stdlib.h>

#include "scxsim/json.h"
#include "test.h"

static struct json_value *parse(const char *s, int flags, char *err)
{
	return json_parse(s, strlen(s), flags, err, 256);
}

/* Parse s, expecting failure; returns the message in a static buffer. */
static const char *parse_err(const char *s, int flags)
{
	static char err[256];
	struct json_value *v = json_parse(s, strlen(s), flags, err, sizeof(err));

	if (v) {
		json_free(v);
		return "(parsed)";
	}
	return err;
}

TEST(json_parses_scalars)
{
	char err[256];
	struct json_value *v = parse(" [true, false, null, \"x\", 0, -12, 1.5, 2e3] ", 0, err);

	CHECK(v);
	CHECK_EQ(v->type, JSON_ARRAY);
	CHECK_EQ(v->arr.n, 8);
	CHECK(v->arr.v[0]->type == JSON_BOOL && v->arr.v[0]->b);
	CHECK(v->arr.v[1]->type == JSON_BOOL && !v->arr.v[1]->b);
	CHECK_EQ(v->arr.v[2]->type, JSON_NULL);
	CHECK_STR(v->arr.v[3]->str.s, "x");
	CHECK(v->arr.v[4]->num.is_int && v->arr.v[4]->num.i == 0);
	CHECK(v->arr.v[5]->num.is_int && v->arr.v[5]->num.i == -12);
	CHECK(!v->arr.v[6]->num.is_int && v->arr.v[6]->num.d == 1.5);
	CHECK(!v->arr.v[7]->num.is_int && v->arr.v[7]->num.d == 2000.0);
	json_free(v);
}

TEST(json_parses_nested)
{
	char err[256];
	struct json_value *v = parse("{\"a\": {\"b\": [1, {\"c\": []}]}, \"d\": {}}", 0, err);
	struct json_value *b;

	CHECK(v);
	b = json_get(json_get(v, "a"), "b");
	CHECK(b && b->type == JSON_ARRAY && b->arr.n == 2);
	CHECK_EQ(json_get(b->arr.v[1], "c")->arr.n, 0);
	CHECK_EQ(json_get(v, "d")->obj.n, 0);
	CHECK(!json_get(v, "zz"));
	CHECK(!json_get(b, "c")); /* not an object */
	CHECK(!json_get(NULL, "c"));
	json_free(v);
}

TEST(json_keeps_repeated_keys_in_order)
{
	char err[256];
	struct json_value *v = parse("{\"run\": 1, \"sleep\": 2, \"run\": 3}", 0, err);

	CHECK(v);
	CHECK_EQ(v->obj.n, 3);
	CHECK_STR(v->obj.m[0].key, "run");
	CHECK_STR(v->obj.m[1].key, "sleep");
	CHECK_STR(v->obj.m[2].key, "run");
	CHECK_EQ(v->obj.m[2].val->num.i, 3);
	CHECK_EQ(json_get(v, "run")->num.i, 1); /* the first one */
	CHECK_EQ(json_count(v, "run"), 2);
	CHECK_EQ(json_count(v, "x"), 0);
	CHECK_EQ(json_count(NULL, "x"), 0);
	json_free(v);
}

TEST(json_integers_exact_in_s64)
{
	char err[256];
	struct json_value *v = parse("[9223372036854775807, -9223372036854775808, "
				     "9223372036854775808, 12345678901234567]", 0, err);

	CHECK(v);
	CHECK(v->arr.v[0]->num.is_int && v->arr.v[0]->num.i == INT64_MAX);
	CHECK(v->arr.v[1]->num.is_int && v->arr.v[1]->num.i == INT64_MIN);
	CHECK(!v->arr.v[2]->num.is_int); /* out of range: a double */
	CHECK(v->arr.v[2]->num.d > 9.2e18);
	CHECK(v->arr.v[3]->num.is_int && v->arr.v[3]->num.i == 12345678901234567LL);
	json_free(v);
}

TEST(json_string_escapes)
{
	char err[256];
	struct json_value *v = parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u0041\\u00e9\\u20ac\","
				     " \"\\ud83d\\ude00\", \"x\\u0000y\"]", 0, err);

	CHECK(v);
	CHECK_STR(v->arr.v[0]->str.s, "a\"b\\c/d\b\f\n\r\t");
	CHECK_STR(v->arr.v[1]->str.s, "A\xc3\xa9\xe2\x82\xac");
	CHECK_STR(v->arr.v[2]->str.s, "\xf0\x9f\x98\x80");
	CHECK_EQ(v->arr.v[3]->str.len, 3);
	CHECK(!memcmp(v->arr.v[3]->str.s, "x\0y", 3));
	json_free(v);
}

TEST(json_positions)
{
	char err[256];
	struct json_value *v = parse("{\n  \"a\": [1,\n\t2]\n}", 0, err);
	struct json_value *a;

	CHECK(v);
	CHECK_EQ(v->line, 1);
	CHECK_EQ(v->col, 1);
	a = json_get(v, "a");
	CHECK_EQ(a->line, 2);
	CHECK_EQ(a->col, 8);
	CHECK_EQ(a->arr.v[1]->line, 3);
	CHECK_EQ(a->arr.v[1]->col, 2);
	json_free(v);
}

TEST(json_relaxed_comments_and_trailing_commas)
{
	char err[256];
	const char *s = "/* head */ { // line\n \"a\": [1, 2, /* x */ ], \"b\": 1, } // tail";
	struct json_value *v = parse(s, JSON_RELAXED, err);

	CHECK(v);
	CHECK_EQ(json_get(v, "a")->arr.n, 2);
	CHECK_EQ(v->obj.n, 2);
	json_free(v);
	CHECK_CONTAINS(parse_err(s, JSON_STRICT), "1:1: comments are not allowed in strict JSON");
	CHECK_CONTAINS(parse_err("[1,]", JSON_STRICT), "1:4: trailing comma not allowed");
	CHECK_CONTAINS(parse_err("{\"a\":1,}", JSON_STRICT), "1:8: trailing comma not allowed");
	CHECK_CONTAINS(parse_err("[1,,]", JSON_RELAXED), "1:4: unexpected character ','");
	CHECK_CONTAINS(parse_err("[1] /* open", JSON_RELAXED), "1:5: unterminated comment");
	CHECK_CONTAINS(parse_err("[1] /", JSON_RELAXED), "1:5: unexpected character '/'");
}

TEST(json_bare_keys)
{
	char err[256];
	struct json_value *v = parse("{\"suspend\",\n \"run\": 1, \"yield\"}", JSON_BARE_KEYS, err);

	CHECK(v);
	CHECK_EQ(v->obj.n, 3);
	CHECK_EQ(v->obj.m[0].val->type, JSON_NULL);
	CHECK_EQ(v->obj.m[0].val->line, 1);
	CHECK_EQ(v->obj.m[0].val->col, 2);
	CHECK_EQ(v->obj.m[2].val->type, JSON_NULL);
	json_free(v);
	CHECK_CONTAINS(parse_err("{\"suspend\", \"run\": 1}", JSON_RELAXED),
		       "1:11: expected ':' after object key");
	CHECK_CONTAINS(parse_err("{\"a\" 1}", JSON_BARE_KEYS), "1:6: expected ':' after object key");
}

TEST(json_error_messages)
{
	CHECK_CONTAINS(parse_err("{\n  \"a\": 1,\n  \"b\": 2 \"c\": 3}", 0),
		       "3:10: expected ',' or '}' after object member");
	CHECK_CONTAINS(parse_err("[1 2]", 0), "1:4: expected ',' or ']' after array element");
	CHECK_CONTAINS(parse_err("", 0), "1:1: unexpected end of input: expected a value");
	CHECK_CONTAINS(parse_err("  \n ", 0), "2:2: unexpected end of input: expected a value");
	CHECK_CONTAINS(parse_err("{\"a\": 1", 0), "1:8: unexpected end of input: expected ',' or '}'");
	CHECK_CONTAINS(parse_err("[1", 0), "1:3: unexpected end of input: expected ',' or ']'");
	CHECK_CONTAINS(parse_err("{", 0), "1:2: unexpected end of input in object");
	CHECK_CONTAINS(parse_err("{1: 2}", 0), "1:2: expected a string key in object");
	CHECK_CONTAINS(parse_err("[1] 2", 0), "1:5: unexpected content after the top-level value");
	CHECK_CONTAINS(parse_err("\"abc", 0), "1:1: unterminated string");
	CHECK_CONTAINS(parse_err("\"a\nb\"", 0), "1:3: control character in string");
	CHECK_CONTAINS(parse_err("\"\\q\"", 0), "1:3: invalid escape \\'q' in string");
	CHECK_CONTAINS(parse_err("\"\\", 0), "1:3: unterminated string");
	CHECK_CONTAINS(parse_err("\"\\u12g4\"", 0), "1:3: invalid \\u escape: expected 4 hex digits");
	CHECK_CONTAINS(parse_err("\"\\u12", 0), "invalid \\u escape: expected 4 hex digits");
	CHECK_CONTAINS(parse_err("\"\\udc00\"", 0), "1:2: invalid \\u escape: unpaired low surrogate");
	CHECK_CONTAINS(parse_err("\"\\ud800x\"", 0), "1:2: invalid \\u escape: unpaired high surrogate");
	CHECK_CONTAINS(parse_err("\"\\ud800\\u0041\"", 0), "unpaired high surrogate");
	CHECK_CONTAINS(parse_err("tru", 0), "1:1: invalid literal");
	CHECK_CONTAINS(parse_err("nullx", 0), "1:1: invalid literal");
	CHECK_CONTAINS(parse_err("[01]", 0), "1:2: invalid number");
	CHECK_CONTAINS(parse_err("[-]", 0), "1:2: invalid number");
	CHECK_CONTAINS(parse_err("[1.]", 0), "1:2: invalid number");
	CHECK_CONTAINS(parse_err("[1e+]", 0), "1:2: invalid number");
	CHECK_CONTAINS(parse_err("[1x]", 0), "1:2: invalid number");
	CHECK_CONTAINS(parse_err("[+1]", 0), "1:2: unexpected character '+'");
	CHECK_CONTAINS(parse_err("[1e999]", 0), "1:2: number out of range");
	CHECK_CONTAINS(parse_err("\x01", 0), "1:1: unexpected character byte 0x01");
}

TEST(json_depth_limit)
{
	char buf[2 * (JSON_MAX_DEPTH + 1) + 1];
	char err[256];
	struct json_value *v;
	int n = JSON_MAX_DEPTH;

	memset(buf, '[', n);
	memset(buf + n, ']', n);
	v = json_parse(buf, 2 * n, 0, err, sizeof(err));
	CHECK(v); /* exactly the limit is fine */
	json_free(v);
	memset(buf, '[', n + 1);
	memset(buf + n + 1, ']', n + 1);
	v = json_parse(buf, 2 * (n + 1), 0, err, sizeof(err));
	CHECK(!v);
	CHECK_CONTAINS(err, "1:257: nesting deeper than 256 levels");
}

TEST(json_not_nul_terminated_and_small_err_buffer)
{
	char err[8];
	const char s[] = { '[', '1', ',', '2', ']', 'X' };
	struct json_value *v = json_parse(s, 5, 0, err, sizeof(err));

	CHECK(v);
	CHECK_EQ(v->arr.n, 2);
	json_free(v);
	CHECK(!json_parse(s, 4, 0, err, sizeof(err)));
	CHECK_EQ(strlen(err), 7); /* truncated, still terminated */
	CHECK(!json_parse(s, 4, 0, NULL, 0));
	CHECK(!json_parse(NULL, 0, 0, err, sizeof(err)));
	json_free(NULL);
}

TEST(json_type_names)
{
	char err[256];
	struct json_value *v = parse("[1, 1.5, \"s\"]", 0, err);

	CHECK_STR(json_type_name(JSON_NULL), "null");
	CHECK_STR(json_type_name(JSON_BOOL), "boolean");
	CHECK_STR(json_type_name(JSON_OBJECT), "object");
	CHECK_STR(json_type_name((enum json_type)99), "unknown");
	CHECK_STR(json_value_kind(v->arr.v[0]), "integer");
	CHECK_STR(json_value_kind(v->arr.v[1]), "number");
	CHECK_STR(json_value_kind(v->arr.v[2]), "string");
	CHECK_STR(json_value_kind(NULL), "nothing");
	json_free(v);
}

TEST(json_survives_garbage)
{
	/* Deterministic pseudo-random byte soup biased towards JSON punctuation: no crash, and
	 * every failure has a "LINE:COL: " message. */
	static const char alphabet[] = "{}[]\":,/*\\u0123456789eE.-+ \n\ttruefalsnl\x01\xff";
	u64 x = 0x9e3779b97f4a7c15ULL;
	char buf[64], err[128];

	for (int iter = 0; iter < 20000; iter++) {
		int len = iter % 64;
		struct json_value *v;

		for (int i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		v = json_parse(buf, len, iter & 3, err, sizeof(err));
		if (!v)
			CHECK(err[0] >= '1' && err[0] <= '9' && strchr(err, ':'));
		json_free(v);
	}
}

TEST(json_first_dup)
{
	char err[256];
	struct json_value *v = parse("{\"a\": 1, \"b\": 2, \"c\": 3, \"b\": 4, \"a\": 5, \"b\": 6}", 0,
				     err);
	struct json_value *u = parse("{\"a\": 1, \"b\": 2}", 0, err);

	CHECK(v && u);
	CHECK_EQ(json_first_dup(v), 3); /* the second "b" comes before the second "a" */
	CHECK_EQ(json_first_dup(u), -1);
	CHECK_EQ(json_first_dup(u->obj.m[0].val), -1);
	CHECK_EQ(json_first_dup(NULL), -1);
	json_free(v);
	json_free(u);
}

TEST(json_index_lookups)
{
	char err[256];
	struct json_value *v = parse("{\"m\": 1, \"b\": 2, \"z\": 3, \"b\": 4, \"a\": 5}", 0, err);
	struct json_index ix;

	CHECK(v);
	CHECK_EQ(json_index_init(&ix, v), 0);
	CHECK_EQ(ix.n, 5);
	CHECK_EQ(json_index_get(&ix, "b")->num.i, 2); /* first in file order */
	CHECK_EQ(json_index_get(&ix, "a")->num.i, 5);
	CHECK_EQ(json_index_get(&ix, "z")->num.i, 3);
	CHECK(!json_index_get(&ix, "c"));
	CHECK(!json_index_get(&ix, "zz"));
	json_index_free(&ix);
	CHECK(!ix.m && !ix.n);
	CHECK_EQ(json_index_init(&ix, v->obj.m[0].val), 0); /* not an object: empty */
	CHECK(!json_index_get(&ix, "m"));
	json_index_free(&ix);
	json_index_free(NULL);
	json_free(v);
}
