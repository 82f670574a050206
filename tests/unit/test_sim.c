/* test_sim.c — the event engine: ordering, cancellation, rescheduling, run limits; rng streams. */
#include <stdlib.h>
#include "scxsim/sim.h"
#include "scxsim/rng.h"
#include "test.h"

struct rec_ev {
	struct sim_event ev;
	int id;
};
static int fired[64], nr_fired;
static struct rec_ev *cancel_target;

static void rec_fn(struct sim *s, struct sim_event *ev)
{
	fired[nr_fired++] = container_of(ev, struct rec_ev, ev)->id;
	if (cancel_target) {
		sim_cancel(s, &cancel_target->ev);
		cancel_target = NULL;
	}
}

TEST(sim_orders_by_time_prio_seq)
{
	struct sim s;
	struct rec_ev e[5];
	sim_init(&s);
	nr_fired = 0;
	for (int i = 0; i < 5; i++) {
		sim_event_init(&e[i].ev, rec_fn);
		e[i].id = i;
	}
	sim_schedule(&s, &e[0].ev, 100, 5);
	sim_schedule(&s, &e[1].ev, 50, 5);
	sim_schedule(&s, &e[2].ev, 100, 1);
	sim_schedule(&s, &e[3].ev, 100, 5); /* same time+prio as e0: after it (seq) */
	sim_schedule(&s, &e[4].ev, 10, 9);
	sim_run(&s, 1000);
	CHECK_EQ(nr_fired, 5);
	CHECK_EQ(fired[0], 4);
	CHECK_EQ(fired[1], 1);
	CHECK_EQ(fired[2], 2);
	CHECK_EQ(fired[3], 0);
	CHECK_EQ(fired[4], 3);
	CHECK_EQ(s.now, 1000);
	CHECK_EQ(s.nr_events, 5);
	sim_fini(&s);
}

TEST(sim_cancel_and_reschedule)
{
	struct sim s;
	struct rec_ev e[3];
	sim_init(&s);
	nr_fired = 0;
	for (int i = 0; i < 3; i++) {
		sim_event_init(&e[i].ev, rec_fn);
		e[i].id = i;
	}
	sim_schedule(&s, &e[0].ev, 10, 0);
	sim_schedule(&s, &e[1].ev, 20, 0);
	sim_schedule(&s, &e[2].ev, 30, 0);
	sim_schedule(&s, &e[0].ev, 40, 0); /* moved after the others */
	sim_cancel(&s, &e[1].ev);
	CHECK(!sim_event_pending(&e[1].ev));
	sim_cancel(&s, &e[1].ev); /* no-op */
	cancel_target = &e[0]; /* e2's handler cancels e0 */
	sim_run(&s, 100);
	CHECK_EQ(nr_fired, 1);
	CHECK_EQ(fired[0], 2);
	sim_fini(&s);
}

TEST(sim_run_stops_at_limit)
{
	struct sim s;
	struct rec_ev e;
	sim_init(&s);
	nr_fired = 0;
	sim_event_init(&e.ev, rec_fn);
	e.id = 7;
	sim_schedule(&s, &e.ev, 500, 0);
	sim_run(&s, 499);
	CHECK_EQ(nr_fired, 0);
	CHECK_EQ(s.now, 499);
	CHECK(sim_event_pending(&e.ev));
	sim_run(&s, 500);
	CHECK_EQ(nr_fired, 1);
	CHECK_EQ(s.now, 500);
	sim_fini(&s);
}

TEST(sim_heap_random_order)
{
	struct sim s;
	enum { N = 2000 };
	struct rec_ev *e = calloc(N, sizeof(*e));
	struct rng r;
	u64 last = 0;
	sim_init(&s);
	rng_init(&r, 42, 0);
	for (int i = 0; i < N; i++) {
		sim_event_init(&e[i].ev, rec_fn);
		sim_schedule(&s, &e[i].ev, rng_below(&r, 1000000), 0);
	}
	for (int i = 0; i < N; i += 3)
		sim_cancel(&s, &e[i].ev);
	int n = 0;
	while (s.nr) {
		struct sim_event *ev = s.heap[0].ev;
		if (ev->time < last)
			break;
		last = ev->time;
		sim_cancel(&s, ev);
		n++;
	}
	CHECK_EQ(n, N - (N + 2) / 3);
	free(e);
	sim_fini(&s);
}

TEST(sim_rng_streams_deterministic_and_independent)
{
	struct rng a, b, c;
	rng_init(&a, 1, 5);
	rng_init(&b, 1, 5);
	rng_init(&c, 1, 6);
	u64 x = rng_next(&a);
	CHECK(x == rng_next(&b));
	CHECK(x != rng_next(&c));
	for (int i = 0; i < 1000; i++)
		CHECK(rng_below(&a, 10) < 10);
}
