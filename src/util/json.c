/*
 * json.c — the JSON reader behind json.h: a recursive-descent parser that builds a tree of
 * json_value nodes, each carrying its 1-based line and column.
 *
 * Why not json-c (the library rt-app itself links): json-c collapses repeated keys of an object
 * into one (the last wins), but rt-app files written for workgen rely on repeated keys kept in
 * file order ("run", "sleep", "run", ... in one object), and json-c rejects the trailing commas
 * that rt-app's own example files contain. So scxsim reads JSON itself.
 *
 * What it accepts: RFC 8259 JSON; with JSON_RELAXED also C comments and trailing commas in
 * objects and arrays; with JSON_BARE_KEYS also workgen's shorthand member `"suspend",` (a key
 * with no value, read as null). Numbers written as integers that fit an s64 are kept exactly
 * (is_int); every other number is a double. Strings are unescaped to UTF-8 (\uXXXX, surrogate
 * pairs combined; an unpaired surrogate is an error); raw bytes >= 0x80 pass through unchecked.
 *
 * Invariants: the parser never reads outside buf[0..len); nesting is limited to
 * JSON_MAX_DEPTH so recursion is bounded; on any error everything allocated so far is freed and
 * exactly one "LINE:COL: reason" message is written (the first error wins).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scxsim/json.h"

struct jp {
	const char *p, *end;      /* cursor and end of input */
	const char *line_start;   /* first byte of the current line, for columns */
	int line;                 /* current line, 1-based, saturating */
	int flags;                /* JSON_RELAXED | JSON_BARE_KEYS */
	int depth;                /* open objects + arrays */
	char *err;                /* message buffer (may be NULL) */
	size_t errlen;
	bool failed;              /* an error was reported: unwind */
};

struct sbuf {                     /* growable byte buffer for string contents */
	char *s;
	size_t n, cap;
};

static int jp_col(const struct jp *j)
{
	ptrdiff_t c = j->p - j->line_start + 1;

	return c > INT_MAX ? INT_MAX : (int)c;
}

static void jp_vfail(struct jp *j, int line, int col, const char *fmt, va_list ap)
{
	int n;

	if (j->failed)
		return;
	j->failed = true;
	if (!j->err || !j->errlen)
		return;
	n = snprintf(j->err, j->errlen, "%d:%d: ", line, col);
	if (n >= 0 && (size_t)n < j->errlen)
		vsnprintf(j->err + n, j->errlen - n, fmt, ap);
}

__attribute__((format(printf, 4, 5)))
static void jp_fail_at(struct jp *j, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jp_vfail(j, line, col, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void jp_fail(struct jp *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jp_vfail(j, j->line, jp_col(j), fmt, ap);
	va_end(ap);
}

/* The character at the cursor, quoted for a message: 'x' or byte 0xNN. */
static const char *jp_show(const struct jp *j, char *buf, size_t len)
{
	unsigned char c = (unsigned char)*j->p;

	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", c);
	return buf;
}

static bool jp_more(const struct jp *j)
{
	return j->p < j->end;
}

static void jp_adv(struct jp *j)
{
	if (*j->p == '\n') {
		if (j->line < INT_MAX)
			j->line++;
		j->line_start = j->p + 1;
	}
	j->p++;
}

static bool jp_skip_comment(struct jp *j)
{
	int line = j->line, col = jp_col(j);

	if (!(j->flags & JSON_RELAXED)) {
		jp_fail(j, "comments are not allowed in strict JSON");
		return false;
	}
	if (j->p + 1 < j->end && j->p[1] == '/') {
		while (jp_more(j) && *j->p != '\n')
			jp_adv(j);
		return true;
	}
	if (j->p + 1 < j->end && j->p[1] == '*') {
		jp_adv(j);
		jp_adv(j);
		while (j->p + 1 < j->end && !(j->p[0] == '*' && j->p[1] == '/'))
			jp_adv(j);
		if (j->p + 1 >= j->end) {
			jp_fail_at(j, line, col, "unterminated comment");
			return false;
		}
		jp_adv(j);
		jp_adv(j);
		return true;
	}
	jp_fail(j, "unexpected character '/'");
	return false;
}

/* Skip whitespace (and comments when relaxed). False after reporting an error. */
static bool jp_skip(struct jp *j)
{
	while (jp_more(j)) {
		char c = *j->p;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			jp_adv(j);
		else if (c == '/') {
			if (!jp_skip_comment(j))
				return false;
		} else
			break;
	}
	return true;
}

static struct json_value *jv_new(struct jp *j, enum json_type t, int line, int col)
{
	struct json_value *v = calloc(1, sizeof(*v));

	if (!v) {
		jp_fail(j, "out of memory");
		return NULL;
	}
	v->type = t;
	v->line = line;
	v->col = col;
	return v;
}

static bool sbuf_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16;
		char *ns;

		while (cap < b->n + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns)
			return false;
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
	return true;
}

static size_t utf8_encode(u32 cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read "uXXXX" at the cursor (the 'u' of a \u escape) into *cp. */
static bool jp_hex4(struct jp *j, u32 *cp)
{
	u32 v = 0;

	if (j->end - j->p < 5) {
		jp_fail(j, "invalid \\u escape: expected 4 hex digits");
		return false;
	}
	for (int i = 1; i <= 4; i++) {
		int h = hexval(j->p[i]);

		if (h < 0) {
			jp_fail(j, "invalid \\u escape: expected 4 hex digits");
			return false;
		}
		v = v << 4 | (u32)h;
	}
	for (int i = 0; i < 5; i++)
		jp_adv(j);
	*cp = v;
	return true;
}

/* The cursor is on the 'u' of \uXXXX; decode it (and a following low surrogate). */
static bool jp_unicode(struct jp *j, struct sbuf *b)
{
	int line = j->line, col = jp_col(j) - 1;
	char out[4];
	u32 cp, lo;

	if (!jp_hex4(j, &cp))
		return false;
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		jp_fail_at(j, line, col, "invalid \\u escape: unpaired low surrogate");
		return false;
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u') {
			jp_fail_at(j, line, col, "invalid \\u escape: unpaired high surrogate");
			return false;
		}
		jp_adv(j);
		if (!jp_hex4(j, &lo))
			return false;
		if (lo < 0xdc00 || lo > 0xdfff) {
			jp_fail_at(j, line, col, "invalid \\u escape: unpaired high surrogate");
			return false;
		}
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (!sbuf_put(b, out, utf8_encode(cp, out))) {
		jp_fail(j, "out of memory");
		return false;
	}
	return true;
}

/* Escape table: the character after '\' and what it stands for. */
static const struct { char esc, out; } jp_escapes[] = {
	{ '"', '"' }, { '\\', '\\' }, { '/', '/' }, { 'b', '\b' },
	{ 'f', '\f' }, { 'n', '\n' }, { 'r', '\r' }, { 't', '\t' },
};

/* The cursor is on a backslash inside a string. */
static bool jp_escape(struct jp *j, struct sbuf *b)
{
	char shown[16];

	jp_adv(j);
	if (!jp_more(j)) {
		jp_fail(j, "unterminated string");
		return false;
	}
	if (*j->p == 'u')
		return jp_unicode(j, b);
	for (size_t i = 0; i < ARRAY_SIZE(jp_escapes); i++) {
		if (*j->p != jp_escapes[i].esc)
			continue;
		jp_adv(j);
		if (!sbuf_put(b, &jp_escapes[i].out, 1)) {
			jp_fail(j, "out of memory");
			return false;
		}
		return true;
	}
	jp_fail(j, "invalid escape \\%s in string", jp_show(j, shown, sizeof(shown)));
	return false;
}

/* The cursor is on '"'. Returns the unescaped, NUL-terminated contents (length in *len). */
static char *jp_string(struct jp *j, size_t *len)
{
	int line = j->line, col = jp_col(j);
	struct sbuf b = { 0 };

	jp_adv(j);
	if (!sbuf_put(&b, "", 0))
		goto oom;
	for (;;) {
		const char *run = j->p;

		while (jp_more(j) && *j->p != '"' && *j->p != '\\' && (unsigned char)*j->p >= 0x20)
			j->p++; /* no newline can be in here: it is a control character */
		if (!sbuf_put(&b, run, j->p - run))
			goto oom;
		if (!jp_more(j)) {
			jp_fail_at(j, line, col, "unterminated string");
			goto err;
		}
		if (*j->p == '"')
			break;
		if (*j->p != '\\') {
			jp_fail(j, "control character in string (must be escaped)");
			goto err;
		}
		if (!jp_escape(j, &b))
			goto err;
	}
	jp_adv(j);
	*len = b.n;
	return b.s;
oom:
	jp_fail(j, "out of memory");
err:
	free(b.s);
	return NULL;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static void jp_digits(struct jp *j)
{
	while (jp_more(j) && is_digit(*j->p))
		j->p++;
}

/* Integer literal text [s, e) (optional '-', digits) into *out; false when out of s64 range. */
static bool parse_s64(const char *s, const char *e, s64 *out)
{
	bool neg = *s == '-';
	u64 v = 0, lim = neg ? (u64)INT64_MAX + 1 : (u64)INT64_MAX;

	for (s += neg; s < e; s++) {
		u64 d = (u64)(*s - '0');

		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (s64)(0 - v) : (s64)v;
	return true;
}

static bool parse_double(const char *s, size_t n, double *out)
{
	char small[64], *buf = n < sizeof(small) ? small : malloc(n + 1);

	if (!buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	return true;
}

static struct json_value *jp_number(struct jp *j)
{
	int line = j->line, col = jp_col(j);
	const char *s = j->p;
	bool integral = true;
	struct json_value *v;

	if (*j->p == '-')
		j->p++;
	if (!jp_more(j) || !is_digit(*j->p))
		goto bad;
	if (*j->p == '0')
		j->p++;
	else
		jp_digits(j);
	if (jp_more(j) && *j->p == '.') {
		integral = false;
		j->p++;
		if (!jp_more(j) || !is_digit(*j->p))
			goto bad;
		jp_digits(j);
	}
	if (jp_more(j) && (*j->p == 'e' || *j->p == 'E')) {
		integral = false;
		j->p++;
		if (jp_more(j) && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!jp_more(j) || !is_digit(*j->p))
			goto bad;
		jp_digits(j);
	}
	if (jp_more(j) && (is_alnum(*j->p) || *j->p == '.'))
		goto bad;
	v = jv_new(j, JSON_NUMBER, line, col);
	if (!v)
		return NULL;
	if (integral && parse_s64(s, j->p, &v->num.i)) {
		v->num.is_int = true;
		v->num.d = (double)v->num.i;
		return v;
	}
	if (!parse_double(s, j->p - s, &v->num.d)) {
		jp_fail(j, "out of memory");
		free(v);
		return NULL;
	}
	if (isinf(v->num.d)) {
		jp_fail_at(j, line, col, "number out of range");
		free(v);
		return NULL;
	}
	return v;
bad:
	jp_fail_at(j, line, col, "invalid number");
	return NULL;
}

/* Literal table: true, false, null. */
static const struct { const char *word; enum json_type type; bool b; } jp_literals[] = {
	{ "true", JSON_BOOL, true }, { "false", JSON_BOOL, false }, { "null", JSON_NULL, false },
};

static struct json_value *jp_literal(struct jp *j)
{
	int line = j->line, col = jp_col(j);

	for (size_t i = 0; i < ARRAY_SIZE(jp_literals); i++) {
		size_t n = strlen(jp_literals[i].word);
		struct json_value *v;

		if ((size_t)(j->end - j->p) < n || memcmp(j->p, jp_literals[i].word, n))
			continue;
		if ((size_t)(j->end - j->p) > n && is_alnum(j->p[n]))
			break;
		j->p += n;
		v = jv_new(j, jp_literals[i].type, line, col);
		if (v)
			v->b = jp_literals[i].b;
		return v;
	}
	jp_fail(j, "invalid literal (expected true, false or null)");
	return NULL;
}

static struct json_value *jp_value(struct jp *j);

static bool jp_push_member(struct jp *j, struct json_value *o, int *cap, char *key,
			   struct json_value *val)
{
	if (o->obj.n == *cap) {
		int ncap = *cap ? *cap * 2 : 4;
		struct json_member *m = ncap < INT_MAX / 2 ? realloc(o->obj.m, ncap * sizeof(*m)) : NULL;

		if (!m) {
			jp_fail(j, "out of memory");
			free(key);
			json_free(val);
			return false;
		}
		o->obj.m = m;
		*cap = ncap;
	}
	o->obj.m[o->obj.n++] = (struct json_member){ key, val };
	return true;
}

/* One member "key": value (or a bare "key" with JSON_BARE_KEYS); cursor on the key's '"'. */
static bool jp_member(struct jp *j, struct json_value *o, int *cap)
{
	int line = j->line, col = jp_col(j);
	struct json_value *val;
	size_t klen;
	char *key = jp_string(j, &klen);

	if (!key || !jp_skip(j))
		goto err;
	if (jp_more(j) && *j->p == ':') {
		j->p++;
		val = jp_skip(j) ? jp_value(j) : NULL;
	} else if ((j->flags & JSON_BARE_KEYS) && jp_more(j) && (*j->p == ',' || *j->p == '}')) {
		val = jv_new(j, JSON_NULL, line, col);
	} else {
		jp_fail(j, "expected ':' after object key");
		goto err;
	}
	if (!val)
		goto err;
	return jp_push_member(j, o, cap, key, val);
err:
	free(key);
	return false;
}

/* After ',' in an object or array: true when the container closes here (trailing comma). */
static bool jp_trailing_comma(struct jp *j, char close)
{
	if (!jp_more(j) || *j->p != close)
		return false;
	if (!(j->flags & JSON_RELAXED)) {
		jp_fail(j, "trailing comma not allowed in strict JSON");
		return false;
	}
	j->p++;
	return true;
}

static bool jp_object(struct jp *j, struct json_value *o)
{
	int cap = 0;

	j->p++; /* '{' */
	if (!jp_skip(j))
		return false;
	if (jp_more(j) && *j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		if (!jp_more(j)) {
			jp_fail(j, "unexpected end of input in object");
			return false;
		}
		if (*j->p != '"') {
			jp_fail(j, "expected a string key in object");
			return false;
		}
		if (!jp_member(j, o, &cap) || !jp_skip(j))
			return false;
		if (!jp_more(j)) {
			jp_fail(j, "unexpected end of input: expected ',' or '}' after object member");
			return false;
		}
		if (*j->p == '}') {
			j->p++;
			return true;
		}
		if (*j->p != ',') {
			jp_fail(j, "expected ',' or '}' after object member");
			return false;
		}
		j->p++;
		if (!jp_skip(j))
			return false;
		if (jp_trailing_comma(j, '}'))
			return true;
		if (j->failed)
			return false;
	}
}

static bool jp_push_elem(struct jp *j, struct json_value *a, int *cap, struct json_value *v)
{
	if (a->arr.n == *cap) {
		int ncap = *cap ? *cap * 2 : 4;
		struct json_value **nv = ncap < INT_MAX / 2 ? realloc(a->arr.v, ncap * sizeof(*nv)) : NULL;

		if (!nv) {
			jp_fail(j, "out of memory");
			json_free(v);
			return false;
		}
		a->arr.v = nv;
		*cap = ncap;
	}
	a->arr.v[a->arr.n++] = v;
	return true;
}

static bool jp_array(struct jp *j, struct json_value *a)
{
	int cap = 0;

	j->p++; /* '[' */
	if (!jp_skip(j))
		return false;
	if (jp_more(j) && *j->p == ']') {
		j->p++;
		return true;
	}
	for (;;) {
		struct json_value *v = jp_value(j);

		if (!v || !jp_push_elem(j, a, &cap, v) || !jp_skip(j))
			return false;
		if (!jp_more(j)) {
			jp_fail(j, "unexpected end of input: expected ',' or ']' after array element");
			return false;
		}
		if (*j->p == ']') {
			j->p++;
			return true;
		}
		if (*j->p != ',') {
			jp_fail(j, "expected ',' or ']' after array element");
			return false;
		}
		j->p++;
		if (!jp_skip(j))
			return false;
		if (jp_trailing_comma(j, ']'))
			return true;
		if (j->failed)
			return false;
	}
}

static struct json_value *jp_container(struct jp *j)
{
	bool obj = *j->p == '{', ok;
	struct json_value *v;

	if (j->depth >= JSON_MAX_DEPTH) {
		jp_fail(j, "nesting deeper than %d levels", JSON_MAX_DEPTH);
		return NULL;
	}
	v = jv_new(j, obj ? JSON_OBJECT : JSON_ARRAY, j->line, jp_col(j));
	if (!v)
		return NULL;
	j->depth++;
	ok = obj ? jp_object(j, v) : jp_array(j, v);
	j->depth--;
	if (!ok) {
		json_free(v);
		return NULL;
	}
	return v;
}

static struct json_value *jp_str_value(struct jp *j)
{
	struct json_value *v = jv_new(j, JSON_STRING, j->line, jp_col(j));

	if (!v)
		return NULL;
	v->str.s = jp_string(j, &v->str.len);
	if (!v->str.s) {
		free(v);
		return NULL;
	}
	return v;
}

/* A value at the cursor (whitespace already skipped). */
static struct json_value *jp_value(struct jp *j)
{
	char shown[16];

	if (!jp_more(j)) {
		jp_fail(j, "unexpected end of input: expected a value");
		return NULL;
	}
	switch (*j->p) {
	case '{':
	case '[':
		return jp_container(j);
	case '"':
		return jp_str_value(j);
	case 't':
	case 'f':
	case 'n':
		return jp_literal(j);
	default:
		if (*j->p == '-' || is_digit(*j->p))
			return jp_number(j);
		jp_fail(j, "unexpected character %s: expected a value", jp_show(j, shown, sizeof(shown)));
		return NULL;
	}
}

struct json_value *json_parse(const char *buf, size_t len, int flags, char *err, size_t errlen)
{
	struct jp j = {
		.p = buf, .end = buf + len, .line_start = buf, .line = 1,
		.flags = flags, .err = err, .errlen = errlen,
	};
	struct json_value *root;

	if (err && errlen)
		err[0] = '\0';
	if (!buf) {
		j.p = j.end = j.line_start = "";
	}
	root = jp_skip(&j) ? jp_value(&j) : NULL;
	if (root && jp_skip(&j) && jp_more(&j))
		jp_fail(&j, "unexpected content after the top-level value");
	if (j.failed) {
		json_free(root);
		return NULL;
	}
	return root;
}

void json_free(struct json_value *v)
{
	if (!v)
		return;
	switch (v->type) {
	case JSON_STRING:
		free(v->str.s);
		break;
	case JSON_ARRAY:
		for (int i = 0; i < v->arr.n; i++)
			json_free(v->arr.v[i]);
		free(v->arr.v);
		break;
	case JSON_OBJECT:
		for (int i = 0; i < v->obj.n; i++) {
			free(v->obj.m[i].key);
			json_free(v->obj.m[i].val);
		}
		free(v->obj.m);
		break;
	default:
		break;
	}
	free(v);
}

struct json_value *json_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (int i = 0; i < obj->obj.n; i++)
		if (!strcmp(obj->obj.m[i].key, key))
			return obj->obj.m[i].val;
	return NULL;
}

int json_count(const struct json_value *obj, const char *key)
{
	int n = 0;

	if (!obj || obj->type != JSON_OBJECT)
		return 0;
	for (int i = 0; i < obj->obj.n; i++)
		n += !strcmp(obj->obj.m[i].key, key);
	return n;
}

static int member_cmp(const void *a, const void *b)
{
	const struct json_member *x = *(const struct json_member *const *)a;
	const struct json_member *y = *(const struct json_member *const *)b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x > y) - (x < y); /* members are contiguous: address = file order */
}

int json_index_init(struct json_index *ix, const struct json_value *obj)
{
	ix->m = NULL;
	ix->n = 0;
	if (!obj || obj->type != JSON_OBJECT || !obj->obj.n)
		return 0;
	ix->m = malloc(obj->obj.n * sizeof(*ix->m));
	if (!ix->m)
		return -ENOMEM;
	for (int i = 0; i < obj->obj.n; i++)
		ix->m[i] = &obj->obj.m[i];
	ix->n = obj->obj.n;
	qsort(ix->m, ix->n, sizeof(*ix->m), member_cmp);
	return 0;
}

const struct json_value *json_index_get(const struct json_index *ix, const char *key)
{
	int lo = 0, hi = ix->n; /* first position whose key is >= key */

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (strcmp(ix->m[mid]->key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && !strcmp(ix->m[lo]->key, key) ? ix->m[lo]->val : NULL;
}

void json_index_free(struct json_index *ix)
{
	if (!ix)
		return;
	free(ix->m);
	ix->m = NULL;
	ix->n = 0;
}

static int json_first_dup_slow(const struct json_value *obj)
{
	for (int i = 1; i < obj->obj.n; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(obj->obj.m[i].key, obj->obj.m[j].key))
				return i;
	return -1;
}

int json_first_dup(const struct json_value *obj)
{
	struct json_index ix;
	int first = -1;

	if (!obj || obj->type != JSON_OBJECT || obj->obj.n < 2)
		return -1;
	if (json_index_init(&ix, obj))
		return json_first_dup_slow(obj);
	/* Within a run of equal keys members are in file order: the run's second member is the
	 * key's first repeat; the answer is the earliest of those. */
	for (int i = 1; i < ix.n; i++) {
		int idx = (int)(ix.m[i] - obj->obj.m);

		if (!strcmp(ix.m[i]->key, ix.m[i - 1]->key) &&
		    (i < 2 || strcmp(ix.m[i]->key, ix.m[i - 2]->key)) && (first < 0 || idx < first))
			first = idx;
	}
	json_index_free(&ix);
	return first;
}

static const char *const json_type_names[] = {
	[JSON_NULL] = "null", [JSON_BOOL] = "boolean", [JSON_NUMBER] = "number",
	[JSON_STRING] = "string", [JSON_ARRAY] = "array", [JSON_OBJECT] = "object",
};

const char *json_type_name(enum json_type t)
{
	if ((unsigned)t >= ARRAY_SIZE(json_type_names))
		return "unknown";
	return json_type_names[t];
}

const char *json_value_kind(const struct json_value *v)
{
	if (!v)
		return "nothing";
	if (v->type == JSON_NUMBER)
		return v->num.is_int ? "integer" : "number";
	return json_type_name(v->type);
}
