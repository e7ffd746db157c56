#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "log.h"
#include "txhttp.h"
#include "txutil.h"
#include "webhook.h"

struct webhook {
	unsigned char *secret;
	size_t secret_len;
	unsigned timeout_ms;
};

/* "sha256=" and the hex HMAC-SHA256 of body under secret into out. */
static void sign(const struct webhook *w, const char *body, char out[7 + 65])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, w->secret, w->secret_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, 65, mac, sizeof mac);
}

/* A header "name: value" appended to *list; false when out of memory or
 * the value would split the header. */
static bool header(struct curl_slist **list, const char *name, const char *value)
{
	char line[256];
	struct curl_slist *l;

	if (strpbrk(value, "\r\n") ||
	    snprintf(line, sizeof line, "%s: %s", name, value) >= (int)sizeof line)
		return false;
	if (!(l = curl_slist_append(*list, line)))
		return false;
	*list = l;
	return true;
}

static enum transport_result webhook_send(void *ctx, const struct transport_msg *msg, char *why,
					  size_t why_size)
{
	const struct webhook *w = ctx;
	char err[CURL_ERROR_SIZE] = "", sig[7 + 65], shown[64];
	struct tx_answer a = { .len = 0 };
	struct curl_slist *hdr = NULL;
	enum transport_result res = TRANSPORT_RETRY;
	CURL *h = NULL;
	CURLcode rc;
	long code = 0;

	if (!msg->to || !tx_http_scheme(msg->to)) {
		tx_say(why, why_size, "webhook: \"%s\" is not an http:// or https:// URL",
		       tx_loggable(msg->to ? msg->to : "", shown, sizeof shown));
		return TRANSPORT_FAILED;
	}
	if (!msg->body || !msg->key) {
		tx_say(why, why_size, "webhook: a message without its body or key");
		return TRANSPORT_FAILED;
	}
	sign(w, msg->body, sig);
	if (!header(&hdr, "Content-Type", "application/json") ||
	    !header(&hdr, "X-AMR-Key", msg->key) || !header(&hdr, "X-AMR-Signature", sig) ||
	    !header(&hdr, "Expect", "") || !(h = curl_easy_init())) {
		tx_say(why, why_size, "webhook: out of memory, or a key that splits a header");
		goto out;
	}
	if ((rc = curl_easy_setopt(h, CURLOPT_URL, msg->to)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)w->timeout_ms)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_POSTFIELDS, msg->body)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_USERAGENT, "amr-notify")) ||
	    (rc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, tx_keep_answer)) ||
	    (rc = curl_easy_setopt(h, CURLOPT_WRITEDATA, &a))) {
		tx_say(why, why_size, "webhook: libcurl: %s", curl_easy_strerror(rc));
		goto out;
	}
	if ((rc = curl_easy_perform(h)) != CURLE_OK) {
		res = tx_classify_curl(rc);
		tx_say(why, why_size, "webhook: %s", err[0] ? err : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if ((res = tx_classify_http(code)) != TRANSPORT_SENT)
		tx_say(why, why_size, "webhook %ld: %s", code,
		       a.len ? tx_answer_line(&a) : "(no answer text)");
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return res;
}

amr_err webhook_create(struct transport *out, const struct webhook_conf *c)
{
	struct webhook *w;
	size_t n = c && c->secret ? strlen(c->secret) : 0;

	if (n < WEBHOOK_SECRET_MIN || !c->timeout_ms) {
		log_error("webhook: a secret of at least %d bytes and a timeout are required",
			  WEBHOOK_SECRET_MIN);
		return AMR_EINVAL;
	}
	if (!(w = calloc(1, sizeof *w)) || !(w->secret = malloc(n))) {
		free(w);
		return AMR_ENOMEM;
	}
	memcpy(w->secret, c->secret, n);
	w->secret_len = n;
	w->timeout_ms = c->timeout_ms;
	*out = (struct transport){ "webhook", w, webhook_send };
	return AMR_OK;
}

void webhook_destroy(struct transport *t)
{
	struct webhook *w = t ? t->ctx : NULL;

	if (w) {
		sodium_memzero(w->secret, w->secret_len);
		free(w->secret);
		free(w);
	}
	if (t)
		*t = (struct transport){ NULL, NULL, NULL };
}
