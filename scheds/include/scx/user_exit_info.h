/*
 * scx/user_exit_info.h — how a scheduler hands its exit to its user half: UEI_DEFINE(name)
 * declares `struct user_exit_info name` in .data (plus a dump buffer), UEI_RECORD(name, ei) in
 * ops.exit() copies the kind, code, reason and message out of the scx_exit_info; the user half
 * (in scxsim: the runtime or a test, through bpf_sched_global()) reads it with UEI_EXITED /
 * UEI_REPORT. Same names and fields as upstream's tools/sched_ext header; scxsim's text.
 */
#ifndef __USER_EXIT_INFO_H
#define __USER_EXIT_INFO_H

enum uei_sizes {
	UEI_REASON_LEN = 128,
	UEI_MSG_LEN = 1024,
	UEI_DUMP_DFL_LEN = 32768,
};

struct user_exit_info {
	int kind;
	s64 exit_code;
	char reason[UEI_REASON_LEN];
	char msg[UEI_MSG_LEN];
};

#ifdef __bpf__

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/* The dump buffer has its own data section; its useful length is a knob (all of it by
 * default, as scxsim has no user half to resize it). */
#define UEI_DEFINE(__name)                                                                   \
	char __name##_dump[UEI_DUMP_DFL_LEN] SEC(".data." #__name "_dump");                 \
	const volatile u32 __name##_dump_len = UEI_DUMP_DFL_LEN;                             \
	struct user_exit_info __name SEC(".data")

#define UEI_RECORD(__uei_name, __ei) ({                                                      \
	bpf_probe_read_kernel_str(__uei_name.reason, sizeof(__uei_name.reason),              \
				  (__ei)->reason);                                           \
	bpf_probe_read_kernel_str(__uei_name.msg, sizeof(__uei_name.msg), (__ei)->msg);      \
	if (__uei_name##_dump_len)                                                           \
		bpf_probe_read_kernel_str(__uei_name##_dump,                                 \
					  __uei_name##_dump_len <= sizeof(__uei_name##_dump) ? \
					  __uei_name##_dump_len : sizeof(__uei_name##_dump), \
					  (__ei)->dump);                                     \
	if (bpf_core_field_exists((__ei)->exit_code))                                        \
		__uei_name.exit_code = (__ei)->exit_code;                                    \
	/* kind last, with a full barrier: a reader seeing it sees the rest */               \
	__sync_lock_test_and_set(&__uei_name.kind, (__ei)->kind);                            \
})

#else /* user space */

#define UEI_EXITED(__uei) (__atomic_load_n(&(__uei)->kind, __ATOMIC_SEQ_CST) != 0)
#define UEI_REPORT(__f, __uei)                                                               \
	fprintf((__f), "EXIT: %s%s%s%s\n", (__uei)->reason, (__uei)->msg[0] ? " (" : "",     \
		(__uei)->msg, (__uei)->msg[0] ? ")" : "")

#endif
#endif /* __USER_EXIT_INFO_H */
