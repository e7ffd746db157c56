/*
 * Unit tests of the tariff kinds (services/billing/tariff.c): for each kind,
 * quantities in, invoice lines out, from the table in
 * tests/unit/billing_cases/tariffs.jsonl (one case a line, worked by hand:
 * "case" says how), and the versions refused with the message expected.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing_table.h"
#include "tariff.h"

static struct money_qty qty(const char *s)
{
	struct jv_err err = { "" };
	struct money_qty q = { 0, 0 };

	ck_assert_msg(!money_qty_parse(s, "qty", &q, &err), "%s", err.msg);
	return q;
}

static void run_case(const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "case"));
	int kind = tariff_kind_parse(json_string_value(json_object_get(c, "kind")));
	json_t *in = json_object_get(c, "input"), *want = json_object_get(c, "lines"), *l;
	const char *error = json_string_value(json_object_get(c, "error"));
	struct tariff_version v;
	struct tariff_input ti;
	struct tariff_line lines[TARIFF_LINES_MAX];
	struct jv_err err = { "" };
	size_t n = 0, i;
	amr_err rc;

	ck_assert_msg(kind >= 0, "%s: kind", name);
	rc = tariff_version_parse((enum tariff_kind)kind, json_object_get(c, "version"), &v, &err);
	if (error) {
		ck_assert_msg(rc == AMR_EINVAL, "%s: accepted", name);
		ck_assert_msg(!strcmp(err.msg, error), "%s: \"%s\"", name, err.msg);
		return;
	}
	ck_assert_msg(rc == AMR_OK, "%s: %s", name, err.msg);
	memset(&ti, 0, sizeof ti);
	if (json_object_get(in, "qty"))
		ti.qty = qty(json_string_value(json_object_get(in, "qty")));
	if (json_object_get(in, "cold"))
		ti.cold = qty(json_string_value(json_object_get(in, "cold")));
	if (json_object_get(in, "hot"))
		ti.hot = qty(json_string_value(json_object_get(in, "hot")));
	json_array_foreach(json_object_get(in, "zones"), i, l)
		ti.zone_qty[i] = qty(json_string_value(l));
	ti.area = json_integer_value(json_object_get(in, "area"));
	ti.residents = json_integer_value(json_object_get(in, "residents"));
	ck_assert_msg(tariff_charge(&v, &ti, lines, &n) == AMR_OK, "%s: charge", name);
	ck_assert_msg(n == json_array_size(want), "%s: %zu lines", name, n);
	json_array_foreach(want, i, l) {
		char q[MONEY_STR_MAX], a[MONEY_STR_MAX];

		ck_assert_msg(!strcmp(lines[i].name, json_string_value(json_array_get(l, 0))),
			      "%s: line %zu is %s", name, i, lines[i].name);
		money_qty_format(&lines[i].qty, q);
		money_format(lines[i].amount, a);
		ck_assert_msg(!strcmp(q, json_string_value(json_array_get(l, 1))),
			      "%s: line %zu quantity %s", name, i, q);
		ck_assert_msg(!strcmp(a, json_string_value(json_array_get(l, 2))),
			      "%s: line %zu amount %s", name, i, a);
	}
}

START_TEST(kinds_from_the_table)
{
	billing_table_run("tariffs.jsonl", run_case, 20);
}
END_TEST

START_TEST(zones_for_the_archive)
{
	json_t *rec = json_loads(
		"{\"prices\":{\"day\":\"6\",\"night\":\"3\"},\"zones\":[{\"zone\":\"night\","
		"\"from\":\"23:00\",\"to\":\"07:00\"},{\"zone\":\"day\",\"from\":\"07:00\","
		"\"to\":\"23:00\"}]}",
		0, NULL);
	struct tariff_version v;
	struct jv_err err = { "" };
	json_t *z;
	char *text;

	ck_assert_int_eq(tariff_version_parse(TARIFF_TOU2, rec, &v, &err), AMR_OK);
	z = tariff_archive_zones(&v);
	text = json_dumps(z, JSON_COMPACT);
	ck_assert_str_eq(text, "[{\"name\":\"night\",\"from\":\"23:00\",\"to\":\"07:00\"},"
			       "{\"name\":\"day\",\"from\":\"07:00\",\"to\":\"23:00\"}]");
	free(text);
	json_decref(z);
	json_decref(rec);
	ck_assert_int_eq(tariff_kind_parse("tou3"), TARIFF_TOU3);
	ck_assert_int_eq(tariff_kind_parse("tou4"), -1);
	/* a record without "kind" (found by fuzz_tariff) */
	ck_assert_int_eq(tariff_kind_parse(NULL), -1);
	ck_assert_str_eq(tariff_kind_name(TARIFF_WASTEWATER), "wastewater");
	ck_assert_ptr_null(tariff_zone_names(TARIFF_PER_UNIT));
}
END_TEST

static Suite *tariff_suite(void)
{
	Suite *s = suite_create("billing_tariff");
	TCase *tc = tcase_create("tariff");

	tcase_add_test(tc, kinds_from_the_table);
	tcase_add_test(tc, zones_for_the_archive);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tariff_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
