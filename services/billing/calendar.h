/*
 * calendar.h - calendar days, working days and the due date of a billing
 * period (docs/billing.md, "Due dates and working days").
 *
 * A day is a whole number of days since 1970-01-01 (cal_day), so that days
 * are added and compared as integers; on the wire it is a local calendar
 * date "YYYY-MM-DD" (years 1900..2999). A period is a month, "2026-10".
 *
 * The payment for a period is due on the organisation's due day of the
 * month after it (ЖК РФ ст. 155 ч. 1: the 10th unless the organisation sets
 * another day, 1..28). A due date on a non-working day moves to the next
 * working day (ГК РФ ст. 193). Non-working days are Saturdays and Sundays,
 * with the exceptions the accountant keeps (the `calendar` records): a
 * holiday on a weekday is non-working, a working Saturday (a transfer) is
 * working. Pure: no I/O, no clock, no allocation.
 */
#ifndef AMR_BILLING_CALENDAR_H
#define AMR_BILLING_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "jv.h"

typedef int32_t cal_day; /* days since 1970-01-01 */

#define CAL_DAY_NONE	    INT32_MIN /* no day (a payment never reversed) */
#define CAL_DAY_OPEN	    INT32_MAX /* the end of an open period */
#define CAL_DATE_LEN	    11	      /* "YYYY-MM-DD" and its NUL */
#define CAL_DUE_DAY_DEFAULT 10	      /* ЖК РФ ст. 155 ч. 1 */
#define CAL_DUE_DAY_MAX	    28	      /* a due day every month has */

/* An exception to the week: a day that is working or not whatever its
 * weekday says. */
struct cal_exception {
	cal_day day;  /* which */
	bool working; /* false: a holiday; true: a working Saturday or Sunday */
};

/* The day of year y, month m (1..12), day d (1..31); the date must exist. */
cal_day cal_day_of(int y, int m, int d);

/* The year, month and day of d into *y, *m, *dd. */
void cal_ymd(cal_day d, int *y, int *m, int *dd);

/* Parse a date "YYYY-MM-DD" (years 1900..2999, a day the month has) into
 * *out (may be NULL to check only). Returns false, *out unchanged, when s
 * is not one. */
bool cal_day_parse(const char *s, cal_day *out);

/* d as "YYYY-MM-DD" into buf (CAL_DATE_LEN bytes). Returns buf. */
char *cal_day_format(cal_day d, char *buf);

/* The weekday of d: 1 Monday .. 7 Sunday. */
int cal_weekday(cal_day d);

/* The day n months after d (n >= 0): the same day of the month, or that
 * month's last day when it is shorter (2026-01-31 + 1 = 2026-02-28). */
cal_day cal_add_months(cal_day d, int n);

/* Parse a period "YYYY-MM" (years 1900..2999) into *y, *m. Returns false,
 * both unchanged, when s is not one. */
bool cal_period_parse(const char *s, int *y, int *m);

/* True when d is a working day: a weekday, unless ex[0..n) (in any order)
 * says it is not, or a Saturday or Sunday that ex says is working. */
bool cal_working(const struct cal_exception *ex, size_t n, cal_day d);

/* d when it is a working day, else the first working day after it. */
cal_day cal_next_working(const struct cal_exception *ex, size_t n, cal_day d);

/*
 * The due date of period y-m for an organisation whose due day is due_day
 * (1..CAL_DUE_DAY_MAX): that day of the next month, moved to the next
 * working day (ex as cal_working). Returns AMR_OK, or AMR_EINVAL (*out
 * unchanged, the reason in err naming due_day) for a day out of range.
 */
amr_err cal_due_date(int y, int m, int due_day, const struct cal_exception *ex, size_t n,
		     cal_day *out, struct jv_err *err);

#endif
