/*
 * tzone.h - the site's time zone of a process, and local times in it.
 *
 * The site's zone (AMR_TZ, default Europe/Moscow, from the TZ database) is
 * where days and months start (the archive's rollups, billing periods) and
 * the clock people read times by (the portal, CSV files). tzone_set() sets
 * the process's TZ: call it once at start, before the process starts threads
 * of its own that read the clock.
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

#endif
