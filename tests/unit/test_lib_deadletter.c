/*
 * test_lib_deadletter.c - the record of a refused message (lib/deadletter.c,
 * built by ingest and the archive): always valid JSON, payload cut safely.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "deadletter.h"

static json_t *make(const char *payload, size_t len, size_t max)
{
	json_t *d = deadletter_json("amr/v1/gw/7/up", "bad_json", "why", payload, len, max);
	char *text;
	json_t *back;

	ck_assert_ptr_nonnull(d);
	/* What goes on the wire parses back. */
	text = json_dumps(d, JSON_COMPACT);
	ck_assert_ptr_nonnull(text);
	back = json_loads(text, JSON_ALLOW_NUL, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert(json_equal(back, d));
	json_decref(back);
	free(text);
	return d;
}

static const char *payload_of(json_t *d, size_t *len)
{
	json_t *p = json_object_get(d, "payload");

	*len = json_string_length(p);
	return json_string_value(p);
}

START_TEST(test_small_payload_whole)
{
	json_t *d = make("{\"seq\":", 7, 100);
	size_t len;

	ck_assert_str_eq(json_string_value(json_object_get(d, "topic")), "amr/v1/gw/7/up");
	ck_assert_str_eq(json_string_value(json_object_get(d, "reason")), "bad_json");
	ck_assert_str_eq(json_string_value(json_object_get(d, "detail")), "why");
	ck_assert_str_eq(payload_of(d, &len), "{\"seq\":");
	ck_assert_ptr_null(json_object_get(d, "truncated"));
	ck_assert_ptr_null(json_object_get(d, "size"));
	json_decref(d);
}
END_TEST

START_TEST(test_cut_on_utf8_boundary)
{
	/* "ab" then three 2-byte letters; a limit of 5 keeps "ab" and one letter. */
	json_t *d = make("ab\xd0\xb6\xd0\xb6\xd0\xb6", 8, 5);
	size_t len;

	ck_assert_str_eq(payload_of(d, &len), "ab\xd0\xb6");
	ck_assert(json_is_true(json_object_get(d, "truncated")));
	ck_assert_int_eq(json_integer_value(json_object_get(d, "size")), 8);
	json_decref(d);
}
END_TEST

START_TEST(test_invalid_utf8_replaced)
{
	/* A lone continuation byte, an overlong '/', a surrogate, a cut sequence. */
	json_t *d = make("a\x80"
			 "b\xc0\xaf"
			 "c\xed\xa0\x80"
			 "d\xe2\x82",
			 13, 100);
	size_t len;
	const char *p = payload_of(d, &len);

	ck_assert_ptr_nonnull(strstr(p, "a\xef\xbf\xbd"
					"b"));
	ck_assert_ptr_nonnull(strstr(p, "\xef\xbf\xbd"
					"c"));
	ck_assert_ptr_nonnull(strstr(p, "\xef\xbf\xbd"
					"d"));
	ck_assert_ptr_null(json_object_get(d, "truncated"));
	json_decref(d);
}
END_TEST

START_TEST(test_nul_kept)
{
	json_t *d = make("a\0b", 3, 100);
	size_t len;
	const char *p = payload_of(d, &len);

	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(p, "a\0b", 3);
	json_decref(d);
}
END_TEST

START_TEST(test_empty_payload)
{
	json_t *d = make("", 0, 100);
	size_t len;

	ck_assert_str_eq(payload_of(d, &len), "");
	json_decref(d);
}
END_TEST

/* A detail quoting a field cut inside a character (a validator's "%.60s")
 * still makes a record: the detail is made valid, not the record lost. */
START_TEST(test_detail_cut_inside_a_character)
{
	json_t *d = deadletter_json("amr/v1/gw/7/up", "bad_json",
				    "events[0].line: \"\xd0\xb0\xd0\" is too long", "{}", 2, 100);

	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(json_string_value(json_object_get(d, "detail")),
			 "events[0].line: \"\xd0\xb0\xef\xbf\xbd\" is too long");
	json_decref(d);
}
END_TEST

static Suite *deadletter_suite(void)
{
	Suite *s = suite_create("deadletter");
	TCase *tc = tcase_create("deadletter");

	tcase_add_test(tc, test_small_payload_whole);
	tcase_add_test(tc, test_cut_on_utf8_boundary);
	tcase_add_test(tc, test_invalid_utf8_replaced);
	tcase_add_test(tc, test_nul_kept);
	tcase_add_test(tc, test_empty_payload);
	tcase_add_test(tc, test_detail_cut_inside_a_character);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(deadletter_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
