/*
 * test_bpf_obj.c — unit tests of the BPF object loader on objects clang-19 compiled from
 * tests/bpf/ (found in $SCXSIM_TEST_BPF_DIR or build/tests/bpf/): programs, maps, knobs,
 * externs, struct_ops, relocation and subprogram appending, line info, kfunc flavours, CO-RE
 * against a second object's BTF, and hostile inputs (tests/data/elf/ plus truncations and
 * corruptions derived from a good object) that must each give a clear error and never crash.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>

#include "scxsim/bpf_obj.h"
#include "test.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

static const char *obj_path(const char *name)
{
	static char path[512];
	const char *dir = getenv("SCXSIM_TEST_BPF_DIR");

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "build/tests/bpf", name);
	return path;
}

static struct bpf_obj *open_obj(const char *name, char *err, size_t errlen)
{
	struct bpf_obj *obj = NULL;

	if (bpf_obj_open_file(obj_path(name), &obj, err, errlen))
		return NULL;
	return obj;
}

#define OPEN(var, name)                                                     \
	char var##_err[BPF_OBJ_ERR_MAX];                                    \
	struct bpf_obj *var = open_obj(name, var##_err, sizeof(var##_err)); \
	if (!var)                                                           \
		FAIL_("open %s: %s", name, var##_err)

static u8 *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	u8 *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? n : 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

/* ---- a resolver that records what it was asked ----------------------------------------------- */

struct fake {
	const struct btf *targ;   /* kfunc prototypes to check flavours against, may be NULL */
	int kfunc_calls, kconfig_calls;
	bool no_maps;
	const char *absent;       /* a kfunc essential name to report absent */
};

#define MAP_BASE 0x100000ULL
#define VAL_BASE 0x200000ULL
#define KFUNC_ADDR 0xdead0000ULL

static int fake_map_addr(void *ctx, const struct bpf_obj *obj, int idx, u64 *addr)
{
	struct fake *f = ctx;

	if (f->no_maps)
		return -ENOENT;
	*addr = MAP_BASE + idx * 0x1000;
	return 0;
}

static int fake_value_addr(void *ctx, const struct bpf_obj *obj, int idx, u64 *addr)
{
	*addr = VAL_BASE + idx * 0x1000;
	return 0;
}

static const char *const kfunc_table[] = { "scx_bpf_dispatch", "scx_bpf_create_dsq", "scx_bpf_flavored" };

static int fake_kfunc(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *e, s32 *idx, u64 *addr)
{
	struct fake *f = ctx;

	f->kfunc_calls++;
	if (f->absent && !strcmp(e->essential, f->absent))
		return -ENOENT;
	for (size_t i = 0; i < ARRAY_SIZE(kfunc_table); i++) {
		s32 tid;

		if (strcmp(kfunc_table[i], e->essential))
			continue;
		if (f->targ) {
			tid = btf_find_by_name_kind(f->targ, e->essential, BTF_KIND_FUNC);
			if (tid < 0 || !bpf_obj_func_proto_compat(bpf_obj_btf(obj), e->type_id, f->targ,
								  btf_type_by_id(f->targ, tid)->type, NULL, 0))
				return -ENOENT;
		}
		*idx = 10 + i;
		*addr = KFUNC_ADDR + i;
		return 0;
	}
	return -ENOENT;
}

static int fake_kconfig(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *e, void *buf, u32 size)
{
	struct fake *f = ctx;
	u32 v = 0x060c00;

	f->kconfig_calls++;
	if (strcmp(e->name, "LINUX_KERNEL_VERSION"))
		return -ENOENT;
	memcpy(buf, &v, MIN(size, 4u));
	return 0;
}

static struct bpf_obj_resolver fake_resolver(struct fake *f)
{
	return (struct bpf_obj_resolver){ .ctx = f, .map_addr = fake_map_addr,
		.map_value_addr = fake_value_addr, .kfunc = fake_kfunc, .kconfig = fake_kconfig };
}

static u64 ldimm64(const struct bpf_insn *in)
{
	return (u32)in[0].imm | ((u64)(u32)in[1].imm << 32);
}

/* the first ld_imm64 at or after pc whose value is in [lo, hi) */
static int find_ld(const struct bpf_insn *in, u32 n, u32 pc, u64 lo, u64 hi)
{
	for (; pc + 1 < n; pc++)
		if (in[pc].code == (BPF_LD | BPF_IMM | BPF_DW) && ldimm64(&in[pc]) >= lo && ldimm64(&in[pc]) < hi)
			return pc;
	return -1;
}

/* ---- description of a good object -------------------------------------------------------------- */

TEST(bpf_obj_lists_programs)
{
	static const struct { const char *name, *sec; enum bpf_prog_kind kind; bool sleepable; } want[] = {
		{ "BPF_PROG_enqueue", "struct_ops/enqueue", BPF_PROG_STRUCT_OPS, false },
		{ "BPF_PROG_dispatch", "struct_ops/dispatch", BPF_PROG_STRUCT_OPS, false },
		{ "BPF_PROG_init", "struct_ops.s/init", BPF_PROG_STRUCT_OPS, true },
		{ "BPF_PROG_exit", "struct_ops/exit", BPF_PROG_STRUCT_OPS, false },
		{ "setup", "syscall", BPF_PROG_SYSCALL, true },
	};
	OPEN(obj, "loader_sched.bpf.o");
	u32 n;

	CHECK_EQ(bpf_obj_prog_cnt(obj), ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct bpf_prog *p = bpf_obj_prog(obj, i);

		CHECK_STR(bpf_prog_name(p), want[i].name);
		CHECK_STR(bpf_prog_section(p), want[i].sec);
		CHECK_EQ(bpf_prog_kind(p), want[i].kind);
		CHECK_EQ(bpf_prog_sleepable(p), want[i].sleepable);
		CHECK(bpf_prog_btf_id(p) > 0);
		CHECK_STR(btf_type_name(bpf_obj_btf(obj), bpf_prog_btf_id(p)), want[i].name);
	}
	CHECK(bpf_obj_prog(obj, 5) == NULL);
	CHECK(bpf_obj_prog_by_name(obj, "weight_of") == NULL); /* a subprogram, not a program */
	CHECK(bpf_prog_insns(bpf_obj_prog_by_name(obj, "setup"), &n) != NULL);
	CHECK_EQ(n, 4); /* before load: the program's own instructions */
	CHECK_STR(bpf_obj_license(obj), "GPL");
	CHECK_STR(bpf_obj_name(obj), obj_path("loader_sched.bpf.o"));
	CHECK(!bpf_obj_loaded(obj));
	bpf_obj_free(obj);
}

TEST(bpf_obj_map_descriptors)
{
	static const struct {
		const char *name; enum bpf_map_origin origin; u32 type, ks, vs, max, flags; bool ro;
	} want[] = {
		{ "stats", BPF_MAP_ORIGIN_BTF, 1, 4, 16, 64, 1, false },
		{ "fifo", BPF_MAP_ORIGIN_BTF, 22, 0, 8, 16, 0, false },
		{ ".rodata", BPF_MAP_ORIGIN_RODATA, 2, 4, 29, 1, 0, true },
		{ ".data", BPF_MAP_ORIGIN_DATA, 2, 4, 4, 1, 0, false },
		{ ".data.extra", BPF_MAP_ORIGIN_DATA, 2, 4, 32, 1, 0, false },
		{ ".bss", BPF_MAP_ORIGIN_BSS, 2, 4, 8, 1, 0, false },
		{ ".kconfig", BPF_MAP_ORIGIN_KCONFIG, 2, 4, 5, 1, 0, true },
	};
	OPEN(obj, "loader_sched.bpf.o");
	const struct btf *btf = bpf_obj_btf(obj);
	const struct bpf_map_desc *m;
	u64 extra[4];
	u32 seed;

	CHECK_EQ(bpf_obj_map_cnt(obj), ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		m = bpf_obj_map(obj, i);
		CHECK_STR(m->name, want[i].name);
		CHECK_EQ(m->origin, want[i].origin);
		CHECK_EQ(m->type, want[i].type);
		CHECK_EQ(m->key_size, want[i].ks);
		CHECK_EQ(m->value_size, want[i].vs);
		CHECK_EQ(m->max_entries, want[i].max);
		CHECK_EQ(m->map_flags, want[i].flags);
		CHECK_EQ(m->readonly, want[i].ro);
		CHECK_EQ(m->init_data != NULL, m->origin != BPF_MAP_ORIGIN_BTF);
	}
	m = bpf_obj_map(obj, 0);
	CHECK_STR(btf_type_name(btf, m->key_type_id), "u32");
	CHECK_STR(btf_type_name(btf, m->value_type_id), "stat_val");
	CHECK_EQ(bpf_obj_map(obj, 1)->key_type_id, 0);
	memcpy(&seed, bpf_obj_map(obj, 3)->init_data, 4);
	CHECK_EQ(seed, 0x1234);
	memcpy(extra, bpf_obj_map(obj, 4)->init_data, sizeof(extra));
	CHECK_EQ(extra[3], 4);
	CHECK_EQ(bpf_obj_map(obj, 5)->init_data[7], 0);
	CHECK_EQ(bpf_obj_map_by_name(obj, ".bss"), 5);
	CHECK_EQ(bpf_obj_map_by_name(obj, "nope"), -ENOENT);
	CHECK(bpf_obj_map(obj, 7) == NULL);
	bpf_obj_free(obj);
}

TEST(bpf_obj_externs_listed)
{
	static const struct { const char *name, *ess; enum bpf_extern_kind kind; bool weak; } want[] = {
		{ "scx_bpf_dispatch", "scx_bpf_dispatch", BPF_EXTERN_KFUNC, false },
		{ "scx_bpf_missing_kfunc", "scx_bpf_missing_kfunc", BPF_EXTERN_KFUNC, true },
		{ "LINUX_KERNEL_VERSION", "LINUX_KERNEL_VERSION", BPF_EXTERN_KCONFIG, false },
		{ "scx_bpf_flavored___v2", "scx_bpf_flavored", BPF_EXTERN_KFUNC, true },
		{ "scx_bpf_flavored___v1", "scx_bpf_flavored", BPF_EXTERN_KFUNC, true },
		{ "runqueues", "runqueues", BPF_EXTERN_KSYM, true },
		{ "CONFIG_SCHED_DEBUG", "CONFIG_SCHED_DEBUG", BPF_EXTERN_KCONFIG, true },
		{ "scx_bpf_create_dsq", "scx_bpf_create_dsq", BPF_EXTERN_KFUNC, false },
	};
	OPEN(obj, "loader_sched.bpf.o");
	char s[128];

	CHECK_EQ(bpf_obj_extern_cnt(obj), ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct bpf_extern *e = bpf_obj_extern(obj, i);

		CHECK_STR(e->name, want[i].name);
		CHECK_STR(e->essential, want[i].ess);
		CHECK_EQ(e->kind, want[i].kind);
		CHECK_EQ(e->weak, want[i].weak);
		CHECK(!e->resolved);
	}
	btf_type_str(bpf_obj_btf(obj), bpf_obj_extern(obj, 0)->type_id, s, sizeof(s));
	CHECK_STR(s, "void (struct task_struct *, u64, u64, u64)");
	CHECK_EQ(bpf_obj_extern(obj, 6)->addr, 4); /* kconfig offset: after the int */
	bpf_obj_free(obj);
}

TEST(bpf_obj_struct_ops_bound)
{
	static const struct { const char *member; u32 off; const char *prog; } want[] = {
		{ "enqueue", 8, "BPF_PROG_enqueue" }, { "dispatch", 16, "BPF_PROG_dispatch" },
		{ "init", 24, "BPF_PROG_init" }, { "exit", 32, "BPF_PROG_exit" },
	};
	OPEN(obj, "loader_sched.bpf.o");
	const struct bpf_struct_ops *ops;
	char name[32];
	s64 v;

	CHECK_EQ(bpf_obj_struct_ops_cnt(obj), 1);
	ops = bpf_obj_struct_ops(obj, 0);
	CHECK_STR(ops->name, "loader_ops");
	CHECK_STR(ops->section, ".struct_ops.link");
	CHECK(ops->link);
	CHECK_STR(ops->type_name, "sched_ext_ops");
	CHECK_EQ(ops->size, 192);
	CHECK_EQ(ops->nr_slots, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		CHECK_STR(ops->slots[i].member, want[i].member);
		CHECK_EQ(ops->slots[i].offset, want[i].off);
		CHECK_STR(bpf_prog_name(ops->slots[i].prog), want[i].prog);
		CHECK(bpf_struct_ops_prog(ops, want[i].member) == ops->slots[i].prog);
	}
	CHECK(bpf_struct_ops_prog(ops, "select_cpu") == NULL);
	CHECK_EQ(bpf_struct_ops_read_int(obj, ops, "timeout_ms", &v), 0);
	CHECK_EQ(v, 3000);
	CHECK_EQ(bpf_struct_ops_read_int(obj, ops, "flags", &v), 0);
	CHECK_EQ(v, 5);
	CHECK_EQ(bpf_struct_ops_read_int(obj, ops, "dispatch_max_batch", &v), 0);
	CHECK_EQ(v, 16);
	CHECK_EQ(bpf_struct_ops_read_int(obj, ops, "exit_dump_len", &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(bpf_struct_ops_read_int(obj, ops, "neg", &v), 0);
	CHECK_EQ(v, -42);
	CHECK_EQ(bpf_struct_ops_read_str(obj, ops, "name", name, sizeof(name)), 0);
	CHECK_STR(name, "loader_test");
	CHECK_EQ(bpf_struct_ops_read_str(obj, ops, "name", name, 4), -E2BIG);
	CHECK_EQ(bpf_struct_ops_read_int(obj, ops, "name", &v), -EINVAL);
	CHECK_EQ(bpf_struct_ops_read_int(obj, ops, "enqueue", &v), -EINVAL);
	CHECK_EQ(bpf_struct_ops_read_str(obj, ops, "flags", name, sizeof(name)), -EINVAL);
	CHECK_EQ(bpf_struct_ops_read_int(obj, ops, "no_such", &v), -ENOENT);
	CHECK_EQ(bpf_struct_ops_read_str(obj, ops, "no_such", name, sizeof(name)), -ENOENT);
	for (u32 off = 8; off < 40; off++)
		CHECK_EQ(ops->data[off], 0); /* program slots zeroed */
	bpf_obj_free(obj);
}

/* ---- knobs -------------------------------------------------------------------------------------- */

static const u8 *rodata(const struct bpf_obj *obj)
{
	return bpf_obj_map(obj, bpf_obj_map_by_name(obj, ".rodata"))->init_data;
}

TEST(bpf_obj_knobs_listed)
{
	static const struct { const char *name; u32 off, size; const char *type; } want[] = {
		{ "slice_ns", 0, 8, "const volatile u64" }, { "nice_bias", 8, 4, "const volatile s32" },
		{ "small", 12, 1, "const volatile u8" }, { "verbose", 13, 1, "const volatile bool" },
		{ "tag", 14, 8, "const volatile char[8]" }, { "mode", 24, 4, "const volatile enum knob_mode" },
		{ "tiny", 28, 1, "const volatile s8" },
	};
	OPEN(obj, "loader_sched.bpf.o");
	u64 slice;

	CHECK_EQ(bpf_obj_knob_cnt(obj), ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct bpf_knob *k = bpf_obj_knob(obj, i);

		CHECK_STR(k->name, want[i].name);
		CHECK_EQ(k->offset, want[i].off);
		CHECK_EQ(k->size, want[i].size);
		CHECK_STR(k->type_str, want[i].type);
	}
	CHECK(bpf_obj_knob(obj, 7) == NULL);
	memcpy(&slice, rodata(obj), 8);
	CHECK_EQ(slice, 20000000);
	bpf_obj_free(obj);
}

TEST(bpf_obj_knob_set_values)
{
	OPEN(obj, "loader_sched.bpf.o");
	u64 slice;
	s32 bias, mode;

	CHECK_EQ(bpf_obj_knob_set(obj, "slice_ns", "0x1000"), 0);
	memcpy(&slice, rodata(obj), 8);
	CHECK_EQ(slice, 4096);
	CHECK_EQ(bpf_obj_knob_set(obj, "slice_ns", "18446744073709551615"), 0);
	memcpy(&slice, rodata(obj), 8);
	CHECK_EQ(slice, UINT64_MAX);
	CHECK_EQ(bpf_obj_knob_set(obj, "nice_bias", "-2147483648"), 0);
	memcpy(&bias, rodata(obj) + 8, 4);
	CHECK_EQ(bias, INT32_MIN);
	CHECK_EQ(bpf_obj_knob_set(obj, "small", "255"), 0);
	CHECK_EQ(rodata(obj)[12], 255);
	CHECK_EQ(bpf_obj_knob_set(obj, "verbose", "true"), 0);
	CHECK_EQ(rodata(obj)[13], 1);
	CHECK_EQ(bpf_obj_knob_set(obj, "verbose", "no"), 0);
	CHECK_EQ(rodata(obj)[13], 0);
	CHECK_EQ(bpf_obj_knob_set(obj, "tag", "xyz1234"), 0);
	CHECK_STR((const char *)rodata(obj) + 14, "xyz1234");
	CHECK_EQ(bpf_obj_knob_set(obj, "tag", "q"), 0);
	CHECK_STR((const char *)rodata(obj) + 14, "q");
	CHECK_EQ(rodata(obj)[16], 0); /* rest cleared */
	CHECK_EQ(bpf_obj_knob_set(obj, "mode", "MODE_RR"), 0);
	memcpy(&mode, rodata(obj) + 24, 4);
	CHECK_EQ(mode, 7);
	CHECK_EQ(bpf_obj_knob_set(obj, "mode", "1"), 0);
	memcpy(&mode, rodata(obj) + 24, 4);
	CHECK_EQ(mode, 1);
	CHECK_EQ(bpf_obj_knob_set(obj, "tiny", "-128"), 0);
	CHECK_EQ((s8)rodata(obj)[28], -128);
	bpf_obj_free(obj);
}

TEST(bpf_obj_knob_set_errors)
{
	OPEN(obj, "loader_sched.bpf.o");
	struct fake f = { 0 };
	struct bpf_obj_resolver r = fake_resolver(&f);

	CHECK_EQ(bpf_obj_knob_set(obj, "small", "256"), -ERANGE);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "knob 'small' (const volatile u8): '256' is not an integer in [0, 255]");
	CHECK_EQ(bpf_obj_knob_set(obj, "slice_ns", "-1"), -ERANGE);
	CHECK_EQ(bpf_obj_knob_set(obj, "slice_ns", "12abc"), -ERANGE);
	CHECK_EQ(bpf_obj_knob_set(obj, "slice_ns", ""), -ERANGE);
	CHECK_EQ(bpf_obj_knob_set(obj, "tiny", "128"), -ERANGE);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "[-128, 127]");
	CHECK_EQ(bpf_obj_knob_set(obj, "nice_bias", "99999999999"), -ERANGE);
	CHECK_EQ(bpf_obj_knob_set(obj, "verbose", "maybe"), -EINVAL);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "knob 'verbose' (const volatile bool): 'maybe' is not true/false");
	CHECK_EQ(bpf_obj_knob_set(obj, "tag", "12345678"), -E2BIG);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "string of 8 characters does not fit");
	CHECK_EQ(bpf_obj_knob_set(obj, "mode", "MODE_NOPE"), -ERANGE);
	CHECK_EQ(bpf_obj_knob_set(obj, "slise_ns", "1"), -ENOENT);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "loader_sched.bpf.o: unknown knob 'slise_ns'; knobs: slice_ns (const volatile u64), "
			"nice_bias (const volatile s32), small (const volatile u8), verbose (const volatile bool), "
			"tag (const volatile char[8]), mode (const volatile enum knob_mode), tiny (const volatile s8)");
	CHECK_EQ(bpf_obj_load(obj, &r), 0);
	CHECK_EQ(bpf_obj_knob_set(obj, "small", "1"), -EBUSY);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "knobs must be set before load");
	bpf_obj_free(obj);
}

TEST(bpf_obj_knob_none)
{
	OPEN(obj, "loader_core.bpf.o");

	CHECK_EQ(bpf_obj_knob_cnt(obj), 0);
	CHECK_EQ(bpf_obj_knob_set(obj, "x", "1"), -ENOENT);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "unknown knob 'x': the object has no knobs");
	bpf_obj_free(obj);
}

/* ---- load: relocation and subprograms ---------------------------------------------------------------- */

TEST(bpf_obj_load_relocates)
{
	OPEN(obj, "loader_sched.bpf.o");
	struct fake f = { .absent = "scx_bpf_missing_kfunc" };
	struct bpf_obj_resolver r = fake_resolver(&f);
	const struct bpf_insn *in;
	struct bpf_prog *p;
	u32 n;
	int pc, rodata_idx = bpf_obj_map_by_name(obj, ".rodata");
	int kc = bpf_obj_map_by_name(obj, ".kconfig");
	u32 kver;

	CHECK_EQ(bpf_obj_load(obj, &r), 0);
	CHECK(bpf_obj_loaded(obj));
	CHECK_STR(bpf_obj_errmsg(obj), "");
	memcpy(&kver, bpf_obj_map(obj, kc)->init_data, 4);
	CHECK_EQ(kver, 0x060c00);
	CHECK_EQ(f.kconfig_calls, 2);
	p = bpf_obj_prog_by_name(obj, "BPF_PROG_enqueue");
	in = bpf_prog_insns(p, &n);
	/* map reference: the map's host address, src_reg cleared */
	pc = find_ld(in, n, 0, MAP_BASE, MAP_BASE + 1);
	CHECK(pc >= 0);
	CHECK_EQ(in[pc].src_reg, 0);
	/* global in .data.extra, .data, .bss and .kconfig: value address + offset */
	CHECK(find_ld(in, n, 0, VAL_BASE + 4 * 0x1000, VAL_BASE + 4 * 0x1000 + 1) >= 0);
	CHECK(find_ld(in, n, 0, VAL_BASE + 3 * 0x1000, VAL_BASE + 3 * 0x1000 + 1) >= 0);
	CHECK(find_ld(in, n, 0, VAL_BASE + 5 * 0x1000, VAL_BASE + 5 * 0x1000 + 1) >= 0);
	CHECK(find_ld(in, n, 0, VAL_BASE + kc * 0x1000, VAL_BASE + kc * 0x1000 + 1) >= 0);
	/* kfunc calls: src_reg KFUNC_CALL, imm = table index */
	for (u32 i = 0, kf = 0; i < n; i++) {
		if (in[i].code != (BPF_JMP | BPF_CALL) || in[i].src_reg != BPF_PSEUDO_KFUNC_CALL)
			continue;
		CHECK(in[i].imm == 10 || in[i].imm == 12);
		CHECK_EQ(in[i].off, 0);
		kf++;
		if (i == n - 1)
			CHECK_EQ(kf, 3); /* dispatch, flavored___v2, flavored___v1 */
	}
	/* bpf_ksym_exists(present kfunc) loads its address */
	CHECK(find_ld(in, n, 0, KFUNC_ADDR + 2, KFUNC_ADDR + 3) >= 0);
	/* .rodata of another program */
	in = bpf_prog_insns(bpf_obj_prog_by_name(obj, "BPF_PROG_init"), &n);
	CHECK(find_ld(in, n, 0, VAL_BASE + rodata_idx * 0x1000 + 24, VAL_BASE + rodata_idx * 0x1000 + 25) >= 0);
	/* no pseudo ld_imm64 left except callbacks */
	for (int i = 0; i < bpf_obj_prog_cnt(obj); i++) {
		in = bpf_prog_insns(bpf_obj_prog(obj, i), &n);
		for (u32 j = 0; j < n; j++)
			if (in[j].code == (BPF_LD | BPF_IMM | BPF_DW))
				CHECK(in[j].src_reg == 0 || in[j].src_reg == BPF_PSEUDO_FUNC);
	}
	CHECK_EQ(bpf_obj_load(obj, &r), -EALREADY);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "already loaded");
	bpf_obj_free(obj);
}

TEST(bpf_obj_subprograms_appended)
{
	OPEN(obj, "loader_sched.bpf.o");
	struct fake f = { 0 };
	struct bpf_obj_resolver r = fake_resolver(&f);
	struct bpf_prog *enq, *disp;
	const struct bpf_insn *in;
	u32 n, calls = 0;

	CHECK_EQ(bpf_obj_load(obj, &r), 0);
	enq = bpf_obj_prog_by_name(obj, "BPF_PROG_enqueue");
	disp = bpf_obj_prog_by_name(obj, "BPF_PROG_dispatch");
	/* enqueue -> weight_of -> scale (transitively); dispatch -> count_cb (callback), scale */
	CHECK_EQ(bpf_prog_func_cnt(enq), 3);
	CHECK_STR(bpf_prog_func(enq, 0)->name, "BPF_PROG_enqueue");
	CHECK_EQ(bpf_prog_func(enq, 0)->pc, 0);
	CHECK_STR(bpf_prog_func(enq, 1)->name, "weight_of");
	CHECK_STR(bpf_prog_func(enq, 2)->name, "scale");
	CHECK_STR(btf_type_name(bpf_obj_btf(obj), bpf_prog_func(enq, 2)->btf_id), "scale");
	CHECK(bpf_prog_func(enq, 3) == NULL);
	CHECK_EQ(bpf_prog_func_cnt(disp), 3);
	CHECK_STR(bpf_prog_func(disp, 1)->name, "count_cb");
	CHECK_STR(bpf_prog_func(disp, 2)->name, "scale");
	CHECK_EQ(bpf_prog_func_cnt(bpf_obj_prog_by_name(obj, "setup")), 1);
	/* every bpf-to-bpf call and callback points at the start of a function of the program */
	for (int k = 0; k < 2; k++) {
		struct bpf_prog *p = k ? disp : enq;

		in = bpf_prog_insns(p, &n);
		for (u32 i = 0; i < n; i++) {
			bool call = in[i].code == (BPF_JMP | BPF_CALL) && in[i].src_reg == BPF_PSEUDO_CALL;
			bool cb = in[i].code == (BPF_LD | BPF_IMM | BPF_DW) && in[i].src_reg == BPF_PSEUDO_FUNC;
			s64 tgt = (s64)i + in[i].imm + 1;
			bool ok = false;

			if (!call && !cb)
				continue;
			calls++;
			for (int j = 1; j < bpf_prog_func_cnt(p); j++)
				ok |= bpf_prog_func(p, j)->pc == tgt;
			CHECK(ok);
			if (cb)
				CHECK_STR(bpf_prog_func(p, 1)->name, "count_cb");
		}
	}
	CHECK_EQ(calls, 4); /* enqueue->weight_of, weight_of->scale, dispatch: callback + scale */
	bpf_obj_free(obj);
}

TEST(bpf_obj_line_info)
{
	OPEN(obj, "loader_sched.bpf.o");
	struct fake f = { 0 };
	struct bpf_obj_resolver r = fake_resolver(&f);
	struct bpf_prog *p;
	const struct bpf_line *l;
	const char *s;
	u32 n;

	CHECK_EQ(bpf_obj_load(obj, &r), 0);
	p = bpf_obj_prog_by_name(obj, "BPF_PROG_enqueue");
	bpf_prog_insns(p, &n);
	s = bpf_prog_line(p, 0);
	CHECK_CONTAINS(s, "loader_sched.bpf.c:");
	CHECK_CONTAINS(s, "void BPF_PROG_enqueue(struct task_struct *p, u64 enq_flags)");
	/* an instruction of the appended subprogram maps to the subprogram's source */
	CHECK_CONTAINS(bpf_prog_line(p, bpf_prog_func(p, 2)->pc), "return v * slice_ns / 1000 + nr_enqueued;");
	CHECK_CONTAINS(bpf_prog_line(p, bpf_prog_func(p, 1)->pc + 1), "return scale(pid) + seed + extra[pid & 3];");
	CHECK_EQ(bpf_prog_line_info(p, bpf_prog_func(p, 2)->pc, &l), 0);
	CHECK_EQ(l->line, 58);
	CHECK(l->col > 0);
	CHECK_CONTAINS(l->file, "loader_sched.bpf.c");
	CHECK(bpf_prog_line(p, n) == NULL);
	CHECK_EQ(bpf_prog_line_info(p, n + 5, &l), -ENOENT);
	bpf_obj_free(obj);
}

TEST(bpf_obj_weak_kfunc_absent_poisons)
{
	OPEN(obj, "loader_sched.bpf.o");
	struct fake f = { .absent = "scx_bpf_missing_kfunc" };
	struct bpf_obj_resolver r = fake_resolver(&f);
	struct bpf_prog *p;
	const struct bpf_insn *in;
	const struct bpf_extern *e = bpf_obj_extern(obj, 1);
	u32 n, poisoned = 0;

	CHECK_EQ(bpf_obj_load(obj, &r), 0);
	CHECK(!e->resolved);
	CHECK_EQ(e->kfunc_idx, -1);
	CHECK_EQ(e->addr, 0);
	p = bpf_obj_prog_by_name(obj, "BPF_PROG_enqueue");
	in = bpf_prog_insns(p, &n);
	for (u32 i = 0; i < n; i++) {
		if (in[i].code != (BPF_JMP | BPF_CALL) || in[i].imm != BPF_OBJ_POISON_KFUNC_BASE + 1)
			continue;
		poisoned++;
		CHECK_EQ(in[i].src_reg, 0);
		CHECK_CONTAINS(bpf_prog_poison_reason(p, i), "prog 'BPF_PROG_enqueue': insn");
		CHECK_CONTAINS(bpf_prog_poison_reason(p, i), "call to absent weak kfunc 'scx_bpf_missing_kfunc'");
	}
	CHECK_EQ(poisoned, 1);
	CHECK(bpf_prog_poison_reason(p, 0) == NULL);
	/* bpf_ksym_exists() of the absent kfunc loads 0 */
	CHECK_EQ(in[25].code, BPF_LD | BPF_IMM | BPF_DW);
	CHECK_EQ(ldimm64(&in[25]), 0);
	/* the weak ksym variable without a resolver: 0 */
	CHECK_EQ(bpf_obj_extern(obj, 5)->addr, 0);
	bpf_obj_free(obj);
}

TEST(bpf_obj_strong_kfunc_absent_fails)
{
	OPEN(obj, "loader_sched.bpf.o");
	struct fake f = { .absent = "scx_bpf_create_dsq" };
	struct bpf_obj_resolver r = fake_resolver(&f);

	CHECK_EQ(bpf_obj_load(obj, &r), -ENOENT);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "loader_sched.bpf.o: prog 'BPF_PROG_init': kfunc 'scx_bpf_create_dsq' "
			"not found (declare it __weak to make it optional)");
	CHECK(!bpf_obj_loaded(obj));
	CHECK_EQ(bpf_obj_load(obj, &r), -EALREADY);
	bpf_obj_free(obj);
}

TEST(bpf_obj_load_resolver_errors)
{
	struct fake f = { .no_maps = true };
	struct bpf_obj_resolver r = fake_resolver(&f);

	{
		OPEN(obj, "loader_sched.bpf.o");
		CHECK_EQ(bpf_obj_load(obj, &r), -ENOENT);
		CHECK_CONTAINS(bpf_obj_errmsg(obj), "map 'stats': resolver gave no address");
		bpf_obj_free(obj);
	}
	{
		OPEN(obj, "loader_sched.bpf.o");
		/* no resolver at all: the first strong extern (in symbol order) fails */
		CHECK_EQ(bpf_obj_load(obj, NULL), -ENOENT);
		CHECK_CONTAINS(bpf_obj_errmsg(obj), "kfunc 'scx_bpf_dispatch' not found");
		bpf_obj_free(obj);
	}
}

static int bad_kfunc(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *e, s32 *idx, u64 *addr)
{
	*idx = 3;
	*addr = 0;
	return 0;
}

static int failing_kfunc(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *e, s32 *idx, u64 *addr)
{
	return -EIO;
}

TEST(bpf_obj_kfunc_resolver_misbehaves)
{
	struct fake f = { 0 };
	struct bpf_obj_resolver r = fake_resolver(&f);

	{
		OPEN(obj, "loader_sched.bpf.o");
		r.kfunc = bad_kfunc;
		CHECK_EQ(bpf_obj_load(obj, &r), -EINVAL);
		CHECK_CONTAINS(bpf_obj_errmsg(obj), "kfunc 'scx_bpf_dispatch': resolver gave index 3, address 0");
		bpf_obj_free(obj);
	}
	{
		OPEN(obj, "loader_sched.bpf.o");
		r.kfunc = failing_kfunc;
		CHECK_EQ(bpf_obj_load(obj, &r), -EIO);
		CHECK_CONTAINS(bpf_obj_errmsg(obj), "extern 'scx_bpf_dispatch': resolver failed (-5)");
		bpf_obj_free(obj);
	}
}

TEST(bpf_obj_multi_programs_per_section)
{
	OPEN(obj, "loader_multi.bpf.o");
	struct fake f = { 0 };
	struct bpf_obj_resolver r = fake_resolver(&f);
	int str = bpf_obj_map_by_name(obj, ".rodata.str1.1");

	CHECK_EQ(bpf_obj_prog_cnt(obj), 2);
	CHECK_STR(bpf_prog_name(bpf_obj_prog(obj, 0)), "first");
	CHECK_STR(bpf_prog_name(bpf_obj_prog(obj, 1)), "second");
	CHECK_STR(bpf_prog_section(bpf_obj_prog(obj, 1)), "tp/multi");
	CHECK_EQ(bpf_prog_kind(bpf_obj_prog(obj, 1)), BPF_PROG_OTHER);
	CHECK(!bpf_prog_sleepable(bpf_obj_prog(obj, 1)));
	CHECK(str >= 0);
	CHECK_EQ(bpf_obj_map(obj, str)->origin, BPF_MAP_ORIGIN_RODATA);
	CHECK_STR((const char *)bpf_obj_map(obj, str)->init_data, "hello, multi");
	CHECK_EQ(bpf_obj_load(obj, &r), 0);
	for (int i = 0; i < 2; i++) {
		struct bpf_prog *p = bpf_obj_prog(obj, i);
		u32 n;
		const struct bpf_insn *in = bpf_prog_insns(p, &n);

		/* each program gets its own copy of the global subprogram */
		CHECK_EQ(bpf_prog_func_cnt(p), 2);
		CHECK_STR(bpf_prog_func(p, 1)->name, "pick");
		CHECK_EQ(in[1].src_reg, BPF_PSEUDO_CALL);
		CHECK_EQ(1 + in[1].imm + 1, bpf_prog_func(p, 1)->pc);
		CHECK(find_ld(in, n, 0, VAL_BASE + str * 0x1000, VAL_BASE + str * 0x1000 + 1) >= 0);
	}
	bpf_obj_free(obj);
}

/* ---- kfunc flavours --------------------------------------------------------------------------------- */

TEST(bpf_obj_func_proto_compat_rules)
{
	OPEN(obj, "loader_sched.bpf.o");
	OPEN(targ, "loader_core_target.bpf.o");
	const struct btf *lb = bpf_obj_btf(obj), *tb = bpf_obj_btf(targ);
	u32 tflav = btf_type_by_id(tb, btf_find_by_name_kind(tb, "scx_bpf_flavored", BTF_KIND_FUNC))->type;
	u32 tdisp = btf_type_by_id(tb, btf_find_by_name_kind(tb, "scx_bpf_dispatch", BTF_KIND_FUNC))->type;
	u32 tdsq = btf_type_by_id(tb, btf_find_by_name_kind(tb, "scx_bpf_create_dsq", BTF_KIND_FUNC))->type;
	char why[256];

	CHECK(bpf_obj_func_proto_compat(lb, bpf_obj_extern(obj, 3)->type_id, tb, tflav, why, sizeof(why)));
	CHECK(!bpf_obj_func_proto_compat(lb, bpf_obj_extern(obj, 4)->type_id, tb, tflav, why, sizeof(why)));
	CHECK_STR(why, "local has 1 arguments, target has 2");
	CHECK(bpf_obj_func_proto_compat(lb, bpf_obj_extern(obj, 0)->type_id, tb, tdisp, why, sizeof(why)));
	CHECK(bpf_obj_func_proto_compat(lb, bpf_obj_extern(obj, 7)->type_id, tb, tdsq, why, sizeof(why)));
	/* dispatch(struct task_struct *, u64, u64, u64) vs create_dsq(u64, s32) */
	CHECK(!bpf_obj_func_proto_compat(lb, bpf_obj_extern(obj, 0)->type_id, tb, tdsq, why, sizeof(why)));
	/* same count, different kinds: flavored___v2 (u64, u64) -> u32 vs dsq (u64, s32) -> s32 */
	CHECK(!bpf_obj_func_proto_compat(lb, bpf_obj_extern(obj, 3)->type_id, tb, tdsq, why, sizeof(why)));
	CHECK_STR(why, "argument 2: local is integer (size 8), target is integer (size 4)");
	/* struct pointer vs integer */
	CHECK(!bpf_obj_func_proto_compat(lb, bpf_obj_extern(obj, 0)->type_id, tb, tflav, NULL, 0));
	CHECK(!bpf_obj_func_proto_compat(lb, bpf_obj_extern(obj, 0)->btf_id, tb, tflav, why, sizeof(why)));
	CHECK_STR(why, "not a function prototype");
	bpf_obj_free(obj);
	bpf_obj_free(targ);
}

TEST(bpf_obj_kfunc_flavor_resolution)
{
	OPEN(obj, "loader_sched.bpf.o");
	OPEN(targ, "loader_core_target.bpf.o");
	struct fake f = { .targ = bpf_obj_btf(targ), .absent = "scx_bpf_missing_kfunc" };
	struct bpf_obj_resolver r = fake_resolver(&f);

	CHECK_EQ(bpf_obj_load(obj, &r), 0);
	CHECK(bpf_obj_extern(obj, 3)->resolved);           /* ___v2 matches (u64, u64) */
	CHECK_EQ(bpf_obj_extern(obj, 3)->kfunc_idx, 12);
	CHECK(!bpf_obj_extern(obj, 4)->resolved);          /* ___v1 does not: absent, weak */
	CHECK_EQ(bpf_obj_extern(obj, 4)->addr, 0);
	CHECK_EQ(f.kfunc_calls, 5);
	bpf_obj_free(obj);
	bpf_obj_free(targ);
}

/* ---- CO-RE ---------------------------------------------------------------------------------------- */

static const struct bpf_core_result *core_find(const struct bpf_obj *obj, const char *prog, const char *kind,
					       const char *spec)
{
	for (int i = 0; i < bpf_obj_core_result_cnt(obj); i++) {
		const struct bpf_core_result *c = bpf_obj_core_result(obj, i);

		if (!strcmp(c->prog, prog) && !strcmp(c->kind, kind) && !strcmp(c->spec, spec))
			return c;
	}
	return NULL;
}

static const struct bpf_insn *prog_insn(const struct bpf_obj *obj, const char *prog, u32 pc)
{
	u32 n;
	const struct bpf_insn *in = bpf_prog_insns(bpf_obj_prog_by_name(obj, prog), &n);

	return pc < n ? &in[pc] : NULL;
}

#define CORE(var, prog, kind, spec)                                              \
	const struct bpf_core_result *var = core_find(obj, prog, kind, spec);    \
	if (!var)                                                                \
		FAIL_("no CO-RE result %s %s %s", prog, kind, spec)

static int load_core(struct bpf_obj *obj, struct bpf_obj *targ, bool strict)
{
	struct bpf_obj_resolver r = { .target_btf = bpf_obj_btf(targ), .core_strict = strict };

	return bpf_obj_load(obj, &r);
}

TEST(bpf_obj_core_field_offsets)
{
	OPEN(obj, "loader_core.bpf.o");
	OPEN(targ, "loader_core_target.bpf.o");
	const struct btf *tb = bpf_obj_btf(targ);
	struct btf_member_info mi;
	s32 task = btf_find_by_name_kind(tb, "task_struct", BTF_KIND_STRUCT);

	CHECK_EQ(load_core(obj, targ, false), 0);
	CHECK_EQ(bpf_obj_core_result_cnt(obj), 29);
	{
		CORE(c, "read_fields", "byte_off", "task_struct.se.vruntime");
		CHECK_EQ(c->local_val, 8);
		CHECK_EQ(c->target_val, 24);
		CHECK_EQ(prog_insn(obj, "read_fields", c->insn)->off, 24);
	}
	{
		/* pid moved into an anonymous struct in the target */
		CORE(c, "read_fields", "byte_off", "task_struct.pid");
		CHECK_EQ(btf_member_by_name(tb, task, "pid", &mi), 0);
		CHECK_EQ(c->target_val, mi.bit_offset / 8);
		CHECK_EQ(c->target_val, 36);
		CHECK_EQ(prog_insn(obj, "read_fields", c->insn)->off, 36);
	}
	{
		CORE(c, "read_fields", "byte_off", "task_struct.comm[3]");
		CHECK_EQ(c->target_val, 43);
	}
	{
		/* u32 -> u64: offset and load size change (unsigned, allowed) */
		CORE(c, "read_fields", "byte_off", "task_struct.ucnt");
		const struct bpf_insn *in = prog_insn(obj, "read_fields", c->insn);

		CHECK_EQ(c->target_val, 88);
		CHECK_EQ(in->off, 88);
		CHECK_EQ(BPF_SIZE(in->code), BPF_DW);
		CHECK(!c->poisoned);
	}
	{
		CORE(c, "write_field", "byte_off", "task_struct.se.weight");
		CHECK_EQ(c->target_val, 8);
		CHECK_EQ(BPF_CLASS(prog_insn(obj, "write_field", c->insn)->code), BPF_STX);
		CHECK_EQ(prog_insn(obj, "write_field", c->insn)->off, 8);
	}
	bpf_obj_free(obj);
	bpf_obj_free(targ);
}

TEST(bpf_obj_core_bitfields)
{
	static const struct { const char *kind; u64 local, target; } want[] = {
		{ "byte_off", 4, 72 }, { "byte_sz", 4, 2 }, { "field_exists", 1, 1 },
		{ "signed", 0, 0 }, { "lshift_u64", 56, 51 }, { "rshift_u64", 59, 58 },
	};
	OPEN(obj, "loader_core.bpf.o");
	OPEN(targ, "loader_core_target.bpf.o");

	CHECK_EQ(load_core(obj, targ, false), 0);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		CORE(c, "bitfield", want[i].kind, "task_struct.prio");
		const struct bpf_insn *in = prog_insn(obj, "bitfield", c->insn);

		CHECK_EQ(c->local_val, want[i].local);
		CHECK_EQ(c->target_val, want[i].target);
		CHECK_EQ(BPF_CLASS(in->code), BPF_ALU64);
		CHECK_EQ(in->imm, (s32)want[i].target);
	}
	bpf_obj_free(obj);
	bpf_obj_free(targ);
}

TEST(bpf_obj_core_guarded_poison)
{
	OPEN(obj, "loader_core.bpf.o");
	OPEN(targ, "loader_core_target.bpf.o");
	struct bpf_prog *p;

	CHECK_EQ(load_core(obj, targ, false), 0);
	p = bpf_obj_prog_by_name(obj, "guarded");
	{
		CORE(c, "guarded", "field_exists", "task_struct.removed_field");
		CHECK_EQ(c->target_val, 0);
		CHECK_EQ(prog_insn(obj, "guarded", c->insn)->imm, 0);
	}
	{
		CORE(c, "guarded", "byte_off", "task_struct.removed_field");
		const struct bpf_insn *in = prog_insn(obj, "guarded", c->insn);

		CHECK(c->poisoned);
		CHECK_EQ(in->code, BPF_JMP | BPF_CALL);
		CHECK_EQ(in->src_reg, 0);
		CHECK_EQ(in->imm, BPF_OBJ_POISON_CORE);
		CHECK_STR(bpf_prog_poison_reason(p, c->insn),
			  "prog 'guarded': insn 2: CO-RE byte_off: field 'task_struct.removed_field' (access 0:5) "
			  "not found in the target BTF");
	}
	{
		/* a ___flavor type is matched by its essential name; its field is not there */
		CORE(c, "guarded", "field_exists", "task_struct___old.old_pid");
		CHECK_EQ(c->target_val, 0);
	}
	{
		CORE(c, "signed_resize", "byte_off", "task_struct.sval");
		CHECK(c->poisoned);
		CHECK_CONTAINS(bpf_prog_poison_reason(bpf_obj_prog_by_name(obj, "signed_resize"), c->insn),
			       "field 'task_struct.sval' changed size in the target and is not an unsigned integer or pointer");
	}
	bpf_obj_free(obj);
	bpf_obj_free(targ);
}

TEST(bpf_obj_core_types_and_enums)
{
	OPEN(obj, "loader_core.bpf.o");
	OPEN(targ, "loader_core_target.bpf.o");
	const struct btf *tb = bpf_obj_btf(targ), *lb = bpf_obj_btf(obj);
	s32 ttask = btf_find_by_name_kind(tb, "task_struct", BTF_KIND_STRUCT);
	s32 ltask = btf_find_by_name_kind(lb, "task_struct", BTF_KIND_STRUCT);

	CHECK_EQ(load_core(obj, targ, false), 0);
	{
		CORE(c, "type_ids", "target_type_id", "task_struct");
		CHECK_EQ(c->target_val, ttask);
		CHECK_EQ(ldimm64(prog_insn(obj, "type_ids", c->insn)), (u64)ttask);
	}
	{
		CORE(c, "type_ids", "local_type_id", "task_struct");
		CHECK_EQ(c->target_val, ltask);
	}
	{
		CORE(c, "types", "type_exists", "task_struct");
		CHECK_EQ(c->target_val, 1);
	}
	{
		CORE(c, "types", "type_exists", "not_in_target");
		CHECK_EQ(c->target_val, 0);
		CHECK(!c->poisoned);
	}
	{
		CORE(c, "types", "type_size", "task_struct");
		CHECK_EQ(c->local_val, 56);
		CHECK_EQ(c->target_val, btf_type_size(tb, ttask));
		CHECK_EQ(c->target_val, 96);
		CHECK_EQ(prog_insn(obj, "types", c->insn)->imm, 96);
	}
	{
		CORE(c, "types", "type_matches", "rq_match"); /* members found by name, reordered */
		CHECK_EQ(c->target_val, 1);
	}
	{
		CORE(c, "types", "type_matches", "task_struct"); /* removed_field is missing */
		CHECK_EQ(c->target_val, 0);
	}
	{
		CORE(c, "enums", "enumval_exists", "scx_flags::SCX_A");
		CHECK_EQ(c->target_val, 1);
	}
	{
		CORE(c, "enums", "enumval_exists", "scx_flags::SCX_GONE");
		CHECK_EQ(c->target_val, 0);
	}
	{
		CORE(c, "enums", "enumval_value", "scx_flags::SCX_B");
		CHECK_EQ(c->local_val, 2);
		CHECK_EQ(c->target_val, 20);
	}
	{
		CORE(c, "enum_gone", "enumval_value", "scx_flags::SCX_GONE");
		const struct bpf_insn *in = prog_insn(obj, "enum_gone", c->insn);

		CHECK(c->poisoned);
		CHECK_EQ(in[0].imm, BPF_OBJ_POISON_CORE);
		if (in[0].code == (BPF_JMP | BPF_CALL) && c->insn + 1 < 3)
			CHECK(in[1].imm == BPF_OBJ_POISON_CORE || in[1].code != 0);
		CHECK_CONTAINS(bpf_prog_poison_reason(bpf_obj_prog_by_name(obj, "enum_gone"), c->insn),
			       "enumerator 'scx_flags::SCX_GONE' not found in the target BTF");
	}
	bpf_obj_free(obj);
	bpf_obj_free(targ);
}

TEST(bpf_obj_core_strict_fails)
{
	OPEN(obj, "loader_core.bpf.o");
	OPEN(targ, "loader_core_target.bpf.o");

	CHECK_EQ(load_core(obj, targ, true), -ENOENT);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "loader_core.bpf.o: prog 'guarded': insn 2: CO-RE byte_off: "
			"field 'task_struct.removed_field' (access 0:5) not found in the target BTF");
	bpf_obj_free(obj);
	bpf_obj_free(targ);
}

TEST(bpf_obj_core_needs_target)
{
	OPEN(obj, "loader_core.bpf.o");

	CHECK_EQ(bpf_obj_load(obj, NULL), -EINVAL);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "object has CO-RE relocations but no target BTF was given");
	bpf_obj_free(obj);
}

TEST(bpf_obj_core_ambiguous_candidates)
{
	OPEN(obj, "loader_core.bpf.o");
	OPEN(same, "loader_core.bpf.o");

	/* the object's own BTF has task_struct and task_struct___old: both are candidates for
	 * task_struct and they disagree (as libbpf, this is an error, not a guess) */
	CHECK_EQ(load_core(obj, same, false), -EINVAL);
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "ambiguous: target candidates disagree");
	CHECK_CONTAINS(bpf_obj_errmsg(obj), "loader_core.bpf.o: prog '");
	bpf_obj_free(obj);
	bpf_obj_free(same);
}

/* ---- hostile inputs ----------------------------------------------------------------------------------- */

static int open_buf(const u8 *buf, size_t n, char *err, size_t errlen)
{
	struct bpf_obj *obj = NULL;
	int ret = bpf_obj_open_mem(buf, n, "sched.bpf.o", &obj, err, errlen);

	bpf_obj_free(obj);
	return ret;
}

TEST(bpf_obj_rejects_data_files)
{
	static const struct { const char *file, *msg; } cases[] = {
		{ "tests/data/elf/not_elf.txt", "not_elf.txt: not an ELF file" },
		{ "tests/data/elf/x86_64.o", "x86_64.o: e_machine is x86-64 (62), expected BPF (247)" },
		{ "tests/data/elf/nobtf.bpf.o", "nobtf.bpf.o: no .BTF section (compile with clang -g)" },
		{ "tests/data/elf/does_not_exist.o", "does_not_exist.o: No such file or directory" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char err[BPF_OBJ_ERR_MAX] = "";
		struct bpf_obj *obj = (void *)1;

		CHECK(bpf_obj_open_file(cases[i].file, &obj, err, sizeof(err)) < 0);
		CHECK(obj == NULL);
		CHECK_CONTAINS(err, cases[i].msg);
	}
}

TEST(bpf_obj_rejects_bad_idents)
{
	size_t n;
	u8 *buf = slurp(obj_path("loader_sched.bpf.o"), &n);
	char err[BPF_OBJ_ERR_MAX];

	if (!buf)
		FAIL_("cannot read %s", obj_path("loader_sched.bpf.o"));
	buf[EI_CLASS] = ELFCLASS32;
	CHECK_EQ(open_buf(buf, n, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "sched.bpf.o: ELF class is 32-bit (1), expected 64-bit (2)");
	buf[EI_CLASS] = ELFCLASS64, buf[EI_DATA] = ELFDATA2MSB;
	CHECK_EQ(open_buf(buf, n, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "sched.bpf.o: ELF data encoding is big-endian (2), expected little-endian (1)");
	buf[EI_DATA] = ELFDATA2LSB, buf[EI_VERSION] = 9;
	CHECK_EQ(open_buf(buf, n, err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "ELF version 9");
	buf[EI_VERSION] = EV_CURRENT;
	CHECK_EQ(open_buf(buf, 40, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "sched.bpf.o: truncated ELF header (40 bytes)");
	CHECK_EQ(open_buf(buf, 3, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "sched.bpf.o: not an ELF file");
	CHECK_EQ(open_buf(buf, n, err, sizeof(err)), 0);
	free(buf);
}

static u8 *mutated(const u8 *orig, size_t n)
{
	u8 *b = malloc(n);

	memcpy(b, orig, n);
	return b;
}

static Elf64_Ehdr ehdr_of(const u8 *b)
{
	Elf64_Ehdr eh;

	memcpy(&eh, b, sizeof(eh));
	return eh;
}

static Elf64_Shdr *shdr_at(u8 *b, int i)
{
	return (Elf64_Shdr *)(b + ehdr_of(b).e_shoff + i * sizeof(Elf64_Shdr));
}

static int sec_index(u8 *b, const char *name)
{
	Elf64_Ehdr eh = ehdr_of(b);
	const char *strs = (const char *)b + shdr_at(b, eh.e_shstrndx)->sh_offset;

	for (int i = 0; i < eh.e_shnum; i++)
		if (!strcmp(strs + shdr_at(b, i)->sh_name, name))
			return i;
	return -1;
}

#define EXPECT_ERR(buf, n, needle)                                           \
	do {                                                                 \
		char e_[BPF_OBJ_ERR_MAX] = "";                               \
		CHECK(open_buf(buf, n, e_, sizeof(e_)) < 0);                 \
		CHECK_CONTAINS(e_, needle);                                  \
	} while (0)

TEST(bpf_obj_rejects_corrupt_headers)
{
	size_t n;
	u8 *orig = slurp(obj_path("loader_sched.bpf.o"), &n), *b;
	Elf64_Ehdr *eh;
	int rel, sym;

	if (!orig)
		FAIL_("cannot read test object");
	b = mutated(orig, n), eh = (Elf64_Ehdr *)b;
	eh->e_machine = EM_AARCH64;
	EXPECT_ERR(b, n, "sched.bpf.o: e_machine is AArch64 (183), expected BPF (247)");
	eh->e_machine = EM_BPF, eh->e_type = ET_EXEC;
	EXPECT_ERR(b, n, "e_type is 2, expected a relocatable object (1)");
	eh->e_type = ET_REL, eh->e_shoff = n - 10;
	EXPECT_ERR(b, n, "section header table (");
	eh->e_shoff = ehdr_of(orig).e_shoff, eh->e_shentsize = 60;
	EXPECT_ERR(b, n, "e_shentsize is 60, expected 64");
	eh->e_shentsize = 64, eh->e_shstrndx = eh->e_shnum + 3;
	EXPECT_ERR(b, n, "e_shstrndx");
	eh->e_shstrndx = ehdr_of(orig).e_shstrndx, eh->e_shnum = 0;
	EXPECT_ERR(b, n, "no section headers");
	free(b);

	/* a section whose data runs past the file */
	b = mutated(orig, n);
	shdr_at(b, sec_index(b, ".text"))->sh_size = n;
	EXPECT_ERR(b, n, "out of range");
	free(b);
	b = mutated(orig, n);
	shdr_at(b, sec_index(b, ".BTF"))->sh_offset = (u64)1 << 62;
	EXPECT_ERR(b, n, "out of range");
	free(b);
	/* a SHT_NULL section is bounds-checked too (found by the fuzzer) */
	b = mutated(orig, n);
	shdr_at(b, sec_index(b, ".debug_str"))->sh_type = SHT_NULL;
	shdr_at(b, sec_index(b, ".debug_str"))->sh_offset = (u64)1 << 40;
	EXPECT_ERR(b, n, "out of range");
	free(b);
	/* .bss is not backed by the file: its size is capped (found by the fuzzer) */
	b = mutated(orig, n);
	shdr_at(b, sec_index(b, ".bss"))->sh_size = (u64)1 << 27;
	EXPECT_ERR(b, n, "section '.bss': too large (134217728 bytes, limit 67108864)");
	free(b);
	/* code size not a multiple of 8 */
	b = mutated(orig, n);
	shdr_at(b, sec_index(b, ".text"))->sh_size -= 4;
	EXPECT_ERR(b, n, "section '.text': size");
	free(b);
	/* a section name outside the name table */
	b = mutated(orig, n);
	shdr_at(b, 3)->sh_name = 0x7fffffff;
	EXPECT_ERR(b, n, "section 3: name offset");
	free(b);
	/* relocation 3 pointing past its section, and at a symbol that does not exist */
	b = mutated(orig, n);
	rel = sec_index(b, ".relstruct_ops/enqueue");
	CHECK(rel > 0);
	((Elf64_Rel *)(b + shdr_at(b, rel)->sh_offset))[3].r_offset = 0x100000;
	EXPECT_ERR(b, n, "sched.bpf.o: section '.relstruct_ops/enqueue': relocation 3 out of range");
	free(b);
	b = mutated(orig, n);
	((Elf64_Rel *)(b + shdr_at(b, rel)->sh_offset))[1].r_info = ELF64_R_INFO(9999, R_BPF_64_64);
	EXPECT_ERR(b, n, "section '.relstruct_ops/enqueue': relocation 1: symbol index 9999 out of range");
	free(b);
	b = mutated(orig, n);
	((Elf64_Rel *)(b + shdr_at(b, rel)->sh_offset))[0].r_offset = 8; /* not a call / ld_imm64 */
	EXPECT_ERR(b, n, "instruction cannot be relocated");
	free(b);
	/* symbol table damage */
	b = mutated(orig, n);
	sym = sec_index(b, ".symtab");
	((Elf64_Sym *)(b + shdr_at(b, sym)->sh_offset))[4].st_shndx = 999;
	EXPECT_ERR(b, n, "section '.symtab': symbol 4: section index 999 out of range");
	free(b);
	b = mutated(orig, n);
	((Elf64_Sym *)(b + shdr_at(b, sym)->sh_offset))[4].st_name = 0x7fffffff;
	EXPECT_ERR(b, n, "symbol 4: name offset");
	free(b);
	b = mutated(orig, n);
	shdr_at(b, sym)->sh_entsize = 16;
	EXPECT_ERR(b, n, "bad symbol entry size");
	free(b);
	/* a static function in a program section is not a program (as libbpf) */
	b = mutated(orig, n);
	for (Elf64_Sym *s = (Elf64_Sym *)(b + shdr_at(b, sym)->sh_offset);
	     (u8 *)s < b + shdr_at(b, sym)->sh_offset + shdr_at(b, sym)->sh_size; s++)
		if (!strcmp((char *)b + shdr_at(b, shdr_at(b, sym)->sh_link)->sh_offset + s->st_name, "BPF_PROG_exit"))
			s->st_info = ELF64_ST_INFO(STB_LOCAL, STT_FUNC);
	EXPECT_ERR(b, n, "section 'struct_ops/exit': program 'BPF_PROG_exit' is static, not supported");
	free(b);
	/* a struct_ops relocation of the wrong type */
	b = mutated(orig, n);
	rel = sec_index(b, ".rel.struct_ops.link");
	((Elf64_Rel *)(b + shdr_at(b, rel)->sh_offset))[0].r_info =
		ELF64_R_INFO(ELF64_R_SYM(((Elf64_Rel *)(b + shdr_at(b, rel)->sh_offset))[0].r_info), 3 /* R_BPF_64_ABS32 */);
	EXPECT_ERR(b, n, "section '.rel.struct_ops.link': relocation 0: type 3, expected R_BPF_64_ABS64");
	free(b);
	/* .BTF present but damaged */
	b = mutated(orig, n);
	b[shdr_at(b, sec_index(b, ".BTF"))->sh_offset] ^= 0xff;
	EXPECT_ERR(b, n, "sched.bpf.o: section '.BTF': bad magic");
	free(b);
	b = mutated(orig, n);
	b[shdr_at(b, sec_index(b, ".BTF.ext"))->sh_offset + 11] = 0x7f; /* func_info_off */
	EXPECT_ERR(b, n, "section '.BTF.ext': func_info [");
	free(b);
	free(orig);
}

/* Every truncation of a good object must fail cleanly (and never crash under ASan). */
TEST(bpf_obj_rejects_every_truncation)
{
	size_t n;
	u8 *orig = slurp(obj_path("loader_sched.bpf.o"), &n);
	char err[BPF_OBJ_ERR_MAX];

	if (!orig)
		FAIL_("cannot read test object");
	for (size_t len = 0; len < n; len++) {
		err[0] = '\0';
		if (open_buf(orig, len, err, sizeof(err)) >= 0)
			FAIL_("truncated to %zu of %zu bytes but opened", len, n);
		if (strncmp(err, "sched.bpf.o: ", 13))
			FAIL_("truncated to %zu: message \"%s\" does not name the file", len, err);
	}
	CHECK_EQ(open_buf(orig, n, err, sizeof(err)), 0);
	free(orig);
}

/* Deterministic random corruption: open (and, when it opens, load) must never crash and must
 * say why it failed. */
TEST(bpf_obj_survives_byte_flips)
{
	static const char *const objs[] = { "loader_sched.bpf.o", "loader_core.bpf.o" };
	u64 rng = 0x9e3779b97f4a7c15ULL;
	int opened = 0, rejected = 0;

	for (size_t o = 0; o < ARRAY_SIZE(objs); o++) {
		size_t n;
		u8 *orig = slurp(obj_path(objs[o]), &n);
		OPEN(targ, "loader_core_target.bpf.o");

		if (!orig)
			FAIL_("cannot read %s", objs[o]);
		for (int iter = 0; iter < 1500; iter++) {
			u8 *b = mutated(orig, n);
			char err[BPF_OBJ_ERR_MAX] = "";
			struct bpf_obj *obj = NULL;
			struct fake f = { 0 };
			struct bpf_obj_resolver r = fake_resolver(&f);

			for (int k = 0; k < 1 + iter % 4; k++) {
				rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
				b[(rng >> 33) % n] ^= 1u << ((rng >> 20) & 7);
			}
			if (bpf_obj_open_mem(b, n, "fuzz.o", &obj, err, sizeof(err)) == 0) {
				opened++;
				r.target_btf = bpf_obj_btf(targ);
				if (bpf_obj_load(obj, &r))
					CHECK_CONTAINS(bpf_obj_errmsg(obj), "fuzz.o: ");
			} else {
				rejected++;
				CHECK_CONTAINS(err, "fuzz.o: ");
			}
			bpf_obj_free(obj);
			free(b);
		}
		free(orig);
		bpf_obj_free(targ);
	}
	CHECK(opened > 0);
	CHECK(rejected > 0);
}

TEST(bpf_obj_free_null)
{
	bpf_obj_free(NULL);
	btf_free(NULL);
}
