/*
 * qrpay.c - the text of a ГОСТ Р 56042-2014 payment QR code.
 */
#include <stdio.h>
#include <string.h>

#include "qrpay.h"

#define HEADER "ST00012" /* format ST, version 0001, character set 2: UTF-8 */
#define SEP    '|'

/* The payload as it is written. */
struct out {
	char *buf;
	size_t size, len;
	bool full; /* it did not fit */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n >= o->size) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/*
 * "|Key=value" with value cleaned: the separator written '/', control
 * characters as spaces, spaces trimmed and folded, at most max characters
 * (0: no limit) and never a character's bytes split. Nothing when value
 * is NULL or only spaces.
 */
static void field(struct out *o, const char *key, const char *value, size_t max)
{
	char v[1024];
	size_t n = 0, chars = 0;
	bool space = false;
	const unsigned char *p = (const unsigned char *)(value ? value : "");

	while (*p) {
		/* one character: its bytes (a lead byte and its continuations) */
		size_t len = 1;

		while (p[len] && (p[len] & 0xC0) == 0x80)
			len++;
		if (len == 1 && (*p == ' ' || *p < 0x20 || *p == 0x7f)) {
			space = n > 0; /* folded; dropped at the ends */
			p++;
			continue;
		}
		if ((max && chars + space + 1 > max) || n + space + len >= sizeof v)
			break;
		if (space) {
			v[n++] = ' ';
			chars++;
		}
		space = false;
		memcpy(v + n, p, len);
		if (len == 1 && *p == SEP)
			v[n] = '/';
		n += len;
		chars++;
		p += len;
	}
	if (!n)
		return;
	put(o, "|", 1);
	put(o, key, strlen(key));
	put(o, "=", 1);
	put(o, v, n);
}

static bool digits(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool given(const char *s)
{
	return s && *s;
}

amr_err qrpay_payload(const struct qrpay *q, char *buf, size_t size, struct jv_err *err)
{
	struct out o = { buf, size, 0, false };
	char num[32];

	if (!given(q->name) || !given(q->bank_name))
		return jv_fail(err, "%s: missing (the payee's %s is required)",
			       given(q->name) ? "BankName" : "Name",
			       given(q->name) ? "bank" : "name");
	if (!digits(q->personal_acc, 20))
		return jv_fail(err, "PersonalAcc: \"%.30s\" is not 20 digits",
			       q->personal_acc ? q->personal_acc : "");
	if (!digits(q->bic, 9))
		return jv_fail(err, "BIC: \"%.30s\" is not 9 digits", q->bic ? q->bic : "");
	if (!digits(q->corresp_acc, 20))
		return jv_fail(err, "CorrespAcc: \"%.30s\" is not 20 digits",
			       q->corresp_acc ? q->corresp_acc : "");
	if (given(q->payee_inn) && !digits(q->payee_inn, 10) && !digits(q->payee_inn, 12))
		return jv_fail(err, "PayeeINN: \"%.30s\" is not 10 or 12 digits", q->payee_inn);
	if (q->period_year && (q->period_year < 1900 || q->period_year > 2999 ||
			       q->period_month < 1 || q->period_month > 12))
		return jv_fail(err, "PaymPeriod: %d-%d is not a month", q->period_year,
			       q->period_month);
	if (q->has_sum && q->sum <= 0)
		return jv_fail(err, "Sum: %lld kopecks; nothing to pay is written without Sum",
			       (long long)q->sum);
	if (size)
		buf[0] = '\0';
	put(&o, HEADER, strlen(HEADER));
	field(&o, "Name", q->name, 160);
	field(&o, "PersonalAcc", q->personal_acc, 0);
	field(&o, "BankName", q->bank_name, 45);
	field(&o, "BIC", q->bic, 0);
	field(&o, "CorrespAcc", q->corresp_acc, 0);
	field(&o, "PayeeINN", q->payee_inn, 0);
	field(&o, "KPP", q->kpp, 0);
	field(&o, "PersAcc", q->pers_acc, 0);
	field(&o, "LastName", q->last_name, 0);
	field(&o, "PayerAddress", q->payer_address, 0);
	if (q->period_year) {
		snprintf(num, sizeof num, "%02d%04d", q->period_month, q->period_year);
		field(&o, "PaymPeriod", num, 0);
	}
	if (q->has_sum) {
		snprintf(num, sizeof num, "%lld", (long long)q->sum);
		field(&o, "Sum", num, 0);
	}
	field(&o, "Purpose", q->purpose, 210);
	field(&o, "TechCode", "02", 0);
	if (o.full)
		return jv_fail(err, "the payload is longer than %zu bytes", size);
	return AMR_OK;
}
