/*
 * sms.c - the SMS channel: check the message, build Kannel's sendsms
 * request, let libcurl fetch it, map the answer onto transport.h's three
 * results (sms.h says which, and which Kannel parameters go out).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "log.h"
#include "txhttp.h"
#include "txutil.h"
#include "sms.h"

/* Delivery reports asked for (Kannel's dlr-mask): 1 delivered to the
 * phone, 2 not delivered, 4 queued on the SMS centre, 8 accepted by it,
 * 16 rejected by it. */
#define DLR_MASK      "31"
#define KEY_MARK      "%KEY%"
#define KEY_MAX	      64
/* E.164: at most 15 digits; fewer than 7 is no subscriber's number. */
#define TO_MIN_DIGITS 7
#define TO_MAX_DIGITS 15

/* The channel's configuration, copied from struct sms_conf. */
struct sms {
	char *url;	     /* sendsms, http:// or https:// */
	char *user;	     /* sendsms-user */
	char *password;	     /* zeroed before it is freed */
	char *from;	     /* NULL: Kannel's default-sender */
	char *dlr_url;	     /* with KEY_MARK; NULL: no delivery reports */
	unsigned timeout_ms; /* CURLOPT_TIMEOUT_MS */
};

/* The start of Kannel's answer: "0: Accepted for delivery". */
/* Append "&name=" and value url-encoded (without the '&' right after
 * the url's '?' or a '&'). */
static void add_param(struct txbuf *b, CURL *h, const char *name, const char *value)
{
	char *enc = curl_easy_escape(h, value, 0);

	if (!enc) {
		b->oom = true;
		return;
	}
	txbuf_adds(b, b->len && strchr("?&", b->p[b->len - 1]) ? "" : "&");
	txbuf_adds(b, name);
	txbuf_adds(b, "=");
	txbuf_adds(b, enc);
	curl_free(enc);
}

/* '+' and TO_MIN_DIGITS..TO_MAX_DIGITS digits. */
static bool to_ok(const char *to)
{
	size_t n = 0;

	if (!to || to[0] != '+')
		return false;
	for (const char *p = to + 1; *p; p++, n++)
		if (*p < '0' || *p > '9')
			return false;
	return n >= TO_MIN_DIGITS && n <= TO_MAX_DIGITS;
}

/* 1..KEY_MAX characters unreserved in a URL (RFC 3986) and free of '%',
 * which Kannel would read as its escape in the dlr-url. */
static bool key_ok(const char *k)
{
	size_t n = k ? strlen(k) : 0;

	if (n == 0 || n > KEY_MAX)
		return false;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._~-", *p)))
			return false;
	return true;
}

/* Valid UTF-8, not empty, no control characters but tab, CR and LF. */
static bool text_ok(const char *s)
{
	return s && *s && tx_text_ok(s, strlen(s));
}

/* Whether GSM 7-bit (GSM 03.38 with its extension table) holds every
 * character: printable ASCII but '`', and line ends. */
static bool gsm_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 || *p > 0x7e || *p == '`') && *p != '\r' && *p != '\n')
			return false;
	return true;
}

/* The whole request URL into *b; false when out of memory. */
static bool build(struct txbuf *b, CURL *h, const struct sms *s, const struct transport_msg *msg)
{
	txbuf_adds(b, s->url);
	if (!strchr(s->url, '?'))
		txbuf_adds(b, "?");
	add_param(b, h, "username", s->user);
	add_param(b, h, "password", s->password);
	add_param(b, h, "to", msg->to);
	add_param(b, h, "text", msg->body);
	add_param(b, h, "charset", "UTF-8");
	if (!gsm_ok(msg->body))
		add_param(b, h, "coding", "2");
	if (s->from)
		add_param(b, h, "from", s->from);
	if (s->dlr_url) {
		struct txbuf dlr = { 0 };
		const char *p = s->dlr_url, *m;

		while ((m = strstr(p, KEY_MARK))) {
			txbuf_add(&dlr, p, (size_t)(m - p));
			txbuf_adds(&dlr, msg->key); /* key_ok: nothing to encode */
			p = m + strlen(KEY_MARK);
		}
		txbuf_adds(&dlr, p);
		add_param(b, h, "dlr-mask", DLR_MASK);
		if (dlr.oom)
			b->oom = true;
		else
			add_param(b, h, "dlr-url", dlr.p);
		free(dlr.p);
	}
	return !b->oom;
}

/* Every option of one transfer; the first one libcurl refuses (out of
 * memory) stops it, and its code is returned. */
static CURLcode setup(CURL *h, const struct sms *s, const char *url, struct tx_answer *a, char *err)
{
	CURLcode rc;

	if ((rc = curl_easy_setopt(h, CURLOPT_URL, url)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_PROXY, "")) || /* not even $http_proxy */
	    (rc = curl_easy_setopt(h, CURLOPT_HTTPGET, 1L)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, tx_keep_answer)))
		return rc;
	return curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
}

/* Hand one message to Kannel (transport.h's send()). */
static enum transport_result sms_send(void *ctx, const struct transport_msg *msg, char *why,
				      size_t why_size)
{
	const struct sms *s = ctx;
	char err[CURL_ERROR_SIZE] = "", shown[32];
	struct tx_answer a = { .len = 0 };
	struct txbuf url = { 0 };
	enum transport_result res;
	CURL *h = NULL;
	CURLcode rc;
	long code = 0;

	/* What Kannel would misread or the network cannot carry never leaves. */
	if (!to_ok(msg->to)) {
		tx_say(why, why_size, "sms: to \"%s\" is not + and %d to %d digits",
		       tx_loggable(msg->to ? msg->to : "", shown, sizeof shown), TO_MIN_DIGITS,
		       TO_MAX_DIGITS);
		return TRANSPORT_FAILED;
	}
	if (s->dlr_url && !key_ok(msg->key)) {
		tx_say(why, why_size, "sms: key is not 1 to %d of A-Z a-z 0-9 . _ ~ -", KEY_MAX);
		return TRANSPORT_FAILED;
	}
	if (!text_ok(msg->body)) {
		tx_say(why, why_size, "sms: text is empty, not UTF-8 or holds control characters");
		return TRANSPORT_FAILED;
	}
	res = TRANSPORT_RETRY; /* out of memory, below, may pass */
	if (!(h = curl_easy_init())) {
		tx_say(why, why_size, "sms: out of memory starting libcurl");
		goto out_free_curl;
	}
	if (!build(&url, h, s, msg)) {
		tx_say(why, why_size, "sms: out of memory building the request");
		goto out_free_curl;
	}
	if ((rc = setup(h, s, url.p, &a, err)) != CURLE_OK) {
		tx_say(why, why_size, "sms: libcurl: %s", curl_easy_strerror(rc));
		goto out_free_curl;
	}
	if ((rc = curl_easy_perform(h)) != CURLE_OK) {
		res = tx_classify_curl(rc);
		tx_say(why, why_size, "sms: %s", err[0] ? err : curl_easy_strerror(rc));
		goto out_free_curl;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	res = tx_classify_http(code);
	if (res != TRANSPORT_SENT)
		tx_say(why, why_size, "sms %ld: %s", code,
		       a.len ? tx_answer_line(&a) : "(no answer text)");
out_free_curl:
	if (url.p)
		explicit_bzero(url.p, url.len); /* it holds the password */
	free(url.p);
	curl_easy_cleanup(h);
	return res;
}

static void conf_free(struct sms *s)
{
	if (!s)
		return;
	if (s->password)
		explicit_bzero(s->password, strlen(s->password));
	free(s->url);
	free(s->user);
	free(s->password);
	free(s->from);
	free(s->dlr_url);
	free(s);
}

/* '+' and 1..20 digits, or 1..11 printable ASCII characters: what the
 * sender address of an SMS holds (3GPP TS 23.040). */
static bool from_ok(const char *f)
{
	size_t n = strlen(f), digits = strspn(f + (f[0] == '+'), "0123456789");

	if (f[0] == '+')
		return digits == n - 1 && digits >= 1 && digits <= 20;
	if (n == 0 || n > 11)
		return false;
	for (const unsigned char *p = (const unsigned char *)f; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

amr_err sms_create(struct transport *out, const struct sms_conf *c)
{
	char shown[96];
	struct sms *s;

	if (!out || !c || !c->url || !c->user || !c->password || !c->timeout_ms) {
		log_error("sms: url, user, password and timeout_ms are required");
		return AMR_EINVAL;
	}
	if (!tx_http_scheme(c->url)) {
		log_error(
			"sms: url %s: not http:// or https:// without spaces, or libcurl lacks it",
			tx_loggable(c->url, shown, sizeof shown));
		return AMR_EINVAL;
	}
	if (c->from && !from_ok(c->from)) {
		log_error("sms: from \"%s\": neither + and up to 20 digits nor 1 to 11 "
			  "printable ASCII characters",
			  tx_loggable(c->from, shown, sizeof shown));
		return AMR_EINVAL;
	}
	if (c->dlr_url && (!tx_http_scheme(c->dlr_url) || !strstr(c->dlr_url, KEY_MARK))) {
		log_error("sms: dlr_url %s: not an http(s):// URL without spaces holding %%KEY%%",
			  tx_loggable(c->dlr_url, shown, sizeof shown));
		return AMR_EINVAL;
	}
	if (!(s = calloc(1, sizeof *s)) || !tx_copy(&s->url, c->url) ||
	    !tx_copy(&s->user, c->user) || !tx_copy(&s->password, c->password) ||
	    !tx_copy(&s->from, c->from) || !tx_copy(&s->dlr_url, c->dlr_url)) {
		log_error("sms: out of memory");
		conf_free(s);
		return AMR_ENOMEM;
	}
	if (!strncasecmp(c->url, "http://", 7) && strncmp(c->url, "http://127.", 11) &&
	    strncasecmp(c->url, "http://localhost", 16))
		log_warn("sms: %s is not https:// nor on this host: the password travels in clear",
			 tx_loggable(c->url, shown, sizeof shown));
	s->timeout_ms = c->timeout_ms;
	out->name = "sms";
	out->ctx = s;
	out->send = sms_send;
	return AMR_OK;
}

void sms_destroy(struct transport *t)
{
	if (!t)
		return;
	conf_free(t->ctx);
	t->name = NULL;
	t->ctx = NULL;
	t->send = NULL;
}
