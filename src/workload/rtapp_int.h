/*
 * rtapp_int.h — state shared by the rt-app reader (rtapp.c) and its translation of the legacy
 * grammar (rtapp_legacy.c): the parse context and the helpers that check a value and report an
 * error naming file, task, phase, key and position.
 */
#ifndef SCXSIM_RTAPP_INT_H
#define SCXSIM_RTAPP_INT_H

#include "scxsim/json.h"
#include "workload_int.h"

struct rt_ctx {
	const char *file;                 /* name used in messages */
	struct workload *w;               /* being built */
	char *err;                        /* message buffer */
	size_t errlen;
	const char *task;                 /* task being read, or NULL */
	const char *phase;                /* phase being read, or NULL */
	const struct json_value *resources; /* top-level "resources" (legacy declarations) */
	struct json_index decl;           /* index of resources, for legacy lookups */
	struct wl_res_index rix;          /* resources of w by name */
	long threads;                     /* thread instances so far */
	bool legacy_used;                 /* some object used the legacy grammar */
};

/*
 * Report "FILE: task 'T': phase 'P': MESSAGE (line L, col C)" (parts omitted when unknown;
 * the position is v's). Returns -EINVAL.
 */
__attribute__((format(printf, 3, 4)))
int rtapp_fail(struct rt_ctx *c, const struct json_value *v, const char *fmt, ...);
int rtapp_oom(struct rt_ctx *c);

/* v must be an integer in [min, max]; messages name key. */
int rtapp_int(struct rt_ctx *c, const char *key, const struct json_value *v, s64 min, s64 max,
	   s64 *out);
/* v must be a non-negative integer count of microseconds; *ns = v * 1000. */
int rtapp_usec(struct rt_ctx *c, const char *key, const struct json_value *v, u64 *ns);
/* v must be a non-empty string that fits a resource name. */
int rtapp_res_name(struct rt_ctx *c, const char *key, const struct json_value *v, const char **out);
/* Resource index of name as kind (created on first use), or a reported error. */
int rtapp_res(struct rt_ctx *c, const char *key, const struct json_value *at, const char *name,
	   enum wl_res_kind kind);
int rtapp_ev(struct rt_ctx *c, struct wl_phase *p, enum wl_ev_kind kind, u64 ns, int res, int res2,
	  u32 arg);

/* Legacy grammar (exec/period/lock_order/resources): is obj written in it? */
bool rtapp_is_legacy(const struct json_value *obj);
/* Is key one of the legacy grammar's keys? */
bool rtapp_legacy_key(const char *key, const struct json_value *v);
/* Translate legacy obj into events of p (see docs/workload.md). */
int rtapp_legacy_phase(struct rt_ctx *c, const struct json_value *obj, struct wl_phase *p);

#endif
