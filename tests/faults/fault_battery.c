/*
 * UO-4 devices without mains for days (issue 18, docs/reliability.md,
 * "Faults: disk and power"), with the real pipeline: amr-sim (meters of
 * the mixed profile, simulated time at SPEED) -> amr-gateway -> Mosquitto
 * -> amr-ingest -> amr-archive.
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

#include "fault_disk_util.h"
#include "harness.h"

#define DEVICES 2
#define SPEED	"20000" /* a simulated day in 4.3 s */
#define DAY_S	86400LL

static struct harness h;
static struct fpipe p;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	fp_init(&p, &h, DEVICES);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* The simulator's clock, UTC seconds, from `status`. */
static long long sim_now(void)
{
	char buf[512], when[32];
	const char *t;
	struct tm tm = { 0 };

	fp_sim_ctl(&p, "status", buf, sizeof buf);
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
	fp_sim_ctl(&p, cmd, buf, sizeof buf);
	return strstr(buf, needle) != NULL;
}

static long long sum(long long t[FP_MAXDEV + 1][4], int addr)
{
	return t[addr][0] + t[addr][1] + t[addr][2] + t[addr][3];
}

/* An event of ingest on amr/v1/events/1 for addr (ingest writes "type"
 * then "addr", docs/protocol.md). */
static void expect_event(const char *type, int addr)
{
	char needle[96], *m;

	snprintf(needle, sizeof needle, "\"type\":\"%s\",\"addr\":%d", type, addr);
	m = harness_wait_message(&h, "amr/v1/events/1", needle, 20000);
	ck_assert_msg(m != NULL, "no %s event for device %d", type, addr);
	fprintf(stderr, "event: %s\n", m);
	free(m);
}

START_TEST(pulses_counted_on_battery_are_delivered)
{
	long long off1, off2, on_at, t_off[FP_MAXDEV + 1][4], t_on[FP_MAXDEV + 1][4],
		t_flat[FP_MAXDEV + 1][4], got[FP_MAXDEV + 1][4], moved;
	uint64_t real0;

	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/events/1"), 0);
	harness_spawn(&h, "amr-archive", (const char *[]){ NULL });
	ck_assert_int_eq(harness_wait_service(&h, "archive", 20000), 0);
	harness_spawn(&h, "amr-ingest", (const char *[]){ NULL });
	fp_start_sim(&p, "mixed", SPEED);
	/* the count starts at the gateway's first reading: hold the meters */
	fp_sim_ctl(&p, "pause", NULL, 0);
	fp_start_gateway(&p);
	fp_sim_ctl(&p, "resume", NULL, 0);
	fp_consume(&p, 2);

	real0 = harness_now_ms();
	fp_sim_ctl(&p, "mains off 2", NULL, 0);
	off2 = sim_now();
	off1 = off2 + DAY_S * 3 / 2;
	HARNESS_POLL_UNTIL(sim_now() >= off1, 60000);
	fp_sim_ctl(&p, "mains off 1", NULL, 0);
	off1 = sim_now();
	fp_totals(&p, t_off);
	on_at = off1 + DAY_S * 19 / 2;

	/* device 2's battery is flat 10 days after its mains went */
	HARNESS_POLL_UNTIL(dev_says(2, "power=off"), 120000);
	ck_assert_msg(dev_says(2, "power=off"), "device 2 never ran flat");
	fp_totals(&p, t_flat);
	HARNESS_POLL_UNTIL(sim_now() >= on_at, 120000);
	ck_assert_msg(dev_says(1, "power=on mains=off"), "device 1 is not on its battery");
	fp_totals(&p, t_on);
	/* before mains returns, the archive lacks what device 1 counted */
	ck_assert_int_eq(fp_archived(&p, got), 0);
	ck_assert_msg(sum(t_on, 1) - sum(t_off, 1) > 1000,
		      "device 1 counted %lld pulses on battery", sum(t_on, 1) - sum(t_off, 1));
	ck_assert_msg(sum(got, 1) < sum(t_on, 1) - sum(p.t0, 1),
		      "the archive has device 1's pulses before mains returned");
	/* a flat device counts nothing: these pulses are lost by design */
	ck_assert_int_eq(sum(t_on, 2), sum(t_flat, 2));
	fprintf(stderr,
		"on battery: device 1 counted %lld pulses in 9.5 simulated days; device 2 "
		"flat, %lld counted before; %.1f s real\n",
		sum(t_on, 1) - sum(t_off, 1), sum(t_flat, 2) - sum(t_off, 2),
		(double)(harness_now_ms() - real0) / 1000.0);

	fp_sim_ctl(&p, "mains on 1", NULL, 0);
	fp_sim_ctl(&p, "mains on 2", NULL, 0);
	expect_event("mains_lost", 1);
	expect_event("mains_restored", 1);
	expect_event("mains_restored", 2);
	HARNESS_POLL_UNTIL(dev_says(2, "power=on mains=on"), 10000);
	ck_assert_msg(dev_says(2, "power=on mains=on"), "device 2 did not boot on mains");
	fp_consume(&p, 3);
	fp_sim_ctl(&p, "pause", NULL, 0);
	/* the flat device booted from its FRAM: its totals went on from there */
	fp_totals(&p, t_on);
	ck_assert_int_ge(sum(t_on, 2), sum(t_flat, 2));
	moved = fp_check_conservation(&p, 60000);
	ck_assert_msg(moved > 1000, "only %lld pulses were counted", moved);
	fprintf(stderr, "battery run: %.1f s real, %.1f simulated days from the first mains loss\n",
		(double)(harness_now_ms() - real0) / 1000.0, (double)(sim_now() - off2) / DAY_S);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fault_battery");
	TCase *tc = tcase_create("mains");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, pulses_counted_on_battery_are_delivered);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
