/*
 * money.c - kopecks, prices, quantities and the one rounding rule.
 */
#include <stdio.h>
#include <string.h>

#include "money.h"

static const int64_t pow10_tab[19] = {
	1LL,
	10LL,
	100LL,
	1000LL,
	10000LL,
	100000LL,
	1000000LL,
	10000000LL,
	100000000LL,
	1000000000LL,
	10000000000LL,
	100000000000LL,
	1000000000000LL,
	10000000000000LL,
	100000000000000LL,
	1000000000000000LL,
	10000000000000000LL,
	100000000000000000LL,
	1000000000000000000LL,
};

/*
 * Read [-]digits[.digits] with at most maxdec decimals into an integer
 * scaled by 10^maxdec (or, when exact_dec is given, by 10^(decimals
 * written), stored there). Returns 0, or a static reason.
 */
static const char *decimal(const char *s, bool negative_ok, int maxdec, int64_t limit, int64_t *out,
			   int *exact_dec)
{
	__int128 v = 0;
	int frac = -1;
	bool neg = false;

	if (*s == '-') {
		if (!negative_ok)
			return "is negative";
		neg = true;
		s++;
	}
	if (*s < '0' || *s > '9')
		return "is not a decimal number";
	if (*s == '0' && s[1] >= '0' && s[1] <= '9')
		return "has a leading zero";
	for (; *s; s++) {
		if (*s == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9')
			return "is not a decimal number";
		if (frac >= 0 && ++frac > maxdec)
			return "has too many decimals";
		v = v * 10 + (*s - '0');
		if (v > limit)
			return "is too large";
	}
	if (frac == 0)
		return "is not a decimal number";
	if (frac < 0)
		frac = 0;
	if (exact_dec)
		*exact_dec = frac;
	else
		v *= pow10_tab[maxdec - frac];
	if (v > limit)
		return "is too large";
	*out = (int64_t)(neg ? -v : v);
	return NULL;
}

amr_err money_parse(const char *s, const char *field, bool negative_ok, money_kop *out,
		    struct jv_err *err)
{
	int64_t v;
	const char *why = decimal(s, negative_ok, 2, MONEY_MAX, &v, NULL);

	if (why) {
		if (!strcmp(why, "has too many decimals"))
			why = "has more than 2 decimals (kopecks)";
		return jv_fail(err, "%s: \"%.40s\" %s; expected roubles like \"1234.56\"", field, s,
			       why);
	}
	*out = v;
	return AMR_OK;
}

char *money_format(money_kop v, char *buf)
{
	unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	snprintf(buf, MONEY_STR_MAX, "%s%llu.%02llu", v < 0 ? "-" : "", a / 100, a % 100);
	return buf;
}

amr_err money_price_parse(const char *s, const char *field, int64_t *out, struct jv_err *err)
{
	int64_t v;
	const char *why;

	if (*s == '-')
		return jv_fail(err, "%s: %.40s is negative; a price is 0 or more", field, s);
	why = decimal(s, false, 6, MONEY_PRICE_MAX, &v, NULL);
	if (why) {
		if (!strcmp(why, "has too many decimals"))
			why = "has more than 6 decimals (a price is kopecks with up to 4 more)";
		return jv_fail(err, "%s: \"%.40s\" %s; expected roubles like \"45.6712\"", field, s,
			       why);
	}
	*out = v;
	return AMR_OK;
}

char *money_price_format(int64_t price, char *buf)
{
	unsigned long long a = (unsigned long long)(price < 0 ? -price : price);
	int len;

	len = snprintf(buf, MONEY_STR_MAX, "%s%llu.%06llu", price < 0 ? "-" : "", a / 1000000,
		       a % 1000000);
	while (len > 0 && buf[len - 1] == '0' && buf[len - 3] != '.')
		buf[--len] = 0;
	return buf;
}

amr_err money_qty_parse(const char *s, const char *field, struct money_qty *out, struct jv_err *err)
{
	int64_t v;
	int dec = 0;
	const char *why = decimal(s, false, MONEY_QTY_DEC_MAX, MONEY_QTY_MAX, &v, &dec);

	if (why)
		return jv_fail(err, "%s: \"%.40s\" %s; expected a quantity like \"12.345\"", field,
			       s, why);
	out->v = v;
	out->dec = dec;
	return AMR_OK;
}

char *money_qty_format(const struct money_qty *q, char *buf)
{
	unsigned long long a = q->v < 0 ? 0ULL - (unsigned long long)q->v
					: (unsigned long long)q->v;
	unsigned long long p = (unsigned long long)pow10_tab[q->dec];

	if (q->dec == 0)
		snprintf(buf, MONEY_STR_MAX, "%s%llu", q->v < 0 ? "-" : "", a);
	else
		snprintf(buf, MONEY_STR_MAX, "%s%llu.%0*llu", q->v < 0 ? "-" : "", a / p, q->dec,
			 a % p);
	return buf;
}

/* a and b scaled to the larger decimals, into wide integers. */
static int align(const struct money_qty *a, const struct money_qty *b, __int128 *x, __int128 *y)
{
	int dec = a->dec > b->dec ? a->dec : b->dec;

	*x = (__int128)a->v * pow10_tab[dec - a->dec];
	*y = (__int128)b->v * pow10_tab[dec - b->dec];
	return dec;
}

static amr_err store(__int128 v, int dec, struct money_qty *out)
{
	if (v > MONEY_QTY_MAX || v < -MONEY_QTY_MAX)
		return AMR_EINVAL;
	out->v = (int64_t)v;
	out->dec = dec;
	return AMR_OK;
}

amr_err money_qty_add(const struct money_qty *a, const struct money_qty *b, struct money_qty *out)
{
	__int128 x, y;
	int dec = align(a, b, &x, &y);

	return store(x + y, dec, out);
}

amr_err money_qty_sub(const struct money_qty *a, const struct money_qty *b, struct money_qty *out)
{
	__int128 x, y;
	int dec = align(a, b, &x, &y);

	return store(x - y, dec, out);
}

amr_err money_qty_mul(const struct money_qty *a, int64_t k, struct money_qty *out)
{
	if (k > MONEY_QTY_MAX || k < -MONEY_QTY_MAX)
		return AMR_EINVAL;
	return store((__int128)a->v * k, a->dec, out);
}

int money_qty_cmp(const struct money_qty *a, const struct money_qty *b)
{
	__int128 x, y;

	align(a, b, &x, &y);
	return x < y ? -1 : x > y;
}

__int128 money_round_div(__int128 num, __int128 den)
{
	__int128 a = num < 0 ? -num : num;
	/* floor(a / den + 1/2): half up on the magnitude */
	__int128 q = (a * 2 + den) / (den * 2);

	return num < 0 ? -q : q;
}

amr_err money_line(int64_t price, const struct money_qty *q, money_kop *out)
{
	__int128 num, amount;

	if (price < 0 || price > MONEY_PRICE_MAX || q->dec < 0 || q->dec > MONEY_QTY_DEC_MAX)
		return AMR_EINVAL;
	/* price (kop x 10^4) x v / 10^dec / 10^4: <= 10^12 x 10^18, fits 127 bits */
	num = (__int128)price * q->v;
	amount = money_round_div(num, (__int128)MONEY_PRICE_SCALE * pow10_tab[q->dec]);
	if (amount > MONEY_MAX || amount < -MONEY_MAX)
		return AMR_EINVAL;
	*out = (money_kop)amount;
	return AMR_OK;
}
