/*
 * cmd_verify.c — `scxsim verify FILE.bpf.o`: loads the object exactly as `run --sched` would
 * (ELF and BTF checks, struct_ops binding, maps, CO-RE against scxsim's kernel types, kfuncs by
 * name with their BTF prototypes, every program through the interpreter's static validation:
 * legal opcodes and registers, jump and call targets, ld_imm64 pairs) on a scratch one-CPU
 * machine, without running anything. Exit 0 when every program is accepted, 1 with the log
 * when not, 2 for bad usage or a missing file.
 *
 * What it does NOT do (yet): abstract interpretation of register types and bounds like the
 * kernel's verifier. Memory safety is enforced at run time instead (every access checked, an
 * instruction budget per call); verify says so. CO-RE relocations that found nothing in
 * scxsim's types are reported as warnings with their source line: they fault only if reached.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "ebpf/runtime/rt_int.h"
#include "scxsim/bpf_sched.h"
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

static int verify_file(const char *path)
{
	static const char *wl = "{\"tasks\":{\"t\":{\"loop\":1,\"run\":1}}}";
	struct topo *t = NULL;
	struct workload *w = NULL;
	struct machine *m = NULL;
	struct bpf_sched *s = NULL;
	struct machine_params p;
	char err[1024];
	int rc = 1;

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
	for (int i = 0; i < s->nr_progs; i++) {
		u32 cnt = 0;
		if (s->progs[i].prog)
			bpf_prog_insns(s->progs[i].prog, &cnt);
		printf("prog '%s': %u instructions: accepted\n",
		       s->progs[i].prog ? bpf_prog_name(s->progs[i].prog) : "?", cnt);
	}
	int nw = warn_poisoned(s);
	printf("%s: %d programs accepted, %d warnings (scheduler '%s')\n", path, s->nr_progs, nw,
	       bpf_sched_name(s));
	printf("note: static checks only; no abstract interpretation yet: memory safety is enforced "
	       "at run time (every access checked, an instruction budget per call)\n");
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
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: scxsim verify FILE.bpf.o\n"
		       "  load every program as `run --sched` would, without running it;\n"
		       "  exit 0 if all are accepted, else 1 with the reason\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: scxsim verify FILE.bpf.o\n");
		return 2;
	}
	if (access(argv[1], R_OK)) {
		fprintf(stderr, "scxsim verify: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	return verify_file(argv[1]);
}
