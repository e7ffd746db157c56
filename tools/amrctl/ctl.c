#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pwd.h>

#include "ctl.h"
#include "err.h"
#include "rpc_file.h"

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

struct download {
	int fd;		 /* where the bytes go */
	int write_errno; /* errno of a failed write, 0 if none */
};

static int write_sink(void *ctx, const void *data, size_t len)
{
	struct download *d = ctx;
	const char *p = data;

	while (len) {
		ssize_t n = write(d->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			d->write_errno = errno;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctl_get_file(struct ctl *c, const char *method, json_t *args, const char *out)
{
	struct download d = { .fd = STDOUT_FILENO };
	struct rpc_file_info info;
	char part[4096], *code = NULL, *message = NULL;
	json_t *said;
	int err, rc = 1;

	if (strcmp(out, "-") != 0) {
		snprintf(part, sizeof part, "%s.part-%d", out, (int)getpid());
		d.fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (d.fd < 0) {
			fprintf(stderr, "amrctl: %s: %s\n", part, strerror(errno));
			json_decref(args);
			return 1;
		}
	}
	if (ctl_connect(c)) {
		json_decref(args);
		goto out_close;
	}
	err = rpc_file_fetch_wait(c->r, method, args, (unsigned)c->timeout_ms, 0, write_sink, &d,
				  &info, &code, &message);
	if (!err && d.fd != STDOUT_FILENO && fsync(d.fd) != 0)
		d.write_errno = errno;
	if (d.write_errno)
		fprintf(stderr, "amrctl: %s: %s\n", out, strerror(d.write_errno));
	else if (err)
		fprintf(stderr, "amrctl: %s: %s: %s\n", method, code, message);
	else
		rc = 0;
	free(code);
	free(message);
out_close:
	if (d.fd == STDOUT_FILENO)
		return rc;
	if (close(d.fd) != 0 && !rc) {
		fprintf(stderr, "amrctl: %s: %s\n", out, strerror(errno));
		rc = 1;
	}
	if (!rc && rename(part, out) != 0) {
		fprintf(stderr, "amrctl: %s: %s\n", out, strerror(errno));
		rc = 1;
	}
	if (rc) {
		unlink(part);
		return rc;
	}
	said = json_pack("{s:s, s:s, s:s, s:I, s:s}", "file", out, "name", info.name, "type",
			 info.type, "size", (json_int_t)info.size, "sha256", info.sha256);
	ctl_print(c, said);
	json_decref(said);
	return 0;
}
