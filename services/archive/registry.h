/*
 * registry.h - objects, devices and channels with their metering details.
 *
 * One LMDB database "registry", key = obj (u16 BE) | addr (u8) | ch (u8):
 * addr 0 is the object's record, ch 0 a device's, else a channel's. Values
 * are JSON text, e.g. a channel:
 *
 *   {"id":"1.5.1","label":"Cold water, flat 12","resource":"cold_water",
 *    "unit":"m3","weights":[{"num":1,"den":100,"valid_from":0}],
 *    "serial":"A123","verification_due":"2029-05-01",
 *    "initial_reading":"123.456","initial_total":5000,"first_seen":T,"updated":T}
 *
 * initial_reading is the meter's reading when the device's counter stood at
 * initial_total: the reading now is initial_reading + (total -
 * initial_total) * the current pulse weight. An update that sets
 * initial_reading pairs it with the counter as it stands (the caller's
 * total_now) unless it gives initial_total itself.
 *
 * A device's record may name what each of its outputs drives (the valve
 * or contactor, and the resource it cuts off), which dialogs, alarms and
 * the audit trail show beside the device's label (the flat):
 *
 *   {"id":"1.5","label":"Flat 12","outputs":{"1":{"label":"Cold water valve",
 *    "resource":"cold_water"},"3":{"label":"Contactor","resource":"electricity"}},
 *    "first_seen":T,"updated":T}
 *
 * An update's "outputs" is merged output by output and field by field.
 *
 * A channel seen for the first time is registered with defaults (resource
 * "unknown", unit "pulse", weight 1/1, no label) in the same transaction as
 * its first reading, so nothing is lost before an operator describes it.
 *
 * An object or a device can be retired ("retired":true, "retired_at":T):
 * its data stays and answers queries, but it leaves the live views
 * (archive/latest of every object, the portal's lists) and raises no
 * alarms. New readings under it are still archived.
 */
#ifndef AMR_ARCHIVE_REGISTRY_H
#define AMR_ARCHIVE_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "kv.h"
#include "proto.h"
#include "units.h"

typedef struct registry registry;

/* What queries need to turn a channel's pulses into quantities. */
struct reg_conv {
	char unit[8];				  /* "m3", "kWh", "pulse" ... */
	char label[128];			  /* "" when none */
	int dec;				  /* decimals of quantities */
	size_t nw;				  /* weight periods, >= 1 */
	struct units_weight w[UNITS_MAX_WEIGHTS]; /* sorted by valid_from */
	bool known;				  /* in the registry (ever seen) */
};

/* Open the registry's database in k (borrowed, must outlive the registry).
 * Returns AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err registry_open(registry **out, kv *k);

/* Free. Accepts NULL. */
void registry_close(registry *r);

/* Parse "1", "1.5" or "1.5.1" (proto_id_parse) into key: a record is about
 * an object (addr 0), a device (ch 0) or a channel. Returns AMR_OK or
 * AMR_EINVAL (with the reason in err). */
amr_err registry_parse_id(const char *s, struct proto_id *key, struct jv_err *err);

/*
 * Inside write transaction txn: register channel (obj, addr, ch) and its
 * device and object if missing, with defaults and first_seen = now.
 * *created says whether the channel was new. Called for a channel without
 * state: a known record with "moved_to" (its device left the address) is
 * taken by the device answering there now ("moved_to" removed from the
 * channel's and the device's records). Returns 0 or an MDB_ code.
 */
int registry_ensure(registry *r, MDB_txn *txn, uint16_t obj, uint8_t addr, uint8_t ch, int64_t now,
		    bool *created);

/*
 * Inside write transaction txn: device (obj, from) now answers at address
 * to (address_changed). Its record and its channels' are copied to (obj,
 * to) with "moved_from" (labels, weights, serials... follow the device);
 * the records they replace there are added to replaced (borrowed object,
 * id -> the old record). The records left at from keep what their history
 * needs (unit, resource, weights, initial reading: series of the old id
 * still convert as before) but lose the label and the serial and say
 * "moved_to", so no channel there keeps the device's name. *moved counts
 * the records moved (0: the archive knew nothing at from). Returns 0 or an
 * MDB_ code (AMR_ENOMEM).
 */
int registry_move(registry *r, MDB_txn *txn, uint16_t obj, uint8_t from, uint8_t to, int64_t now,
		  json_t *replaced, size_t *moved);

/* The record of key as a new JSON reference in *out. Returns AMR_OK,
 * AMR_ENOTFOUND or AMR_EDB. */
amr_err registry_get(registry *r, MDB_txn *txn, const struct proto_id *key, json_t **out);

/* The conversion details of a channel; defaults and known = false when it
 * is not registered.
 * Returns AMR_OK or AMR_EDB. */
amr_err registry_conv(registry *r, MDB_txn *txn, const struct proto_id *key, struct reg_conv *out);

/* True when the record of key (an object or a device) is retired; false
 * also when there is none or it cannot be read. */
bool registry_retired(registry *r, MDB_txn *txn, const struct proto_id *key);

/* Records of object obj (0: all), channels only if channels_only, at most
 * limit, in id order after the record after (NULL: from the first).
 * *more is set when the limit stopped the list (ask again after the last).
 * Returns a new JSON array in *out; AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err registry_list(registry *r, MDB_txn *txn, uint16_t obj, bool channels_only,
		      const struct proto_id *after, size_t limit, json_t **out, bool *more);

/*
 * Apply an update (args of archive/registry.set, borrowed; validated here:
 * unknown fields and bad values are refused with err naming the field) to
 * the record of key, inside write transaction txn. The record must exist
 * for devices and channels; an object record is created if needed.
 * "retired" (objects and devices only) sets or clears the retirement.
 * total_now is the channel's counter as last read (0 if never), paired with
 * a new initial_reading. *before gets the old record (or null), *after the
 * new one (new refs).
 * Returns AMR_OK, AMR_EINVAL, AMR_ENOTFOUND, AMR_ENOMEM or an MDB_ code.
 */
amr_err registry_update(registry *r, MDB_txn *txn, const struct proto_id *key, const json_t *args,
			uint32_t total_now, int64_t now, json_t **before, json_t **after,
			struct jv_err *err);

#endif
