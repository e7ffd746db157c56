/*
 * bench_rpc - the time of one RPC round trip through the broker.
 *
 * Starts its own Mosquitto on a free loopback port (tests/harness) and a
 * real amr-archive (from $AMR_BIN_DIR), then makes `calls` sequential
 * archive/ping calls through lib/rpc, each waiting for its answer, and
 * prints the distribution of the round trips.
 *
 *   bench_rpc [calls] [broker on|off] [clients on|off]
 *
 * "broker off" writes `set_tcp_nodelay false` into the harness's broker
 * configuration (AMR_TEST_BROKER_NODELAY=0); "clients off" leaves Nagle's
 * algorithm on in this program's and the archive's connections
 * (AMR_TCP_NODELAY=0, lib/tcp_nodelay.h). Both default to on, as deployed;
 * "off off" measures the system as it was before either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "harness.h"
#include "log.h"
#include "loop.h"
#include "mq.h"
#include "rpc.h"

#define WARMUP 20

static bool up;

static void on_up(void *ctx)
{
	up = true;
}

static void stop_now(void *arg)
{
	*(bool *)arg = true;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* One archive/ping; its round trip in microseconds, or -1. */
static double ping(rpc *r)
{
	json_t *result = NULL;
	char *code = NULL, *message = NULL;
	double t0 = now_us();
	int rc = rpc_call_wait(r, "archive/ping", NULL, 5000, &result, &code, &message);
	double t = now_us() - t0;

	if (rc)
		fprintf(stderr, "bench: archive/ping: %s: %s\n", code, message);
	json_decref(result);
	free(code);
	free(message);
	return rc ? -1 : t;
}

/* True if the log of program name in the test directory holds needle. */
static bool log_has(const struct harness *h, const char *name, const char *needle)
{
	char path[400], buf[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.log", h->dir, name);
	if (!(f = fopen(path, "r")))
		return false;
	while (!found && fgets(buf, sizeof buf, f))
		found = strstr(buf, needle) != NULL;
	fclose(f);
	return found;
}

static bool parse_on_off(const char *s, bool *on)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "off") == 0) {
		*on = strcmp(s, "on") == 0;
		return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	static struct harness h;
	struct mq_opts o = { .host = "127.0.0.1", .client_id = "bench-rpc", .clean_session = true };
	bool broker_nodelay = true, client_nodelay = true, done = false;
	int calls = argc > 1 ? atoi(argv[1]) : 1000, on, total, rc = 1;
	double *t, sum = 0, t0;
	uint64_t timer;
	loop *l = NULL;
	mq *m = NULL;
	rpc *r = NULL;

	if (calls < 1 || (argc > 2 && !parse_on_off(argv[2], &broker_nodelay)) ||
	    (argc > 3 && !parse_on_off(argv[3], &client_nodelay))) {
		fprintf(stderr, "usage: bench_rpc [calls] [broker on|off] [clients on|off]\n");
		return 2;
	}
	/* Before anything connects, and inherited by the broker's and the
	 * archive's environment. */
	if (!broker_nodelay)
		setenv("AMR_TEST_BROKER_NODELAY", "0", 1);
	if (!client_nodelay)
		setenv("AMR_TCP_NODELAY", "0", 1);
	log_init("bench", LOG_LVL_ERROR);
	t = calloc((size_t)calls, sizeof *t);
	if (!t || loop_create(&l) || harness_start(&h))
		return 1;
	if (harness_spawn(&h, "amr-archive", (const char *[]){ "--log-level=warn", NULL }) < 0 ||
	    !harness_wait_message(&h, "amr/v1/svc/archive/status", "\"online\":true", 20000)) {
		fprintf(stderr, "bench: archive did not come online\n");
		goto out;
	}
	o.port = h.mqtt_port;
	o.on_connect = on_up;
	if (mq_create(&m, l, &o) || rpc_create(&r, m, l))
		goto out;
	timer = loop_timer_add(l, 10000, false, stop_now, &done);
	while (!up && !done)
		loop_run_until(l, &up);
	loop_timer_cancel(l, timer);
	if (!up) {
		fprintf(stderr, "bench: no connection to the broker\n");
		goto out;
	}
	for (int i = 0; i < WARMUP; i++)
		if (ping(r) < 0)
			goto out;

	/* Check that the switches did what they say: this process's own
	 * connections (its client and the harness's probe), and the archive's
	 * warning when it was told to leave Nagle on. */
	on = harness_tcp_nodelay(h.mqtt_port, &total);
	if (total < 2 || on != (client_nodelay ? total : 0) ||
	    log_has(&h, "amr-archive", "AMR_TCP_NODELAY=0") == client_nodelay) {
		fprintf(stderr, "bench: TCP_NODELAY on %d of %d connections, expected %s\n", on,
			total, client_nodelay ? "all" : "none");
		goto out;
	}

	t0 = now_us();
	for (int i = 0; i < calls; i++) {
		if ((t[i] = ping(r)) < 0)
			goto out;
		sum += t[i];
	}
	t0 = now_us() - t0;
	qsort(t, (size_t)calls, sizeof *t, cmp_double);
	printf("archive/ping x %d, broker set_tcp_nodelay %s, clients TCP_NODELAY %s:\n"
	       "    p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms "
	       "(%.0f calls/s)\n",
	       calls, broker_nodelay ? "on" : "off", client_nodelay ? "on" : "off",
	       t[calls * 50 / 100] / 1e3, t[calls * 90 / 100] / 1e3, t[calls * 99 / 100] / 1e3,
	       t[calls - 1] / 1e3, sum / calls / 1e3, calls / (t0 / 1e6));
	fflush(stdout);
	rc = 0;
out:
	if (rc)
		harness_dump_logs(&h);
	rpc_destroy(r);
	mq_destroy(m);
	harness_stop(&h);
	loop_destroy(l);
	free(t);
	return rc;
}
