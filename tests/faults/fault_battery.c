/*
 * UO-4 devices without mains for days (issue 18, docs/reliability.md,
 * "Faults: disk and power"), with the real pipeline: amr-sim (meters of
 * the mixed profile, simulated time at SPEED) -> amr-gateway -> Mosquitto
 * -> amr-ingest -> amr-archive, all on the test's loopback (netstack.h).
 *
 * Device 1 loses mains for 9.5 simulated days: it is silent on the bus
 * and counts on its battery (which lasts 10 days, docs/uo4.md). Device 2
 * loses mains for 11: its battery goes flat after 10, and the pulses of
 * the last day are lost by design (the device is off). When mains
 * returns, the gateway reads both totals again and sends the difference
 * to its baseline: for every channel the archive must hold exactly the
 * change of the device's counter over the whole span, and ingest must have
 * told mains_lost and mains_restored.
 */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netstack.h"

#define DEVICES 2
#define SPEED	"20000" /* a simulated day in 4.3 s */
#define DAY_S	86400LL

static struct netstack s;

static void setup(void)
{
	ns_setup(&s, NULL);
}

static void teardown(void)
{
	ns_teardown(&s);
}

/* The simulator's clock, UTC seconds, from `status`. */
static long long sim_now(void)
{
	char buf[512], when[32];
	const char *t;
	struct tm tm = { 0 };

	ns_sim_ask(&s, "status", buf, sizeof buf);
	ck_assert_ptr_nonnull(t = strstr(buf, "sim_time="));
	ck_assert_int_eq(sscanf(t, "sim_time=%31s", when), 1);
	ck_assert_ptr_nonnull(strptime(when, "%Y-%m-%dT%H:%M:%SZ", &tm));
	return (long long)timegm(&tm);
}

/* True once device addr's `status` line holds needle. */
static bool dev_says(int addr, const char *needle)
{
	char cmd[32], buf[1024];

	snprintf(cmd, sizeof cmd, "status %d", addr);
	ns_sim_ask(&s, cmd, buf, sizeof buf);
	return strstr(buf, needle) != NULL;
}

static long long sum(long long t[NS_DEVICES_MAX + 1][4], int addr)
{
	return t[addr][0] + t[addr][1] + t[addr][2] + t[addr][3];
}

/* An event of ingest on amr/v1/events/1 for addr (ingest writes "type"
 * then "addr", docs/protocol.md). */
static void expect_event(const char *type, int addr)
{
	char needle[96], *m;

	snprintf(needle, sizeof needle, "\"type\":\"%s\",\"addr\":%d", type, addr);
	m = harness_wait_message(&s.h, "amr/v1/events/1", needle, 20000);
	ck_assert_msg(m != NULL, "no %s event for device %d", type, addr);
	fprintf(stderr, "event: %s\n", m);
	free(m);
}

START_TEST(pulses_counted_on_battery_are_delivered)
{
	long long off1, off2, on_at, t_off[NS_DEVICES_MAX + 1][4], t_on[NS_DEVICES_MAX + 1][4],
		t_flat[NS_DEVICES_MAX + 1][4], got[NS_DEVICES_MAX + 1][4], moved;
	uint64_t real0;

	ck_assert_int_eq(harness_subscribe(&s.h, "amr/v1/events/1"), 0);
	ns_start(&s, DEVICES, SPEED);
	ns_consume(&s, 2);

	real0 = harness_now_ms();
	ns_sim(&s, "mains off 2");
	off2 = sim_now();
	off1 = off2 + DAY_S * 3 / 2;
	HARNESS_POLL_UNTIL(sim_now() >= off1, 60000);
	ns_sim(&s, "mains off 1");
	off1 = sim_now();
	ns_totals(&s, t_off);
	on_at = off1 + DAY_S * 19 / 2;

	/* device 2's battery is flat 10 days after its mains went */
	HARNESS_POLL_UNTIL(dev_says(2, "power=off"), 120000);
	ck_assert_msg(dev_says(2, "power=off"), "device 2 never ran flat");
	ns_totals(&s, t_flat);
	HARNESS_POLL_UNTIL(sim_now() >= on_at, 120000);
	ck_assert_msg(dev_says(1, "power=on mains=off"), "device 1 is not on its battery");
	ns_totals(&s, t_on);
	/* before mains returns, the archive lacks what device 1 counted */
	ns_archived(&s, got);
	ck_assert_msg(sum(t_on, 1) - sum(t_off, 1) > 1000,
		      "device 1 counted %lld pulses on battery", sum(t_on, 1) - sum(t_off, 1));
	ck_assert_msg(sum(got, 1) < sum(t_on, 1) - sum(s.t0, 1),
		      "the archive has device 1's pulses before mains returned");
	/* a flat device counts nothing: these pulses are lost by design */
	ck_assert_int_eq(sum(t_on, 2), sum(t_flat, 2));
	fprintf(stderr,
		"on battery: device 1 counted %lld pulses in 9.5 simulated days; device 2 "
		"flat, %lld counted before; %.1f s real\n",
		sum(t_on, 1) - sum(t_off, 1), sum(t_flat, 2) - sum(t_off, 2),
		(double)(harness_now_ms() - real0) / 1000.0);

	ns_sim(&s, "mains on 1");
	ns_sim(&s, "mains on 2");
	expect_event("mains_lost", 1);
	expect_event("mains_restored", 1);
	expect_event("mains_restored", 2);
	HARNESS_POLL_UNTIL(dev_says(2, "power=on mains=on"), 10000);
	ck_assert_msg(dev_says(2, "power=on mains=on"), "device 2 did not boot on mains");
	ns_consume(&s, 3);
	ns_sim(&s, "pause");
	/* the flat device booted from its FRAM: its totals went on from there */
	ns_totals(&s, t_on);
	ck_assert_int_ge(sum(t_on, 2), sum(t_flat, 2));
	moved = ns_conserved(&s, "battery", 60000);
	ck_assert_msg(moved > 1000, "only %lld pulses were counted", moved);
	fprintf(stderr, "battery run: %.1f s real, %.1f simulated days from the first mains loss\n",
		(double)(harness_now_ms() - real0) / 1000.0, (double)(sim_now() - off2) / DAY_S);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("fault_battery");
	TCase *tc = tcase_create("mains");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, pulses_counted_on_battery_are_delivered);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
