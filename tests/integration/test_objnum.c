/*
 * Reconfiguring a gateway on its real console while the building counts
 * (issue 12, point 3), with real programs: amr-sim (the UO-4 firmware on a
 * virtual RS-485 bus, its meters running) -> amr-gateway -> Mosquitto ->
 * amr-ingest -> amr-archive.
 *
 *   - objnum=12, save all, reset, then reset -d (back to the factory
 *     object 1): every pulse the devices counted is in the archive exactly
 *     once, under object 1 or object 12 (pulse conservation across the
 *     change); object 1 is never refused as a gap; object 12 can be
 *     retired by an admin (amrctl, the archive's RPC), its data kept.
 *   - ch addr=002 to 040: the registry follows the device (label, weight,
 *     serial move to 1.40.x), no channel keeps the old labels, and the
 *     device's pulses are counted once across the move.
 *   - the first seq of an object (issue 13): a forged first batch of seq
 *     2^53-1 is not taken by the archive, and an ack of 2^53-1 left on the
 *     broker is not followed by the gateway, so a new object's gateway
 *     starts at seq 1 and is counted; before, either stopped the object
 *     for ever (the gateway renumbered past what ingest accepts).
 */
#include <arpa/inet.h>
#include <check.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "archive_util.h"
#include "gw_archive.h"
#include "harness.h"

#define DEVICES 4

static struct harness h;
static char bus[300], sock[300], port[16];

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	snprintf(bus, sizeof bus, "%s/bus", h.dir);
	snprintf(sock, sizeof sock, "%s/sim.sock", h.dir);
	snprintf(port, sizeof port, "%d", harness_free_port());
}

static void teardown(void)
{
	harness_stop(&h);
}

static void sim_ctl(const char *cmd)
{
	char buf[256];

	ck_assert_msg(gw_sim_ctl(sock, cmd, false, buf, sizeof buf) == 0 && !strncmp(buf, "ok", 2),
		      "simulator command %s failed: %s", cmd, buf);
}

/* The simulator's counters by the devices' present addresses. */
static void sim_totals(long long totals[GWA_ADDRS][4])
{
	char buf[8192], *line, *save = NULL;
	int addr, ch;
	long long t;

	memset(totals, 0, sizeof(long long) * GWA_ADDRS * 4);
	ck_assert_int_eq(gw_sim_ctl(sock, "totals", true, buf, sizeof buf), 0);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%d %d %lld", &addr, &ch, &t) == 3 && addr >= 1 &&
		    addr < GWA_ADDRS && ch >= 1 && ch <= 4)
			totals[addr][ch - 1] = t;
}

static void wait_path(const char *path)
{
	struct stat st;

	HARNESS_POLL_UNTIL(stat(path, &st) == 0, 10000);
	ck_assert_msg(stat(path, &st) == 0, "%s never appeared", path);
}

static void start_sim(const char *profile, int devices)
{
	char busarg[320], sockarg[320], prof[64], devs[32];

	snprintf(busarg, sizeof busarg, "--bus=%s", bus);
	snprintf(sockarg, sizeof sockarg, "--control=%s", sock);
	snprintf(prof, sizeof prof, "--profile=%s", profile);
	snprintf(devs, sizeof devs, "--devices=%d", devices);
	ck_assert_int_gt(harness_spawn(&h, "amr-sim",
				       (const char *[]){ busarg, sockarg, prof, devs, "--speed=40",
							 "--wire-timing=no", NULL }),
			 0);
	wait_path(sock);
	wait_path(bus);
}

static void start_gateway(const char *poll)
{
	char serial[320], pollarg[64], portarg[32];

	snprintf(serial, sizeof serial, "--serial=%s", bus);
	snprintf(pollarg, sizeof pollarg, "--poll=%s", poll);
	snprintf(portarg, sizeof portarg, "--console-port=%s", port);
	ck_assert_int_gt(
		harness_spawn(&h, "amr-gateway",
			      (const char *[]){ "--obj=1", serial, pollarg, "--batch-interval=1",
						"--poll-interval-ms=200", "--resend=3", portarg,
						NULL }),
		0);
}

/* ---- the console, over a plain TCP connection (a client that answers no
 * Telnet negotiation gets no echo, docs/gateway.md) ---- */

/* One connection to sa, or -1. */
static int dial_once(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

static int console_dial(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int fd = -1;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	/* the console listens again shortly after a restart */
	HARNESS_POLL_UNTIL((fd = dial_once(&sa)) >= 0, 10000);
	ck_assert_msg(fd >= 0, "the console on port %s does not answer", port);
	return fd;
}

/* Read what the console says until its prompt, a hang-up or ms; NUL bytes
 * and Telnet commands (IAC ...) dropped. */
static void console_hear(int fd, char *buf, size_t size, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t n = 0;

	buf[0] = '\0';
	for (int waited = 0; waited < ms && n + 1 < size;) {
		unsigned char got[512];
		ssize_t r;

		if (n >= 3 && !memcmp(buf + n - 3, ">> ", 3))
			return;
		if (poll(&p, 1, 100) == 0) {
			waited += 100;
			continue;
		}
		if ((r = recv(fd, got, sizeof got, 0)) <= 0)
			return;
		for (ssize_t i = 0; i < r && n + 1 < size; i++) {
			if (got[i] == 255) { /* IAC WILL/WONT/DO/DONT x */
				i += 2;
				continue;
			}
			if (got[i])
				buf[n++] = (char)got[i];
		}
		buf[n] = '\0';
	}
}

/* Type lines, each once the console answered the one before; the last
 * answer (the console may hang up after it: reset). */
static void console(const char *const *lines, char *out, size_t size)
{
	int fd = console_dial();

	console_hear(fd, out, size, 10000);
	ck_assert_msg(strstr(out, "Hello!"), "no greeting: %s", out);
	for (int i = 0; lines[i]; i++) {
		ck_assert_int_eq(send(fd, lines[i], strlen(lines[i]), MSG_NOSIGNAL),
				 (ssize_t)strlen(lines[i]));
		ck_assert_int_eq(send(fd, "\r\n", 2, MSG_NOSIGNAL), 2);
		console_hear(fd, out, size, 10000);
	}
	close(fd);
}

/* ---- the archive ---- */

/* Pulses archived per channel of obj, over all time (0 for a channel the
 * archive never saw). */
static void archived(int obj, long long pulses[GWA_ADDRS][4])
{
	char args[64];
	json_t *res;
	size_t i;
	json_t *rec;

	memset(pulses, 0, sizeof(long long) * GWA_ADDRS * 4);
	snprintf(args, sizeof args, "{\"obj\":%d,\"channels_only\":true}", obj);
	res = arc_rpc(&h, "registry.list", args, NULL, NULL, 0);
	ck_assert_ptr_nonnull(res);
	json_array_foreach(json_object_get(res, "records"), i, rec) {
		const char *id = json_string_value(json_object_get(rec, "id"));
		char cargs[160];
		json_t *c;
		int o, a, ch;

		if (sscanf(id, "%d.%d.%d", &o, &a, &ch) != 3 || a >= GWA_ADDRS || ch > 4)
			continue;
		snprintf(cargs, sizeof cargs, "{\"channels\":[\"%s\"],\"from\":0,\"to\":%lld}", id,
			 (long long)time(NULL) + 86400);
		c = arc_rpc(&h, "consumption", cargs, NULL, NULL, 0);
		ck_assert_ptr_nonnull(c);
		pulses[a][ch - 1] = json_integer_value(
			json_object_get(json_array_get(json_object_get(c, "items"), 0), "pulses"));
		json_decref(c);
	}
	json_decref(res);
}

/* Pulses archived under obj, every channel. */
static long long counted(int obj)
{
	long long p[GWA_ADDRS][4], sum = 0;

	archived(obj, p);
	for (int a = 1; a < GWA_ADDRS; a++)
		for (int c = 0; c < 4; c++)
			sum += p[a][c];
	return sum;
}

/* Wait until the archive holds at least n pulses under obj (the building
 * consumes meanwhile). */
static void wait_counted(int obj, long long n, int ms)
{
	long long got = 0;

	HARNESS_POLL_UNTIL((got = counted(obj)) >= n, ms);
	ck_assert_msg(got >= n, "object %d: %lld pulses archived, not %lld, in %d ms", obj, got, n,
		      ms);
}

/* The highest seq the archive acknowledged to obj so far (0 if none). */
static uint64_t acked(int obj)
{
	return arc_hwm(&h, obj);
}

/* Read the simulator's totals into t1 and the archive's under objects 1
 * and 12; true when every channel's pulses since t0 are archived once,
 * under one number or the other. */
static bool counted_once(long long t0[GWA_ADDRS][4], long long t1[GWA_ADDRS][4],
			 long long a1[GWA_ADDRS][4], long long a12[GWA_ADDRS][4])
{
	bool equal = true;

	sim_totals(t1);
	archived(1, a1);
	archived(12, a12);
	for (int a = 1; a <= DEVICES; a++)
		for (int c = 0; c < 4; c++)
			equal &= a1[a][c] + a12[a][c] == t1[a][c] - t0[a][c];
	return equal;
}

/* Wait until the archive's mark of obj is above seq. */
static void wait_mark_above(int obj, uint64_t seq, int ms)
{
	uint64_t m = 0;

	HARNESS_POLL_UNTIL((m = acked(obj)) > seq, ms);
	ck_assert_msg(m > seq, "object %d: the archive's mark stayed at %llu for %d ms", obj,
		      (unsigned long long)m, ms);
}

static json_t *registry_get(const char *id)
{
	char args[64];

	snprintf(args, sizeof args, "{\"id\":\"%s\"}", id);
	return arc_rpc(&h, "registry.get", args, NULL, NULL, 0);
}

/* True when archive/latest of every object lists a channel of obj. */
static bool latest_lists(int obj)
{
	json_t *res = arc_rpc(&h, "latest", "{}", NULL, NULL, 0), *c;
	char prefix[16];
	bool found = false;
	size_t i;

	ck_assert_ptr_nonnull(res);
	snprintf(prefix, sizeof prefix, "%d.", obj);
	json_array_foreach(json_object_get(res, "channels"), i, c)
		found |= !strncmp(json_string_value(json_object_get(c, "id")), prefix,
				  strlen(prefix));
	json_decref(res);
	return found;
}

START_TEST(objnum_round_trip_counts_every_pulse_once)
{
	const char *to12[] = { "objnum=12", "save all", "reset", NULL };
	const char *back[] = { "reset -d", NULL };
	long long t0[GWA_ADDRS][4], t1[GWA_ADDRS][4], a1[GWA_ADDRS][4], a12[GWA_ADDRS][4];
	long long moved = 0, on12 = 0;
	uint64_t mark1;
	char out[8192], *m;
	bool equal = false;
	json_t *rec, *res;
	int status;

	arc_start(&h, NULL);
	ck_assert_int_gt(harness_spawn(&h, "amr-ingest", (const char *[]){ NULL }), 0);
	start_sim("elec", DEVICES);
	/* the meters stand still until the archive has its first totals, the
	 * point every channel's count starts from */
	sim_ctl("pause");
	start_gateway("1-4");
	m = harness_wait_message(&h, "amr/v1/gw/1/ack", NULL, 20000);
	ck_assert_msg(m != NULL, "the archive never acknowledged object 1");
	free(m);
	sim_totals(t0);
	sim_ctl("resume");
	wait_counted(1, 100, 30000); /* the building consumes as object 1 */

	console(to12, out, sizeof out);
	ck_assert_msg(strstr(out, "esetting"), "reset: %s", out);
	m = harness_wait_message(&h, "amr/v1/gw/12/ack", NULL, 20000);
	ck_assert_msg(m != NULL, "the archive never acknowledged object 12");
	free(m);
	mark1 = acked(1);
	wait_counted(12, 100, 30000); /* ... as object 12 */

	console(back, out, sizeof out);
	ck_assert_msg(strstr(out, "esetting"), "reset -d: %s", out);
	/* object 1 goes on at once: no gap to wait out (--gap-wait 90 s) */
	wait_mark_above(1, mark1, 20000);
	wait_counted(1, counted(1) + 100, 30000); /* ... as object 1 again */
	sim_ctl("pause");

	HARNESS_POLL_UNTIL((equal = counted_once(t0, t1, a1, a12)), 30000);
	for (int a = 1; a <= DEVICES; a++) {
		for (int c = 0; c < 4; c++) {
			moved += t1[a][c] - t0[a][c];
			on12 += a12[a][c];
			ck_assert_msg(a1[a][c] + a12[a][c] == t1[a][c] - t0[a][c],
				      "channel %d.%d: archived %lld as object 1 + %lld as object "
				      "12, the device counted %lld",
				      a, c + 1, a1[a][c], a12[a][c], t1[a][c] - t0[a][c]);
		}
	}
	ck_assert_msg(moved > 100, "only %lld pulses were counted", moved);
	ck_assert_msg(on12 > 0, "nothing was counted as object 12");
	ck_assert_int_eq(arc_metric(&h, "amr_archive_gap_refused_total"), 0);
	ck_assert_int_eq(arc_metric(&h, "amr_archive_gap_given_up_total"), 0);
	fprintf(stderr, "objnum round trip: %lld pulses counted, %lld of them as object 12\n",
		moved, on12);

	/* an admin retires object 12: its data stays, live lists drop it */
	ck_assert(latest_lists(12));
	m = harness_run(&h, "amrctl retire 12 2>&1", &status);
	ck_assert_msg(WEXITSTATUS(status) == 2, "retire without a reason: %s", m);
	free(m);
	m = harness_run(&h, "amrctl retire 12 --reason 'renumbered back to 1' 2>&1", &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "amrctl retire: %s", m);
	free(m);
	rec = registry_get("12");
	ck_assert_ptr_nonnull(rec);
	ck_assert(json_is_true(json_object_get(rec, "retired")));
	json_decref(rec);
	ck_assert(!latest_lists(12));
	ck_assert(latest_lists(1));
	res = arc_rpc(&h, "latest", "{\"obj\":12}", NULL, NULL, 0);
	ck_assert_ptr_nonnull(res);
	ck_assert(json_is_true(
		json_object_get(json_array_get(json_object_get(res, "channels"), 0), "retired")));
	json_decref(res);
	archived(12, a12);
	on12 = 0;
	for (int a = 1; a <= DEVICES; a++)
		for (int c = 0; c < 4; c++)
			on12 += a12[a][c];
	ck_assert_msg(on12 > 0, "object 12's consumption is gone after its retirement");
	/* audited like every registry change: who, when, why */
	res = arc_rpc(&h, "audit.query", "{\"target\":\"12\"}", NULL, NULL, 0);
	ck_assert_ptr_nonnull(res);
	rec = json_array_get(json_object_get(res, "records"),
			     json_array_size(json_object_get(res, "records")) - 1);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "action")), "registry.set");
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(rec, "detail"), "reason")),
		"renumbered back to 1");
	ck_assert(json_is_true(json_object_get(
		json_object_get(json_object_get(rec, "detail"), "changes"), "retired")));
	ck_assert(json_integer_value(json_object_get(rec, "ts")) > 0);
	ck_assert(json_string_length(json_object_get(rec, "actor")) > 0);
	json_decref(res);
	/* and brought back through the archive's RPC */
	rec = arc_rpc(&h, "registry.set",
		      "{\"id\":\"12\",\"retired\":false,\"actor\":\"admin\",\"reason\":\"oops\"}",
		      NULL, NULL, 0);
	ck_assert_ptr_nonnull(rec);
	ck_assert(!json_is_true(json_object_get(rec, "retired")));
	json_decref(rec);
	ck_assert(latest_lists(12));
	/* a channel is not retired on its own */
	arc_rpc(&h, "registry.set",
		"{\"id\":\"12.1.1\",\"retired\":true,\"actor\":\"admin\",\"reason\":\"x\"}",
		"bad_request", NULL, 0);
}
END_TEST

/* True when 1.40.1's record carries the label the device had at 1.2.1. */
static bool label_moved(void)
{
	json_t *r = registry_get("1.40.1");
	bool moved = r && !strcmp(json_string_value(json_object_get(r, "label")) ?: "",
				  "Cold water, flat 2");

	json_decref(r);
	return moved;
}

START_TEST(readdressed_device_takes_its_registry_along)
{
	const char *move[] = { "ch addr=002 to 040", NULL };
	long long t0[GWA_ADDRS][4], t1[GWA_ADDRS][4], a[GWA_ADDRS][4];
	char out[8192];
	json_t *rec, *res;
	bool equal = false, moved = false;
	size_t i;

	arc_start(&h, NULL);
	ck_assert_int_gt(harness_spawn(&h, "amr-ingest", (const char *[]){ NULL }), 0);
	start_sim("none", 2);
	start_gateway("1-2");
	/* the archive knows the device (its first reading is where its count
	 * starts): describe its first input */
	HARNESS_POLL_UNTIL((rec = registry_get("1.2.1")) != NULL, 20000);
	ck_assert_ptr_nonnull(rec);
	json_decref(rec);
	sim_totals(t0);
	sim_ctl("pulse 2 1 5");
	rec = arc_rpc(&h, "registry.set",
		      "{\"id\":\"1.2.1\",\"actor\":\"admin\",\"label\":\"Cold water, flat 2\","
		      "\"resource\":\"cold_water\",\"unit\":\"m3\",\"serial\":\"CW-2\","
		      "\"weight\":{\"num\":1,\"den\":100,\"valid_from\":0}}",
		      NULL, NULL, 0);
	ck_assert_ptr_nonnull(rec);
	json_decref(rec);
	rec = arc_rpc(&h, "registry.set",
		      "{\"id\":\"1.2\",\"actor\":\"admin\",\"label\":\"Flat 2\"}", NULL, NULL, 0);
	ck_assert_ptr_nonnull(rec);
	json_decref(rec);
	sim_ctl("pulse 2 1 3");
	wait_counted(1, 8, 20000); /* 5 + 3 at 1.2.1 before the move */

	console(move, out, sizeof out);
	ck_assert_msg(strstr(out, "Address 002 changed to 040"), "ch addr: %s", out);
	sim_ctl("pulse 40 1 7");
	HARNESS_POLL_UNTIL((moved = label_moved()), 20000);
	ck_assert_msg(moved, "the label never moved to 1.40.1");
	rec = registry_get("1.40.1");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "serial")), "CW-2");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "unit")), "m3");
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(json_object_get(rec, "weights"), 0), "den")),
			 100);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "moved_from")), "1.2.1");
	json_decref(rec);
	rec = registry_get("1.40");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "label")), "Flat 2");
	json_decref(rec);
	/* the old address keeps its history, not the flat's name */
	rec = registry_get("1.2.1");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "label")), "");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "serial")), "");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "moved_to")), "1.40.1");
	json_decref(rec);
	rec = registry_get("1.2");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "label")), "");
	json_decref(rec);
	/* no live channel at the old address */
	res = arc_rpc(&h, "latest", "{\"obj\":1}", NULL, NULL, 0);
	json_array_foreach(json_object_get(res, "channels"), i, rec)
		ck_assert_msg(strncmp(json_string_value(json_object_get(rec, "id")), "1.2.", 4),
			      "latest still lists %s",
			      json_string_value(json_object_get(rec, "id")));
	json_decref(res);
	/* the move is audited */
	res = arc_rpc(&h, "audit.query", "{\"target\":\"1.2\"}", NULL, NULL, 0);
	rec = json_array_get(json_object_get(res, "records"),
			     json_array_size(json_object_get(res, "records")) - 1);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "action")), "registry.move");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rec, "detail"), "to")),
			 "1.40");
	json_decref(res);

	/* the device's pulses, once, across the move: 1.2.1 then 1.40.1 */
	HARNESS_POLL_UNTIL(
		(sim_totals(t1), archived(1, a),
		 equal = a[2][0] + a[40][0] == t1[40][0] - t0[2][0] && t1[40][0] == 15 + t0[2][0]),
		30000);
	ck_assert_msg(equal, "archived %lld at 1.2.1 + %lld at 1.40.1, the device counted %lld",
		      a[2][0], a[40][0], t1[40][0] - t0[2][0]);
}
END_TEST

/* Wait for amr-ingest's online status. */
static void start_ingest(void)
{
	char *m;

	ck_assert_int_gt(harness_spawn(&h, "amr-ingest", (const char *[]){ NULL }), 0);
	m = harness_wait_message(&h, "amr/v1/svc/ingest/status", "\"online\":true", 15000);
	ck_assert_msg(m != NULL, "amr-ingest did not come online");
	free(m);
	/* "online" goes out before its subscriptions are in place; an answer
	 * to a request, subscribed after them, says they are */
	ck_assert_int_eq(harness_wait_service(&h, "ingest", 10000), 0);
}

/* The gateway of object 1, starting with no spool, is counted: its first
 * batches are stored from seq 1 and 5 pulses of device 1 reach the archive. */
static void gateway_is_counted(void)
{
	start_sim("none", 2);
	start_gateway("1-2");
	wait_mark_above(1, 0, 20000);
	ck_assert_msg(acked(1) < 1000, "object 1's mark is %llu, not the gateway's",
		      (unsigned long long)acked(1));
	sim_ctl("pulse 1 1 5");
	wait_counted(1, 5, 20000);
}

START_TEST(a_forged_first_batch_does_not_capture_an_object)
{
	char batch[256];
	long long jumps = 0;
	char *m;

	arc_start(&h, NULL);
	start_ingest();
	/* before the gateway's first batch, one from anyone allowed on the topic */
	snprintf(batch, sizeof batch,
		 "{\"seq\":9007199254740991,\"prev\":9007199254740990,\"ts\":%lld,"
		 "\"readings\":[{\"addr\":1,\"ch\":1,\"total\":1,\"delta\":0}]}",
		 (long long)time(NULL));
	/* subscribed before the batch goes out: ingest may forward it sooner
	 * than a subscription made afterwards reaches the broker */
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/readings/1"), 0);
	arc_publish(&h, "amr/v1/gw/1/up", batch);
	m = harness_wait_message(&h, "amr/v1/readings/1", "9007199254740991", 10000);
	ck_assert_msg(m != NULL, "ingest did not forward the batch");
	free(m);
	/* the archive has judged it when its counter says so (no ack to wait for) */
	HARNESS_POLL_UNTIL((jumps = arc_metric(&h, "amr_archive_seq_jump_refused_total")) >= 1,
			   10000);
	ck_assert_msg(jumps == 1, "the archive took a first batch of seq 2^53-1 (mark %llu)",
		      (unsigned long long)acked(1));
	ck_assert_uint_eq(acked(1), 0);
	gateway_is_counted();
}
END_TEST

START_TEST(the_gateway_refuses_an_ack_past_what_ingest_accepts)
{
	arc_start(&h, NULL);
	start_ingest();
	/* what an archive that stored such a batch left on the broker */
	ck_assert_int_eq(
		harness_publish(&h, "amr/v1/gw/1/ack", "{\"seq\":9007199254740991}", 1, true), 0);
	gateway_is_counted();
	ck_assert_msg(harness_log_count(&h, "amr-gateway", 0, "ack 9007199254740991 refused") > 0,
		      "the gateway did not say why it refused the ack");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("objnum");
	TCase *tc = tcase_create("reconfiguration");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, objnum_round_trip_counts_every_pulse_once);
	tcase_add_test(tc, readdressed_device_takes_its_registry_along);
	tcase_add_test(tc, a_forged_first_batch_does_not_capture_an_object);
	tcase_add_test(tc, the_gateway_refuses_an_ack_past_what_ingest_accepts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
