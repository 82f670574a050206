/*
 * test_bpf_vm_decode.c — tests of what
 * the decoding interpreter adds: the decoded-program cache (a struct reused at the same
 * address, instructions changed without validation, helper tables set after a run, more
 * programs than the cache keeps, re-validation while the program runs), the budget charged
 * per straight run (the exact stop inside a run, inside fused pairs and after ld_imm64),
 * faults inside fused pairs, and the region table (tombstones, the recent part, re-adding
 * at the address of a removed region).
 */
#include <errno.h>
#include <stdlib.h>
#include "test.h"
#include "scxsim/bpf_asm.h"
#include "scxsim/bpf_vm.h"

static int dec_build(struct bpf_vm_prog *p, const char *name, const char *text)
{
	struct bpf_insn *insns;
	char err[256];

	if (bpf_asm(text, &insns, &p->nr_insns, err, sizeof(err))) {
		fprintf(stderr, "  asm: %s\n", err);
		return -1;
	}
	p->name = name;
	p->insns = insns;
	return bpf_vm_validate(p, NULL);
}

static u64 dh_one(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	return 1;
}

static u64 dh_two(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	return 2;
}

/*
 * A straight program (no jump before exit) whose instructions fuse in pairs and include an
 * ld_imm64: with a budget of k, the run stops exactly at instruction k, after exactly the
 * stores of the first k instructions, and the count grows by k.
 */
TEST(bpf_vm_decode_budget_exact_stop_in_runs)
{
	static const char text[] =
		"r2 = r1\n"                     /* 0: mov + add fused (three-address) */
		"r2 += 8\n"                     /* 1 */
		"r3 = 0x1122334455667788 ll\n"  /* 2-3: ld_imm64, fused with the store */
		"*(u64 *)(r1 + 0x0) = r3\n"     /* 4 */
		"r3 += 1\n"                     /* 5: add + store fused */
		"*(u64 *)(r2 + 0x0) = r3\n"     /* 6 */
		"r4 = *(u64 *)(r1 + 0x0)\n"     /* 7: load + add fused */
		"r4 += r3\n"                    /* 8 */
		"*(u64 *)(r1 + 0x10) = r4\n"    /* 9 */
		"r0 = r4\n"                     /* 10 */
		"exit";                         /* 11 */
	/* pc of the k-th instruction (0-based): the ld_imm64 takes two slots */
	static const int pc_of[] = { 0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11 };
	static u64 mem[3];
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_vm_prog p = { 0 };
	u64 args[5] = { (u64)(uintptr_t)mem }, r0 = 0;

	CHECK(vm);
	CHECK_EQ(dec_build(&p, "straight", text), 0);
	CHECK_EQ(bpf_vm_region_add(vm, mem, sizeof(mem), BPF_VM_RW, "mem"), 0);
	for (u64 k = 1; k <= 10; k++) { /* 11 instructions: the 11th is exit */
		u64 before = bpf_vm_insn_count(vm);
		char want[64];

		mem[0] = mem[1] = mem[2] = 0;
		bpf_vm_set_budget(vm, k);
		CHECK_EQ(bpf_vm_exec(vm, &p, 0, args, &r0), -E2BIG);
		snprintf(want, sizeof(want), "straight pc %d ", pc_of[k]);
		CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, want);
		CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, "instruction budget of");
		CHECK_EQ(bpf_vm_last_error(vm)->pc, pc_of[k]);
		CHECK_EQ(bpf_vm_insn_count(vm) - before, k);
		CHECK_EQ(mem[0], k > 3 ? 0x1122334455667788ULL : 0);
		CHECK_EQ(mem[1], k > 5 ? 0x1122334455667789ULL : 0);
		CHECK_EQ(mem[2], k > 8 ? 0x1122334455667788ULL + 0x1122334455667789ULL : 0);
	}
	bpf_vm_set_budget(vm, 11);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, args, &r0), 0);
	CHECK_EQ(r0, 0x1122334455667788ULL + 0x1122334455667789ULL);
	free((void *)p.insns);
	bpf_vm_destroy(vm);
}

/* A fault in the second half of a fused pair names it; the count has both instructions. */
TEST(bpf_vm_decode_fault_in_fused_pair)
{
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_vm_prog p = { 0 };
	u64 r0 = 0;

	CHECK(vm);
	CHECK_EQ(dec_build(&p, "pair", "r1 = 0\nr1 += 8\n*(u64 *)(r1 + 0x0) = r1\nr0 = 0\nexit"), 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), -EFAULT);
	CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, "pair pc 2 `*(u64 *)(r1 + 0x0) = r1`: invalid write of 8 bytes at 0x8 (null + 0x8)");
	CHECK_EQ(bpf_vm_insn_count(vm), 3);
	free((void *)p.insns);
	CHECK_EQ(dec_build(&p, "load", "r2 = 0\nr2 = *(u64 *)(r2 + 0x0)\nr2 += 1\nexit"), 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), -EFAULT);
	CHECK_EQ(bpf_vm_last_error(vm)->pc, 1);
	CHECK_EQ(bpf_vm_insn_count(vm), 3 + 2);
	free((void *)p.insns);
	bpf_vm_destroy(vm);
}

/* A struct re-validated at the same address with other instructions runs the new ones. */
TEST(bpf_vm_decode_struct_reused_at_same_address)
{
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_insn in[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpf_vm_prog p = { .name = "same", .insns = in, .nr_insns = 2 };
	u64 r0 = 0;

	CHECK(vm);
	CHECK_EQ(bpf_vm_validate(&p, NULL), 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0);
	CHECK_EQ(r0, 1);
	in[0].imm = 2; /* same struct, same array, new contents, validated again */
	CHECK_EQ(bpf_vm_validate(&p, NULL), 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0);
	CHECK_EQ(r0, 2);
	bpf_vm_destroy(vm);
}

/*
 * A struct that names other instructions without a new validation (a copy of a validated
 * struct, or its insns replaced): the VM decodes them, validating them first.
 */
TEST(bpf_vm_decode_validates_what_it_decodes)
{
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_insn good[2] = { { .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 3 }, { .code = BPF_JMP | BPF_EXIT } };
	struct bpf_insn bad[2] = { { .code = BPF_JMP | BPF_JA, .off = 100 }, { .code = BPF_JMP | BPF_EXIT } };
	struct bpf_vm_prog p = { .name = "swap", .insns = good, .nr_insns = 2 };
	u64 r0 = 0;

	CHECK(vm);
	CHECK_EQ(bpf_vm_validate(&p, NULL), 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0);
	CHECK_EQ(r0, 3);
	p.insns = bad; /* still marked validated */
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), -EINVAL);
	CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, "swap pc 0 `goto +0x64`: jump target 101 is outside the program");
	p.insns = good;
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0);
	CHECK_EQ(bpf_vm_last_error(vm)->code, 0);
	bpf_vm_destroy(vm);
}

/* Decoding resolves helper calls: a new table is used from the next run on. */
TEST(bpf_vm_decode_helper_table_changes)
{
	static const struct bpf_vm_func t1[] = { [1] = { "one", dh_one, NULL } };
	static const struct bpf_vm_func t2[] = { [1] = { "two", dh_two, NULL } };
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_vm_prog p = { 0 };
	u64 r0 = 0;

	CHECK(vm);
	CHECK_EQ(dec_build(&p, "h", "call 0x1\nexit"), 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), -ENOENT);
	CHECK_CONTAINS(bpf_vm_last_error(vm)->msg, "h pc 0 `call 0x1`: unknown helper 1");
	bpf_vm_set_helpers(vm, t1, ARRAY_SIZE(t1));
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0);
	CHECK_EQ(r0, 1);
	bpf_vm_set_helpers(vm, t2, ARRAY_SIZE(t2));
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), 0);
	CHECK_EQ(r0, 2);
	bpf_vm_set_helpers(vm, NULL, 0);
	CHECK_EQ(bpf_vm_exec(vm, &p, 0, NULL, &r0), -ENOENT);
	free((void *)p.insns);
	bpf_vm_destroy(vm);
}

/* More programs than the VM keeps decoded: all run right, and nothing leaks (ASan). */
TEST(bpf_vm_decode_many_programs)
{
	enum { N = 1500 };
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_insn (*in)[2] = calloc(N, sizeof(*in));
	struct bpf_vm_prog *p = calloc(N, sizeof(*p));
	int bad = 0;

	CHECK(vm && in && p);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			u64 r0 = 0;

			if (!round) {
				in[i][0] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = i };
				in[i][1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
				p[i] = (struct bpf_vm_prog){ .name = "many", .insns = in[i], .nr_insns = 2 };
				bad += bpf_vm_validate(&p[i], NULL) != 0;
			}
			bad += bpf_vm_exec(vm, &p[i], 0, NULL, &r0) != 0 || r0 != (u64)i;
		}
	}
	bpf_vm_destroy(vm);
	free(in);
	free(p);
	CHECK_EQ(bad, 0);
}

/*
 * A helper re-validates the running program with other instructions and runs it nested:
 * the nested run uses the new code, the outer run finishes its own (freed only when no
 * program runs: ASan watches).
 */
static struct bpf_insn dec_self[4];
static struct bpf_vm_prog dec_self_prog = { .name = "self", .insns = dec_self, .nr_insns = 4 };

static u64 dh_revalidate(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	u64 r0 = 0;

	if (a) /* the nested run: no recursion */
		return 100;
	dec_self[2].imm = 40; /* r0 += 40 instead of += 7 */
	if (bpf_vm_validate(&dec_self_prog, NULL) || bpf_vm_exec(vm, &dec_self_prog, 0, (u64[5]){ 1 }, &r0))
		return 0;
	return r0; /* the nested run returned 100 + 40 */
}

TEST(bpf_vm_decode_revalidated_while_running)
{
	static const struct bpf_vm_func h[] = { [1] = { "reval", dh_revalidate, NULL } };
	struct bpf_vm *vm = bpf_vm_create();
	u64 r0 = 0;

	CHECK(vm);
	bpf_vm_set_helpers(vm, h, ARRAY_SIZE(h));
	dec_self[0] = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = 1 };
	dec_self[1] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0, .src_reg = 0 };
	dec_self[2] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 0, .imm = 7 };
	dec_self[3] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	CHECK_EQ(bpf_vm_validate(&dec_self_prog, NULL), 0);
	CHECK_EQ(bpf_vm_exec(vm, &dec_self_prog, 0, (u64[5]){ 0 }, &r0), 0);
	CHECK_EQ(r0, 140 + 7); /* the outer run kept its code: + 7 */
	CHECK_EQ(bpf_vm_exec(vm, &dec_self_prog, 0, (u64[5]){ 1 }, &r0), 0);
	CHECK_EQ(r0, 140);     /* the next run has the new code */
	bpf_vm_destroy(vm);
}

/*
 * The region table: many long-lived regions (the sorted part), short-lived ones added and
 * removed around them (the recent part), removals from the middle (tombstones) and regions
 * re-added at a removed one's address with another length; check_mem agrees throughout.
 */
TEST(bpf_vm_decode_region_table_churn)
{
	enum { N = 600 };
	struct bpf_vm *vm = bpf_vm_create();
	u8 *arena = calloc(N, 64);
	int bad = 0;

	CHECK(vm && arena);
	for (int i = 0; i < N; i++) /* long-lived: 32 bytes every 64 */
		bad += bpf_vm_region_add(vm, arena + 64 * i, 32, BPF_VM_RW, "long") != 0;
	for (int round = 0; round < 50; round++) {
		for (int k = 0; k < 20; k++) /* short-lived, in the gaps, LIFO */
			bad += bpf_vm_region_add(vm, arena + 64 * (round * 7 + k) % (64 * N) + 40, 16, BPF_VM_READ, "tmp") != 0;
		for (int k = 19; k >= 0; k--)
			bad += bpf_vm_region_remove(vm, arena + 64 * (round * 7 + k) % (64 * N) + 40) != 0;
		/* remove a long-lived one and re-add it longer (into the gap), then as it was */
		bad += bpf_vm_region_remove(vm, arena + 64 * (round * 11 % N)) != 0;
		bad += bpf_vm_check_mem(vm, (u64)(uintptr_t)(arena + 64 * (round * 11 % N)), 8, BPF_VM_READ) != -EFAULT;
		bad += bpf_vm_region_add(vm, arena + 64 * (round * 11 % N), 48, BPF_VM_READ, "longer") != 0;
		bad += bpf_vm_check_mem(vm, (u64)(uintptr_t)(arena + 64 * (round * 11 % N)) + 40, 8, BPF_VM_READ) != 0;
		bad += bpf_vm_check_mem(vm, (u64)(uintptr_t)(arena + 64 * (round * 11 % N)) + 40, 8, BPF_VM_WRITE) != -EFAULT;
		bad += bpf_vm_region_remove(vm, arena + 64 * (round * 11 % N)) != 0;
		bad += bpf_vm_region_add(vm, arena + 64 * (round * 11 % N), 32, BPF_VM_RW, "long") != 0;
	}
	CHECK_EQ(bpf_vm_region_count(vm), N);
	for (int i = 0; i < N; i++) {
		u64 a = (u64)(uintptr_t)(arena + 64 * i);

		bad += bpf_vm_check_mem(vm, a, 32, BPF_VM_RW) != 0;
		bad += bpf_vm_check_mem(vm, a + 32, 1, BPF_VM_READ) != -EFAULT;
		bad += bpf_vm_region_add(vm, (void *)(uintptr_t)(a + 16), 8, BPF_VM_RW, "x") != -EEXIST;
	}
	for (int i = 0; i < N; i += 2) /* half removed: tombstones, then dropped in one pass */
		bad += bpf_vm_region_remove(vm, arena + 64 * i) != 0;
	for (int i = 0; i < N; i++)
		bad += bpf_vm_check_mem(vm, (u64)(uintptr_t)(arena + 64 * i), 8, BPF_VM_READ) != (i % 2 ? 0 : -EFAULT);
	CHECK_EQ(bpf_vm_region_count(vm), N / 2);
	bpf_vm_destroy(vm);
	free(arena);
	CHECK_EQ(bad, 0);
}
