/*
 * events.h - what ingest knows about each gateway and its devices, and the
 * normalised events that follow (amr/v1/events/{obj}).
 *
 * Pure: no broker and no clock (the caller passes the time). State lives in
 * memory per object number: the highest batch seq seen, the gateway's
 * online state and, per device address, whether it responds and has mains.
 *
 * A normalised event (docs/ingest.md):
 *   {"obj":1,"type":"device_offline","addr":5,"ch":1,"ts":T,"seq":1042,
 *    "detail":{...}}
 * addr, ch and seq appear only when they apply; detail is always an object.
 */
#ifndef AMR_INGEST_EVENTS_H
#define AMR_INGEST_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"

typedef struct events events;

/* Receives each normalised event; event is borrowed for the call. */
typedef void (*events_emit_fn)(void *ctx, unsigned obj, json_t *event);

/* Presence of a gateway as far as ingest knows. */
enum events_presence {
	EVENTS_UNKNOWN = -1,
	EVENTS_OFFLINE = 0,
	EVENTS_ONLINE = 1,
};

/* Create empty state. Returns AMR_OK or AMR_ENOMEM. */
amr_err events_create(events **out);

/* Free. Accepts NULL. */
void events_destroy(events *ev);

/*
 * Handle an accepted batch of obj (validate.h's r->batch, borrowed) with
 * its seq and ts. A batch the archive acknowledged (events_acked), or one
 * seen since its last ack, is a resend (DESIGN.md 4.3): *resend is set and
 * nothing is emitted, since its events were normalised when it first
 * came. A batch the archive refused (a forged seq far ahead, one after a
 * gap) is never acknowledged, so the real batches that follow it are new
 * and their events go out. Otherwise the
 * gateway's events are emitted in order, then changes shown by the
 * "devices" snapshot (device_offline/online, mains_lost/restored) that no
 * event of the gateway reported. A device event that repeats the known
 * state is not emitted twice. Returns AMR_OK or AMR_ENOMEM.
 */
amr_err events_batch(events *ev, unsigned obj, const json_t *batch, long long seq, long long ts,
		     bool *resend, events_emit_fn emit, void *ctx);

/* The archive acknowledged obj's batches up to seq (amr/v1/gw/{obj}/ack):
 * every batch up to there is stored, so it is a resend if it comes again.
 * The ack is retained, so after a restart ingest knows at once what the
 * archive has. Out of memory: the ack is not remembered (events may go out
 * twice, never not at all). */
void events_acked(events *ev, unsigned obj, long long seq);

/*
 * Check a gateway status payload (borrowed): "online" is a required
 * boolean; fw (string <= 32), ip (string <= 64), devices {polled,
 * responding 0..127} and spool {pending >= 0} are type-checked when
 * present; other fields are ignored. When the online state differs from
 * the known one (or none is known), emits gateway_online or
 * gateway_offline at time now and sets *changed. *online gets the state.
 * Returns AMR_OK, AMR_EINVAL (err says why; state unchanged) or AMR_ENOMEM.
 */
amr_err events_status(events *ev, unsigned obj, const json_t *status, int64_t now, bool *online,
		      bool *changed, events_emit_fn emit, void *ctx, struct jv_err *err);

/* Set the known presence of obj without emitting (state restored at start).
 * Returns AMR_OK or AMR_ENOMEM. */
amr_err events_presence_set(events *ev, unsigned obj, enum events_presence p);

/* The known presence of obj. */
enum events_presence events_presence_get(const events *ev, unsigned obj);

/* Highest batch seq seen from obj, 0 if none. */
long long events_high_seq(const events *ev, unsigned obj);

#endif
