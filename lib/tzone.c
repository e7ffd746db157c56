/*
 * tzone.c - the process's zone (tzone_set, through TZ and glibc), and the
 * rules of any zone read from its TZif file (tzone_rules_get), for local
 * times per call without touching TZ.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "tzone.h"

static char zone[64] = "UTC";

amr_err tzone_set(const char *tz)
{
	char path[160];
	FILE *f;

	if (strlen(tz) >= sizeof zone || strstr(tz, "..")) {
		log_error("time zone %.80s: not a zone name", tz);
		return AMR_EINVAL;
	}
	if (strcmp(tz, "UTC") != 0 && strcmp(tz, "Etc/UTC") != 0) {
		snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
		if (!(f = fopen(path, "r"))) {
			log_error("time zone %s: not in /usr/share/zoneinfo", tz);
			return AMR_EINVAL;
		}
		fclose(f);
	}
	if (setenv("TZ", tz, 1) != 0) {
		log_error("time zone %s: cannot set TZ", tz);
		return AMR_EINVAL;
	}
	tzset();
	snprintf(zone, sizeof zone, "%s", tz);
	return AMR_OK;
}

const char *tzone_name(void)
{
	return zone;
}

char *tzone_iso(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	long off;

	if (!localtime_r(&tt, &tm)) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	off = tm.tm_gmtoff;
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
		 labs(off) / 3600, labs(off) % 3600 / 60);
	return buf;
}

/* ---- zones read from their TZif files ---- */

#define ZONEINFO     "/usr/share/zoneinfo/"
#define TZIF_MAX     (1 << 20) /* bytes of a zone file, at most */
#define NAME_MAX_LEN 63

/* A POSIX TZ rule date: Jn (julian, no Feb 29), n (0-based, with it) or
 * Mm.w.d (weekday d of week w of month m, w 5 the last). */
struct rule_date {
	char kind;   /* 'J', 'n' or 'M' */
	int a, b, c; /* J/n: day in a; M: month a, week b, weekday c */
	int32_t at;  /* local time of day of the change, s (may pass 24 h) */
};

struct tzone_rules {
	struct tzone_rules *next; /* the cache */
	char name[NAME_MAX_LEN + 1];
	size_t n;		     /* transitions */
	int64_t *at;		     /* their instants, ascending */
	int32_t *off;		     /* the offset from at[i] on */
	int32_t off0;		     /* before at[0] (time type 0) */
	bool has_rule;		     /* the footer holds after at[n - 1] */
	bool rule_dst;		     /* the rule has daylight saving time */
	int32_t std, dst;	     /* the rule's offsets, s east of UTC */
	struct rule_date start, end; /* dst from start to end */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tzone_rules *cache;

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_of(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The civil date of days since 1970-01-01. */
static void date_of(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The day (since 1970) of a rule date in year y. */
static int64_t rule_day(const struct rule_date *r, int64_t y)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t jan1 = days_of(y, 1, 1), first;
	int wd, len;

	if (r->kind == 'J')
		return jan1 + r->a - 1 + (leap(y) && r->a >= 60);
	if (r->kind == 'n')
		return jan1 + r->a;
	first = days_of(y, r->a, 1);
	wd = (int)((first % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
	first += (r->c - wd + 7) % 7 + 7 * (r->b - 1);
	len = mdays[r->a - 1] + (r->a == 2 && leap(y));
	while (first >= days_of(y, r->a, 1) + len)
		first -= 7; /* week 5: the last one */
	return first;
}

/* The offset after the last transition, by the footer's rule. */
static int32_t rule_offset(const struct tzone_rules *z, int64_t t)
{
	int64_t y, s, e;
	int m, d;

	if (!z->rule_dst)
		return z->std;
	date_of(floor_div(t + z->std, 86400), &y, &m, &d);
	/* the start is given in standard time, the end in daylight time */
	s = rule_day(&z->start, y) * 86400 + z->start.at - z->std;
	e = rule_day(&z->end, y) * 86400 + z->end.at - z->dst;
	if (s < e)
		return t >= s && t < e ? z->dst : z->std;
	return t >= e && t < s ? z->std : z->dst;
}

int32_t tzone_offset(const tzone_rules *z, int64_t t)
{
	size_t lo = 0, hi = z->n;

	if (!z->n || t < z->at[0])
		return z->n || !z->has_rule ? z->off0 : rule_offset(z, t);
	if (t >= z->at[z->n - 1])
		return z->has_rule ? rule_offset(z, t) : z->off[z->n - 1];
	while (hi - lo > 1) { /* at[lo] <= t < at[hi] */
		size_t mid = (lo + hi) / 2;

		if (z->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[lo];
}

int tzone_local_hour(const tzone_rules *z, int64_t t)
{
	return (int)(floor_div(t + tzone_offset(z, t), 3600) % 24 + 24) % 24;
}

/* The first instant whose local time is at or after local L (seconds of
 * local time since 1970). Zones change at most once within a day, so the
 * offsets a day either side are the ones that can hold at L. */
static int64_t local_to_utc(const tzone_rules *z, int64_t l)
{
	int32_t oa = tzone_offset(z, l - 100800), ob = tzone_offset(z, l + 100800);
	int64_t ua = l - (oa > ob ? oa : ob), ub = l - (oa > ob ? ob : oa), lo, hi;

	if (ua + tzone_offset(z, ua) == l)
		return ua; /* the first of two, when the clock went back */
	if (ub + tzone_offset(z, ub) == l)
		return ub;
	/* L was skipped (the clock went forward over it): the change */
	lo = ua;
	hi = ub;
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (mid + tzone_offset(z, mid) >= l)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

int64_t tzone_day_start(const tzone_rules *z, int64_t t, int days)
{
	int64_t day = floor_div(t + tzone_offset(z, t), 86400) + days;

	return local_to_utc(z, day * 86400);
}

int64_t tzone_date_start(const tzone_rules *z, int64_t day)
{
	return local_to_utc(z, day * 86400);
}

int64_t tzone_month_start(const tzone_rules *z, int64_t t, int months)
{
	int64_t y, mon;
	int m, d;

	date_of(floor_div(t + tzone_offset(z, t), 86400), &y, &m, &d);
	mon = y * 12 + (m - 1) + months;
	return local_to_utc(
		z,
		days_of(floor_div(mon, 12), (int)(mon - floor_div(mon, 12) * 12) + 1, 1) * 86400);
}

char *tzone_iso_in(const tzone_rules *z, int64_t t, char *buf, size_t size)
{
	int32_t off;
	int64_t y, local;
	int m, d, sec;

	if (!z)
		return tzone_iso(t, buf, size);
	off = tzone_offset(z, t);
	local = t + off;
	date_of(floor_div(local, 86400), &y, &m, &d);
	sec = (int)(local - floor_div(local, 86400) * 86400);
	snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", (long long)y, m, d,
		 sec / 3600, sec / 60 % 60, sec % 60, off < 0 ? '-' : '+', abs(off) / 3600,
		 abs(off) % 3600 / 60);
	return buf;
}

const char *tzone_rules_name(const tzone_rules *z)
{
	return z->name;
}

/* ---- reading a TZif file ---- */

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)(((uint64_t)be32(p) << 32) | be32(p + 4));
}

/* A TZ string's [+-]hh[:mm[:ss]] into *v (seconds); hours up to max. */
static const char *parse_hms(const char *p, int max, int32_t *v)
{
	int sign = 1, part[3] = { 0, 0, 0 }, i = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (;;) {
		int digits = 0;

		while (*p >= '0' && *p <= '9' && digits < 3) {
			part[i] = part[i] * 10 + (*p++ - '0');
			digits++;
		}
		if (!digits || (i && part[i] > 59))
			return NULL;
		if (i == 2 || *p != ':')
			break;
		p++;
		i++;
	}
	if (part[0] > max)
		return NULL;
	*v = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	return p;
}

/* A zone abbreviation: <+03> or three or more letters. */
static const char *parse_name(const char *p)
{
	const char *s = p;

	if (*p == '<') {
		while (*p && *p != '>')
			p++;
		return *p == '>' && p - s > 1 ? p + 1 : NULL;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

static int parse_num(const char **p, int min, int max)
{
	int v = 0, digits = 0;

	while (**p >= '0' && **p <= '9' && digits < 4) {
		v = v * 10 + (*(*p)++ - '0');
		digits++;
	}
	return digits && v >= min && v <= max ? v : -1;
}

/* ",date[/time]" of a rule. */
static const char *parse_date(const char *p, struct rule_date *r)
{
	if (*p++ != ',')
		return NULL;
	if (*p == 'M') {
		p++;
		r->kind = 'M';
		if ((r->a = parse_num(&p, 1, 12)) < 0 || *p++ != '.' ||
		    (r->b = parse_num(&p, 1, 5)) < 0 || *p++ != '.' ||
		    (r->c = parse_num(&p, 0, 6)) < 0)
			return NULL;
	} else {
		r->kind = *p == 'J' ? 'J' : 'n';
		p += *p == 'J';
		if ((r->a = parse_num(&p, r->kind == 'J', 365)) < 0)
			return NULL;
	}
	r->at = 7200;
	return *p == '/' ? parse_hms(p + 1, 167, &r->at) : p; /* RFC 8536: -167..167 h */
}

/* The footer: "std offset [dst [offset] [,start[/time],end[/time]]]". */
static bool parse_rule(struct tzone_rules *z, const char *p)
{
	int32_t v;

	if (!*p)
		return true; /* no rule: the last transition holds */
	if (!(p = parse_name(p)) || !(p = parse_hms(p, 24, &v)))
		return false;
	z->has_rule = true;
	z->std = -v; /* POSIX counts west of UTC */
	if (!*p)
		return true;
	if (!(p = parse_name(p)))
		return false;
	z->rule_dst = true;
	z->dst = z->std + 3600;
	if (*p && *p != ',') {
		if (!(p = parse_hms(p, 24, &v)))
			return false;
		z->dst = -v;
	}
	if (!*p) /* POSIX leaves it open; glibc's default, the US rule */
		p = ",M3.2.0,M11.1.0";
	return (p = parse_date(p, &z->start)) && (p = parse_date(p, &z->end)) && !*p;
}

/* Parse data[0..len) (a TZif file) into z. Returns true when it is one. */
static bool parse_tzif(struct tzone_rules *z, const uint8_t *data, size_t len)
{
	const uint8_t *p = data;
	size_t tsize = 4, cnt[6], block;
	bool v2 = len >= 44 && data[4] >= '2';

	for (int pass = 0;; pass++) {
		if ((size_t)(p - data) + 44 > len || memcmp(p, "TZif", 4))
			return false;
		for (int i = 0; i < 6; i++)
			cnt[i] = be32(p + 20 + 4 * i); /* isut, isstd, leap, time, type, char */
		block = cnt[3] * tsize + cnt[3] + cnt[4] * 6 + cnt[5] + cnt[2] * (tsize + 4) +
			cnt[1] + cnt[0];
		if (cnt[3] > 100000 || cnt[4] < 1 || cnt[4] > 256 || cnt[2] ||
		    block > len - (size_t)(p - data) - 44)
			return false; /* leap seconds ("right/" zones): not UTC seconds */
		if (!v2 || pass == 1)
			break;
		p += 44 + block; /* the 64-bit part follows the 32-bit one */
		tsize = 8;
	}
	p += 44;
	z->n = cnt[3];
	if (!(z->at = calloc(z->n + 1, sizeof *z->at)) ||
	    !(z->off = calloc(z->n + 1, sizeof *z->off)))
		return false;
	for (size_t i = 0; i < z->n; i++) {
		const uint8_t *t = p + i * tsize;
		uint8_t idx = p[z->n * tsize + i];

		if (idx >= cnt[4])
			return false;
		z->at[i] = tsize == 8 ? be64(t) : (int64_t)(int32_t)be32(t);
		z->off[i] = (int32_t)be32(p + z->n * (tsize + 1) + idx * 6);
		if (i && z->at[i] <= z->at[i - 1])
			return false;
	}
	z->off0 = (int32_t)be32(p + z->n * (tsize + 1));
	if (v2) {
		const uint8_t *f = p + block, *nl;
		char rule[128];

		if (f >= data + len || *f != '\n' ||
		    !(nl = memchr(f + 1, '\n', (size_t)(data + len - f - 1))) ||
		    (size_t)(nl - f - 1) >= sizeof rule)
			return false;
		memcpy(rule, f + 1, (size_t)(nl - f - 1));
		rule[nl - f - 1] = '\0';
		return parse_rule(z, rule);
	}
	return true;
}

/* A name of the TZ database: letters, digits, "/_+-", no "..", no "/" first. */
static bool zone_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > NAME_MAX_LEN || name[0] == '/' || strstr(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+-.",
			    name[i]))
			return false;
	return true;
}

static void rules_free(struct tzone_rules *z)
{
	if (!z)
		return;
	free(z->at);
	free(z->off);
	free(z);
}

/* Read the zone's file into a new rules object; NULL when it cannot be. */
static struct tzone_rules *rules_load(const char *name, amr_err *rc)
{
	struct tzone_rules *z = calloc(1, sizeof *z);
	char path[sizeof ZONEINFO + NAME_MAX_LEN];
	uint8_t *data = NULL;
	size_t len = 0;
	FILE *f;

	*rc = AMR_ENOMEM;
	if (!z)
		return NULL;
	snprintf(z->name, sizeof z->name, "%s", name);
	if (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC"))
		return z; /* no file needed: offset 0 for ever */
	*rc = AMR_EINVAL;
	snprintf(path, sizeof path, ZONEINFO "%s", name);
	if (!(f = fopen(path, "rb")))
		goto out_free;
	if ((data = malloc(TZIF_MAX)))
		len = fread(data, 1, TZIF_MAX, f);
	fclose(f);
	if (!data) {
		*rc = AMR_ENOMEM;
		goto out_free;
	}
	if (len > 0 && len < TZIF_MAX && parse_tzif(z, data, len)) {
		free(data);
		*rc = AMR_OK;
		return z;
	}
	free(data);
out_free:
	rules_free(z);
	return NULL;
}

amr_err tzone_rules_get(const char *name, const tzone_rules **out)
{
	struct tzone_rules *z;
	amr_err rc = AMR_OK;

	if (!zone_name_ok(name))
		return AMR_EINVAL;
	pthread_mutex_lock(&cache_lock);
	for (z = cache; z && strcmp(z->name, name); z = z->next)
		;
	if (!z && (z = rules_load(name, &rc))) {
		z->next = cache;
		cache = z;
	}
	pthread_mutex_unlock(&cache_lock);
	if (z)
		*out = z;
	return z ? AMR_OK : rc;
}
