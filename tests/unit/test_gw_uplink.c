/*
 * Unit tests of the gateway's uplink (firmware/gateway/uplink.c) against
 * stubs of the loop, the MQTT client and the spool (test_gw_uplink_stubs.c):
 * what happens when loop_timer_add() fails. At the start that is an error,
 * with nothing left behind; later, a drop or a reconnect whose timer could
 * not be added is made by the one-second check instead, late but never
 * lost.
 */
#include <check.h>
#include <stdlib.h>

#include "../../firmware/gateway/uplink.h"
#include "err.h"
#include "test_gw_uplink_stubs.h"

static uplink *u;

static void on_cmd(void *ctx, const struct mq_msg *m)
{
}

static int create(void)
{
	struct uplink_opts o = {
		.host = "127.0.0.1",
		.port = 1883,
		.obj = 1,
		.window = 10,
		.resend_s = 30,
		.on_cmd = on_cmd,
	};

	return uplink_create(&u, &o);
}

static void setup(void)
{
	stub_reset();
	u = NULL;
}

/* Nothing leaks: no client, no timer left once the uplink is gone. */
static void teardown(void)
{
	uplink_destroy(u);
	ck_assert_uint_eq(stub_mq_live, 0);
	ck_assert_uint_eq(stub_timers_live(), 0);
}

START_TEST(test_start_without_a_timer_is_an_error)
{
	stub_timer_fail = true;
	ck_assert_int_eq(create(), AMR_ENOMEM);
	ck_assert_uint_eq(stub_mq_live, 0);
}
END_TEST

START_TEST(test_start_without_a_client_leaves_no_timer)
{
	stub_mq_fail = true;
	ck_assert_int_eq(create(), AMR_EMQ);
	ck_assert_uint_eq(stub_timers_live(), 0);
}
END_TEST

/* With timers: the drop at once, the new client after the delay. */
START_TEST(test_disconnect_on_time)
{
	ck_assert_int_eq(create(), AMR_OK);
	stub_mq_connect();
	uplink_reconnect(u, 5000);
	stub_advance(0);
	ck_assert_uint_eq(stub_mq_live, 0);
	stub_advance(4999);
	ck_assert_uint_eq(stub_mq_created, 1);
	stub_advance(1);
	ck_assert_uint_eq(stub_mq_created, 2);
	ck_assert_uint_eq(stub_mq_live, 1);
}
END_TEST

/* No memory for the drop's timer, nor for the reconnect's: the check drops
 * within a second and connects again once the delay has passed. */
START_TEST(test_disconnect_without_timers_is_late_not_lost)
{
	ck_assert_int_eq(create(), AMR_OK);
	stub_mq_connect();
	stub_timer_fail = true;
	uplink_reconnect(u, 5000);
	ck_assert(uplink_connected(u));
	uplink_reconnect(u, 5000); /* asked again meanwhile: still one drop */
	stub_advance(1000);
	ck_assert_uint_eq(stub_mq_live, 0);
	stub_advance(4999);
	ck_assert_uint_eq(stub_mq_created, 1);
	stub_advance(1);
	ck_assert_uint_eq(stub_mq_created, 2);
	ck_assert_uint_eq(stub_mq_live, 1);
	stub_mq_connect();
	ck_assert(uplink_connected(u));
	stub_advance(60000);
	ck_assert_uint_eq(stub_mq_created, 2); /* nothing more to do */
}
END_TEST

/* A new client cannot be made and no timer for the retry can be added:
 * the check retries 5 s later, and again until a client is made. */
START_TEST(test_reconnect_retried_without_a_timer)
{
	ck_assert_int_eq(create(), AMR_OK);
	uplink_reconnect(u, 2000);
	stub_advance(0);
	ck_assert_uint_eq(stub_mq_live, 0);
	stub_mq_fail = stub_timer_fail = true;
	stub_advance(2000); /* the reconnect fails, its retry has no timer */
	ck_assert_uint_eq(stub_mq_live, 0);
	stub_advance(5000); /* the check retries, fails again */
	ck_assert_uint_eq(stub_mq_live, 0);
	stub_mq_fail = false;
	stub_advance(4999);
	ck_assert_uint_eq(stub_mq_live, 0);
	stub_advance(1);
	ck_assert_uint_eq(stub_mq_created, 2);
	ck_assert_uint_eq(stub_mq_live, 1);
}
END_TEST

static Suite *uplink_suite(void)
{
	Suite *s = suite_create("gw_uplink");
	TCase *tc = tcase_create("timers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_start_without_a_timer_is_an_error);
	tcase_add_test(tc, test_start_without_a_client_leaves_no_timer);
	tcase_add_test(tc, test_disconnect_on_time);
	tcase_add_test(tc, test_disconnect_without_timers_is_late_not_lost);
	tcase_add_test(tc, test_reconnect_retried_without_a_timer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(uplink_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
