/*
 * load.c — the BPF scheduler runtime's stages: open the object and find its sched_ext_ops
 * variable, set knobs, load (target BTF, maps, relocation through the resolver, runnable
 * program copies validated in the VM, ops binding), attach to the machine, free. Also the
 * registry that maps a machine to its runtime (the ops table has no user pointer: a
 * trampoline finds its runtime from scx_current_machine()).
 *
 * Invariants: a stage that fails leaves one line in s->err naming the file and what failed;
 * free releases everything whatever stage was reached; a runtime is in the registry exactly
 * while it is attached.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_int.h"

struct bpf_sched *rt_cur;

int rt_err(struct bpf_sched *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return err;
}

/* ---- registry: machine -> runtime --------------------------------------------------------- */

#define RT_REGISTRY_MAX 64
static struct {
	const struct machine *m;
	struct bpf_sched *s;
} registry[RT_REGISTRY_MAX];

struct bpf_sched *rt_registry_find(const struct machine *m)
{
	for (int i = 0; m && i < RT_REGISTRY_MAX; i++)
		if (registry[i].m == m)
			return registry[i].s;
	return NULL;
}

static int registry_add(struct bpf_sched *s)
{
	for (int i = 0; i < RT_REGISTRY_MAX; i++)
		if (!registry[i].m) {
			registry[i].m = s->m;
			registry[i].s = s;
			return 0;
		}
	return -ENOSPC;
}

static void registry_del(const struct bpf_sched *s)
{
	for (int i = 0; i < RT_REGISTRY_MAX; i++)
		if (registry[i].s == s)
			registry[i].m = NULL, registry[i].s = NULL;
}

struct bpf_sched *bpf_sched_of(const struct machine *m)
{
	return rt_registry_find(m);
}

/* ---- open ------------------------------------------------------------------------------------ */

static const struct bpf_struct_ops *find_sched_ops(const struct bpf_obj *obj)
{
	for (int i = 0; i < bpf_obj_struct_ops_cnt(obj); i++) {
		const struct bpf_struct_ops *st = bpf_obj_struct_ops(obj, i);

		if (!strcmp(st->type_name, "sched_ext_ops"))
			return st;
	}
	return NULL;
}

static int open_finish(struct bpf_obj *obj, struct bpf_sched **out, char *err, size_t errlen)
{
	struct bpf_sched *s = calloc(1, sizeof(*s));

	if (!s) {
		bpf_obj_free(obj);
		snprintf(err, errlen, "%s: out of memory", bpf_obj_name(obj));
		return -ENOMEM;
	}
	s->obj = obj;
	s->print = true;
	snprintf(s->name, sizeof(s->name), "%s", bpf_obj_name(obj));
	s->st = find_sched_ops(obj);
	if (!s->st) {
		snprintf(err, errlen, "%s: no struct sched_ext_ops variable in section .struct_ops or "
			 ".struct_ops.link (SCX_OPS_DEFINE)", s->name);
		bpf_sched_free(s);
		return -ENOENT;
	}
	*out = s;
	return 0;
}

int bpf_sched_select_ops(struct bpf_sched *s, const char *var)
{
	const struct bpf_obj *obj = s->obj;
	char names[256] = "";
	size_t n = 0;

	if (s->loaded)
		return rt_err(s, -EALREADY, "%s: ops variable '%s' chosen after load", s->name, var);
	for (int i = 0; i < bpf_obj_struct_ops_cnt(obj); i++) {
		const struct bpf_struct_ops *st = bpf_obj_struct_ops(obj, i);

		if (strcmp(st->type_name, "sched_ext_ops"))
			continue;
		if (!strcmp(st->name, var)) {
			s->st = st;
			return 0;
		}
		if (n < sizeof(names))
			n += snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", st->name);
	}
	return rt_err(s, -ENOENT, "%s: no struct sched_ext_ops variable '%s'; the object has: %s",
		      s->name, var, names);
}

int bpf_sched_open(const char *path, struct bpf_sched **out, char *err, size_t errlen)
{
	struct bpf_obj *obj;
	int e;

	*out = NULL;
	e = bpf_obj_open_file(path, &obj, err, errlen);
	return e ? e : open_finish(obj, out, err, errlen);
}

int bpf_sched_open_mem(const void *buf, size_t size, const char *name, struct bpf_sched **out,
		       char *err, size_t errlen)
{
	struct bpf_obj *obj;
	int e;

	*out = NULL;
	e = bpf_obj_open_mem(buf, size, name, &obj, err, errlen);
	return e ? e : open_finish(obj, out, err, errlen);
}

/* ---- knobs ------------------------------------------------------------------------------------ */

int bpf_sched_set_knob(struct bpf_sched *s, const char *name, const char *value)
{
	int e;

	if (s->loaded)
		return rt_err(s, -EBUSY, "%s: knob '%s': the scheduler is already loaded", s->name, name);
	if (!strncmp(name, "ops.", 4))
		return rt_ops_knob(s, name + 4, value);
	e = bpf_obj_knob_set(s->obj, name, value);
	if (e)
		rt_err(s, e, "%s", bpf_obj_errmsg(s->obj));
	return e;
}

int bpf_sched_set_knobs(struct bpf_sched *s, const char *list)
{
	char *dup = strdup(list ? list : ""), *save = NULL, *item;
	int e = dup ? 0 : -ENOMEM;

	for (item = dup ? strtok_r(dup, ",", &save) : NULL; !e && item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (!eq || eq == item) {
			e = rt_err(s, -EINVAL, "%s: knob '%s': expected name=value", s->name, item);
			break;
		}
		*eq = '\0';
		e = bpf_sched_set_knob(s, item, eq + 1);
	}
	free(dup);
	return e;
}

void bpf_sched_set_budget(struct bpf_sched *s, u64 insns)
{
	s->budget = insns;
	if (s->vm)
		bpf_vm_set_budget(s->vm, insns);
}

void bpf_sched_set_print(struct bpf_sched *s, bool print)
{
	s->print = print;
}

/* ---- maps ------------------------------------------------------------------------------------- */

/* Offset of a struct bpf_spin_lock member at the top level of the value type, or -1. */
static int spin_lock_off(const struct btf *btf, u32 type_id)
{
	u32 id;
	const struct btf_type *t = btf_skip_mods_typedefs(btf, type_id, &id);

	if (!type_id || !t || !btf_is_composite(t))
		return -1;
	for (u32 i = 0; i < btf_vlen(t); i++) {
		u32 mid;
		const struct btf_type *mt = btf_skip_mods_typedefs(btf, btf_members(t)[i].type, &mid);

		if (mt && btf_kind(mt) == BTF_KIND_STRUCT &&
		    !strcmp(btf_type_name(btf, mid), "bpf_spin_lock"))
			return (int)(btf_member_bit_offset(t, i) / 8);
	}
	return -1;
}

/*
 * A RESIZABLE_ARRAY section (".data.NAME" / ".bss.NAME" holding one one-element array): its
 * user half would resize it to the number of possible CPUs (libbpf_num_possible_cpus()), and
 * scxsim has no user half, so the runtime does it. Returns the value size to create.
 */
static u32 resizable_size(const struct bpf_sched *s, const struct bpf_map_desc *d)
{
	const struct btf *btf = bpf_obj_btf(s->obj);
	const struct btf_type *sec = btf_type_by_id(btf, d->value_type_id), *var, *arr;
	u32 id;

	if ((d->origin != BPF_MAP_ORIGIN_DATA && d->origin != BPF_MAP_ORIGIN_BSS) ||
	    (strncmp(d->name, ".data.", 6) && strncmp(d->name, ".bss.", 5)) || !sec ||
	    btf_kind(sec) != BTF_KIND_DATASEC || btf_vlen(sec) != 1)
		return d->value_size;
	var = btf_type_by_id(btf, btf_secinfos(sec)[0].type);
	arr = var ? btf_skip_mods_typedefs(btf, var->type, &id) : NULL;
	if (!arr || btf_kind(arr) != BTF_KIND_ARRAY || btf_array(arr)->nelems != 1 ||
	    btf_secinfos(sec)[0].size != d->value_size)
		return d->value_size;
	return d->value_size * (u32)MAX(s->m->nr_cpus, 1);
}

static int map_create_one(struct bpf_sched *s, int i)
{
	struct rt_map *rm = &s->maps[i];
	const struct bpf_map_desc *d = bpf_obj_map(s->obj, i);
	bool internal = d->origin != BPF_MAP_ORIGIN_BTF;
	int lock = internal ? -1 : spin_lock_off(bpf_obj_btf(s->obj), d->value_type_id);
	struct bpf_map_spec spec = {
		.name = d->name, .type = d->type, .key_size = d->key_size,
		.value_size = internal ? resizable_size(s, d) : d->value_size,
		.max_entries = d->max_entries,
		.map_flags = d->map_flags | (d->readonly ? BPF_F_RDONLY_PROG : 0),
		.nr_cpus = (u32)s->m->nr_cpus, .has_spin_lock = lock >= 0,
		.spin_lock_off = lock >= 0 ? (u32)lock : 0,
		.region_fn = rt_mem_map_region, .region_ctx = s,
	};
	struct bpf_map_spec inner = { 0 };
	char why[256];
	int e;

	if (d->inner) { /* map-in-map: the template read from __array(values, struct inner) */
		inner = (struct bpf_map_spec){
			.name = d->inner->name, .type = d->inner->type,
			.key_size = d->inner->key_size, .value_size = d->inner->value_size,
			.max_entries = d->inner->max_entries, .map_flags = d->inner->map_flags,
			.nr_cpus = (u32)s->m->nr_cpus,
		};
		spec.inner = &inner;
	}
	rm->desc = d;
	e = bpf_map_create(&spec, &rm->map, why, sizeof(why));
	if (e)
		return rt_err(s, e, "%s: %s", s->name, why);
	if (internal) {
		u32 key = 0;

		rm->value = bpf_map_prog_lookup(rm->map, &key, 0);
		if (!rm->value)
			return rt_err(s, -ENOMEM, "%s: map '%s': no value", s->name, d->name);
	}
	return 0;
}

/* A map-in-map's static initializer: slot k (key k) gets the map the loader found there, as
 * libbpf does with bpf_map_update_elem(outer, &k, &inner_fd) after creating the maps. */
static int map_init_slots(struct bpf_sched *s, int i)
{
	const struct bpf_map_desc *d = s->maps[i].desc;
	char why[256];

	for (u32 k = 0; k < d->nr_init_slots; k++) {
		int t = d->init_slots[k], e;

		if (t < 0)
			continue;
		e = bpf_map_inner_set(s->maps[i].map, &k, s->maps[t].map, 0, why, sizeof(why));
		if (e)
			return rt_err(s, e, "%s: 'values' slot [%u]: %s", s->name, k, why);
	}
	return 0;
}

static int maps_create(struct bpf_sched *s)
{
	int e = 0;

	s->nr_maps = bpf_obj_map_cnt(s->obj);
	s->maps = calloc(s->nr_maps ? s->nr_maps : 1, sizeof(*s->maps));
	if (!s->maps)
		return rt_err(s, -ENOMEM, "%s: out of memory", s->name);
	for (int i = 0; !e && i < s->nr_maps; i++)
		e = map_create_one(s, i);
	for (int i = 0; !e && i < s->nr_maps; i++)
		e = map_init_slots(s, i);
	return e;
}

/* ---- the resolver ----------------------------------------------------------------------------- */

static int res_map_addr(void *ctx, const struct bpf_obj *obj, int idx, u64 *addr)
{
	struct bpf_sched *s = ctx;

	if (idx < 0 || idx >= s->nr_maps || !s->maps[idx].map)
		return -ENOENT;
	*addr = (u64)(uintptr_t)s->maps[idx].map;
	return 0;
}

static int res_map_value_addr(void *ctx, const struct bpf_obj *obj, int idx, u64 *addr)
{
	struct bpf_sched *s = ctx;
	struct rt_map *rm;

	if (idx < 0 || idx >= s->nr_maps || !s->maps[idx].value)
		return -ENOENT;
	rm = &s->maps[idx];
	if (rm->desc->init_data)
		memcpy(rm->value, rm->desc->init_data, rm->desc->value_size);
	*addr = (u64)(uintptr_t)rm->value;
	return 0;
}

static int res_kfunc(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *ext, s32 *idx,
		     u64 *addr)
{
	struct bpf_sched *s = ctx;
	u32 nr, len = (u32)btf_essential_name_len(ext->name);
	int i = rt_kfunc_find(ext->name, len);
	const struct rt_kfunc *k = rt_kfunc_table(&nr);
	s32 targ;
	char why[160];

	if (i < 0)
		return -ENOENT;
	targ = btf_find_by_name_kind(s->kbtf, k[i].name, BTF_KIND_FUNC);
	if (targ < 0) {
		snprintf(s->detail, sizeof(s->detail), "kfunc '%s' has no prototype in the kernel BTF",
			 k[i].name);
		return -EINVAL;
	}
	if (!bpf_obj_func_proto_compat(bpf_obj_btf(obj), ext->type_id, s->kbtf,
				       btf_type_by_id(s->kbtf, (u32)targ)->type, why, sizeof(why))) {
		/* a flavour or a weak declaration that does not match is simply absent */
		if (ext->weak || len != strlen(ext->name))
			return -ENOENT;
		snprintf(s->detail, sizeof(s->detail), "kfunc '%s': prototype differs from scxsim's: %s",
			 ext->name, why);
		return -EINVAL;
	}
	*idx = i;
	*addr = (u64)(uintptr_t)k[i].impl;
	return 0;
}

static int res_kconfig(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *ext,
		       void *buf, u32 size)
{
	if (!strcmp(ext->name, "LINUX_KERNEL_VERSION") && size == 4) {
		u32 v = (6u << 16) | (12u << 8); /* the sched_ext API scxsim follows: 6.12 */
		memcpy(buf, &v, 4);
		return 0;
	}
	return -ENOENT;
}

static int relocate(struct bpf_sched *s)
{
	struct bpf_obj_resolver res = {
		.ctx = s, .map_addr = res_map_addr, .map_value_addr = res_map_value_addr,
		.kfunc = res_kfunc, .kconfig = res_kconfig, .target_btf = s->kbtf,
	};
	int e = bpf_obj_load(s->obj, &res);

	if (e)
		return rt_err(s, e, "%s%s%s", bpf_obj_errmsg(s->obj), s->detail[0] ? ": " : "",
			      s->detail);
	return 0;
}

/* ---- programs ----------------------------------------------------------------------------------- */

static int line_fn(void *ctx, u32 pc, char *buf, size_t size)
{
	const struct bpf_prog *prog = ctx;
	const char *line = bpf_prog_line(prog, pc), *poison = bpf_prog_poison_reason(prog, pc);
	int n = 0;

	if (poison)
		n = snprintf(buf, size, "%s%s(poisoned: %s)", line ? line : "", line ? " " : "", poison);
	else if (line)
		n = snprintf(buf, size, "%s", line);
	return n < 0 ? 0 : (int)MIN((size_t)n, size ? size - 1 : 0);
}

/* Copy the loaded program and turn each callback ld_imm64 (src_reg BPF_PSEUDO_FUNC, imm =
 * target - pc - 1) into the plain address of the target instruction in the copy, which is
 * what bpf_vm_callback() takes (the VM's validator rejects pseudo ld_imm64). */
static int prog_prepare(struct bpf_sched *s, struct rt_prog *rp)
{
	u32 cnt;
	const struct bpf_insn *in = bpf_prog_insns(rp->prog, &cnt);
	struct bpf_vm_error verr;

	rp->insns = malloc((cnt ? cnt : 1) * sizeof(*in));
	if (!rp->insns)
		return rt_err(s, -ENOMEM, "%s: out of memory", s->name);
	memcpy(rp->insns, in, cnt * sizeof(*in));
	for (u32 pc = 0; pc + 1 < cnt; pc++) {
		struct bpf_insn *x = &rp->insns[pc];
		s64 target = (s64)pc + x->imm + 1;
		u64 v;

		if (x->code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (x->src_reg == BPF_PSEUDO_FUNC) {
			if (target < 0 || target >= cnt)
				return rt_err(s, -EINVAL, "%s: prog '%s': insn %u: callback target %lld outside the program",
					      s->name, bpf_prog_name(rp->prog), pc, (long long)target);
			v = (u64)(uintptr_t)&rp->insns[target];
			x[0].src_reg = 0;
			x[0].imm = (s32)(u32)v;
			x[1].imm = (s32)(u32)(v >> 32);
		}
		pc++; /* skip the second slot */
	}
	rp->vp = (struct bpf_vm_prog){ .name = bpf_prog_name(rp->prog), .insns = rp->insns,
				       .nr_insns = cnt, .line_fn = line_fn, .line_ctx = rp->prog };
	if (bpf_vm_validate(&rp->vp, &verr))
		return rt_err(s, -EINVAL, "%s: prog '%s' rejected: %s", s->name,
			      bpf_prog_name(rp->prog), verr.msg);
	return 0;
}

static int progs_prepare(struct bpf_sched *s)
{
	int e = 0;

	s->nr_progs = bpf_obj_prog_cnt(s->obj);
	s->progs = calloc(s->nr_progs ? s->nr_progs : 1, sizeof(*s->progs));
	if (!s->progs)
		return rt_err(s, -ENOMEM, "%s: out of memory", s->name);
	for (int i = 0; !e && i < s->nr_progs; i++) {
		s->progs[i].prog = bpf_obj_prog(s->obj, i);
		e = prog_prepare(s, &s->progs[i]);
	}
	return e;
}

static struct rt_prog *prog_of(struct bpf_sched *s, const struct bpf_prog *prog)
{
	for (int i = 0; i < s->nr_progs; i++)
		if (s->progs[i].prog == prog)
			return &s->progs[i];
	return NULL;
}

/* upstream ops scxsim accepts and never calls: cpu.max and cpu.idle of cgroups (not
 * modelled) */
static bool op_ignorable(const char *member)
{
	static const char *const names[] = { "cgroup_set_bandwidth", "cgroup_set_idle" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(member, names[i]))
			return true;
	return false;
}

static int bind_ops(struct bpf_sched *s)
{
	bool v3 = bpf_struct_ops_prog(s->st, "prep_enable") || bpf_struct_ops_prog(s->st, "cancel_enable");

	for (u32 i = 0; i < s->st->nr_slots; i++) {
		const struct bpf_struct_ops_slot *sl = &s->st->slots[i];
		int op = -1;

		for (int o = 0; o < RT_NR_OPS && op < 0; o++)
			if (!strcmp(rt_op_member(o), sl->member) &&
			    (strcmp(sl->member, "enable") || (o == RT_OP_ENABLE_V3) == v3))
				op = o;
		if (op < 0 && op_ignorable(sl->member))
			continue;
		if (op < 0)
			return rt_err(s, -EOPNOTSUPP, "%s: %s: ops.%s() (prog '%s') is not supported by scxsim",
				      s->name, s->st->name, sl->member, bpf_prog_name(sl->prog));
		if (bpf_prog_kind(sl->prog) != BPF_PROG_STRUCT_OPS)
			return rt_err(s, -EINVAL, "%s: %s.%s: prog '%s' is not a struct_ops program (section '%s')",
				      s->name, s->st->name, sl->member, bpf_prog_name(sl->prog),
				      bpf_prog_section(sl->prog));
		s->op[op] = prog_of(s, sl->prog);
	}
	return rt_build_ops(s);
}

/* ---- load / attach ------------------------------------------------------------------------------ */

static int kbtf_parse(struct bpf_sched *s)
{
	char why[256];
	int e = btf_parse(scxsim_kernel_btf, scxsim_kernel_btf_len, "scxsim kernel BTF", &s->kbtf,
			  why, sizeof(why));

	return e ? rt_err(s, e, "%s: %s", s->name, why) : 0;
}

static int vm_setup(struct bpf_sched *s)
{
	u32 nh, nk;
	const struct bpf_vm_func *h = rt_helper_vm_table(&nh), *k = rt_kfunc_vm_table(&nk);

	s->vm = bpf_vm_create();
	if (!s->vm)
		return rt_err(s, -ENOMEM, "%s: out of memory", s->name);
	bpf_vm_set_helpers(s->vm, h, nh);
	bpf_vm_set_kfuncs(s->vm, k, nk);
	bpf_vm_set_budget(s->vm, s->budget);
	bpf_vm_set_user(s->vm, s);
	return 0;
}

int bpf_sched_load(struct bpf_sched *s, struct machine *m)
{
	int e;

	if (s->loaded || s->m)
		return rt_err(s, -EALREADY, "%s: already loaded", s->name);
	if (!m)
		return rt_err(s, -EINVAL, "%s: no machine", s->name);
	s->m = m;
	rng_init(&s->rng, m->seed, 0x627066u /* "bpf" */);
	e = kbtf_parse(s);
	e = e ?: vm_setup(s);
	e = e ?: rt_mem_register_machine(s);
	e = e ?: maps_create(s);
	e = e ?: relocate(s);
	e = e ?: progs_prepare(s);
	e = e ?: bind_ops(s);
	s->loaded = !e;
	return e;
}

int bpf_sched_attach(struct bpf_sched *s)
{
	char why[SCX_EXIT_MSG_LEN + 256];
	int e;

	if (!s->loaded)
		return rt_err(s, -EINVAL, "%s: not loaded", s->name);
	if (s->attached || rt_registry_find(s->m))
		return rt_err(s, -EBUSY, "%s: the machine already has a BPF scheduler", s->name);
	if (registry_add(s))
		return rt_err(s, -ENOSPC, "%s: too many machines with BPF schedulers", s->name);
	s->attached = true;
	e = machine_attach_scx(s->m, s->ops, why, sizeof(why));
	if (e) {
		registry_del(s);
		s->attached = false;
		return rt_err(s, e, "%s: %s", s->name, why);
	}
	return 0;
}

/* ---- accessors ------------------------------------------------------------------------------------ */

const char *bpf_sched_errmsg(const struct bpf_sched *s)
{
	return s ? s->err : "";
}

const char *bpf_sched_name(const struct bpf_sched *s)
{
	return s && s->ops ? s->ops->name : "";
}

const struct sched_ext_ops *bpf_sched_ops(const struct bpf_sched *s)
{
	return s->loaded ? s->ops : NULL;
}

struct bpf_map *bpf_sched_map(const struct bpf_sched *s, const char *name)
{
	for (int i = 0; s && i < s->nr_maps; i++)
		if (s->maps[i].desc && !strcmp(s->maps[i].desc->name, name))
			return s->maps[i].map;
	return NULL;
}

/* Find a VAR `name` in the DATASEC of an internal map: its offset and size. */
static bool datasec_var(const struct btf *btf, u32 sec_id, const char *name, u32 *off, u32 *size)
{
	const struct btf_type *t = btf_type_by_id(btf, sec_id);

	for (u32 i = 0; t && btf_kind(t) == BTF_KIND_DATASEC && i < btf_vlen(t); i++) {
		const struct btf_var_secinfo *vs = &btf_secinfos(t)[i];

		if (!strcmp(btf_type_name(btf, vs->type), name)) {
			*off = vs->offset;
			*size = vs->size;
			return true;
		}
	}
	return false;
}

void *bpf_sched_global(const struct bpf_sched *s, const char *name, size_t *size)
{
	for (int i = 0; s && s->loaded && i < s->nr_maps; i++) {
		const struct rt_map *rm = &s->maps[i];
		u32 off, sz;

		if (rm->value && datasec_var(bpf_obj_btf(s->obj), rm->desc->value_type_id, name, &off, &sz) &&
		    (u64)off + sz <= rm->desc->value_size) {
			if (size)
				*size = sz;
			return (u8 *)rm->value + off;
		}
	}
	return NULL;
}

/* An integer, bool or enum of 1, 2, 4 or 8 bytes at v, as text; false for anything else. */
static bool scalar_str(const struct btf *btf, u32 type_id, const void *v, u32 size, char *buf,
		       size_t len)
{
	const struct btf_type *t = btf_skip_mods_typedefs(btf, type_id, NULL);
	bool is_signed;
	u64 u = 0;

	if (!t || (size != 1 && size != 2 && size != 4 && size != 8))
		return false;
	if (btf_kind(t) == BTF_KIND_INT)
		is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
	else if (btf_is_any_enum(t))
		is_signed = btf_kflag(t);
	else
		return false;
	memcpy(&u, v, size); /* little-endian host, as the BPF target */
	if (is_signed && size < 8 && (u >> (size * 8 - 1)) & 1)
		u |= ~0ULL << (size * 8);
	if (is_signed)
		snprintf(buf, len, "%lld", (long long)u);
	else
		snprintf(buf, len, "%llu", (unsigned long long)u);
	return true;
}

int bpf_sched_print_globals(const struct bpf_sched *s, FILE *f)
{
	const struct btf *btf = s ? bpf_obj_btf(s->obj) : NULL;
	int n = 0;

	for (int i = 0; s && s->loaded && i < s->nr_maps; i++) {
		const struct rt_map *rm = &s->maps[i];
		const struct btf_type *sec = btf_type_by_id(btf, rm->desc->value_type_id);

		if (!rm->value || rm->desc->readonly || !sec || btf_kind(sec) != BTF_KIND_DATASEC)
			continue;
		for (u32 j = 0; j < btf_vlen(sec); j++) {
			const struct btf_var_secinfo *vs = &btf_secinfos(sec)[j];
			const struct btf_type *var = btf_type_by_id(btf, vs->type);
			char val[32];

			if (!var || btf_kind(var) != BTF_KIND_VAR ||
			    (u64)vs->offset + vs->size > rm->desc->value_size ||
			    !scalar_str(btf, var->type, (u8 *)rm->value + vs->offset, vs->size, val, sizeof(val)))
				continue;
			fprintf(f, "global %s = %s\n", btf_type_name(btf, vs->type), val);
			n++;
		}
	}
	return n;
}

const char *bpf_sched_log(const struct bpf_sched *s)
{
	return s && s->log ? s->log : "";
}

u64 bpf_sched_nr_calls(const struct bpf_sched *s)
{
	return s->nr_calls;
}

u64 bpf_sched_nr_insns(const struct bpf_sched *s)
{
	return s->vm ? bpf_vm_insn_count(s->vm) : 0;
}

int bpf_sched_run_prog(struct bpf_sched *s, const char *name, const u64 *args, u32 nr, u64 *ret)
{
	int e;

	for (int i = 0; s->loaded && i < s->nr_progs; i++) {
		if (strcmp(bpf_prog_name(s->progs[i].prog), name))
			continue;
		e = rt_run(s, &s->progs[i], args, nr, ret);
		if (e)
			rt_err(s, e, "%s", bpf_vm_last_error(s->vm)->msg);
		return e;
	}
	return rt_err(s, -ENOENT, "%s: no program '%s'%s", s->name, name,
		      s->loaded ? "" : " (not loaded)");
}

/* ---- free --------------------------------------------------------------------------------------- */

void bpf_sched_free(struct bpf_sched *s)
{
	if (!s)
		return;
	rt_timer_release(s);
	registry_del(s);
	rt_graph_release(s);
	rt_mem_release(s);
	for (int i = 0; s->maps && i < s->nr_maps; i++)
		bpf_map_destroy(s->maps[i].map);
	for (int i = 0; s->progs && i < s->nr_progs; i++)
		free(s->progs[i].insns);
	free(s->maps);
	free(s->progs);
	free(s->ops);
	free(s->tasks);
	free(s->masks);
	free(s->cms);
	free(s->log);
	bpf_vm_destroy(s->vm);
	btf_free(s->kbtf);
	bpf_obj_free(s->obj);
	free(s);
}
