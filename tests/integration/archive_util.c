/*
 * archive_util.c - the gateway side, RPC calls and checks shared by the
 * amr-archive integration tests. See archive_util.h.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_util.h"

static int rpc_seq;

void agw_init(struct agw *g, struct harness *h, int obj, size_t cap)
{
	memset(g, 0, sizeof *g);
	g->h = h;
	g->obj = obj;
	g->cap = cap + 1;
	g->sent = calloc(g->cap, sizeof *g->sent);
	ck_assert_ptr_nonnull(g->sent);
	for (int c = 0; c < AGW_NCH; c++)
		g->first[c] = g->total[c] = 1000u * (uint32_t)(c + 1) + 17;
}

void agw_free(struct agw *g)
{
	for (size_t i = 0; i < g->cap; i++)
		free(g->sent[i]);
	free(g->sent);
}

void agw_make(struct agw *g, int64_t ts)
{
	json_t *b, *rs;

	g->seq++;
	ck_assert_uint_lt(g->seq, g->cap);
	rs = json_array();
	for (int c = 0; c < AGW_NCH; c++) {
		uint32_t d = g->seq == 1 ? 0 : (uint32_t)((g->seq * 7 + (uint64_t)c * 3) % 11);

		g->total[c] += d;
		json_array_append_new(rs,
				      json_pack("{s:i, s:i, s:I, s:I, s:i}", "addr", 1 + c / 4,
						"ch", 1 + c % 4, "total", (json_int_t)g->total[c],
						"delta", (json_int_t)d, "period_ms", 900));
	}
	/* in the gateway's order: seq, prev, ts, readings, devices, events */
	b = json_pack("{s:I}", "seq", (json_int_t)g->seq);
	ck_assert_ptr_nonnull(b);
	if (g->chain)
		json_object_set_new(b, "prev", json_integer((json_int_t)(g->seq - 1)));
	json_object_set_new(b, "ts", json_integer(ts));
	json_object_set_new(b, "readings", rs);
	json_object_set_new(b, "devices", json_array());
	json_object_set_new(b, "events", json_array());
	if (!g->up) {
		/* what ingest adds to make the canonical batch */
		json_object_set_new(b, "obj", json_integer(g->obj));
		json_object_set_new(b, "rx", json_integer(ts));
	}
	g->sent[g->seq] = json_dumps(b, JSON_COMPACT);
	ck_assert_ptr_nonnull(g->sent[g->seq]);
	json_decref(b);
}

static void publish_seq(struct agw *g, uint64_t seq)
{
	char topic[64];

	if (g->up)
		snprintf(topic, sizeof topic, "amr/v1/gw/%d/up", g->obj);
	else
		snprintf(topic, sizeof topic, "amr/v1/readings/%d", g->obj);
	arc_publish(g->h, topic, g->sent[seq]);
}

void agw_send(struct agw *g, int64_t ts)
{
	agw_make(g, ts);
	publish_seq(g, g->seq);
}

void agw_resend(struct agw *g, uint64_t acked)
{
	for (uint64_t s = acked + 1; s <= g->seq; s++)
		publish_seq(g, s);
}

void arc_publish(struct harness *h, const char *topic, const char *payload)
{
	for (int tries = 0; harness_publish(h, topic, payload, 1, false) != 0; tries++) {
		ck_assert_int_lt(tries, 1000);
		harness_sleep_ms(5);
	}
}

pid_t arc_start(struct harness *h, const char *const *args)
{
	const char *argv[16] = { "--commit-ms=20" };
	size_t n = 1;
	char *st;
	pid_t p;

	for (size_t i = 0; args && args[i]; i++) {
		ck_assert_uint_lt(n, 15);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	harness_clear_inbox(h);
	p = harness_spawn(h, "amr-archive", argv);
	ck_assert_int_gt(p, 0);
	st = harness_wait_message(h, "amr/v1/svc/archive/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-archive did not come online");
	free(st);
	return p;
}

json_t *arc_rpc(struct harness *h, const char *method, const char *args, const char *want_err,
		char *code, size_t size)
{
	char id[32], topic[128], req[8192], ok[64], bad[128];
	json_t *ans, *res;
	char *payload;

	snprintf(id, sizeof id, "t%d", ++rpc_seq);
	snprintf(topic, sizeof topic, "amr/v1/rpc/archive/%s", method);
	snprintf(req, sizeof req, "{\"id\":\"%s\",\"reply\":\"amr/v1/rpc/reply/test\",\"args\":%s}",
		 id, args);
	snprintf(ok, sizeof ok, "\"id\":\"%s\",\"ok\":true", id);
	snprintf(bad, sizeof bad, "\"id\":\"%s\",\"ok\":false,\"error\":{\"code\":\"%s", id,
		 want_err ? want_err : "");
	ck_assert_int_eq(harness_subscribe(h, "amr/v1/rpc/reply/test"), 0);
	arc_publish(h, topic, req);
	payload = want_err ? NULL : harness_wait_message(h, "amr/v1/rpc/reply/test", ok, 1500);
	if (!payload)
		payload = harness_wait_message(h, "amr/v1/rpc/reply/test", bad, 10000);
	ck_assert_msg(payload != NULL, "archive/%s: no answer", method);
	ans = json_loads(payload, 0, NULL);
	free(payload);
	ck_assert_ptr_nonnull(ans);
	res = json_incref(json_object_get(ans, "result"));
	if (!res && code)
		snprintf(code, size, "%s",
			 json_string_value(json_object_get(json_object_get(ans, "error"), "code")));
	json_decref(ans);
	return res;
}

bool arc_ack_seen(struct harness *h, int obj, uint64_t seq, int ms)
{
	char topic[64], needle[64], *p;

	snprintf(topic, sizeof topic, "amr/v1/gw/%d/ack", obj);
	snprintf(needle, sizeof needle, "{\"seq\":%llu}", (unsigned long long)seq);
	bool seen;

	p = harness_wait_message(h, topic, needle, ms);
	seen = p != NULL;
	free(p);
	return seen;
}

void arc_wait_ack(struct harness *h, int obj, uint64_t seq, int ms)
{
	ck_assert_msg(arc_ack_seen(h, obj, seq, ms), "no ack {\"seq\":%llu} for object %d",
		      (unsigned long long)seq, obj);
}

uint64_t arc_hwm(struct harness *h, int obj)
{
	char args[32];
	json_t *r;
	uint64_t seq;

	snprintf(args, sizeof args, "{\"obj\":%d}", obj);
	r = arc_rpc(h, "hwm", args, NULL, NULL, 0);
	ck_assert_ptr_nonnull(r);
	seq = (uint64_t)json_integer_value(json_object_get(r, "seq"));
	json_decref(r);
	return seq;
}

long long arc_metric(struct harness *h, const char *name)
{
	json_t *r = arc_rpc(h, "metrics", "{}", NULL, NULL, 0);
	const char *text, *p;
	size_t len = strlen(name);
	long long v = -1;

	ck_assert_ptr_nonnull(r);
	text = json_string_value(json_object_get(r, "text"));
	ck_assert_ptr_nonnull(text);
	/* a sample line: the name at the start of a line, a space, the value */
	for (p = text; (p = strstr(p, name)); p += len) {
		if ((p == text || p[-1] == '\n') && p[len] == ' ') {
			v = strtoll(p + len + 1, NULL, 10);
			break;
		}
	}
	json_decref(r);
	return v;
}

void arc_check_conservation(struct harness *h, const struct agw *g)
{
	char args[512];
	json_t *r, *items;
	int n;

	n = snprintf(args, sizeof args, "{\"from\":0,\"to\":4000000000,\"channels\":[");
	for (int c = 0; c < AGW_NCH; c++)
		n += snprintf(args + n, sizeof args - (size_t)n, "%s\"%d.%d.%d\"", c ? "," : "",
			      g->obj, 1 + c / 4, 1 + c % 4);
	snprintf(args + n, sizeof args - (size_t)n, "]}");
	r = arc_rpc(h, "consumption", args, NULL, NULL, 0);
	ck_assert_ptr_nonnull(r);
	items = json_object_get(r, "items");
	ck_assert_uint_eq(json_array_size(items), AGW_NCH);
	for (int c = 0; c < AGW_NCH; c++) {
		json_int_t pulses = json_integer_value(
			json_object_get(json_array_get(items, c), "pulses"));

		ck_assert_msg(pulses == (json_int_t)(g->total[c] - g->first[c]),
			      "channel %d: archived %lld, totals changed by %u", c,
			      (long long)pulses, g->total[c] - g->first[c]);
	}
	json_decref(r);
}
