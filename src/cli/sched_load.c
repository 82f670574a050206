/*
 * sched_load.c — `--sched` for the run command: turns a scheduler spec into a BPF scheduler
 * attached to a machine.
 *   FILE.bpf.o[:knob=v,...]   a compiled scheduler (any path containing '/' or ending in .o)
 *   FILE.bpf.o@VAR[:...]      the same, using its sched_ext_ops variable VAR (an object may
 *                             define several; the first is the default)
 *   NAME[:knob=v,...]         a built example: DIR/scheds/NAME.bpf.o, DIR being the directory
 *                             of the running binary (/proc/self/exe), i.e. build/scheds/;
 *                             $SCXSIM_SCHEDS_DIR/NAME.bpf.o when that is set
 * The machine owns the runtime (machine_own): machine_destroy(m) frees it.
 *
 * Errors: -errno, with one line in err naming the spec, the file and the stage's reason (the
 * loader's and the runtime's messages name section, program, knob or kfunc).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "ebpf/runtime/rt_int.h"
#include "scxsim/bpf_sched.h"
#include "scxsim/bpf_verifier.h"
#include "scxsim/machine.h"

/* Directory of the running binary, or -errno. */
static int exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

static bool is_file(const char *what, size_t len)
{
	return memchr(what, '/', len) || (len >= 2 && !memcmp(what + len - 2, ".o", 2));
}

static bool name_ok(const char *name, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(name[i] == '_' || name[i] == '-' || (name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9')))
			return false;
	return true;
}

/* Split spec into the object path, the ops variable (ops[0] == 0 if none) and the knob list
 * (NULL if none). */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "fair, central, qmap, simple": the NAMEs `--sched` resolves in DIR/scheds, sorted. */
static void built_names(const char *dir, char *out, size_t len)
{
	char path[PATH_MAX], *names[64];
	int n = 0;
	DIR *d;
	struct dirent *de;

	snprintf(out, len, "fair");
	snprintf(path, sizeof(path), "%s/scheds", dir);
	d = opendir(path);
	while (d && n < 64 && (de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 6 && !strcmp(de->d_name + l - 6, ".bpf.o"))
			names[n++] = strndup(de->d_name, l - 6);
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (int i = 0; i < n; i++) {
		size_t used = strlen(out);

		if (names[i])
			snprintf(out + used, len - used, ", %s", names[i]);
		free(names[i]);
	}
}

static int spec_path(const char *spec, char *path, size_t len, char *ops, size_t opslen,
		     const char **knobs, char *err, size_t errlen)
{
	const char *slash = strrchr(spec, '/');
	const char *colon = strchr(slash ? slash : spec, ':');
	size_t wlen = colon ? (size_t)(colon - spec) : strlen(spec);
	const char *at = memchr(slash ? slash : spec, '@', wlen - (slash ? slash - spec : 0));
	char dir[PATH_MAX];
	int e;

	*knobs = colon ? colon + 1 : NULL;
	ops[0] = '\0';
	if (at) {
		size_t olen = wlen - (size_t)(at + 1 - spec);

		if (!name_ok(at + 1, olen) || olen >= opslen) {
			snprintf(err, errlen, "--sched '%s': expected FILE.bpf.o@OPS_VARIABLE", spec);
			return -EINVAL;
		}
		memcpy(ops, at + 1, olen);
		ops[olen] = '\0';
		wlen = (size_t)(at - spec);
	}
	if (is_file(spec, wlen)) {
		if (wlen >= len) {
			snprintf(err, errlen, "--sched '%s': path too long", spec);
			return -ENAMETOOLONG;
		}
		memcpy(path, spec, wlen);
		path[wlen] = '\0';
		return 0;
	}
	if (!name_ok(spec, wlen)) {
		snprintf(err, errlen, "--sched '%s': expected NAME or FILE.bpf.o[:knob=value,...]", spec);
		return -EINVAL;
	}
	const char *env = getenv("SCXSIM_SCHEDS_DIR");
	if (env && *env) { /* e.g. tests running a second (sanitizer) build of the binary */
		if ((size_t)snprintf(path, len, "%s/%.*s.bpf.o", env, (int)wlen, spec) >= len) {
			snprintf(err, errlen, "--sched '%s': path too long", spec);
			return -ENAMETOOLONG;
		}
		return 0;
	}
	e = exe_dir(dir, sizeof(dir));
	if (e) {
		snprintf(err, errlen, "--sched '%s': cannot find the scxsim binary's directory (%s)", spec,
			 strerror(-e));
		return e;
	}
	if ((size_t)snprintf(path, len, "%s/scheds/%.*s.bpf.o", dir, (int)wlen, spec) >= len) {
		snprintf(err, errlen, "--sched '%s': path too long", spec);
		return -ENAMETOOLONG;
	}
	if (access(path, R_OK)) {
		char known[256];

		e = -errno;
		built_names(dir, known, sizeof(known));
		snprintf(err, errlen, "--sched '%s': no built scheduler %s (%s); built: %s", spec, path,
			 strerror(-e), known[0] ? known : "none (run make)");
		return e;
	}
	return 0;
}

static bool verify_at_load = true;

void cli_set_verify(bool on)
{
	verify_at_load = on;
}

/*
 * The kernel verifies a program before it can be attached: run scxsim's verifier on every
 * program of the loaded object; the first rejection fails the load with where and why.
 * "Cannot prove" findings and warnings do not (see docs/verifier.md).
 */
static int verify_loaded(struct bpf_sched *s, const char *path, char *err, size_t errlen)
{
	for (int i = 0; i < s->nr_progs; i++) {
		struct bpf_verify_report r;
		int e = bpf_verify_prog(s, i, 0, &r);

		if (e) {
			snprintf(err, errlen, "%s: the verifier could not run (%s)", path, strerror(-e));
			return e;
		}
		if (r.verdict == BPF_VERIFY_REJECTED) {
			snprintf(err, errlen,
				 "%s: prog '%s' rejected by the verifier at pc %d `%s`: %s%s%s\n"
				 "(`scxsim verify %s` shows the whole log; `run --no-verify` runs it anyway)",
				 path, bpf_prog_name(s->progs[i].prog), r.pc, r.insn, r.msg,
				 r.line[0] ? "\n    " : "", r.line, path);
			bpf_verify_report_fini(&r);
			return -EACCES;
		}
		bpf_verify_report_fini(&r);
	}
	return 0;
}

/* machine_own's free function */
static void free_sched(void *s)
{
	bpf_sched_free(s);
}

/*
 * The work of cli_sched_attach; *status is the exit status the run command should use:
 * 2 for bad input (a malformed spec, a missing object file, an unknown knob or a bad knob
 * value), 1 when the object could not be loaded (loader or runtime rejection).
 */
static int attach(struct machine *m, const char *spec, char *err, size_t errlen, int *status)
{
	char path[PATH_MAX], ops[128];
	const char *knobs;
	struct bpf_sched *s = NULL;
	int e = spec_path(spec, path, sizeof(path), ops, sizeof(ops), &knobs, err, errlen);

	*status = 2;
	if (e)
		return e;
	if (access(path, R_OK)) {
		e = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return e;
	}
	*status = 1;
	e = bpf_sched_open(path, &s, err, errlen);
	if (e)
		return e;
	if (ops[0]) {
		e = bpf_sched_select_ops(s, ops);
		if (e)
			*status = 2;
	}
	if (!e && knobs && *knobs) {
		e = bpf_sched_set_knobs(s, knobs);
		if (e)
			*status = 2;
	}
	e = e ?: bpf_sched_load(s, m);
	if (!e && verify_at_load) {
		e = verify_loaded(s, path, err, errlen);
		if (e) {
			bpf_sched_free(s);
			return e;
		}
	}
	e = e ?: bpf_sched_attach(s);
	if (e) {
		snprintf(err, errlen, "%s", bpf_sched_errmsg(s));
		bpf_sched_free(s);
		return e;
	}
	machine_own(m, s, free_sched);
	*status = 0;
	return 0;
}

int cli_sched_attach(struct machine *m, const char *spec, char *err, size_t errlen)
{
	int status;

	return attach(m, spec, err, errlen, &status);
}

int cli_sched_attach_status(struct machine *m, const char *spec, char *err, size_t errlen)
{
	int status;

	attach(m, spec, err, errlen, &status);
	return status;
}
