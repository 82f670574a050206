/*
 * vf_int.h — internals of the static verifier (include/scxsim/bpf_verifier.h), shared by
 * verifier.c (the walk: paths, pruning, report), vf_insn.c (ALU, memory, branches) and
 * vf_call.c (helpers, kfuncs, subprograms, callbacks, references).
 *
 * Invariants:
 *  - A state is a call stack of frames (registers + 512 stack bytes) plus the references
 *    held and the lock depths; only frames [0, nframes) are meaningful and copied.
 *  - A scalar's bounds are sound: umin <= umax, smin <= smax, every value the register may
 *    hold at run time lies in both ranges. A pointer's umin..smax bound its variable offset.
 *  - Every acquired reference is in state->refs until released; every register or spilled
 *    slot holding it carries its id in `ref`; releasing turns them into scalars.
 *  - The first error stops the walk (as the kernel's verifier): env->err is set once.
 */
#ifndef SCXSIM_VF_INT_H
#define SCXSIM_VF_INT_H

#include <stdarg.h>
#include "ebpf/runtime/rt_int.h"
#include "scxsim/bpf_verifier.h"

#define VF_MAX_FRAMES 8
#define VF_MAX_REFS 32
#define VF_STACK 512
#define VF_SLOTS (VF_STACK / 8)
#define VF_MAX_VAR_OFF (1LL << 29) /* the kernel's BPF_MAX_VAR_OFF */

enum vf_type {
	VT_NOT_INIT, VT_SCALAR, VT_CTX, VT_STACK, VT_MAP_VALUE, VT_MAP_PTR, VT_BTF_ID, VT_MEM,
	VT_FUNC, VT_ANY, VT_MAP_KEY,
};

/* register flags */
#define VF_NULL      0x01 /* may be NULL (_or_null) */
#define VF_RDONLY    0x02 /* memory may not be written */
#define VF_UNTRUSTED 0x04 /* BTF object loaded from memory: may be NULL at run time */
#define VF_RINGBUF   0x08 /* a ring-buffer record */
#define VF_RELEASED  0x10 /* scalar that was a pointer whose reference was released (at .size) */
#define VF_TRUSTED   0x20 /* BTF object from ctx or an acquire */

/* a map the program may name: from the runtime's maps, or an inner-map template */
struct vf_map {
	const char *name;
	u32 type, key_size, value_size, max_entries;
	bool readonly;          /* .rodata / .kconfig / BPF_F_RDONLY_PROG */
	const u8 *bytes;        /* frozen contents of a read-only internal map, else NULL */
	u32 value_type_id;      /* in the program's BTF (DATASEC for internal maps) */
	u64 addr, value_addr;   /* host addresses ld_imm64 holds after load */
	struct vf_map *inner;   /* map-in-map template */
};

struct vf_reg {
	u8 type;                /* enum vf_type */
	u8 flags;               /* VF_* */
	u16 frame;              /* VT_STACK: frame it points into */
	s32 off;                /* pointer: fixed offset */
	u64 umin, umax;         /* scalar value, or pointer's variable offset */
	s64 smin, smax;
	u32 u32min, u32max;     /* scalar: bounds of the low 32 bits (the w register) */
	u32 id;                 /* null-check group (regs from one lookup share it) */
	u32 ref;                /* reference id held, 0 none */
	u32 size;               /* VT_MEM/VT_CTX: bytes; VT_FUNC: target pc; released: pc */
	u32 btf_id;             /* VT_BTF_ID: type in scxsim's kernel BTF */
	struct vf_map *map;     /* VT_MAP_PTR / VT_MAP_VALUE / VT_MAP_KEY */
};

enum vf_slot { VS_INVALID, VS_MISC, VS_ZERO, VS_SPILL, VS_ITER };

struct vf_frame {
	struct vf_reg regs[11];
	u8 stype[VF_STACK];     /* per byte: enum vf_slot; index = 512 + offset from r10 */
	struct vf_reg spill[VF_SLOTS]; /* per 8-byte slot: spilled register / iterator */
	s32 callsite;           /* pc of the call that made this frame, -1 for frame 0 */
	s32 cb_call;            /* callback frames: pc of the helper call to loop back to, else -1 */
	u8 cb_kind;             /* 0 bpf-to-bpf, 1 loop callback, 2 async (timer), 3 called once */
};

struct vf_ref { u32 id; s32 insn; };

struct vf_state {
	u32 nframes;
	u32 nrefs;
	struct vf_ref refs[VF_MAX_REFS];
	u32 rcu, lock;          /* bpf_rcu_read_lock / bpf_spin_lock depths */
	bool widened;           /* loop state was widened: errors become "cannot prove" */
	struct vf_frame fr[VF_MAX_FRAMES];
};

struct vf_node {                /* a stored state (pruning point) */
	struct vf_node *parent, *next;
	u32 branches;           /* live paths below it */
	u32 hit, miss;          /* prunings it made, comparisons it failed (eviction) */
	struct vf_state *st;
};

struct vf_path { struct vf_state *st; u32 pc; struct vf_node *node; };

struct vf_env {
	struct bpf_sched *s;
	const struct bpf_prog *prog;
	const struct bpf_insn *insns;
	u32 nr_insns;
	unsigned flags;
	const struct btf *kbtf, *pbtf;
	u32 ctx_proto;          /* FUNC_PROTO of the ops member in kbtf, 0 unknown */
	u32 ctx_nullable;       /* bit i: ctx[i] may be NULL (the kernel's `__nullable` stub args) */
	bool ret_void;
	struct vf_map *maps;    /* runtime maps then inner templates */
	int nr_maps;
	u8 *prune;              /* per pc: 1 prune point, 2 iteration point */
	u16 *live;              /* per pc: registers live on entry (bit i = r_i), static */
	struct vf_node **visited; /* per pc */
	struct vf_path *stack;  /* pending paths */
	struct vf_state **free_states; /* recycled working states */
	u32 nfree, cap_free;
	u32 nr_stack, cap_stack;
	u64 processed;
	u32 states, pruned, evicted, next_id;
	u64 jmps, jmps_at_add, insns_at_add; /* conditional jumps walked; counts at the last stored state */
	struct vf_state *cur;   /* the state being walked */
	u32 pc;                 /* its instruction */
	struct vf_node *node;   /* its last pruning point */
	bool path_done;         /* the current path ended (exit, prune) */
	int err;                /* 0, -EACCES (rejected), -ERANGE (cannot prove) */
	char msg[256];
	s32 err_pc;
	char *log;
	size_t log_len, log_cap;
	char *warn;             /* warnings, one per line pair */
	size_t warn_len, warn_cap;
	u32 nwarn;
	u8 *warned;             /* per pc */
	s32 task_slice[2], task_vtime[2], task_disallow[2]; /* writable task_struct byte ranges */
	u32 async_seen[64];     /* timer callbacks queued (pc + 1) */
	s32 task_id, cgroup_id, cpumask_id, bpf_cpumask_id;
};

/* verifier.c */
int vf_error(struct vf_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vf_log(struct vf_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* a finding that the kernel accepts from a privileged loader: reported once per pc */
void vf_warn(struct vf_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vf_push(struct vf_env *e, const struct vf_state *st, u32 pc);
int vf_push_own(struct vf_env *e, struct vf_state *st, u32 pc);
struct vf_state *vf_state_dup(struct vf_env *e, const struct vf_state *st);
void vf_state_put(struct vf_env *e, struct vf_state *st);
size_t vf_state_size(u32 nframes);
const char *vf_type_str(const struct vf_reg *r, char *buf, size_t len);
void vf_reg_str(const struct vf_reg *r, char *buf, size_t len);

/* vf_insn.c */
void vf_mark_unknown(struct vf_reg *r);
/* tighten the 64-bit unsigned, signed and 32-bit bounds against each other */
void vf_sync_bounds(struct vf_reg *r);
void vf_mark_const(struct vf_reg *r, u64 v);
void vf_mark_sized(struct vf_reg *r, u32 size, bool sign);
bool vf_is_const(const struct vf_reg *r);
bool vf_is_ptr(const struct vf_reg *r);
int vf_read_reg(struct vf_env *e, int regno);
int vf_step(struct vf_env *e);
/* check [off, off+size) of the memory r points to; write: may it be written; init: for a
 * read, must stack bytes be initialised. `what` prefixes messages ("" or "indirect "). */
int vf_check_mem(struct vf_env *e, int regno, const struct vf_reg *r, s64 off, u32 size,
		 bool write, bool need_init);
/* a stack access at a fixed or bounded variable offset: bounds, and initialised bytes for
 * a read (need_init); indirect: by a helper or kfunc */
int vf_stack_check(struct vf_env *e, int regno, const struct vf_reg *r, s64 off, u32 size,
		   bool write, bool need_init, bool indirect);
void vf_stack_mark_written(struct vf_env *e, const struct vf_reg *r, s64 off, u32 size);

/* vf_call.c */
int vf_call(struct vf_env *e, const struct bpf_insn *insn);
int vf_exit(struct vf_env *e);
void vf_release_ref(struct vf_state *st, u32 ref, u32 pc);
int vf_acquire_ref(struct vf_env *e, u32 pc);
bool vf_is_iter_point(struct vf_env *e, u32 pc);

static inline struct vf_frame *vf_cur_frame(struct vf_env *e)
{
	return &e->cur->fr[e->cur->nframes - 1];
}
static inline struct vf_reg *vf_reg(struct vf_env *e, int regno)
{
	return &vf_cur_frame(e)->regs[regno];
}

#endif
