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
