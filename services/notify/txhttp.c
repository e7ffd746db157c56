#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "txhttp.h"
#include "txutil.h"

/* Keep the start of the server's answer for why. */
size_t tx_keep_answer(char *data, size_t size, size_t nitems, void *arg)
{
	struct tx_answer *a = arg;
	size_t n = size * nitems;

	for (size_t i = 0; i < n && a->len < sizeof a->text - 1; i++)
		a->text[a->len++] = data[i];
	a->text[a->len] = '\0';
	return n;
}

/* The answer's first line, control and non-ASCII bytes shown as '?',
 * trailing blanks dropped. Returns a->text. */
const char *tx_answer_line(struct tx_answer *a)
{
	size_t i;

	for (i = 0; i < a->len && a->text[i] != '\r' && a->text[i] != '\n'; i++)
		if ((unsigned char)a->text[i] < 0x20 || (unsigned char)a->text[i] > 0x7e)
			a->text[i] = '?';
	while (i > 0 && a->text[i - 1] == ' ')
		i--;
	a->text[i] = '\0';
	return a->text;
}

/* What a transfer that failed before any answer means: what only a
 * person can fix is FAILED, the rest (no connection, a timeout, a reset)
 * RETRY. */
enum transport_result tx_classify_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_NOT_BUILT_IN:
	case CURLE_PEER_FAILED_VERIFICATION: /* a certificate we must not trust */
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return TRANSPORT_FAILED;
	default:
		return TRANSPORT_RETRY;
	}
}

/* What an HTTP server's status means (transport.h). */
enum transport_result tx_classify_http(long code)
{
	if (code >= 200 && code <= 299)
		return TRANSPORT_SENT;
	if (code == 429 || (code >= 500 && code <= 599))
		return TRANSPORT_RETRY;
	return TRANSPORT_FAILED;
}

/* "http" or "https" when u is such a URL of printable ASCII without
 * spaces and that libcurl speaks it; else NULL. */
const char *tx_http_scheme(const char *u)
{
	const char *scheme;

	if (!strncasecmp(u, "https://", 8))
		scheme = "https";
	else if (!strncasecmp(u, "http://", 7))
		scheme = "http";
	else
		return NULL;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= ' ' || *p > 0x7e)
			return NULL;
	return tx_scheme_built_in(scheme) ? scheme : NULL;
}
