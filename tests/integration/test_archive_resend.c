/*
 * Integration tests of the archive's gap rule with a real Mosquitto and a
 * real amr-archive (and amr-ingest): batches carry "prev", the seq of the
 * gateway's batch before them. A batch whose prev is above the archive's
 * high-water mark follows a batch that never arrived; it is refused and not
 * acknowledged, so the gateway sends everything unacknowledged again, oldest
 * first, and the pulses land in the batches (and hours) they were counted
 * in. A gap nobody can fill is given up after --gap-wait seconds.
 *
 * The test process plays the gateway (tests/integration/archive_util.h).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive_util.h"

static struct harness h;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

/*
 * Batch seq of obj was refused: once the archive counts refused (its
 * amr_archive_gap_refused_total) the commit that took seq is over, and an
 * ack it made was published before the metrics answer; none came, and the
 * mark is still at mark.
 */
static void assert_refused(int obj, uint64_t seq, uint64_t mark, long long refused)
{
	long long n = 0;

	for (int i = 0; i < 200 && (n = arc_metric(&h, "amr_archive_gap_refused_total")) < refused;
	     i++)
		harness_sleep_ms(50);
	ck_assert_msg(n >= refused, "%lld gaps refused, not %lld", n, refused);
	ck_assert_msg(!arc_ack_seen(&h, obj, seq, 0), "seq %llu acknowledged across a gap",
		      (unsigned long long)seq);
	ck_assert_uint_eq(arc_hwm(&h, obj), mark);
}

START_TEST(gap_is_refused_until_the_gateway_sends_again)
{
	int64_t t0 = (int64_t)time(NULL) - 3600;
	struct agw g;

	arc_start(&h, (const char *const[]){ "--gap-wait=600", NULL });
	agw_init(&g, &h, 11, 16);
	g.chain = true;
	agw_send(&g, t0);	/* seq 1, prev 0 */
	agw_send(&g, t0 + 600); /* seq 2, prev 1 */
	arc_wait_ack(&h, 11, 2, 10000);
	agw_make(&g, t0 + 1200); /* seq 3: lost on the way */
	agw_send(&g, t0 + 1800); /* seq 4, prev 3 */
	assert_refused(11, 4, 2, 1);
	ck_assert_int_eq(arc_metric(&h, "amr_archive_gap_refused_total"), 1);
	/* the gateway, without an ack, sends 3 and 4 again */
	agw_resend(&g, 2);
	arc_wait_ack(&h, 11, 4, 10000);
	ck_assert_uint_eq(arc_hwm(&h, 11), 4);
	arc_check_conservation(&h, &g);
	/* each batch's pulses were counted in it: the gateway's deltas agree */
	ck_assert_int_eq(arc_metric(&h, "amr_archive_delta_mismatch_total"), 0);
	ck_assert_int_eq(arc_metric(&h, "amr_archive_gap_given_up_total"), 0);
	agw_free(&g);
}
END_TEST

START_TEST(broker_restarted_without_persistence)
{
	int64_t t0 = (int64_t)time(NULL) - 3600;
	char cmd[600], *out;
	int status;
	struct agw g;
	pid_t p;

	p = arc_start(&h, (const char *const[]){ "--gap-wait=600", NULL });
	agw_init(&g, &h, 12, 16);
	g.chain = true;
	agw_send(&g, t0);
	agw_send(&g, t0 + 60);
	arc_wait_ack(&h, 12, 2, 10000);
	/* the archive is away; seq 3 waits at the broker in its session (the
	 * broker has it once it comes back to the probe)... */
	harness_kill(&h, p, SIGKILL);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/readings/12"), 0);
	agw_send(&g, t0 + 120);
	free(harness_wait_message(&h, "amr/v1/readings/12", "\"seq\":3,", 5000)
		     ?: (ck_abort_msg("seq 3 never reached the broker"), NULL));
	/* ...and the broker dies and comes back without its persistence */
	harness_broker_kill(&h, SIGKILL);
	snprintf(cmd, sizeof cmd, "rm -f %s/broker/mosquitto.db", h.dir);
	out = harness_run(&h, cmd, &status);
	free(out);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(harness_broker_start(&h), 0);
	arc_start(&h, (const char *const[]){ "--gap-wait=600", NULL });
	ck_assert_uint_eq(arc_hwm(&h, 12), 2);
	/* the next batch comes: without prev the mark would jump over 3 */
	agw_send(&g, t0 + 180);
	assert_refused(12, 4, 2, 1);
	agw_send(&g, t0 + 240);
	assert_refused(12, 5, 2, 2);
	ck_assert_int_eq(arc_metric(&h, "amr_archive_gap_refused_total"), 2);
	/* the gateway's resend repairs it */
	agw_resend(&g, 2);
	arc_wait_ack(&h, 12, 5, 10000);
	arc_check_conservation(&h, &g);
	ck_assert_int_eq(arc_metric(&h, "amr_archive_delta_mismatch_total"), 0);
	agw_free(&g);
}
END_TEST

START_TEST(gap_nobody_can_fill_is_given_up)
{
	int64_t t0 = (int64_t)time(NULL) - 3600;
	struct agw g;

	/* the gateway no longer has seq 3 (say the archive was restored from a
	 * backup older than its last ack): waiting cannot help */
	arc_start(&h, (const char *const[]){ "--gap-wait=2", NULL });
	agw_init(&g, &h, 13, 16);
	g.chain = true;
	agw_send(&g, t0);
	agw_send(&g, t0 + 60);
	arc_wait_ack(&h, 13, 2, 10000);
	agw_make(&g, t0 + 120);
	free(g.sent[3]);
	g.sent[3] = NULL;
	agw_send(&g, t0 + 180);
	assert_refused(13, 4, 2, 1);
	/* the gateway sends the batch again until the gap wait (2 s, counted
	 * in whole seconds) has run out: then it goes in, and the pulses of
	 * the missing batch come from the totals */
	{
		uint64_t end = harness_now_ms() + 10000;
		bool taken = false;

		while (!taken && harness_now_ms() < end) {
			arc_publish(&h, "amr/v1/readings/13", g.sent[4]);
			taken = arc_ack_seen(&h, 13, 4, 500);
		}
		ck_assert_msg(taken, "the batch after the gap was never taken");
	}
	arc_check_conservation(&h, &g);
	ck_assert_int_eq(arc_metric(&h, "amr_archive_gap_given_up_total"), 1);
	ck_assert_int_ge(arc_metric(&h, "amr_archive_gap_refused_total"), 1);
	agw_free(&g);
}
END_TEST

START_TEST(gap_through_ingest)
{
	int64_t now = (int64_t)time(NULL);
	struct agw g;
	char *m;

	arc_start(&h, NULL); /* the default gap wait, 90 s */
	ck_assert_int_gt(harness_spawn(&h, "amr-ingest", (const char *[]){ NULL }), 0);
	m = harness_wait_message(&h, "amr/v1/svc/ingest/status", "\"online\":true", 15000);
	ck_assert_ptr_nonnull(m);
	free(m);
	ck_assert_int_eq(harness_wait_service(&h, "ingest", 10000), 0); /* subscribed */
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/deadletter"), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/readings/14"), 0);
	/* the gateway's own payloads on amr/v1/gw/14/up */
	agw_init(&g, &h, 14, 16);
	g.chain = true;
	g.up = true;
	agw_send(&g, now - 40);
	agw_send(&g, now - 30);
	arc_wait_ack(&h, 14, 2, 10000);
	agw_make(&g, now - 20);
	agw_send(&g, now - 10);
	/* ingest passes prev on; the archive refuses the batch */
	m = harness_wait_message(&h, "amr/v1/readings/14", "\"seq\":4,\"prev\":3", 5000);
	ck_assert_ptr_nonnull(m);
	free(m);
	assert_refused(14, 4, 2, 1);
	agw_resend(&g, 2);
	arc_wait_ack(&h, 14, 4, 10000);
	arc_check_conservation(&h, &g);
	ck_assert_int_eq(arc_metric(&h, "amr_archive_delta_mismatch_total"), 0);
	/* ingest dead-letters as a message comes, the archive before it commits:
	 * after ingest's answer and the archive's ack, any would be here */
	ck_assert_int_eq(harness_barrier(&h, "ingest", 5000), 0);
	m = harness_wait_message(&h, "amr/v1/deadletter", NULL, 0);
	ck_assert_msg(m == NULL, "dead letter: %s", m);
	agw_free(&g);
}
END_TEST

Suite *archive_resend_suite(void)
{
	Suite *s = suite_create("archive_resend");
	TCase *tc = tcase_create("resend");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, gap_is_refused_until_the_gateway_sends_again);
	tcase_add_test(tc, broker_restarted_without_persistence);
	tcase_add_test(tc, gap_nobody_can_fill_is_given_up);
	tcase_add_test(tc, gap_through_ingest);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_resend_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
