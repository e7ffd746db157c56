/*
 * csv.h - a series answer (archive/series result) as CSV text, for
 * `amrctl` exports and spreadsheets.
 *
 *   channel,unit,t,time_utc,pulses,quantity
 *   1.1.1,m3,1763600000,2025-11-20T01:53:20Z,12,0.120
 *
 * Quantities are copied as the exact decimal strings of the answer.
 * tools/amrctl may link this file alone (it needs only jansson).
 */
#ifndef AMR_ARCHIVE_CSV_H
#define AMR_ARCHIVE_CSV_H

#include <jansson.h>

/* CSV of series (borrowed). Returns a new string (the caller frees it), or
 * NULL when series is not a series answer or memory ran out. */
char *csv_series(const json_t *series);

#endif
