#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "proto.h"
#include "svc.h"

#ifndef AMR_VERSION
#define AMR_VERSION "0.1.0"
#endif

int64_t svc_now(void)
{
	return (int64_t)time(NULL);
}

static json_t *status_json(const struct svc *s, bool online)
{
	json_t *st;

	if (!online)
		return json_pack("{s:b}", "online", 0);
	st = json_pack("{s:b, s:s, s:I}", "online", 1, "version", s->version, "started",
		       (json_int_t)s->started);
	if (st && s->problem[0] && json_object_set_new(st, "problem", json_string(s->problem))) {
		json_decref(st);
		return NULL;
	}
	return st;
}

static void publish_status(struct svc *s, bool online)
{
	json_t *st = status_json(s, online);

	if (st)
		mq_publish_json(s->mq, s->status_topic, st, 1, true);
	json_decref(st);
}

static void on_connect(void *ctx)
{
	struct svc *s = ctx;

	publish_status(s, true);
	if (s->on_connect)
		s->on_connect(s->ctx);
}

static void m_ping(void *ctx, rpc_req *req, json_t *args)
{
	struct svc *s = ctx;

	json_t *res = json_pack("{s:s, s:s, s:I, s:I}", "service", s->name, "version", s->version,
				"started", (json_int_t)s->started, "now", (json_int_t)svc_now());

	if (res && s->problem[0])
		json_object_set_new(res, "problem", json_string(s->problem));
	rpc_reply_ok(req, res);
}

static void m_metrics(void *ctx, rpc_req *req, json_t *args)
{
	struct svc *s = ctx;
	char *text = metrics_render(s->metrics);

	if (!text) {
		rpc_reply_err(req, "internal", "out of memory");
		return;
	}
	rpc_reply_ok(req, json_pack("{s:s}", "text", text));
	free(text);
}

static const struct rpc_method base_methods[] = {
	{ "ping", m_ping, "liveness: service name, version, start time, now" },
	{ "metrics", m_metrics, "counters in Prometheus text format, as {\"text\":..}" },
};

int svc_init(struct svc *s, const char *name, const char *summary, int argc, char **argv,
	     const struct config_opt *opts, size_t n, const char *client_id)
{
	struct config_opt table[SVC_MAX_OPTS];
	struct config_opt rows[] = { CONFIG_COMMON_ROWS(&s->common) };
	size_t ncommon = sizeof rows / sizeof rows[0];
	struct mq_opts mo = { 0 };
	char prog[64], will[32];
	int rc;

	memset(s, 0, sizeof *s); /* rows point into s, not at its fields' values */
	s->name = name;
	s->version = AMR_VERSION;
	s->started = svc_now();
	if (n + ncommon > SVC_MAX_OPTS) {
		fprintf(stderr, "%s: too many options\n", name);
		return 1;
	}
	if (n)
		memcpy(table, opts, n * sizeof *opts);
	memcpy(table + n, rows, sizeof rows);
	rc = config_parse(table, n + ncommon, argc, argv, summary, NULL);
	if (rc == CONFIG_HELP)
		return 0;
	if (rc == CONFIG_BAD)
		return 2;

	snprintf(prog, sizeof prog, "amr-%s", name);
	snprintf(s->prog, sizeof s->prog, "%s", prog);
	log_init(s->prog, log_level_parse(s->common.log_level));
	if (!proto_topic(s->status_topic, sizeof s->status_topic, PROTO_T_SVC_STATUS, 0, name)) {
		log_error("bad service name \"%s\"", name);
		return 1;
	}
	snprintf(s->client_id, sizeof s->client_id, "%s", client_id ? client_id : prog);

	if (loop_create(&s->loop) || metrics_create(&s->metrics))
		goto out_fail;
	snprintf(will, sizeof will, "{\"online\":false}");
	mo.host = s->common.mqtt_host;
	mo.port = (int)s->common.mqtt_port;
	mo.user = s->common.mqtt_user;
	mo.password = s->common.mqtt_password;
	mo.cafile = s->common.mqtt_cafile;
	mo.client_id = s->client_id;
	mo.clean_session = false;
	mo.max_inflight = (int)s->common.mqtt_inflight;
	mo.max_buffered = (int)s->common.mqtt_buffered;
	mo.will_topic = s->status_topic;
	mo.will_payload = will;
	mo.will_retain = true;
	mo.on_connect = on_connect;
	mo.ctx = s;
	if (mq_create(&s->mq, s->loop, &mo))
		goto out_fail;
	if (rpc_create(&s->rpc, s->mq, s->loop))
		goto out_fail;
	if (rpc_serve(s->rpc, name, base_methods, sizeof base_methods / sizeof base_methods[0], s))
		goto out_fail;
	loop_stop_on_signals(s->loop);
	log_info("starting, broker %s:%lld, client id %s", s->common.mqtt_host, s->common.mqtt_port,
		 s->client_id);
	return SVC_CONTINUE;

out_fail:
	log_error("cannot start");
	svc_fini(s);
	return 1;
}

amr_err svc_serve(struct svc *s, const struct rpc_method *methods, size_t n, void *ctx)
{
	return rpc_serve(s->rpc, s->name, methods, n, ctx);
}

amr_err svc_run(struct svc *s)
{
	int rc = loop_run(s->loop);

	log_info("stopping");
	return rc;
}

void svc_set_problem(struct svc *s, const char *why)
{
	if (!why)
		why = "";
	if (strncmp(s->problem, why, sizeof s->problem - 1) == 0)
		return;
	snprintf(s->problem, sizeof s->problem, "%s", why);
	if (s->mq && mq_connected(s->mq))
		publish_status(s, true);
}

void svc_fini(struct svc *s)
{
	if (s->mq && mq_connected(s->mq))
		publish_status(s, false);
	rpc_destroy(s->rpc);
	mq_destroy(s->mq);
	metrics_destroy(s->metrics);
	loop_destroy(s->loop);
	s->rpc = NULL;
	s->mq = NULL;
	s->metrics = NULL;
	s->loop = NULL;
}
