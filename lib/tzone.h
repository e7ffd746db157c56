/*
 * tzone.h - the site's time zone of a process, and local times in it; and
 * local times in any other zone of the TZ database, per call.
 *
 * The site's zone (AMR_TZ, default Europe/Moscow, from the TZ database) is
 * where days and months start (the archive's rollups, billing periods) and
 * the clock people read times by (the portal, CSV files). tzone_set() sets
 * the process's TZ: call it once at start, before the process starts threads
 * of its own that read the clock.
 *
 * A zone other than the process's (a building in another zone than the
 * archive's) is read by tzone_rules_get(): glibc has no per-call zone, and
 * switching TZ while other threads read the clock gives them the wrong
 * zone, so the zone's file (/usr/share/zoneinfo/<name>, TZif, RFC 8536) is
 * read here, once per process, into its offset transitions and the POSIX
 * rule (the file's footer, "CET-1CEST,M3.5.0,M10.5.0/3") that holds after
 * the last one. Loaded zones are cached under a mutex and never freed, so
 * a zone once got is valid, and safe to read from any thread, until exit.
 */
#ifndef AMR_LIB_TZONE_H
#define AMR_LIB_TZONE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define TZONE_ISO_LEN 32 /* "2026-12-01T00:00:00+03:00" and its NUL, with room */

/* Use zone tz ("Europe/Moscow", "UTC") for local times of this process.
 * Returns AMR_OK, or AMR_EINVAL (logged) when the name is too long, holds
 * "..", or names no file in /usr/share/zoneinfo (glibc would fall back to
 * UTC without a word); the zone in use is then unchanged. */
amr_err tzone_set(const char *tz);

/* The zone given to tzone_set(), "UTC" before (borrowed). */
const char *tzone_name(void);

/* t (UTC seconds) as local ISO 8601 time with its offset,
 * "2026-12-01T00:00:00+03:00", into buf of size bytes (TZONE_ISO_LEN
 * suffice). Returns buf. */
char *tzone_iso(int64_t t, char *buf, size_t size);

/* One zone's offsets from UTC over time (opaque, see tzone_rules_get()). */
typedef struct tzone_rules tzone_rules;

/* The rules of zone name ("Asia/Yekaterinburg", "UTC") into *out: borrowed,
 * valid until the process ends. Thread-safe. Returns AMR_OK, AMR_EINVAL
 * (not a zone name, no such file, or not a TZif file without leap seconds:
 * not logged, the caller names the field) or AMR_ENOMEM. */
amr_err tzone_rules_get(const char *name, const tzone_rules **out);

/* The zone's name (borrowed). */
const char *tzone_rules_name(const tzone_rules *z);

/* Seconds east of UTC in zone z at t (UTC seconds): +10800 in Moscow. */
int32_t tzone_offset(const tzone_rules *z, int64_t t);

/* Local hour of day 0..23 in z at t: the hour its local time falls in. */
int tzone_local_hour(const tzone_rules *z, int64_t t);

/* t as local ISO 8601 time in z with its offset, as tzone_iso() does in
 * the process's zone (z NULL: tzone_iso()). Returns buf. */
char *tzone_iso_in(const tzone_rules *z, int64_t t, char *buf, size_t size);

/* The first instant (UTC s) of the local day days after the one holding t,
 * in z (days 0: t's own day). A local midnight that does not exist (a
 * clock put forward at midnight) starts the day at the change; one that
 * occurs twice, at its first occurrence. */
int64_t tzone_day_start(const tzone_rules *z, int64_t t, int days);

/* The first instant (UTC s) of local calendar day `day` (days since
 * 1970-01-01) in z, as tzone_day_start() starts a day. */
int64_t tzone_date_start(const tzone_rules *z, int64_t day);

/* The same for the first of the month months after the one holding t. */
int64_t tzone_month_start(const tzone_rules *z, int64_t t, int months);

#endif
