/*
 * month.c - billing periods, their days, and local midnights in UTC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "month.h"

amr_err month_parse(const char *s, const char *field, struct month *out, struct jv_err *err)
{
	int y = 0, m = 0;

	if (!s || strlen(s) != 7 || s[4] != '-')
		goto out_bad;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			goto out_bad;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	if (y < 1900 || y > 2999 || m < 1 || m > 12)
		goto out_bad;
	out->y = y;
	out->m = m;
	return AMR_OK;
out_bad:
	return jv_fail(err, "%s: \"%.20s\" is not a month (YYYY-MM, e.g. \"2026-10\")", field,
		       s ? s : "");
}

char *month_format(const struct month *m, char *buf)
{
	snprintf(buf, MONTH_LEN, "%04u-%02u", (unsigned)m->y % 10000u, (unsigned)m->m % 100u);
	return buf;
}

int month_days(const struct month *m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (m->y % 4 == 0 && m->y % 100 != 0) || m->y % 400 == 0;

	return m->m == 2 && leap ? 29 : mdays[m->m - 1];
}

struct month month_add(struct month m, int k)
{
	int i = m.y * 12 + (m.m - 1) + k;

	return (struct month){ i / 12, i % 12 + 1 };
}

int month_diff(const struct month *a, const struct month *b)
{
	return (b->y * 12 + b->m) - (a->y * 12 + a->m);
}

char *month_date(const struct month *m, int d, char *buf)
{
	int days = month_days(m);

	if (d >= days) {
		struct month n = month_add(*m, 1);

		snprintf(buf, 11, "%04u-%02u-01", (unsigned)n.y % 10000u, (unsigned)n.m % 100u);
	} else {
		snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)m->y % 10000u, (unsigned)m->m % 100u,
			 (unsigned)(d + 1) % 100u);
	}
	return buf;
}

int month_day_index(const struct month *m, const char *date)
{
	char first[11], next[11];
	int days = month_days(m);

	if (!date)
		return days;
	month_date(m, 0, first);
	month_date(m, days, next);
	if (strcmp(date, first) <= 0)
		return 0;
	if (strcmp(date, next) >= 0)
		return days;
	return (date[8] - '0') * 10 + (date[9] - '0') - 1;
}

amr_err month_utc_days(const struct month *m, const char *tz, int64_t *t)
{
	const char *was = getenv("TZ");
	char saved[128] = "", path[160];
	bool had = was != NULL;
	amr_err rc = AMR_OK;
	int days = month_days(m);

	if (strstr(tz, "..") || strlen(tz) > 64)
		return AMR_EINVAL;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	if (strcmp(tz, "UTC") && access(path, R_OK))
		return AMR_EINVAL;
	if (had)
		snprintf(saved, sizeof saved, "%s", was);
	if (setenv("TZ", tz, 1))
		return AMR_EINVAL;
	tzset();
	for (int d = 0; d <= days; d++) {
		/* mktime makes day D+1 of the month the next month's first */
		struct tm tm = {
			.tm_year = m->y - 1900, .tm_mon = m->m - 1, .tm_mday = d + 1, .tm_isdst = -1
		};
		time_t v = mktime(&tm);

		if (v == (time_t)-1) {
			rc = AMR_EINVAL;
			break;
		}
		t[d] = (int64_t)v;
	}
	if (had)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	return rc;
}
