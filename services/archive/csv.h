/*
 * csv.h - a series answer (archive/series result) as CSV text, for
 * `amrctl` exports and spreadsheets.
 *
 *   channel,unit,t,time_utc,time_local,pulses,quantity
 *   1.1.1,m3,1764536400,2025-11-30T21:00:00Z,2025-12-01T00:00:00+03:00,12,0.120
 *
 * time_local is the time in the site's zone (the process's TZ, tzone.h),
 * or in the zone the series was asked in, with its offset: the day of a
 * day's row as people there name it.
 * Quantities are copied as the exact decimal strings of the answer.
 */
#ifndef AMR_ARCHIVE_CSV_H
#define AMR_ARCHIVE_CSV_H

#include <jansson.h>

#include "tzone.h"

/* CSV of series (borrowed), local times in z (NULL: the site's zone,
 * borrowed). Returns a new string (the caller frees it), or
 * NULL when series is not a series answer or memory ran out. */
char *csv_series(const json_t *series, const tzone_rules *z);

#endif
