/*
 * smtp.c - the e-mail channel: build the message, let libcurl speak SMTP,
 * map its outcome onto transport.h's three results (smtp.h says which).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "log.h"
#include "txhttp.h"
#include "txutil.h"
#include "smtp.h"
#include "utf8.h"

/* The channel's configuration, copied from struct smtp_conf. */
struct smtp {
	char *url;	     /* smtp:// or smtps:// */
	char *from;	     /* envelope and From: address */
	char *from_name;     /* display name; NULL: none */
	char *user;	     /* NULL: no AUTH */
	char *password;	     /* with user; zeroed before it is freed */
	char *cafile;	     /* NULL: the system's */
	bool starttls;	     /* CURLUSESSL_ALL */
	unsigned timeout_ms; /* CURLOPT_TIMEOUT_MS */
};

/* One send(): the message as libcurl reads it, the server's last error. */
struct call {
	const char *msg; /* the whole message, CRLF line ends */
	size_t len;	 /* its bytes */
	size_t off;	 /* bytes libcurl has read */
	char reply[160]; /* last 4xx/5xx line: "550 5.1.1 no such user" */
};

/* Lines of base64 in the body, and bytes of UTF-8 per encoded word: 45
 * bytes are 60 base64 characters, a word of 72 (RFC 2047 allows 75). */
#define B64_LINE  76
#define WORD_TEXT 45
/* Longer plain text than this is sent as encoded words, which fold. */
#define PLAIN_MAX 900

amr_err smtp_global_init(void)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc == CURLE_OK)
		return AMR_OK;
	log_error("smtp: curl_global_init: %s", curl_easy_strerror(rc));
	return rc == CURLE_OUT_OF_MEMORY ? AMR_ENOMEM : AMR_EIO;
}

static void addf(struct txbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct txbuf *b, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		b->oom = true; /* only short, fixed lines go through here */
	else
		txbuf_add(b, line, (size_t)n);
}

/* Append base64 (RFC 4648, padded) of p[0..n), with CRLF after every
 * line_max characters and at the end when line_max is not 0. */
static void add_b64(struct txbuf *b, const unsigned char *p, size_t n, size_t line_max)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t col = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = abc[(v >> 18) & 63];
		q[1] = abc[(v >> 12) & 63];
		q[2] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? abc[v & 63] : '=';
		txbuf_add(b, q, 4);
		col += 4;
		if (line_max && col >= line_max) {
			txbuf_add(b, "\r\n", 2);
			col = 0;
		}
	}
	if (line_max && col)
		txbuf_add(b, "\r\n", 2);
}

/* True when s is valid UTF-8 without control characters but tab and,
 * when lines, CR and LF. */
static bool text_ok(const char *s, bool lines)
{
	size_t n = strlen(s);

	for (size_t i = 0, k; i < n; i += k) {
		unsigned char c = (unsigned char)s[i];

		if (!(k = utf8_seq(s + i, n - i)))
			return false;
		if ((c < 0x20 || c == 0x7f) && c != '\t' && !(lines && (c == '\r' || c == '\n')))
			return false;
	}
	return true;
}

/* An address that cannot break out of "<...>" or the envelope: no control
 * characters, space, '<', '>' or ',', neither empty nor longer than
 * RFC 5321's 254. */
static bool addr_ok(const char *a)
{
	if (!a || !*a || strlen(a) > 254)
		return false;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>,", *p))
			return false;
	return true;
}

/* A key that makes a valid Message-ID left part (RFC 5322 dot-atom-text). */
static bool key_ok(const char *k)
{
	if (!k || !*k)
		return false;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(".!#$%&'*+-/=?^_`{|}~", *p)))
			return false;
	return true;
}

/* Whether s (valid UTF-8, no CR/LF) can stand in a header as it is. */
static bool plain_ok(const char *s)
{
	if (strlen(s) > PLAIN_MAX || strstr(s, "=?"))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

/* s as RFC 2047 encoded words, folded between words, each cut at a
 * character boundary. */
static void add_words(struct txbuf *b, const char *s)
{
	size_t n = strlen(s), i = 0;

	do {
		size_t end = i;

		while (end < n) {
			size_t k = utf8_seq(s + end, n - end);

			if (end + k - i > WORD_TEXT)
				break;
			end += k;
		}
		if (i)
			txbuf_adds(b, "\r\n ");
		txbuf_adds(b, "=?UTF-8?B?");
		add_b64(b, (const unsigned char *)s + i, end - i, 0);
		txbuf_adds(b, "?=");
		i = end;
	} while (i < n);
}

static void add_date(struct txbuf *b)
{
	static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	addf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", wday[tm.tm_wday], tm.tm_mday,
	     mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void add_from(struct txbuf *b, const struct smtp *s)
{
	txbuf_adds(b, "From: ");
	if (s->from_name && *s->from_name && plain_ok(s->from_name)) {
		txbuf_adds(b, "\"");
		for (const char *p = s->from_name; *p; p++) {
			if (*p == '"' || *p == '\\')
				txbuf_adds(b, "\\");
			txbuf_add(b, p, 1);
		}
		txbuf_adds(b, "\" ");
	} else if (s->from_name && *s->from_name) {
		add_words(b, s->from_name);
		txbuf_adds(b, " ");
	}
	txbuf_adds(b, "<");
	txbuf_adds(b, s->from);
	txbuf_adds(b, ">\r\n");
}

/* The body in canonical form (every line end CRLF), then base64. */
static bool add_body(struct txbuf *b, const char *text)
{
	struct txbuf crlf = { 0 };

	for (const char *p = text; *p; p++) {
		if (*p == '\r' || *p == '\n') {
			txbuf_add(&crlf, "\r\n", 2);
			if (p[0] == '\r' && p[1] == '\n')
				p++;
		} else {
			txbuf_add(&crlf, p, 1);
		}
	}
	add_b64(b, (const unsigned char *)(crlf.p ? crlf.p : ""), crlf.len, B64_LINE);
	free(crlf.p);
	return !crlf.oom;
}

/* The whole message for msg into *b; false when out of memory. */
static bool build(struct txbuf *b, const struct smtp *s, const struct transport_msg *msg)
{
	const char *subject = msg->subject ? msg->subject : "";

	add_date(b);
	add_from(b, s);
	txbuf_adds(b, "To: <");
	txbuf_adds(b, msg->to);
	txbuf_adds(b, ">\r\nSubject: ");
	if (plain_ok(subject))
		txbuf_adds(b, subject);
	else
		add_words(b, subject);
	txbuf_adds(b, "\r\nMessage-ID: <");
	txbuf_adds(b, msg->key);
	txbuf_adds(b, "@amr-notify>\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	if (msg->att_b64) /* the boundary: base64 lines never hold "--" */
		addf(b,
		     "Content-Type: multipart/mixed; boundary=\"=_amr_%s\"\r\n\r\n"
		     "--=_amr_%s\r\n",
		     msg->key, msg->key);
	txbuf_adds(b, "Content-Type: text/plain; charset=UTF-8\r\n"
		      "Content-Transfer-Encoding: base64\r\n"
		      "\r\n");
	if (!add_body(b, msg->body ? msg->body : ""))
		return false;
	if (msg->att_b64) {
		addf(b,
		     "--=_amr_%s\r\nContent-Type: %s; name=\"%s\"\r\n"
		     "Content-Disposition: attachment; filename=\"%s\"\r\n"
		     "Content-Transfer-Encoding: base64\r\n\r\n",
		     msg->key, msg->att_type, msg->att_name, msg->att_name);
		for (size_t i = 0, n = strlen(msg->att_b64); i < n; i += B64_LINE) {
			txbuf_add(b, msg->att_b64 + i, n - i < B64_LINE ? n - i : B64_LINE);
			txbuf_adds(b, "\r\n");
		}
		addf(b, "--=_amr_%s--\r\n", msg->key);
	}
	return !b->oom;
}

/* An attachment a MIME header can carry: a plain name and type, and
 * base64 on one line. */
static bool attachment_ok(const struct transport_msg *msg)
{
	if (!msg->att_b64)
		return true;
	if (!msg->att_name || !msg->att_type || !plain_ok(msg->att_name) ||
	    strpbrk(msg->att_name, "\"\\/") || !plain_ok(msg->att_type) ||
	    strpbrk(msg->att_type, "\";"))
		return false;
	return strspn(msg->att_b64,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
	       strlen(msg->att_b64);
}

static size_t read_msg(char *dst, size_t size, size_t nitems, void *arg)
{
	struct call *c = arg;
	size_t n = size * nitems;

	if (n > c->len - c->off)
		n = c->len - c->off;
	memcpy(dst, c->msg + c->off, n);
	c->off += n;
	return n;
}

/* Keep the server's last 4xx/5xx reply line for why (libcurl's own error
 * text gives only the code). */
static int watch_replies(CURL *h, curl_infotype type, char *data, size_t n, void *arg)
{
	struct call *c = arg;
	size_t i;

	if (type != CURLINFO_HEADER_IN || n < 3 || (data[0] != '4' && data[0] != '5'))
		return 0;
	for (i = 0; i < n && i < sizeof c->reply - 1 && data[i] != '\r' && data[i] != '\n'; i++)
		c->reply[i] = data[i] >= 0x20 && data[i] < 0x7f ? data[i] : '?';
	c->reply[i] = '\0';
	return 0;
}

/* What a failed transfer means: the reply code decides when there is one
 * (4xx may pass, 5xx will not); else what only a person can fix is
 * FAILED and the rest (no connection, a timeout, a reset) RETRY. */
static enum transport_result classify(CURLcode rc, long code)
{
	if (rc == CURLE_OK)
		return TRANSPORT_SENT;
	if (code >= 400 && code <= 499)
		return TRANSPORT_RETRY;
	if (code >= 500 && code <= 599)
		return TRANSPORT_FAILED;
	switch (rc) {
	case CURLE_LOGIN_DENIED:
	case CURLE_AUTH_ERROR:
	case CURLE_USE_SSL_FAILED: /* STARTTLS required, not offered */
		return TRANSPORT_FAILED;
	default:
		return tx_classify_curl(rc);
	}
}

/* Every option of one transfer; the first one libcurl refuses (out of
 * memory) stops it, and its code is returned. */
static CURLcode setup(CURL *h, const struct smtp *s, struct call *call, struct curl_slist *to,
		      const char *from, char *err)
{
	CURLcode rc = CURLE_OK;
	long tls = s->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE;

	if ((rc = curl_easy_setopt(h, CURLOPT_URL, s->url)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_USE_SSL, tls)) ||
	    (s->cafile && (rc = curl_easy_setopt(h, CURLOPT_CAINFO, s->cafile))) ||
	    (s->user && (rc = curl_easy_setopt(h, CURLOPT_USERNAME, s->user))) ||
	    (s->user && (rc = curl_easy_setopt(h, CURLOPT_PASSWORD, s->password))) ||
	    (rc = curl_easy_setopt(h, CURLOPT_MAIL_FROM, from)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_UPLOAD, 1L)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)call->len)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_READFUNCTION, read_msg)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_READDATA, call)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, watch_replies)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_DEBUGDATA, call)))
		return rc;
	/* Only with VERBOSE does libcurl call watch_replies (and print nothing). */
	return curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
}

/* Hand one message to the server (transport.h's send()). */
static enum transport_result email_send(void *ctx, const struct transport_msg *msg, char *why,
					size_t why_size)
{
	const struct smtp *s = ctx;
	char err[CURL_ERROR_SIZE] = "", what[CURL_ERROR_SIZE + 96], rcpt[300], from[300];
	struct call call = { 0 };
	struct curl_slist *to = NULL;
	struct txbuf m = { 0 };
	enum transport_result res;
	CURL *h = NULL;
	CURLcode rc;
	long code = 0;

	/* What would break a header or the envelope never leaves. */
	if (!addr_ok(msg->to)) {
		tx_say(why, why_size,
		       "smtp: bad recipient address (empty, long, or CR, LF, <, >, ',')");
		return TRANSPORT_FAILED;
	}
	if (!key_ok(msg->key)) {
		tx_say(why, why_size, "smtp: key \"%.40s\" cannot make a Message-ID", msg->key);
		return TRANSPORT_FAILED;
	}
	if (msg->subject && !text_ok(msg->subject, false)) {
		tx_say(why, why_size, "smtp: subject is not one line of UTF-8 text");
		return TRANSPORT_FAILED;
	}
	if (msg->body && !text_ok(msg->body, true)) {
		tx_say(why, why_size, "smtp: body is not UTF-8 text");
		return TRANSPORT_FAILED;
	}
	if (!attachment_ok(msg)) {
		tx_say(why, why_size,
		       "smtp: an attachment whose name, type or data a mail "
		       "cannot carry");
		return TRANSPORT_FAILED;
	}
	res = TRANSPORT_RETRY; /* out of memory, below, may pass */
	if (!build(&m, s, msg)) {
		tx_say(why, why_size, "smtp: out of memory building the message");
		goto out_free_curl;
	}
	call.msg = m.p;
	call.len = m.len;
	snprintf(rcpt, sizeof rcpt, "<%s>", msg->to);
	snprintf(from, sizeof from, "<%s>", s->from);
	if (!(h = curl_easy_init()) || !(to = curl_slist_append(NULL, rcpt))) {
		tx_say(why, why_size, "smtp: out of memory starting libcurl");
		goto out_free_curl;
	}
	if ((rc = setup(h, s, &call, to, from, err)) != CURLE_OK) {
		tx_say(why, why_size, "smtp: libcurl: %s", curl_easy_strerror(rc));
		goto out_free_curl;
	}
	if ((rc = curl_easy_perform(h)) == CURLE_OK) {
		res = TRANSPORT_SENT;
		goto out_free_curl;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	res = classify(rc, code);
	if (rc == CURLE_LOGIN_DENIED)
		snprintf(what, sizeof what, "login \"%.64s\" denied", s->user ? s->user : "");
	else
		snprintf(what, sizeof what, "%s", err[0] ? err : curl_easy_strerror(rc));
	if (code > 0 && call.reply[0])
		tx_say(why, why_size, "smtp %ld: %s (server: %s)", code, what, call.reply);
	else if (code > 0)
		tx_say(why, why_size, "smtp %ld: %s", code, what);
	else
		tx_say(why, why_size, "smtp: %s", what);
out_free_curl:
	curl_slist_free_all(to);
	curl_easy_cleanup(h);
	free(m.p);
	return res;
}

static void conf_free(struct smtp *s)
{
	if (!s)
		return;
	if (s->password)
		explicit_bzero(s->password, strlen(s->password));
	free(s->url);
	free(s->from);
	free(s->from_name);
	free(s->user);
	free(s->password);
	free(s->cafile);
	free(s);
}

amr_err smtp_create(struct transport *out, const struct smtp_conf *c)
{
	char shown[96];
	const char *scheme;
	struct smtp *s;

	if (!out || !c || !c->url || !c->from || !c->timeout_ms) {
		log_error("smtp: url, from and timeout_ms are required");
		return AMR_EINVAL;
	}
	if (!strncasecmp(c->url, "smtps://", 8))
		scheme = "smtps";
	else if (!strncasecmp(c->url, "smtp://", 7))
		scheme = "smtp";
	else
		scheme = NULL;
	if (!scheme || !tx_scheme_built_in(scheme)) {
		log_error("smtp: url %s: not smtp:// or smtps://, or libcurl lacks it",
			  tx_loggable(c->url, shown, sizeof shown));
		return AMR_EINVAL;
	}
	if (!addr_ok(c->from)) {
		log_error(
			"smtp: from \"%s\": not an address (empty, long, or CR, LF, <, >, ',', space)",
			tx_loggable(c->from, shown, sizeof shown));
		return AMR_EINVAL;
	}
	if (c->from_name && !text_ok(c->from_name, false)) {
		log_error("smtp: from_name is not one line of UTF-8 text");
		return AMR_EINVAL;
	}
	if (c->user && !c->password) {
		log_error("smtp: user %s has no password",
			  tx_loggable(c->user, shown, sizeof shown));
		return AMR_EINVAL;
	}
	if (c->user && !c->starttls && !strcmp(scheme, "smtp"))
		log_warn("smtp: %s without starttls: the password travels in clear",
			 tx_loggable(c->url, shown, sizeof shown));
	if (!(s = calloc(1, sizeof *s)) || !tx_copy(&s->url, c->url) ||
	    !tx_copy(&s->from, c->from) || !tx_copy(&s->from_name, c->from_name) ||
	    !tx_copy(&s->user, c->user) || !tx_copy(&s->password, c->user ? c->password : NULL) ||
	    !tx_copy(&s->cafile, c->cafile)) {
		log_error("smtp: out of memory");
		conf_free(s);
		return AMR_ENOMEM;
	}
	s->starttls = c->starttls;
	s->timeout_ms = c->timeout_ms;
	out->name = "email";
	out->ctx = s;
	out->send = email_send;
	return AMR_OK;
}

void smtp_destroy(struct transport *t)
{
	if (!t)
		return;
	conf_free(t->ctx);
	t->name = NULL;
	t->ctx = NULL;
	t->send = NULL;
}
