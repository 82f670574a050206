/*
 * test_bpf_mapinmap.c — map-in-map (ARRAY_OF_MAPS, HASH_OF_MAPS) from the map module up to a
 * running scheduler, scx_bpf_events(), task_struct.tgid and p->scx.disallow, with the test
 * objects tests/bpf/mapinmap_sched.bpf.c and mim_bad_{type,sym,index}.bpf.c.
 *
 * Layers: the map module's inner-map API and faces (template check, empty slots, user and BPF
 * permissions); the loader (`values` template, .rel.maps initializers, its error messages);
 * the runtime (slots filled at load, inner maps usable by helpers, BPF updates of the outer map
 * refused); the ext class (event counters, bypass counters in ops.exit, disallow).
 */
#include <errno.h>
#include "machine/machine_int.h"
#include "scx/scx_int.h"
#include "scxsim/bpf_map.h"
#include "scxsim/bpf_obj.h"
#include "scxsim/bpf_sched.h"
#include "test.h"

#include "bpf_harness.h"

/* ---- map module --------------------------------------------------------------------------- */

static struct bpf_map *mk(const char *name, u32 type, u32 ks, u32 vs, u32 max, u32 flags,
			  const struct bpf_map_spec *inner)
{
	struct bpf_map_spec s = { .name = name, .type = type, .key_size = ks, .value_size = vs,
				  .max_entries = max, .map_flags = flags, .nr_cpus = 1,
				  .inner = inner };
	struct bpf_map *m = NULL;
	char err[256];

	if (bpf_map_create(&s, &m, err, sizeof(err)))
		fprintf(stderr, "  create %s: %s\n", name, err);
	return m;
}

static const struct bpf_map_spec queue_tmpl = { .type = BPF_MAP_TYPE_QUEUE, .value_size = 4,
						.max_entries = 8 };

TEST(bpf_mapinmap_array_of_maps_slots)
{
	struct bpf_map *q = mk("q", BPF_MAP_TYPE_QUEUE, 0, 4, 8, 0, NULL);
	struct bpf_map *q16 = mk("q16", BPF_MAP_TYPE_QUEUE, 0, 4, 16, 0, NULL);
	struct bpf_map *a = mk("a", BPF_MAP_TYPE_ARRAY, 4, 4, 8, 0, NULL);
	struct bpf_map *o = mk("o", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 3, 0, &queue_tmpl);
	u32 k0 = 0, k2 = 2, k9 = 9, v = 7, next;
	char err[256];

	CHECK(q && q16 && a && o);
	CHECK(bpf_map_is_of_maps(o) && !bpf_map_is_of_maps(q));
	CHECK_EQ(bpf_map_inner_set(o, &k0, q, 0, err, sizeof(err)), 0);
	CHECK(bpf_map_inner_get(o, &k0) == q);
	CHECK(bpf_map_prog_lookup(o, &k0, 0) == (void *)q);       /* BPF gets the inner map */
	CHECK(bpf_map_prog_lookup(o, &k2, 0) == NULL);            /* empty slot */
	CHECK(bpf_map_prog_lookup(o, &k9, 0) == NULL);            /* out of range */
	/* a queue of another max_entries is fine: only arrays compare max_entries */
	CHECK_EQ(bpf_map_inner_set(o, &k2, q16, 0, err, sizeof(err)), 0);
	CHECK_EQ(bpf_map_inner_set(o, &k2, q, BPF_NOEXIST, err, sizeof(err)), -EEXIST);
	CHECK_EQ(bpf_map_inner_set(o, &k0, a, 0, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "map 'o': inner map 'a' is ARRAY, the template QUEUE");
	CHECK_EQ(bpf_map_inner_set(o, &k9, q, 0, err, sizeof(err)), -E2BIG);
	CHECK_CONTAINS(err, "max_entries 3");
	CHECK_EQ(bpf_map_inner_set(o, &k0, NULL, 0, err, sizeof(err)), -EINVAL);
	CHECK_EQ(bpf_map_inner_set(q, &k0, q, 0, err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "not a map-in-map");
	/* user face: no fds, so lookup/update are refused; delete empties a slot */
	CHECK_EQ(bpf_map_user_lookup(o, &k0, &v, 0), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_user_update(o, &k0, &v, 0), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_user_get_next_key(o, &k0, &next), 0);
	CHECK_EQ(next, 1);
	CHECK_EQ(bpf_map_user_delete(o, &k2), 0);
	CHECK_EQ(bpf_map_user_delete(o, &k2), -ENOENT);
	CHECK_EQ(bpf_map_user_delete(o, &k9), -E2BIG);
	CHECK(bpf_map_inner_get(o, &k2) == NULL);
	/* BPF face: look-up only */
	CHECK_EQ(bpf_map_prog_update(o, &k0, &v, 0, 0), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_prog_delete(o, &k0), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_prog_for_each(o, NULL, NULL, 0, 0), -EINVAL);
	CHECK(bpf_map_inner_get(o, &k0) == q);
	bpf_map_destroy(o);
	bpf_map_destroy(a);
	bpf_map_destroy(q16);
	bpf_map_destroy(q);
}

TEST(bpf_mapinmap_array_template_max_entries_and_inner_map_flag)
{
	struct bpf_map_spec strict = { .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8,
				       .max_entries = 4 };
	struct bpf_map_spec loose = strict;
	struct bpf_map *a4 = mk("a4", BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, NULL);
	struct bpf_map *a9 = mk("a9", BPF_MAP_TYPE_ARRAY, 4, 8, 9, 0, NULL);
	struct bpf_map *a9i = mk("a9i", BPF_MAP_TYPE_ARRAY, 4, 8, 9, BPF_F_INNER_MAP, NULL);
	struct bpf_map *o1, *o2;
	u32 k = 0;
	char err[256];

	loose.map_flags = BPF_F_INNER_MAP;
	o1 = mk("o1", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2, 0, &strict);
	o2 = mk("o2", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2, 0, &loose);
	CHECK(a4 && a9 && a9i && o1 && o2);
	CHECK_EQ(bpf_map_inner_set(o1, &k, a4, 0, err, sizeof(err)), 0);
	CHECK_EQ(bpf_map_inner_set(o1, &k, a9, 0, err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "inner map 'a9' has max_entries 9, the template 4");
	CHECK_EQ(bpf_map_inner_set(o2, &k, a9, 0, err, sizeof(err)), -EINVAL); /* flags differ */
	CHECK_CONTAINS(err, "map_flags 0x0, the template 0x1000");
	CHECK_EQ(bpf_map_inner_set(o2, &k, a9i, 0, err, sizeof(err)), 0);
	bpf_map_destroy(o2);
	bpf_map_destroy(o1);
	bpf_map_destroy(a9i);
	bpf_map_destroy(a9);
	bpf_map_destroy(a4);
}

TEST(bpf_mapinmap_hash_of_maps_slots)
{
	struct bpf_map *q = mk("q", BPF_MAP_TYPE_QUEUE, 0, 4, 8, 0, NULL);
	struct bpf_map *o = mk("h", BPF_MAP_TYPE_HASH_OF_MAPS, 8, 4, 2, 0, &queue_tmpl);
	u64 k1 = 1, k2 = 2, k3 = 3, next;
	char err[256];

	CHECK(q && o);
	CHECK(bpf_map_inner_get(o, &k1) == NULL);
	CHECK_EQ(bpf_map_inner_set(o, &k1, q, BPF_EXIST, err, sizeof(err)), -ENOENT);
	CHECK_EQ(bpf_map_inner_set(o, &k1, q, 0, err, sizeof(err)), 0);
	CHECK_EQ(bpf_map_inner_set(o, &k2, q, 0, err, sizeof(err)), 0);
	CHECK_EQ(bpf_map_inner_set(o, &k3, q, 0, err, sizeof(err)), -E2BIG);  /* full */
	CHECK_EQ(bpf_map_count(o), 2);
	CHECK(bpf_map_prog_lookup(o, &k2, 0) == (void *)q);
	CHECK(bpf_map_prog_lookup(o, &k3, 0) == NULL);
	CHECK_EQ(bpf_map_user_get_next_key(o, NULL, &next), 0);
	CHECK_EQ(next, 1);
	CHECK_EQ(bpf_map_user_delete(o, &k1), 0);
	CHECK_EQ(bpf_map_user_delete(o, &k1), -ENOENT);
	CHECK_EQ(bpf_map_rcu_sync(o), 0);
	CHECK_EQ(bpf_map_count(o), 1);
	bpf_map_destroy(o);
	bpf_map_destroy(q);
}

TEST(bpf_mapinmap_create_rejects_nested_template)
{
	struct bpf_map_spec nested = { .type = BPF_MAP_TYPE_ARRAY_OF_MAPS, .key_size = 4,
				       .value_size = 4, .max_entries = 2, .inner = &queue_tmpl };
	struct bpf_map_spec s = { .name = "n", .type = BPF_MAP_TYPE_ARRAY_OF_MAPS, .key_size = 4,
				  .value_size = 4, .max_entries = 2, .nr_cpus = 1, .inner = &nested };
	struct bpf_map *m = NULL;
	char err[256];

	CHECK_EQ(bpf_map_create(&s, &m, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "map 'n': inner map template is itself a ARRAY_OF_MAPS: one level of nesting only");
	CHECK(m == NULL);
}

/* ---- loader ------------------------------------------------------------------------------- */

TEST(bpf_mapinmap_loader_reads_template_and_initializer)
{
	struct bpf_obj *o = NULL;
	const struct bpf_map_desc *d, *h;
	char path[512], err[512];
	int qi, q0, q2, hi, ca, cb;

	CHECK_EQ(bpf_obj_open_file(obj_path("mapinmap_sched", path, sizeof(path)), &o, err,
				   sizeof(err)), 0);
	qi = bpf_obj_map_by_name(o, "queues");
	q0 = bpf_obj_map_by_name(o, "q0");
	q2 = bpf_obj_map_by_name(o, "q2");
	hi = bpf_obj_map_by_name(o, "cells");
	ca = bpf_obj_map_by_name(o, "cell_a");
	cb = bpf_obj_map_by_name(o, "cell_b");
	CHECK(qi >= 0 && q0 >= 0 && q2 >= 0 && hi >= 0 && ca >= 0 && cb >= 0);
	d = bpf_obj_map(o, qi);
	CHECK_EQ(d->type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	CHECK_EQ(d->value_size, 4);                               /* filled in, as libbpf */
	CHECK(d->inner != NULL);
	CHECK_STR(d->inner->name, "queues.inner");
	CHECK_EQ(d->inner->type, BPF_MAP_TYPE_QUEUE);
	CHECK_EQ(d->inner->value_size, 4);
	CHECK_EQ(d->inner->max_entries, 256);
	CHECK_EQ(d->nr_init_slots, 4);
	CHECK_EQ(d->init_slots[0], q0);
	CHECK_EQ(d->init_slots[2], q2);
	CHECK_EQ(d->init_slots[3], -1);
	h = bpf_obj_map(o, hi);
	CHECK_EQ(h->type, BPF_MAP_TYPE_HASH_OF_MAPS);
	CHECK_EQ(h->inner->type, BPF_MAP_TYPE_ARRAY);
	CHECK_EQ(h->init_slots[0], -1);
	CHECK_EQ(h->init_slots[1], ca);
	CHECK_EQ(h->init_slots[2], cb);
	CHECK(bpf_obj_map(o, q0)->inner == NULL && bpf_obj_map(o, q0)->nr_init_slots == 0);
	bpf_obj_free(o);
}

/* Opening test object NAME fails with CODE and a message naming the file and saying MSG. */
#define OPEN_FAILS(name, code, msg)                                                           \
	do {                                                                                  \
		struct bpf_obj *o_ = NULL;                                                    \
		char path_[512], err_[512];                                                   \
		CHECK_EQ(bpf_obj_open_file(obj_path(name, path_, sizeof(path_)), &o_, err_,   \
					   sizeof(err_)), code);                              \
		CHECK(o_ == NULL);                                                            \
		CHECK_CONTAINS(err_, name ".bpf.o: ");                                       \
		CHECK_CONTAINS(err_, msg);                                                    \
	} while (0)

TEST(bpf_mapinmap_fail_loader_inner_type_mismatch)
{
	OPEN_FAILS("mim_bad_type", -EINVAL,
		   "map 'outer': 'values' slot [1] is map 'wrong' with type 2, the inner map "
		   "template has 22");
}

TEST(bpf_mapinmap_fail_loader_initializer_not_a_map)
{
	OPEN_FAILS("mim_bad_sym", -EINVAL,
		   "map 'outer': 'values' slot [1] points at 'not_a_map', which is not a map of .maps");
}

TEST(bpf_mapinmap_fail_loader_slot_out_of_range)
{
	OPEN_FAILS("mim_bad_index", -E2BIG,
		   "map 'outer': 'values' slot [5] is out of range (max_entries 2)");
}

/* ---- running -------------------------------------------------------------------------------- */

static const char *wl_hog = "{\"tasks\":{\"hog\":{\"loop\":1,\"run\":60000}}}";

TEST(bpf_mapinmap_sched_queues_through_inner_maps)
{
	struct brun r;

	START(&r, "4", "hackbench:groups=1", "mapinmap_sched", NULL);
	CHECK_EQ(machine_run(r.m, 2 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(global_u64(r.s, "nr_pushed") > 40);
	CHECK_EQ(global_u64(r.s, "nr_popped"), global_u64(r.s, "nr_pushed"));
	CHECK_EQ(global_u64(r.s, "nr_no_queue"), 0);
	CHECK_EQ(global_u64(r.s, "nr_push_fail"), 0);
	CHECK_EQ(global_u64(r.s, "r_empty_slot"), 1);
	CHECK_EQ(global_u64(r.s, "r_bad_key"), 1);
	CHECK_EQ(global_u64(r.s, "r_same_inner"), 1);
	CHECK_EQ(global_u64(r.s, "r_hash_val"), 42);              /* written through cells[1] */
	CHECK_EQ(global_u64(r.s, "r_hash_missing"), 1);
	CHECK_EQ(global_u64(r.s, "r_hash_inner_null"), 1);
	brun_free(&r);
}

TEST(bpf_mapinmap_timer_moves_tasks_with_dsq_move)
{
	struct brun r;

	START(&r, "2", "hackbench:groups=2,loops=200", "mapinmap_sched", NULL);
	CHECK_EQ(machine_run(r.m, 5 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(global_u64(r.s, "nr_timer") > 3);
	CHECK(global_u64(r.s, "nr_moved_from_timer") > 0);
	brun_free(&r);
}

TEST(bpf_mapinmap_events_keep_last_and_refill)
{
	struct brun r;
	struct scx_sched *sch;

	/* one 60 ms hog alone on a CPU: each 20 ms slice ends with nothing else to run */
	START(&r, "1", wl_hog, "mapinmap_sched", NULL);
	sch = r.m->scx;
	CHECK_EQ(machine_run(r.m, 59 * NSEC_PER_MSEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK_EQ(sch->ev.SCX_EV_DISPATCH_KEEP_LAST, 2);
	CHECK_EQ(sch->ev.SCX_EV_REFILL_SLICE_DFL, 2);
	CHECK_EQ(sch->ev.SCX_EV_SELECT_CPU_FALLBACK, 0);
	/* the timer's last read (at 58 ms) saw both, under both names of the slice counter */
	CHECK_EQ(global_u64(r.s, "ev_keep_last"), 2);
	CHECK_EQ(global_u64(r.s, "ev_refill"), 2);
	CHECK_EQ(global_u64(r.s, "ev_refill_old_name"), 2);
	CHECK_EQ(global_u64(r.s, "ev_fallback"), 0);
	CHECK_EQ(global_u64(r.s, "ev_offline"), 0);
	brun_free(&r);
}

TEST(bpf_mapinmap_events_bypass_seen_in_exit)
{
	struct brun r;

	START(&r, "4", "hackbench:groups=1", "mapinmap_sched", "bad=2");
	CHECK_EQ(machine_run(r.m, 2 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR_BPF);
	CHECK(all_finished(r.m));
	CHECK_EQ(global_u64(r.s, "exit_bypass_activate"), 1);
	CHECK_EQ(global_u64(r.s, "exit_skip_exiting"), 0);
	CHECK((s64)global_u64(r.s, "exit_bypass_dispatch") >= 0);
	CHECK((s64)global_u64(r.s, "exit_bypass_duration") >= 0);
	brun_free(&r);
}

TEST(bpf_mapinmap_fail_bpf_update_of_outer_map)
{
	struct brun r;

	START(&r, "2", "hackbench:groups=1", "mapinmap_sched", "bad=1");
	CHECK_EQ(machine_run(r.m, 2 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg,
		       "bpf_map_update_elem(): map 'queues' is a map-in-map (ARRAY_OF_MAPS)");
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(bpf_mapinmap_disallow_by_tgid_keeps_task_on_fair)
{
	struct brun r;
	struct task_struct *p;

	START(&r, "2", "hackbench:groups=1", "mapinmap_sched", "disallow_tgid=103");
	p = NULL;
	for (int i = 0; i < r.m->nr_tasks; i++)
		if (r.m->tasks[i]->pid == 103)
			p = r.m->tasks[i];
	CHECK(p != NULL);
	CHECK_EQ(p->tgid, 103);
	CHECK_EQ(machine_run(r.m, 2 * NSEC_PER_SEC), 0);
	CHECK_EQ(global_u64(r.s, "nr_disallowed"), 1);
	CHECK(p->sched_class == &fair_sched_class);
	for (int i = 0; i < r.m->nr_tasks; i++)
		if (r.m->tasks[i] != p)
			CHECK(r.m->tasks[i]->sched_class == &ext_sched_class);
	CHECK(all_finished(r.m));
	brun_free(&r);
}
