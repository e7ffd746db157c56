/*
 * test_web_util.h - what the amr-web integration tests share: the stack
 * (Mosquitto, amr-archive, amr-ingest, amr-web) and an HTTP client (libcurl)
 * that keeps its session cookie and CSRF token.
 */
#ifndef TEST_WEB_UTIL_H
#define TEST_WEB_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "harness.h"

struct webt {
	struct harness h;  /* broker, programs, probe */
	int http_port;	   /* amr-web's port */
	pid_t archive;	   /* amr-archive */
	pid_t ingest;	   /* amr-ingest */
	pid_t notify;	   /* amr-notify */
	pid_t web;	   /* amr-web */
	char admin_pw[64]; /* first-start password from the log */
	char cacert[512];  /* TLS: the self-signed certificate, "" for plain HTTP */
};

struct webc {
	void *curl;	  /* CURL handle with its cookie engine */
	char csrf[80];	  /* token from the last sign-in */
	char base[64];	  /* http(s)://127.0.0.1:PORT */
	char cacert[512]; /* CA file for https, "" for http */
};

struct webr {
	long status;   /* HTTP status, 0 when no answer */
	char *body;    /* body, NUL-terminated (malloc'd) */
	size_t len;    /* its length */
	char *headers; /* header block (malloc'd) */
	json_t *json;  /* body parsed, or NULL */
	double secs;   /* time taken */
};

/* Start the broker, archive, ingest, notify and web (extra web args, may be NULL);
 * wait until the web answers /healthz. Fails the test on error. */
void webt_start(struct webt *t, const char *const *web_args);

/* The same over TLS: a self-signed certificate for 127.0.0.1 (EC P-256,
 * made with openssl in the test's directory) is given to amr-web with
 * --tls-cert/--tls-key, and t->cacert names it for the clients. */
void webt_start_tls(struct webt *t, const char *const *web_args);
void webt_stop(struct webt *t);

/* Stop amr-web (SIGTERM) and start it again on the same port and data
 * (users stay; sessions end); waits until it is seeded. */
void webt_restart_web(struct webt *t, const char *const *web_args);

void webc_init(struct webc *c, const struct webt *t);
void webc_free(struct webc *c);

/* One request; body may be NULL; ctype NULL means application/json.
 * extra_header: one more "Name: value" or NULL. */
struct webr webc_req(struct webc *c, const char *method, const char *path, const char *body,
		     const char *ctype, const char *extra_header);
void webr_free(struct webr *r);

/* POST /api/v1/login; returns the status; keeps the CSRF token. */
long webc_login(struct webc *c, const char *user, const char *pw);

/* The error code of a JSON error answer ("" when none). */
const char *webr_code(const struct webr *r);

/* Text of a live stream (GET /api/v1/stream) read with curl, for tests
 * that look for events in it. */
struct sse_read {
	char buf[65536];   /* what arrived, NUL-terminated */
	size_t n;	   /* bytes in buf (atomic: sse_wait_open reads it) */
	const char *until; /* the transfer ends once this came (NULL: never) */
};

/* curl write callback filling a struct sse_read (arg); drops what does
 * not fit; ends the transfer (curl_easy_perform returns
 * CURLE_WRITE_ERROR) once s->until is in. */
size_t sse_collect(char *data, size_t size, size_t nmemb, void *arg);

/* From another thread: wait up to ms for the stream's first bytes. amr-web
 * lists a stream among those it feeds before it sends them, so what is
 * published from then on reaches it. Returns 0 or -1. */
int sse_wait_open(struct sse_read *s, int ms);

/* GET path as c; the body (malloc'd) after checking the status. */
char *webc_body(struct webc *c, const char *path, long want);

/* GET path as c until it answers 200 with needle in its body, or 5 s
 * passed: the last answer (the caller frees it). */
struct webr webc_wait_for(struct webc *c, const char *path, const char *needle);

/* True when GET path as c answers 200 with both texts in its body; false
 * for any other answer (an object not heard from yet is 404), so that it
 * can be polled. */
bool webc_shows(struct webc *c, const char *path, const char *one, const char *two);

/* c's live stream into s while publish (a thread, given s) sends what it
 * should carry; until s->until came or 15 s passed. */
void webc_stream(struct webc *c, struct sse_read *s, void *(*publish)(void *));

/* Open c's live stream on a handle of its own, then as a: method path
 * body (answered 200); check the server ends the stream at once rather
 * than at its 20 s transfer timeout. */
void webt_stream_ends_when(struct webc *a, struct webc *c, const char *method, const char *path,
			   const char *body);

/* A client of t signed in as the admin. */
struct webc webt_admin(const struct webt *t);

/* A new user of role (objects: a JSON array or NULL) created by admin a;
 * its password into pw. */
void webt_user(struct webc *a, const char *name, const char *role, const char *objects, char *pw,
	       size_t size);

/* A batch of building 33 on amr/v1/readings/33: flats 16 and 17
 * (devices 16 and 17, channels 1 and 3 each), flat 16's counters at t16,
 * flat 17's at t17; flat 17's reading alone when t16 is 0. */
void webt_publish_flats(struct webt *t, long long seq, long long t16, long long t17);

/* Fail the test when text (from where) shows anything of flat 16. */
void webt_no_flat16(const char *where, const char *text);

#endif
