/*
 * The whole field-to-archive pipeline with real programs: amr-sim (the UO-4
 * firmware on a virtual RS-485 bus) -> amr-gateway -> Mosquitto -> amr-ingest
 * -> amr-archive. While pulses arrive at the devices' inputs, the archive,
 * ingest, the gateway and the broker are each killed with SIGKILL and
 * restarted.
 * Afterwards, for every channel, the pulses the archive holds must equal the
 * change of the device's own counter: nothing lost, nothing counted twice
 * (DESIGN.md 4.3, pulse conservation).
 */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "gw_archive.h"
#include "harness.h"

#define DEVICES 4

static struct harness h;
static char bus[300], sock[300], state[300];

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	snprintf(bus, sizeof bus, "%s/bus", h.dir);
	snprintf(sock, sizeof sock, "%s/sim.sock", h.dir);
	snprintf(state, sizeof state, "%s/sim", h.dir);
}

static void teardown(void)
{
	harness_stop(&h);
}

static void sim_ctl(const char *cmd)
{
	char buf[256];

	ck_assert_msg(gw_sim_ctl(sock, cmd, false, buf, sizeof buf) == 0,
		      "simulator command %s failed", cmd);
}

/* The simulator's own counters: totals[addr][ch-1]. */
static void sim_totals(long long totals[DEVICES + 1][4])
{
	char buf[8192], *line;
	int addr, ch;
	long long t;

	memset(totals, 0, sizeof(long long) * (DEVICES + 1) * 4);
	ck_assert_int_eq(gw_sim_ctl(sock, "totals", true, buf, sizeof buf), 0);
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (sscanf(line, "%d %d %lld", &addr, &ch, &t) == 3 && addr >= 1 &&
		    addr <= DEVICES && ch >= 1 && ch <= 4)
			totals[addr][ch - 1] = t;
}

/* Pulses the archive holds per channel, from archive/consumption. Returns
 * 0, or -1 if the archive did not answer. */
static int archived(long long pulses[DEVICES + 1][4])
{
	char cmd[1024], *out;
	size_t used;
	json_t *res, *item;
	size_t i;
	int status;

	used = (size_t)snprintf(cmd, sizeof cmd,
				"amrctl --compact --timeout 3000 rpc archive/consumption "
				"'{\"from\":0,\"to\":%lld,\"channels\":[",
				(long long)time(NULL) + 86400);
	for (int a = 1; a <= DEVICES; a++)
		for (int c = 1; c <= 4; c++)
			used += (size_t)snprintf(cmd + used, sizeof cmd - used, "%s\"1.%d.%d\"",
						 a == 1 && c == 1 ? "" : ",", a, c);
	snprintf(cmd + used, sizeof cmd - used, "]}' 2>/dev/null");
	out = harness_run(&h, cmd, &status);
	res = json_loads(out, 0, NULL);
	free(out);
	if (!res)
		return -1;
	memset(pulses, 0, sizeof(long long) * (DEVICES + 1) * 4);
	json_array_foreach(json_object_get(res, "items"), i, item) {
		int a, c;

		if (sscanf(json_string_value(json_object_get(item, "channel")), "1.%d.%d", &a,
			   &c) == 2 &&
		    a >= 1 && a <= DEVICES && c >= 1 && c <= 4)
			pulses[a][c - 1] = json_integer_value(json_object_get(item, "pulses"));
	}
	json_decref(res);
	return 0;
}

/* A few pulses injected into one device input (as a meter would make
 * them), on every channel in turn from call to call. */
static void pulse(void)
{
	static unsigned turn;
	unsigned addr = 1 + turn % DEVICES, ch = 1 + (turn / DEVICES) % 4;
	char cmd[64];

	snprintf(cmd, sizeof cmd, "pulse %u %u %u", addr, ch, 1 + turn % 7);
	sim_ctl(cmd);
	turn++;
}

/* Consume while the gateway makes n batches (one a second): pulses every
 * 50 ms until its log says it stored n more than it had when called, the
 * first of which may have been under way at the call. Fails the test
 * after 30 s. */
static void consume(int n)
{
	long mark = harness_log_mark(&h, "amr-gateway");
	uint64_t end = harness_now_ms() + 30000;

	while (gw_batches_stored(&h, mark) < n) {
		ck_assert_msg(harness_now_ms() < end, "the gateway stored %d batches, not %d",
			      gw_batches_stored(&h, mark), n);
		pulse();
		harness_sleep_ms(50);
	}
}

/* Consume while the gateway is down: pulses on every channel, which it
 * must find in the devices' counters when it is back. */
static void consume_unread(void)
{
	for (int i = 0; i < DEVICES * 4; i++)
		pulse();
}

static pid_t start(const char *name)
{
	static char busarg[320], sockarg[320], statearg[320];
	pid_t pid;

	snprintf(busarg, sizeof busarg, "--bus=%s", bus);
	snprintf(sockarg, sizeof sockarg, "--control=%s", sock);
	snprintf(statearg, sizeof statearg, "--state=%s", state);
	if (strcmp(name, "amr-sim") == 0) {
		pid = harness_spawn(&h, name,
				    (const char *[]){ busarg, sockarg, statearg, "--devices=4",
						      "--profile=none", "--wire-timing=no", NULL });
	} else if (strcmp(name, "amr-gateway") == 0) {
		static char serial[320];

		snprintf(serial, sizeof serial, "--serial=%s", bus);
		pid = harness_spawn(&h, name,
				    (const char *[]){ "--obj=1", serial, "--poll=1-4",
						      "--batch-interval=1",
						      "--poll-interval-ms=200", "--resend=3",
						      "--log-level=debug", NULL });
	} else {
		pid = harness_spawn(&h, name, (const char *[]){ NULL });
	}
	ck_assert_int_gt(pid, 0);
	return pid;
}

static void wait_path(const char *path)
{
	struct stat st;

	for (int i = 0; i < 100 && stat(path, &st) != 0; i++)
		harness_sleep_ms(100);
	ck_assert_msg(stat(path, &st) == 0, "%s never appeared", path);
}

START_TEST(pulses_are_conserved_through_kills_of_every_part)
{
	long long t0[DEVICES + 1][4], t1[DEVICES + 1][4], got[DEVICES + 1][4];
	pid_t archive, ingest, gateway;
	long long moved = 0;
	char *m;
	bool equal = false;

	archive = start("amr-archive");
	ingest = start("amr-ingest");
	start("amr-sim");
	wait_path(sock);
	wait_path(bus);
	/* No meter profiles: every pulse is injected by consume(), so the
	 * counters start at 0 and the test knows when the building consumes. */
	sim_totals(t0);
	gateway = start("amr-gateway");
	m = harness_wait_message(&h, "amr/v1/gw/1/ack", NULL, 20000);
	ck_assert_msg(m != NULL, "the archive never acknowledged a batch");
	free(m);

	/* Each part is killed while the gateway makes batches and restarted
	 * after it made two more (the first may have been under way at the
	 * kill), then the building consumes for two more batches. */
	consume(3);
	harness_kill(&h, archive, SIGKILL); /* mid-stream */
	consume(2);
	archive = start("amr-archive");
	consume(2);
	harness_kill(&h, ingest, SIGKILL);
	consume(2);
	ingest = start("amr-ingest");
	consume(2);
	harness_kill(&h, gateway, SIGKILL);
	consume_unread();
	gateway = start("amr-gateway");
	consume(2);
	harness_broker_kill(&h, SIGKILL);
	consume(2);
	ck_assert_int_eq(harness_broker_start(&h), 0);
	consume(2);

	/* Let the gateway read the final counters and the spool drain; the
	 * devices' counters are read again each time, as the last pulses
	 * injected may still be under way. */
	for (int i = 0; i < 240 && !equal; i++) {
		if (i)
			harness_sleep_ms(250);
		sim_totals(t1);
		if (archived(got))
			continue;
		equal = true;
		for (int a = 1; a <= DEVICES; a++)
			for (int c = 0; c < 4; c++)
				equal &= got[a][c] == t1[a][c] - t0[a][c];
	}
	for (int a = 1; a <= DEVICES; a++) {
		for (int c = 0; c < 4; c++) {
			moved += t1[a][c] - t0[a][c];
			ck_assert_msg(got[a][c] == t1[a][c] - t0[a][c],
				      "channel 1.%d.%d: archive holds %lld pulses, the device "
				      "counted %lld",
				      a, c + 1, got[a][c], t1[a][c] - t0[a][c]);
		}
	}
	/* The run must have moved something, or the test proves nothing. */
	ck_assert_msg(moved > 100, "only %lld pulses were counted", moved);
	fprintf(stderr, "conservation: %lld pulses on %d channels\n", moved, DEVICES * 4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("conservation");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, pulses_are_conserved_through_kills_of_every_part);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
