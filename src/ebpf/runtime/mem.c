/*
 * mem.c — the memory a BPF scheduler may touch, as VM regions: the machine's tasks (read-only
 * except the fields a scheduler owns: p->scx.slice, p->scx.dsq_vtime, p->scx.disallow, each
 * its own writable region), its cgroups (read-only), cpumasks returned by kfuncs (read-only,
 * registered on first sight), bpf_cpumask objects (read-only to BPF, changed by kfuncs), map
 * values (announced by the map module), and per-call temporaries (ctx array, argument
 * structs, exit info).
 *
 * Also the validation lookups kfunc adapters use: is this u64 a task / cgroup of the machine,
 * a live bpf_cpumask?
 *
 * Invariants: regions never overlap (the VM refuses overlaps; a temporary that is already
 * covered is not added and not removed); temporaries are removed when their call returns, bpf_cpumask
 * regions at their last release; the rest live as long as the VM (tasks and cgroups live as
 * long as the machine, which must outlive every run). Cgroups the machine creates at run time
 * are registered by rt_mem_sync_cgroups before any program runs (tramp.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_int.h"

/* The task fields BPF may write, in offset order. */
static const struct {
	size_t off, size;
	const char *name;
} task_rw[] = {
	{ offsetof(struct task_struct, scx.slice), sizeof(u64), "scx.slice" },
	{ offsetof(struct task_struct, scx.dsq_vtime), sizeof(u64), "scx.dsq_vtime" },
	{ offsetof(struct task_struct, scx.disallow), sizeof(bool), "scx.disallow" },
};

static int task_regions(struct bpf_sched *s, struct task_struct *p, bool add)
{
	char name[32];
	size_t at = 0;
	u8 *base = (u8 *)p;
	int e = 0;

	for (size_t i = 0; i <= ARRAY_SIZE(task_rw) && !e; i++) {
		size_t end = i < ARRAY_SIZE(task_rw) ? task_rw[i].off : sizeof(*p);

		if (end > at) {
			snprintf(name, sizeof(name), "task_struct pid %d", p->pid);
			e = add ? bpf_vm_region_add(s->vm, base + at, end - at, BPF_VM_READ, name)
				: bpf_vm_region_remove(s->vm, base + at);
		}
		if (i == ARRAY_SIZE(task_rw) || e)
			break;
		snprintf(name, sizeof(name), "pid %d %s", p->pid, task_rw[i].name);
		e = add ? bpf_vm_region_add(s->vm, base + end, task_rw[i].size, BPF_VM_RW, name)
			: bpf_vm_region_remove(s->vm, base + end);
		at = end + task_rw[i].size;
	}
	return e;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

int rt_mem_register_machine(struct bpf_sched *s)
{
	struct machine *m = s->m;
	int e = 0;

	s->tasks = malloc((m->nr_tasks ? m->nr_tasks : 1) * sizeof(*s->tasks));
	if (!s->tasks)
		return rt_err(s, -ENOMEM, "%s: out of memory", s->name);
	memcpy(s->tasks, m->tasks, m->nr_tasks * sizeof(*s->tasks));
	s->nr_tasks = m->nr_tasks;
	qsort(s->tasks, s->nr_tasks, sizeof(*s->tasks), cmp_ptr);
	for (int i = 0; !e && i < s->nr_tasks; i++)
		e = task_regions(s, s->tasks[i], true);
	e = e ?: rt_mem_sync_cgroups(s);
	return e ? rt_err(s, e, "%s: cannot register the machine's tasks and cgroups (%d)", s->name, e) : 0;
}

/* The machine appends cgroups (moves create them at run time): register the new ones. */
int rt_mem_sync_cgroups(struct bpf_sched *s)
{
	struct machine *m = s->m;
	int e;

	while (m && s->nr_tgs < m->nr_tgs) {
		struct cgroup *cg = m->tgs[s->nr_tgs];
		e = bpf_vm_region_add(s->vm, cg, sizeof(*cg), BPF_VM_READ, "cgroup");
		if (e)
			return e;
		s->nr_tgs++;
	}
	return 0;
}

/* At free: the VM goes with its region table, and the machine may already be gone, so only
 * the memory the runtime owns is released (bpf_cpumask objects). */
void rt_mem_release(struct bpf_sched *s)
{
	for (int i = 0; i < s->nr_cms; i++)
		free(s->cms[i]);
	s->nr_cms = 0;
	s->nr_masks = 0;
}

bool rt_mem_tmp_add(struct bpf_sched *s, const void *p, size_t len, unsigned flags, const char *name)
{
	return p && len && !bpf_vm_region_add(s->vm, (void *)p, len, flags, name);
}

struct task_struct *rt_mem_task(const struct bpf_sched *s, u64 v)
{
	size_t lo = 0, hi = s->nr_tasks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		u64 t = (u64)(uintptr_t)s->tasks[mid];

		if (t == v)
			return s->tasks[mid];
		if (t < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct cgroup *rt_mem_cgroup(const struct bpf_sched *s, u64 v)
{
	for (int i = 0; s->m && i < s->m->nr_tgs; i++)
		if ((u64)(uintptr_t)s->m->tgs[i] == v)
			return s->m->tgs[i];
	return NULL;
}

void rt_mem_expose_mask(struct bpf_sched *s, const struct cpumask *mask)
{
	for (int i = 0; i < s->nr_masks; i++)
		if (s->masks[i] == mask)
			return;
	if (s->nr_masks == s->cap_masks) {
		int cap = s->cap_masks ? s->cap_masks * 2 : 8;
		const void **n = realloc(s->masks, cap * sizeof(*n));

		if (!n)
			return;
		s->masks = n;
		s->cap_masks = cap;
	}
	if (!bpf_vm_region_add(s->vm, (void *)mask, sizeof(*mask), BPF_VM_READ, "cpumask"))
		s->masks[s->nr_masks++] = mask;
}

struct bpf_cpumask *rt_mem_cpumask_new(struct bpf_sched *s)
{
	struct bpf_cpumask *cm;

	if (s->nr_cms == s->cap_cms) {
		int cap = s->cap_cms ? s->cap_cms * 2 : 8;
		struct bpf_cpumask **n = realloc(s->cms, cap * sizeof(*n));

		if (!n)
			return NULL;
		s->cms = n;
		s->cap_cms = cap;
	}
	cm = calloc(1, sizeof(*cm));
	if (!cm)
		return NULL;
	if (bpf_vm_region_add(s->vm, cm, sizeof(*cm), BPF_VM_READ, "bpf_cpumask")) {
		free(cm);
		return NULL;
	}
	cm->usage = 1;
	s->cms[s->nr_cms++] = cm;
	return cm;
}

bool rt_mem_cpumask_live(const struct bpf_sched *s, const void *p)
{
	for (int i = 0; i < s->nr_cms; i++)
		if (s->cms[i] == p)
			return true;
	return false;
}

void rt_mem_cpumask_put(struct bpf_sched *s, struct bpf_cpumask *cm)
{
	for (int i = 0; i < s->nr_cms; i++) {
		if (s->cms[i] != cm)
			continue;
		if (--cm->usage > 0)
			return;
		bpf_vm_region_remove(s->vm, cm);
		free(cm);
		memmove(&s->cms[i], &s->cms[i + 1], (s->nr_cms - i - 1) * sizeof(*s->cms));
		s->nr_cms--;
		return;
	}
}

void rt_mem_map_region(void *ctx, const struct bpf_map *map, void *ptr, size_t len, bool added)
{
	struct bpf_sched *s = ctx;
	char name[32];

	if (!added) {
		rt_graph_forget(s, ptr, len); /* lists/rbtrees in the value go with it */
		rt_timer_forget(s, ptr, len); /* and its timers */
		bpf_vm_region_remove(s->vm, ptr);
		return;
	}
	snprintf(name, sizeof(name), "map '%s'", bpf_map_name(map));
	bpf_vm_region_add(s->vm, ptr, len,
			  bpf_map_flags(map) & BPF_F_RDONLY_PROG ? BPF_VM_READ : BPF_VM_RW, name);
}
