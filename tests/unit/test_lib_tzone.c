/* Unit tests of lib/tzone.c: the site's zone, and local times with offsets;
 * zones read from their files, held to what glibc says with TZ set. */
#include <check.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "tzone.h"

#define DEC1_MSK 1764536400LL /* 2025-12-01 00:00 Moscow = 2025-11-30 21:00 UTC */

START_TEST(local_time_carries_the_offset)
{
	char buf[TZONE_ISO_LEN];

	ck_assert_int_eq(tzone_set("Europe/Moscow"), AMR_OK);
	ck_assert_str_eq(tzone_name(), "Europe/Moscow");
	ck_assert_str_eq(tzone_iso(DEC1_MSK, buf, sizeof buf), "2025-12-01T00:00:00+03:00");
	ck_assert_int_eq(tzone_set("America/New_York"), AMR_OK);
	ck_assert_str_eq(tzone_iso(DEC1_MSK, buf, sizeof buf), "2025-11-30T16:00:00-05:00");
	ck_assert_int_eq(tzone_set("Asia/Kolkata"), AMR_OK); /* half hours too */
	ck_assert_str_eq(tzone_iso(DEC1_MSK, buf, sizeof buf), "2025-12-01T02:30:00+05:30");
	ck_assert_int_eq(tzone_set("UTC"), AMR_OK);
	ck_assert_str_eq(tzone_iso(DEC1_MSK, buf, sizeof buf), "2025-11-30T21:00:00+00:00");
}
END_TEST

START_TEST(an_unknown_zone_is_refused_and_changes_nothing)
{
	char buf[TZONE_ISO_LEN];

	ck_assert_int_eq(tzone_set("Europe/Moscow"), AMR_OK);
	ck_assert_int_eq(tzone_set("Mars/Olympus_Mons"), AMR_EINVAL);
	ck_assert_int_eq(tzone_set("../../etc/passwd"), AMR_EINVAL);
	ck_assert_int_eq(
		tzone_set("Europe/Moscow/with/a/name/far/too/long/for/any/zone/of/the/tz/database"),
		AMR_EINVAL);
	ck_assert_str_eq(tzone_name(), "Europe/Moscow");
	ck_assert_str_eq(tzone_iso(DEC1_MSK, buf, sizeof buf), "2025-12-01T00:00:00+03:00");
}
END_TEST

/* Zones with DST both ways, far east, half and quarter hours, a negative
 * DST (Dublin's winter), a 30-minute DST (Lord Howe), one without DST now. */
static const char *const zones[] = {
	"Europe/Berlin",      "Asia/Vladivostok",
	"Europe/Moscow",      "America/New_York",
	"Australia/Sydney",   "Australia/Lord_Howe",
	"Asia/Kolkata",	      "Asia/Kathmandu",
	"America/Sao_Paulo",  "Europe/Dublin",
	"Pacific/Chatham",    "Africa/Casablanca",
	"Asia/Yekaterinburg", "UTC",
};

static long glibc_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	ck_assert_ptr_nonnull(localtime_r(&tt, &tm));
	return tm.tm_gmtoff;
}

/* Local midnight by glibc, days or months after t's day or month. */
static int64_t glibc_start(int64_t t, bool month, int delta)
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

START_TEST(zone_files_agree_with_glibc)
{
	const int64_t from = -2208988800LL /* 1900 */, to = 4102444800LL /* 2100 */;

	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		const tzone_rules *z;
		int64_t last = from;

		ck_assert_int_eq(tzone_rules_get(zones[i], &z), AMR_OK);
		ck_assert_str_eq(tzone_rules_name(z), zones[i]);
		ck_assert_int_eq(tzone_set(zones[i]), AMR_OK);
		for (int64_t t = from; t < to; t += 3 * 86400 + 3599) {
			long want = glibc_offset(t);

			ck_assert_msg(tzone_offset(z, t) == want, "%s at %lld: %d, glibc %ld",
				      zones[i], (long long)t, tzone_offset(z, t), want);
			/* around every change glibc shows: the second before and at it */
			if (want != glibc_offset(last)) {
				int64_t lo = last, hi = t;

				while (hi - lo > 1) {
					int64_t mid = lo + (hi - lo) / 2;

					if (glibc_offset(mid) == want)
						hi = mid;
					else
						lo = mid;
				}
				ck_assert_int_eq(tzone_offset(z, lo), glibc_offset(lo));
				ck_assert_int_eq(tzone_offset(z, hi), glibc_offset(hi));
			}
			last = t;
		}
	}
}
END_TEST

START_TEST(local_days_and_months_agree_with_glibc)
{
	/* from 1990 on: before, some zones changed at midnight to odd offsets */
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		const tzone_rules *z;

		ck_assert_int_eq(tzone_rules_get(zones[i], &z), AMR_OK);
		ck_assert_int_eq(tzone_set(zones[i]), AMR_OK);
		for (int64_t t = 631152000LL; t < 2524608000LL /* 2050 */; t += 86400 + 3607) {
			ck_assert_msg(tzone_day_start(z, t, 0) == glibc_start(t, false, 0),
				      "%s day of %lld", zones[i], (long long)t);
			ck_assert_int_eq(tzone_day_start(z, t, 1), glibc_start(t, false, 1));
			ck_assert_int_eq(tzone_month_start(z, t, 0), glibc_start(t, true, 0));
			ck_assert_int_eq(tzone_month_start(z, t, 1), glibc_start(t, true, 1));
			ck_assert_int_eq(tzone_month_start(z, t, -13), glibc_start(t, true, -13));
		}
	}
}
END_TEST

START_TEST(berlin_changes_on_the_last_sundays)
{
	const int64_t mar30 = 1743296400LL; /* 2025-03-30 01:00 UTC: 02:00 CET -> 03:00 CEST */
	const int64_t oct26 = 1761440400LL; /* 2025-10-26 01:00 UTC: 03:00 CEST -> 02:00 CET */
	const tzone_rules *z;

	ck_assert_int_eq(tzone_rules_get("Europe/Berlin", &z), AMR_OK);
	ck_assert_int_eq(tzone_offset(z, mar30 - 1), 3600);
	ck_assert_int_eq(tzone_offset(z, mar30), 7200);
	ck_assert_int_eq(tzone_local_hour(z, mar30 - 3600), 1);
	ck_assert_int_eq(tzone_local_hour(z, mar30), 3); /* 02:00 never happens */
	ck_assert_int_eq(tzone_offset(z, oct26 - 1), 7200);
	ck_assert_int_eq(tzone_offset(z, oct26), 3600);
	ck_assert_int_eq(tzone_local_hour(z, oct26 - 3600), 2);
	ck_assert_int_eq(tzone_local_hour(z, oct26), 2); /* 02:00 twice */
	/* the days of the changes have 23 and 25 hours */
	ck_assert_int_eq(tzone_day_start(z, mar30, 1) - tzone_day_start(z, mar30, 0), 23 * 3600);
	ck_assert_int_eq(tzone_day_start(z, oct26, 1) - tzone_day_start(z, oct26, 0), 25 * 3600);
	/* far beyond the file's transitions, by its rule: 2300-03-25 01:00 UTC */
	ck_assert_int_eq(tzone_offset(z, 10420966800LL - 1), 3600);
	ck_assert_int_eq(tzone_offset(z, 10420966800LL), 7200);
}
END_TEST

START_TEST(vladivostok_is_ten_hours_ahead)
{
	const tzone_rules *z;

	ck_assert_int_eq(tzone_rules_get("Asia/Vladivostok", &z), AMR_OK);
	ck_assert_int_eq(tzone_offset(z, DEC1_MSK), 36000);
	/* 2025-12-01 00:00 Moscow is 07:00 in Vladivostok; its day began at 14:00 UTC */
	ck_assert_int_eq(tzone_local_hour(z, DEC1_MSK), 7);
	ck_assert_int_eq(tzone_day_start(z, DEC1_MSK, 0), DEC1_MSK - 7 * 3600);
	ck_assert_int_eq(tzone_month_start(z, DEC1_MSK, 0), DEC1_MSK - 7 * 3600);
	/* in 2011-2014 it was eleven hours */
	ck_assert_int_eq(tzone_offset(z, 1356998400LL), 39600);
}
END_TEST

static void *get_berlin(void *arg)
{
	const tzone_rules **out = arg;

	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(tzone_rules_get("America/Anchorage", out), AMR_OK);
	return NULL;
}

START_TEST(zones_are_loaded_once_and_refused_by_name)
{
	const tzone_rules *a = NULL, *b = NULL, *z = NULL;
	pthread_t t1, t2;

	ck_assert_int_eq(pthread_create(&t1, NULL, get_berlin, &a), 0);
	ck_assert_int_eq(pthread_create(&t2, NULL, get_berlin, &b), 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(tzone_rules_get("Mars/Olympus_Mons", &z), AMR_EINVAL);
	ck_assert_int_eq(tzone_rules_get("../../etc/passwd", &z), AMR_EINVAL);
	ck_assert_int_eq(tzone_rules_get("/etc/passwd", &z), AMR_EINVAL);
	ck_assert_int_eq(tzone_rules_get("", &z), AMR_EINVAL);
	ck_assert_int_eq(tzone_rules_get("Europe", &z), AMR_EINVAL); /* a directory */
	ck_assert_int_eq(tzone_rules_get("right/Europe/Berlin", &z), AMR_EINVAL);
	ck_assert_ptr_null(z);
}
END_TEST

Suite *tzone_suite(void)
{
	Suite *s = suite_create("tzone");
	TCase *tc = tcase_create("tzone");

	tcase_add_test(tc, local_time_carries_the_offset);
	tcase_add_test(tc, an_unknown_zone_is_refused_and_changes_nothing);
	tcase_add_test(tc, zone_files_agree_with_glibc);
	tcase_add_test(tc, local_days_and_months_agree_with_glibc);
	tcase_add_test(tc, berlin_changes_on_the_last_sundays);
	tcase_add_test(tc, vladivostok_is_ten_hours_ahead);
	tcase_add_test(tc, zones_are_loaded_once_and_refused_by_name);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
