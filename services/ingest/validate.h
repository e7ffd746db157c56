/*
 * validate.h - the telemetry batch check of amr-ingest (DESIGN.md 4.2).
 *
 * Pure functions: no broker, no clock, no files. validate_batch() takes the
 * payload of amr/v1/gw/{obj}/up as it came off the wire, checks it field by
 * field and either rejects it whole (a reason code and a message naming the
 * field) or returns the canonical batch text for amr/v1/readings/{obj}:
 * the batch with "obj" and "rx" added.
 *
 * The rules (docs/ingest.md has them for people):
 *  - the batch is a JSON object with no duplicate keys and only the fields
 *    seq, prev, ts, readings, devices, events and obj; obj, when present,
 *    equals the topic's;
 *  - seq, prev, ts and the readings (optional, at most max_entries) follow
 *    the rules the archive applies too, written once in lib/telemetry.h:
 *    their bounds, the time window, one reading per channel, and a delta
 *    the batch's totals and counter events can explain;
 *  - a bad reading or a bad top-level field rejects the whole batch;
 *  - a bad entry of "devices" or "events" is removed and reported in
 *    `dropped`, the rest of the batch goes on.
 *
 * Two ways to the same answer: validate_batch() first reads the batch with
 * a streaming reader (lib/jflat.h: no jansson value per
 * reading), which accepts only a batch that passes every rule with nothing
 * dropped; anything else - every rejection, every dropped entry, any text
 * the reader declines - goes to validate_batch_tree(), the jansson tree
 * path, which alone writes reasons and messages. Both apply the same rule
 * functions, so a rule is written once.
 */
#ifndef AMR_INGEST_VALIDATE_H
#define AMR_INGEST_VALIDATE_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct validate_opts {
	size_t max_payload; /* larger payloads are rejected unread ("too_large") */
	size_t max_entries; /* most readings, devices or events in one batch */
	int64_t horizon_s;  /* oldest ts accepted is now - horizon_s */
	int64_t ahead_s;    /* newest ts accepted is now + ahead_s */
};

struct validate_result {
	const char *reason;   /* NULL when accepted, else a static reason code */
	char detail[256];     /* why, naming the field; "" when accepted */
	long long seq;	      /* the batch's seq (0 if rejected before it was read) */
	long long prev;	      /* its prev, -1 when absent (0 if rejected before) */
	long long ts;	      /* the batch's ts */
	size_t readings;      /* readings in the canonical batch */
	json_t *batch;	      /* parsed batch without dropped entries and without its
				  readings (they are in canonical) (new), NULL if rejected */
	char *canonical;      /* canonical text (new), NULL if rejected */
	size_t canonical_len; /* its length */
	json_t *dropped;      /* array of {"reason","detail","entry"} removed from
				  devices/events (new), NULL when none */
	bool fast;	      /* accepted by the streaming path (for tests) */
};

/*
 * Check the batch text[0..len) received at time now for object obj and fill
 * *r (which the caller zeroes or clears first). Returns 0 when accepted
 * (r->canonical set), AMR_EINVAL when rejected (r->reason, r->detail set;
 * reason "internal" when memory ran out). Release *r with
 * validate_result_clear() in every case.
 */
amr_err validate_batch(const struct validate_opts *o, unsigned obj, int64_t now, const char *text,
		       size_t len, struct validate_result *r);

/*
 * The same check through a jansson tree of the whole batch: the reference
 * that validate_batch() falls back to (and tests compare it with).
 * Same contract as validate_batch(); r->fast stays false.
 */
int validate_batch_tree(const struct validate_opts *o, unsigned obj, int64_t now, const char *text,
			size_t len, struct validate_result *r);

/* Free what *r holds and zero it. Accepts a zeroed result. */
void validate_result_clear(struct validate_result *r);

#endif
