/*
 * cmd_disasm.c — `scxsim disasm FILE.bpf.o`: every program of the object, relocated as the
 * runtime would (subprograms appended, CO-RE against scxsim's kernel BTF, kfuncs by name),
 * one instruction per line in llvm-objdump syntax, with the source line from .BTF.ext printed
 * whenever it changes, and notes for map references, kfunc calls and poisoned instructions.
 *
 * No machine is needed: maps and globals resolve to placeholder addresses (printed as the
 * map's name), not to live memory. Exit status: 0, 1 when the object cannot be loaded (the
 * reason on stderr), 2 for bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include "cli.h"
#include "ebpf/runtime/rt_int.h"
#include "scxsim/bpf_asm.h"

#define DISASM_MAP_BASE 0x5c5100000000ULL /* placeholder map addresses: base + index */

struct disasm_ctx {
	struct btf *kbtf;
};

static int d_map(void *ctx, const struct bpf_obj *obj, int idx, u64 *addr)
{
	*addr = DISASM_MAP_BASE + ((u64)idx << 20);
	return 0;
}

static int d_kfunc(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *ext, s32 *idx,
		   u64 *addr)
{
	u32 nr;
	int i = rt_kfunc_find(ext->name, (u32)btf_essential_name_len(ext->name));

	if (i < 0)
		return -ENOENT;
	*idx = i;
	*addr = (u64)(uintptr_t)rt_kfunc_table(&nr)[i].impl;
	return 0;
}

/* "; map 'stats'" for an ld_imm64 of a placeholder (map or global + offset) */
static void note_ldimm(const struct bpf_obj *obj, const struct bpf_insn *in, char *buf, size_t len)
{
	u64 v = (u32)in[0].imm | ((u64)(u32)in[1].imm << 32);
	u64 idx = (v - DISASM_MAP_BASE) >> 20, off = (v - DISASM_MAP_BASE) & 0xfffff;

	buf[0] = '\0';
	if (v >= DISASM_MAP_BASE && idx < (u64)bpf_obj_map_cnt(obj)) {
		if (off)
			snprintf(buf, len, "  ; map '%s' + %llu", bpf_obj_map(obj, (int)idx)->name,
				 (unsigned long long)off);
		else
			snprintf(buf, len, "  ; map '%s'", bpf_obj_map(obj, (int)idx)->name);
	}
}

static void print_prog(FILE *f, const struct bpf_obj *obj, struct bpf_prog *prog)
{
	u32 cnt, nr;
	const struct bpf_insn *in = bpf_prog_insns(prog, &cnt);
	const struct rt_kfunc *k = rt_kfunc_table(&nr);
	const char *last = NULL;

	fprintf(f, "prog '%s' (section %s, %u instructions):\n", bpf_prog_name(prog),
		bpf_prog_section(prog), cnt);
	for (int i = 0; i < bpf_prog_func_cnt(prog); i++)
		if (bpf_prog_func(prog, i)->pc)
			fprintf(f, "  ; subprogram '%s' at %u\n", bpf_prog_func(prog, i)->name,
				bpf_prog_func(prog, i)->pc);
	for (u32 pc = 0; pc < cnt;) {
		const char *line = bpf_prog_line(prog, pc), *poison = bpf_prog_poison_reason(prog, pc);
		char text[128], note[160] = "";
		int n;

		for (int i = 0; i < bpf_prog_func_cnt(prog); i++)
			if (bpf_prog_func(prog, i)->pc == pc)
				fprintf(f, "%s:\n", bpf_prog_func(prog, i)->name);
		if (line && (!last || strcmp(line, last)))
			fprintf(f, "    ; %s\n", line);
		last = line;
		n = bpf_disasm_insn(&in[pc], cnt - pc, text, sizeof(text), 0);
		if (in[pc].code == (BPF_LD | BPF_IMM | BPF_DW) && n == 2)
			note_ldimm(obj, &in[pc], note, sizeof(note));
		else if (in[pc].code == (BPF_JMP | BPF_CALL) && in[pc].src_reg == BPF_PSEUDO_KFUNC_CALL &&
			 (u32)in[pc].imm < nr)
			snprintf(note, sizeof(note), "  ; %s", k[in[pc].imm].name);
		if (poison)
			snprintf(note, sizeof(note), "  ; poisoned: %s", poison);
		fprintf(f, "%6u: %s%s\n", pc, text, note);
		pc += n > 0 ? (u32)n : 1;
	}
	fputc('\n', f);
}

static int disasm_file(const char *path)
{
	struct disasm_ctx dc = { NULL };
	struct bpf_obj *obj = NULL;
	char err[512];
	int e = btf_parse(scxsim_kernel_btf, scxsim_kernel_btf_len, "scxsim kernel BTF", &dc.kbtf, err,
			  sizeof(err));
	struct bpf_obj_resolver res = { .ctx = &dc, .map_addr = d_map, .map_value_addr = d_map,
					.kfunc = d_kfunc };

	res.target_btf = dc.kbtf;
	e = e ?: bpf_obj_open_file(path, &obj, err, sizeof(err));
	if (!e && bpf_obj_load(obj, &res)) {
		snprintf(err, sizeof(err), "%s", bpf_obj_errmsg(obj));
		e = -EINVAL;
	}
	if (e) {
		fprintf(stderr, "scxsim disasm: %s\n", err);
	} else {
		for (int i = 0; i < bpf_obj_prog_cnt(obj); i++)
			print_prog(stdout, obj, bpf_obj_prog(obj, i));
	}
	bpf_obj_free(obj);
	btf_free(dc.kbtf);
	return e ? 1 : 0;
}

int cmd_disasm(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: scxsim disasm FILE.bpf.o\n"
		       "  every program, relocated, with source lines from .BTF.ext\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: scxsim disasm FILE.bpf.o\n");
		return 2;
	}
	if (access(argv[1], R_OK)) { /* bad input, not a loader rejection */
		fprintf(stderr, "scxsim disasm: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	return disasm_file(argv[1]);
}
