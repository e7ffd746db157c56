/*
 * Unit tests of services/billing/qrpay.c: the payment QR code's text, byte
 * for byte, from tests/unit/billing_cases/qrpay.jsonl, and the lengths the
 * standard sets, cut at a character's start.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "billing_table.h"
#include "qrpay.h"

static const char *s(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static void one_case(const json_t *c)
{
	const json_t *in = json_object_get(c, "in"), *sum = json_object_get(in, "sum");
	struct qrpay q = { s(in, "name"),
			   s(in, "personal_acc"),
			   s(in, "bank_name"),
			   s(in, "bic"),
			   s(in, "corresp_acc"),
			   s(in, "payee_inn"),
			   s(in, "kpp"),
			   s(in, "pers_acc"),
			   s(in, "last_name"),
			   s(in, "payer_address"),
			   s(in, "purpose"),
			   0,
			   0,
			   false,
			   0 };
	struct jv_err err = { "" };
	char buf[QRPAY_MAX];
	amr_err rc;

	if (s(in, "period"))
		ck_assert_int_eq(sscanf(s(in, "period"), "%d-%d", &q.period_year, &q.period_month),
				 2);
	if (json_is_string(sum)) {
		q.has_sum = true;
		ck_assert_int_eq(money_parse(s(in, "sum"), "sum", false, &q.sum, &err), AMR_OK);
	}
	rc = qrpay_payload(&q, buf, sizeof buf, &err);
	if (s(c, "error")) {
		ck_assert_msg(rc == AMR_EINVAL, "%s: taken: %s", billing_table_name(c), buf);
		ck_assert_msg(!strncmp(err.msg, s(c, "error"), strlen(s(c, "error"))), "%s: \"%s\"",
			      billing_table_name(c), err.msg);
		return;
	}
	ck_assert_msg(rc == AMR_OK, "%s: %s", billing_table_name(c), err.msg);
	ck_assert_msg(!strcmp(buf, s(c, "payload")), "%s:\n got %s\nwant %s", billing_table_name(c),
		      buf, s(c, "payload"));
}

START_TEST(payloads_from_the_table)
{
	billing_table_run("qrpay.jsonl", one_case, 10);
}
END_TEST

/* Name is cut at 160 characters, BankName at 45, Purpose at 210: whole
 * characters (two bytes each here), never a byte of one. */
START_TEST(lengths_cut_at_characters)
{
	char name[400] = "", bank[200] = "", purpose[600] = "", buf[QRPAY_MAX], want[400];
	struct qrpay q = { .name = name,
			   .personal_acc = "40703810338000012012",
			   .bank_name = bank,
			   .bic = "044525225",
			   .corresp_acc = "30101810400000000225" };
	struct jv_err err = { "" };
	const char *p;

	for (int i = 0; i < 170; i++)
		strcat(name, "Я");
	for (int i = 0; i < 50; i++)
		strcat(bank, "Б");
	for (int i = 0; i < 250; i++)
		strcat(purpose, "П");
	q.purpose = purpose;
	ck_assert_int_eq(qrpay_payload(&q, buf, sizeof buf, &err), AMR_OK);
	snprintf(want, sizeof want, "|Name=%.*s|", 160 * 2, name);
	ck_assert_ptr_nonnull(strstr(buf, want));
	p = strstr(buf, "|BankName=") + 10;
	ck_assert_int_eq((int)(strchr(p, '|') - p), 45 * 2);
	p = strstr(buf, "|Purpose=") + 9;
	ck_assert_int_eq((int)(strchr(p, '|') - p), 210 * 2);
	/* a buffer too small is refused, not cut */
	ck_assert_int_eq(qrpay_payload(&q, buf, 100, &err), AMR_EINVAL);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("billing_qrpay");
	TCase *tc = tcase_create("qrpay");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, payloads_from_the_table);
	tcase_add_test(tc, lengths_cut_at_characters);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
