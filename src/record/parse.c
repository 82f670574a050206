/*
 * parse.c — tracefs `trace` text -> struct rec_trace.
 *
 * A line is "COMM-PID [CPU] FLAGS SECS.USECS: EVENT: FIELDS". COMM may hold spaces, dashes and
 * brackets, so the head is found by trying each '[' until the whole head pattern fits; the
 * fields are read with a per-event template (a table), a comm value ending where the next key
 * of the template starts. Header comments give the CPU count, the entries written vs kept
 * (events lost by overwrite) and the recorder's own "# scxsim-record: key=value" lines.
 *
 * Invariants: nothing in the input can crash the parser; a line that does not fit is counted in
 * nr_malformed and skipped; events keep file order; every number is range-checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "scxsim/record.h"

enum fkind { F_COMM, F_INT, F_TOK, F_LIT };
enum fslot { S_NONE, S_COMM, S_COMM2, S_PID, S_PID2, S_PRIO, S_PRIO2, S_CPU2, S_CPU3, S_STATE };

struct field_spec {
	const char *key;  /* "key" of "key=value", or the literal itself for F_LIT */
	u8 kind;          /* enum fkind */
	u8 slot;          /* enum fslot */
};

#define WAKE_SPEC { { "comm", F_COMM, S_COMM }, { "pid", F_INT, S_PID }, \
		    { "prio", F_INT, S_PRIO }, { "target_cpu", F_INT, S_CPU2 }, { NULL, 0, 0 } }

static const struct field_spec switch_spec[] = {
	{ "prev_comm", F_COMM, S_COMM }, { "prev_pid", F_INT, S_PID },
	{ "prev_prio", F_INT, S_PRIO }, { "prev_state", F_TOK, S_STATE },
	{ "==>", F_LIT, S_NONE }, { "next_comm", F_COMM, S_COMM2 },
	{ "next_pid", F_INT, S_PID2 }, { "next_prio", F_INT, S_PRIO2 }, { NULL, 0, 0 },
};
static const struct field_spec wake_spec[] = WAKE_SPEC;
static const struct field_spec migrate_spec[] = {
	{ "comm", F_COMM, S_COMM }, { "pid", F_INT, S_PID }, { "prio", F_INT, S_PRIO },
	{ "orig_cpu", F_INT, S_CPU2 }, { "dest_cpu", F_INT, S_CPU3 }, { NULL, 0, 0 },
};
static const struct field_spec fork_spec[] = {
	{ "comm", F_COMM, S_COMM }, { "pid", F_INT, S_PID },
	{ "child_comm", F_COMM, S_COMM2 }, { "child_pid", F_INT, S_PID2 }, { NULL, 0, 0 },
};
static const struct field_spec exit_spec[] = {
	{ "comm", F_COMM, S_COMM }, { "pid", F_INT, S_PID }, { "prio", F_INT, S_PRIO },
	{ NULL, 0, 0 },
};

static const struct {
	const char *name;
	enum rec_ev_type type;
	const struct field_spec *spec;
} ev_table[] = {
	{ "sched_switch", REC_EV_SWITCH, switch_spec },
	{ "sched_waking", REC_EV_WAKING, wake_spec },
	{ "sched_wakeup", REC_EV_WAKEUP, wake_spec },
	{ "sched_wakeup_new", REC_EV_WAKEUP_NEW, wake_spec },
	{ "sched_migrate_task", REC_EV_MIGRATE, migrate_spec },
	{ "sched_process_fork", REC_EV_FORK, fork_spec },
	{ "sched_process_exit", REC_EV_EXIT, exit_spec },
};

const char *rec_ev_type_name(enum rec_ev_type t)
{
	for (size_t i = 0; i < ARRAY_SIZE(ev_table); i++)
		if (ev_table[i].type == t)
			return ev_table[i].name;
	return "?";
}

/* A line as [s, e): no NUL inside is assumed, every scan is bounded by e. */
struct span { const char *s, *e; };

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Parse an int at *p (optional '-'), bounded by e; advances *p. */
static bool scan_int(const char **p, const char *e, s64 lo, s64 hi, s64 *out)
{
	const char *q = *p;
	bool neg = false;
	s64 v = 0;

	if (q < e && *q == '-') {
		neg = true;
		q++;
	}
	if (q >= e || !is_digit(*q))
		return false;
	while (q < e && is_digit(*q)) {
		v = v * 10 + (*q++ - '0');
		if (v > (s64)1 << 40)
			return false;
	}
	v = neg ? -v : v;
	if (v < lo || v > hi)
		return false;
	*p = q;
	*out = v;
	return true;
}

static const char *skip_spaces(const char *p, const char *e)
{
	while (p < e && *p == ' ')
		p++;
	return p;
}

/* "SECS.FRAC:" -> ns; advances *p past the colon. */
static bool scan_ts(const char **p, const char *e, u64 *ns)
{
	const char *q = *p;
	s64 sec;
	u64 frac = 0;
	int nd = 0;

	if (!scan_int(&q, e, 0, (s64)1 << 33, &sec) || q >= e || *q != '.')
		return false;
	for (q++; q < e && is_digit(*q); q++, nd++)
		if (nd < 9)
			frac = frac * 10 + (*q - '0');
	if (nd == 0 || q >= e || *q != ':')
		return false;
	for (int i = nd; i < 9; i++)
		frac *= 10;
	*ns = (u64)sec * NSEC_PER_SEC + frac;
	*p = q + 1;
	return true;
}

static void copy_comm(char *dst, const char *s, const char *e)
{
	size_t n = MIN((size_t)(e - s), (size_t)REC_COMM_LEN - 1);

	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Context "COMM-PID" ending at e (trailing spaces allowed). */
static bool parse_ctx(const char *s, const char *e, struct rec_event *ev)
{
	const char *q = e;
	s64 pid;

	while (q > s && q[-1] == ' ')
		q--;
	const char *end = q;
	while (q > s && is_digit(q[-1]))
		q--;
	if (q == end || q == s || q[-1] != '-')
		return false;
	const char *d = q;
	if (!scan_int(&d, end, 0, INT_MAX, &pid) || d != end)
		return false;
	ev->ctx_pid = (s32)pid;
	return true;
}

/* "[CPU] FLAGS TS: NAME: " starting at the '[' in p; fills ev and returns the event name span. */
static bool parse_head_at(const char *p, const char *e, struct rec_event *ev, struct span *name,
			  const char **fields)
{
	const char *q = p + 1;
	s64 cpu;

	if (!scan_int(&q, e, 0, 4095, &cpu) || q >= e || *q != ']')
		return false;
	ev->cpu = (s32)cpu;
	q = skip_spaces(q + 1, e);
	ev->ctx_irq = '.';
	if (!scan_ts(&q, e, &ev->ts_ns)) {        /* a flags column comes first */
		const char *f = q;
		while (q < e && *q != ' ')
			q++;
		if (q - f < 3 || q - f > 8)
			return false;
		ev->ctx_irq = f[2];
		q = skip_spaces(q, e);
		if (!scan_ts(&q, e, &ev->ts_ns))
			return false;
	}
	if (q >= e || *q != ' ')
		return false;
	name->s = ++q;
	while (q < e && ((*q >= 'a' && *q <= 'z') || is_digit(*q) || *q == '_'))
		q++;
	if (q == name->s || q >= e || *q != ':')
		return false;
	name->e = q;
	*fields = q + 1 < e ? q + 2 : e;
	return true;
}

static bool field_set_int(struct rec_event *ev, u8 slot, s64 v)
{
	switch (slot) {
	case S_PID: ev->pid = (s32)v; break;
	case S_PID2: ev->pid2 = (s32)v; break;
	case S_PRIO: ev->prio = (s32)v; break;
	case S_PRIO2: ev->prio2 = (s32)v; break;
	case S_CPU2: ev->cpu2 = (s32)v; break;
	case S_CPU3: ev->cpu3 = (s32)v; break;
	default: return false;
	}
	return true;
}

/* Where "key=" of spec item sp starts at or after p (preceded by a space), or NULL. */
static const char *find_key(const char *p, const char *e, const char *key)
{
	size_t kl = strlen(key);

	for (const char *q = p; q + kl + 1 <= e; q++)
		if (q[-1] == ' ' && !memcmp(q, key, kl) && q[kl] == '=')
			return q;
	return NULL;
}

static bool parse_field(const char **pp, const char *e, const struct field_spec *sp,
			struct rec_event *ev)
{
	const char *p = *pp;
	size_t kl = strlen(sp->key);

	if (sp->kind == F_LIT) {
		if ((size_t)(e - p) < kl || memcmp(p, sp->key, kl))
			return false;
		*pp = skip_spaces(p + kl, e);
		return true;
	}
	if ((size_t)(e - p) <= kl || memcmp(p, sp->key, kl) || p[kl] != '=')
		return false;
	p += kl + 1;
	if (sp->kind == F_INT) {
		s64 v;
		if (!scan_int(&p, e, INT_MIN, INT_MAX, &v) || (p < e && *p != ' '))
			return false;
		field_set_int(ev, sp->slot, v);
		*pp = skip_spaces(p, e);
		return true;
	}
	const char *v = p, *ve;
	if (sp->kind == F_COMM) {
		/* the comm ends where the next key starts ("... ==>" for prev_comm never) */
		const char *next = sp[1].key ? find_key(p + 1, e, sp[1].key) : e;
		if (!next)
			return false;
		ve = next == e ? e : next - 1;
		copy_comm(sp->slot == S_COMM ? ev->comm : ev->comm2, v, ve);
		*pp = next;
		return true;
	}
	while (p < e && *p != ' ')
		p++;
	ve = p;
	if (ve == v)
		return false;
	size_t n = MIN((size_t)(ve - v), sizeof(ev->state) - 1);
	memcpy(ev->state, v, n);
	ev->state[n] = '\0';
	*pp = skip_spaces(p, e);
	return true;
}

static bool parse_fields(const char *p, const char *e, const struct field_spec *spec,
			 struct rec_event *ev)
{
	for (const struct field_spec *sp = spec; sp->key; sp++)
		if (!parse_field(&p, e, sp, ev))
			return false;
	return true;
}

/* 1 = event parsed, 0 = well-formed event of another type, -1 = malformed. */
static int parse_event_line(const char *s, const char *e, struct rec_event *ev)
{
	for (const char *p = s; p < e; p++) {
		struct span name;
		const char *fields;

		if (*p != '[' || p == s)
			continue;
		*ev = (struct rec_event){ 0 };
		if (!parse_head_at(p, e, ev, &name, &fields) || !parse_ctx(s, p, ev))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(ev_table); i++) {
			if (strlen(ev_table[i].name) != (size_t)(name.e - name.s) ||
			    memcmp(ev_table[i].name, name.s, name.e - name.s))
				continue;
			ev->type = ev_table[i].type;
			return parse_fields(fields, e, ev_table[i].spec, ev) ? 1 : -1;
		}
		return 0;
	}
	return -1;
}

static bool has_prefix(const char *s, const char *e, const char *pfx)
{
	size_t n = strlen(pfx);

	return (size_t)(e - s) >= n && !memcmp(s, pfx, n);
}

/* Whether the line [s, e) contains needle (the buffer need not be NUL-terminated, and a match
 * must not run into the next line). */
static bool span_has(const char *s, const char *e, const char *needle)
{
	size_t n = strlen(needle);

	for (; (size_t)(e - s) >= n; s++)
		if (!memcmp(s, needle, n))
			return true;
	return false;
}

/* "# scxsim-record: key=value" */
static void parse_record_header(struct rec_trace *t, const char *s, const char *e)
{
	const char *p = s + strlen("# scxsim-record: ");
	s64 v;

	if (has_prefix(p, e, "command=")) {
		size_t n = MIN((size_t)(e - p) - 8, sizeof(t->command) - 1);
		memcpy(t->command, p + 8, n);
		t->command[n] = '\0';
		return;
	}
	static const struct { const char *key; size_t off; } keys[] = {
		{ "root_pid=", 0 }, { "overrun=", 1 }, { "dropped=", 2 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (!has_prefix(p, e, keys[i].key))
			continue;
		p += strlen(keys[i].key);
		if (!scan_int(&p, e, 0, (s64)1 << 40, &v))
			return;
		if (i == 0)
			t->root_pid = (int)MIN(v, (s64)INT_MAX);
		else if (i == 1)
			t->overruns += (u64)v;
		else
			t->dropped += (u64)v;
	}
}

/* "# entries-in-buffer/entries-written: 197/197   #P:2" */
static void parse_entries_header(struct rec_trace *t, const char *s, const char *e)
{
	const char *p = s + strlen("# entries-in-buffer/entries-written: ");
	s64 in, written, ncpu;

	if (!scan_int(&p, e, 0, (s64)1 << 40, &in) || p >= e || *p != '/')
		return;
	p++;
	if (!scan_int(&p, e, 0, (s64)1 << 40, &written))
		return;
	if (written > in)
		t->lost_events += (u64)(written - in);
	p = skip_spaces(p, e);
	if (has_prefix(p, e, "#P:")) {
		p += 3;
		if (scan_int(&p, e, 1, 4096, &ncpu))
			t->nr_cpus = MAX(t->nr_cpus, (int)ncpu);
	}
}

static void parse_comment(struct rec_trace *t, const char *s, const char *e)
{
	if (has_prefix(s, e, "# scxsim-record: "))
		parse_record_header(t, s, e);
	else if (has_prefix(s, e, "# entries-in-buffer/entries-written: "))
		parse_entries_header(t, s, e);
	else if (has_prefix(s, e, "##### CPU ") && span_has(s, e, "buffer started"))
		t->late_start = true;
}

/* "CPU:1 [LOST 123 EVENTS]" */
static bool parse_lost(struct rec_trace *t, const char *s, const char *e)
{
	const char *p = skip_spaces(s, e);
	s64 cpu, n;

	if (!has_prefix(p, e, "CPU:"))
		return false;
	p += 4;
	if (!scan_int(&p, e, 0, 4095, &cpu) || !has_prefix(p, e, " [LOST "))
		return false;
	p += 7;
	if (!scan_int(&p, e, 0, (s64)1 << 40, &n) || !has_prefix(p, e, " EVENTS]"))
		return false;
	t->lost_events += (u64)n;
	return true;
}

static int trace_push(struct rec_trace *t, const struct rec_event *ev)
{
	if (t->nr_ev == t->cap_ev) {
		int cap = t->cap_ev ? t->cap_ev * 2 : 1024;
		struct rec_event *n = realloc(t->ev, (size_t)cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->ev = n;
		t->cap_ev = cap;
	}
	t->ev[t->nr_ev++] = *ev;
	return 0;
}

static int parse_line(struct rec_trace *t, const char *s, const char *e, u32 lineno)
{
	struct rec_event ev;
	int r;

	while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (s == e)
		return 0;
	if (*s == '#') {
		parse_comment(t, s, e);
		return 0;
	}
	if (parse_lost(t, s, e))
		return 0;
	r = parse_event_line(s, e, &ev);
	if (r < 0) {
		if (!t->nr_malformed++)
			t->first_malformed = lineno;
		return 0;
	}
	if (r == 0) {
		t->nr_other++;
		return 0;
	}
	ev.line = lineno;
	t->nr_cpus = MAX(t->nr_cpus, ev.cpu + 1);
	return trace_push(t, &ev);
}

int rec_trace_parse(const char *name, const char *buf, size_t len, struct rec_trace **out,
		    char *err, size_t errlen)
{
	struct rec_trace *t = calloc(1, sizeof(*t));
	const char *p = buf, *end = buf + len;
	u32 lineno = 0;
	int rc = 0;

	*out = NULL;
	if (!t)
		goto nomem;
	snprintf(t->name, sizeof(t->name), "%s", name ? name : "trace");
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', end - p);
		const char *le = nl ? nl : end;
		rc = parse_line(t, p, le, ++lineno);
		p = nl ? nl + 1 : end;
	}
	t->nr_lines = lineno;
	if (rc)
		goto nomem;
	*out = t;
	return 0;
nomem:
	rec_trace_free(t);
	snprintf(err, errlen, "%s: out of memory", name ? name : "trace");
	return -ENOMEM;
}

void rec_trace_free(struct rec_trace *t)
{
	if (!t)
		return;
	free(t->ev);
	free(t);
}

static bool ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && !strcmp(s + n - m, sfx);
}

/* Read everything from fd into a growing NUL-terminated buffer. */
static int read_all(int fd, char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);

	if (!b)
		return -ENOMEM;
	for (;;) {
		if (cap - n < 4096) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;
			free(b);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* gzip -dc PATH, read through a pipe. */
static int read_gzip(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	int fds[2], status = 0, rc;
	pid_t pid;

	if (pipe(fds))
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp("gzip", "gzip", "-dc", "--", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	rc = read_all(fds[0], buf, len);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!rc && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		free(*buf);
		*buf = NULL;
		snprintf(err, errlen, "%s: gzip -dc failed (%s)", path,
			 WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
			 "gzip not found: apt-get install gzip" : "not a valid .gz file");
		return -EINVAL;
	}
	if (rc)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	return rc;
}

int rec_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	int fd, rc;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (ends_with(path, ".gz")) {
		close(fd);
		return read_gzip(path, buf, len, err, errlen);
	}
	rc = read_all(fd, buf, len);
	close(fd);
	if (rc)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	return rc;
}

int rec_trace_load(const char *path, struct rec_trace **out, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	rc = rec_read_file(path, &buf, &len, err, errlen);
	rc = rc ?: rec_trace_parse(path, buf, len, out, err, errlen);
	free(buf);
	return rc;
}
