/*
 * smsin.c - the listener Kannel hands incoming SMS and delivery reports
 * to (smsin.h): libmicrohttpd on a thread of its own checks each request
 * and posts what passes to the loop thread.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "log.h"
#include "smsin.h"
#include "smsread.h"

struct smsin {
	struct MHD_Daemon *d;
	int port;
	loop *l;
	void (*on_sms)(const struct smsin_sms *m, void *arg);
	void (*on_dlr)(const struct smsin_dlr *d, void *arg);
	void *arg;
	metric *m_sms, *m_dlr, *m_bad, *m_busy;
};

/* What goes to the loop: one of the two. */
struct job {
	smsin *s;
	bool dlr;
	struct smsin_sms m;
	struct smsin_dlr r;
	char text[]; /* m.text */
};

/* Answer code with a one-line text; a 400 is counted as refused. */
static enum MHD_Result answer(smsin *s, struct MHD_Connection *c, unsigned code, const char *fmt,
			      ...)
{
	char buf[200];
	struct MHD_Response *r;
	enum MHD_Result rc;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	if (code == MHD_HTTP_BAD_REQUEST)
		metric_add(s->m_bad, 1);
	if (!(r = MHD_create_response_from_buffer((size_t)n, buf, MHD_RESPMEM_MUST_COPY)))
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

/* Argument name: its value and bytes (binary allowed), NULL when absent. */
static const char *arg(struct MHD_Connection *c, const char *name, size_t *len)
{
	const char *v = NULL;

	*len = 0;
	if (MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v, len) !=
	    MHD_YES)
		return NULL;
	return v;
}

static void run_job(void *arg)
{
	struct job *j = arg;

	if (j->dlr)
		j->s->on_dlr(&j->r, j->s->arg);
	else
		j->s->on_sms(&j->m, j->s->arg);
	free(j);
}

static enum MHD_Result post(smsin *s, struct MHD_Connection *c, struct job *j)
{
	bool dlr = j->dlr; /* j is the loop's once posted */

	if (loop_post(s->l, run_job, j, free)) {
		free(j);
		metric_add(s->m_busy, 1);
		return answer(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "busy: try again");
	}
	metric_add(dlr ? s->m_dlr : s->m_sms, 1);
	return answer(s, c, MHD_HTTP_OK, "accepted");
}

/* Argument name as smsread.h reads it. */
static struct smsread_arg get(struct MHD_Connection *c, const char *name)
{
	struct smsread_arg a;

	a.v = arg(c, name, &a.n);
	return a;
}

/* GET /sms/in. */
static enum MHD_Result sms_in(smsin *s, struct MHD_Connection *c)
{
	struct smsread_in in = { get(c, "from"), get(c, "to"),	   get(c, "id"),
				 get(c, "text"), get(c, "coding"), get(c, "charset") };
	struct smsin_sms m;
	char *text = malloc(SMSREAD_TEXT_ROOM), why[160];
	struct job *j;

	if (!text)
		return answer(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
	if (smsread_sms(&in, &m, text, why, sizeof why)) {
		free(text);
		return answer(s, c, MHD_HTTP_BAD_REQUEST, "%s", why);
	}
	if (!(j = calloc(1, sizeof *j + m.len + 1))) {
		free(text);
		return answer(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
	}
	j->s = s;
	j->m = m;
	memcpy(j->text, text, m.len + 1);
	j->m.text = j->text;
	free(text);
	return post(s, c, j);
}

/* GET /sms/dlr. */
static enum MHD_Result sms_dlr(smsin *s, struct MHD_Connection *c)
{
	struct smsin_dlr r;
	struct job *j;
	char why[160];

	if (smsread_dlr(get(c, "key"), get(c, "status"), get(c, "answer"), &r, why, sizeof why))
		return answer(s, c, MHD_HTTP_BAD_REQUEST, "%s", why);
	if (!(j = calloc(1, sizeof *j + 1)))
		return answer(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
	j->s = s;
	j->dlr = true;
	j->r = r;
	return post(s, c, j);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	static int first;
	smsin *s = cls;
	enum MHD_Result rc;

	if (!*con_cls) { /* the headers: the rest, if any, comes next */
		*con_cls = &first;
		return MHD_YES;
	}
	if (*upload_size) { /* a body is not read */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET"))
		rc = answer(s, c, MHD_HTTP_BAD_REQUEST, "method: only GET");
	else if (!strcmp(url, "/sms/in"))
		return sms_in(s, c);
	else if (!strcmp(url, "/sms/dlr"))
		return sms_dlr(s, c);
	else
		rc = answer(s, c, MHD_HTTP_BAD_REQUEST, "path: only /sms/in and /sms/dlr");
	return rc;
}

/* A request ended: the marker goes. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[300];

	vsnprintf(buf, sizeof buf, fmt, ap);
	buf[strcspn(buf, "\r\n")] = '\0';
	log_info("sms listener: %s", buf);
}

amr_err smsin_start(smsin **out, const struct smsin_conf *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char host[64];
	const char *colon = strrchr(c->listen, ':');
	const union MHD_DaemonInfo *di;
	char *end;
	long port;
	smsin *s;

	if (!colon || (size_t)(colon - c->listen) >= sizeof host)
		goto bad;
	memcpy(host, c->listen, (size_t)(colon - c->listen));
	host[colon - c->listen] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &a.sin_addr) != 1)
		goto bad;
	a.sin_port = htons((uint16_t)port);
	if (!(s = calloc(1, sizeof *s)))
		return AMR_ENOMEM;
	s->l = c->l;
	s->on_sms = c->on_sms;
	s->on_dlr = c->on_dlr;
	s->arg = c->arg;
	s->m_sms = metrics_get(c->ms, METRIC_COUNTER, "amr_notify_sms_requests_total",
			       "kind=\"sms\"",
			       "Requests of Kannel to the SMS listener: SMS and delivery reports "
			       "taken, refused (400), put off (503).");
	s->m_dlr = metrics_get(c->ms, METRIC_COUNTER, "amr_notify_sms_requests_total",
			       "kind=\"dlr\"", NULL);
	s->m_bad = metrics_get(c->ms, METRIC_COUNTER, "amr_notify_sms_requests_total",
			       "kind=\"refused\"", NULL);
	s->m_busy = metrics_get(c->ms, METRIC_COUNTER, "amr_notify_sms_requests_total",
				"kind=\"busy\"", NULL);
	s->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)32, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)10, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
	if (!s->d) {
		log_error("sms listener: cannot listen on %s", c->listen);
		free(s);
		return AMR_EIO;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : (int)port;
	if (strncmp(host, "127.", 4))
		log_warn("sms listener: %s is not a loopback address: anyone who reaches it can "
			 "send commands as a listed phone",
			 host);
	log_info("sms listener: Kannel's incoming SMS and delivery reports on %s port %d", host,
		 s->port);
	*out = s;
	return AMR_OK;
bad:
	log_error("--sms-listen: \"%s\" is not IPv4-address:port (127.0.0.1:8080)", c->listen);
	return AMR_EINVAL;
}

int smsin_port(const smsin *s)
{
	return s->port;
}

void smsin_stop(smsin *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
