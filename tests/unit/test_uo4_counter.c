/* Unit tests of firmware/uo4/counter.c: debounce, totals, periods. */
#include <check.h>
#include <stdlib.h>

#include "../../firmware/uo4/counter.h"

static struct counter c;

/* Closed for width ms at t, then open; samples at both edges only. */
static int edge_pulse(uint32_t t, uint32_t width, uint16_t deb)
{
	int n = counter_sample(&c, true, t, deb);

	n += counter_sample(&c, false, t + width, deb);
	return n;
}

START_TEST(clean_pulse_counts_once_after_debounce)
{
	counter_init(&c, 0, 0);
	ck_assert(!counter_sample(&c, true, 1000, 20));
	ck_assert(!counter_sample(&c, true, 1019, 20));
	ck_assert(counter_sample(&c, true, 1020, 20));
	ck_assert(!counter_sample(&c, true, 1500, 20));
	ck_assert(!counter_sample(&c, false, 1600, 20));
	ck_assert(!counter_sample(&c, false, 2000, 20));
	ck_assert_uint_eq(c.total, 1);
}
END_TEST

START_TEST(bouncing_contact_counts_once)
{
	counter_init(&c, 7, 0);
	/* 1 ms polling through 4 ms of bounce, then a solid 50 ms closure. */
	for (uint32_t t = 100; t < 104; t++)
		counter_sample(&c, t % 2 == 0, t, 20);
	for (uint32_t t = 104; t < 154; t++)
		counter_sample(&c, true, t, 20);
	for (uint32_t t = 154; t < 158; t++) /* bounce on opening too */
		counter_sample(&c, t % 2 == 1, t, 20);
	for (uint32_t t = 158; t < 300; t++)
		counter_sample(&c, false, t, 20);
	ck_assert_uint_eq(c.total, 8);
}
END_TEST

START_TEST(pulse_shorter_than_debounce_is_ignored)
{
	counter_init(&c, 0, 0);
	ck_assert_int_eq(edge_pulse(100, 19, 20), 0);
	ck_assert_int_eq(edge_pulse(200, 5, 20), 0);
	ck_assert_uint_eq(c.total, 0);
	ck_assert_int_eq(edge_pulse(300, 20, 20), 1);
	ck_assert_uint_eq(c.total, 1);
}
END_TEST

START_TEST(short_gap_merges_pulses)
{
	counter_init(&c, 0, 0);
	counter_sample(&c, true, 100, 20);
	counter_sample(&c, false, 150, 20); /* counted at this sample */
	counter_sample(&c, true, 160, 20);  /* open only 10 ms: not a new pulse */
	counter_sample(&c, false, 300, 20);
	counter_sample(&c, false, 400, 20);
	ck_assert_uint_eq(c.total, 1);
}
END_TEST

START_TEST(edge_sampling_equals_polling)
{
	struct counter polled;
	uint32_t starts[] = { 100, 260, 300, 900, 910, 1500 };
	uint32_t widths[] = { 50, 15, 60, 5, 40, 25 };

	counter_init(&polled, 0, 0);
	counter_init(&c, 0, 0);
	for (uint32_t t = 0; t < 2000; t++) {
		bool level = false;

		for (size_t i = 0; i < 6; i++)
			level = level || (t >= starts[i] && t < starts[i] + widths[i]);
		counter_sample(&polled, level, t, 20);
	}
	for (size_t i = 0; i < 6; i++)
		edge_pulse(starts[i], widths[i], 20);
	counter_sample(&c, false, 2000, 20);
	ck_assert_uint_eq(c.total, polled.total);
	ck_assert_uint_eq(c.total, 4); /* 100, 300, 910, 1500 */
}
END_TEST

START_TEST(period_between_leading_edges)
{
	counter_init(&c, 0, 0);
	ck_assert_uint_eq(counter_period(&c, 0), 0);
	edge_pulse(1000, 50, 20);
	ck_assert_uint_eq(c.total, 1);
	ck_assert_uint_eq(counter_period(&c, 1100), 0); /* one pulse: no period yet */
	/* A bounce before the solid closure: the period starts where the
	 * closure that held began. */
	counter_sample(&c, true, 1850, 20);
	counter_sample(&c, false, 1851, 20);
	edge_pulse(1852, 50, 20);
	ck_assert_uint_eq(c.total, 2);
	ck_assert_uint_eq(c.period_ms, 852);
	ck_assert_uint_eq(counter_period(&c, 1900), 852);
	/* No further pulse: the reported period grows with the wait. */
	ck_assert_uint_eq(counter_period(&c, 1852 + 5000), 5000);
}
END_TEST

START_TEST(zero_debounce_counts_every_closure)
{
	counter_init(&c, 0, 0);
	for (uint32_t t = 0; t < 10; t++)
		edge_pulse(t * 10, 1, 0);
	ck_assert_uint_eq(c.total, 10);
}
END_TEST

START_TEST(clock_wrap)
{
	uint32_t t0 = 0xFFFFFFF0u;

	counter_init(&c, 0, t0);
	edge_pulse(t0, 30, 20);	       /* closes before, opens after the wrap */
	edge_pulse(t0 + 1000, 30, 20); /* wholly after the wrap */
	ck_assert_uint_eq(c.total, 2);
	ck_assert_uint_eq(c.period_ms, 1000);
}
END_TEST

START_TEST(total_wraps_at_32_bits)
{
	counter_init(&c, 0xFFFFFFFFu, 0);
	edge_pulse(100, 30, 20);
	ck_assert_uint_eq(c.total, 0);
}
END_TEST

START_TEST(zero_forgets_total_and_period)
{
	counter_init(&c, 41, 0);
	edge_pulse(100, 30, 20);
	edge_pulse(600, 30, 20);
	ck_assert_uint_eq(c.total, 43);
	counter_zero(&c);
	ck_assert_uint_eq(c.total, 0);
	ck_assert_uint_eq(counter_period(&c, 700), 0);
	edge_pulse(1000, 30, 20);
	ck_assert_uint_eq(c.total, 1);
	ck_assert_uint_eq(counter_period(&c, 1100), 0);
}
END_TEST

static Suite *counter_suite(void)
{
	Suite *s = suite_create("uo4_counter");
	TCase *tc = tcase_create("counter");

	tcase_add_test(tc, clean_pulse_counts_once_after_debounce);
	tcase_add_test(tc, bouncing_contact_counts_once);
	tcase_add_test(tc, pulse_shorter_than_debounce_is_ignored);
	tcase_add_test(tc, short_gap_merges_pulses);
	tcase_add_test(tc, edge_sampling_equals_polling);
	tcase_add_test(tc, period_between_leading_edges);
	tcase_add_test(tc, zero_debounce_counts_every_closure);
	tcase_add_test(tc, clock_wrap);
	tcase_add_test(tc, total_wraps_at_32_bits);
	tcase_add_test(tc, zero_forgets_total_and_period);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(counter_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
