/*
 * json_write.h — a streaming JSON writer with stable, readable formatting (2-space indent,
 * members in the order written). Used for the result JSON and traces; output order is exactly
 * the call order, so deterministic callers give byte-identical files.
 */
#ifndef SCXSIM_JSON_WRITE_H
#define SCXSIM_JSON_WRITE_H

#include <stdio.h>
#include "scxsim/types.h"

struct jw {
	FILE *f;
	int depth;
	bool first[64];   /* per nesting level: no member written yet */
	bool compact;     /* one line, no indentation (large traces) */
	bool pending_key; /* a key was written; the value follows on the same line */
};

void jw_init(struct jw *w, FILE *f, bool compact);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);
void jw_int(struct jw *w, s64 v);
void jw_uint(struct jw *w, u64 v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* key + value shorthands */
void jw_kstr(struct jw *w, const char *k, const char *s);
void jw_kint(struct jw *w, const char *k, s64 v);
void jw_kuint(struct jw *w, const char *k, u64 v);
void jw_kdouble(struct jw *w, const char *k, double v);
void jw_kbool(struct jw *w, const char *k, bool v);

#endif
