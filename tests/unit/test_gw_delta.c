/* Unit tests of the delta tracker: deltas from totals against the last
 * published total, across restarts, zero commands and decreasing totals. */
#include <check.h>
#include <stdlib.h>

#include "../../firmware/gateway/delta.h"
#include "../../firmware/gateway/upbatch.h"

static struct delta d;

/* Take a batch, return the delta of addr/ch in it (-1 if absent), commit. */
static long long take(bool full, unsigned addr, unsigned ch, long long *total, int *n)
{
	json_t *b = upbatch_new(1000), *r;
	long long delta = -1;
	size_t i;

	*n = delta_take(&d, b, full);
	json_array_foreach(json_object_get(b, "readings"), i, r) {
		if (json_integer_value(json_object_get(r, "addr")) == addr &&
		    json_integer_value(json_object_get(r, "ch")) == ch) {
			delta = json_integer_value(json_object_get(r, "delta"));
			if (total)
				*total = json_integer_value(json_object_get(r, "total"));
		}
	}
	delta_commit(&d);
	json_decref(b);
	return delta;
}

static void setup(void)
{
	delta_init(&d);
}

START_TEST(test_first_read_is_baseline)
{
	uint32_t prev;
	long long total;
	int n;

	ck_assert_int_eq(delta_read(&d, 5, 1, 1000, 0, false, &prev), DELTA_FIRST);
	ck_assert_int_eq(take(false, 5, 1, &total, &n), 0);
	ck_assert_int_eq(total, 1000);
	ck_assert_int_eq(delta_read(&d, 5, 1, 1012, 850, false, &prev), DELTA_UP);
	ck_assert_uint_eq(prev, 1000);
	ck_assert_int_eq(delta_read(&d, 5, 1, 1015, 850, false, &prev), DELTA_UP);
	ck_assert_int_eq(take(false, 5, 1, &total, &n), 15);
	ck_assert_int_eq(total, 1015);
	/* nothing changed: nothing to publish, but a full batch has it */
	ck_assert_int_eq(delta_read(&d, 5, 1, 1015, 850, false, &prev), DELTA_SAME);
	ck_assert_int_eq(take(false, 5, 1, NULL, &n), -1);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(take(true, 5, 1, NULL, &n), 0);
	ck_assert_int_eq(n, 1);
}
END_TEST

START_TEST(test_counted_while_away)
{
	uint32_t prev;
	long long total;
	int n;

	/* After a restart the baseline comes from flash. */
	delta_set_base(&d, 7, 2, 500);
	ck_assert_int_eq(delta_read(&d, 7, 2, 740, 0, false, &prev), DELTA_UP);
	ck_assert_uint_eq(prev, 500);
	ck_assert_int_eq(take(false, 7, 2, &total, &n), 240);
	ck_assert_int_eq(total, 740);
}
END_TEST

START_TEST(test_abort_keeps_pulses)
{
	uint32_t prev;
	json_t *b = upbatch_new(1);
	long long total;
	int n;

	delta_set_base(&d, 1, 1, 10);
	delta_read(&d, 1, 1, 20, 0, false, &prev);
	ck_assert_int_eq(delta_take(&d, b, false), 1);
	delta_abort(&d);
	json_decref(b);
	delta_read(&d, 1, 1, 25, 0, false, &prev);
	ck_assert_uint_eq(delta_pending(&d, 1, 1), 15);
	ck_assert_int_eq(take(false, 1, 1, &total, &n), 15);
}
END_TEST

START_TEST(test_decrease_never_negative)
{
	uint32_t prev;
	long long total;
	int n;

	delta_set_base(&d, 3, 4, 900);
	ck_assert_int_eq(delta_read(&d, 3, 4, 950, 0, false, &prev), DELTA_UP);
	ck_assert_int_eq(delta_read(&d, 3, 4, 100, 0, false, &prev), DELTA_DECREASED);
	ck_assert_uint_eq(prev, 950);
	ck_assert_int_eq(delta_read(&d, 3, 4, 130, 0, false, &prev), DELTA_UP);
	ck_assert_int_eq(take(false, 3, 4, &total, &n), 50 + 30);
	ck_assert_int_eq(total, 130);
}
END_TEST

START_TEST(test_zeroed)
{
	uint32_t prev;
	long long total;
	int n;

	delta_set_base(&d, 9, 1, 4000);
	ck_assert_int_eq(delta_read(&d, 9, 1, 4010, 0, false, &prev), DELTA_UP);
	ck_assert_int_eq(delta_read(&d, 9, 1, 2, 0, true, &prev), DELTA_ZEROED);
	ck_assert_uint_eq(prev, 4010);
	ck_assert_int_eq(take(false, 9, 1, &total, &n), 12);
	ck_assert_int_eq(total, 2);
}
END_TEST

/* A zero that may have happened unseen: the next read tells. */
START_TEST(test_zeroing_told_by_next_read)
{
	uint32_t prev;
	long long total;
	int n;

	delta_set_base(&d, 9, 1, 4000);
	delta_set_zeroing(&d, 9, 1);
	ck_assert(delta_zeroing(&d, 9, 1));
	ck_assert_int_eq(delta_read(&d, 9, 1, 3, 0, false, &prev), DELTA_ZEROED);
	ck_assert(!delta_zeroing(&d, 9, 1));
	ck_assert_uint_eq(prev, 4000);
	ck_assert_int_eq(take(false, 9, 1, &total, &n), 3);
	/* once told, a lower total is a counter that fell */
	ck_assert_int_eq(delta_read(&d, 9, 1, 1, 0, false, &prev), DELTA_DECREASED);
	/* not zeroed after all: consumption */
	delta_set_base(&d, 9, 2, 50);
	delta_set_zeroing(&d, 9, 2);
	ck_assert_int_eq(delta_read(&d, 9, 2, 57, 0, false, &prev), DELTA_UP);
	ck_assert(!delta_zeroing(&d, 9, 2));
	ck_assert(!delta_zeroing(&d, 200, 1)); /* bounds */
	delta_set_zeroing(&d, 9, 9);
}
END_TEST

START_TEST(test_forget_and_bounds)
{
	uint32_t prev;
	int n;

	delta_set_base(&d, 126, 1, 77);
	delta_forget(&d, 126);
	ck_assert_int_eq(delta_read(&d, 126, 1, 5, 0, false, &prev), DELTA_FIRST);
	ck_assert_int_eq(delta_read(&d, 0, 1, 5, 0, false, &prev), DELTA_SAME);
	ck_assert_int_eq(delta_read(&d, 128, 1, 5, 0, false, &prev), DELTA_SAME);
	ck_assert_int_eq(delta_read(&d, 5, 5, 5, 0, false, &prev), DELTA_SAME);
	ck_assert_int_eq(take(true, 126, 1, NULL, &n), 0);
	ck_assert_int_eq(n, 1);
}
END_TEST

static Suite *delta_suite(void)
{
	Suite *s = suite_create("gw_delta");
	TCase *tc = tcase_create("delta");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_first_read_is_baseline);
	tcase_add_test(tc, test_counted_while_away);
	tcase_add_test(tc, test_abort_keeps_pulses);
	tcase_add_test(tc, test_decrease_never_negative);
	tcase_add_test(tc, test_zeroed);
	tcase_add_test(tc, test_zeroing_told_by_next_read);
	tcase_add_test(tc, test_forget_and_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(delta_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
