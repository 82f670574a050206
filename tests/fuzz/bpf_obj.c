/*
 * bpf_obj.c — fuzz harness for the BPF object loader (src/ebpf/ below the runtime): every input is opened with
 * bpf_obj_open_mem() and, when it opens, its knobs are set, its struct_ops read and it is loaded
 * with a resolver that resolves everything (CO-RE against its own BTF), so ELF, BTF, .BTF.ext,
 * relocation, struct_ops and CO-RE parsing all see hostile bytes. Failure must be an error
 * message naming the input, never a crash, hang or leak.
 * `make fuzz` builds and runs it (docs/fuzzing.md); seeds: build/tests/bpf/NAME.bpf.o, build/scheds/NAME.bpf.o.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scxsim/bpf_obj.h"

static int fz_addr(void *ctx, const struct bpf_obj *obj, int idx, u64 *addr)
{
	*addr = 0x1000 + (u64)idx * 0x1000;
	return 0;
}

static int fz_kfunc(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *e, s32 *idx, u64 *addr)
{
	if (e->weak)
		return -ENOENT;
	*idx = 1;
	*addr = 0x42;
	return 0;
}

static int fz_ksym(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *e, u64 *addr)
{
	*addr = 0x43;
	return 0;
}

static int fz_kconfig(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *e, void *buf, u32 size)
{
	memset(buf, 0x5a, size);
	return 0;
}

static void fz_poke(struct bpf_obj *obj)
{
	char s[64];
	s64 v;

	for (int i = 0; i < bpf_obj_knob_cnt(obj); i++)
		bpf_obj_knob_set(obj, bpf_obj_knob(obj, i)->name, i % 2 ? "1" : "abc");
	for (int i = 0; i < bpf_obj_struct_ops_cnt(obj); i++) {
		const struct bpf_struct_ops *ops = bpf_obj_struct_ops(obj, i);

		bpf_struct_ops_read_int(obj, ops, "timeout_ms", &v);
		bpf_struct_ops_read_str(obj, ops, "name", s, sizeof(s));
	}
	for (u32 id = 0; id < btf_type_cnt(bpf_obj_btf(obj)) && id < 64; id++)
		btf_type_str(bpf_obj_btf(obj), id, s, sizeof(s));
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct bpf_obj *obj = NULL;
	char err[BPF_OBJ_ERR_MAX];
	struct bpf_obj_resolver r = { .map_addr = fz_addr, .map_value_addr = fz_addr, .kfunc = fz_kfunc,
				      .ksym = fz_ksym, .kconfig = fz_kconfig };

	if (bpf_obj_open_mem(data, size, "fuzz.o", &obj, err, sizeof(err))) {
		if (strcmp(err, "out of memory"))
			fz_check_msg("bpf_obj_open_mem", err, "fuzz.o: ");
		return 0;
	}
	fz_poke(obj);
	r.target_btf = bpf_obj_btf(obj);
	if (bpf_obj_load(obj, &r) == 0) {
		for (int i = 0; i < bpf_obj_prog_cnt(obj); i++) {
			u32 n;

			bpf_prog_insns(bpf_obj_prog(obj, i), &n);
			for (u32 pc = 0; pc < n; pc++) {
				bpf_prog_line(bpf_obj_prog(obj, i), pc);
				bpf_prog_poison_reason(bpf_obj_prog(obj, i), pc);
			}
		}
	} else {
		fz_check_msg("bpf_obj_load", bpf_obj_errmsg(obj), "fuzz.o: ");
	}
	bpf_obj_free(obj);
	return 0;
}
