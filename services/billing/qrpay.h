/*
 * qrpay.h - the text of a payment QR code, ГОСТ Р 56042-2014
 * (docs/receipts.md, "The payment QR code").
 *
 * A receipt carries the payee's bank details and the payer's account in a
 * QR code that a bank's app reads to fill in a payment. The text is
 *
 *   ST00012|Name=..|PersonalAcc=..|BankName=..|BIC=..|CorrespAcc=..|
 *   PayeeINN=..|KPP=..|PersAcc=..|LastName=..|PayerAddress=..|
 *   PaymPeriod=MMYYYY|Sum=KOPECKS|Purpose=..|TechCode=02
 *
 * (one line): "ST" the format, "0001" its version, "2" the character set
 * (UTF-8), then the separator "|" and the fields in that order, the first
 * five required. A value never holds the separator: "|" in a value is
 * written "/", a line break or other control character a space, spaces
 * around a value are dropped and runs of them made one; Name, BankName and
 * Purpose are cut at the standard's lengths (160, 45, 210 characters, a
 * character's bytes never split). Sum is in kopecks without a separator;
 * a receipt with nothing to pay has no Sum, so that the bank's app asks
 * for the amount. Pure: no I/O, no allocation.
 */
#ifndef AMR_BILLING_QRPAY_H
#define AMR_BILLING_QRPAY_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "jv.h"
#include "money.h"

#define QRPAY_MAX 2048 /* bytes of a payload with every field at its longest */

/* What a receipt's QR code says. NULL or "" leaves an optional field out. */
struct qrpay {
	const char *name;	   /* the payee (the organisation's name), required */
	const char *personal_acc;  /* its settlement account, 20 digits, required */
	const char *bank_name;	   /* its bank, required */
	const char *bic;	   /* the bank's БИК, 9 digits, required */
	const char *corresp_acc;   /* the bank's correspondent account, 20 digits, required */
	const char *payee_inn;	   /* the payee's ИНН */
	const char *kpp;	   /* the payee's КПП */
	const char *pers_acc;	   /* the payer's лицевой счёт */
	const char *last_name;	   /* the payer */
	const char *payer_address; /* the payer's address */
	const char *purpose;	   /* what the payment is for */
	int period_year;	   /* the period paid: year (0: none) */
	int period_month;	   /* and month, 1..12 */
	bool has_sum;		   /* false: nothing to pay, no Sum */
	money_kop sum;		   /* the amount, kopecks, > 0 when has_sum */
};

/*
 * The payload of q into buf (size bytes, at least QRPAY_MAX), NUL-ended.
 * Returns AMR_OK, or AMR_EINVAL naming the field ("BIC: \"04452522\" is not
 * 9 digits") when a required field is missing or a number is not digits.
 */
amr_err qrpay_payload(const struct qrpay *q, char *buf, size_t size, struct jv_err *err);

#endif
