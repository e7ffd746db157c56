/*
 * The broker restarted under a running pipeline (issue 18, point 2), and
 * the gateway killed around a zero command, with real programs: amr-sim
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
 *   - the gateway killed (SIGKILL) at instants from 0 to 200 ms after a
 *     zero command was typed on its console (docs/reliability.md, "Not
 *     fuzzed yet"): the pulses before the zero and after it are counted
 *     once, whether the zero happened or not.
 *
 * Each ends with pulse conservation against the simulator's counters.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
	ns_wait_archived(&s, ns_archived_sum(&s), 60000);
	broker_outage(SIGKILL, true, 5);
	ns_conserved(&s, "broker with persistence", 60000);
	ck_assert_int_eq(arc_metric(&s.h, "amr_archive_gap_given_up_total"), 0);
}
END_TEST

START_TEST(broker_restarted_without_its_persistence)
{
	long mark;
	long long refused;

	ns_start(&s, 4, "240");
	ns_wait_archived(&s, 0, 30000);
	ck_assert_int_eq(arc_metric(&s.h, "amr_archive_gap_refused_total"), 0);
	kill(s.archive, SIGSTOP);
	mark = harness_log_mark(&s.h, "amr-gateway");
	broker_outage(SIGKILL, false, 3);
	/* the gateway back on the new broker, its spool sent again to no one
	 * (the archive's subscription is gone), and newer batches after it */
	HARNESS_POLL_UNTIL(gw_log(mark, "mq: connected") >= 1, 60000);
	ck_assert_int_ge(gw_log(mark, "mq: connected"), 1);
	mark = harness_log_mark(&s.h, "amr-gateway");
	HARNESS_POLL_UNTIL(gw_batches_stored(&s.h, mark) >= 3, 30000);
	ck_assert_int_ge(gw_batches_stored(&s.h, mark), 3);
	kill(s.archive, SIGCONT);
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

/* ---- the console, over a plain TCP connection (no Telnet answers: no
 * echo, docs/gateway.md) ---- */

static int console_dial(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)atoi(getenv("AMR_CONSOLE_PORT"))) };
	int fd = -1;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	HARNESS_POLL_UNTIL((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0 &&
				   (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 ||
				    (close(fd), fd = -1, false)),
			   15000);
	ck_assert_msg(fd >= 0, "the gateway's console does not answer");
	return fd;
}

/* Read until the prompt ">> " or ms; Telnet commands dropped. */
static void console_hear(int fd, char *buf, size_t size, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	uint64_t end = harness_now_ms() + (uint64_t)ms;
	size_t n = 0;

	buf[0] = '\0';
	while (harness_now_ms() < end && n + 1 < size &&
	       !(n >= 3 && !memcmp(buf + n - 3, ">> ", 3))) {
		unsigned char got[512];
		ssize_t r;

		if (poll(&p, 1, 100) <= 0)
			continue;
		if ((r = recv(fd, got, sizeof got, 0)) <= 0)
			return;
		for (ssize_t i = 0; i < r && n + 1 < size; i++) {
			if (got[i] == 255) {
				i += 2;
				continue;
			}
			if (got[i])
				buf[n++] = (char)got[i];
		}
		buf[n] = '\0';
	}
}

START_TEST(gateway_killed_around_a_zero_command)
{
	static const int delays_ms[] = { 0, 2, 5, 10, 20, 40, 80, 120, 200 };
	long long t[NS_DEVICES_MAX + 1][4];
	int zeroed = 0;
	char out[2048];

	ns_start(&s, 2, "240");
	ns_wait_archived(&s, 0, 30000);
	for (size_t i = 0; i < sizeof delays_ms / sizeof *delays_ms; i++) {
		unsigned ch = 1 + i % 4;
		long long before;
		char line[64], cmd[64];
		int fd = console_dial();

		console_hear(fd, out, sizeof out, 10000);
		ck_assert_msg(strstr(out, "Hello!"), "no greeting: %s", out);
		/* the meters stand still across the zero, so the count it
		 * takes away is known: the total now, pulses injected and not
		 * yet in a batch included */
		ns_sim(&s, "pause");
		snprintf(cmd, sizeof cmd, "pulse 1 %u 37", ch);
		ns_sim(&s, cmd);
		ns_totals(&s, t);
		before = t[1][ch - 1];
		snprintf(line, sizeof line, "zero ch=%u addr=001\r\n", ch);
		ck_assert_int_eq(send(fd, line, strlen(line), MSG_NOSIGNAL), (ssize_t)strlen(line));
		harness_sleep_ms(delays_ms[i]); /* the instant of the cut, not a wait */
		harness_kill(&s.h, s.gateway, SIGKILL);
		close(fd);
		ns_totals(&s, t);
		if (t[1][ch - 1] != before) {
			ck_assert_int_eq(t[1][ch - 1], 0);
			s.zeroed[1][ch - 1] += before;
			zeroed++;
		}
		ns_sim(&s, "resume");
		ns_gateway(&s);
		ns_wait_archived(&s, ns_archived_sum(&s), 30000);
	}
	fprintf(stderr, "zero and kill: %d of %zu zero commands done before the kill\n", zeroed,
		sizeof delays_ms / sizeof *delays_ms);
	ck_assert_int_gt(zeroed, 0);
	ns_conserved(&s, "zero and kill", 60000);
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
	tcase_add_test(tc, gateway_killed_around_a_zero_command);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
