/*
 * Unit tests of amr-billing's money module (services/billing/money.c):
 * parsing and printing kopecks, prices and quantities, and the rounding of
 * an invoice line, from the table in tests/unit/billing_cases/money_lines.txt.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

START_TEST(amounts_parse_and_print)
{
	static const struct {
		const char *text;
		bool neg_ok;
		amr_err rc;
		money_kop v;
		const char *back; /* money_format of v */
	} t[] = {
		{ "1234.56", false, AMR_OK, 123456, "1234.56" },
		{ "1234.5", false, AMR_OK, 123450, "1234.50" },
		{ "1234", false, AMR_OK, 123400, "1234.00" },
		{ "0", false, AMR_OK, 0, "0.00" },
		{ "0.01", false, AMR_OK, 1, "0.01" },
		{ "-0.01", true, AMR_OK, -1, "-0.01" },
		{ "-12.3", true, AMR_OK, -1230, "-12.30" },
		{ "10000000000000", false, AMR_OK, MONEY_MAX, "10000000000000.00" },
		{ "-1", false, AMR_EINVAL, 0, NULL },
		{ "12.345", false, AMR_EINVAL, 0, NULL },
		{ "12.", false, AMR_EINVAL, 0, NULL },
		{ ".5", false, AMR_EINVAL, 0, NULL },
		{ "+1", false, AMR_EINVAL, 0, NULL },
		{ "1,50", false, AMR_EINVAL, 0, NULL },
		{ "1e3", false, AMR_EINVAL, 0, NULL },
		{ " 1", false, AMR_EINVAL, 0, NULL },
		{ "", false, AMR_EINVAL, 0, NULL },
		{ "-", true, AMR_EINVAL, 0, NULL },
		{ "01.00", false, AMR_EINVAL, 0, NULL },
		{ "10000000000000.01", false, AMR_EINVAL, 0, NULL },
		{ "99999999999999999999999", false, AMR_EINVAL, 0, NULL },
	};
	char buf[MONEY_STR_MAX];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct jv_err err = { "" };
		money_kop v = 777;
		amr_err rc = money_parse(t[i].text, "amount", t[i].neg_ok, &v, &err);

		ck_assert_msg(rc == t[i].rc, "%s: rc %d", t[i].text, rc);
		if (rc) {
			ck_assert_int_eq(v, 777); /* unchanged */
			ck_assert_msg(!strncmp(err.msg, "amount: ", 8), "%s: %s", t[i].text,
				      err.msg);
			continue;
		}
		ck_assert_int_eq(v, t[i].v);
		ck_assert_str_eq(money_format(v, buf), t[i].back);
	}
}
END_TEST

START_TEST(errors_say_why)
{
	struct jv_err err = { "" };
	money_kop v;
	int64_t p;

	money_parse("12.345", "payments[2].amount", false, &v, &err);
	ck_assert_str_eq(err.msg, "payments[2].amount: \"12.345\" has more than 2 decimals "
				  "(kopecks); expected roubles like \"1234.56\"");
	money_price_parse("-1.00", "versions[0].price", &p, &err);
	ck_assert_str_eq(err.msg, "versions[0].price: -1.00 is negative; a price is 0 or more");
	money_price_parse("1.1234567", "price", &p, &err);
	ck_assert_str_eq(err.msg, "price: \"1.1234567\" has more than 6 decimals (a price is "
				  "kopecks with up to 4 more); expected roubles like \"45.6712\"");
}
END_TEST

START_TEST(prices_parse_and_print)
{
	static const struct {
		const char *text;
		amr_err rc;
		int64_t v;
		const char *back;
	} t[] = {
		{ "45.671234", AMR_OK, 45671234, "45.671234" },
		{ "45.67", AMR_OK, 45670000, "45.67" },
		{ "45", AMR_OK, 45000000, "45.00" },
		{ "0.0001", AMR_OK, 100, "0.0001" },
		{ "0.000001", AMR_OK, 1, "0.000001" },
		{ "4.651200", AMR_OK, 4651200, "4.6512" },
		{ "0", AMR_OK, 0, "0.00" },
		{ "1000000", AMR_OK, MONEY_PRICE_MAX, "1000000.00" },
		{ "1000000.000001", AMR_EINVAL, 0, NULL },
		{ "-0.01", AMR_EINVAL, 0, NULL },
		{ "0.0000001", AMR_EINVAL, 0, NULL },
		{ "abc", AMR_EINVAL, 0, NULL },
	};
	char buf[MONEY_STR_MAX];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct jv_err err = { "" };
		int64_t v = 777;
		amr_err rc = money_price_parse(t[i].text, "price", &v, &err);

		ck_assert_msg(rc == t[i].rc, "%s: rc %d (%s)", t[i].text, rc, err.msg);
		if (rc) {
			ck_assert_int_eq(v, 777);
			continue;
		}
		ck_assert_int_eq(v, t[i].v);
		ck_assert_str_eq(money_price_format(v, buf), t[i].back);
	}
}
END_TEST

START_TEST(quantities)
{
	struct jv_err err = { "" };
	struct money_qty a, b, c;
	char buf[MONEY_STR_MAX];

	ck_assert_int_eq(money_qty_parse("12.345", "quantity", &a, &err), AMR_OK);
	ck_assert_int_eq(a.v, 12345);
	ck_assert_int_eq(a.dec, 3);
	ck_assert_int_eq(money_qty_parse("0.0003125", "quantity", &b, &err), AMR_OK);
	ck_assert_int_eq(b.dec, 7);
	ck_assert_int_eq(money_qty_add(&a, &b, &c), AMR_OK);
	ck_assert_str_eq(money_qty_format(&c, buf), "12.3453125");
	ck_assert_int_eq(money_qty_sub(&b, &a, &c), AMR_OK);
	ck_assert_str_eq(money_qty_format(&c, buf), "-12.3446875");
	ck_assert_int_eq(money_qty_mul(&a, 3, &c), AMR_OK);
	ck_assert_str_eq(money_qty_format(&c, buf), "37.035");
	ck_assert_int_eq(money_qty_cmp(&a, &b), 1);
	ck_assert_int_eq(money_qty_cmp(&b, &a), -1);
	ck_assert_int_eq(money_qty_parse("12.3450", "q", &b, &err), AMR_OK);
	ck_assert_int_eq(money_qty_cmp(&a, &b), 0);
	ck_assert_int_eq(money_qty_parse("7", "q", &b, &err), AMR_OK);
	ck_assert_str_eq(money_qty_format(&b, buf), "7");
	ck_assert_int_eq(money_qty_parse("-1", "readings.q", &b, &err), AMR_EINVAL);
	ck_assert_str_eq(err.msg, "readings.q: \"-1\" is negative; expected a quantity like "
				  "\"12.345\"");
	ck_assert_int_eq(money_qty_parse("1.0000000001", "q", &b, &err), AMR_EINVAL);
	a = (struct money_qty){ MONEY_QTY_MAX, 0 };
	b = (struct money_qty){ 1, 0 };
	ck_assert_int_eq(money_qty_add(&a, &b, &c), AMR_EINVAL);
	ck_assert_int_eq(money_qty_mul(&a, 2, &c), AMR_EINVAL);
}
END_TEST

/* Every line of billing_cases/money_lines.txt: price quantity amount. */
START_TEST(line_amounts_from_the_table)
{
	const char *src = getenv("AMR_SRC_DIR");
	char path[512], line[256];
	FILE *f;
	int cases = 0;

	snprintf(path, sizeof path, "%s/tests/unit/billing_cases/money_lines.txt", src ? src : ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s (set AMR_SRC_DIR)", path);
	while (fgets(line, sizeof line, f)) {
		char ps[64], qs[64], as[64], *hash = strchr(line, '#');
		struct jv_err err = { "" };
		struct money_qty q;
		int64_t price;
		money_kop want, got = 0, neg = 0;

		if (hash)
			*hash = 0;
		if (sscanf(line, "%63s %63s %63s", ps, qs, as) != 3)
			continue;
		ck_assert_msg(!money_price_parse(ps, "price", &price, &err), "%s", err.msg);
		ck_assert_msg(!money_qty_parse(qs, "quantity", &q, &err), "%s", err.msg);
		ck_assert_msg(!money_parse(as, "amount", false, &want, &err), "%s", err.msg);
		ck_assert_int_eq(money_line(price, &q, &got), AMR_OK);
		ck_assert_msg(got == want, "%s x %s: %lld, expected %lld", ps, qs, (long long)got,
			      (long long)want);
		/* a negative line is exactly the negation of the positive one */
		q.v = -q.v;
		ck_assert_int_eq(money_line(price, &q, &neg), AMR_OK);
		ck_assert_int_eq(neg, -want);
		cases++;
	}
	fclose(f);
	ck_assert_int_ge(cases, 15);
}
END_TEST

START_TEST(line_limits)
{
	struct money_qty q = { MONEY_QTY_MAX, 0 };
	money_kop a = 5;

	ck_assert_int_eq(money_line(MONEY_PRICE_MAX, &q, &a), AMR_EINVAL);
	ck_assert_int_eq(a, 5);
	ck_assert_int_eq(money_line(-1, &q, &a), AMR_EINVAL);
	q = (struct money_qty){ 1, 0 };
	ck_assert_int_eq(money_line(MONEY_PRICE_MAX, &q, &a), AMR_OK);
	ck_assert_int_eq(a, 100000000); /* 10^6 roubles */
	ck_assert_int_eq((long long)money_round_div(5, 10), 1);
	ck_assert_int_eq((long long)money_round_div(-5, 10), -1);
	ck_assert_int_eq((long long)money_round_div(4, 10), 0);
	ck_assert_int_eq((long long)money_round_div(15, 10), 2);
	ck_assert_int_eq((long long)money_round_div(1, 3), 0);
	ck_assert_int_eq((long long)money_round_div(2, 3), 1);
}
END_TEST

static Suite *money_suite(void)
{
	Suite *s = suite_create("billing_money");
	TCase *tc = tcase_create("money");

	tcase_add_test(tc, amounts_parse_and_print);
	tcase_add_test(tc, errors_say_why);
	tcase_add_test(tc, prices_parse_and_print);
	tcase_add_test(tc, quantities);
	tcase_add_test(tc, line_amounts_from_the_table);
	tcase_add_test(tc, line_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(money_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
