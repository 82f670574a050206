/*
 * loader_multi.bpf.c — test object: two programs in one SEC() section (each FUNC symbol is a
 * program), a global (non-static) subprogram in .text shared by both, and string literals in
 * .rodata.str1.1 reached through a section symbol plus offset.
 */
#include "loader_test.h"

__noinline int pick(int i)
{
	const char *s = "hello, multi";

	return s[i & 7];
}

SEC("tp/multi")
int first(void *ctx)
{
	return pick(1);
}

SEC("tp/multi")
int second(void *ctx)
{
	const char *t = "second string";

	return pick(2) + t[3];
}

char _license[] SEC("license") = "GPL";
