#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "archive_util.h"
#include "gw_archive.h"
#include "netstack.h"

void ns_setup(struct netstack *s, const struct netns *ns)
{
	memset(s, 0, sizeof *s);
	s->ns = ns;
	if (ns) {
		ck_assert_int_eq(netns_enter(ns, false), 0);
		setenv("AMR_TEST_BROKER_ADDR", ns->srv_addr, 1);
	} else {
		unsetenv("AMR_TEST_BROKER_ADDR");
	}
	ck_assert_int_eq(harness_start(&s->h), 0);
	snprintf(s->bus, sizeof s->bus, "%s/bus", s->h.dir);
	snprintf(s->sock, sizeof s->sock, "%s/sim.sock", s->h.dir);
	snprintf(s->gw_host, sizeof s->gw_host, "%s", ns ? ns->srv_addr : "127.0.0.1");
	s->gw_port = s->h.mqtt_port;
	s->started_ms = harness_now_ms();
}

void ns_teardown(struct netstack *s)
{
	harness_stop(&s->h);
}

void ns_sim_ask(struct netstack *s, const char *cmd, char *buf, size_t len)
{
	ck_assert_msg(gw_sim_ctl(s->sock, cmd, false, buf, len) == 0 && !strncmp(buf, "ok", 2),
		      "simulator command %s failed: %s", cmd, buf);
}

void ns_sim(struct netstack *s, const char *cmd)
{
	char buf[256];

	ns_sim_ask(s, cmd, buf, sizeof buf);
}

bool ns_pulse(struct netstack *s)
{
	unsigned addr = 1 + s->turn % (unsigned)s->devices,
		 ch = 1 + (s->turn / (unsigned)s->devices) % 4;
	char cmd[64];

	snprintf(cmd, sizeof cmd, "pulse %u %u %u", addr, ch, 1 + s->turn % 7);
	ns_sim(s, cmd);
	s->turn++;
	return true;
}

void ns_consume(struct netstack *s, int n)
{
	long mark = harness_log_mark(&s->h, "amr-gateway");

	/* ns_pulse() is true: the condition pulses at each look */
	HARNESS_POLL_UNTIL(!(ns_pulse(s) && gw_batches_stored(&s->h, mark) < n), 30000);
	ck_assert_msg(gw_batches_stored(&s->h, mark) >= n, "the gateway stored %d batches, not %d",
		      gw_batches_stored(&s->h, mark), n);
}

void ns_totals(struct netstack *s, long long t[NS_DEVICES_MAX + 1][4])
{
	char buf[8192], *line, *save = NULL;
	int addr, ch;
	long long v;

	memset(t, 0, sizeof(long long) * (NS_DEVICES_MAX + 1) * 4);
	ck_assert_int_eq(gw_sim_ctl(s->sock, "totals", true, buf, sizeof buf), 0);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%d %d %lld", &addr, &ch, &v) == 3 && addr >= 1 &&
		    addr <= NS_DEVICES_MAX && ch >= 1 && ch <= 4)
			t[addr][ch - 1] = v;
}

void ns_archived(struct netstack *s, long long p[NS_DEVICES_MAX + 1][4])
{
	char args[1024];
	size_t used;
	json_t *res, *item;
	size_t i;

	used = (size_t)snprintf(args, sizeof args, "{\"from\":0,\"to\":%lld,\"channels\":[",
				(long long)time(NULL) + 86400);
	for (int a = 1; a <= s->devices; a++)
		for (int c = 1; c <= 4; c++)
			used += (size_t)snprintf(args + used, sizeof args - used, "%s\"1.%d.%d\"",
						 a == 1 && c == 1 ? "" : ",", a, c);
	snprintf(args + used, sizeof args - used, "]}");
	memset(p, 0, sizeof(long long) * (NS_DEVICES_MAX + 1) * 4);
	res = arc_rpc(&s->h, "consumption", args, NULL, NULL, 0);
	ck_assert_ptr_nonnull(res);
	json_array_foreach(json_object_get(res, "items"), i, item) {
		int a, c;

		if (sscanf(json_string_value(json_object_get(item, "channel")), "1.%d.%d", &a,
			   &c) == 2 &&
		    a >= 1 && a <= s->devices && c >= 1 && c <= 4)
			p[a][c - 1] = json_integer_value(json_object_get(item, "pulses"));
	}
	json_decref(res);
}

long long ns_archived_sum(struct netstack *s)
{
	long long p[NS_DEVICES_MAX + 1][4], sum = 0;

	ns_archived(s, p);
	for (int a = 1; a <= s->devices; a++)
		for (int c = 0; c < 4; c++)
			sum += p[a][c];
	return sum;
}

void ns_wait_archived(struct netstack *s, long long n, int ms)
{
	long long got = 0;

	HARNESS_POLL_UNTIL((got = ns_archived_sum(s)) > n, ms);
	ck_assert_msg(got > n, "%lld pulses archived, not more than %lld, in %d ms", got, n, ms);
}

static bool sim_answers(struct netstack *s)
{
	struct stat st;
	char buf[512];

	return stat(s->bus, &st) == 0 &&
	       gw_sim_ctl(s->sock, "status", false, buf, sizeof buf) == 0 && !strncmp(buf, "ok", 2);
}

pid_t ns_gateway(struct netstack *s)
{
	char serial[320], poll[32], host[48], port[32];
	const char *argv[32] = {
		"--obj=1",    serial, poll, "--batch-interval=1", "--poll-interval-ms=200",
		"--resend=3", host,   port, "--log-level=debug"
	};
	size_t n = 9;

	snprintf(serial, sizeof serial, "--serial=%s", s->bus);
	snprintf(poll, sizeof poll, "--poll=1-%d", s->devices);
	snprintf(host, sizeof host, "--mqtt-host=%s", s->gw_host);
	snprintf(port, sizeof port, "--mqtt-port=%d", s->gw_port);
	for (size_t i = 0; s->gw_extra[i] && n < 31; i++) {
		if (!strncmp(s->gw_extra[i], "--resend=", 9))
			argv[5] = s->gw_extra[i]; /* instead of 3 s */
		else
			argv[n++] = s->gw_extra[i];
	}
	argv[n] = NULL;
	s->gateway = s->ns ? netns_spawn_gw(s->ns, &s->h, "amr-gateway", argv)
			   : harness_spawn(&s->h, "amr-gateway", argv);
	ck_assert_int_gt(s->gateway, 0);
	return s->gateway;
}

pid_t ns_archive(struct netstack *s)
{
	s->archive = arc_start(&s->h, s->arc_extra);
	return s->archive;
}

void ns_start(struct netstack *s, int devices, const char *speed)
{
	char busarg[320], sockarg[320], devs[32], sp[48], prof[48], *m;

	ck_assert_int_le(devices, NS_DEVICES_MAX);
	s->devices = devices;
	ns_archive(s);
	s->ingest = harness_spawn(&s->h, "amr-ingest", (const char *[]){ NULL });
	ck_assert_int_gt(s->ingest, 0);
	m = harness_wait_message(&s->h, "amr/v1/svc/ingest/status", "\"online\":true", 15000);
	ck_assert_msg(m != NULL, "amr-ingest did not come online");
	free(m);
	ck_assert_int_eq(harness_wait_service(&s->h, "ingest", 10000), 0);
	snprintf(busarg, sizeof busarg, "--bus=%s", s->bus);
	snprintf(sockarg, sizeof sockarg, "--control=%s", s->sock);
	snprintf(devs, sizeof devs, "--devices=%d", devices);
	snprintf(sp, sizeof sp, "--speed=%s", speed);
	snprintf(prof, sizeof prof, "--profile=%s", s->profile ? s->profile : "mixed");
	ck_assert_int_gt(harness_spawn(&s->h, "amr-sim",
				       (const char *[]){ busarg, sockarg, devs, sp, prof,
							 "--wire-timing=no", NULL }),
			 0);
	/* the socket's file is there from bind(), before listen(): ask */
	HARNESS_POLL_UNTIL(sim_answers(s), 10000);
	ck_assert_msg(sim_answers(s), "amr-sim made no bus or does not answer");
	/* the meters stand still until the archive has every channel's first
	 * total, the point its count starts from */
	ns_sim(s, "pause");
	/* the retained status comes now: a later one is the gateway's news */
	ck_assert_int_eq(harness_subscribe(&s->h, "amr/v1/gw/1/status"), 0);
	ns_gateway(s);
	m = harness_wait_message(&s->h, "amr/v1/gw/1/ack", NULL, 30000);
	ck_assert_msg(m != NULL, "the archive never acknowledged a batch");
	free(m);
	ns_totals(s, s->t0);
	ns_sim(s, "resume");
}

int ns_gw_pending(struct netstack *s, const char *needle, int ms)
{
	char *m = harness_wait_message(&s->h, "amr/v1/gw/1/status", needle, ms);
	json_t *st;
	int pending;

	if (!m)
		return -1;
	st = json_loads(m, 0, NULL);
	free(m);
	pending = (int)json_integer_value(json_object_get(json_object_get(st, "spool"), "pending"));
	json_decref(st);
	return pending;
}

/* True when every channel's archived pulses are what its device counted. */
static bool all_counted(struct netstack *s, long long t1[NS_DEVICES_MAX + 1][4],
			long long got[NS_DEVICES_MAX + 1][4])
{
	bool equal = true;

	ns_totals(s, t1);
	ns_archived(s, got);
	for (int a = 1; a <= s->devices; a++)
		for (int c = 0; c < 4; c++)
			equal &= got[a][c] == t1[a][c] - s->t0[a][c] + s->zeroed[a][c];
	return equal;
}

long long ns_conserved(struct netstack *s, const char *name, int ms)
{
	long long t1[NS_DEVICES_MAX + 1][4], got[NS_DEVICES_MAX + 1][4], moved = 0;
	bool equal = false;

	ns_sim(s, "pause");
	HARNESS_POLL_UNTIL((equal = all_counted(s, t1, got)), ms);
	for (int a = 1; a <= s->devices; a++) {
		for (int c = 0; c < 4; c++) {
			long long want = t1[a][c] - s->t0[a][c] + s->zeroed[a][c];

			moved += want;
			ck_assert_msg(got[a][c] == want,
				      "%s: channel 1.%d.%d: the archive holds %lld pulses, the "
				      "device counted %lld",
				      name, a, c + 1, got[a][c], want);
		}
	}
	ck_assert_msg(equal, "%s: not every channel conserved", name);
	ck_assert_msg(moved > 100, "%s: only %lld pulses were counted", name, moved);
	ck_assert_int_eq(arc_metric(&s->h, "amr_archive_quarantined_total"), 0);
	fprintf(stderr,
		"%s: conserved %lld pulses on %d channels; archive: %lld batches stored, %lld "
		"duplicates, %lld gaps refused, %lld given up, %lld delta mismatches; %.1f s\n",
		name, moved, s->devices * 4, arc_metric(&s->h, "amr_archive_batches_total"),
		arc_metric(&s->h, "amr_archive_duplicates_total"),
		arc_metric(&s->h, "amr_archive_gap_refused_total"),
		arc_metric(&s->h, "amr_archive_gap_given_up_total"),
		arc_metric(&s->h, "amr_archive_delta_mismatch_total"),
		(double)(harness_now_ms() - s->started_ms) / 1000.0);
	return moved;
}
