/*
 * vm.c — fuzz harness for the BPF interpreter (src/ebpf/vm.c): the input is a program (8 bytes
 * per instruction slot, at most 512 slots) that bpf_vm_validate() checks; a valid one runs with
 * a budget of 4096 instructions, r1 = a 64-byte writable region "mem", r2 = 64, r3 = a 32-byte
 * read-only region "ro", r4 = 32 and r5 = the address of a "canary" buffer that is NOT a
 * region. Helpers: 1 sum(r1..r5), 2 abort, 3 loop(n <= 8, callback, ctx) like bpf_loop (the
 * callback path), 4 fill(ptr, len): asks bpf_vm_check_mem() for write access and, when granted,
 * writes len bytes there (so a wrong "yes" is an ASan report or a changed canary); kfunc 0
 * doubles r1.
 *
 * Property: the VM never touches memory outside its regions and the live stack: every region
 * is a separate exact-size heap block (ASan sees any overflow), the canary and the read-only
 * region are unchanged after the run; each failed validation or run has a message naming the
 * program ("fz pc N ...").
 * Seeds: the programs of tests/ebpf/NAME.data, assembled by tests/fuzz/vm_seeds.c.
 */
#include "fuzz.h"
#include "scxsim/bpf_vm.h"

#define FZ_MAX_SLOTS 512
#define FZ_BUDGET 4096

static u64 fz_sum(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	return a + b + c + d + e;
}

static u64 fz_abort(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	bpf_vm_abort(vm, "fuzz abort %llu", (unsigned long long)a);
	return 0;
}

static u64 fz_loop(struct bpf_vm *vm, u64 nr, u64 fn, u64 ctx, u64 d, u64 e, void *c)
{
	u64 i;

	for (i = 0; i < nr && i < 8; i++) {
		u64 args[5] = { i, ctx }, r0 = 0;

		if (bpf_vm_callback(vm, fn, args, &r0))
			return 0;
		if (r0)
			return i + 1;
	}
	return i;
}

static u64 fz_fill(struct bpf_vm *vm, u64 ptr, u64 len, u64 c, u64 d, u64 e, void *ctx)
{
	if (len > 4096 || bpf_vm_check_mem(vm, ptr, len, BPF_VM_WRITE))
		return (u64)-1;
	memset((void *)(uintptr_t)ptr, 0xa5, len);
	return 0;
}

static u64 fz_double(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	return a * 2;
}

static const struct bpf_vm_func fz_helpers[] = {
	[1] = { "sum", fz_sum, NULL },
	[2] = { "abort", fz_abort, NULL },
	[3] = { "loop", fz_loop, NULL },
	[4] = { "fill", fz_fill, NULL },
};

static const struct bpf_vm_func fz_kfuncs[] = {
	[0] = { "double", fz_double, NULL },
};

static void fz_check_error(const struct bpf_vm_error *e, const char *what)
{
	if (e->code >= 0 || strncmp(e->msg, "fz", 2) || strlen(e->msg) < 8)
		fz_fail("%s: error %d without a message naming the program: \"%s\"", what, e->code,
			e->msg);
}

static void fz_run(struct bpf_vm_prog *p)
{
	struct bpf_vm *vm = bpf_vm_create();
	unsigned char *mem = calloc(1, 64), *ro = malloc(32), *canary = malloc(64);
	unsigned char ro_copy[32];
	u64 r0;

	if (!vm || !mem || !ro || !canary)
		goto out;
	memset(canary, 0x3c, 64);
	for (int i = 0; i < 32; i++)
		ro[i] = ro_copy[i] = (unsigned char)(i * 7);
	bpf_vm_set_helpers(vm, fz_helpers, sizeof(fz_helpers) / sizeof(fz_helpers[0]));
	bpf_vm_set_kfuncs(vm, fz_kfuncs, 1);
	bpf_vm_set_budget(vm, FZ_BUDGET);
	if (bpf_vm_region_add(vm, mem, 64, BPF_VM_RW, "mem") ||
	    bpf_vm_region_add(vm, ro, 32, BPF_VM_READ, "ro"))
		fz_fail("vm: region_add failed");
	u64 args[5] = { (uintptr_t)mem, 64, (uintptr_t)ro, 32, (uintptr_t)canary };
	if (bpf_vm_exec(vm, p, 0, args, &r0))
		fz_check_error(bpf_vm_last_error(vm), "bpf_vm_exec");
	for (int i = 0; i < 64; i++)
		if (canary[i] != 0x3c)
			fz_fail("vm: the program wrote byte %d of memory that is not a region", i);
	if (memcmp(ro, ro_copy, 32))
		fz_fail("vm: the program wrote its read-only region");
out:
	bpf_vm_destroy(vm);
	free(mem);
	free(ro);
	free(canary);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	u32 n = size / sizeof(struct bpf_insn);
	struct bpf_insn *insns;
	struct bpf_vm_error err;

	if (n > FZ_MAX_SLOTS)
		n = FZ_MAX_SLOTS;
	insns = malloc((n ? n : 1) * sizeof(*insns)); /* exact size: ASan sees reads past the end */
	if (!insns)
		return 0;
	memcpy(insns, data, n * sizeof(*insns));
	struct bpf_vm_prog p = { .name = "fz", .insns = insns, .nr_insns = n };
	memset(&err, 0, sizeof(err));
	if (bpf_vm_validate(&p, &err))
		fz_check_error(&err, "bpf_vm_validate");
	else
		fz_run(&p);
	free(insns);
	return 0;
}
