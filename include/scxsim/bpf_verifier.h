/*
 * bpf_verifier.h — the static verifier of scxsim (`scxsim verify`, `run --verify`): abstract
 * interpretation of each loaded program of a BPF scheduler, modelled on the kernel's
 * kernel/bpf/verifier.c. It walks every path (both sides of each conditional branch that the
 * register bounds do not decide), with typed registers (scalar bounds, ctx, stack, map value,
 * map, BTF object, memory, each pointer possibly NULL), tracked stack slots, reference
 * tracking for every acquire/release pair, state pruning at jump targets and a global
 * complexity limit. See docs/verifier.md for what is checked and what is not.
 *
 * Input: a scheduler loaded with bpf_sched_load() (maps created, CO-RE applied, kfuncs
 * resolved): the verifier reads the runtime's maps (types, sizes, frozen .rodata bytes), the
 * kfunc table and scxsim's kernel BTF (kfunc prototypes, sched_ext_ops callback prototypes,
 * task_struct layout).
 *
 * Output: a report per program. Ownership: the report's log is malloc'd; free it with
 * bpf_verify_report_fini() (NULL-safe, idempotent).
 */
#ifndef SCXSIM_BPF_VERIFIER_H
#define SCXSIM_BPF_VERIFIER_H

#include "scxsim/types.h"

struct bpf_sched;

#define BPF_VERIFY_MAX_INSNS 1000000 /* as the kernel's BPF_COMPLEXITY_LIMIT_INSNS */
#define BPF_VERIFY_VERBOSE 0x1       /* log every instruction processed (kernel log level 2) */

enum bpf_verdict {
	BPF_VERIFY_ACCEPTED,  /* every path is safe */
	BPF_VERIFY_REJECTED,  /* a path is unsafe: pc, msg, insn, line say where and why */
	BPF_VERIFY_UNPROVEN,  /* scxsim's verifier could not prove a path safe after widening
	                       * loop state the kernel would keep precise: a warning */
	BPF_VERIFY_SKIPPED,   /* not verified (a program bound to no sched_ext_ops member) */
};

struct bpf_verify_report {
	enum bpf_verdict verdict;
	u64 insns_processed;   /* instructions walked over all paths */
	u32 states;            /* states stored for pruning */
	u32 pruned;            /* paths cut by pruning */
	s32 pc;                /* the offending instruction, -1 if none */
	char msg[256];         /* the reason, in the kernel's wording where it has one */
	char insn[96];         /* disassembly of the instruction at pc */
	char line[256];        /* its source line ("file.bpf.c:42: text"), "" if unknown */
	char *log;             /* the trace (BPF_VERIFY_VERBOSE), else NULL */
	char *warnings;        /* findings the kernel accepts from a privileged loader (e.g.
	                        * reading uninitialised stack): "pc N `insn`: msg\n    line\n" */
	u32 nr_warnings;
};

/* Verify program i (bpf_obj_prog order) of a loaded scheduler. Returns 0 when the
 * verification ran (see r->verdict), -errno if it could not run (not loaded, no memory). */
int bpf_verify_prog(struct bpf_sched *s, int i, unsigned flags, struct bpf_verify_report *r);
void bpf_verify_report_fini(struct bpf_verify_report *r);
const char *bpf_verdict_str(enum bpf_verdict v); /* "accepted", "rejected", ... */

#endif
