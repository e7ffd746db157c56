/*
 * Unit tests of amr-billing's records (services/billing/model.c): every
 * kind checked from the table in tests/unit/billing_cases/model.jsonl (a
 * record, and either the message expected, or what it is normalised to
 * and the references it names), and the date and period helpers.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing_table.h"
#include "model.h"

static int kind_of(const char *name)
{
	for (int k = 1; k < MODEL_KIND_END; k++)
		if (!strcmp(model_kind_name((enum model_kind)k), name))
			return k;
	return 0;
}

static void run_case(json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "case"));
	const char *error = json_string_value(json_object_get(c, "error"));
	int k = kind_of(json_string_value(json_object_get(c, "kind")));
	json_t *rec = json_deep_copy(json_object_get(c, "record")), *v, *refs;
	struct model_refs r;
	struct jv_err err = { "" };
	const char *key;
	size_t i;
	amr_err rc;

	ck_assert_msg(k > 0, "%s: kind", name);
	rc = model_check((enum model_kind)k, rec, &r, &err);
	if (error) {
		ck_assert_msg(rc == AMR_EINVAL, "%s: accepted", name);
		ck_assert_msg(!strncmp(err.msg, error, strlen(error)), "%s: \"%s\"", name, err.msg);
		json_decref(rec);
		return;
	}
	ck_assert_msg(rc == AMR_OK, "%s: %s", name, err.msg);
	json_object_foreach(json_object_get(c, "normalised"), key, v)
		ck_assert_msg(json_equal(json_object_get(rec, key), v), "%s: %s", name, key);
	if ((refs = json_object_get(c, "refs"))) {
		ck_assert_msg(r.n == json_array_size(refs), "%s: %zu refs", name, r.n);
		json_array_foreach(refs, i, v) {
			char got[160];

			snprintf(got, sizeof got, "%s %u %s", model_kind_name(r.r[i].kind),
				 r.r[i].id, r.r[i].field);
			ck_assert_msg(!strcmp(got, json_string_value(v)), "%s: ref %zu is %s", name,
				      i, got);
		}
	}
	json_decref(rec);
}

START_TEST(records_from_the_table)
{
	billing_table_run("model.jsonl", run_case, 40);
}
END_TEST

START_TEST(dates_and_periods)
{
	static const struct {
		const char *s;
		bool ok;
	} d[] = {
		{ "2026-01-31", true },	 { "2024-02-29", true },  { "2000-02-29", true },
		{ "1900-02-29", false }, { "2026-02-29", false }, { "2026-04-31", false },
		{ "2026-13-01", false }, { "2026-00-10", false }, { "2026-1-01", false },
		{ "26-01-01", false },	 { "2026/01/01", false }, { "", false },
	};

	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
		ck_assert_msg(model_date_ok(d[i].s) == d[i].ok, "%s", d[i].s);
	/* [from, to): periods that follow each other do not overlap */
	ck_assert(!model_periods_overlap("2026-01-01", "2026-02-01", "2026-02-01", NULL));
	ck_assert(!model_periods_overlap("2026-02-01", NULL, "2026-01-01", "2026-02-01"));
	ck_assert(model_periods_overlap("2026-01-01", "2026-02-02", "2026-02-01", NULL));
	ck_assert(model_periods_overlap("2026-01-01", NULL, "2030-01-01", NULL));
	ck_assert(model_periods_overlap("2026-03-01", "2026-04-01", "2026-01-01", NULL));
}
END_TEST

START_TEST(unique_keys)
{
	json_t *acc = json_pack("{s:i, s:s}", "org", 1, "number", "100234");
	char key[128];
	const char *what = NULL;

	ck_assert(model_unique_key(MODEL_ACCOUNT, acc, key, sizeof key, &what));
	ck_assert_str_eq(key, "account 1:100234");
	ck_assert_ptr_nonnull(what);
	ck_assert(!model_unique_key(MODEL_METER, acc, key, sizeof key, &what));
	json_decref(acc);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("billing_model");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, records_from_the_table);
	tcase_add_test(tc, dates_and_periods);
	tcase_add_test(tc, unique_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(model_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
