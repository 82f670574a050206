/*
 * loader_test.h — the minimal declarations the loader's test objects (tests/bpf/loader_*.bpf.c)
 * need, written here instead of including libbpf's bpf_helpers.h or scxsim's vmlinux.h so the
 * tests pin exactly what clang emits for each construct: SEC(), BTF-defined map fields, __ksym /
 * __kconfig externs, __weak, helper 181 (bpf_loop).
 */
#ifndef LOADER_TEST_H
#define LOADER_TEST_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef int s32;
typedef long long s64;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __ksym __attribute__((section(".ksyms")))
#define __kconfig __attribute__((section(".kconfig")))
#define __weak __attribute__((weak))
#define __noinline __attribute__((noinline))

#define BPF_MAP_TYPE_HASH 1
#define BPF_MAP_TYPE_ARRAY 2
#define BPF_MAP_TYPE_QUEUE 22
#define BPF_F_NO_PREALLOC 1

static long (*bpf_loop)(u32 nr, void *fn, void *ctx, u64 flags) = (void *)181;
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;

#define bpf_ksym_exists(sym) (!!(sym))

#endif
