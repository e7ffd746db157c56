/*
 * bankcheck.c - ИНН, КПП, БИК and account numbers with their check digits.
 */
#include <string.h>

#include "bankcheck.h"

/* True when s is exactly n decimal digits. */
static bool digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The check digit of s[0..n) with weights w: (sum mod 11) mod 10. */
static int inn_digit(const char *s, const int *w, size_t n)
{
	int sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (s[i] - '0') * w[i];
	return sum % 11 % 10;
}

amr_err bankcheck_inn(const char *s, const char *field, int len, struct jv_err *err)
{
	static const int w10[] = { 2, 4, 10, 3, 5, 9, 4, 6, 8 };
	static const int w11[] = { 7, 2, 4, 10, 3, 5, 9, 4, 6, 8 };
	static const int w12[] = { 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8 };
	size_t n = strlen(s);
	int d;

	if ((len == 10 || len == 0) && digits(s, 10)) {
		if ((d = inn_digit(s, w10, 9)) != s[9] - '0')
			return jv_fail(err, "%s: %s: the check digit is %d, not %c", field, s, d,
				       s[9]);
		return AMR_OK;
	}
	if ((len == 12 || len == 0) && digits(s, 12)) {
		if ((d = inn_digit(s, w11, 10)) != s[10] - '0')
			return jv_fail(err, "%s: %s: the first check digit is %d, not %c", field, s,
				       d, s[10]);
		if ((d = inn_digit(s, w12, 11)) != s[11] - '0')
			return jv_fail(err, "%s: %s: the second check digit is %d, not %c", field,
				       s, d, s[11]);
		return AMR_OK;
	}
	return jv_fail(err, "%s: \"%.40s\" (%zu characters) is not an ИНН of %s digits", field, s,
		       n,
		       len == 10   ? "10"
		       : len == 12 ? "12"
				   : "10 or 12");
}

amr_err bankcheck_kpp(const char *s, const char *field, struct jv_err *err)
{
	bool ok = strlen(s) == 9;

	for (size_t i = 0; ok && i < 9; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';
		bool letter = s[i] >= 'A' && s[i] <= 'Z';

		ok = digit || (letter && (i == 4 || i == 5));
	}
	if (!ok)
		return jv_fail(err,
			       "%s: \"%.40s\" is not a КПП (9 characters: 4 digits, 2 digits or "
			       "capital Latin letters, 3 digits)",
			       field, s);
	return AMR_OK;
}

amr_err bankcheck_bik(const char *s, const char *field, struct jv_err *err)
{
	if (!digits(s, 9))
		return jv_fail(err, "%s: \"%.40s\" is not a БИК (9 digits)", field, s);
	return AMR_OK;
}

/* The control sum of key3 (3 digits) followed by a 20-digit account. */
static bool key_ok(const char *key3, const char *account)
{
	static const int w[3] = { 7, 1, 3 };
	int sum = 0;

	for (int i = 0; i < 3; i++)
		sum += (key3[i] - '0') * w[i % 3];
	for (int i = 0; i < 20; i++)
		sum += (account[i] - '0') * w[(i + 3) % 3];
	return sum % 10 == 0;
}

static amr_err account(const char *s, const char *bik, const char *key3, const char *field,
		       const char *what, struct jv_err *err)
{
	if (!digits(s, 20))
		return jv_fail(err, "%s: \"%.40s\" is not an account number (20 digits)", field, s);
	if (!digits(bik, 9))
		return jv_fail(err, "%s: cannot be checked without a valid БИК", field);
	if (!key_ok(key3, s))
		return jv_fail(err,
			       "%s: %s does not match БИК %s (the control key of a %s account "
			       "fails: a digit is wrong, or the БИК is another bank's)",
			       field, s, bik, what);
	return AMR_OK;
}

amr_err bankcheck_account(const char *s, const char *bik, const char *field, struct jv_err *err)
{
	return account(s, bik, strlen(bik) == 9 ? bik + 6 : "000", field, "settlement", err);
}

amr_err bankcheck_corr_account(const char *s, const char *bik, const char *field,
			       struct jv_err *err)
{
	char key3[4] = { '0', 0, 0, 0 };

	if (strlen(bik) == 9) {
		key3[1] = bik[4];
		key3[2] = bik[5];
	} else {
		key3[1] = key3[2] = '0';
	}
	if (account(s, bik, key3, field, "correspondent", err))
		return AMR_EINVAL;
	/* a bank's correspondent account ends in the last 3 digits of its БИК */
	if (memcmp(s + 17, bik + 6, 3))
		return jv_fail(err, "%s: %s does not end in %s, the last digits of БИК %s", field,
			       s, bik + 6, bik);
	return AMR_OK;
}
