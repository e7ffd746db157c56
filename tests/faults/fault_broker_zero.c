/*
 * The gateway killed (SIGKILL) at instants from 0 to 200 ms after a zero
 * command was typed on its console (docs/reliability.md, "Not fuzzed
 * yet"), with real programs: amr-sim -> amr-gateway -> Mosquitto ->
 * amr-ingest -> amr-archive on the test's loopback (netstack.h). The
 * meters stand still across each zero and 37 pulses are injected just
 * before it, so the count a zero takes away is known; the pulses before
 * the zero and after it must be counted once, whether the zero happened
 * before the kill or not.
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
	Suite *su = suite_create("fault_broker_zero");
	TCase *tc = tcase_create("zero");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, gateway_killed_around_a_zero_command);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
