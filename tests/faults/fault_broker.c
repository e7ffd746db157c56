/*
 * The broker restarted under a running pipeline (issue 18, point 2), with
 * real programs: amr-sim
 * (meters running) -> amr-gateway -> Mosquitto -> amr-ingest -> amr-archive
 * (tests/faults/netstack.h), all on the test's loopback.
 *
 *   - the broker stopped (SIGTERM) and killed (SIGKILL) while the gateway
 *     goes on storing batches, and started again on the same port with its
 *     persistence file: sessions and queued messages as it saved them;
 *   - killed and started without the file: the sessions of ingest and the
 *     archive, their subscriptions and every QoS 1 message in flight are
 *     gone. The archive is held (SIGSTOP) until the gateway has resent its
 *     spool into the void and made new batches, so it sees a batch whose
 *     predecessor never came: it must refuse it (docs/protocol.md,
 *     "Delivery guarantee", point 3) and the gateway's resend repair it;
 *
 * Each ends with pulse conservation against the simulator's counters.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_util.h"
#include "gw_archive.h"
#include "netstack.h"

static struct netstack s;

static void setup(void)
{
	ns_setup(&s, NULL);
}

static void teardown(void)
{
	ns_teardown(&s);
}

/* Lines of the gateway's log after mark holding needle. */
static int gw_log(long mark, const char *needle)
{
	return harness_log_count(&s.h, "amr-gateway", mark, needle);
}

/* The services answer the probe again: the clients' reconnect intervals
 * grew while the broker was away (up to 30 s, lib/mq.c). */
static void services_back(bool archive)
{
	if (archive)
		ck_assert_int_eq(harness_wait_service(&s.h, "archive", 60000), 0);
	ck_assert_int_eq(harness_wait_service(&s.h, "ingest", 60000), 0);
}

/* The broker down while the gateway stores n batches, then back with
 * (keep) or without its persistence file. */
static void broker_outage(int sig, bool keep, int n)
{
	long mark = harness_log_mark(&s.h, "amr-gateway");

	harness_broker_kill(&s.h, sig);
	HARNESS_POLL_UNTIL(gw_batches_stored(&s.h, mark) >= n, 30000);
	ck_assert_int_ge(gw_batches_stored(&s.h, mark), n);
	ck_assert_int_eq(harness_broker_restart(&s.h, keep), 0);
}

START_TEST(broker_restarted_with_its_persistence)
{
	ns_start(&s, 4, "240");
	ns_wait_archived(&s, 0, 30000);
	broker_outage(SIGTERM, true, 5);
	services_back(true);
	ns_wait_archived(&s, ns_archived_sum(&s), 60000);
	broker_outage(SIGKILL, true, 5);
	services_back(true);
	ns_conserved(&s, "broker with persistence", 60000);
	ck_assert_int_eq(arc_metric(&s.h, "amr_archive_gap_given_up_total"), 0);
}
END_TEST

START_TEST(broker_restarted_without_its_persistence)
{
	long mark;
	long long refused;

	/* the resend timer seldom comes before the gateway's next batch
	 * once the archive is back (the chain resent in order hides the gap) */
	s.gw_extra[0] = "--resend=10";
	ns_start(&s, 4, "240");
	ns_wait_archived(&s, 0, 30000);
	ck_assert_int_eq(arc_metric(&s.h, "amr_archive_gap_refused_total"), 0);
	kill(s.archive, SIGSTOP);
	mark = harness_log_mark(&s.h, "amr-gateway");
	broker_outage(SIGKILL, false, 3);
	services_back(false);
	/* the gateway back on the new broker, its spool sent again to no one
	 * (the archive's subscription is gone), and newer batches after it */
	HARNESS_POLL_UNTIL(gw_log(mark, "mq: connected") >= 1, 60000);
	ck_assert_int_ge(gw_log(mark, "mq: connected"), 1);
	mark = harness_log_mark(&s.h, "amr-gateway");
	HARNESS_POLL_UNTIL(gw_batches_stored(&s.h, mark) >= 3, 30000);
	ck_assert_int_ge(gw_batches_stored(&s.h, mark), 3);
	kill(s.archive, SIGCONT);
	services_back(true);
	refused = 0;
	HARNESS_POLL_UNTIL((refused = arc_metric(&s.h, "amr_archive_gap_refused_total")) >= 1,
			   30000);
	ck_assert_msg(refused >= 1, "the archive refused no gap after the broker lost its state");
	ns_conserved(&s, "broker without persistence", 60000);
	ck_assert_int_eq(arc_metric(&s.h, "amr_archive_gap_given_up_total"), 0);
	ck_assert_msg(gw_log(0, "sending again") >= 1, "the gateway never sent its spool again");
	fprintf(stderr,
		"broker without persistence: %lld batches refused as a gap, %d resends by the "
		"gateway\n",
		arc_metric(&s.h, "amr_archive_gap_refused_total"), gw_log(0, "sending again"));
}
END_TEST

int main(void)
{
	Suite *su = suite_create("fault_broker");
	TCase *tc = tcase_create("broker");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, broker_restarted_with_its_persistence);
	tcase_add_test(tc, broker_restarted_without_its_persistence);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
