/*
 * Unit tests of exact pulse-to-quantity conversion (lib/units.c).
 */
#include <check.h>
#include <string.h>

#include "err.h"
#include "units.h"

START_TEST(format_and_parse)
{
	static const struct {
		unsigned long long v;
		int dec;
		const char *text;
	} fmt[] = {
		{ 120, 3, "0.120" },
		{ 0, 3, "0.000" },
		{ 5, 0, "5" },
		{ 1234567, 3, "1234.567" },
		{ 3125, 7, "0.0003125" },
		{ 18446744073709551615ULL, 0, "18446744073709551615" },
	};
	static const struct {
		const char *text;
		int dec;
		amr_err rc;
		unsigned long long v;
	} parse[] = {
		{ "123.456", 3, AMR_OK, 123456 }, { "12", 3, AMR_OK, 12000 },
		{ "0.5", 3, AMR_OK, 500 },	  { "1.2345", 3, AMR_EINVAL, 0 },
		{ "", 3, AMR_EINVAL, 0 },	  { "1e3", 3, AMR_EINVAL, 0 },
		{ "12.", 3, AMR_EINVAL, 0 },	  { "-1", 3, AMR_EINVAL, 0 },
		{ "1.2.3", 3, AMR_EINVAL, 0 },
	};
	char buf[UNITS_QTY_MAX];

	for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++)
		ck_assert_str_eq(units_format(fmt[i].v, fmt[i].dec, buf), fmt[i].text);
	for (size_t i = 0; i < sizeof parse / sizeof parse[0]; i++) {
		units_u128 v = 0;

		ck_assert_msg(units_parse(parse[i].text, parse[i].dec, &v) == parse[i].rc,
			      "case %zu", i);
		if (parse[i].rc == AMR_OK)
			ck_assert_msg(v == parse[i].v, "case %zu", i);
	}
}
END_TEST

START_TEST(exact_decimals)
{
	struct units_weight kwh[] = { { 1, 3200, 0 } }, m3[] = { { 1, 100, 0 } };

	ck_assert_int_eq(units_exact_decimals(1, 100), 2);
	ck_assert_int_eq(units_exact_decimals(1, 3200), 7); /* 0.3125 Wh */
	ck_assert_int_eq(units_exact_decimals(10, 1), 0);
	ck_assert_int_eq(units_exact_decimals(1, 3), -1);
	ck_assert_int_eq(units_channel_decimals("kWh", kwh, 1), 7);
	ck_assert_int_eq(units_channel_decimals("m3", m3, 1), 3);
	ck_assert_int_eq(units_unit_decimals("furlong"), -1);
	/* 3200 pulses of 1/3200 kWh are exactly 1 kWh */
	ck_assert(units_scaled(3200, kwh, 7) == 10000000);
	ck_assert(units_scaled(1, kwh, 7) == 3125);
	/* no overflow at the extremes */
	{
		struct units_weight big = { UNITS_MAX_NUM, 1, 0 };
		char buf[UNITS_QTY_MAX];

		ck_assert_str_eq(units_format(units_scaled(UINT64_MAX, &big, 9), 9, buf),
				 "18446744073709551615000000.000000000");
	}
}
END_TEST

START_TEST(splits_add_up_with_rounding)
{
	/* 1/3 m3 per pulse has no exact decimal: parts are rounded so that
	 * they always sum to the rounded whole */
	struct units_weight w[] = { { 1, 3, 0 }, { 1, 7, 3600 } };
	struct units_acc acc;
	units_u128 sum = 0;

	units_acc_init(&acc, w, 2, 3);
	for (int i = 0; i < 10; i++)
		sum += units_acc_add(&acc, 0, 1);
	for (int i = 0; i < 13; i++)
		sum += units_acc_add(&acc, 1, 1);
	ck_assert(sum == acc.total);
	/* round(10/3 * 1000) + round(13/7 * 1000) = 3333 + 1857 */
	ck_assert(acc.total == 3333 + 1857);
}
END_TEST

START_TEST(weights_are_checked)
{
	struct units_weight ok[] = { { 1, 100, 0 }, { 1, 1000, 7200 } };
	struct units_weight half[] = { { 1, 100, 1800 } };
	struct units_weight order[] = { { 1, 100, 7200 }, { 1, 10, 3600 } };
	struct units_weight zero[] = { { 1, 0, 0 } };
	char msg[200];

	ck_assert_int_eq(units_check_weights(ok, 2, msg, sizeof msg), AMR_OK);
	ck_assert_int_eq(units_check_weights(half, 1, msg, sizeof msg), AMR_EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "whole hour"));
	ck_assert_int_eq(units_check_weights(order, 2, msg, sizeof msg), AMR_EINVAL);
	ck_assert_int_eq(units_check_weights(zero, 1, msg, sizeof msg), AMR_EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "den"));
	ck_assert_uint_eq(units_weight_at(ok, 2, 0), 0);
	ck_assert_uint_eq(units_weight_at(ok, 2, 7199), 0);
	ck_assert_uint_eq(units_weight_at(ok, 2, 7200), 1);
	ck_assert_uint_eq(units_weight_at(ok + 1, 1, 0), 0); /* before all: the first */
}
END_TEST

Suite *units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("units");

	tcase_add_test(tc, format_and_parse);
	tcase_add_test(tc, exact_decimals);
	tcase_add_test(tc, splits_add_up_with_rounding);
	tcase_add_test(tc, weights_are_checked);
	suite_add_tcase(s, tc);
	return s;
}
