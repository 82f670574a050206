/*
 * test_btf.c — unit tests of the BTF reader (src/ebpf/btf.c): a hand-built blob holding every
 * kind is parsed and queried (names, kinds, sizes, C spelling, member lookup through anonymous
 * members and by offset, modifier skipping), every validation error is provoked by a minimal
 * broken blob, and the reader is run on a real clang-produced .BTF.
 */
#include <errno.h>
#include <stdlib.h>

#include "scxsim/bpf_obj.h"
#include "scxsim/btf.h"
#include "test.h"

/* ---- a tiny BTF builder -------------------------------------------------------------------- */

struct bb {
	u32 types[512];
	u32 nt;           /* u32 words used */
	char strs[1024];
	u32 ns;
	u32 nr;           /* types added, ids are 1..nr */
};

static void bb_init(struct bb *b)
{
	memset(b, 0, sizeof(*b));
	b->ns = 1; /* strs[0] = '\0' */
}

static u32 bb_str(struct bb *b, const char *s)
{
	u32 off = b->ns;

	if (!*s)
		return 0;
	memcpy(b->strs + off, s, strlen(s) + 1);
	b->ns += strlen(s) + 1;
	return off;
}

static void bb_u32(struct bb *b, u32 v)
{
	b->types[b->nt++] = v;
}

#define INFO(kind, vlen, kflag) (((u32)(kflag) << 31) | ((u32)(kind) << 24) | (vlen))

/* start a type; returns its id */
static u32 bb_type(struct bb *b, const char *name, u32 kind, u32 vlen, bool kflag, u32 size_or_type)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, INFO(kind, vlen, kflag));
	bb_u32(b, size_or_type);
	return ++b->nr;
}

static size_t bb_blob(const struct bb *b, u8 *out)
{
	u32 hdr[6] = { 0x0001eB9F, 24, 0, b->nt * 4, b->nt * 4, b->ns };

	memcpy(out, hdr, 24);
	memcpy(out + 24, b->types, b->nt * 4);
	memcpy(out + 24 + b->nt * 4, b->strs, b->ns);
	return 24 + b->nt * 4 + b->ns;
}

static struct btf *bb_parse(const struct bb *b, char *err, size_t errlen, int *ret)
{
	static u8 blob[4096];
	struct btf *btf = NULL;
	size_t n = bb_blob(b, blob);

	*ret = btf_parse(blob, n, "test.btf", &btf, err, errlen);
	return btf;
}

/* ids of the "every kind" blob */
enum {
	T_INT = 1, T_UINT, T_CHAR, T_PTR_INT, T_ARR, T_STRUCT, T_UNION, T_ENUM, T_ENUM64, T_FWD,
	T_TYPEDEF, T_VOL, T_CONST, T_RESTRICT, T_PROTO, T_FUNC, T_VAR, T_DATASEC, T_FLOAT,
	T_DECL_TAG, T_TYPE_TAG, T_PTR_STRUCT, T_PTR_PROTO, T_CONST_PTR, T_U64, T_ANON_STRUCT,
	T_PTR_ARR,
};

static void build_all_kinds(struct bb *b)
{
	bb_init(b);
	bb_type(b, "int", 1, 0, 0, 4), bb_u32(b, (1u << 24) | 32);            /* T_INT signed */
	bb_type(b, "unsigned int", 1, 0, 0, 4), bb_u32(b, 32);                /* T_UINT */
	bb_type(b, "char", 1, 0, 0, 1), bb_u32(b, (1u << 24) | 8);            /* T_CHAR */
	bb_type(b, "", 2, 0, 0, T_INT);                                        /* T_PTR_INT */
	bb_type(b, "", 3, 0, 0, 0), bb_u32(b, T_CHAR), bb_u32(b, T_INT), bb_u32(b, 16); /* T_ARR */
	/* struct task { int pid; union { unsigned int a; char b; }; u64 vtime; unsigned flags:3,
	 * prio:5 (at bit 128); char comm[16]; } with kflag bitfield offsets */
	bb_type(b, "task", 4, 5, 1, 48);                                       /* T_STRUCT */
	bb_u32(b, bb_str(b, "pid")), bb_u32(b, T_INT), bb_u32(b, 0);
	bb_u32(b, 0), bb_u32(b, T_UNION), bb_u32(b, 32);
	bb_u32(b, bb_str(b, "vtime")), bb_u32(b, T_U64), bb_u32(b, 64);
	bb_u32(b, bb_str(b, "prio")), bb_u32(b, T_UINT), bb_u32(b, (5u << 24) | 128);
	bb_u32(b, bb_str(b, "comm")), bb_u32(b, T_ARR), bb_u32(b, 160);
	bb_type(b, "", 5, 2, 0, 4);                                            /* T_UNION */
	bb_u32(b, bb_str(b, "a")), bb_u32(b, T_UINT), bb_u32(b, 0);
	bb_u32(b, bb_str(b, "b")), bb_u32(b, T_CHAR), bb_u32(b, 0);
	bb_type(b, "mode", 6, 2, 1, 4);                                        /* T_ENUM signed */
	bb_u32(b, bb_str(b, "M_NEG")), bb_u32(b, (u32)-3);
	bb_u32(b, bb_str(b, "M_ONE")), bb_u32(b, 1);
	bb_type(b, "big", 19, 1, 0, 8);                                        /* T_ENUM64 */
	bb_u32(b, bb_str(b, "B_HUGE")), bb_u32(b, 0x1), bb_u32(b, 0x80000000);
	bb_type(b, "rq", 7, 0, 0, 0);                                          /* T_FWD struct */
	bb_type(b, "u32", 8, 0, 0, T_UINT);                                    /* T_TYPEDEF */
	bb_type(b, "", 9, 0, 0, T_TYPEDEF);                                    /* T_VOL */
	bb_type(b, "", 10, 0, 0, T_VOL);                                       /* T_CONST */
	bb_type(b, "", 11, 0, 0, T_PTR_INT);                                   /* T_RESTRICT */
	bb_type(b, "", 13, 3, 0, T_INT);                                       /* T_PROTO: int (struct task *, u32, ...) */
	bb_u32(b, bb_str(b, "p")), bb_u32(b, T_PTR_STRUCT);
	bb_u32(b, bb_str(b, "x")), bb_u32(b, T_TYPEDEF);
	bb_u32(b, 0), bb_u32(b, 0);
	bb_type(b, "enqueue", 12, 1, 0, T_PROTO);                              /* T_FUNC global */
	bb_type(b, "slice", 14, 0, 0, T_CONST), bb_u32(b, 1);                  /* T_VAR */
	bb_type(b, ".rodata", 15, 1, 0, 4);                                    /* T_DATASEC */
	bb_u32(b, T_VAR), bb_u32(b, 0), bb_u32(b, 4);
	bb_type(b, "double", 16, 0, 0, 8);                                     /* T_FLOAT */
	bb_type(b, "tag1", 17, 0, 0, T_STRUCT), bb_u32(b, (u32)-1);            /* T_DECL_TAG */
	bb_type(b, "user", 18, 0, 0, T_INT);                                   /* T_TYPE_TAG */
	bb_type(b, "", 2, 0, 0, T_STRUCT);                                     /* T_PTR_STRUCT */
	bb_type(b, "", 2, 0, 0, T_PROTO);                                      /* T_PTR_PROTO */
	bb_type(b, "", 10, 0, 0, T_PTR_INT);                                   /* T_CONST_PTR */
	bb_type(b, "u64", 1, 0, 0, 8), bb_u32(b, 64);                          /* T_U64 */
	bb_type(b, "", 4, 1, 0, 8);                                            /* T_ANON_STRUCT */
	bb_u32(b, bb_str(b, "deep")), bb_u32(b, T_U64), bb_u32(b, 0);
	bb_type(b, "", 2, 0, 0, T_ARR);                                        /* T_PTR_ARR */
}

static char *tstr(const struct btf *btf, u32 id)
{
	static char buf[256];

	if (btf_type_str(btf, id, buf, sizeof(buf)) < 0)
		return "(error)";
	return buf;
}

TEST(btf_parses_every_kind)
{
	struct bb b;
	char err[256] = "";
	int ret;
	struct btf *btf;
	static const struct { u32 id; u32 kind; const char *name; } want[] = {
		{ T_INT, BTF_KIND_INT, "int" }, { T_PTR_INT, BTF_KIND_PTR, "" },
		{ T_ARR, BTF_KIND_ARRAY, "" }, { T_STRUCT, BTF_KIND_STRUCT, "task" },
		{ T_UNION, BTF_KIND_UNION, "" }, { T_ENUM, BTF_KIND_ENUM, "mode" },
		{ T_ENUM64, BTF_KIND_ENUM64, "big" }, { T_FWD, BTF_KIND_FWD, "rq" },
		{ T_TYPEDEF, BTF_KIND_TYPEDEF, "u32" }, { T_VOL, BTF_KIND_VOLATILE, "" },
		{ T_CONST, BTF_KIND_CONST, "" }, { T_RESTRICT, BTF_KIND_RESTRICT, "" },
		{ T_PROTO, BTF_KIND_FUNC_PROTO, "" }, { T_FUNC, BTF_KIND_FUNC, "enqueue" },
		{ T_VAR, BTF_KIND_VAR, "slice" }, { T_DATASEC, BTF_KIND_DATASEC, ".rodata" },
		{ T_FLOAT, BTF_KIND_FLOAT, "double" }, { T_DECL_TAG, BTF_KIND_DECL_TAG, "tag1" },
		{ T_TYPE_TAG, BTF_KIND_TYPE_TAG, "user" },
	};

	build_all_kinds(&b);
	btf = bb_parse(&b, err, sizeof(err), &ret);
	if (ret)
		FAIL_("parse failed: %s", err);
	CHECK_EQ(btf_type_cnt(btf), T_PTR_ARR + 1);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		CHECK_EQ(btf_kind(btf_type_by_id(btf, want[i].id)), want[i].kind);
		CHECK_STR(btf_type_name(btf, want[i].id), want[i].name);
	}
	CHECK_STR(btf_kind_name(BTF_KIND_FUNC_PROTO), "func_proto");
	CHECK_STR(btf_kind_name(99), "unknown");
	CHECK(btf_type_by_id(btf, T_PTR_ARR + 1) == NULL);
	CHECK_EQ(btf_kind(btf_type_by_id(btf, 0)), BTF_KIND_UNKN);
	CHECK(btf_str(btf, 100000) == NULL);
	CHECK_EQ(btf_enum64_value(&btf_enums64(btf_type_by_id(btf, T_ENUM64))[0]), 0x8000000000000001ULL);
	CHECK_EQ(btf_enums(btf_type_by_id(btf, T_ENUM))[0].val, -3);
	btf_free(btf);
}

TEST(btf_type_str_spells_c)
{
	struct bb b;
	char err[256];
	int ret;
	struct btf *btf;
	char small[8];

	build_all_kinds(&b);
	btf = bb_parse(&b, err, sizeof(err), &ret);
	CHECK_EQ(ret, 0);
	CHECK_STR(tstr(btf, 0), "void");
	CHECK_STR(tstr(btf, T_PTR_STRUCT), "struct task *");
	CHECK_STR(tstr(btf, T_ARR), "char[16]");
	CHECK_STR(tstr(btf, T_CONST), "const volatile u32");
	CHECK_STR(tstr(btf, T_CONST_PTR), "int *const");
	CHECK_STR(tstr(btf, T_RESTRICT), "int *restrict");
	CHECK_STR(tstr(btf, T_PROTO), "int (struct task *, u32, ...)");
	CHECK_STR(tstr(btf, T_PTR_PROTO), "int (*)(struct task *, u32, ...)");
	CHECK_STR(tstr(btf, T_PTR_ARR), "char (*)[16]");
	CHECK_STR(tstr(btf, T_FUNC), "int enqueue(struct task *, u32, ...)");
	CHECK_STR(tstr(btf, T_VAR), "const volatile u32 slice");
	CHECK_STR(tstr(btf, T_FWD), "struct rq");
	CHECK_STR(tstr(btf, T_ENUM), "enum mode");
	CHECK_STR(tstr(btf, T_UNION), "union (anon)");
	CHECK_STR(tstr(btf, T_FLOAT), "double");
	CHECK_STR(tstr(btf, T_TYPE_TAG), "int");
	/* truncation: returns the full length, writes a terminated prefix */
	CHECK_EQ(btf_type_str(btf, T_PTR_STRUCT, small, sizeof(small)), 13);
	CHECK_STR(small, "struct ");
	CHECK_EQ(btf_type_str(btf, 5000, small, sizeof(small)), -EINVAL);
	btf_free(btf);
}

TEST(btf_sizes_and_modifiers)
{
	struct bb b;
	char err[256];
	int ret;
	struct btf *btf;
	u32 id = 0;

	build_all_kinds(&b);
	btf = bb_parse(&b, err, sizeof(err), &ret);
	CHECK_EQ(ret, 0);
	CHECK_EQ(btf_type_size(btf, T_INT), 4);
	CHECK_EQ(btf_type_size(btf, T_ARR), 16);
	CHECK_EQ(btf_type_size(btf, T_STRUCT), 48);
	CHECK_EQ(btf_type_size(btf, T_PTR_PROTO), 8);
	CHECK_EQ(btf_type_size(btf, T_CONST), 4);     /* const volatile u32 */
	CHECK_EQ(btf_type_size(btf, T_VAR), 4);
	CHECK_EQ(btf_type_size(btf, T_ENUM64), 8);
	CHECK_EQ(btf_type_size(btf, T_FUNC), -EINVAL);
	CHECK_EQ(btf_type_size(btf, T_FWD), -EINVAL);
	CHECK_EQ(btf_type_size(btf, 0), -EINVAL);
	CHECK_EQ(btf_type_size(btf, 9999), -EINVAL);
	CHECK(btf_skip_mods(btf, T_CONST, &id) != NULL);
	CHECK_EQ(id, T_TYPEDEF);
	CHECK(btf_skip_mods_typedefs(btf, T_CONST, &id) != NULL);
	CHECK_EQ(id, T_UINT);
	CHECK(btf_skip_mods_typedefs(btf, T_TYPE_TAG, &id) != NULL);
	CHECK_EQ(id, T_INT);
	CHECK_EQ(btf_find_by_name_kind(btf, "task", BTF_KIND_STRUCT), T_STRUCT);
	CHECK_EQ(btf_find_by_name_kind(btf, "task", BTF_KIND_UNION), -ENOENT);
	CHECK_EQ(btf_find_by_name_kind(btf, "u32", BTF_KIND_TYPEDEF), T_TYPEDEF);
	btf_free(btf);
}

TEST(btf_member_lookup)
{
	struct bb b;
	char err[256];
	int ret;
	struct btf *btf;
	struct btf_member_info mi;

	build_all_kinds(&b);
	btf = bb_parse(&b, err, sizeof(err), &ret);
	CHECK_EQ(ret, 0);
	CHECK_EQ(btf_member_by_name(btf, T_STRUCT, "pid", &mi), 0);
	CHECK_EQ(mi.bit_offset, 0);
	CHECK_EQ(mi.type_id, T_INT);
	/* through the anonymous union */
	CHECK_EQ(btf_member_by_name(btf, T_STRUCT, "b", &mi), 0);
	CHECK_EQ(mi.bit_offset, 32);
	CHECK_EQ(mi.parent_id, T_UNION);
	CHECK_EQ(mi.index, 1);
	CHECK_EQ(btf_member_by_name(btf, T_STRUCT, "prio", &mi), 0);
	CHECK_EQ(mi.bit_offset, 128);
	CHECK_EQ(mi.bitfield_size, 5);
	CHECK_EQ(btf_member_by_name(btf, T_STRUCT, "nope", &mi), -ENOENT);
	CHECK_EQ(btf_member_by_name(btf, T_INT, "pid", &mi), -EINVAL);
	/* by offset */
	CHECK_EQ(btf_member_by_offset(btf, T_STRUCT, 8, &mi), 0);
	CHECK_STR(mi.name, "vtime");
	CHECK_EQ(btf_member_by_offset(btf, T_STRUCT, 4, &mi), 0);
	CHECK_STR(mi.name, "a");
	CHECK_EQ(btf_member_by_offset(btf, T_STRUCT, 25, &mi), 0);
	CHECK_STR(mi.name, "comm");
	CHECK_EQ(btf_member_by_offset(btf, T_STRUCT, 16, &mi), 0);
	CHECK_STR(mi.name, "prio");
	CHECK_EQ(btf_member_by_offset(btf, T_STRUCT, 40, &mi), -ENOENT);
	btf_free(btf);
}

TEST(btf_essential_names)
{
	CHECK_EQ(btf_essential_name_len("task_struct"), 11);
	CHECK_EQ(btf_essential_name_len("task_struct___v2"), 11);
	CHECK_EQ(btf_essential_name_len("a___b___c"), 5);
	CHECK_EQ(btf_essential_name_len("___x"), 4);
	CHECK_EQ(btf_essential_name_len("x____y"), 6);
	CHECK_EQ(btf_essential_name_len("x___"), 4);
	CHECK_EQ(btf_essential_name_len(""), 0);
}

TEST(btf_cycle_is_bounded)
{
	struct bb b;
	char err[256];
	int ret;
	struct btf *btf;
	char s[64];

	bb_init(&b);
	bb_type(&b, "a", BTF_KIND_TYPEDEF, 0, 0, 2);
	bb_type(&b, "b", BTF_KIND_TYPEDEF, 0, 0, 1);
	btf = bb_parse(&b, err, sizeof(err), &ret);
	CHECK_EQ(ret, 0);
	CHECK(btf_skip_mods_typedefs(btf, 1, NULL) == NULL);
	CHECK_EQ(btf_type_size(btf, 1), -EINVAL);
	CHECK(btf_type_str(btf, 1, s, sizeof(s)) >= 0); /* a typedef prints its name, no loop */
	CHECK_STR(s, "a");
	btf_free(btf);
}

/* ---- validation errors -------------------------------------------------------------------------- */

static void check_rejects(int *test_failed_, const u8 *blob, size_t n, const char *needle)
{
	char err[256] = "";
	struct btf *btf = (void *)1;
	int ret = btf_parse(blob, n, "test.btf", &btf, err, sizeof(err));

	if (ret != -EINVAL || btf != NULL)
		FAIL_("expected -EINVAL for \"%s\", got %d", needle, ret);
	CHECK_CONTAINS(err, "test.btf: ");
	CHECK_CONTAINS(err, needle);
}

#define REJECTS(blob, n, needle)                                         \
	do {                                                             \
		check_rejects(test_failed_, blob, n, needle);            \
		if (*test_failed_)                                       \
			return;                                          \
	} while (0)

static size_t one_type_blob(u8 *out, const char *name, u32 info, u32 st, const u32 *extra, u32 nextra)
{
	struct bb b;

	bb_init(&b);
	bb_u32(&b, bb_str(&b, name));
	bb_u32(&b, info);
	bb_u32(&b, st);
	for (u32 i = 0; i < nextra; i++)
		bb_u32(&b, extra[i]);
	b.nr = 1;
	return bb_blob(&b, out);
}

TEST(btf_rejects_bad_headers)
{
	u8 blob[4096];
	struct bb b;
	size_t n;

	bb_init(&b);
	bb_type(&b, "int", 1, 0, 0, 4), bb_u32(&b, 32);
	n = bb_blob(&b, blob);
	REJECTS(blob, 10, "too small for a header");
	blob[0] = 0xeb, blob[1] = 0x9f; /* byte-swapped magic */
	REJECTS(blob, n, "bad magic");
	n = bb_blob(&b, blob);
	blob[2] = 2;
	REJECTS(blob, n, "unsupported version 2");
	n = bb_blob(&b, blob);
	blob[4] = 0xff, blob[5] = 0xff; /* hdr_len */
	REJECTS(blob, n, "bad header length");
	n = bb_blob(&b, blob);
	REJECTS(blob, n - 3, "string section");       /* truncated strings */
	n = bb_blob(&b, blob);
	blob[12] = 0xf0;                               /* type_len huge */
	REJECTS(blob, n, "type section");
	n = bb_blob(&b, blob);
	blob[8] = 2;                                   /* type_off misaligned */
	REJECTS(blob, n, "not 4-byte aligned");
	n = bb_blob(&b, blob);
	blob[n - 1] = 'x';                             /* last string not terminated */
	REJECTS(blob, n, "string section must start and end with NUL");
	n = bb_blob(&b, blob);
	blob[16] = 0;                                  /* str_off 0: overlaps types */
	REJECTS(blob, n, "overlap");
}

TEST(btf_rejects_bad_types)
{
	u8 blob[4096];
	u32 ex[8] = { 32 };
	size_t n;

	n = one_type_blob(blob, "x", INFO(25, 0, 0), 4, ex, 1);
	REJECTS(blob, n, "type [1] has invalid kind 25");
	n = one_type_blob(blob, "x", INFO(0, 0, 0), 4, ex, 1);
	REJECTS(blob, n, "invalid kind 0");
	n = one_type_blob(blob, "x", INFO(BTF_KIND_STRUCT, 3, 0), 4, ex, 1);
	REJECTS(blob, n, "runs past the type section");
	n = one_type_blob(blob, "", INFO(BTF_KIND_INT, 0, 0), 4, ex, 1);
	REJECTS(blob, n, "(int) must have a name");
	n = one_type_blob(blob, "p", INFO(BTF_KIND_PTR, 0, 0), 0, ex, 0);
	REJECTS(blob, n, "(ptr) must be anonymous");
	n = one_type_blob(blob, "x", INFO(BTF_KIND_INT, 0, 1), 4, ex, 1);
	REJECTS(blob, n, "has kind_flag set");
	n = one_type_blob(blob, "x", INFO(BTF_KIND_TYPEDEF, 1, 0), 0, ex, 0);
	REJECTS(blob, n, "has vlen 1");
	n = one_type_blob(blob, "", INFO(BTF_KIND_PTR, 0, 0), 7, ex, 0);
	REJECTS(blob, n, "refers to invalid type id 7");
	n = one_type_blob(blob, "f", INFO(BTF_KIND_FUNC, 0, 0), 0, ex, 0);
	REJECTS(blob, n, "refers to invalid type id 0");
	n = one_type_blob(blob, "f", INFO(BTF_KIND_FUNC, 0, 0), 1, ex, 0);
	REJECTS(blob, n, "does not point at a func_proto");
	n = one_type_blob(blob, "x", INFO(BTF_KIND_INT, 0, 0), 4, (u32[]){ 40 }, 1);
	REJECTS(blob, n, "(int) has bad bits/offset");
	n = one_type_blob(blob, "s", INFO(BTF_KIND_STRUCT, 1, 0), 4, (u32[]){ 500, 0, 0 }, 3);
	REJECTS(blob, n, "record 0: name offset 500 out of range");
	n = one_type_blob(blob, "s", INFO(BTF_KIND_STRUCT, 1, 0), 4, (u32[]){ 0, 9, 0 }, 3);
	REJECTS(blob, n, "record 0: type id 9 invalid");
	n = one_type_blob(blob, "", INFO(BTF_KIND_ARRAY, 0, 0), 0, (u32[]){ 3, 1, 1 }, 3);
	REJECTS(blob, n, "(array) refers to an invalid type id");
	n = one_type_blob(blob, "x", INFO(BTF_KIND_INT, 0, 0), 4, ex, 1);
	blob[24] = 0xff; /* name_off of type 1 */
	REJECTS(blob, n, "name offset 255 out of range");
	n = one_type_blob(blob, "x", INFO(BTF_KIND_INT, 0, 0), 4, ex, 0);
	REJECTS(blob, n, "runs past the type section");
}

TEST(btf_reads_clang_output)
{
	const char *dir = getenv("SCXSIM_TEST_BPF_DIR");
	char path[512], err[BPF_OBJ_ERR_MAX];
	struct bpf_obj *obj;
	const struct btf *btf;
	s32 id;

	snprintf(path, sizeof(path), "%s/loader_sched.bpf.o", dir ? dir : "build/tests/bpf");
	if (bpf_obj_open_file(path, &obj, err, sizeof(err)))
		FAIL_("%s", err);
	btf = bpf_obj_btf(obj);
	id = btf_find_by_name_kind(btf, "BPF_PROG_enqueue", BTF_KIND_FUNC);
	CHECK(id > 0);
	CHECK_STR(tstr(btf, id), "void BPF_PROG_enqueue(struct task_struct *, u64)");
	id = btf_find_by_name_kind(btf, "sched_ext_ops", BTF_KIND_STRUCT);
	CHECK(id > 0);
	CHECK_EQ(btf_type_size(btf, id), 192);
	id = btf_find_by_name_kind(btf, "tag", BTF_KIND_VAR);
	CHECK_STR(tstr(btf, id), "const volatile char tag[8]");
	bpf_obj_free(obj);
}
