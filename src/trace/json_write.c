/*
 * json_write.c — see json_write.h. Strings are escaped per RFC 8259 (control characters as
 * \u00XX); doubles are printed with %.17g-free fixed precision so output is stable.
 */
#include <math.h>
#include "scxsim/json_write.h"

void jw_init(struct jw *w, FILE *f, bool compact)
{
	*w = (struct jw){ .f = f, .compact = compact };
	w->first[0] = true;
}

static void jw_newline(struct jw *w)
{
	if (w->compact)
		return;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Separator and indentation before a value or key at the current level. */
static void jw_pre(struct jw *w)
{
	if (w->pending_key) {
		w->pending_key = false;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth])
			fputc(',', w->f);
		jw_newline(w);
	}
	w->first[w->depth] = false;
}

static void jw_open(struct jw *w, char c)
{
	jw_pre(w);
	fputc(c, w->f);
	if (w->depth < 63)
		w->depth++;
	w->first[w->depth] = true;
}

static void jw_close(struct jw *w, char c)
{
	bool empty = w->first[w->depth];

	w->depth--;
	if (!empty)
		jw_newline(w);
	fputc(c, w->f);
	if (w->depth == 0)
		fputc('\n', w->f);
}

void jw_obj_begin(struct jw *w) { jw_open(w, '{'); }
void jw_obj_end(struct jw *w) { jw_close(w, '}'); }
void jw_arr_begin(struct jw *w) { jw_open(w, '['); }
void jw_arr_end(struct jw *w) { jw_close(w, ']'); }

static void jw_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void jw_key(struct jw *w, const char *key)
{
	jw_pre(w);
	jw_escaped(w->f, key);
	fputs(w->compact ? ":" : ": ", w->f);
	w->pending_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	jw_pre(w);
	jw_escaped(w->f, s ? s : "");
}

void jw_int(struct jw *w, s64 v)
{
	jw_pre(w);
	fprintf(w->f, "%lld", (long long)v);
}

void jw_uint(struct jw *w, u64 v)
{
	jw_pre(w);
	fprintf(w->f, "%llu", (unsigned long long)v);
}

void jw_double(struct jw *w, double v)
{
	jw_pre(w);
	if (!isfinite(v))
		fputs("null", w->f);
	else
		fprintf(w->f, "%.6f", v);
}

void jw_bool(struct jw *w, bool v)
{
	jw_pre(w);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w)
{
	jw_pre(w);
	fputs("null", w->f);
}

void jw_kstr(struct jw *w, const char *k, const char *s) { jw_key(w, k); jw_str(w, s); }
void jw_kint(struct jw *w, const char *k, s64 v) { jw_key(w, k); jw_int(w, v); }
void jw_kuint(struct jw *w, const char *k, u64 v) { jw_key(w, k); jw_uint(w, v); }
void jw_kdouble(struct jw *w, const char *k, double v) { jw_key(w, k); jw_double(w, v); }
void jw_kbool(struct jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }
