/*
 * cmd_verify.c — `scxsim verify FILE.bpf.o`: loads the object exactly as `run --sched` would
 * (ELF and BTF checks, struct_ops binding, maps, CO-RE against scxsim's kernel types, kfuncs by
 * name with their BTF prototypes, every program through the interpreter's static validation:
 * legal opcodes and registers, jump and call targets, ld_imm64 pairs) on a scratch one-CPU
 * machine, without running anything. Exit 0 when every program is accepted, 1 with the log
 * when not, 2 for bad usage or a missing file.
 *
 * Then the static verifier (src/ebpf/verifier/, docs/verifier.md) walks every program: one
 * line per program (accepted, skipped, or the rejection with pc, instruction, reason and
 * source line); `--verbose` adds the instruction trace. Warnings (CO-RE relocations that
 * found nothing, "cannot prove" limits, what a privileged kernel loader allows) keep exit 0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "ebpf/runtime/rt_int.h"
#include "scxsim/bpf_sched.h"
#include "scxsim/bpf_verifier.h"
#include "scxsim/machine.h"

static int warn_poisoned(const struct bpf_sched *s)
{
	int n = 0;

	for (int i = 0; i < s->nr_progs; i++) {
		u32 cnt;
		struct bpf_prog *prog = s->progs[i].prog;

		if (!prog)
			continue;
		bpf_prog_insns(prog, &cnt);
		for (u32 pc = 0; pc < cnt; pc++) {
			const char *why = bpf_prog_poison_reason(prog, pc), *line;
			if (!why)
				continue;
			line = bpf_prog_line(prog, pc);
			printf("warning: prog '%s' pc %u: %s\n    %s\n", bpf_prog_name(prog), pc, why,
			       line ? line : "(no line info)");
			n++;
		}
	}
	return n;
}

/* Run the static verifier on every program: one line each, the rejection with its context.
 * Returns the number of programs rejected. */
static int verify_progs(struct bpf_sched *s, bool verbose, int *unproven)
{
	int nrej = 0;

	for (int i = 0; i < s->nr_progs; i++) {
		struct bpf_verify_report r;
		const char *name = bpf_prog_name(s->progs[i].prog);

		if (bpf_verify_prog(s, i, verbose ? BPF_VERIFY_VERBOSE : 0, &r)) {
			printf("prog '%s': verifier could not run (out of memory)\n", name);
			nrej++;
			continue;
		}
		if (verbose && r.log)
			fputs(r.log, stdout);
		if (r.warnings) /* e.g. uninitialised stack, which a privileged kernel loader allows */
			for (char *l = r.warnings, *nl; *l; l = nl) {
				nl = strchr(l, '\n');
				nl = nl ? nl + 1 : l + strlen(l);
				if (l[0] == ' ')
					printf("%.*s", (int)(nl - l), l);
				else
					printf("warning: prog '%s' %.*s", name, (int)(nl - l), l);
			}
		*unproven += (int)r.nr_warnings;
		switch (r.verdict) {
		case BPF_VERIFY_ACCEPTED:
			printf("prog '%s': accepted (%llu insns processed, %u states)\n", name,
			       (unsigned long long)r.insns_processed, r.states);
			break;
		case BPF_VERIFY_SKIPPED:
			printf("prog '%s': %s\n", name, r.msg);
			break;
		case BPF_VERIFY_UNPROVEN:
		case BPF_VERIFY_REJECTED:
			if (r.verdict == BPF_VERIFY_REJECTED)
				nrej++;
			else
				(*unproven)++;
			printf("%sprog '%s': %s at pc %d `%s`: %s%s\n    %s\n",
			       r.verdict == BPF_VERIFY_UNPROVEN ? "warning: " : "", name,
			       r.verdict == BPF_VERIFY_REJECTED ? "rejected" : "scxsim verifier: cannot prove it safe",
			       r.pc, r.insn, r.msg,
			       r.verdict == BPF_VERIFY_UNPROVEN ? " (scxsim's verifier lacks the kernel's precision tracking; the kernel may accept this)" : "",
			       r.line[0] ? r.line : "(no line info)");
			printf("    (%llu insns processed, %u states)\n",
			       (unsigned long long)r.insns_processed, r.states);
			break;
		}
		bpf_verify_report_fini(&r);
	}
	return nrej;
}

static int verify_file(const char *path, bool verbose)
{
	static const char *wl = "{\"tasks\":{\"t\":{\"loop\":1,\"run\":1}}}";
	struct topo *t = NULL;
	struct workload *w = NULL;
	struct machine *m = NULL;
	struct bpf_sched *s = NULL;
	struct machine_params p;
	char err[1024];
	int rc = 1, nrej, unproven = 0;

	machine_params_default(&p);
	if (topo_parse("1", &t, err, sizeof(err)) ||
	    workload_load_buf("verify", wl, strlen(wl), &w, err, sizeof(err)) ||
	    !(m = machine_create(t, w, &p, 1, err, sizeof(err)))) {
		fprintf(stderr, "scxsim verify: %s\n", err);
		goto out;
	}
	if (bpf_sched_open(path, &s, err, sizeof(err))) {
		printf("%s: rejected\n%s\n", path, err);
		goto out;
	}
	bpf_sched_set_print(s, false);
	if (bpf_sched_load(s, m)) {
		printf("%s: rejected\n%s\n", path, bpf_sched_errmsg(s));
		goto out;
	}
	int nw = warn_poisoned(s);
	nrej = verify_progs(s, verbose, &unproven);
	if (nrej) {
		printf("%s: rejected: %d of %d programs (scheduler '%s')\n", path, nrej, s->nr_progs,
		       bpf_sched_name(s));
		goto out;
	}
	printf("%s: %d programs accepted, %d warnings (scheduler '%s')\n", path, s->nr_progs,
	       nw + unproven, bpf_sched_name(s));
	rc = 0;
out:
	bpf_sched_free(s);
	machine_destroy(m);
	workload_free(w);
	topo_free(t);
	return rc;
}

int cmd_verify(int argc, char **argv)
{
	bool verbose = false;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: scxsim verify [--verbose] FILE.bpf.o\n"
		       "  load every program as `run --sched` would, without running it, and verify\n"
		       "  it statically (docs/verifier.md); --verbose prints every instruction walked;\n"
		       "  exit 0 if all are accepted, else 1 with the reason\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--verbose"))
		verbose = true, argc--, argv++;
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: scxsim verify [--verbose] FILE.bpf.o\n");
		return 2;
	}
	if (access(argv[1], R_OK)) {
		fprintf(stderr, "scxsim verify: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	return verify_file(argv[1], verbose);
}
