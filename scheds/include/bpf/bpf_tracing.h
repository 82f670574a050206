/*
 * bpf/bpf_tracing.h — BPF_PROG for scxsim: a program attached to a struct_ops slot receives
 * one argument, ctx, pointing at an array of u64 holding the callback's arguments in order
 * (the runtime's trampolines build it); BPF_PROG(name, typed args...) defines `name(ctx)` and
 * an inlined body that sees the typed arguments. Same macro name and meaning as libbpf's.
 */
#ifndef __BPF_TRACING_H__
#define __BPF_TRACING_H__

#include "bpf_helpers.h"

#define ___bpf_ctx_arg0(n, args...)
#define ___bpf_ctx_arg1(n, args...) , (void *)ctx[(n) - 1]
#define ___bpf_ctx_arg2(n, args...) , (void *)ctx[(n) - 2] ___bpf_ctx_arg1(n, args)
#define ___bpf_ctx_arg3(n, args...) , (void *)ctx[(n) - 3] ___bpf_ctx_arg2(n, args)
#define ___bpf_ctx_arg4(n, args...) , (void *)ctx[(n) - 4] ___bpf_ctx_arg3(n, args)
#define ___bpf_ctx_arg5(n, args...) , (void *)ctx[(n) - 5] ___bpf_ctx_arg4(n, args)
#define ___bpf_ctx_arg6(n, args...) , (void *)ctx[(n) - 6] ___bpf_ctx_arg5(n, args)
#define ___bpf_ctx_arg7(n, args...) , (void *)ctx[(n) - 7] ___bpf_ctx_arg6(n, args)
#define ___bpf_ctx_arg8(n, args...) , (void *)ctx[(n) - 8] ___bpf_ctx_arg7(n, args)
#define ___bpf_ctx_arg9(n, args...) , (void *)ctx[(n) - 9] ___bpf_ctx_arg8(n, args)
#define ___bpf_ctx_arg10(n, args...) , (void *)ctx[(n) - 10] ___bpf_ctx_arg9(n, args)
#define ___bpf_ctx_arg11(n, args...) , (void *)ctx[(n) - 11] ___bpf_ctx_arg10(n, args)
#define ___bpf_ctx_arg12(n, args...) , (void *)ctx[(n) - 12] ___bpf_ctx_arg11(n, args)
#define ___bpf_ctx_cast(args...) \
	ctx ___bpf_apply(___bpf_ctx_arg, ___bpf_narg(args))(___bpf_narg(args), args)

#define BPF_PROG(name, args...)                                                              \
name(unsigned long long *ctx);                                                               \
static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args);          \
typeof(name(0)) name(unsigned long long *ctx)                                                \
{                                                                                            \
	_Pragma("GCC diagnostic push")                                                       \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                               \
	return ____##name(___bpf_ctx_cast(args));                                            \
	_Pragma("GCC diagnostic pop")                                                        \
}                                                                                            \
static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args)

#endif
