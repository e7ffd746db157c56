/*
 * Unit tests of amr-billing's records (services/billing/model.c): every
 * kind checked from the table in tests/unit/billing_cases/model.jsonl (a
 * record, and either the message expected, or what it is normalised to
 * and the references it names), the date and period helpers, the unique
 * keys, and the demo's key-rate and calendar tables (deploy/demo/).
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

static void run_case(const json_t *c)
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

/* Two key rates of one organisation on one date share a key (the second is
 * refused as a conflict), a moratorium or a cap has none, a calendar day
 * is one per organisation and date. */
START_TEST(rate_and_calendar_keys)
{
	json_t *k1 = json_pack("{s:i, s:s, s:s, s:s}", "org", 1, "kind", "key_rate", "from",
			       "2025-10-27", "rate", "16.50");
	json_t *k2 = json_pack("{s:i, s:s, s:s, s:s}", "org", 1, "kind", "key_rate", "from",
			       "2025-10-27", "rate", "17.00");
	json_t *k3 = json_pack("{s:i, s:s, s:s, s:s}", "org", 2, "kind", "key_rate", "from",
			       "2025-10-27", "rate", "16.50");
	json_t *cap = json_pack("{s:i, s:s, s:s, s:s}", "org", 1, "kind", "rate_cap", "from",
				"2025-10-27", "rate", "9.50");
	json_t *day = json_pack("{s:i, s:s, s:b}", "org", 1, "date", "2027-01-07", "working", 0);
	char a[128], b[128];
	const char *what = NULL;

	ck_assert(model_unique_key(MODEL_RATE, k1, a, sizeof a, &what));
	ck_assert(model_unique_key(MODEL_RATE, k2, b, sizeof b, &what));
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(what, "from: the organisation has a key rate from this date already");
	ck_assert(model_unique_key(MODEL_RATE, k3, b, sizeof b, &what));
	ck_assert_str_ne(a, b);
	ck_assert(!model_unique_key(MODEL_RATE, cap, b, sizeof b, &what));
	ck_assert(model_unique_key(MODEL_CALENDAR, day, a, sizeof a, &what));
	ck_assert_str_eq(a, "calendar 1:2027-01-07");
	ck_assert_str_eq(model_kind_name(MODEL_CALENDAR), "calendar");
	ck_assert_str_eq(model_kind_name(MODEL_RATE), "rate");
	json_decref(k1);
	json_decref(k2);
	json_decref(k3);
	json_decref(cap);
	json_decref(day);
}
END_TEST

/* Every record of a demo table (deploy/demo/<file>: a JSON array without
 * "org") is a good record of kind k once given its organisation, and no
 * two share a unique key. */
static void demo_table(const char *file, enum model_kind k, size_t min)
{
	const char *src = getenv("AMR_SRC_DIR");
	char path[512], keys[200][64];
	json_error_t je;
	json_t *arr, *v;
	size_t i, nkeys = 0;

	snprintf(path, sizeof path, "%s/deploy/demo/%s", src ? src : ".", file);
	arr = json_load_file(path, 0, &je);
	ck_assert_msg(json_is_array(arr), "%s: %s", path, je.text);
	ck_assert_uint_ge(json_array_size(arr), min);
	json_array_foreach(arr, i, v) {
		json_t *rec = json_deep_copy(v), *as_written = json_deep_copy(v);
		struct model_refs refs;
		struct jv_err err = { "" };
		const char *what;

		json_object_set_new(rec, "org", json_integer(1));
		json_object_set_new(as_written, "org", json_integer(1));
		ck_assert_msg(model_check(k, rec, &refs, &err) == AMR_OK, "%s[%zu]: %s", file, i,
			      err.msg);
		/* written as stored: "16.50", not "16.5" */
		ck_assert_msg(json_equal(rec, as_written), "%s[%zu]: not as stored", file, i);
		json_decref(as_written);
		if (nkeys < 200 && model_unique_key(k, rec, keys[nkeys], sizeof keys[0], &what)) {
			for (size_t j = 0; j < nkeys; j++)
				ck_assert_msg(strcmp(keys[j], keys[nkeys]), "%s[%zu]: %s twice",
					      file, i, keys[j]);
			nkeys++;
		}
		json_decref(rec);
	}
	json_decref(arr);
}

START_TEST(demo_tables_are_good_records)
{
	demo_table("rates-ru.json", MODEL_RATE, 40);
	demo_table("calendar-ru.json", MODEL_CALENDAR, 30);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("billing_model");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, records_from_the_table);
	tcase_add_test(tc, dates_and_periods);
	tcase_add_test(tc, unique_keys);
	tcase_add_test(tc, rate_and_calendar_keys);
	tcase_add_test(tc, demo_tables_are_good_records);
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
