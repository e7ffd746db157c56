/*
 * month.h - billing periods: calendar months "YYYY-MM", their days and
 * the UTC bounds of those days in a building's time zone
 * (docs/billing.md, "The billing run").
 *
 * A period is a calendar month of the building's local time. Its days are
 * numbered 0..D-1 (D = days in the month); a day index D means the first
 * day of the next month. A span of days [d0, d1) is what a holding or a
 * meter assignment covers of the month; its UTC bounds are the local
 * midnights that start day d0 and day d1, which is what archive/consumption
 * takes (the hours starting in [from, to)).
 */
#ifndef AMR_BILLING_MONTH_H
#define AMR_BILLING_MONTH_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "jv.h"

#define MONTH_LEN      8  /* "YYYY-MM" and its NUL */
#define MONTH_DAYS_MAX 31 /* days in a month */

struct month {
	int y; /* year, 1900..2999 */
	int m; /* month, 1..12 */
};

/* Parse "YYYY-MM" (years 1900..2999) into *out. Returns AMR_OK or
 * AMR_EINVAL with a message naming field ("period: \"2026-13\" is not a
 * month (YYYY-MM)"). */
amr_err month_parse(const char *s, const char *field, struct month *out, struct jv_err *err);

/* m as "YYYY-MM" into buf (MONTH_LEN bytes). Returns buf. */
char *month_format(const struct month *m, char *buf);

/* The days of m, 28..31. */
int month_days(const struct month *m);

/* The month k months after m (k may be negative). */
struct month month_add(struct month m, int k);

/* Months from a to b (b - a): 0 for the same month, 1 for the next. */
int month_diff(const struct month *a, const struct month *b);

/* The local date of day index d of m (0..D; D is the next month's first
 * day) as "YYYY-MM-DD" into buf (11 bytes). Returns buf. */
char *month_date(const struct month *m, int d, char *buf);

/* The day index in m of date ("YYYY-MM-DD", already checked): 0 for a
 * date on or before the month's first day, D for one on or after the next
 * month's first day; NULL (an open end) is D. */
int month_day_index(const struct month *m, const char *date);

/*
 * The UTC seconds of the local midnight starting each day of m in time
 * zone tz ("Europe/Moscow"): t[0..D], t[D] the next month's first
 * midnight. Daylight saving is the zone's own (a day may be 23 or 25
 * hours). The process's TZ is switched for the call and put back, so call
 * it only from the thread that owns local time in this process (the
 * service's loop; amr-billing reads no local time elsewhere). Returns
 * AMR_OK or AMR_EINVAL (an unknown zone: nothing in /usr/share/zoneinfo).
 */
amr_err month_utc_days(const struct month *m, const char *tz, int64_t *t);

#endif
