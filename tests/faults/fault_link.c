/*
 * The gateway's link to the broker broken (issue 18, point 2), with real
 * programs: amr-sim (meters running at high speed) -> amr-gateway, in a
 * network namespace of its own -> veth -> Mosquitto -> amr-ingest ->
 * amr-archive (tests/faults/netns.h, netstack.h).
 *
 *   - partition: the gateway's end of the veth down for a simulated day
 *     (a minute at speed 1440), spool of 20 batches: it fills and merges;
 *     the link back, everything arrives;
 *   - loss: 30 % of the packets dropped at random both ways in the
 *     gateway's namespace (iptables' statistic match) for 40 s;
 *   - delay and flapping: the gateway connects through a TCP proxy in the
 *     test that delays every byte 150 ms each way and cuts the connection
 *     every 1.5..4 s, for 40 s.
 *
 * Each ends with pulse conservation: for every channel, the pulses the
 * archive holds equal the change of the device's own counter.
 * docs/reliability.md, "Faults: link and broker", has the figures.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "netproxy.h"
#include "netstack.h"

static struct netns ns;
static struct netstack s;
static pid_t runner; /* the main process: it alone deletes the namespaces */

static void setup(void)
{
	ns_setup(&s, &ns);
}

static void teardown(void)
{
	ns_teardown(&s);
}

/* Pulses the gateway's log says it merged in a full spool after mark. */
static int merges(long mark)
{
	return harness_log_count(&s.h, "amr-gateway", mark, "spool: full, merged");
}

START_TEST(partition_for_a_simulated_day)
{
	char cmd[120];
	uint64_t t;
	long mark;
	int pending;

	s.gw_extra[0] = "--spool-size=20";
	ns_start(&s, 4, "1440");
	ns_wait_archived(&s, 0, 30000);
	mark = harness_log_mark(&s.h, "amr-gateway");
	snprintf(cmd, sizeof cmd, "ip link set %s down", ns.veth_gw);
	ck_assert_int_eq(netns_sh(&ns, true, "%s", cmd), 0);
	t = harness_now_ms();
	/* a day of the meters' time, and the spool full and merging */
	HARNESS_POLL_UNTIL(harness_now_ms() - t >= 60000 && merges(mark) >= 20, 120000);
	ck_assert_msg(merges(mark) >= 20, "the gateway merged %d times in the partition",
		      merges(mark));
	fprintf(stderr, "partition: link down %.1f s, %d merges in the gateway's spool\n",
		(double)(harness_now_ms() - t) / 1000.0, merges(mark));
	harness_clear_inbox(&s.h);
	snprintf(cmd, sizeof cmd, "ip link set %s up", ns.veth_gw);
	ck_assert_int_eq(netns_sh(&ns, true, "%s", cmd), 0);
	/* the status it gives when it is back: the spool full */
	pending = ns_gw_pending(&s, "\"capacity\":20", 60000);
	ck_assert_msg(pending >= 0, "no status from the gateway after the partition");
	fprintf(stderr, "partition: first status after it: %d of 20 batches pending\n", pending);
	ns_conserved(&s, "partition", 120000);
	ck_assert_int_eq(ns_gw_pending(&s, "\"pending\":0,", 30000), 0);
}
END_TEST

/* Packets dropped by the rules in the gateway's namespace so far. */
static long long dropped(void)
{
	char cmd[200], *out;
	long long n = 0, v;
	int status;

	snprintf(cmd, sizeof cmd,
		 "ip netns exec %s iptables -L -v -n -x | awk '/statistic/ { print $1 }'", ns.gw);
	out = harness_run(&s.h, cmd, &status);
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		if (sscanf(line, "%lld", &v) == 1)
			n += v;
	free(out);
	return n;
}

START_TEST(random_loss_both_ways)
{
	long long before;
	uint64_t t;

	ns_start(&s, 4, "240");
	ns_wait_archived(&s, 0, 30000);
	ck_assert_int_eq(
		netns_sh(&ns, true,
			 "iptables -A INPUT -m statistic --mode random --probability 0.3 -j DROP "
			 "&& iptables -A OUTPUT -m statistic --mode random --probability 0.3 "
			 "-j DROP"),
		0);
	before = ns_archived_sum(&s);
	t = harness_now_ms();
	HARNESS_POLL_UNTIL(harness_now_ms() - t >= 40000, 60000);
	fprintf(stderr,
		"loss: 30 %% each way for %.1f s: %lld packets dropped, %lld pulses archived "
		"meanwhile\n",
		(double)(harness_now_ms() - t) / 1000.0, dropped(), ns_archived_sum(&s) - before);
	ck_assert_msg(dropped() > 10, "the rules dropped %lld packets", dropped());
	ck_assert_int_eq(netns_sh(&ns, true, "iptables -F INPUT && iptables -F OUTPUT"), 0);
	ns_conserved(&s, "loss", 120000);
}
END_TEST

START_TEST(delay_and_flapping_through_a_proxy)
{
	struct netproxy p;
	unsigned seed = (unsigned)getpid();
	uint64_t t;

	ck_assert_int_eq(netproxy_start(&p, ns.srv_addr, s.h.mqtt_port, 150, 1500, 4000, seed), 0);
	s.gw_port = p.port;
	ns_start(&s, 4, "240");
	ns_wait_archived(&s, 0, 30000);
	t = harness_now_ms();
	HARNESS_POLL_UNTIL(harness_now_ms() - t >= 40000, 60000);
	netproxy_flap(&p, false);
	fprintf(stderr,
		"proxy: 150 ms each way, cut every 1.5..4 s (seed %u): %u connections, %u cuts, "
		"%llu bytes in %.1f s\n",
		seed, __atomic_load_n(&p.accepted, __ATOMIC_SEQ_CST),
		__atomic_load_n(&p.cuts, __ATOMIC_SEQ_CST),
		__atomic_load_n(&p.bytes, __ATOMIC_SEQ_CST),
		(double)(harness_now_ms() - t) / 1000.0);
	ck_assert_uint_ge(__atomic_load_n(&p.cuts, __ATOMIC_SEQ_CST), 5);
	ns_conserved(&s, "proxy", 120000);
	netproxy_stop(&p);
}
END_TEST

static void cleanup(void)
{
	if (getpid() == runner) /* not in a test's forked child */
		netns_destroy(&ns);
}

int main(void)
{
	Suite *su = suite_create("fault_link");
	TCase *tc = tcase_create("link");
	SRunner *sr;
	int failed;

	runner = getpid();
	if (netns_create(&ns)) {
		fprintf(stderr, "fault_link: cannot make the network namespaces (root?)\n");
		return EXIT_FAILURE;
	}
	atexit(cleanup);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, partition_for_a_simulated_day);
	tcase_add_test(tc, random_loss_both_ways);
	tcase_add_test(tc, delay_and_flapping_through_a_proxy);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
