/*
 * loader_core.bpf.c — CO-RE test object (tests/unit/test_bpf_obj.c): local views of kernel
 * types marked preserve_access_index, accessed through every CO-RE builtin, relocated against
 * loader_core_target.bpf.c whose .BTF lays the same types out differently (other field order,
 * sizes, bitfields, enum values, a missing field / type / enumerator).
 */
#include "loader_test.h"

#define __core __attribute__((preserve_access_index))

enum { F_OFF = 0, F_SIZE = 1, F_EXISTS = 2, F_SIGNED = 3, F_LSHIFT = 4, F_RSHIFT = 5 };
enum { T_ID_LOCAL = 0, T_ID_TARGET = 1 };
enum { T_EXISTS = 0, T_SIZE = 1, T_MATCHES = 2 };
enum { E_EXISTS = 0, E_VALUE = 1 };

struct sched_entity {
	u64 vruntime;
	u32 weight;
} __core;

struct task_struct {
	int pid;
	u32 flags : 3, prio : 5;
	struct sched_entity se;
	char comm[16];
	u64 removed_field;
	s32 sval;
	u32 ucnt;
} __core;

struct task_struct___old {
	int old_pid;
} __core;

struct not_in_target {
	int x;
} __core;

struct rq_match {
	u64 clock;
	u32 nr;
} __core;

enum scx_flags { SCX_A = 1, SCX_B = 2, SCX_GONE = 4 };

SEC("struct_ops/read_fields")
u64 read_fields(struct task_struct *p)
{
	return p->pid + p->se.vruntime + p->comm[3] + p->se.weight + p->ucnt;
}

SEC("struct_ops/write_field")
void write_field(struct task_struct *p)
{
	p->se.weight = 5;
}

SEC("struct_ops/bitfield")
u64 bitfield(struct task_struct *p)
{
	return __builtin_preserve_field_info(p->prio, F_OFF) * 1000000 +
	       __builtin_preserve_field_info(p->prio, F_SIZE) * 100000 +
	       __builtin_preserve_field_info(p->prio, F_EXISTS) * 10000 +
	       __builtin_preserve_field_info(p->prio, F_SIGNED) * 1000 +
	       __builtin_preserve_field_info(p->prio, F_LSHIFT) * 100 +
	       __builtin_preserve_field_info(p->prio, F_RSHIFT);
}

SEC("struct_ops/guarded")
u64 guarded(struct task_struct *p)
{
	if (__builtin_preserve_field_info(p->removed_field, F_EXISTS))
		return p->removed_field;
	if (__builtin_preserve_field_info(((struct task_struct___old *)p)->old_pid, F_EXISTS))
		return ((struct task_struct___old *)p)->old_pid;
	return 7;
}

SEC("struct_ops/signed_resize")
s64 signed_resize(struct task_struct *p)
{
	return p->sval;
}

SEC("struct_ops/types")
u64 types(void)
{
	struct task_struct *t = 0;
	struct not_in_target *n = 0;
	struct rq_match *r = 0;

	return __builtin_btf_type_id(*t, T_ID_LOCAL) * 0 +
	       (__builtin_btf_type_id(*t, T_ID_TARGET) != 0) * 1 +
	       __builtin_preserve_type_info(*t, T_EXISTS) * 10 +
	       __builtin_preserve_type_info(*n, T_EXISTS) * 100 +
	       __builtin_preserve_type_info(*t, T_SIZE) * 1000 +
	       __builtin_preserve_type_info(*r, T_MATCHES) * 1000000 +
	       __builtin_preserve_type_info(*t, T_MATCHES) * 10000000;
}

SEC("struct_ops/type_ids")
u64 type_ids(void)
{
	struct task_struct *t = 0;

	return __builtin_btf_type_id(*t, T_ID_LOCAL) * 100000 + __builtin_btf_type_id(*t, T_ID_TARGET);
}

SEC("struct_ops/enums")
u64 enums(void)
{
	return __builtin_preserve_enum_value(*(enum scx_flags *)SCX_A, E_EXISTS) +
	       __builtin_preserve_enum_value(*(enum scx_flags *)SCX_GONE, E_EXISTS) * 10 +
	       __builtin_preserve_enum_value(*(enum scx_flags *)SCX_B, E_VALUE) * 100;
}

SEC("struct_ops/enum_gone")
u64 enum_gone(void)
{
	return __builtin_preserve_enum_value(*(enum scx_flags *)SCX_GONE, E_VALUE);
}

char _license[] SEC("license") = "GPL";
