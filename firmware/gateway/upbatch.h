/*
 * upbatch.h - the telemetry batches the gateway sends on amr/v1/gw/{obj}/up
 * (docs/protocol.md, DESIGN.md 4.2) as jansson objects.
 *
 *   {"seq":1042,"prev":1041,"ts":1763600000,
 *    "readings":[{"addr":5,"ch":1,"total":123456,"delta":12,"period_ms":850}],
 *    "devices":[{"addr":5,"ok":true,"mains":true,"batt_mv":3010,"outputs":[0,1,0,0]}],
 *    "events":[{"type":"mains_lost","addr":5,"ts":1763599000}]}
 *
 * The spool keeps batches as this text; upbatch_merge() joins two of them
 * when the spool is full, so that consumption stays exact and only time
 * resolution is lost.
 */
#ifndef GW_UPBATCH_H
#define GW_UPBATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define UPBATCH_MAX_EVENTS 512

/* A new batch {"seq":0,"prev":0,"ts":ts,"readings":[],"devices":[],"events":[]};
 * the spool sets "seq" and "prev". Returns the batch (new) or NULL. */
json_t *upbatch_new(int64_t ts);

/* Append a reading. Returns AMR_OK or AMR_ENOMEM (batch unchanged). */
int upbatch_add_reading(json_t *b, unsigned addr, unsigned ch, uint32_t total, uint64_t delta,
			uint32_t period_ms);

/* Append a device state; mains, batt_mv and outputs (the coils of outputs
 * 1..4, 1 = blocked; NULL when not known) only when ok. Returns AMR_OK or
 * AMR_ENOMEM (batch unchanged). */
int upbatch_add_device(json_t *b, unsigned addr, bool ok, bool mains, unsigned batt_mv,
		       const uint8_t outputs[4]);

/* Append an event (takes ev, an object with at least "type", "addr" and
 * "ts"). Returns AMR_OK or AMR_ENOMEM (ev freed all the same). */
int upbatch_add_event(json_t *b, json_t *ev);

/* True if the batch has no readings, devices or events. */
bool upbatch_empty(const json_t *b);

/*
 * The batch that stands for older followed by newer: per channel the deltas
 * summed and the newer total and period kept; per device the newer state;
 * events of both in order (the oldest dropped beyond UPBATCH_MAX_EVENTS); ts
 * and seq of newer, prev of older (the chain skips the merged seq). older
 * and newer are borrowed. Returns the merged batch (new), or NULL when out
 * of memory or when either is not a batch.
 */
json_t *upbatch_merge(const json_t *older, const json_t *newer);

#endif
