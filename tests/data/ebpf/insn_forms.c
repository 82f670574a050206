/*
 * insn_forms.c — C code that makes clang-19 emit many BPF instruction forms (ALU and ALU32,
 * sdiv/smod, movsx, sign-extending loads, bswap, atomics with and without fetch, xchg,
 * cmpxchg, jmp32, bpf-to-bpf calls, ld_imm64). tests/unit/test_bpf_asm.c compiles it with
 * `clang-19 -O2 -g -target bpf -mcpu=v4 -c insn_forms.c`, disassembles it with
 * `llvm-objdump-19 -d --mattr=+alu32` and checks that scxsim prints every instruction the same
 * way and assembles the text back to the same bytes. Not a scheduler: never loaded.
 */
typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;
typedef int s32;
typedef unsigned short u16;
typedef short s16;
typedef signed char s8;
typedef unsigned char u8;

u64 glob;

static __attribute__((noinline)) u64 sub(u64 a, u64 b)
{
	return a * b + 3;
}

u64 arith(u64 *p, s64 x, u32 y, s32 z, s8 *q)
{
	u64 r = sub(x, y);

	r += x / y + (s64)x / z + x % 7 + (s64)x % (s64)r;
	r += (u32)x / y + (s32)x / z + (u32)x % y + (s32)x % z;
	r += (r << 3) ^ (r >> 5) ^ ((s64)r >> 7) ^ ((s32)y >> 3) ^ (y << (z & 31));
	r += __builtin_bswap64(r) + __builtin_bswap32(y) + __builtin_bswap16((u16)y);
	r += *q + ((s16 *)q)[3] + ((s32 *)q)[5] + ((u8 *)q)[7] + ((u16 *)q)[9];
	r = (s64)(s8)r + (s64)(s16)y + (s64)(s32)r;
	r -= ~y & 0xfff;
	r |= -x;
	return r + glob + 0x1234567890ULL;
}

u64 atomics(u64 *p, u32 *w, u64 v, u32 v32)
{
	u64 r = 0;

	__sync_fetch_and_add(p, 5);
	__sync_fetch_and_or(p, v);
	__sync_fetch_and_and(p, v);
	__sync_fetch_and_xor(p, v);
	r += __sync_fetch_and_add(p, v);
	r += __sync_fetch_and_or(p, v);
	r += __sync_fetch_and_and(p, v);
	r += __sync_fetch_and_xor(p, v);
	r += __sync_val_compare_and_swap(p, v, r);
	r += __atomic_exchange_n(p, r, __ATOMIC_SEQ_CST);
	__sync_fetch_and_add(w, v32);
	__sync_fetch_and_or(w, v32);
	__sync_fetch_and_and(w, v32);
	__sync_fetch_and_xor(w, v32);
	r += __sync_fetch_and_add(w, v32);
	r += __sync_fetch_and_or(w, v32);
	r += __sync_fetch_and_and(w, v32);
	r += __sync_fetch_and_xor(w, v32);
	r += __sync_val_compare_and_swap(w, v32, (u32)r);
	r += __atomic_exchange_n(w, (u32)r, __ATOMIC_SEQ_CST);
	return r;
}

int branches(s64 a, u64 b, s32 c, u32 d, int n)
{
	int r = 0;

	for (int i = 0; i < n; i++) {
		if (a < -3) r += 1;
		if (a >= (s64)b) r += 2;
		if (b > 1000) r += 3;
		if (b <= d) r += 4;
		if (c < 5) r += 5;
		if (c >= (s32)d) r += 6;
		if (d > 77) r += 7;
		if (d != (u32)c) r += 8;
		if (b & 0x40) r += 9;
		if (a == 12345) r += 10;
		a += r;
	}
	return r;
}

u64 stores(u64 *p, u32 *w, u16 *h, u8 *c)
{
	volatile u64 buf[4];

	buf[0] = 1;
	buf[1] = -1;
	p[1] = 0x7fffffff;
	w[2] = 0xffffffff;
	h[3] = 0x1234;
	c[4] = 0x12;
	*w = (u32)*p;
	*h = (u16)*p;
	*c = (u8)*p;
	return buf[0] + buf[1];
}
