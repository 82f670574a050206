/*
 * tracefs.c — record a command's scheduling on the real kernel.
 *
 * Uses a private tracefs instance (instances/scxsim-PID), so the global buffer and anyone
 * else's tracing are left alone: size its per-CPU buffer, select the `local` clock, enable the
 * seven sched events, turn tracing on, fork the command (so its fork is in the trace; the child
 * waits on a pipe until the parent is ready, then execs), wait for it, stop tracing, read the
 * per-CPU overrun/dropped counters and the `trace` text, and remove the instance — on every
 * path, errors included.
 * The text returned starts with "# scxsim-record:" lines (root pid, command, overrun, dropped)
 * that rec_trace_parse reads back, so a saved raw trace is self-describing.
 *
 * Needs root and tracefs; each missing piece is reported with the command that provides it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "scxsim/record.h"

#define DEFAULT_BUFFER_KB 32768

static const char *const sched_events[] = {
	"sched_switch", "sched_wakeup", "sched_wakeup_new", "sched_waking",
	"sched_migrate_task", "sched_process_fork", "sched_process_exit",
};

struct live {
	char root[256];   /* tracefs mount point */
	char inst[320];   /* our instance directory, "" until created */
	char *err;
	size_t errlen;
};

static int file_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int inst_write(struct live *l, const char *rel, const char *s)
{
	char path[512];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", l->inst, rel);
	rc = file_write(path, s);
	if (rc)
		snprintf(l->err, l->errlen, "tracefs: writing '%s' to %s: %s", s, path, strerror(-rc));
	return rc;
}

static int inst_read(struct live *l, const char *rel, char **buf, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", l->inst, rel);
	return rec_read_file(path, buf, len, l->err, l->errlen);
}

/* Find (or mount) tracefs. */
static int live_tracefs(struct live *l, const char *want)
{
	char probe[300];

	snprintf(l->root, sizeof(l->root), "%s", want ? want : "/sys/kernel/tracing");
	snprintf(probe, sizeof(probe), "%s/instances", l->root);
	if (!access(probe, F_OK))
		return 0;
	if (!want && !mount("nodev", l->root, "tracefs", 0, NULL) && !access(probe, F_OK))
		return 0;
	snprintf(l->err, l->errlen, "tracefs is not available at %s (%s): mount it with "
		 "`mount -t tracefs nodev %s` (the kernel needs CONFIG_FTRACE)", l->root,
		 strerror(errno), l->root);
	return -ENODEV;
}

static int live_instance(struct live *l, u32 buffer_kb)
{
	char kb[32], rel[128];
	int rc;

	snprintf(l->inst, sizeof(l->inst), "%s/instances/scxsim-%d", l->root, (int)getpid());
	if (mkdir(l->inst, 0700) && errno != EEXIST) {
		rc = -errno;
		snprintf(l->err, l->errlen, "tracefs: cannot create instance %s: %s", l->inst,
			 strerror(errno));
		l->inst[0] = '\0';
		return rc;
	}
	snprintf(kb, sizeof(kb), "%u", buffer_kb ? buffer_kb : DEFAULT_BUFFER_KB);
	rc = inst_write(l, "tracing_on", "0");
	rc = rc ?: inst_write(l, "buffer_size_kb", kb);
	rc = rc ?: inst_write(l, "trace_clock", "local");
	rc = rc ?: inst_write(l, "trace", "");
	for (size_t i = 0; i < ARRAY_SIZE(sched_events) && !rc; i++) {
		snprintf(rel, sizeof(rel), "events/sched/%s/enable", sched_events[i]);
		rc = inst_write(l, rel, "1");
		if (rc == -ENOENT) {
			snprintf(l->err, l->errlen, "tracefs: the kernel has no %s event "
				 "(needs CONFIG_SCHED_TRACER / tracepoints)", sched_events[i]);
		}
	}
	return rc;
}

static void live_cleanup(struct live *l)
{
	char path[512];

	if (!l->inst[0])
		return;
	snprintf(path, sizeof(path), "%s/tracing_on", l->inst);
	file_write(path, "0");
	rmdir(l->inst);
	l->inst[0] = '\0';
}

/* Fork argv held on a pipe; returns the pid, the write end in *go. exec errors via *ex. */
static pid_t live_spawn(char *const *argv, int *go, int *ex)
{
	int hold[2], exe[2];
	pid_t pid;

	if (pipe2(hold, O_CLOEXEC))
		return -errno;
	if (pipe2(exe, O_CLOEXEC)) {
		close(hold[0]);
		close(hold[1]);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		char c;
		int e;
		close(hold[1]);
		close(exe[0]);
		if (read(hold[0], &c, 1) != 1)
			_exit(126);
		signal(SIGINT, SIG_DFL);
		execvp(argv[0], argv);
		e = errno;
		if (write(exe[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(hold[0]);
	close(exe[1]);
	if (pid < 0) {
		pid = -errno;
		close(hold[1]);
		close(exe[0]);
		return pid;
	}
	*go = hold[1];
	*ex = exe[0];
	return pid;
}

/* Start tracing, fork the child (so its fork is recorded), release it, wait, stop tracing. */
static int live_run(struct live *l, char *const *argv, pid_t *root, int *status)
{
	int go = -1, ex = -1, e = 0, rc;
	pid_t pid;
	void (*old_int)(int);

	rc = inst_write(l, "tracing_on", "1");
	if (rc)
		return rc;
	pid = live_spawn(argv, &go, &ex);
	if (pid < 0) {
		inst_write(l, "tracing_on", "0");
		snprintf(l->err, l->errlen, "record: cannot fork: %s", strerror((int)-pid));
		return (int)pid;
	}
	*root = pid;
	old_int = signal(SIGINT, SIG_IGN);       /* ^C stops the command, not the recorder */
	if (write(go, "g", 1) != 1)
		rc = -errno;
	close(go);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	inst_write(l, "tracing_on", "0");
	signal(SIGINT, old_int);
	if (read(ex, &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		snprintf(l->err, l->errlen, "record: cannot run '%s': %s", argv[0], strerror(e));
		rc = -e;
	}
	close(ex);
	return rc;
}

/* Sum "overrun:" and "dropped events:" over the per-CPU stats files. */
static void live_stats(struct live *l, int nr_cpus, u64 *overrun, u64 *dropped)
{
	*overrun = *dropped = 0;
	for (int c = 0; c < nr_cpus; c++) {
		char rel[64], *buf, *p;
		size_t len;
		snprintf(rel, sizeof(rel), "per_cpu/cpu%d/stats", c);
		if (inst_read(l, rel, &buf, &len))
			continue;
		if ((p = strstr(buf, "\noverrun: ")) || (p = strstr(buf, "overrun: ")))
			*overrun += strtoull(strchr(p, ':') + 1, NULL, 10);
		if ((p = strstr(buf, "dropped events: ")))
			*dropped += strtoull(p + 16, NULL, 10);
		free(buf);
	}
}

static void join_argv(char *const *argv, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; argv[i] && used + 1 < n; i++) {
		int w = snprintf(buf + used, n - used, "%s%s", i ? " " : "", argv[i]);
		if (w < 0)
			break;
		used += MIN((size_t)w, n - used - 1);
	}
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* Header lines + trace text into one buffer. */
static int live_collect(struct live *l, char *const *argv, pid_t root, char **text, size_t *len)
{
	char head[1024], cmd[600], *trace;
	size_t tlen;
	u64 overrun, dropped;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	int rc, hl;

	live_stats(l, ncpu > 0 ? (int)ncpu : 1, &overrun, &dropped);
	rc = inst_read(l, "trace", &trace, &tlen);
	if (rc)
		return rc;
	join_argv(argv, cmd, sizeof(cmd));
	hl = snprintf(head, sizeof(head), "# scxsim-record: root_pid=%d\n# scxsim-record: "
		      "command=%s\n# scxsim-record: overrun=%llu\n# scxsim-record: dropped=%llu\n",
		      (int)root, cmd, (unsigned long long)overrun, (unsigned long long)dropped);
	hl = MIN(hl, (int)sizeof(head) - 1);
	*text = malloc((size_t)hl + tlen + 1);
	if (!*text) {
		free(trace);
		snprintf(l->err, l->errlen, "record: out of memory");
		return -ENOMEM;
	}
	memcpy(*text, head, (size_t)hl);
	memcpy(*text + hl, trace, tlen + 1);
	*len = (size_t)hl + tlen;
	free(trace);
	return 0;
}

int rec_live_record(const struct rec_live_opts *o, char **text, size_t *len, int *status,
		    char *err, size_t errlen)
{
	struct live l = { .err = err, .errlen = errlen };
	pid_t root = 0;
	int rc;

	*text = NULL;
	*len = 0;
	*status = 0;
	if (!o->argv || !o->argv[0]) {
		snprintf(err, errlen, "record: no command given");
		return -EINVAL;
	}
	if (geteuid() != 0) {
		snprintf(err, errlen, "record: needs root to control tracefs: run it as root "
			 "(e.g. `sudo scxsim record ...`), or use --from-trace on a saved trace");
		return -EPERM;
	}
	rc = live_tracefs(&l, o->tracefs);
	rc = rc ?: live_instance(&l, o->buffer_kb);
	rc = rc ?: live_run(&l, o->argv, &root, status);
	rc = rc ?: live_collect(&l, o->argv, root, text, len);
	live_cleanup(&l);
	return rc;
}
