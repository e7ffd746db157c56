/* Unit tests of lib/log.c, lib/loop.c, lib/metrics.c and mq topic matching. */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "mq.h"

/* ---- log ---- */

static int evaluated;

static int side_effect(void)
{
	return ++evaluated;
}

/* Run fn with stderr captured; returns what it wrote (static buffer). */
static const char *capture(void (*fn)(void))
{
	static char buf[4096];
	char path[] = "/tmp/amr-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	fn();
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static void write_some(void)
{
	log_debug("debug %d", side_effect());
	log_info("stored seq=%d obj=%d", 42, 1);
	log_error("bad %s", "thing");
}

START_TEST(levels_filter_and_skip_formatting)
{
	const char *out;

	evaluated = 0;
	log_init("amr-test", LOG_LVL_INFO);
	out = capture(write_some);
	ck_assert_int_eq(evaluated, 0); /* the debug line cost nothing */
	ck_assert_ptr_null(strstr(out, "debug"));
	ck_assert_ptr_nonnull(strstr(out, "amr-test["));
	ck_assert_ptr_nonnull(strstr(out, "] info: stored seq=42 obj=1\n"));
	ck_assert_ptr_nonnull(strstr(out, "] error: bad thing\n"));
	log_init("amr-test", LOG_LVL_DEBUG);
	out = capture(write_some);
	ck_assert_int_eq(evaluated, 1);
	ck_assert_ptr_nonnull(strstr(out, "debug: debug 1\n"));
	ck_assert_int_eq(log_level_parse("warn"), LOG_LVL_WARN);
	ck_assert_int_eq(log_level_parse("loud"), -1);
}
END_TEST

static void write_long(void)
{
	char big[3000];

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	log_error("%s", big);
}

START_TEST(long_lines_stay_one_line)
{
	const char *out;

	log_init("amr-test", LOG_LVL_INFO);
	out = capture(write_long);
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
}
END_TEST

/* ---- loop ---- */

struct order {
	int seen[16];
	int n;
	loop *l;
};

static void note(struct order *o, int v)
{
	if (o->n < 16)
		o->seen[o->n++] = v;
}

static void t10(void *a)
{
	note(a, 10);
}
static void t30(void *a)
{
	note(a, 30);
}
static void t20(void *a)
{
	note(a, 20);
}
static void stop_it(void *a)
{
	loop_stop(((struct order *)a)->l);
}

START_TEST(timers_fire_in_deadline_order_and_cancel_works)
{
	struct order o = { .n = 0 };
	uint64_t id;

	ck_assert_int_eq(loop_create(&o.l), AMR_OK);
	loop_timer_add(o.l, 30, false, t30, &o);
	loop_timer_add(o.l, 10, false, t10, &o);
	id = loop_timer_add(o.l, 20, false, t20, &o);
	loop_timer_cancel(o.l, id);
	loop_timer_cancel(o.l, 999999); /* unknown ids are ignored */
	loop_timer_add(o.l, 60, false, stop_it, &o);
	ck_assert_int_eq(loop_run(o.l), AMR_OK);
	ck_assert_int_eq(o.n, 2);
	ck_assert_int_eq(o.seen[0], 10);
	ck_assert_int_eq(o.seen[1], 30);
	loop_destroy(o.l);
}
END_TEST

START_TEST(timer_limit_makes_add_fail_until_lifted)
{
	struct order o = { .n = 0 };
	uint64_t a, b;

	ck_assert_int_eq(loop_create(&o.l), AMR_OK);
	loop_timer_limit(o.l, 1);
	a = loop_timer_add(o.l, 10, false, t10, &o);
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_eq(loop_timer_add(o.l, 20, false, t20, &o), 0);
	loop_timer_cancel(o.l, a);
	b = loop_timer_add(o.l, 20, false, t20, &o);
	ck_assert_uint_ne(b, 0);
	loop_timer_limit(o.l, SIZE_MAX);
	ck_assert_uint_ne(loop_timer_add(o.l, 60, false, stop_it, &o), 0);
	ck_assert_int_eq(loop_run(o.l), AMR_OK);
	ck_assert_int_eq(o.n, 1);
	ck_assert_int_eq(o.seen[0], 20);
	loop_destroy(o.l);
}
END_TEST

static void tick(void *a)
{
	struct order *o = a;

	note(o, 1);
	if (o->n == 3)
		loop_stop(o->l);
}

START_TEST(repeating_timer_repeats)
{
	struct order o = { .n = 0 };

	ck_assert_int_eq(loop_create(&o.l), AMR_OK);
	loop_timer_add(o.l, 5, true, tick, &o);
	ck_assert_int_eq(loop_run(o.l), AMR_OK);
	ck_assert_int_eq(o.n, 3);
	loop_destroy(o.l);
}
END_TEST

struct poster {
	loop *l;
	int count; /* incremented on the loop thread only */
};

static void inc(void *a)
{
	((struct poster *)a)->count++;
}

static void *post_many(void *a)
{
	struct poster *p = a;

	for (int i = 0; i < 1000; i++)
		loop_post(p->l, inc, p, NULL);
	return NULL;
}

static void check_done(void *a)
{
	struct poster *p = a;

	if (p->count == 2000)
		loop_stop(p->l);
}

START_TEST(posts_from_other_threads_all_run_on_the_loop)
{
	struct poster p = { NULL, 0 };
	pthread_t a, b;

	ck_assert_int_eq(loop_create(&p.l), AMR_OK);
	pthread_create(&a, NULL, post_many, &p);
	pthread_create(&b, NULL, post_many, &p);
	loop_timer_add(p.l, 1, true, check_done, &p);
	loop_timer_add(p.l, 10000, false, (loop_fn)loop_stop, p.l);
	loop_run(p.l);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	ck_assert_int_eq(p.count, 2000);
	loop_destroy(p.l);
}
END_TEST

static int freed;

static void count_free(void *a)
{
	(void)a;
	freed++;
}

START_TEST(undelivered_posts_are_freed)
{
	loop *l;

	freed = 0;
	ck_assert_int_eq(loop_create(&l), AMR_OK);
	loop_post(l, inc, NULL, count_free);
	loop_post(l, inc, NULL, count_free);
	loop_destroy(l);
	ck_assert_int_eq(freed, 2);
}
END_TEST

struct fdtest {
	loop *l;
	char got[16];
};

static void on_readable(void *ctx, int fd, short revents)
{
	struct fdtest *t = ctx;
	ssize_t n = read(fd, t->got, sizeof t->got - 1);

	(void)revents;
	if (n > 0)
		t->got[n] = '\0';
	loop_fd_del(t->l, fd);
	loop_stop(t->l);
}

START_TEST(fd_watch_delivers_readable)
{
	struct fdtest t = { NULL, "" };
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(loop_create(&t.l), AMR_OK);
	ck_assert_int_eq(loop_fd_add(t.l, p[0], POLLIN, on_readable, &t), AMR_OK);
	ck_assert_int_eq(write(p[1], "hi", 2), 2);
	loop_run(t.l);
	ck_assert_str_eq(t.got, "hi");
	loop_destroy(t.l);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* ---- metrics ---- */

START_TEST(prometheus_text_groups_families)
{
	metrics *ms;
	metric *a, *b, *g;
	char *text;

	ck_assert_int_eq(metrics_create(&ms), AMR_OK);
	a = metrics_get(ms, METRIC_COUNTER, "amr_deadletter_total", "reason=\"bad_json\"",
			"Messages rejected.");
	g = metrics_get(ms, METRIC_GAUGE, "amr_spool_pending", NULL, "Batches waiting.");
	b = metrics_get(ms, METRIC_COUNTER, "amr_deadletter_total", "reason=\"bad_topic\"", NULL);
	ck_assert_ptr_eq(metrics_get(ms, METRIC_COUNTER, "amr_deadletter_total",
				     "reason=\"bad_json\"", NULL),
			 a);
	metric_add(a, 3);
	metric_add(b, 1);
	metric_set(g, 7);
	metric_add(NULL, 1);
	text = metrics_render(ms);
	ck_assert_str_eq(text, "# HELP amr_deadletter_total Messages rejected.\n"
			       "# TYPE amr_deadletter_total counter\n"
			       "amr_deadletter_total{reason=\"bad_json\"} 3\n"
			       "amr_deadletter_total{reason=\"bad_topic\"} 1\n"
			       "# HELP amr_spool_pending Batches waiting.\n"
			       "# TYPE amr_spool_pending gauge\n"
			       "amr_spool_pending 7\n");
	free(text);
	metrics_destroy(ms);
}
END_TEST

/* ---- mq topic matching (table-driven) ---- */

static const struct {
	const char *filter, *topic;
	bool match;
} topics[] = {
	{ "amr/v1/gw/+/up", "amr/v1/gw/12/up", true },
	{ "amr/v1/gw/+/up", "amr/v1/gw/12/ack", false },
	{ "amr/v1/gw/+/up", "amr/v1/gw//up", true },
	{ "amr/v1/gw/+/up", "amr/v1/gw/12/up/x", false },
	{ "amr/#", "amr/v1/readings/1", true },
	{ "amr/#", "amr", true },
	{ "#", "amr/v1", true },
	{ "#", "$SYS/broker/uptime", false },
	{ "+/v1", "$SYS/v1", false },
	{ "amr/v1/rpc/archive/+", "amr/v1/rpc/archive/series", true },
	{ "amr/v1/rpc/archive/+", "amr/v1/rpc/archiver/series", false },
	{ "amr/v1/rpc/reply/c1", "amr/v1/rpc/reply/c12", false },
	{ "a/b", "a/b", true },
	{ "a/b", "a", false },
	{ "a", "a/b", false },
	{ "+", "a", true },
	{ "+", "a/b", false },
	{ "+/+", "a/b", true },
	{ "a/+/#", "a/b", true },
	{ "a/+/#", "a/b/c/d", true },
};

START_TEST(topic_matching)
{
	ck_assert_msg(mq_topic_matches(topics[_i].filter, topics[_i].topic) == topics[_i].match,
		      "filter %s topic %s", topics[_i].filter, topics[_i].topic);
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, levels_filter_and_skip_formatting);
	tcase_add_test(tc, long_lines_stay_one_line);
	suite_add_tcase(s, tc);
	return s;
}

Suite *loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("events");

	tcase_add_test(tc, timers_fire_in_deadline_order_and_cancel_works);
	tcase_add_test(tc, timer_limit_makes_add_fail_until_lifted);
	tcase_add_test(tc, repeating_timer_repeats);
	tcase_add_test(tc, posts_from_other_threads_all_run_on_the_loop);
	tcase_add_test(tc, undelivered_posts_are_freed);
	tcase_add_test(tc, fd_watch_delivers_readable);
	suite_add_tcase(s, tc);
	return s;
}

Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, prometheus_text_groups_families);
	suite_add_tcase(s, tc);
	return s;
}

Suite *mq_suite(void)
{
	Suite *s = suite_create("mq");
	TCase *tc = tcase_create("topics");

	tcase_add_loop_test(tc, topic_matching, 0, sizeof topics / sizeof topics[0]);
	suite_add_tcase(s, tc);
	return s;
}
