/*
 * tbucket.c - hours, days and months in the site's zone (glibc, TZ) and in
 * any other zone (lib/tzone.c's rules).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "tbucket.h"
#include "tzone.h"

static char zone[64] = "UTC";

/* Last day and month computed: a batch stream hits the same ones. */
static struct {
	bool valid;    /* the fields below hold a bucket */
	int64_t start; /* first second */
	int64_t end;   /* first second of the next bucket */
} cache_day, cache_month;

amr_err tb_init(const char *tz)
{
	time_t probe[] = { 0, 1700000000, 1710000000, 1720000000 };
	struct tm tm;

	if (tzone_set(tz))
		return AMR_EINVAL;
	for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
		time_t now = i ? probe[i] : time(NULL);

		localtime_r(&now, &tm);
		if (tm.tm_gmtoff % 3600 != 0) {
			log_error("time zone %s: offset %ld s is not whole hours", tz,
				  (long)tm.tm_gmtoff);
			return AMR_EINVAL;
		}
	}
	snprintf(zone, sizeof zone, "%s", tz);
	cache_day.valid = cache_month.valid = false;
	return AMR_OK;
}

const char *tb_zone(void)
{
	return zone;
}

/* Local midnight of the day (day_delta days after t's day) or of the
 * month (month_delta months after t's month). */
static int64_t local_start(int64_t t, bool month, int delta)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	if (month) {
		tm.tm_mday = 1;
		tm.tm_mon += delta;
	} else {
		tm.tm_mday += delta;
	}
	return (int64_t)mktime(&tm);
}

static int64_t cached(int64_t t, bool month, bool next)
{
	__typeof__(cache_day) *c = month ? &cache_month : &cache_day;

	if (!c->valid || t < c->start || t >= c->end) {
		c->start = local_start(t, month, 0);
		c->end = local_start(t, month, 1);
		c->valid = true;
	}
	return next ? c->end : c->start;
}

int64_t tb_start(enum tb_step step, int64_t t)
{
	switch (step) {
	case TB_HOUR:
		return t - ((t % 3600) + 3600) % 3600;
	case TB_DAY:
		return cached(t, false, false);
	case TB_MONTH:
		return cached(t, true, false);
	default:
		return t;
	}
}

int64_t tb_next(enum tb_step step, int64_t start)
{
	switch (step) {
	case TB_HOUR:
		return start + 3600;
	case TB_DAY:
		return cached(start, false, true);
	case TB_MONTH:
		return cached(start, true, true);
	default:
		return start + 1;
	}
}

int tb_local_hour(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	return tm.tm_hour;
}

int64_t tb_start_in(const tzone_rules *z, enum tb_step step, int64_t t)
{
	if (!z || step == TB_HOUR || step == TB_RAW)
		return tb_start(step, t);
	return step == TB_DAY ? tzone_day_start(z, t, 0) : tzone_month_start(z, t, 0);
}

int64_t tb_next_in(const tzone_rules *z, enum tb_step step, int64_t start)
{
	if (!z || step == TB_HOUR || step == TB_RAW)
		return tb_next(step, start);
	return step == TB_DAY ? tzone_day_start(z, start, 1) : tzone_month_start(z, start, 1);
}

int tb_local_hour_in(const tzone_rules *z, int64_t t)
{
	return z ? tzone_local_hour(z, t) : tb_local_hour(t);
}
