/*
 * test_bpf_vm.c — tests of the BPF interpreter (src/ebpf/vm.c): the instruction tests in
 * tests/ebpf/NAME.data (format below), a division/modulo fuzz against a C reference, and the
 * embedder API (regions, helpers, kfuncs, abort, callbacks, budget, validation, errors).
 *
 * .data format (like ubpf's): sections introduced by a line "-- NAME":
 *   -- asm      program text (bpf_asm syntax); required
 *   -- mem      hex bytes, a writable region "mem": r1 = pointer, r2 = length
 *   -- rodata   hex bytes, a read-only region "rodata": r3 = pointer, r4 = length
 *   -- budget   instruction budget for the run (default BPF_VM_DEFAULT_BUDGET)
 *   -- result   expected r0 (hex or decimal, may be negative)
 *   -- error    expected substring of the error message (validation or run time)
 * Lines starting with '#' before the first section are comments. The runner plays the loader:
 * an ld_imm64 with src_reg BPF_PSEUDO_FUNC (imm = pc-relative target) becomes &insns[target].
 * Test helpers: 1 sum(r1..r5), 2 abort("bad cpu %d", r1), 3 loop(n, fn, ctx) like bpf_loop,
 * 4 check_mem(ptr, len) -> 0 or -EFAULT, 5 nested exec of a second program (returns 77).
 * Test kfuncs: 0 double(r1), 1 absent, 2 returns 0xdeadbeef.
 * Files are found relative to the repository root (the test binary runs from there).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include "test.h"
#include "scxsim/bpf_asm.h"
#include "scxsim/bpf_vm.h"
#include "ebpf/insn_table.h"

#define DATA_DIR "tests/ebpf"

struct data_case {
	char *sec_asm, *sec_mem, *sec_rodata, *sec_budget, *sec_result, *sec_error;
};

/* ---- helpers and kfuncs of the test embedder ---- */

static u64 th_sum(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	return a + b + c + d + e;
}

static u64 th_abort(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	bpf_vm_abort(vm, "bad cpu %d", (int)a);
	return 0;
}

/* bpf_loop(nr, fn, ctx): calls fn(i, ctx) until it returns non-zero; returns iterations. */
static u64 th_loop(struct bpf_vm *vm, u64 nr, u64 fn, u64 ctx, u64 d, u64 e, void *c)
{
	u64 i;

	for (i = 0; i < nr; i++) {
		u64 args[5] = { i, ctx }, r0 = 0;

		if (bpf_vm_callback(vm, fn, args, &r0))
			return 0;
		if (r0) {
			i++;
			break;
		}
	}
	return i;
}

static u64 th_check_mem(struct bpf_vm *vm, u64 ptr, u64 len, u64 c, u64 d, u64 e, void *ctx)
{
	return (u64)(s64)bpf_vm_check_mem(vm, ptr, len, BPF_VM_WRITE);
}

static const struct bpf_insn nested_insns[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 77 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static u64 th_nested(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	struct bpf_vm_prog p = { .name = "nested", .insns = nested_insns, .nr_insns = 2 };
	u64 r0 = 0;

	if (bpf_vm_validate(&p, NULL) || bpf_vm_exec(vm, &p, 0, NULL, &r0))
		return 0;
	return r0;
}

static u64 tk_double(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	return a * 2;
}

static u64 tk_beef(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	return 0xdeadbeef;
}

static const struct bpf_vm_func test_helpers[] = {
	[1] = { "sum", th_sum, NULL },
	[2] = { "abort", th_abort, NULL },
	[3] = { "loop", th_loop, NULL },
	[4] = { "check_mem", th_check_mem, NULL },
	[5] = { "nested", th_nested, NULL },
};

static const struct bpf_vm_func test_kfuncs[] = {
	[0] = { "double", tk_double, NULL },
	[2] = { "beef", tk_beef, NULL },
};

static struct bpf_vm *test_vm(void)
{
	struct bpf_vm *vm = bpf_vm_create();

	if (vm) {
		bpf_vm_set_helpers(vm, test_helpers, ARRAY_SIZE(test_helpers));
		bpf_vm_set_kfuncs(vm, test_kfuncs, ARRAY_SIZE(test_kfuncs));
	}
	return vm;
}

/* ---- .data parsing ---- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(n + 1);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf) {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* Splits text in place into sections; returns a message on a format error, else NULL. */
static const char *data_split(char *text, struct data_case *dc)
{
	static const struct { const char *name; size_t off; } secs[] = {
		{ "asm", offsetof(struct data_case, sec_asm) },
		{ "mem", offsetof(struct data_case, sec_mem) },
		{ "rodata", offsetof(struct data_case, sec_rodata) },
		{ "budget", offsetof(struct data_case, sec_budget) },
		{ "result", offsetof(struct data_case, sec_result) },
		{ "error", offsetof(struct data_case, sec_error) },
	};
	char *line = text;

	memset(dc, 0, sizeof(*dc));
	while (line && *line) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (!strncmp(line, "-- ", 3)) {
			unsigned i;

			for (i = 0; i < ARRAY_SIZE(secs) && strcmp(line + 3, secs[i].name); i++)
				;
			if (i == ARRAY_SIZE(secs))
				return "unknown section";
			*(char **)((char *)dc + secs[i].off) = nl ? nl + 1 : line + strlen(line);
			line[0] = '\0'; /* terminates the previous section */
		}
		if (nl)
			*nl = '\n';
		line = nl ? nl + 1 : NULL;
	}
	if (!dc->sec_asm)
		return "no '-- asm' section";
	if (!dc->sec_result == !dc->sec_error)
		return "needs exactly one of '-- result' and '-- error'";
	return NULL;
}

/* Hex bytes ("0a 0b ff") into a malloc'ed buffer. */
static int parse_hex(const char *s, u8 **out, size_t *len)
{
	size_t n = 0, cap = 64;
	u8 *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	while (*s) {
		unsigned v;
		int used;

		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x%n", &v, &used) != 1 || used != 2) {
			free(buf);
			return -EINVAL;
		}
		if (n == cap && !(buf = realloc(buf, cap *= 2)))
			return -ENOMEM;
		buf[n++] = (u8)v;
		s += 2;
	}
	*out = buf;
	*len = n;
	return 0;
}

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* The loader's job for tests: BPF_PSEUDO_FUNC ld_imm64 -> host address of the target. */
static void resolve_pseudo_func(struct bpf_insn *insns, u32 n)
{
	for (u32 pc = 0; pc + 1 < n; pc++) {
		if (insns[pc].code == (BPF_LD | BPF_IMM | BPF_DW) && insns[pc].src_reg == BPF_PSEUDO_FUNC) {
			u64 a = (u64)(uintptr_t)&insns[pc + insns[pc].imm + 1];

			insns[pc].src_reg = 0;
			insns[pc].imm = (s32)(u32)a;
			insns[pc + 1].imm = (s32)(u32)(a >> 32);
			pc++;
		}
	}
}

/* Runs one case; returns true if it passed, else writes why into why. */
static bool data_run(struct data_case *dc, char *why, size_t why_size)
{
	struct bpf_vm_prog prog = { .name = "test" };
	struct bpf_vm *vm = test_vm();
	struct bpf_insn *insns = NULL;
	struct bpf_vm_error verr;
	u8 *mem = NULL, *ro = NULL;
	size_t mem_len = 0, ro_len = 0;
	u64 args[5] = { 0 }, r0 = 0;
	char asm_err[256];
	const char *msg = NULL;
	bool ok = false;
	int err;

	if (!vm) {
		snprintf(why, why_size, "out of memory");
		return false;
	}
	if (bpf_asm(dc->sec_asm, &insns, &prog.nr_insns, asm_err, sizeof(asm_err))) {
		snprintf(why, why_size, "asm: %s", asm_err);
		goto out;
	}
	resolve_pseudo_func(insns, prog.nr_insns);
	prog.insns = insns;
	if ((dc->sec_mem && parse_hex(dc->sec_mem, &mem, &mem_len)) ||
	    (dc->sec_rodata && parse_hex(dc->sec_rodata, &ro, &ro_len))) {
		snprintf(why, why_size, "bad hex in -- mem or -- rodata");
		goto out;
	}
	if (mem_len && bpf_vm_region_add(vm, mem, mem_len, BPF_VM_RW, "mem")) {
		snprintf(why, why_size, "region_add(mem) failed");
		goto out;
	}
	if (ro_len && bpf_vm_region_add(vm, ro, ro_len, BPF_VM_READ, "rodata")) {
		snprintf(why, why_size, "region_add(rodata) failed");
		goto out;
	}
	args[0] = (u64)(uintptr_t)mem;
	args[1] = mem_len;
	args[2] = (u64)(uintptr_t)ro;
	args[3] = ro_len;
	if (dc->sec_budget)
		bpf_vm_set_budget(vm, strtoull(trim(dc->sec_budget), NULL, 0));
	err = bpf_vm_validate(&prog, &verr);
	if (err)
		msg = verr.msg;
	else if ((err = bpf_vm_exec(vm, &prog, 0, args, &r0)))
		msg = bpf_vm_last_error(vm)->msg;
	if (dc->sec_error) {
		char *want = trim(dc->sec_error);

		ok = msg && strstr(msg, want);
		if (!ok)
			snprintf(why, why_size, "expected error '%s', got %s%s (r0 = 0x%llx)", want,
				 msg ? "error: " : "success", msg ? msg : "", (unsigned long long)r0);
	} else {
		u64 want = (u64)strtoll(trim(dc->sec_result), NULL, 0);
		const char *t = trim(dc->sec_result);

		if (t[0] != '-')
			want = strtoull(t, NULL, 0);
		ok = !msg && r0 == want;
		if (!ok)
			snprintf(why, why_size, "expected r0 = 0x%llx, got %s%s (r0 = 0x%llx)",
				 (unsigned long long)want, msg ? "error: " : "success", msg ? msg : "",
				 (unsigned long long)r0);
	}
out:
	bpf_vm_destroy(vm);
	free(insns);
	free(mem);
	free(ro);
	return ok;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of the tests/ebpf/NAME.data names (caller frees each and the array). */
static int list_data_files(char ***names)
{
	DIR *d = opendir(DATA_DIR);
	struct dirent *de;
	int n = 0, cap = 0;

	*names = NULL;
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".data"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 128;
			*names = realloc(*names, cap * sizeof(char *));
		}
		(*names)[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(*names, n, sizeof(char *), by_str);
	return n;
}

TEST(bpf_vm_data_files)
{
	char **names, path[512], why[1024];
	int n = list_data_files(&names), failed = 0;

	for (int i = 0; i < n; i++) {
		struct data_case dc;
		char *text;
		const char *ferr;

		snprintf(path, sizeof(path), "%s/%s", DATA_DIR, names[i]);
		text = read_file(path);
		if (!text) {
			fprintf(stderr, "  %s: cannot read\n", path);
			failed++;
		} else if ((ferr = data_split(text, &dc))) {
			fprintf(stderr, "  %s: %s\n", path, ferr);
			failed++;
		} else if (!data_run(&dc, why, sizeof(why))) {
			fprintf(stderr, "  %s: %s\n", path, why);
			failed++;
		}
		free(text);
		free(names[i]);
	}
	free(names);
	CHECK_EQ(failed, 0);
	CHECK(n >= 100);
}

/* ---- validation of raw encodings the assembler cannot write ---- */

#define I(c, d, s, o, i) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }
#define EXIT_I I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

struct val_case {
	struct bpf_insn insns[4];
	u32 n;
	const char *want; /* substring of the message, NULL: accepted */
};

static const struct val_case val_cases[] = {
	{ { I(0x8d, 1, 0, 0, 0), EXIT_I }, 2, "pc 0 `<unknown>`: invalid opcode 0x8d" },
	{ { I(0xff, 0, 0, 0, 0), EXIT_I }, 2, "invalid opcode 0xff" },
	{ { I(0x00, 0, 0, 0, 0), EXIT_I }, 2, "invalid opcode 0x00" },
	{ { I(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 4), EXIT_I }, 2, "legacy BPF_ABS/BPF_IND" },
	{ { I(BPF_LD | BPF_IND | BPF_B, 0, 1, 0, 0), EXIT_I }, 2, "legacy BPF_ABS/BPF_IND" },
	{ { I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 1, 0, 1), EXIT_I }, 2, "reserved field src_reg of add is 1" },
	{ { I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 1), EXIT_I }, 2, "reserved field imm of add is 1" },
	{ { I(BPF_ALU | BPF_ADD | BPF_X, 0, 1, 3, 0), EXIT_I }, 2, "reserved field off of add32 is 3" },
	{ { I(BPF_ALU64 | BPF_DIV | BPF_X, 0, 1, 2, 0), EXIT_I }, 2, "invalid offset 2 for div" },
	{ { I(BPF_ALU | BPF_MOD | BPF_K, 0, 0, 1, 3), EXIT_I }, 2, NULL },
	{ { I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 1, 0), EXIT_I }, 2, "invalid offset 1 for mov" },
	{ { I(BPF_ALU | BPF_MOV | BPF_X, 0, 1, 32, 0), EXIT_I }, 2, "invalid offset 32 for mov32" },
	{ { I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 32, 0), EXIT_I }, 2, NULL },
	{ { I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 8, 1), EXIT_I }, 2, "reserved field off of mov is 8" },
	{ { I(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 8), EXIT_I }, 2, "invalid byte-swap width 8" },
	{ { I(BPF_ALU64 | BPF_END | BPF_X, 0, 0, 0, 16), EXIT_I }, 2, "invalid opcode 0xdf" },
	{ { I(BPF_ALU64 | BPF_NEG | BPF_X, 0, 0, 0, 0), EXIT_I }, 2, "invalid opcode 0x8f" },
	{ { I(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, 0x02), EXIT_I }, 2, "invalid atomic operation 0x2" },
	{ { I(BPF_STX | BPF_ATOMIC | BPF_H, 1, 2, 0, BPF_ADD), EXIT_I }, 2, "invalid opcode 0xcb" },
	{ { I(BPF_LDX | BPF_MEMSX | BPF_DW, 0, 1, 0, 0), EXIT_I }, 2, "invalid opcode 0x99" },
	{ { I(BPF_ALU64 | BPF_MOV | BPF_K, 11, 0, 0, 0), EXIT_I }, 2, "invalid register r11" },
	{ { I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 12, 0, 0), EXIT_I }, 2, "invalid register r12" },
	{ { I(BPF_JMP | BPF_CALL, 0, 3, 0, 1), EXIT_I }, 2, "invalid call kind (src_reg 3)" },
	{ { I(BPF_JMP | BPF_CALL, 1, 0, 0, 1), EXIT_I }, 2, "reserved field dst_reg of call is 1" },
	{ { I(BPF_JMP | BPF_CALL, 0, 0, 4, 1), EXIT_I }, 2, "invalid offset 4 for call" },
	{ { I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 4, 1), EXIT_I }, 2, NULL },
	{ { I(BPF_JMP | BPF_EXIT, 0, 0, 0, 1) }, 1, "reserved field imm of exit is 1" },
	{ { I(BPF_JMP | BPF_JA, 0, 0, 0, 5), EXIT_I }, 2, "reserved field imm of ja is 5" },
	{ { I(BPF_JMP32 | BPF_JA, 0, 0, 1, 0), EXIT_I }, 2, "reserved field off of gotol is 1" },
	{ { I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1), I(0, 0, 0, 0, 0), EXIT_I }, 3, NULL },
	{ { I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1), I(0x07, 0, 0, 0, 0), EXIT_I }, 3,
	  "malformed second slot of ld_imm64" },
	{ { EXIT_I, I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1) }, 2, "missing its second slot" },
	{ { I(BPF_LD | BPF_IMM | BPF_DW, 10, 0, 0, 1), I(0, 0, 0, 0, 0), EXIT_I }, 3, "write to r10" },
	{ { I(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 10, 0, BPF_XCHG), EXIT_I }, 2, "write to r10" },
	{ { I(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 10, 0, BPF_ADD), EXIT_I }, 2, NULL },
	{ { I(BPF_ST | BPF_MEM | BPF_W, 1, 2, 0, 0), EXIT_I }, 2, "reserved field src_reg of stw is 2" },
	{ { I(BPF_LDX | BPF_MEM | BPF_W, 1, 2, 0, 9), EXIT_I }, 2, "reserved field imm of ldxw is 9" },
};

TEST(bpf_vm_validate_raw_encodings)
{
	for (unsigned i = 0; i < ARRAY_SIZE(val_cases); i++) {
		const struct val_case *c = &val_cases[i];
		struct bpf_vm_prog p = { .name = "raw", .insns = c->insns, .nr_insns = c->n };
		struct bpf_vm_error e;
		int err = bpf_vm_validate(&p, &e);

		if (!c->want) {
			if (err)
				FAIL_("case %u: unexpected rejection: %s", i, e.msg);
			CHECK(p.validated);
			continue;
		}
		if (!err)
			FAIL_("case %u: accepted, expected '%s'", i, c->want);
		CHECK_EQ(err, -EINVAL);
		CHECK(!p.validated);
		CHECK_CONTAINS(e.msg, c->want);
		CHECK_STR(e.prog, "raw");
	}
}

/* Every opcode byte with zeroed fields: legal ones validate, illegal ones name the opcode. */
TEST(bpf_vm_validate_every_opcode_byte)
{
	int legal = 0;

	for (unsigned code = 0; code < 256; code++) {
		struct bpf_insn in[3] = { I(code, 0, 0, 0, 0), EXIT_I, EXIT_I };
		struct bpf_vm_prog p = { .name = "op", .insns = in, .nr_insns = 3 };
		struct bpf_vm_error e;
		char want[64];

		if (BPF_CLASS(code) == BPF_ALU && BPF_OP(code) == BPF_END)
			in[0].imm = 16;
		if (code == (BPF_LD | BPF_IMM | BPF_DW))
			in[1] = (struct bpf_insn)I(0, 0, 0, 0, 0);
		if (code == (BPF_ALU64 | BPF_END | BPF_K))
			in[0].imm = 16;
		if (!bpf_vm_validate(&p, &e)) {
			legal++;
			continue;
		}
		snprintf(want, sizeof(want), "invalid opcode 0x%02x", code);
		if (!strstr(e.msg, want) && !strstr(e.msg, "legacy") && !strstr(e.msg, "atomic"))
			FAIL_("opcode 0x%02x: %s", code, e.msg);
	}
	/* 44 ALU + 4 mov + 2 neg + 3 end + lddw + 12 ldx/st/stx + 3 ldxs + ja gotol may_goto
	 * + 44 jmp + call + exit + 2 atomic (imm 0 is BPF_ADD) = 120 */
	CHECK_EQ(legal, 120);
}

TEST(bpf_vm_validate_error_fields)
{
	struct bpf_insn in[] = { I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0), I(BPF_JMP | BPF_JA, 0, 0, 7, 0) };
	struct bpf_vm_prog p = { .name = "jumpy", .insns = in, .nr_insns = 2 };
	struct bpf_vm_error e;

	CHECK_EQ(bpf_vm_validate(&p, &e), -EINVAL);
	CHECK_EQ(e.pc, 1);
	CHECK_STR(e.insn, "goto +0x7");
	CHECK_STR(e.prog, "jumpy");
	CHECK_STR(e.msg, "jumpy pc 1 `goto +0x7`: jump target 9 is outside the program (0..1)");
	p.insns = NULL;
	CHECK_EQ(bpf_vm_validate(&p, NULL), -EINVAL);
	p.insns = in;
	p.nr_insns = 0;
	CHECK_EQ(bpf_vm_validate(&p, &e), -EINVAL);
	CHECK_EQ(e.pc, -1);
	CHECK_CONTAINS(e.msg, "jumpy: program has 0 instructions");
}

/* ---- division fuzz against a C reference (128-bit arithmetic, no special cases shared) ---- */

static u64 fuzz_next(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static u64 fuzz_operand(u64 *s)
{
	static const u64 special[] = { 0, 1, 2, 3, 7, (u64)-1, (u64)-2, 0x80000000, 0x7fffffff,
				       0xffffffff, 0x8000000000000000ULL, 0x7fffffffffffffffULL,
				       0xffffffff80000000ULL, 0x100000000ULL };
	u64 r = fuzz_next(s);

	switch (r % 4) {
	case 0: return special[(r >> 8) % ARRAY_SIZE(special)];
	case 1: return (u64)(s64)(s8)(r >> 8);
	case 2: return (u32)(r >> 8);
	default: return fuzz_next(s);
	}
}

/* Reference: what RFC 9669 says, computed in 128 bits so INT_MIN / -1 needs no special case. */
static u64 ref_divmod(bool is64, bool sign, bool mod, u64 a, u64 b)
{
	__int128 x, y, r;

	if (!is64) {
		a = (u32)a;
		b = (u32)b;
	}
	if (b == 0)
		return mod ? a : 0; /* a already truncated for 32-bit */
	if (sign) {
		x = is64 ? (__int128)(s64)a : (__int128)(s32)a;
		y = is64 ? (__int128)(s64)b : (__int128)(s32)b;
	} else {
		x = a;
		y = b;
	}
	r = mod ? x % y : x / y;
	return is64 ? (u64)r : (u32)(u64)r;
}

TEST(bpf_vm_division_fuzz)
{
	struct bpf_vm *vm = bpf_vm_create();
	u64 seed = 0x9e3779b97f4a7c15ULL;
	int bad = 0;

	CHECK(vm);
	for (int i = 0; i < 4000 && bad < 5; i++) {
		u64 a = fuzz_operand(&seed), b = fuzz_operand(&seed), r0 = 0, want;
		unsigned v = (unsigned)fuzz_next(&seed);
		bool is64 = v & 1, sign = v & 2, mod = v & 4, useimm = v & 8;
		u8 cls = is64 ? BPF_ALU64 : BPF_ALU, op = mod ? BPF_MOD : BPF_DIV;
		struct bpf_insn in[6] = {
			I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, (s32)(u32)a), I(0, 0, 0, 0, (s32)(u32)(a >> 32)),
			I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, (s32)(u32)b), I(0, 0, 0, 0, (s32)(u32)(b >> 32)),
			I(cls | op | BPF_X, 0, 1, sign, 0), EXIT_I,
		};
		struct bpf_vm_prog p = { .name = "fuzz", .insns = in, .nr_insns = 6 };

		if (useimm) { /* the immediate form: b is a sign-extended 32-bit value */
			b = (u64)(s64)(s32)(u32)b;
			in[4] = (struct bpf_insn)I(cls | op | BPF_K, 0, 0, sign, (s32)(u32)b);
		}
		want = ref_divmod(is64, sign, mod, a, b);
		if (bpf_vm_validate(&p, NULL) || bpf_vm_exec(vm, &p, 0, NULL, &r0) || r0 != want) {
			fprintf(stderr, "  fuzz %d: %s%s%s%s a=0x%llx b=0x%llx got 0x%llx want 0x%llx\n", i,
				is64 ? "alu64 " : "alu32 ", sign ? "s" : "", mod ? "mod" : "div",
				useimm ? " imm" : "", (unsigned long long)a, (unsigned long long)b,
				(unsigned long long)r0, (unsigned long long)want);
			bad++;
		}
	}
	bpf_vm_destroy(vm);
	CHECK_EQ(bad, 0);
}

/* ---- embedder API ---- */

/* Assembles and validates text into *p (insns owned by the caller: free(p->insns)). */
static int build(struct bpf_vm_prog *p, const char *name, const char *text)
{
	struct bpf_insn *insns;
	char err[256];
	int ret = bpf_asm(text, &insns, &p->nr_insns, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "  asm: %s\n", err);
		return ret;
	}
	resolve_pseudo_func(insns, p->nr_insns);
	p->name = name;
	p->insns = insns;
	return bpf_vm_validate(p, NULL);
}

TEST(bpf_vm_regions_add_remove)
{
	struct bpf_vm *vm = bpf_vm_create();
	static u8 buf[256];

	CHECK(vm);
	CHECK_EQ(bpf_vm_region_add(vm, buf + 64, 64, BPF_VM_RW, "b"), 0);
	CHECK_EQ(bpf_vm_region_add(vm, buf, 64, BPF_VM_READ, "a"), 0);    /* adjacent below */
	CHECK_EQ(bpf_vm_region_add(vm, buf + 128, 64, BPF_VM_WRITE, "c"), 0); /* adjacent above */
	CHECK_EQ(bpf_vm_region_add(vm, buf + 100, 8, BPF_VM_RW, "x"), -EEXIST);
	CHECK_EQ(bpf_vm_region_add(vm, buf + 60, 8, BPF_VM_RW, "x"), -EEXIST);
	CHECK_EQ(bpf_vm_region_add(vm, buf + 190, 8, BPF_VM_RW, "x"), -EEXIST);
	CHECK_EQ(bpf_vm_region_add(vm, buf, 0, BPF_VM_RW, "x"), -EINVAL);
	CHECK_EQ(bpf_vm_region_add(vm, NULL, 8, BPF_VM_RW, "null"), -EINVAL);
	CHECK_EQ(bpf_vm_region_add(vm, buf + 200, 8, 0, "x"), -EINVAL);
	CHECK_EQ(bpf_vm_region_add(vm, buf + 200, 8, 4, "x"), -EINVAL);
	CHECK_EQ(bpf_vm_region_add(vm, (void *)(uintptr_t)-8, 16, BPF_VM_RW, "wrap"), -EINVAL);
	CHECK_EQ(bpf_vm_region_count(vm), 3);
	CHECK_EQ(bpf_vm_check_mem(vm, (u64)(uintptr_t)buf, 64, BPF_VM_READ), 0);
	CHECK_EQ(bpf_vm_check_mem(vm, (u64)(uintptr_t)buf, 64, BPF_VM_WRITE), -EFAULT);
	CHECK_EQ(bpf_vm_check_mem(vm, (u64)(uintptr_t)buf + 60, 8, BPF_VM_READ), -EFAULT); /* spans a|b */
	CHECK_EQ(bpf_vm_check_mem(vm, (u64)(uintptr_t)buf + 128, 8, BPF_VM_READ), -EFAULT); /* write-only */
	CHECK_EQ(bpf_vm_check_mem(vm, (u64)(uintptr_t)buf + 128, 8, BPF_VM_WRITE), 0);
	CHECK_EQ(bpf_vm_check_mem(vm, (u64)(uintptr_t)buf + 64, 0, BPF_VM_READ), -EFAULT);
	CHECK_EQ(bpf_vm_check_mem(vm, (u64)(uintptr_t)buf + 192, 1, BPF_VM_READ), -EFAULT);
	CHECK_EQ(bpf_vm_region_remove(vm, buf + 64), 0);
	CHECK_EQ(bpf_vm_region_remove(vm, buf + 64), -ENOENT);
	CHECK_EQ(bpf_vm_region_remove(vm, buf + 65), -ENOENT);
	CHECK_EQ(bpf_vm_check_mem(vm, (u64)(uintptr_t)buf + 64, 8, BPF_VM_READ), -EFAULT);
	CHECK_EQ(bpf_vm_region_count(vm), 2);
	CHECK_EQ(bpf_vm_region_add(vm, buf + 64, 64, BPF_VM_RW, "b2"), 0);
	CHECK_EQ(bpf_vm_check_mem(vm, (u64)(uintptr_t)buf + 70, 8, BPF_VM_RW), 0);
	bpf_vm_destroy(vm);
	bpf_vm_destroy(NULL);
}

/* Many regions added in a scrambled order: the sorted array and the cache stay right. */
TEST(bpf_vm_regions_many)
{
	struct bpf_vm *vm = bpf_vm_create();
	enum { N = 1000 };
	u8 *arena = calloc(N, 32);
	int bad = 0;

	CHECK(vm && arena);
	for (u32 i = 0; i < N; i++) {
		u32 k = (i * 7919) % N; /* a permutation of 0..N-1 */

		if (bpf_vm_region_add(vm, arena + 32 * k, 16, BPF_VM_RW, "slot"))
			bad++;
	}
	for (u32 k = 0; k < N; k++) {
		u64 a = (u64)(uintptr_t)(arena + 32 * k);

		bad += bpf_vm_check_mem(vm, a, 16, BPF_VM_RW) != 0;
		bad += bpf_vm_check_mem(vm, a + 8, 8, BPF_VM_READ) != 0;
		bad += bpf_vm_check_mem(vm, a + 16, 1, BPF_VM_READ) != -EFAULT; /* the gap */
		bad += bpf_vm_check_mem(vm, a + 12, 8, BPF_VM_READ) != -EFAULT; /* runs into the gap */
	}
	for (u32 k = 0; k < N; k += 2)
		bad += bpf_vm_region_remove(vm, arena + 32 * k) != 0;
	for (u32 k = 0; k < N; k++)
		bad += bpf_vm_check_mem(vm, (u64)(uintptr_t)(arena + 32 * k), 8, BPF_VM_READ) !=
		       (k % 2 ? 0 : -EFAULT);
	CHECK_EQ(bpf_vm_region_count(vm), N / 2);
	bpf_vm_destroy(vm);
	free(arena);
	CHECK_EQ(bad, 0);
}

TEST(bpf_vm_exec_requires_validation)
{
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_insn in[] = { EXIT_I };
	struct bpf_vm_prog p = { .name = "raw", .insns = in, .nr_insns = 1 };
	u64 r0 = 5;

	CHECK(vm);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), -EPERM);
	CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, "raw: program was not validated");
	CHECK_EQ(bpf_vm_validate(&p, NULL), 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 1, NULL, &r0), -EINVAL);
	CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, "entry pc 1 is outside the program (1 instructions)");
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0);
	CHECK_EQ(r0, 0);
	CHECK_EQ(bpf_vm_last_error(vm)->code, 0);
	CHECK_EQ(bpf_vm_last_error(vm)->msg[0], '\0');
	bpf_vm_destroy(vm);
}

/* Entering the second slot of an ld_imm64 (a bad entry pc) is an error, not a crash. */
TEST(bpf_vm_exec_entry_in_lddw_slot)
{
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_vm_prog p = { 0 };

	CHECK(vm);
	CHECK_EQ(build(&p, "slot", "r0 = 0x100000000 ll\nexit"), 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 1, NULL, NULL), -EINVAL);
	CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, "slot pc 1 `<unknown>`: invalid instruction (opcode 0x00)");
	free((void *)p.insns);
	bpf_vm_destroy(vm);
}

static int line_of(void *ctx, u32 pc, char *buf, size_t size)
{
	if (pc != 1)
		return 0;
	return snprintf(buf, size, "%s:%u: v = *p;", (const char *)ctx, 40 + pc);
}

TEST(bpf_vm_error_has_source_line)
{
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_vm_prog p = { .line_fn = line_of, .line_ctx = "sched.bpf.c" };
	const struct bpf_vm_error *e;

	CHECK(vm);
	CHECK_EQ(build(&p, "enqueue", "r1 = 0\nr0 = *(u64 *)(r1 + 0x8)\nexit"), 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, NULL), -EFAULT);
	e = bpf_vm_last_error(vm);
	CHECK_EQ(e->code, -EFAULT);
	CHECK_EQ(e->pc, 1);
	CHECK_STR(e->prog, "enqueue");
	CHECK_STR(e->insn, "r0 = *(u64 *)(r1 + 0x8)");
	CHECK_STR(e->reason, "invalid read of 8 bytes at 0x8 (null + 0x8)");
	CHECK_STR(e->source, "sched.bpf.c:41: v = *p;");
	CHECK_STR(e->msg, "enqueue pc 1 `r0 = *(u64 *)(r1 + 0x8)`: invalid read of 8 bytes at 0x8 "
			  "(null + 0x8)\n    sched.bpf.c:41: v = *p;");
	free((void *)p.insns);
	bpf_vm_destroy(vm);
}

static u64 th_free_region(struct bpf_vm *vm, u64 ptr, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	return (u64)(s64)bpf_vm_region_remove(vm, (void *)(uintptr_t)ptr);
}

/* A helper frees the memory a program points to (a task exits): later accesses fault. */
TEST(bpf_vm_region_removed_by_helper)
{
	static const struct bpf_vm_func h[] = { [1] = { "free", th_free_region, NULL } };
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_vm_prog p = { 0 };
	u64 task[2] = { 5, 6 }, args[5] = { (u64)(uintptr_t)task }, r0 = 0;

	CHECK(vm);
	bpf_vm_set_helpers(vm, h, ARRAY_SIZE(h));
	CHECK_EQ(bpf_vm_region_add(vm, task, sizeof(task), BPF_VM_RW, "task"), 0);
	CHECK_EQ(build(&p, "p", "r6 = r1\nr0 = *(u64 *)(r6 + 0x8)\ncall 0x1\nr0 = *(u64 *)(r6 + 0x0)\nexit"), 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, args, &r0), -EFAULT);
	CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, "p pc 3 ");
	CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, "invalid read of 8 bytes");
	free((void *)p.insns);
	bpf_vm_destroy(vm);
}

/* Counting instructions, the budget reset per top-level run, and the user pointer. */
TEST(bpf_vm_budget_and_counts)
{
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_vm_prog p = { 0 };
	int user;
	u64 r0 = 0;

	CHECK(vm);
	CHECK_EQ(build(&p, "count", "r0 = 0\nl:\nr0 += 1\nif r0 < 10 goto l\nexit"), 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0);
	CHECK_EQ(r0, 10);
	CHECK_EQ(bpf_vm_insn_count(vm), 1 + 2 * 10 + 1);
	bpf_vm_set_budget(vm, 22);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0); /* the budget is per run, not cumulative */
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0);
	bpf_vm_set_budget(vm, 21);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), -E2BIG);
	CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, "count pc 3 `exit`: instruction budget of 21 exhausted");
	CHECK_EQ(bpf_vm_insn_count(vm), 22 * 3 + 21);
	bpf_vm_set_budget(vm, 0); /* back to the default */
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0);
	CHECK(bpf_vm_user(vm) == NULL);
	bpf_vm_set_user(vm, &user);
	CHECK(bpf_vm_user(vm) == &user);
	free((void *)p.insns);
	bpf_vm_destroy(vm);
}

TEST(bpf_vm_callback_outside_run)
{
	struct bpf_vm *vm = bpf_vm_create();
	u64 r0;

	CHECK(vm);
	CHECK_EQ(bpf_vm_callback(vm, 0x1000, NULL, &r0), -EINVAL);
	bpf_vm_abort(vm, "not running %d", 1); /* recorded without a pc, harmless */
	CHECK_EQ(bpf_vm_last_error(vm)->pc, -1);
	CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, "not running 1");
	bpf_vm_destroy(vm);
}

/* The stack is shared by nested runs: a callback frame sits below its caller's. */
TEST(bpf_vm_nested_depth_counts)
{
	static const struct bpf_vm_func h[] = { [3] = { "loop", th_loop, NULL } };
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_vm_prog p = { 0 };
	u64 r0 = 0;

	CHECK(vm);
	bpf_vm_set_helpers(vm, h, ARRAY_SIZE(h));
	/* main -> f -> f -> ... 6 frames, then a callback: 8 frames, fine; one more call: 9. */
	CHECK_EQ(build(&p, "deep",
		       "r1 = 5\ncall f\nexit\n"
		       "f:\nif r1 == 0x0 goto cbcall\nr1 += -1\ncall f\nexit\n"
		       "cbcall:\nr1 = 1\nld_pseudo r2, 4, cb\nr3 = 0\ncall 0x3\nexit\n"
		       "cb:\nr0 = 0\nif r2 == 0x1 goto deeper\nexit\ndeeper:\ncall leaf\nexit\nleaf:\nexit"), 0);
	/* th_loop passes (i, ctx=0): r2 = 0 so the callback returns without the extra call */
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0);
	CHECK_EQ(r0, 1);
	free((void *)p.insns);
	bpf_vm_destroy(vm);
}

/* One random instruction at pc i of n that the validator will usually accept. */
static struct bpf_insn random_insn(u64 *seed, const u8 *codes, int nr_codes, u32 i, u32 n)
{
	u64 r = fuzz_next(seed);
	u8 code = codes[r % nr_codes];
	const struct bpf_op_info *op = &bpf_op_table[code];
	s32 rel = (s32)((r >> 40) % n) - (s32)i - 1; /* a target anywhere in the program */
	struct bpf_insn in = { .code = code, .dst_reg = (r >> 8) % 11, .src_reg = (r >> 12) % 11,
			       .off = (s16)((s64)((r >> 16) % 48) - 24), .imm = (s32)((s64)((r >> 24) % 80) - 16) };

	switch (op->kind) {
	case BPF_OPK_JA: case BPF_OPK_JCOND: case BPF_OPK_JMP: in.off = (s16)rel; break;
	case BPF_OPK_GOTOL: in.imm = rel; break;
	case BPF_OPK_CALL:
		in.src_reg = (r >> 12) % 3;
		in.imm = in.src_reg == BPF_PSEUDO_CALL ? rel : (s32)((r >> 24) % 6);
		in.off = 0;
		break;
	case BPF_OPK_ATOMIC: in.imm = bpf_atomic_table[(r >> 24) % bpf_atomic_table_len].imm; break;
	case BPF_OPK_END: in.imm = 16 << ((r >> 24) % 3); break;
	case BPF_OPK_MOV: in.off = BPF_SRC(code) == BPF_X ? (s16)(((r >> 16) % 3) * 8) : 0; break;
	case BPF_OPK_ALU: in.off = (r >> 16) % 2; break;
	default: break;
	}
	if (op->zero & BPF_FZ_SRC)
		in.src_reg = 0;
	if (op->zero & BPF_FZ_OFF)
		in.off = 0;
	if (op->zero & BPF_FZ_IMM)
		in.imm = 0;
	if (op->zero & BPF_FZ_DST)
		in.dst_reg = 0;
	if (in.dst_reg == BPF_REG_10 && op->kind != BPF_OPK_ST && op->kind != BPF_OPK_STX &&
	    op->kind != BPF_OPK_ATOMIC && op->kind != BPF_OPK_JMP)
		in.dst_reg = BPF_REG_1;
	if (op->kind == BPF_OPK_ATOMIC && in.src_reg == BPF_REG_10)
		in.src_reg = BPF_REG_2;
	return in;
}

/*
 * Random programs: whatever a validated program does, the host survives (ASan/UBSan watch
 * this test). Registers start as pointers into a small region and the stack, so many
 * accesses are near valid memory; every run ends in success or a reported error.
 */
TEST(bpf_vm_random_programs_never_crash)
{
	struct bpf_vm *vm = bpf_vm_create();
	u64 seed = 12345, region[8] = { 0 };
	u8 codes[256];
	int nr_codes = 0, ran = 0, failed_runs = 0, bad = 0;

	CHECK(vm);
	for (unsigned c = 0; c < 256; c++)
		if (bpf_op_table[c].kind != BPF_OPK_NONE && bpf_op_table[c].kind != BPF_OPK_LEGACY &&
		    bpf_op_table[c].kind != BPF_OPK_LDDW)
			codes[nr_codes++] = (u8)c;
	bpf_vm_set_helpers(vm, test_helpers, 3); /* sum and abort only: no callbacks */
	bpf_vm_set_kfuncs(vm, test_kfuncs, ARRAY_SIZE(test_kfuncs));
	bpf_vm_set_budget(vm, 2000);
	CHECK_EQ(bpf_vm_region_add(vm, region, sizeof(region), BPF_VM_RW, "r"), 0);
	for (int n = 0; n < 20000; n++) {
		struct bpf_insn in[16];
		struct bpf_vm_prog p = { .name = "rnd", .insns = in, .nr_insns = ARRAY_SIZE(in) };
		u64 args[5] = { (u64)(uintptr_t)region, (u64)(uintptr_t)&region[4], 0, 8, 3 }, r0;

		for (u32 i = 0; i + 1 < ARRAY_SIZE(in); i++)
			in[i] = random_insn(&seed, codes, nr_codes, i, ARRAY_SIZE(in));
		in[ARRAY_SIZE(in) - 1] = (struct bpf_insn)EXIT_I;
		if (bpf_vm_validate(&p, NULL))
			continue;
		ran++;
		if (bpf_vm_exec(vm, &p, 0, args, &r0)) {
			failed_runs++;
			bad += !bpf_vm_last_error(vm)->msg[0];
		}
	}
	bpf_vm_destroy(vm);
	CHECK_EQ(bad, 0);
	CHECK(ran > 5000);
	CHECK(failed_runs > 100 && failed_runs < ran);
}
