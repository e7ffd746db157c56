/*
 * bench_pipeline - throughput and latency of the readings pipeline.
 *
 * Starts its own Mosquitto on a free loopback port (tests/harness), then
 * measures in one run:
 *   1. broker-only: simulated gateways publish 128-reading batches (QoS 1)
 *      and a subscriber only counts them;
 *   2. sustained durable ingest+archive: the same gateways publish on
 *      amr/v1/gw/{obj}/up through amr-ingest to amr-archive (LMDB with
 *      fsync), each keeping a window of unacknowledged batches and sending
 *      more as amr/v1/gw/{obj}/ack arrives, as real gateways do;
 *   3. publish-to-ack latency at a fixed moderate load.
 * Programs come from $AMR_BIN_DIR (make's default build, no sanitizers).
 *
 *   bench_pipeline [gateways] [window] [seconds] [latency-readings-per-s]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "loop.h"
#include "mq.h"

#define READINGS 128  /* per batch: 32 devices x 4 inputs */
#define RING	 4096 /* publish times kept per gateway */
#define MAX_GW	 1024

enum mode {
	M_IDLE,
	M_BROKER,
	M_PIPE,
	M_RATE
};

struct gw {
	uint64_t seq;		  /* last published */
	uint64_t acked;		  /* last acknowledged */
	uint32_t total[READINGS]; /* device totals */
	uint64_t sent_ms[RING];	  /* publish time of seq % RING */
};

static struct {
	loop *l;
	mq *pub; /* the gateways' connection */
	enum mode mode;
	int ngw, window;
	struct gw *gw;
	unsigned long long published, counted, acked_batches;
	int next_gw;	     /* round robin for broker-only */
	uint64_t retry;	     /* retry timer after a full buffer */
	double rate_batches; /* M_RATE: batches per second */
	double rate_credit;
	uint64_t rate_timer;
	unsigned *lat; /* latencies in ms (M_RATE) */
	size_t nlat, caplat;
	bool done;
	bool direct;  /* publish canonical batches to the archive */
	int obj_base; /* object number of gateway 0, minus 1 */
} b;

/* Append s; returns the new end. */
static char *put_s(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* Append v in decimal; returns the new end. The generator shares the CPUs
 * with what it measures, and snprintf was most of its time. */
static char *put_u(char *p, unsigned long long v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *make_batch(int g, size_t *len)
{
	static char buf[READINGS * 80 + 256];
	struct gw *w = &b.gw[g];
	unsigned long long now = (unsigned long long)time(NULL);
	char *p = buf;

	w->seq++;
	if (b.direct) { /* what ingest publishes: obj and rx added */
		p = put_u(put_s(p, "{\"obj\":"), (unsigned long long)(b.obj_base + g + 1));
		p = put_u(put_s(p, ",\"rx\":"), now);
		p = put_s(p, ",");
	} else {
		p = put_s(p, "{");
	}
	p = put_u(put_s(p, "\"seq\":"), w->seq);
	p = put_u(put_s(p, ",\"ts\":"), now);
	p = put_s(p, ",\"readings\":[");
	for (int i = 0; i < READINGS; i++) {
		uint32_t d = (uint32_t)((w->seq + (uint64_t)i) % 5);

		w->total[i] += d;
		p = put_u(put_s(p, i ? ",{\"addr\":" : "{\"addr\":"), (unsigned)(1 + i / 4));
		p = put_u(put_s(p, ",\"ch\":"), (unsigned)(1 + i % 4));
		p = put_u(put_s(p, ",\"total\":"), w->total[i]);
		p = put_u(put_s(p, ",\"delta\":"), d);
		p = put_s(put_u(put_s(p, ",\"period_ms\":"), 700 + (unsigned)i), "}");
	}
	p = put_s(p, "],\"devices\":[],\"events\":[]}");
	*len = (size_t)(p - buf);
	return buf;
}

static void retry_fill(void *arg);

/* Publish gateway g's next batch on topic kind; false when Paho is full. */
static bool send_one(int g, const char *kind)
{
	char topic[64];
	size_t len;
	char *p;

	if (b.mode == M_BROKER)
		snprintf(topic, sizeof topic, "bench/%d/up", g + 1);
	else if (b.direct)
		snprintf(topic, sizeof topic, "amr/v1/readings/%d", b.obj_base + g + 1);
	else
		snprintf(topic, sizeof topic, "amr/v1/gw/%d/%s", b.obj_base + g + 1, kind);
	p = make_batch(g, &len);
	if (mq_publish(b.pub, topic, p, len, 1, false) != 0) {
		b.gw[g].seq--; /* not sent: the totals move on, which is harmless */
		if (!b.retry)
			b.retry = loop_timer_add(b.l, 2, false, retry_fill, NULL);
		return false;
	}
	b.gw[g].sent_ms[b.gw[g].seq % RING] = loop_now_ms();
	b.published++;
	return true;
}

static void fill(void)
{
	if (b.mode == M_BROKER) {
		while (b.published - b.counted < 2000)
			if (!send_one(b.next_gw, "up"))
				return;
			else
				b.next_gw = (b.next_gw + 1) % b.ngw;
	} else if (b.mode == M_PIPE) {
		for (int g = 0; g < b.ngw; g++)
			while (b.gw[g].seq - b.gw[g].acked < (uint64_t)b.window)
				if (!send_one(g, "up"))
					return;
	}
}

static void retry_fill(void *arg)
{
	b.retry = 0;
	fill();
}

static void on_count(void *ctx, const struct mq_msg *m)
{
	b.counted++;
	fill();
}

static void on_ack(void *ctx, const struct mq_msg *m)
{
	const char *p = strstr(m->payload, "\"seq\":");
	int g = atoi(m->topic + strlen("amr/v1/gw/")) - 1 - b.obj_base;
	uint64_t seq, now = loop_now_ms();
	struct gw *w;

	if (!p || g < 0 || g >= b.ngw || m->retained)
		return;
	w = &b.gw[g];
	seq = strtoull(p + 6, NULL, 10);
	for (uint64_t s = w->acked + 1; s <= seq && s <= w->seq; s++) {
		b.acked_batches++;
		if (b.mode == M_RATE && b.nlat < b.caplat)
			b.lat[b.nlat++] = (unsigned)(now - w->sent_ms[s % RING]);
	}
	if (seq > w->acked)
		w->acked = seq;
	fill();
}

static void rate_tick(void *arg)
{
	b.rate_credit += b.rate_batches / 100.0;
	while (b.rate_credit >= 1.0) {
		int g = b.next_gw;

		b.next_gw = (b.next_gw + 1) % b.ngw;
		b.rate_credit -= 1.0;
		if (b.gw[g].seq - b.gw[g].acked >= (uint64_t)RING / 2 || !send_one(g, "up"))
			break;
	}
}

static void stop_now(void *arg)
{
	b.done = true;
}

/* Run the loop for ms milliseconds. */
static void run_for(unsigned ms)
{
	b.done = false;
	loop_timer_add(b.l, ms, false, stop_now, NULL);
	loop_run_until(b.l, &b.done);
}

/* CPU time (user + system) process pid has used so far, in seconds; -1 if
 * unknown. On a machine shared with other work the rate varies with what
 * else runs, the CPU spent per batch much less. */
static double cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	size_t n;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields after the command name, which is in parentheses: state is
	 * field 3, utime and stime are 14 and 15 */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

enum {
	P_GEN,
	P_BROKER,
	P_ARCHIVE,
	P_INGEST,
	P_N
};
static const char *const pname[P_N] = { "generator", "broker", "archive", "ingest" };

/* CPU of each process of the pipeline, to print per batch after a run. */
struct cpu {
	pid_t pid[P_N]; /* 0: not running */
	double at[P_N]; /* cpu_s() at the start of the run */
};

static void cpu_start(struct cpu *c)
{
	for (int i = 0; i < P_N; i++)
		c->at[i] = c->pid[i] ? cpu_s(c->pid[i]) : -1;
}

/* Print the CPU microseconds per batch of each process since cpu_start(). */
static void cpu_print(const struct cpu *c, unsigned long long batches)
{
	double total = 0;

	if (!batches)
		return;
	printf("    cpu per batch:");
	for (int i = 0; i < P_N; i++) {
		double now = c->pid[i] ? cpu_s(c->pid[i]) : -1;

		if (now < 0 || c->at[i] < 0)
			continue;
		printf(" %s %.0f us,", pname[i], (now - c->at[i]) * 1e6 / (double)batches);
		total += now - c->at[i];
	}
	printf(" all %.0f us\n", total * 1e6 / (double)batches);
}

static int cmp_uint(const void *x, const void *y)
{
	unsigned a = *(const unsigned *)x, c = *(const unsigned *)y;

	return (a > c) - (a < c);
}

static mq *client(struct harness *h, const char *id)
{
	struct mq_opts o = { .host = "127.0.0.1",
			     .port = h->mqtt_port,
			     .client_id = id,
			     .clean_session = true,
			     .max_inflight = 1000,
			     .max_buffered = 1000 };
	mq *m;

	if (mq_create(&m, b.l, &o))
		return NULL;
	return m;
}

int main(int argc, char **argv)
{
	static struct harness h;
	struct cpu cpu = { .pid = { getpid() } };
	pid_t pid;
	unsigned seconds;
	double broker_rate, pipe_rate, lat_readings;
	unsigned long long c0, a0;
	mq *counter;
	int rc = 1;

	b.ngw = argc > 1 ? atoi(argv[1]) : 64;
	b.window = argc > 2 ? atoi(argv[2]) : 8;
	seconds = argc > 3 ? (unsigned)atoi(argv[3]) : 10;
	lat_readings = argc > 4 ? atof(argv[4]) : 50000;
	if (b.ngw < 1 || b.ngw > MAX_GW || b.window < 1 || b.window > RING / 2 || seconds < 1) {
		fprintf(stderr,
			"usage: bench_pipeline [gateways 1..%d] [window] [seconds] "
			"[latency readings/s]\n",
			MAX_GW);
		return 2;
	}
	log_init("bench", LOG_LVL_ERROR);
	b.gw = calloc((size_t)b.ngw, sizeof *b.gw);
	b.caplat = 1 << 20;
	b.lat = calloc(b.caplat, sizeof *b.lat);
	if (!b.gw || !b.lat || loop_create(&b.l) || harness_start(&h))
		return 1;
	if (!(b.pub = client(&h, "bench-gateways")) || !(counter = client(&h, "bench-counter")))
		goto out;
	run_for(500);

	/* 1. broker only. The window below counts every message, so one
	 * published before the subscription is active would stall it: wait
	 * until a probe comes back. */
	mq_subscribe(counter, "bench/+/up", 1, on_count, NULL);
	for (int i = 0; i < 200 && !b.counted; i++) {
		mq_publish(b.pub, "bench/0/up", "{}", 2, 1, false);
		run_for(100);
	}
	if (!b.counted) {
		fprintf(stderr, "bench: the counter's subscription never became active\n");
		goto out;
	}
	run_for(500);
	b.counted = 0;
	b.mode = M_BROKER;
	fill();
	run_for(2000);
	c0 = b.counted;
	cpu.pid[P_BROKER] = h.broker;
	cpu_start(&cpu);
	run_for(seconds * 1000);
	broker_rate = (double)(b.counted - c0) * READINGS / seconds;
	b.mode = M_IDLE;
	run_for(1000);
	mq_destroy(counter);
	printf("broker-only:        %10.0f readings/s  (%.0f batches/s of %d readings)\n",
	       broker_rate, broker_rate / READINGS, READINGS);
	cpu_print(&cpu, b.counted - c0);
	fflush(stdout);

	/* 2a. the archive alone, fed canonical batches (objects 1001..) */
	if ((pid = harness_spawn(&h, "amr-archive", (const char *[]){ "--log-level=warn", NULL })) <
		    0 ||
	    !harness_wait_message(&h, "amr/v1/svc/archive/status", "\"online\":true", 20000)) {
		fprintf(stderr, "bench: archive did not come online\n");
		goto out;
	}
	mq_subscribe(b.pub, "amr/v1/gw/+/ack", 1, on_ack, NULL);
	run_for(500);
	b.direct = true;
	b.obj_base = 1000;
	memset(b.gw, 0, (size_t)b.ngw * sizeof *b.gw);
	b.mode = M_PIPE;
	fill();
	run_for(3000);
	a0 = b.acked_batches;
	cpu.pid[P_ARCHIVE] = pid;
	cpu_start(&cpu);
	run_for(seconds * 1000);
	printf("archive alone:      %10.0f readings/s  (canonical batches straight to "
	       "amr/v1/readings, durable commits)\n",
	       (double)(b.acked_batches - a0) * READINGS / seconds);
	cpu_print(&cpu, b.acked_batches - a0);
	fflush(stdout);
	b.mode = M_IDLE;
	run_for(2000);

	/* 2b. sustained durable ingest + archive (objects 1..) */
	if ((pid = harness_spawn(&h, "amr-ingest", (const char *[]){ "--log-level=warn", NULL })) <
		    0 ||
	    !harness_wait_message(&h, "amr/v1/svc/ingest/status", "\"online\":true", 20000)) {
		fprintf(stderr, "bench: ingest did not come online\n");
		goto out;
	}
	run_for(500);
	b.direct = false;
	b.obj_base = 0;
	memset(b.gw, 0, (size_t)b.ngw * sizeof *b.gw); /* fresh gateways: seq 1.. */
	b.mode = M_PIPE;
	fill();
	run_for(3000);
	a0 = b.acked_batches;
	cpu.pid[P_INGEST] = pid;
	cpu_start(&cpu);
	run_for(seconds * 1000);
	pipe_rate = (double)(b.acked_batches - a0) * READINGS / seconds;
	printf("ingest+archive:     %10.0f readings/s  (%d gateways, window %d, durable "
	       "commits) = %.0f %% of broker-only\n",
	       pipe_rate, b.ngw, b.window, 100.0 * pipe_rate / broker_rate);
	cpu_print(&cpu, b.acked_batches - a0);
	fflush(stdout);

	/* 3. latency at a fixed moderate load */
	b.mode = M_RATE;
	run_for(3000); /* drain */
	b.rate_batches = lat_readings / READINGS;
	b.rate_timer = loop_timer_add(b.l, 10, true, rate_tick, NULL);
	run_for(2000);
	b.nlat = 0;
	run_for(seconds * 1000);
	loop_timer_cancel(b.l, b.rate_timer);
	run_for(1000);
	if (b.nlat) {
		qsort(b.lat, b.nlat, sizeof *b.lat, cmp_uint);
		printf("publish-to-ack at %.0f readings/s: p50 %u ms, p99 %u ms, max %u ms "
		       "(%zu batches)\n",
		       lat_readings, b.lat[b.nlat / 2], b.lat[b.nlat * 99 / 100], b.lat[b.nlat - 1],
		       b.nlat);
	}
	rc = 0;
out:
	if (rc)
		harness_dump_logs(&h);
	mq_destroy(b.pub);
	harness_stop(&h);
	loop_destroy(b.l);
	free(b.gw);
	free(b.lat);
	return rc;
}
