/* Unit tests of lib/tzone.c: the site's zone, and local times with offsets. */
#include <check.h>
#include <string.h>

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

Suite *tzone_suite(void)
{
	Suite *s = suite_create("tzone");
	TCase *tc = tcase_create("tzone");

	tcase_add_test(tc, local_time_carries_the_offset);
	tcase_add_test(tc, an_unknown_zone_is_refused_and_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
