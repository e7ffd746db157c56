/*
 * query.h - the archive's read side: latest values, series, consumption and
 * consumption split into time-of-day zones (DESIGN.md 4.4).
 *
 * Every function runs inside a read transaction given by the caller and
 * returns a new JSON reference in *out. Quantities are exact decimal strings
 * (units.h): within one answer, the points of a series, the zones of an
 * item and the hours, days or months of a span always add up to the span's
 * total, also across a change of pulse weight.
 *
 * Buckets are included when they START in [from, to): hours are UTC hours,
 * days and months local to the archive's time zone (tbucket.h), or to the
 * zone a query names (struct query's tz): days, months and time-of-day
 * zones are then built from the hourly rollups, each hour in the local
 * day, month or hour its start falls in.
 */
#ifndef AMR_ARCHIVE_QUERY_H
#define AMR_ARCHIVE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "registry.h"
#include "store.h"

#define QUERY_MAX_POINTS   100000	/* points in one series answer */
#define QUERY_MAX_RAW_SPAN (31 * 86400) /* raw series span limit, s */
#define QUERY_MAX_ZONES	   24		/* zones in one request */

struct query {
	store *s;	       /* borrowed */
	registry *reg;	       /* borrowed */
	int64_t now;	       /* current time, UTC s */
	int64_t fresh_s;       /* a channel is fresh if read within this */
	const tzone_rules *tz; /* zone of days, months, zones; NULL the site's */
};

/* One time-of-day zone: local hours [from_h, to_h), wrapping past midnight
 * when to_h <= from_h. */
struct query_zone {
	const char *name; /* borrowed */
	int from_h;	  /* 0..23 */
	int to_h;	  /* 0..24 */
};

/* archive/latest: channels of object obj, or (obj 0) of the objects from
 * from_obj on, whole objects only, stopping before the object that would
 * take the answer past limit channels ("next_obj" says where to go on;
 * the first object is given whole whatever its size). The list of every
 * object leaves retired objects and devices out; asked by number, their
 * channels come with "retired":true.
 * Returns AMR_OK, AMR_ENOTFOUND (object unknown), AMR_ENOMEM, AMR_EDB. */
amr_err query_latest(const struct query *q, MDB_txn *txn, uint16_t obj, uint16_t from_obj,
		     size_t limit, json_t **out);

/* archive/series of one channel. Returns AMR_OK, AMR_EINVAL (span too long,
 * too many points; err says why), AMR_ENOTFOUND (a channel never seen),
 * AMR_ENOMEM or AMR_EDB. */
amr_err query_series(const struct query *q, MDB_txn *txn, const struct proto_id *chan, int64_t from,
		     int64_t to, enum tb_step step, json_t **out, struct jv_err *err);

/* archive/consumption of channels keys[0..n) over the hours in [from, to).
 * Without zones: items of {"channel","pulses","quantity","unit","decimals",
 * "coverage"}; with zones (nz > 0) each item also has
 * "zones":[{"name","pulses","quantity"}]. "coverage" is
 * {"span_hours","hours","first"?,"last"?,"quarantined","lumped_pulses",
 * "imported_hours"} (store_cover_scan()); the answer's "coverage_from"
 * says from when hours have coverage of their own.
 * Returns AMR_OK, AMR_ENOTFOUND (err names the channel never seen), AMR_ENOMEM
 * or AMR_EDB. */
amr_err query_consumption(const struct query *q, MDB_txn *txn, const struct proto_id *keys,
			  size_t n, int64_t from, int64_t to, const struct query_zone *zones,
			  size_t nz, json_t **out, struct jv_err *err);

/* Check zones: "HH:00" bounds already parsed; every local hour must be in
 * exactly one zone. Returns AMR_OK or AMR_EINVAL with err naming the hour. */
amr_err query_zones_check(const struct query_zone *zones, size_t nz, struct jv_err *err);

#endif
