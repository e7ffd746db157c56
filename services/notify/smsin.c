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
#include <strings.h>

#include <microhttpd.h>

#include "log.h"
#include "smsin.h"
#include "txutil.h"
#include "utf8.h"

#define RAW_MAX (SMSIN_TEXT_MAX * 2) /* bytes of text as it comes (UCS-2 doubles) */

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

/* 1..max of the characters of set. */
static bool only(const char *v, size_t n, size_t max, const char *set)
{
	if (!v || n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!v[i] || !strchr(set, v[i]))
			return false;
	return true;
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* Append code point u as UTF-8 at o. */
static size_t put_utf8(char *o, unsigned u)
{
	if (u < 0x80) {
		o[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		o[0] = (char)(0xc0 | u >> 6);
		o[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u < 0x10000) {
		o[0] = (char)(0xe0 | u >> 12);
		o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		o[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | u >> 18);
	o[1] = (char)(0x80 | ((u >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((u >> 6) & 0x3f));
	o[3] = (char)(0x80 | (u & 0x3f));
	return 4;
}

/* UTF-16BE p[0..n) as UTF-8 into out (room for n * 2 + 1); its length, or
 * -1 when it is not UTF-16 (odd, a lone surrogate). */
static long from_utf16be(const unsigned char *p, size_t n, char *out)
{
	size_t o = 0;

	if (n % 2)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		unsigned u = (unsigned)p[i] << 8 | p[i + 1];

		if (u >= 0xdc00 && u <= 0xdfff)
			return -1;
		if (u >= 0xd800 && u <= 0xdbff) {
			unsigned lo = i + 3 < n ? ((unsigned)p[i + 2] << 8 | p[i + 3]) : 0;

			if (lo < 0xdc00 || lo > 0xdfff)
				return -1;
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		}
		o += put_utf8(out + o, u);
	}
	out[o] = '\0';
	return (long)o;
}

/* Latin-1 p[0..n) as UTF-8 into out (room for n * 2 + 1). */
static long from_latin1(const unsigned char *p, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		o += put_utf8(out + o, p[i]);
	out[o] = '\0';
	return (long)o;
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

/* GET /sms/in. */
static enum MHD_Result sms_in(smsin *s, struct MHD_Connection *c)
{
	size_t nf, nt, nto, ni, nc, nch;
	const char *from = arg(c, "from", &nf), *text = arg(c, "text", &nt);
	const char *to = arg(c, "to", &nto), *id = arg(c, "id", &ni);
	const char *coding = arg(c, "coding", &nc), *cs = arg(c, "charset", &nch);
	const char *digits = from && nf && from[0] == '+' ? from + 1 : from;
	size_t nd = digits ? nf - (size_t)(digits - from) : 0;
	struct job *j;
	bool utf16;
	long len;

	if (!only(digits, nd, 15, "0123456789") || nd < 7)
		return answer(s, c, MHD_HTTP_BAD_REQUEST, "from: not + and 7 to 15 digits");
	if (to && nto && !only(to, nto, 20, ALNUM "+"))
		return answer(s, c, MHD_HTTP_BAD_REQUEST, "to: not up to 20 letters and digits");
	if (!only(id, ni, SMSIN_ID_MAX, ALNUM "-._:"))
		return answer(s, c, MHD_HTTP_BAD_REQUEST,
			      "id: not 1 to %d of A-Z a-z 0-9 - . _ :", SMSIN_ID_MAX);
	if (!text || nt == 0)
		return answer(s, c, MHD_HTTP_BAD_REQUEST, "text: missing or empty");
	if (nt > RAW_MAX)
		return answer(s, c, MHD_HTTP_BAD_REQUEST, "text: over %d bytes", RAW_MAX);
	if (coding && nc && strcmp(coding, "0") && strcmp(coding, "1") && strcmp(coding, "2"))
		return answer(s, c, MHD_HTTP_BAD_REQUEST, "coding: not 0, 1 or 2");
	if (coding && !strcmp(coding, "1"))
		return answer(s, c, MHD_HTTP_BAD_REQUEST, "coding: 8-bit data is not a text");
	if (!(j = calloc(1, sizeof *j + nt * 2 + 1)))
		return answer(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
	j->s = s;
	/* the charset says how the bytes are; coding=2 without one is UCS-2
	 * as the SMS carried it (a smsbox that converted says UTF-8) */
	utf16 = cs && nch ? !strcasecmp(cs, "UTF-16BE") || !strcasecmp(cs, "UCS-2")
			  : coding && !strcmp(coding, "2");
	if (utf16)
		len = from_utf16be((const unsigned char *)text, nt, j->text);
	else if (tx_text_ok(text, nt))
		len = (memcpy(j->text, text, nt), j->text[nt] = '\0', (long)nt);
	else if (cs && (!strcasecmp(cs, "ISO-8859-1") || !strcasecmp(cs, "WINDOWS-1252")))
		len = from_latin1((const unsigned char *)text, nt, j->text);
	else
		len = -1;
	if (len < 0 || !tx_text_ok(j->text, (size_t)len)) {
		free(j);
		return answer(s, c, MHD_HTTP_BAD_REQUEST,
			      "text: not %s, or holds control characters",
			      utf16 ? "UTF-16BE" : "UTF-8");
	}
	if ((size_t)len > SMSIN_TEXT_MAX) {
		free(j);
		return answer(s, c, MHD_HTTP_BAD_REQUEST, "text: over %d bytes", SMSIN_TEXT_MAX);
	}
	snprintf(j->m.from, sizeof j->m.from, "+%.*s", (int)nd, digits);
	snprintf(j->m.to, sizeof j->m.to, "%.*s", to ? (int)nto : 0, to ? to : "");
	snprintf(j->m.id, sizeof j->m.id, "%.*s", (int)ni, id);
	j->m.text = j->text;
	j->m.len = (size_t)len;
	return post(s, c, j);
}

/* GET /sms/dlr. */
static enum MHD_Result sms_dlr(smsin *s, struct MHD_Connection *c)
{
	size_t nk, ns, na;
	const char *key = arg(c, "key", &nk), *st = arg(c, "status", &ns);
	const char *ans = arg(c, "answer", &na);
	struct job *j;
	int status;

	if (!only(key, nk, SMSIN_KEY_MAX, ALNUM "._~-"))
		return answer(s, c, MHD_HTTP_BAD_REQUEST, "key: not 1 to %d of A-Z a-z 0-9 . _ ~ -",
			      SMSIN_KEY_MAX);
	status = st && only(st, ns, 2, "0123456789") ? atoi(st) : 0;
	if (status != 1 && status != 2 && status != 4 && status != 8 && status != 16)
		return answer(s, c, MHD_HTTP_BAD_REQUEST, "status: not 1, 2, 4, 8 or 16");
	if (!(j = calloc(1, sizeof *j + 1)))
		return answer(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
	j->s = s;
	j->dlr = true;
	snprintf(j->r.key, sizeof j->r.key, "%.*s", (int)nk, key);
	j->r.status = status;
	/* the SMS centre's words: printable ASCII only, cut */
	for (size_t i = 0, o = 0; ans && i < na && o < sizeof j->r.answer - 1; i++)
		if (ans[i] >= 0x20 && ans[i] < 0x7f)
			j->r.answer[o++] = ans[i];
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
