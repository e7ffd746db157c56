/*
 * txhttp.h - what the delivery channels that speak HTTP (sms.c to
 * Kannel, webhook.c) share: keeping the start of the server's answer for
 * a refusal's reason, and what a libcurl error or an HTTP status means
 * for transport.h's results.
 */
#ifndef AMR_NOTIFY_TXHTTP_H
#define AMR_NOTIFY_TXHTTP_H

#include <stddef.h>

#include <curl/curl.h>

#include "transport.h"

/* The start of an answer: zeroed to begin. */
struct tx_answer {
	char text[160]; /* NUL-terminated */
	size_t len;	/* bytes in text */
};

/* A CURLOPT_WRITEFUNCTION keeping what fits into the struct tx_answer
 * of its CURLOPT_WRITEDATA. */
size_t tx_keep_answer(char *data, size_t size, size_t nitems, void *arg);

/* The answer's first line, control and non-ASCII bytes shown as '?',
 * trailing blanks dropped. Returns a->text. */
const char *tx_answer_line(struct tx_answer *a);

/* A transfer that failed before any answer: FAILED for what only a
 * person can fix (a bad URL, a certificate), else RETRY. */
enum transport_result tx_classify_curl(CURLcode rc);

/* An HTTP status: 2xx SENT, 429 and 5xx RETRY, the rest FAILED. */
enum transport_result tx_classify_http(long code);

/* "http" or "https" when u is such a URL of printable ASCII without
 * spaces that this libcurl speaks; else NULL. */
const char *tx_http_scheme(const char *u);

#endif
