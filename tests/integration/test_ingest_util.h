/*
 * test_ingest_util.h - what the amr-ingest integration tests share: an RPC
 * client in the test process, starting amr-ingest, and reading fields out
 * of JSON payloads the probe caught.
 */
#ifndef AMR_TEST_INGEST_UTIL_H
#define AMR_TEST_INGEST_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "harness.h"
#include "loop.h"
#include "mq.h"
#include "rpc.h"

struct client {
	loop *l;   /* runs only inside client_* calls */
	mq *m;	   /* its own broker connection */
	rpc *r;	   /* its RPC endpoint */
	bool up;   /* connected at least once, reply topic subscribed */
	bool wake; /* loop_run_until flag of client_start() */
};

/* An answer collected by client_call_async(). */
struct answer {
	bool done;	   /* the callback ran */
	int err;	   /* AMR_OK or the error */
	json_t *result;	   /* new reference on success */
	char code[64];	   /* error code on failure */
	char message[256]; /* error message on failure */
};

/* Connect a client to the harness's broker; 0 or -1. */
int client_start(struct client *c, struct harness *h);

/* Disconnect and free. */
void client_stop(struct client *c);

/* Call service/method with args (JSON text) and wait; the answer is stored
 * in *a (free a->result with json_decref). Returns a->err. */
int client_call(struct client *c, const char *method, const char *args, unsigned timeout_ms,
		struct answer *a);

/* Start a call without waiting; client_wait() runs the loop until it ends. */
int client_call_async(struct client *c, const char *method, const char *args, unsigned timeout_ms,
		      struct answer *a);
void client_wait(struct client *c, struct answer *a);

/* Spawn amr-ingest with extra args (NULL-terminated, may be NULL) and wait
 * for its retained online status; the inbox is cleared first. Returns the
 * pid, or -1. */
pid_t start_ingest(struct harness *h, const char *const *args);

/* Parse text (may be NULL) as JSON; new reference or NULL. */
json_t *parse(const char *text);

/* Integer field of the JSON object in text, or -1. */
long long json_int_of(const char *text, const char *field);

#endif
