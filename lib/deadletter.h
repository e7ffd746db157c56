/*
 * deadletter.h - the record of a rejected message on amr/v1/deadletter.
 *
 *   {"topic":"amr/v1/gw/7/up","reason":"bad_reading",
 *    "detail":"readings[3].addr: 300 is out of range 1..127",
 *    "payload":"{\"seq\":...","size":1234,"truncated":true}
 *
 * "payload" is the received text as a JSON string, cut to a limit on a
 * UTF-8 boundary; bytes that are not UTF-8 become U+FFFD so the record is
 * always valid JSON. "size" (the received length) and "truncated" appear
 * only when it was cut; detail and topic are made valid UTF-8 too (a
 * detail may quote a value cut inside a character). Ingest and the archive
 * both build their records here. Pure: no broker.
 */
#ifndef AMR_DEADLETTER_H
#define AMR_DEADLETTER_H

#include <stddef.h>

#include <jansson.h>

/*
 * Build the record. reason is a short code (it is also the metric label),
 * detail says why (may be NULL or ""), payload[0..len) the message as
 * received, max the most payload bytes kept. New reference, or NULL when
 * out of memory.
 */
json_t *deadletter_json(const char *topic, const char *reason, const char *detail,
			const char *payload, size_t len, size_t max);

#endif
