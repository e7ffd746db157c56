/*
 * test_ingest_util.c - RPC client and helpers for the amr-ingest tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "test_ingest_util.h"

/* on_connect of a client: its reply topic is subscribed (lib/mq sends the
 * SUBSCRIBEs first), so a request sent from now on, on the same
 * connection, reaches the broker after it and its answer finds it. */
static void on_up(void *arg)
{
	struct client *c = arg;

	c->up = true;
	c->wake = true;
}

struct wait_conn {
	struct client *c;  /* client being connected */
	struct harness *h; /* its probe wakes Paho (harness_poke) */
	int ticks;	   /* ticks so far */
};

static void tick(void *arg)
{
	struct wait_conn *w = arg;

	harness_poke(w->h);
	if (++w->ticks > 1000)
		w->c->wake = true; /* 10 s: give up */
}

int client_start(struct client *c, struct harness *h)
{
	struct mq_opts o = { 0 };
	struct wait_conn w = { c, h, 0 };
	char id[64];
	uint64_t t;

	memset(c, 0, sizeof *c);
	snprintf(id, sizeof id, "test-ingest-%d", (int)getpid());
	o.host = "127.0.0.1";
	o.port = h->mqtt_port;
	o.client_id = id;
	o.clean_session = true;
	o.on_connect = on_up;
	o.ctx = c;
	if (loop_create(&c->l) || mq_create(&c->m, c->l, &o) || rpc_create(&c->r, c->m, c->l))
		return -1;
	t = loop_timer_add(c->l, 10, true, tick, &w);
	loop_run_until(c->l, &c->wake);
	loop_timer_cancel(c->l, t);
	return c->up ? 0 : -1;
}

void client_stop(struct client *c)
{
	rpc_destroy(c->r);
	mq_destroy(c->m);
	loop_destroy(c->l);
	memset(c, 0, sizeof *c);
}

static void on_answer(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct answer *a = ctx;

	a->done = true;
	a->err = err;
	a->result = result ? json_incref(result) : NULL;
	snprintf(a->code, sizeof a->code, "%s", code ? code : "");
	snprintf(a->message, sizeof a->message, "%s", message ? message : "");
}

int client_call_async(struct client *c, const char *method, const char *args, unsigned timeout_ms,
		      struct answer *a)
{
	json_t *j = args ? parse(args) : NULL;

	memset(a, 0, sizeof *a);
	if (args && !j)
		return -1;
	return rpc_call(c->r, method, j, timeout_ms, on_answer, a) ? -1 : 0;
}

void client_wait(struct client *c, struct answer *a)
{
	loop_run_until(c->l, &a->done);
}

int client_call(struct client *c, const char *method, const char *args, unsigned timeout_ms,
		struct answer *a)
{
	if (client_call_async(c, method, args, timeout_ms, a))
		return AMR_EINVAL;
	client_wait(c, a);
	return a->err;
}

pid_t start_ingest(struct harness *h, const char *const *args)
{
	static const char *const none[] = { NULL };
	char *st;
	pid_t pid;

	harness_subscribe(h, "amr/v1/svc/ingest/status");
	harness_clear_inbox(h);
	pid = harness_spawn(h, "amr-ingest", args ? args : none);
	if (pid < 0)
		return -1;
	st = harness_wait_message(h, "amr/v1/svc/ingest/status", "\"online\":true", 10000);
	if (!st)
		return -1;
	free(st);
	/* "online" goes out before ingest subscribes; an answer to a request,
	 * subscribed after the rest, says its subscriptions are in */
	if (harness_wait_service(h, "ingest", 10000))
		return -1;
	return pid;
}

json_t *parse(const char *text)
{
	return text ? json_loads(text, 0, NULL) : NULL;
}

long long json_int_of(const char *text, const char *field)
{
	json_t *j = parse(text);
	json_t *v = json_object_get(j, field);
	long long n = json_is_integer(v) ? json_integer_value(v) : -1;

	json_decref(j);
	return n;
}
