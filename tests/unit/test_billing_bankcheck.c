/*
 * Unit tests of the payee identifiers (services/billing/bankcheck.c): ИНН
 * with its check digits, КПП, БИК and the БИК-keyed control of settlement
 * and correspondent accounts. The good values are real banks' published
 * details (ПАО Сбербанк, Банк ВТБ) and the tax service's examples.
 */
#include <check.h>
#include <string.h>

#include "bankcheck.h"

START_TEST(inn)
{
	static const struct {
		const char *s;
		int len;
		amr_err rc;
		const char *msg;
	} t[] = {
		{ "7707083893", 10, AMR_OK, NULL }, /* ПАО Сбербанк */
		{ "7707083893", 0, AMR_OK, NULL },
		{ "500100732259", 12, AMR_OK, NULL },
		{ "500100732259", 0, AMR_OK, NULL },
		{ "7707083894", 10, AMR_EINVAL, "inn: 7707083894: the check digit is 3, not 4" },
		{ "500100732269", 12, AMR_EINVAL,
		  "inn: 500100732269: the first check digit is 5, not 6" },
		{ "500100732250", 12, AMR_EINVAL,
		  "inn: 500100732250: the second check digit is 9, not 0" },
		{ "7707083893", 12, AMR_EINVAL,
		  "inn: \"7707083893\" (10 characters) is not an ИНН of 12 digits" },
		{ "770708389", 0, AMR_EINVAL,
		  "inn: \"770708389\" (9 characters) is not an ИНН of 10 or 12 digits" },
		{ "77070838a3", 10, AMR_EINVAL, NULL },
		{ "", 0, AMR_EINVAL, NULL },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct jv_err err = { "" };

		ck_assert_msg(bankcheck_inn(t[i].s, "inn", t[i].len, &err) == t[i].rc, "%s: %s",
			      t[i].s, err.msg);
		if (t[i].msg)
			ck_assert_str_eq(err.msg, t[i].msg);
	}
}
END_TEST

START_TEST(kpp_and_bik)
{
	static const struct {
		const char *s;
		amr_err rc;
	} kpp[] = {
		{ "773601001", AMR_OK }, { "7736AB001", AMR_OK },  { "77360100", AMR_EINVAL },
		{ "7736ab001", AMR_EINVAL }, { "A73601001", AMR_EINVAL }, { "7736010011", AMR_EINVAL },
	}, bik[] = {
		{ "044525225", AMR_OK }, { "04452522", AMR_EINVAL }, { "04452522x", AMR_EINVAL },
	};
	struct jv_err err = { "" };

	for (size_t i = 0; i < sizeof kpp / sizeof kpp[0]; i++)
		ck_assert_msg(bankcheck_kpp(kpp[i].s, "kpp", &err) == kpp[i].rc, "%s", kpp[i].s);
	for (size_t i = 0; i < sizeof bik / sizeof bik[0]; i++)
		ck_assert_msg(bankcheck_bik(bik[i].s, "bik", &err) == bik[i].rc, "%s", bik[i].s);
	bankcheck_bik("12345", "payee.bik", &err);
	ck_assert_str_eq(err.msg, "payee.bik: \"12345\" is not a БИК (9 digits)");
}
END_TEST

START_TEST(accounts)
{
	static const struct {
		const char *acc;
		const char *bik;
		bool corr;
		amr_err rc;
	} t[] = {
		{ "30101810400000000225", "044525225", true, AMR_OK },	/* Сбербанк */
		{ "30101810700000000187", "044525187", true, AMR_OK },	/* ВТБ */
		{ "40703810538000001234", "044525225", false, AMR_OK }, /* key 225 */
		{ "30101810400000000225", "044525187", true, AMR_EINVAL },
		{ "30101810400000000226", "044525225", true, AMR_EINVAL },
		{ "40703810538000001234", "044525187", false, AMR_EINVAL },
		{ "40703810438000001234", "044525225", false, AMR_EINVAL },
		{ "4070381053800000123", "044525225", false, AMR_EINVAL },
		{ "40703810538000001234", "04452522", false, AMR_EINVAL },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct jv_err err = { "" };
		amr_err rc = t[i].corr ? bankcheck_corr_account(t[i].acc, t[i].bik, "a", &err)
				       : bankcheck_account(t[i].acc, t[i].bik, "a", &err);

		ck_assert_msg(rc == t[i].rc, "%s at %s: %s", t[i].acc, t[i].bik, err.msg);
	}
	{
		struct jv_err err = { "" };

		bankcheck_account("40703810538000001234", "044525187", "account", &err);
		ck_assert_str_eq(err.msg,
				 "account: 40703810538000001234 does not match БИК 044525187 (the "
				 "control key of a settlement account fails: a digit is wrong, or "
				 "the БИК is another bank's)");
	}
}
END_TEST

static Suite *bankcheck_suite(void)
{
	Suite *s = suite_create("billing_bankcheck");
	TCase *tc = tcase_create("bankcheck");

	tcase_add_test(tc, inn);
	tcase_add_test(tc, kpp_and_bik);
	tcase_add_test(tc, accounts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bankcheck_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
