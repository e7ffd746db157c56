/*
 * amrctl - the command line of the metering system.
 *
 *   amrctl rpc <service>/<method> ['<json args>']   one request, print the answer
 *   amrctl ping <service>                           is a service alive?
 *   amrctl status                                   every service's status topic
 *
 * The broker is found like every program finds it (AMR_MQTT_HOST,
 * AMR_MQTT_PORT, AMR_MQTT_USER, AMR_MQTT_PASSWORD). Answers are printed as
 * JSON on stdout; errors as one line on stderr with exit status 1 (2 for a
 * usage error), so scripts can rely on both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "jv.h"
#include "log.h"
#include "loop.h"
#include "mq.h"
#include "rpc.h"

struct ctl {
	struct config_common common;  /* broker options */
	long long timeout_ms;         /* answer timeout */
	bool compact;                 /* print JSON on one line */
	loop *l;                      /* our loop */
	mq *m;                        /* broker client */
	rpc *r;                       /* RPC endpoint */
	bool up;                      /* connected */
	bool timed_out;               /* gave up waiting */
	bool wake;                    /* makes loop_run_until() return */
};

static const char summary[] =
	"amrctl: command line of the metering system\n"
	"\n"
	"commands:\n"
	"  rpc SERVICE/METHOD ['JSON ARGS']   send one request, print the answer\n"
	"  ping SERVICE                       ask a service whether it is alive\n"
	"  status                             print every service's status topic\n"
	"  help SERVICE                       list a service's methods";

static void on_up(void *arg)
{
	((struct ctl *)arg)->up = true;
	((struct ctl *)arg)->wake = true;
}

static void on_deadline(void *arg)
{
	((struct ctl *)arg)->timed_out = true;
	((struct ctl *)arg)->wake = true;
}

/* Connect and wait for the session; prints the error itself. */
static int connect_broker(struct ctl *c)
{
	struct mq_opts o = { 0 };
	char id[64];
	uint64_t t;

	snprintf(id, sizeof id, "amrctl-%d-%lx", (int)getpid(), (unsigned long)loop_now_ms());
	o.host = c->common.mqtt_host;
	o.port = (int)c->common.mqtt_port;
	o.user = c->common.mqtt_user;
	o.password = c->common.mqtt_password;
	o.client_id = id;
	o.clean_session = true;
	o.on_connect = on_up;
	o.ctx = c;
	if (loop_create(&c->l) || mq_create(&c->m, c->l, &o) || rpc_create(&c->r, c->m, c->l)) {
		fprintf(stderr, "amrctl: cannot start the MQTT client\n");
		return -1;
	}
	loop_stop_on_signals(c->l);
	t = loop_timer_add(c->l, (unsigned)c->timeout_ms, false, on_deadline, c);
	c->wake = false;
	loop_run_until(c->l, &c->wake);
	loop_timer_cancel(c->l, t);
	if (!c->up) {
		fprintf(stderr, "amrctl: cannot reach the broker at %s:%lld\n",
			c->common.mqtt_host, c->common.mqtt_port);
		return -1;
	}
	return 0;
}

static void print_json(const struct ctl *c, json_t *v)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY | (c->compact ? JSON_COMPACT : JSON_INDENT(2)));

	if (text)
		printf("%s\n", text);
	free(text);
}

static int cmd_rpc(struct ctl *c, const char *method, const char *args_text)
{
	struct jv_err err = { "" };
	json_t *args = NULL, *result = NULL;
	char *code = NULL, *message = NULL;
	int rc;

	if (args_text) {
		args = jv_parse_object(args_text, strlen(args_text), &err);
		if (!args) {
			fprintf(stderr, "amrctl: arguments: %s\n", err.msg);
			return 2;
		}
	}
	if (!strchr(method, '/')) {
		json_decref(args);
		fprintf(stderr, "amrctl: method must be written SERVICE/METHOD, e.g. archive/ping\n");
		return 2;
	}
	if (connect_broker(c)) {
		json_decref(args);
		return 1;
	}
	rc = rpc_call_wait(c->r, method, args, (unsigned)c->timeout_ms, &result, &code, &message);
	if (rc == AMR_OK) {
		print_json(c, result);
		json_decref(result);
		return 0;
	}
	fprintf(stderr, "amrctl: %s: %s: %s\n", method, code ? code : "error",
		message ? message : amr_strerror(rc));
	free(code);
	free(message);
	return 1;
}

struct status_ctx {
	json_t *all;        /* service name -> status */
};

static void on_status(void *ctx, const struct mq_msg *msg)
{
	struct status_ctx *s = ctx;
	char name[64];
	json_t *v = json_loadb(msg->payload, msg->len, 0, NULL);

	if (sscanf(msg->topic, "amr/v1/svc/%63[^/]/status", name) == 1)
		json_object_set_new(s->all, name, v ? v : json_string(msg->payload));
	else
		json_decref(v);
}

static int cmd_status(struct ctl *c)
{
	struct status_ctx s = { json_object() };

	if (connect_broker(c))
		return 1;
	mq_subscribe(c->m, "amr/v1/svc/+/status", 1, on_status, &s);
	/* Retained statuses arrive right after the subscription. */
	c->wake = false;
	loop_timer_add(c->l, 700, false, on_deadline, c);
	loop_run_until(c->l, &c->wake);
	print_json(c, s.all);
	json_decref(s.all);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl c = { 0 };
	struct config_opt opts[] = {
		{ "timeout", "AMR_RPC_TIMEOUT", CONFIG_INT, "5000", 100, 600000,
		  "milliseconds to wait for an answer", &c.timeout_ms, NULL },
		{ "compact", NULL, CONFIG_BOOL, "no", 0, 1,
		  "print JSON on one line", &c.compact, NULL },
		CONFIG_COMMON_ROWS(&c.common),
	};
	int npos = 0, rc;
	char arg[128];

	rc = config_parse(opts, sizeof opts / sizeof opts[0], argc, argv, summary, &npos);
	if (rc == CONFIG_HELP)
		return 0;
	if (rc == CONFIG_BAD)
		return 2;
	/* Library chatter (connected, ...) only when asked for with debug. */
	rc = log_level_parse(c.common.log_level);
	log_init("amrctl", rc == LOG_LVL_DEBUG ? rc : LOG_LVL_ERROR);
	if (npos < 1) {
		fprintf(stderr, "amrctl: a command is needed (try --help)\n");
		return 2;
	}
	if (strcmp(argv[1], "rpc") == 0 && (npos == 2 || npos == 3)) {
		rc = cmd_rpc(&c, argv[2], npos == 3 ? argv[3] : NULL);
	} else if ((strcmp(argv[1], "ping") == 0 || strcmp(argv[1], "help") == 0) && npos == 2) {
		snprintf(arg, sizeof arg, "%s/%s", argv[2], argv[1]);
		rc = cmd_rpc(&c, arg, NULL);
	} else if (strcmp(argv[1], "status") == 0 && npos == 1) {
		rc = cmd_status(&c);
	} else {
		fprintf(stderr, "amrctl: unknown command or wrong arguments: %s (try --help)\n",
			argv[1]);
		return 2;
	}
	rpc_destroy(c.r);
	mq_destroy(c.m);
	loop_destroy(c.l);
	return rc;
}
