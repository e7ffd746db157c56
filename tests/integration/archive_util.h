/*
 * archive_util.h - what the amr-archive integration tests share: the test
 * process playing the gateway side (batches kept until acknowledged and sent
 * again in order, as the gateway's spool does, DESIGN.md 4.3), calls to the
 * archive's RPC methods over the harness's probe, and the check of pulse
 * conservation.
 *
 * Every function asserts (Check) on failure instead of returning an error.
 */
#ifndef AMR_TEST_ARCHIVE_UTIL_H
#define AMR_TEST_ARCHIVE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "harness.h"

#define AGW_NCH 8 /* channels of the emulated gateway */

/* The emulated gateway: totals per channel and its unacknowledged batches. */
struct agw {
	struct harness *h;	 /* borrowed */
	int obj;		 /* object number */
	bool chain;		 /* batches carry "prev" (seq - 1) */
	bool up;		 /* publish as a gateway on amr/v1/gw/{obj}/up
					 (through amr-ingest), else canonical
					 batches on amr/v1/readings/{obj} */
	uint64_t seq;		 /* last seq made */
	uint32_t total[AGW_NCH]; /* device totals */
	uint32_t first[AGW_NCH]; /* totals at the start */
	char **sent;		 /* payload of seq i at [i], owned */
	size_t cap;		 /* most batches + 1 */
};

/* A gateway for obj able to make cap batches, canonical and without prev. */
void agw_init(struct agw *g, struct harness *h, int obj, size_t cap);
void agw_free(struct agw *g);

/* Make the next batch at time ts and keep it, without publishing it (the
 * broker lost it); the first carries delta 0. */
void agw_make(struct agw *g, int64_t ts);

/* Make the next batch at time ts and publish it. */
void agw_send(struct agw *g, int64_t ts);

/* Publish again every batch above acked, in order (the spool's resend). */
void agw_resend(struct agw *g, uint64_t acked);

/* Publish with the probe, QoS 1, retrying while the client is busy. */
void arc_publish(struct harness *h, const char *topic, const char *payload);

/* Spawn amr-archive with --commit-ms=20 and args (NULL-terminated, may be
 * NULL), wait for its online status. Returns its pid. */
pid_t arc_start(struct harness *h, const char *const *args);

/* Call archive/<method> with args (JSON text). Returns the answer's result
 * (new reference), or NULL with the error code in code (when not NULL).
 * want_err, when not NULL, is the error code expected. */
json_t *arc_rpc(struct harness *h, const char *method, const char *args, const char *want_err,
		char *code, size_t size);

/* Wait up to ms for {"seq":seq} on amr/v1/gw/{obj}/ack: asserts it comes. */
void arc_wait_ack(struct harness *h, int obj, uint64_t seq, int ms);

/* True if {"seq":seq} came on amr/v1/gw/{obj}/ack within ms. */
bool arc_ack_seen(struct harness *h, int obj, uint64_t seq, int ms);

/* The object's high-water mark (archive/hwm). */
uint64_t arc_hwm(struct harness *h, int obj);

/* A counter of archive/metrics without labels, e.g.
 * "amr_archive_gap_refused_total"; -1 when absent. */
long long arc_metric(struct harness *h, const char *name);

/* Archived pulses of every channel over all time equal the change of the
 * gateway's totals: nothing lost, nothing twice. */
void arc_check_conservation(struct harness *h, const struct agw *g);

#endif
