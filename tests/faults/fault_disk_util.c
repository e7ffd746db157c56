#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fault_disk_util.h"
#include "gw_archive.h"

void fp_init(struct fpipe *p, struct harness *h, int devices)
{
	memset(p, 0, sizeof *p);
	p->h = h;
	p->devices = devices;
	snprintf(p->bus, sizeof p->bus, "%s/bus", h->dir);
	snprintf(p->sock, sizeof p->sock, "%s/sim.sock", h->dir);
	snprintf(p->state, sizeof p->state, "%s/sim", h->dir);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static bool answers(struct fpipe *p)
{
	char buf[512];

	return gw_sim_ctl(p->sock, "status", false, buf, sizeof buf) == 0 &&
	       strncmp(buf, "ok", 2) == 0;
}

pid_t fp_start_sim(struct fpipe *p, const char *profile, const char *speed)
{
	char bus[320], sock[320], state[320], devs[32], prof[64], sp[64];
	pid_t pid;

	snprintf(bus, sizeof bus, "--bus=%s", p->bus);
	snprintf(sock, sizeof sock, "--control=%s", p->sock);
	snprintf(state, sizeof state, "--state=%s", p->state);
	snprintf(devs, sizeof devs, "--devices=%d", p->devices);
	snprintf(prof, sizeof prof, "--profile=%s", profile);
	snprintf(sp, sizeof sp, "--speed=%s", speed);
	pid = harness_spawn(
		p->h, "amr-sim",
		(const char *[]){ bus, sock, state, devs, prof, sp, "--wire-timing=no", NULL });
	ck_assert_int_gt(pid, 0);
	/* the socket's file is there from bind(), before listen(): ask */
	HARNESS_POLL_UNTIL(exists(p->bus) && answers(p), 10000);
	ck_assert_msg(exists(p->bus) && answers(p), "amr-sim made no bus or does not answer");
	return pid;
}

pid_t fp_start_gateway(struct fpipe *p)
{
	char serial[320], poll[32], *m;
	pid_t pid;

	fp_totals(p, p->t0);
	snprintf(serial, sizeof serial, "--serial=%s", p->bus);
	snprintf(poll, sizeof poll, "--poll=1-%d", p->devices);
	pid = harness_spawn(p->h, "amr-gateway",
			    (const char *[]){ "--obj=1", serial, poll, "--batch-interval=1",
					      "--poll-interval-ms=200", "--resend=3",
					      "--log-level=debug", NULL });
	ck_assert_int_gt(pid, 0);
	m = harness_wait_message(p->h, "amr/v1/gw/1/ack", NULL, 20000);
	ck_assert_msg(m != NULL, "the archive never acknowledged a batch");
	free(m);
	return pid;
}

void fp_sim_ctl(struct fpipe *p, const char *cmd, char *buf, size_t len)
{
	char tmp[256];

	if (!buf) {
		buf = tmp;
		len = sizeof tmp;
	}
	ck_assert_msg(gw_sim_ctl(p->sock, cmd, strcmp(cmd, "totals") == 0, buf, len) == 0,
		      "simulator command %s failed", cmd);
}

void fp_totals(struct fpipe *p, long long t[FP_MAXDEV + 1][4])
{
	char buf[8192], *line, *save;
	int addr, ch;
	long long v;

	memset(t, 0, sizeof(long long) * (FP_MAXDEV + 1) * 4);
	fp_sim_ctl(p, "totals", buf, sizeof buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%d %d %lld", &addr, &ch, &v) == 3 && addr >= 1 &&
		    addr <= p->devices && ch >= 1 && ch <= 4)
			t[addr][ch - 1] = v;
}

bool fp_pulse(struct fpipe *p)
{
	unsigned addr = 1 + p->turn % (unsigned)p->devices,
		 ch = 1 + (p->turn / (unsigned)p->devices) % 4;
	char cmd[64];

	snprintf(cmd, sizeof cmd, "pulse %u %u %u", addr, ch, 1 + p->turn % 7);
	fp_sim_ctl(p, cmd, NULL, 0);
	p->turn++;
	return true;
}

void fp_consume(struct fpipe *p, int n)
{
	long mark = harness_log_mark(p->h, "amr-gateway");

	/* fp_pulse() is true: the condition pulses at each look */
	HARNESS_POLL_UNTIL(!(fp_pulse(p) && gw_batches_stored(p->h, mark) < n), 30000);
	ck_assert_msg(gw_batches_stored(p->h, mark) >= n, "the gateway stored %d batches, not %d",
		      gw_batches_stored(p->h, mark), n);
}

int fp_archived(struct fpipe *p, long long got[FP_MAXDEV + 1][4])
{
	char cmd[1024], *out;
	size_t used, i;
	json_t *res, *item;
	int status;

	used = (size_t)snprintf(cmd, sizeof cmd,
				"amrctl --compact --timeout 3000 rpc archive/consumption "
				"'{\"from\":0,\"to\":%lld,\"channels\":[",
				(long long)time(NULL) + 86400);
	for (int a = 1; a <= p->devices; a++)
		for (int c = 1; c <= 4; c++)
			used += (size_t)snprintf(cmd + used, sizeof cmd - used, "%s\"1.%d.%d\"",
						 a == 1 && c == 1 ? "" : ",", a, c);
	snprintf(cmd + used, sizeof cmd - used, "]}' 2>/dev/null");
	out = harness_run(p->h, cmd, &status);
	res = json_loads(out, 0, NULL);
	free(out);
	if (!res)
		return -1;
	memset(got, 0, sizeof(long long) * (FP_MAXDEV + 1) * 4);
	json_array_foreach(json_object_get(res, "items"), i, item) {
		const char *id = json_string_value(json_object_get(item, "channel"));
		int a, c;

		if (id && sscanf(id, "1.%d.%d", &a, &c) == 2 && a >= 1 && a <= p->devices &&
		    c >= 1 && c <= 4)
			got[a][c - 1] = json_integer_value(json_object_get(item, "pulses"));
	}
	json_decref(res);
	return 0;
}

static bool conserved(struct fpipe *p, long long t1[FP_MAXDEV + 1][4],
		      long long got[FP_MAXDEV + 1][4])
{
	fp_totals(p, t1);
	if (fp_archived(p, got))
		return false;
	for (int a = 1; a <= p->devices; a++)
		for (int c = 0; c < 4; c++)
			if (got[a][c] != t1[a][c] - p->t0[a][c])
				return false;
	return true;
}

long long fp_check_conservation(struct fpipe *p, int ms)
{
	long long t1[FP_MAXDEV + 1][4], got[FP_MAXDEV + 1][4], moved = 0;

	memset(got, 0, sizeof got);
	HARNESS_POLL_UNTIL(conserved(p, t1, got), ms);
	for (int a = 1; a <= p->devices; a++) {
		for (int c = 0; c < 4; c++) {
			moved += t1[a][c] - p->t0[a][c];
			ck_assert_msg(got[a][c] == t1[a][c] - p->t0[a][c],
				      "channel 1.%d.%d: archive holds %lld pulses, the device "
				      "counted %lld",
				      a, c + 1, got[a][c], t1[a][c] - p->t0[a][c]);
		}
	}
	fprintf(stderr, "conservation: %lld pulses on %d channels\n", moved, p->devices * 4);
	return moved;
}
