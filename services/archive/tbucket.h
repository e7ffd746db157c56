/*
 * tbucket.h - hour, day and month buckets in the site's time zone.
 *
 * Hours are UTC hours. Days and months start at local midnight of the site's
 * time zone (default Europe/Moscow), computed from the TZ database with
 * localtime_r/mktime, so daylight saving time is handled where a zone has it.
 * The zone must be a whole number of hours away from UTC at all times
 * checked, so that a local day is made of whole UTC hours.
 *
 * tb_init() sets the process's TZ: call it once at start, before any thread.
 *
 * The _in functions do the same in another zone z, read per call from its
 * file (tzone_rules_get(), no TZ involved), for a query in a building's
 * zone; z NULL is the site's zone. An hour belongs to the local hour, day
 * or month its start falls in.
 */
#ifndef AMR_ARCHIVE_TBUCKET_H
#define AMR_ARCHIVE_TBUCKET_H

#include "err.h"
#include "tzone.h"

#include <stdint.h>

enum tb_step {
	TB_RAW = 0,
	TB_HOUR,
	TB_DAY,
	TB_MONTH,
};

/* Use zone tz (e.g. "Europe/Moscow"). Returns AMR_OK, or AMR_EINVAL when the
 * zone is unknown or not a whole number of hours from UTC. */
amr_err tb_init(const char *tz);

/* The zone given to tb_init() (borrowed). */
const char *tb_zone(void);

/* Start of the bucket of step holding t (UTC seconds); TB_RAW returns t. */
int64_t tb_start(enum tb_step step, int64_t t);

/* Start of the bucket after the one starting at start. */
int64_t tb_next(enum tb_step step, int64_t start);

/* Local hour of day 0..23 at t. */
int tb_local_hour(int64_t t);

/* tb_start() in zone z (borrowed; NULL: the site's zone). */
int64_t tb_start_in(const tzone_rules *z, enum tb_step step, int64_t t);

/* tb_next() in zone z (NULL: the site's zone). */
int64_t tb_next_in(const tzone_rules *z, enum tb_step step, int64_t start);

/* tb_local_hour() in zone z (NULL: the site's zone). */
int tb_local_hour_in(const tzone_rules *z, int64_t t);

#endif
