/* Unit tests of lib/jv.c: typed JSON field readers. */
#include <check.h>
#include <string.h>

#include "err.h"
#include "jv.h"

static json_t *obj;

static void setup(void)
{
	obj = json_loads("{\"addr\":5,\"big\":300,\"name\":\"cold\",\"neg\":-1,"
			 "\"real\":1.5,\"flag\":true,\"list\":[1,2,3],\"o\":{}}",
			 0, NULL);
	ck_assert_ptr_nonnull(obj);
}

static void teardown(void)
{
	json_decref(obj);
}

START_TEST(int_in_range)
{
	struct jv_err e = { "" };
	long long v = 0;

	ck_assert_int_eq(jv_int(obj, "addr", true, 0, 1, 127, &v, &e), AMR_OK);
	ck_assert_int_eq(v, 5);
}
END_TEST

START_TEST(int_errors_name_the_field)
{
	struct jv_err e = { "" };
	long long v = 77;

	ck_assert_int_eq(jv_int(obj, "big", true, 0, 1, 127, &v, &e), AMR_EINVAL);
	ck_assert_str_eq(e.msg, "big: 300 is out of range 1..127");
	ck_assert_int_eq(v, 77);
	ck_assert_int_eq(jv_int(obj, "name", true, 0, 1, 127, &v, &e), AMR_EINVAL);
	ck_assert_str_eq(e.msg, "name: expected an integer, got string");
	ck_assert_int_eq(jv_int(obj, "real", true, 0, 1, 127, &v, &e), AMR_EINVAL);
	ck_assert_int_eq(jv_int(obj, "seq", true, 0, 1, 127, &v, &e), AMR_EINVAL);
	ck_assert_str_eq(e.msg, "seq: missing");
	ck_assert_int_eq(v, 77);
}
END_TEST

START_TEST(optional_fields_take_the_default)
{
	struct jv_err e = { "" };
	long long v = 0;
	const char *s = NULL;
	bool b = false;
	json_t *a = (json_t *)1;

	ck_assert_int_eq(jv_int(obj, "seq", false, 9, 1, 127, &v, &e), AMR_OK);
	ck_assert_int_eq(v, 9);
	ck_assert_int_eq(jv_str(obj, "label", false, "x", 0, 10, &s, &e), AMR_OK);
	ck_assert_str_eq(s, "x");
	ck_assert_int_eq(jv_bool(obj, "nope", false, true, &b, &e), AMR_OK);
	ck_assert(b);
	ck_assert_int_eq(jv_array(obj, "nope", false, 10, &a, &e), AMR_OK);
	ck_assert_ptr_null(a);
}
END_TEST

START_TEST(strings_enums_bools_arrays)
{
	static const char *const kinds[] = { "hot", "cold", NULL };
	struct jv_err e = { "" };
	const char *s;
	int k = -1;
	bool b = false;
	json_t *a, *o;

	ck_assert_int_eq(jv_str(obj, "name", true, NULL, 1, 10, &s, &e), AMR_OK);
	ck_assert_str_eq(s, "cold");
	ck_assert_int_eq(jv_str(obj, "name", true, NULL, 5, 10, &s, &e), AMR_EINVAL);
	ck_assert_int_eq(jv_enum(obj, "name", true, 0, kinds, &k, &e), AMR_OK);
	ck_assert_int_eq(k, 1);
	json_object_set_new(obj, "name", json_string("warm"));
	ck_assert_int_eq(jv_enum(obj, "name", true, 0, kinds, &k, &e), AMR_EINVAL);
	ck_assert_str_eq(e.msg, "name: \"warm\" is not one of hot, cold");
	ck_assert_int_eq(jv_bool(obj, "flag", true, false, &b, &e), AMR_OK);
	ck_assert(b);
	ck_assert_int_eq(jv_bool(obj, "addr", true, false, &b, &e), AMR_EINVAL);
	ck_assert_int_eq(jv_array(obj, "list", true, 3, &a, &e), AMR_OK);
	ck_assert_int_eq(json_array_size(a), 3);
	ck_assert_int_eq(jv_array(obj, "list", true, 2, &a, &e), AMR_EINVAL);
	ck_assert_str_eq(e.msg, "list: 3 elements, at most 2 allowed");
	ck_assert_int_eq(jv_object(obj, "o", true, &o, &e), AMR_OK);
	ck_assert_int_eq(jv_object(obj, "list", true, &o, &e), AMR_EINVAL);
}
END_TEST

START_TEST(unknown_fields_are_named)
{
	static const char *const allowed[] = { "addr", "big",  "name", "neg",
					       "real", "flag", "list", NULL };
	struct jv_err e = { "" };

	ck_assert_int_eq(jv_only(obj, allowed, &e), AMR_EINVAL);
	ck_assert_str_eq(e.msg, "o: unknown field");
	json_object_del(obj, "o");
	ck_assert_int_eq(jv_only(obj, allowed, &e), AMR_OK);
}
END_TEST

START_TEST(parse_reports_where)
{
	struct jv_err e = { "" };
	json_t *v;

	ck_assert_ptr_null(jv_parse_object("{\"a\":", 5, &e));
	ck_assert_msg(strstr(e.msg, "malformed JSON at line 1") != NULL, "%s", e.msg);
	ck_assert_ptr_null(jv_parse_object("[1]", 3, &e));
	ck_assert_str_eq(e.msg, "expected a JSON object, got array");
	ck_assert_ptr_null(jv_parse_object("{\"a\":1,\"a\":2}", 13, &e));
	/* jansson alone would read this as {"a":[2]} (found by fuzz_batch) */
	ck_assert_ptr_null(jv_parse_object("{\"a\":[2\0]}", 10, &e));
	ck_assert_str_eq(e.msg, "malformed JSON: a NUL byte at offset 7");
	ck_assert_ptr_null(jv_parse_object_nul("{\"a\":2\0}", 8, &e));
	v = jv_parse_object("{\"a\":1}", 7, &e);
	ck_assert_ptr_nonnull(v);
	json_decref(v);
}
END_TEST

/* The type names the messages use, NULL too (a field not there). */
START_TEST(type_names)
{
	ck_assert_str_eq(jv_type_name(json_object_get(obj, "o")), "object");
	ck_assert_str_eq(jv_type_name(json_object_get(obj, "list")), "array");
	ck_assert_str_eq(jv_type_name(json_object_get(obj, "name")), "string");
	ck_assert_str_eq(jv_type_name(json_object_get(obj, "addr")), "integer");
	ck_assert_str_eq(jv_type_name(json_object_get(obj, "real")), "number with a fraction");
	ck_assert_str_eq(jv_type_name(json_object_get(obj, "flag")), "boolean");
	ck_assert_str_eq(jv_type_name(json_null()), "null");
	ck_assert_str_eq(jv_type_name(json_object_get(obj, "absent")), "nothing");
}
END_TEST

Suite *jv_suite(void)
{
	Suite *s = suite_create("jv");
	TCase *tc = tcase_create("readers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, int_in_range);
	tcase_add_test(tc, int_errors_name_the_field);
	tcase_add_test(tc, optional_fields_take_the_default);
	tcase_add_test(tc, strings_enums_bools_arrays);
	tcase_add_test(tc, unknown_fields_are_named);
	tcase_add_test(tc, parse_reports_where);
	tcase_add_test(tc, type_names);
	suite_add_tcase(s, tc);
	return s;
}
