/*
 * Integration tests of amr-gateway with a real Mosquitto, a real amr-sim
 * and a subscriber that acknowledges like the archive:
 *  - telemetry appears on amr/v1/gw/1/up, status retained with the LCD;
 *  - the broker (losing the archive's session), then the gateway, then both
 *    killed with SIGKILL during a run lose no pulse and count none twice
 *    (summed deltas = the simulator's totals);
 *  - server commands: block read back, repeated id not executed again,
 *    expired command refused;
 *  - device entries carry the outputs read from the device: from the start,
 *    after a block and an unblock, and again after mains came back.
 */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/harness.h"
#include "gw_archive.h"

#define DEVICES 8

static struct harness h;
static char bus[300], ctl[300], simstate[300], port[16];

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	snprintf(bus, sizeof bus, "%s/bus", h.dir);
	snprintf(ctl, sizeof ctl, "%s/sim.sock", h.dir);
	snprintf(simstate, sizeof simstate, "%s/sim", h.dir);
	snprintf(port, sizeof port, "%d", harness_free_port());
}

static void teardown(void)
{
	gw_archive_stop();
	harness_stop(&h);
}

/* Wait for a message; fail the test if none comes. */
static void expect(struct harness *hh, const char *filter, const char *needle, int ms)
{
	char *msg = harness_wait_message(hh, filter, needle, ms);

	ck_assert_msg(msg != NULL, "no message on %s with %s", filter, needle ? needle : "-");
	free(msg);
}

/*
 * Wait for a batch whose devices entry of addr has "outputs" equal to want
 * (e.g. "[0,1,0,0]"); fail the test if none comes within ms.
 */
static void expect_outputs(unsigned addr, const char *want, int ms)
{
	char needle[64];
	bool found = false;

	snprintf(needle, sizeof needle, "\"outputs\":%s", want);
	for (int waited = 0; !found && waited < ms; waited += 500) {
		char *msg = harness_wait_message(&h, "amr/v1/gw/1/up", needle, 500);
		json_t *b = msg ? json_loads(msg, 0, NULL) : NULL, *d;
		size_t i;

		json_array_foreach(json_object_get(b, "devices"), i, d) {
			char *out = json_dumps(json_object_get(d, "outputs"), JSON_COMPACT);

			found = found || (json_integer_value(json_object_get(d, "addr")) == addr &&
					  out && strcmp(out, want) == 0);
			free(out);
		}
		json_decref(b);
		free(msg);
		if (!found)
			harness_clear_inbox(&h); /* the next batch, not this one again */
	}
	ck_assert_msg(found, "no batch with device %u outputs %s", addr, want);
}

static pid_t start_sim(void)
{
	const char *args[] = { "--bus",	    bus, "--devices", "8",	"--speed", "300",
			       "--control", ctl, "--state",   simstate, NULL };
	pid_t pid = harness_spawn(&h, "amr-sim", args);
	char buf[256];

	ck_assert_int_gt(pid, 0);
	for (int i = 0; i < 100 && gw_sim_ctl(ctl, "status", false, buf, sizeof buf) != 0; i++)
		harness_sleep_ms(50);
	return pid;
}

/* The gateway logs at debug level: its log says when it stored a batch
 * (gw_batches_stored()). */
static pid_t start_gateway(void)
{
	const char *args[] = {
		"--serial",	      bus,     "--poll",   "1-8", "--batch-interval", "1",
		"--poll-interval-ms", "200",   "--resend", "10",  "--console-port",   port,
		"--log-level",	      "debug", NULL
	};
	pid_t pid = harness_spawn(&h, "amr-gateway", args);

	ck_assert_int_gt(pid, 0);
	return pid;
}

/* The simulator's totals: sim[addr][ch - 1]. */
static void sim_totals(long long sim[DEVICES + 1][4])
{
	char buf[8192];

	ck_assert_int_eq(gw_sim_ctl(ctl, "totals", true, buf, sizeof buf), 0);
	memset(sim, 0, sizeof(long long) * (DEVICES + 1) * 4);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned a, c;
		long long t;

		if (sscanf(line, "%u %u %lld", &a, &c, &t) == 3 && a >= 1 && a <= DEVICES &&
		    c >= 1 && c <= 4)
			sim[a][c - 1] = t;
	}
}

/* The sum of the simulator's totals. */
static long long sim_sum(void)
{
	long long sim[DEVICES + 1][4], sum = 0;

	sim_totals(sim);
	for (int a = 1; a <= DEVICES; a++)
		for (int c = 0; c < 4; c++)
			sum += sim[a][c];
	return sum;
}

/* Wait until the meters have counted since the call (the simulator's
 * totals moved); fails the test after ms. */
static void meters_count(int ms)
{
	long long before = sim_sum();

	HARNESS_POLL_UNTIL(sim_sum() > before, ms);
	ck_assert_msg(sim_sum() > before, "the meters counted nothing in %d ms", ms);
}

/* Wait until the gateway has stored n batches since its log was at mark;
 * fails the test after ms. */
static void gateway_stores(long mark, int n, int ms)
{
	HARNESS_POLL_UNTIL(gw_batches_stored(&h, mark) >= n, ms);
	ck_assert_msg(gw_batches_stored(&h, mark) >= n, "the gateway stored %d batches, not %d",
		      gw_batches_stored(&h, mark), n);
}

/* Wait until the archive has the simulator's totals for every channel, then
 * check pulse conservation. The totals are read again each time: a pulse
 * under way when the generators paused still ends. */
static void check_conservation(void)
{
	static struct gw_archive_sums s;
	char buf[256];
	long long sim[DEVICES + 1][4];
	bool same = false;

	ck_assert_int_eq(gw_sim_ctl(ctl, "pause", false, buf, sizeof buf), 0);
	for (int i = 0; i < 300 && !same; i++) {
		if (i)
			harness_sleep_ms(100);
		sim_totals(sim);
		gw_archive_get(&s);
		same = true;
		for (int a = 1; a <= DEVICES; a++)
			for (int c = 0; c < 4; c++)
				same = same && s.last[a][c] == sim[a][c];
	}
	ck_assert_msg(same, "the archive never caught up with the simulator's totals");
	ck_assert_uint_eq(s.negative, 0);
	long long pulses = 0;
	for (int a = 1; a <= DEVICES; a++) {
		for (int c = 0; c < 4; c++) {
			ck_assert_msg(s.first[a][c] >= 0, "channel %d.%d never published", a,
				      c + 1);
			ck_assert_msg(s.sum[a][c] == sim[a][c] - s.first[a][c],
				      "channel %d.%d: deltas %lld, totals moved %lld", a, c + 1,
				      s.sum[a][c], sim[a][c] - s.first[a][c]);
			pulses += s.sum[a][c];
		}
	}
	fprintf(stderr,
		"conservation: %u batches stored, %u repeats ignored, %u refused "
		"for a gap, %lld pulses\n",
		s.stored, s.dups, s.gaps, pulses);
	ck_assert_uint_eq(s.reordered, 0);
	ck_assert_int_gt(pulses, 100);
}

START_TEST(test_telemetry_and_status)
{
	char *msg;

	start_sim();
	start_gateway();
	msg = harness_wait_message(&h, "amr/v1/gw/1/up", "\"readings\":[{\"addr\":1,", 15000);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "{\"seq\":"));
	ck_assert_ptr_nonnull(strstr(msg, "\"devices\":["));
	free(msg);
	/* the boot event is in the gateway's first batch, which need not hold
	 * a reading of device 1 when the machine is busy */
	msg = harness_wait_message(&h, "amr/v1/gw/1/up", "\"type\":\"gateway_boot\"", 15000);
	ck_assert_ptr_nonnull(msg);
	free(msg);
	/* the coils are read when a device comes online: nothing blocked */
	expect_outputs(1, "[0,0,0,0]", 15000);
	expect_outputs(8, "[0,0,0,0]", 15000);
	msg = harness_wait_message(&h, "amr/v1/gw/1/status", "\"responding\":8", 15000);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "\"online\":true"));
	ck_assert_ptr_nonnull(strstr(msg, "\"lcd\":[\"UO-4 8/8\",\"Server: on\"]"));
	ck_assert_ptr_nonnull(strstr(msg, "\"capacity\":10000"));
	free(msg);
}
END_TEST

/* Wait until the archive has stored more than n batches (fails the test
 * after ms); returns how many it has. */
static unsigned stored_beyond(unsigned n, int ms)
{
	static struct gw_archive_sums s;

	for (int waited = 0;; waited += 50) {
		gw_archive_get(&s);
		if (s.stored > n || waited >= ms)
			break;
		harness_sleep_ms(50);
	}
	ck_assert_msg(s.stored > n, "the archive stored no batch after its %u", n);
	return s.stored;
}

/* Wait for the gateway's next batch on amr/v1/gw/1/up (the probe's view). */
static void next_batch(int ms)
{
	harness_clear_inbox(&h);
	expect(&h, "amr/v1/gw/1/up", "{\"seq\":", ms);
}

START_TEST(test_kill_broker_and_gateway_lose_nothing)
{
	static struct gw_archive_sums s;
	unsigned stored;
	long mark;
	pid_t gw;

	ck_assert_int_eq(gw_archive_start(&h, 1, false), 0);
	start_sim();
	gw = start_gateway();
	expect(&h, "amr/v1/gw/1/up", NULL, 15000);
	stored = stored_beyond(2, 15000);
	/* the archive goes away and comes back with a new session: batches
	 * published meanwhile are lost at the broker, the next ones arrive
	 * after a gap and must be refused until the gateway sends again (its
	 * resend interval, 10 s, is longer than the archive's absence, a batch
	 * and a reconnect of a second client of this process (paho.mqtt.c
	 * issue 1430: a second or two, more on a loaded machine), so a new
	 * batch always comes before the resend) */
	gw_archive_stop();
	next_batch(5000); /* lost */
	ck_assert_int_eq(gw_archive_start(&h, 1, true), 0);
	for (int waited = 0; waited < 15000; waited += 50) {
		gw_archive_get(&s);
		if (s.gaps > 0 && s.stored > stored)
			break;
		harness_sleep_ms(50);
	}
	ck_assert_msg(s.gaps > 0, "no gap was seen");
	stored = stored_beyond(stored, 15000); /* the resend filled it */
	/* the broker dies without a word while the gateway makes a batch or
	 * two (every second), and comes back: two stored after the kill, as
	 * the first may have been made just before it */
	mark = harness_log_mark(&h, "amr-gateway");
	harness_broker_kill(&h, SIGKILL);
	gateway_stores(mark, 2, 10000);
	ck_assert_int_eq(harness_broker_start(&h), 0);
	stored = stored_beyond(stored + 1, 20000);
	/* the gateway dies without a word while the meters count, and comes
	 * back */
	harness_kill(&h, gw, SIGKILL);
	meters_count(10000);
	gw = start_gateway();
	stored = stored_beyond(stored, 20000);
	/* both at once */
	harness_broker_kill(&h, SIGKILL);
	harness_kill(&h, gw, SIGKILL);
	meters_count(10000);
	ck_assert_int_eq(harness_broker_start(&h), 0);
	start_gateway();
	stored_beyond(stored, 20000);
	check_conservation();
}
END_TEST

START_TEST(test_commands)
{
	char *msg, buf[256];

	start_sim();
	start_gateway();
	expect(&h, "amr/v1/gw/1/status", "\"responding\":8", 15000);
	harness_subscribe(&h, "amr/v1/gw/1/cmd/result");
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/1/cmd",
					 "{\"id\":\"b1\",\"cmd\":\"block\",\"addr\":3,\"out\":2}",
					 1, false),
			 0);
	msg = harness_wait_message(&h, "amr/v1/gw/1/cmd/result", "\"id\":\"b1\"", 10000);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "\"ok\":true"));
	ck_assert_ptr_nonnull(strstr(msg, "Output 2 of device 003 blocked"));
	free(msg);
	expect(&h, "amr/v1/gw/1/up",
	       "\"type\":\"output_changed\",\"addr\":3,\"out\":2,\"blocked\":true", 10000);
	expect_outputs(3, "[0,1,0,0]", 10000);
	/* the same id again: the recorded answer, no second execution */
	harness_clear_inbox(&h);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/1/cmd",
					 "{\"id\":\"b1\",\"cmd\":\"unblock\",\"addr\":3,\"out\":2}",
					 1, false),
			 0);
	msg = harness_wait_message(&h, "amr/v1/gw/1/cmd/result", "\"id\":\"b1\"", 10000);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "blocked"));
	free(msg);
	/* the UO-4 releases its outputs without mains and restores them with
	 * it: read again once it answers, the block is still there */
	ck_assert_int_eq(gw_sim_ctl(ctl, "mains off 3", false, buf, sizeof buf), 0);
	expect(&h, "amr/v1/gw/1/up", "\"type\":\"device_offline\",\"addr\":3", 20000);
	harness_clear_inbox(&h);
	ck_assert_int_eq(gw_sim_ctl(ctl, "mains on 3", false, buf, sizeof buf), 0);
	expect(&h, "amr/v1/gw/1/up", "\"type\":\"device_online\",\"addr\":3", 20000);
	expect_outputs(3, "[0,1,0,0]", 10000);
	/* an unblock: the outputs follow */
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/1/cmd",
					 "{\"id\":\"u1\",\"cmd\":\"unblock\",\"addr\":3,\"out\":2}",
					 1, false),
			 0);
	msg = harness_wait_message(&h, "amr/v1/gw/1/cmd/result", "\"id\":\"u1\"", 10000);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "Output 2 of device 003 released"));
	free(msg);
	expect_outputs(3, "[0,0,0,0]", 10000);
	/* past its expiry */
	ck_assert_int_eq(
		harness_publish(
			&h, "amr/v1/gw/1/cmd",
			"{\"id\":\"old\",\"cmd\":\"unblock\",\"addr\":3,\"out\":2,\"expires\":1000}",
			1, false),
		0);
	msg = harness_wait_message(&h, "amr/v1/gw/1/cmd/result", "\"id\":\"old\"", 10000);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "\"error\":\"expired\""));
	free(msg);
	/* bad input: an answer naming the problem */
	ck_assert_int_eq(
		harness_publish(&h, "amr/v1/gw/1/cmd",
				"{\"id\":\"bad\",\"cmd\":\"block\",\"addr\":300,\"out\":2}", 1,
				false),
		0);
	msg = harness_wait_message(&h, "amr/v1/gw/1/cmd/result", "\"id\":\"bad\"", 10000);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "addr"));
	free(msg);
	/* a console line */
	ck_assert_int_eq(
		harness_publish(&h, "amr/v1/gw/1/cmd",
				"{\"id\":\"c1\",\"cmd\":\"console\",\"line\":\"show addr\"}", 1,
				false),
		0);
	msg = harness_wait_message(&h, "amr/v1/gw/1/cmd/result", "\"id\":\"c1\"", 10000);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "001+ 002+"));
	free(msg);
}
END_TEST

static Suite *gateway_suite(void)
{
	Suite *s = suite_create("gateway");
	TCase *tc = tcase_create("gateway");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_telemetry_and_status);
	tcase_add_test(tc, test_kill_broker_and_gateway_lose_nothing);
	tcase_add_test(tc, test_commands);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(gateway_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
