/*
 * bpf/bpf_helpers.h — scxsim's own version of the libbpf header BPF programs include: section
 * and map-definition macros, ksym/kconfig extern annotations, argument tags, loop iterators
 * (bpf_for, bpf_repeat, bpf_for_each), bpf_printk, and the helper declarations
 * (bpf_helper_defs.h). Self-sufficient: needs only vmlinux.h's typedefs (or <linux/types.h>).
 * The macro names and meanings are libbpf's, so a scheduler also builds against libbpf; the
 * text is written for scxsim.
 */
#ifndef __BPF_HELPERS__
#define __BPF_HELPERS__

#include "bpf_helper_defs.h"

/* ---- placement ------------------------------------------------------------------------- */

#define SEC(name) __attribute__((section(name), used))

#ifndef NULL
#define NULL ((void *)0)
#endif

/* BTF-defined maps: `__uint(max_entries, 16)` is a pointer to an int array of that length,
 * `__type(key, u32)` a pointer to the type, `__array(values, T)` an array of pointers. */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
#define __ulong(name, val) enum { ___bpf_concat(__unique_value, __COUNTER__) = val } name

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif
#ifndef __weak
#define __weak __attribute__((weak))
#endif
#define __hidden __attribute__((visibility("hidden")))
#ifndef __packed
#define __packed __attribute__((packed))
#endif
#ifndef __unused
#define __unused __attribute__((unused))
#endif

/* externs resolved by the loader */
#define __kconfig __attribute__((section(".kconfig")))
#define __ksym __attribute__((section(".ksyms")))
#define __kptr_untrusted __attribute__((btf_type_tag("kptr_untrusted")))
#define __kptr __attribute__((btf_type_tag("kptr")))
#define __percpu_kptr __attribute__((btf_type_tag("percpu_kptr")))
#define __uptr __attribute__((btf_type_tag("uptr")))

/* Is kfunc/ksym `sym` present at run time? (Its address is 0 when a __weak one is absent.) */
#define bpf_ksym_exists(sym) ({                                                             \
	_Static_assert(!__builtin_constant_p(!!sym),                                        \
		       #sym " should be marked as __weak");                                 \
	!!sym;                                                                              \
})

/* global-function argument tags (BTF decl tags the kernel verifier reads) */
#define __arg_ctx __attribute__((btf_decl_tag("arg:ctx")))
#define __arg_nonnull __attribute__((btf_decl_tag("arg:nonnull")))
#define __arg_nullable __attribute__((btf_decl_tag("arg:nullable")))
#define __arg_trusted __attribute__((btf_decl_tag("arg:trusted")))
#define __arg_untrusted __attribute__((btf_decl_tag("arg:untrusted")))
#define __arg_arena __attribute__((btf_decl_tag("arg:arena")))

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
#ifndef barrier
#define barrier() asm volatile("" ::: "memory")
#endif
#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif
#ifndef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif
#ifndef container_of
#define container_of(ptr, type, member) ((type *)((void *)(ptr) - offsetof(type, member)))
#endif
#define __bpf_unreachable() __builtin_trap()

#ifndef BPF_MAX_LOOPS
#define BPF_MAX_LOOPS (8 * 1024 * 1024)
#endif

/* ---- argument counting (used by bpf_printk, BPF_PROG, scx_bpf_error) -------------------- */

#define ___bpf_concat(a, b) a ## b
#define ___bpf_apply(fn, n) ___bpf_concat(fn, n)
#define ___bpf_nth(_, _1, _2, _3, _4, _5, _6, _7, _8, _9, _a, _b, _c, N, ...) N
#define ___bpf_narg(...) ___bpf_nth(_, ##__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)

/* ___bpf_fill(arr, a, b, c): arr[0] = a; arr[1] = b; arr[2] = c; (as unsigned long long) */
#define ___bpf_fill0(arr, p, x) do {} while (0)
#define ___bpf_fill1(arr, p, x) arr[p] = (unsigned long long)(x)
#define ___bpf_fill2(arr, p, x, a...) arr[p] = (unsigned long long)(x); ___bpf_fill1(arr, p + 1, a)
#define ___bpf_fill3(arr, p, x, a...) arr[p] = (unsigned long long)(x); ___bpf_fill2(arr, p + 1, a)
#define ___bpf_fill4(arr, p, x, a...) arr[p] = (unsigned long long)(x); ___bpf_fill3(arr, p + 1, a)
#define ___bpf_fill5(arr, p, x, a...) arr[p] = (unsigned long long)(x); ___bpf_fill4(arr, p + 1, a)
#define ___bpf_fill6(arr, p, x, a...) arr[p] = (unsigned long long)(x); ___bpf_fill5(arr, p + 1, a)
#define ___bpf_fill7(arr, p, x, a...) arr[p] = (unsigned long long)(x); ___bpf_fill6(arr, p + 1, a)
#define ___bpf_fill8(arr, p, x, a...) arr[p] = (unsigned long long)(x); ___bpf_fill7(arr, p + 1, a)
#define ___bpf_fill9(arr, p, x, a...) arr[p] = (unsigned long long)(x); ___bpf_fill8(arr, p + 1, a)
#define ___bpf_fill10(arr, p, x, a...) arr[p] = (unsigned long long)(x); ___bpf_fill9(arr, p + 1, a)
#define ___bpf_fill11(arr, p, x, a...) arr[p] = (unsigned long long)(x); ___bpf_fill10(arr, p + 1, a)
#define ___bpf_fill12(arr, p, x, a...) arr[p] = (unsigned long long)(x); ___bpf_fill11(arr, p + 1, a)
#define ___bpf_fill(arr, args...) \
	___bpf_apply(___bpf_fill, ___bpf_narg(args))(arr, 0, args)

/* bpf_printk(fmt, args...): bpf_trace_printk when there are at most 3 arguments (the helper's
 * limit), bpf_trace_vprintk with an argument array otherwise. scxsim prints to stderr and keeps
 * a log (bpf_sched_log()). */
#define ___bpf_pick_printk(...) \
	___bpf_nth(_, ##__VA_ARGS__, ___bpf_vprintk, ___bpf_vprintk, ___bpf_vprintk,         \
		   ___bpf_vprintk, ___bpf_vprintk, ___bpf_vprintk, ___bpf_vprintk,               \
		   ___bpf_vprintk, ___bpf_vprintk, __bpf_printk, __bpf_printk, __bpf_printk,     \
		   __bpf_printk)
#define __bpf_printk(fmt, ...) ({                                                            \
	static const char ____fmt[] = fmt;                                                   \
	bpf_trace_printk(____fmt, sizeof(____fmt), ##__VA_ARGS__);                           \
})
#define ___bpf_vprintk(fmt, args...) ({                                                      \
	static const char ___fmt[] = fmt;                                                    \
	unsigned long long ___param[___bpf_narg(args)];                                      \
	_Pragma("GCC diagnostic push")                                                       \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                               \
	___bpf_fill(___param, args);                                                         \
	_Pragma("GCC diagnostic pop")                                                        \
	bpf_trace_vprintk(___fmt, sizeof(___fmt), ___param, sizeof(___param));               \
})
#define bpf_printk(fmt, args...) ___bpf_pick_printk(args)(fmt, ##args)

/* ---- open-coded iterators --------------------------------------------------------------- */

struct bpf_iter_num;
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

/* bpf_for_each(num, cur, start, end) / any iterator type with _new/_next/_destroy kfuncs:
 * `cur` takes each value _next returns until it returns NULL. */
#ifndef bpf_for_each
#define bpf_for_each(type, cur, args...) for (                                               \
	struct bpf_iter_##type ___it __attribute__((aligned(8),                              \
		cleanup(bpf_iter_##type##_destroy))),                                        \
	*___p __attribute__((unused)) = (bpf_iter_##type##_new(&___it, ##args),              \
		(void)bpf_iter_##type##_destroy, (void *)0);                                 \
	(((cur) = bpf_iter_##type##_next(&___it)));                                           \
)
#endif

/* bpf_for(i, start, end): i = start .. end - 1 (an int variable declared by the caller).
 * As libbpf's, the loop condition also tests start <= i < end: the iterator never breaks it,
 * but the verifier cannot know the value *___t holds, and the test gives i its bounds. */
#ifndef bpf_for
#define bpf_for(i, start, end) for (                                                         \
	struct bpf_iter_num ___it __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	*___p __attribute__((unused)) = (bpf_iter_num_new(&___it, (start), (end)),           \
		(void)bpf_iter_num_destroy, (void *)0);                                      \
	({ int *___t = bpf_iter_num_next(&___it);                                            \
	   (___t && ((i) = *___t, (i) >= (start) && (i) < (end))); });                       \
)
#endif

/* bpf_repeat(n): the body n times (break/continue work as usual) */
#ifndef bpf_repeat
#define bpf_repeat(n) for (                                                                  \
	struct bpf_iter_num ___it __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	*___p __attribute__((unused)) = (bpf_iter_num_new(&___it, 0, (n)),                   \
		(void)bpf_iter_num_destroy, (void *)0);                                      \
	bpf_iter_num_next(&___it);                                                           \
)
#endif

#endif /* __BPF_HELPERS__ */
