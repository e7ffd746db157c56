#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pwd.h>

#include "ctl.h"
#include "err.h"

static void on_up(void *arg)
{
	struct ctl *c = arg;

	c->up = true;
	c->wake = true;
}

static void on_deadline(void *arg)
{
	struct ctl *c = arg;

	c->timed_out = true;
	c->wake = true;
}

int ctl_connect(struct ctl *c)
{
	struct mq_opts o = { 0 };
	char id[64];
	uint64_t t;

	snprintf(id, sizeof id, "amrctl-%d-%lx", (int)getpid(), (unsigned long)loop_now_ms());
	o.host = c->common.mqtt_host;
	o.port = (int)c->common.mqtt_port;
	o.user = c->common.mqtt_user;
	o.password = c->common.mqtt_password;
	o.cafile = c->common.mqtt_cafile;
	o.client_id = id;
	o.clean_session = true;
	o.on_connect = on_up;
	o.ctx = c;
	if (loop_create(&c->l) || mq_create(&c->m, c->l, &o) || rpc_create(&c->r, c->m, c->l)) {
		fprintf(stderr, "amrctl: cannot start the MQTT client\n");
		return -1;
	}
	loop_stop_on_signals(c->l);
	if (!(t = loop_timer_add(c->l, (unsigned)c->timeout_ms, false, on_deadline, c))) {
		fprintf(stderr, "amrctl: out of memory\n");
		return -1;
	}
	c->wake = false;
	loop_run_until(c->l, &c->wake);
	loop_timer_cancel(c->l, t);
	if (!c->up) {
		fprintf(stderr, "amrctl: cannot reach the broker at %s:%lld\n", c->common.mqtt_host,
			c->common.mqtt_port);
		return -1;
	}
	return 0;
}

void ctl_close(struct ctl *c)
{
	rpc_destroy(c->r);
	mq_destroy(c->m);
	loop_destroy(c->l);
	c->r = NULL;
	c->m = NULL;
	c->l = NULL;
}

int ctl_call(struct ctl *c, const char *method, json_t *args, json_t **result)
{
	char *code = NULL, *message = NULL;
	int rc = rpc_call_wait(c->r, method, args, (unsigned)c->timeout_ms, result, &code,
			       &message);

	if (rc == AMR_OK)
		return 0;
	fprintf(stderr, "amrctl: %s: %s: %s\n", method, code ? code : "error",
		message ? message : amr_strerror(rc));
	free(code);
	free(message);
	return 1;
}

void ctl_print(const struct ctl *c, const json_t *v)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY | (c->compact ? JSON_COMPACT : JSON_INDENT(2)));

	if (text)
		printf("%s\n", text);
	free(text);
}

int ctl_time(const char *s, int64_t now, int64_t *t)
{
	char *end;
	long long v;

	if (strcmp(s, "now") == 0) {
		*t = now;
		return 0;
	}
	v = strtoll(s, &end, 10);
	if (end == s)
		return -1;
	if (*end == '\0' && s[0] != '-' && s[0] != '+') {
		*t = v;
		return 0;
	}
	if (s[0] != '-' || end[1] != '\0' || v > 0)
		return -1;
	switch (*end) {
	case 's':
		*t = now + v;
		return 0;
	case 'm':
		*t = now + v * 60;
		return 0;
	case 'h':
		*t = now + v * 3600;
		return 0;
	case 'd':
		*t = now + v * 86400;
		return 0;
	}
	return -1;
}

const char *ctl_actor(void)
{
	static char actor[96];
	struct passwd *pw = getpwuid(getuid());

	snprintf(actor, sizeof actor, "amrctl:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
	return actor;
}
