/*
 * pair — CPUs work in pairs, and both CPUs of a pair only ever run tasks of the same cgroup
 * at the same time (or one of them idles). A demo core scheduler, as upstream's scx_pair.
 *
 * Policy: at ops.init each CPU i is paired with CPU (i + stride) % nr_cpus (knob stride,
 * default nr_cpus / 2: on scxsim's x86 numbering that pairs the SMT siblings of 2-thread
 * cores). A CPU left over (an odd CPU count with the default stride, or 1 CPU) forms a pair of
 * one; a stride given explicitly that leaves a CPU alone or puts three CPUs in one pair fails
 * the load, as upstream's user half refuses it. Each pair shares a pair_ctx: the cgroup it
 * runs (cgid), when that batch started, whether it is draining, and two masks: CPUs actively
 * running a task of cgid, CPUs taken by a higher class (rt/fair).
 *   ops.enqueue inserts a task into its cgroup's DSQ (one user DSQ per cgroup, id = cgroup id,
 *   made in ops.cgroup_init) and puts the cgroup on top_q, a FIFO of cgroups that may have
 *   tasks (each cgroup at most once).
 *   ops.dispatch on CPU c first clears c's active bit. While the batch is current (younger
 *   than pair_batch_dur_ns, not draining) c takes the next task of cgid. When the batch
 *   expired or cgid ran dry the pair drains: c waits (idles) until its partner is idle too,
 *   kicking it with SCX_KICK_PREEMPT if the batch expired; the CPU that finds both idle pops
 *   the next cgroup from top_q (re-queueing it at the tail if it has tasks: round robin, so
 *   no cgroup starves), starts the new batch and kicks its partner to join.
 *   ops.cpu_release (an rt/fair task took c): c's ext tasks go back to their cgroups
 *   (scx_bpf_reenqueue_local), c is marked preempted, the pair drains, and a running partner
 *   is kicked with SCX_KICK_PREEMPT | SCX_KICK_WAIT; ops.cpu_acquire unmarks c and kicks the
 *   partner to resume pair scheduling.
 * Invariant: a pair's cgid changes only while neither CPU is active, and a CPU is active
 * exactly while it runs (or is about to run, from its local DSQ) a task of cgid. That is why:
 *   - ops.select_cpu never inserts into a local DSQ (the kernel's default select_cpu does, for a
 *     waking task that finds an idle CPU, which would skip the cgroup check; upstream's
 *     scx_pair has that hole), it only picks an idle CPU to wake;
 *   - SCX_OPS_ENQ_LAST: a CPU that decides to wait must not keep running its previous task
 *     (the core would keep it otherwise); it is enqueued (SCX_ENQ_LAST) into its cgroup and
 *     the CPU kicks itself so that someone looks at that task again. When the batch goes on
 *     and the previous task is the only one of cgid left for the CPU, ops.dispatch leaves the
 *     CPU active and ops.enqueue puts the task back on the local DSQ for the rest of the
 *     batch (keep_slice), so a cgroup with as many tasks as the pair has CPUs keeps its batch;
 *   - ops.cpu_release takes the preempted task back from the local DSQ (the core puts it
 *     there before calling cpu_release, as the kernel's switch_class()).
 *
 * Differences from upstream's scx_pair (tools/sched_ext/scx_pair.bpf.c): per-cgroup DSQs
 * instead of BPF queue maps in an ARRAY_OF_MAPS filled by the user half (the DSQ follows the
 * task through dequeues and cgroup moves, so there are no lost pids to count); the pairing is
 * computed by ops.init instead of the user half writing .rodata; ops.cpu_release/cpu_acquire
 * (6.12's interface) instead of the sched_switch tracepoint current upstream uses; a cgroup
 * with no task allowed on the dispatching CPU counts as empty there.
 *
 * What it demonstrates: cgroup ops (cgroup_init/exit creating and destroying a DSQ per
 * cgroup), scx_bpf_task_cgroup, bpf_spin_lock in a map value, queue maps, SCX_OPS_ENQ_LAST,
 * cpu_release/cpu_acquire with scx_bpf_reenqueue_local, kicks with PREEMPT and WAIT.
 *
 * Limits: no priority within or across cgroups (FIFO inside a cgroup, round robin across);
 * a CPU idles while its partner drains, so throughput drops with many small cgroups; at most
 * MAX_CPUS CPUs and MAX_CGRPS cgroups (more fails cgroup_init with -EBUSY).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define MAX_CPUS 1024
#define MAX_CGRPS 1024
#define MAX_TRIES 8           /* try_dispatch attempts per ops.dispatch */

const volatile u32 stride;                            /* 0: nr_cpus / 2 */
const volatile u64 pair_batch_dur_ns = SCX_SLICE_DFL; /* a pair stays on a cgroup this long */
const volatile u64 slice_ns = SCX_SLICE_DFL;

UEI_DEFINE(uei);

struct pair_ctx {
	struct bpf_spin_lock lock;
	u64 cgid;            /* the cgroup the pair runs */
	u64 started_at;      /* when the pair started on cgid */
	bool draining;       /* cgid is done: no new task of it starts */
	u32 active_mask;     /* in-pair index bits: CPUs running a task of cgid */
	u32 preempted_mask;  /* in-pair index bits: CPUs taken by a higher class */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_CPUS);   /* indexed by pair id (the pair's first CPU) */
	__type(key, u32);
	__type(value, struct pair_ctx);
} pair_ctx SEC(".maps");

struct cgrp_ctx {
	bool listed;         /* cgid is on top_q */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_CGRPS);
	__type(key, u64);                /* cgroup id = its DSQ id */
	__type(value, struct cgrp_ctx);
} cgrp_ctx SEC(".maps");

/* cgroups that may have queued tasks, in round-robin order; each at most once (listed) */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, MAX_CGRPS);
	__type(value, u64);
} top_q SEC(".maps");

/* the pairing, computed by ops.init; read by the user half */
struct cpu_pair {
	s32 pair_cpu;        /* partner CPU, -1 for a pair of one */
	s32 pair_id;         /* pair_ctx index (the pair's first CPU), -1 before ops.init */
	u32 in_pair_idx;     /* 0 or 1: the CPU's bit in the masks */
};
struct cpu_pair cpu_pairs[MAX_CPUS];
u64 nr_pairs, nr_solo;

static struct cpu_pair *cpu_pair(s64 cpu)
{
	return MEMBER_VPTR(cpu_pairs, [cpu]);
}

/* statistics, as upstream's loop prints them */
u64 nr_total, nr_dispatched, nr_kicks, nr_preemptions;
u64 nr_exps, nr_exp_waits, nr_exp_empty;
u64 nr_cgrp_next, nr_cgrp_coll, nr_cgrp_empty;
u64 nr_keep_prev, nr_kept;  /* prev kept running in its batch: decided, done (SCX_ENQ_LAST) */

static struct pair_ctx *pair_lookup(s32 cpu, u32 *mask)
{
	struct cpu_pair *cp = cpu_pair(cpu);
	u32 id;

	if (!cp || cp->pair_id < 0)
		return NULL;
	id = cp->pair_id;
	*mask = 1U << (cp->in_pair_idx & 1);
	return bpf_map_lookup_elem(&pair_ctx, &id);
}

static void kick_pair(s32 cpu, u64 flags)
{
	struct cpu_pair *cp = cpu_pair(cpu);

	if (!cp || cp->pair_cpu < 0)
		return;
	__sync_fetch_and_add(&nr_kicks, 1);
	scx_bpf_kick_cpu(cp->pair_cpu, flags);
}

/*
 * A CPU whose previous task is the last one it has (SCX_ENQ_LAST) may keep running it while
 * the CPU stayed active on that task's cgroup and the batch has time left (try_dispatch left
 * it active for this, keep_prev). Returns the slice to keep it for, 0 if it may not stay.
 */
static u64 keep_slice(s32 cpu, u64 cgid)
{
	u64 now = bpf_ktime_get_ns(), end = 0;
	struct pair_ctx *pc;
	u32 mask = 0;

	pc = pair_lookup(cpu, &mask);
	if (!pc)
		return 0;
	bpf_spin_lock(&pc->lock);
	if ((pc->active_mask & mask) && !pc->draining && pc->cgid == cgid)
		end = pc->started_at + pair_batch_dur_ns;
	bpf_spin_unlock(&pc->lock);
	if (!time_before(now, end))
		return 0;
	return end - now < slice_ns ? end - now : slice_ns;
}

s32 BPF_STRUCT_OPS(pair_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;

	/* wake an idle CPU if there is one, but let ops.enqueue queue the task by cgroup */
	return scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
}

void BPF_STRUCT_OPS(pair_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct cgroup *cgrp = scx_bpf_task_cgroup(p);
	struct cgrp_ctx *cgc;
	u64 cgid, keep;

	if (!cgrp) {
		scx_bpf_error("pair: no cgroup for task %d", p->pid);
		return;
	}
	cgid = cgrp->kn->id;
	bpf_cgroup_release(cgrp);
	__sync_fetch_and_add(&nr_total, 1);

	cgc = bpf_map_lookup_elem(&cgrp_ctx, &cgid);
	if (!cgc) {
		scx_bpf_error("pair: cgroup %llu of task %d was never initialized", cgid, p->pid);
		return;
	}
	if ((enq_flags & SCX_ENQ_LAST) && (keep = keep_slice(scx_bpf_task_cpu(p), cgid))) {
		/* its CPU is still on p's cgroup: p goes on there, until the batch ends at most */
		__sync_fetch_and_add(&nr_dispatched, 1);
		__sync_fetch_and_add(&nr_kept, 1);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, keep, enq_flags);
		scx_bpf_kick_cpu(scx_bpf_task_cpu(p), 0);   /* the CPU is going idle: pick p */
		return;
	}
	scx_bpf_dsq_insert(p, cgid, slice_ns, enq_flags);
	if (!cgc->listed) {
		if (bpf_map_push_elem(&top_q, &cgid, 0)) {
			scx_bpf_error("pair: top_q overflow at cgroup %llu", cgid);
			return;
		}
		cgc->listed = true;
	}
	/* the CPU goes idle after this: make it look at the queues again */
	if (enq_flags & SCX_ENQ_LAST)
		scx_bpf_kick_cpu(scx_bpf_task_cpu(p), 0);
}

/* The next cgroup with queued tasks, rotated to the tail of top_q; false if there is none. */
static bool next_cgroup(u64 *out)
{
	bpf_repeat(MAX_CGRPS) {
		struct cgrp_ctx *cgc;
		u64 cgid;

		if (bpf_map_pop_elem(&top_q, &cgid))
			return false;
		cgc = bpf_map_lookup_elem(&cgrp_ctx, &cgid);
		if (!cgc)
			continue;       /* the cgroup went away */
		if (scx_bpf_dsq_nr_queued(cgid) <= 0) {
			cgc->listed = false;  /* the only place a cgroup leaves top_q */
			continue;
		}
		if (bpf_map_push_elem(&top_q, &cgid, 0)) {
			scx_bpf_error("pair: top_q overflow at cgroup %llu", cgid);
			return false;
		}
		*out = cgid;
		return true;
	}
	return false;
}

/*
 * One attempt to give cpu a task: 0 done (ran one, kept prev, or decided to idle), -EAGAIN
 * try again. prev_runs: the CPU's previous task is still runnable; it ran in the pair's
 * cgroup (the CPU was active from its dispatch until now, so cgid cannot have changed).
 */
static __noinline int try_dispatch(s32 cpu, bool prev_runs)
{
	u64 now = bpf_ktime_get_ns(), cgid = 0;
	bool expired, preempted, kick = false;
	struct pair_ctx *pc;
	u32 mask = 0;

	pc = pair_lookup(cpu, &mask);
	if (!pc) {
		scx_bpf_error("pair: no pair_ctx for CPU %d", cpu);
		return -ENOENT;
	}
	bpf_spin_lock(&pc->lock);
	pc->active_mask &= ~mask;
	expired = time_before(pc->started_at + pair_batch_dur_ns, now);
	if (expired || pc->draining) {
		pc->draining = true;
		preempted = pc->preempted_mask;
		if (pc->active_mask || preempted) {
			/* the partner still runs cgid, or is not ours: wait for it */
			bpf_spin_unlock(&pc->lock);
			__sync_fetch_and_add(&nr_exps, 1);
			__sync_fetch_and_add(&nr_exp_waits, 1);
			if (expired && !preempted)
				kick_pair(cpu, SCX_KICK_PREEMPT);
			return 0;
		}
		bpf_spin_unlock(&pc->lock);
		__sync_fetch_and_add(&nr_exps, 1);
		if (!next_cgroup(&cgid)) {
			__sync_fetch_and_add(&nr_exp_empty, 1);
			return 0;
		}
		bpf_spin_lock(&pc->lock);
		if (pc->draining && !pc->active_mask) {
			pc->cgid = cgid;
			pc->started_at = now;
			pc->draining = false;
			kick = true;
		}
		bpf_spin_unlock(&pc->lock);
		__sync_fetch_and_add(kick ? &nr_cgrp_next : &nr_cgrp_coll, 1);
		bpf_spin_lock(&pc->lock);
	}
	cgid = pc->cgid;
	pc->active_mask |= mask;
	bpf_spin_unlock(&pc->lock);

	if (!scx_bpf_dsq_move_to_local(cgid)) {
		if (prev_runs && !kick) {
			/* the batch goes on with prev: stay active, ops.enqueue keeps it (ENQ_LAST) */
			__sync_fetch_and_add(&nr_keep_prev, 1);
			return 0;
		}
		/* nothing of cgid for this CPU: the cgroup is done here */
		__sync_fetch_and_add(&nr_cgrp_empty, 1);
		bpf_spin_lock(&pc->lock);
		pc->draining = true;
		pc->active_mask &= ~mask;
		bpf_spin_unlock(&pc->lock);
		return -EAGAIN;
	}
	__sync_fetch_and_add(&nr_dispatched, 1);
	if (kick)
		kick_pair(cpu, SCX_KICK_PREEMPT);
	return 0;
}

void BPF_STRUCT_OPS(pair_dispatch, s32 cpu, struct task_struct *prev)
{
	bool prev_runs = prev && (prev->scx.flags & SCX_TASK_QUEUED);

	bpf_repeat(MAX_TRIES) {
		if (try_dispatch(cpu, prev_runs) != -EAGAIN)
			break;
		prev_runs = false;   /* the pair drains now: prev goes back to its cgroup */
	}
}

void BPF_STRUCT_OPS(pair_cpu_release, s32 cpu, struct scx_cpu_release_args *args)
{
	struct pair_ctx *pc;
	u32 mask = 0;
	bool busy;

	/* the ext tasks waiting on this CPU go back to their cgroups' queues */
	scx_bpf_reenqueue_local();
	pc = pair_lookup(cpu, &mask);
	if (!pc) {
		scx_bpf_error("pair: no pair_ctx for CPU %d", cpu);
		return;
	}
	bpf_spin_lock(&pc->lock);
	pc->preempted_mask |= mask;
	pc->active_mask &= ~mask;
	pc->draining = true;
	busy = pc->active_mask;
	bpf_spin_unlock(&pc->lock);
	__sync_fetch_and_add(&nr_preemptions, 1);
	/* the partner must stop too, before this CPU's new task goes on (core scheduling) */
	if (busy)
		kick_pair(cpu, SCX_KICK_PREEMPT | SCX_KICK_WAIT);
}

void BPF_STRUCT_OPS(pair_cpu_acquire, s32 cpu, struct scx_cpu_acquire_args *args)
{
	struct pair_ctx *pc;
	u32 mask = 0;
	bool both_back;

	pc = pair_lookup(cpu, &mask);
	if (!pc) {
		scx_bpf_error("pair: no pair_ctx for CPU %d", cpu);
		return;
	}
	bpf_spin_lock(&pc->lock);
	pc->preempted_mask &= ~mask;
	both_back = !pc->preempted_mask;
	bpf_spin_unlock(&pc->lock);
	/* the partner may be waiting for this CPU: wake it unless it is preempted too */
	if (both_back)
		kick_pair(cpu, SCX_KICK_PREEMPT);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(pair_cgroup_init, struct cgroup *cgrp, struct scx_cgroup_init_args *args)
{
	struct cgrp_ctx init = {};
	u64 cgid = cgrp->kn->id;
	s32 ret;

	ret = scx_bpf_create_dsq(cgid, -1);
	if (ret)
		return ret;
	if (bpf_map_update_elem(&cgrp_ctx, &cgid, &init, BPF_NOEXIST)) {
		scx_bpf_destroy_dsq(cgid);
		return -EBUSY;
	}
	return 0;
}

void BPF_STRUCT_OPS(pair_cgroup_exit, struct cgroup *cgrp)
{
	u64 cgid = cgrp->kn->id;

	bpf_map_delete_elem(&cgrp_ctx, &cgid);
	scx_bpf_destroy_dsq(cgid);
}

/* Pair CPU i with (i + st) % n; see the top comment for leftovers and bad strides. */
static s32 make_pairs(u32 n, u32 st)
{
	s32 i;

	bpf_for(i, 0, MAX_CPUS) {
		struct cpu_pair *cp = cpu_pair(i);

		if (i >= n || !cp)
			break;
		cp->pair_cpu = -1;
		cp->pair_id = -1;
		cp->in_pair_idx = 0;
	}
	bpf_for(i, 0, MAX_CPUS) {
		struct cpu_pair *ci = cpu_pair(i), *cj;
		u32 j;

		if (i >= n || !ci)
			break;
		if (ci->pair_id >= 0)
			continue;
		j = (i + st) % n;
		cj = cpu_pair(j);
		if (!cj)
			return -EINVAL;
		if (j == (u32)i || cj->pair_id >= 0) {
			if (stride) {
				scx_bpf_error("pair: invalid stride %u: CPU %d would pair with %s CPU %u",
					      stride, i, j == (u32)i ? "itself," : "already paired", j);
				return -EINVAL;
			}
			ci->pair_id = i;         /* a pair of one */
			nr_solo++;
			continue;
		}
		ci->pair_cpu = j;
		cj->pair_cpu = i;
		ci->pair_id = i;
		cj->pair_id = i;
		cj->in_pair_idx = 1;
		nr_pairs++;
	}
	return 0;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(pair_init)
{
	u32 n = scx_bpf_nr_cpu_ids();

	if (n > MAX_CPUS) {
		scx_bpf_error("pair: %u CPUs, at most %d supported", n, MAX_CPUS);
		return -E2BIG;
	}
	return make_pairs(n, stride ? stride : n / 2);
}

void BPF_STRUCT_OPS(pair_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(pair_ops,
	       .select_cpu = (void *)pair_select_cpu,
	       .enqueue = (void *)pair_enqueue,
	       .dispatch = (void *)pair_dispatch,
	       .cpu_acquire = (void *)pair_cpu_acquire,
	       .cpu_release = (void *)pair_cpu_release,
	       .cgroup_init = (void *)pair_cgroup_init,
	       .cgroup_exit = (void *)pair_cgroup_exit,
	       .init = (void *)pair_init,
	       .exit = (void *)pair_exit,
	       .flags = SCX_OPS_ENQ_LAST,
	       .name = "pair");
