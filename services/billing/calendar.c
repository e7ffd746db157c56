/*
 * calendar.c - calendar days, working days and due dates.
 */
#include <stdio.h>
#include <string.h>

#include "calendar.h"

/* Days before each month in a common year. */
static const int before_month[13] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365 };

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	return before_month[m] - before_month[m - 1] + (m == 2 && leap(y));
}

/* Days from 0001-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int32_t from_year_one(int y, int m, int d)
{
	int p = y - 1;

	return 365 * p + p / 4 - p / 100 + p / 400 + before_month[m - 1] + (m > 2 && leap(y)) + d -
	       1;
}

cal_day cal_day_of(int y, int m, int d)
{
	return from_year_one(y, m, d) - from_year_one(1970, 1, 1);
}

void cal_ymd(cal_day d, int *y, int *m, int *dd)
{
	/* 146097 days in 400 years: the estimate is off by a year at most */
	int yy = 1970 + (int)((int64_t)d * 400 / 146097), mm = 1, doy;

	while (cal_day_of(yy, 1, 1) > d)
		yy--;
	while (cal_day_of(yy + 1, 1, 1) <= d)
		yy++;
	doy = d - cal_day_of(yy, 1, 1);
	while (mm < 12 && doy >= before_month[mm] + (mm >= 2 && leap(yy)))
		mm++;
	*y = yy;
	*m = mm;
	*dd = doy - before_month[mm - 1] - (mm > 2 && leap(yy)) + 1;
}

/* The number in s[0..len), all digits; -1 when one is not. */
static int digits(const char *s, int len)
{
	int v = 0;

	for (int i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool cal_period_parse(const char *s, int *y, int *m)
{
	int yy, mm;

	if (strlen(s) < 7 || s[4] != '-')
		return false;
	yy = digits(s, 4);
	mm = digits(s + 5, 2);
	if (s[7] || yy < 1900 || yy > 2999 || mm < 1 || mm > 12)
		return false;
	*y = yy;
	*m = mm;
	return true;
}

bool cal_day_parse(const char *s, cal_day *out)
{
	char period[8];
	int y, m, d;

	if (strlen(s) != 10 || s[7] != '-')
		return false;
	memcpy(period, s, 7);
	period[7] = 0;
	d = digits(s + 8, 2);
	if (!cal_period_parse(period, &y, &m) || d < 1 || d > month_days(y, m))
		return false;
	if (out)
		*out = cal_day_of(y, m, d);
	return true;
}

char *cal_day_format(cal_day d, char *buf)
{
	int y, m, dd;

	cal_ymd(d, &y, &m, &dd);
	snprintf(buf, CAL_DATE_LEN, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)dd % 100u);
	return buf;
}

int cal_weekday(cal_day d)
{
	/* 1970-01-01 was a Thursday */
	return (int)(((d % 7) + 7 + 3) % 7) + 1;
}

cal_day cal_add_months(cal_day d, int n)
{
	int y, m, dd, last;

	cal_ymd(d, &y, &m, &dd);
	m += n;
	y += (m - 1) / 12;
	m = (m - 1) % 12 + 1;
	last = month_days(y, m);
	return cal_day_of(y, m, dd < last ? dd : last);
}

bool cal_working(const struct cal_exception *ex, size_t n, cal_day d)
{
	for (size_t i = 0; i < n; i++)
		if (ex[i].day == d)
			return ex[i].working;
	return cal_weekday(d) <= 5;
}

cal_day cal_next_working(const struct cal_exception *ex, size_t n, cal_day d)
{
	/* ends: past the last exception every weekday is working */
	while (!cal_working(ex, n, d))
		d++;
	return d;
}

amr_err cal_due_date(int y, int m, int due_day, const struct cal_exception *ex, size_t n,
		     cal_day *out, struct jv_err *err)
{
	if (due_day < 1 || due_day > CAL_DUE_DAY_MAX)
		return jv_fail(err, "due_day: %d is out of range 1..%d (a day every month has)",
			       due_day, CAL_DUE_DAY_MAX);
	if (m == 12) {
		y++;
		m = 0;
	}
	*out = cal_next_working(ex, n, cal_day_of(y, m + 1, due_day));
	return AMR_OK;
}
