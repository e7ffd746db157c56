/*
 * bankcheck.h - the Russian payee and payer identifiers a payment needs,
 * checked as the Bank of Russia and the tax service define them:
 *
 *   ИНН   10 digits (a legal entity) or 12 (a person, a sole trader), with
 *         its check digits (one for 10, two for 12);
 *   КПП   9 characters: 4 digits, 2 digits or capital Latin letters, 3 digits;
 *   БИК   9 digits;
 *   account (расчётный, корреспондентский) 20 digits, whose control key is
 *         checked against the БИК: the last three digits of the БИК before
 *         a settlement account, "0" and the БИК's 5th and 6th digits before
 *         a correspondent account, weights 7 1 3 repeated, the sum ends in 0;
 *         a correspondent account also ends in the БИК's last three digits.
 *
 * Each check writes a message naming the field into err ("inn: 7707083894:
 * the check digit is 3, not 4") and returns AMR_EINVAL, or AMR_OK. Pure.
 */
#ifndef AMR_BILLING_BANKCHECK_H
#define AMR_BILLING_BANKCHECK_H

#include "err.h"
#include "jv.h"

/* An ИНН of 10 digits, of 12, or of either (len 0). */
amr_err bankcheck_inn(const char *s, const char *field, int len, struct jv_err *err);

/* A КПП. */
amr_err bankcheck_kpp(const char *s, const char *field, struct jv_err *err);

/* A БИК. */
amr_err bankcheck_bik(const char *s, const char *field, struct jv_err *err);

/* A settlement account held at the bank of БИК bik (checked first). */
amr_err bankcheck_account(const char *s, const char *bik, const char *field, struct jv_err *err);

/* The bank's correspondent account with the Bank of Russia, for БИК bik. */
amr_err bankcheck_corr_account(const char *s, const char *bik, const char *field,
			       struct jv_err *err);

#endif
