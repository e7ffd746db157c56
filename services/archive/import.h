/*
 * import.h - the arguments of archive/import (historical and manual
 * readings, docs/archive.md) as a plain request, checked, and its audit
 * record. Pure: no LMDB, no broker; the store's side is store_import().
 *
 *   {"actor":"admin","reason":"history from the old system","source":"demo-history",
 *    "channel":"1.5.1","step":"hour","from":T0,"pulses":[12,0,3,...]}
 *
 * pulses[i] are the pulses counted in the UTC hour from + 3600 i.
 */
#ifndef AMR_ARCHIVE_IMPORT_H
#define AMR_ARCHIVE_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "proto.h"

#define IMPORT_MAX_HOURS  (24 * 400) /* hours in one call: 400 days */
#define IMPORT_MAX_SOURCE 64	     /* bytes of a source's name */

struct import_req {
	const char *actor;     /* who (borrowed from the arguments) */
	const char *reason;    /* why (borrowed) */
	const char *source;    /* where the readings come from (borrowed) */
	const char *channel;   /* the channel's id as given (borrowed) */
	struct proto_id key;   /* the channel */
	char id[PROTO_ID_LEN]; /* its id as the archive writes it */
	int64_t from, to;      /* the hours [from, to), UTC s */
	size_t n;	       /* hours */
	uint32_t *pulses;      /* new: pulses per hour, import_req_free() */
	uint64_t total;	       /* their sum */
};

/*
 * Check args (borrowed) of archive/import at the archive's clock now into
 * *r: unknown fields, a missing or empty actor, reason or source, a
 * channel that is no channel id, a step other than "hour", a from that is
 * not a whole UTC hour, pulses that are not 1..IMPORT_MAX_HOURS
 * non-negative integers below 2^32 or whose last hour has not begun yet.
 * On failure err names the field or the entry ("pulses[17]: -3 is
 * negative") and *r holds nothing to free.
 * Returns AMR_OK, AMR_EINVAL or AMR_ENOMEM.
 */
amr_err import_parse(const json_t *args, int64_t now, struct import_req *r, struct jv_err *err);

/* Free what import_parse() allocated. Accepts a zeroed request. */
void import_req_free(struct import_req *r);

/* The audit record of r at time now: {"ts","actor","action":"archive.import",
 * "target":id,"detail":{"source","from","to","hours","pulses","reason"}}
 * (new), or NULL when out of memory. */
json_t *import_audit(const struct import_req *r, int64_t now);

#endif
