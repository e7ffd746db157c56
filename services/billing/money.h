/*
 * money.h - kopecks, prices, quantities and the one rounding rule of
 * amr-billing (docs/billing.md, "Money and rounding").
 *
 * Money is an integer number of kopecks (int64). A price is kopecks per
 * unit with up to four further decimals, held as an integer scaled by
 * 10^4 (one price unit is 1/10000 kopeck); on the wire it is roubles with
 * up to six decimals, "45.671234". A quantity is an exact decimal, the
 * integer v scaled by 10^dec (what lib/units.h gives: "12.345" m3 is
 * v=12345, dec=3). No binary floating point is used anywhere.
 *
 * The rule: the amount of an invoice line is price x quantity, computed
 * exactly, then rounded once to a kopeck, half up (a half kopeck goes
 * away from zero, so a negative line is exactly the negation of the
 * positive one). Nothing is rounded before that, and the amounts of the
 * lines are then only added.
 *
 * Parsers write a message naming the field into a struct jv_err and return
 * AMR_EINVAL, leaving *out unchanged. Pure functions: no allocation.
 */
#ifndef AMR_BILLING_MONEY_H
#define AMR_BILLING_MONEY_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "jv.h"

typedef int64_t money_kop; /* an amount in kopecks */

#define MONEY_PRICE_SCALE 10000			/* price units in one kopeck */
#define MONEY_MAX	  1000000000000000LL	/* largest amount, kopecks (10^13 roubles) */
#define MONEY_PRICE_MAX	  1000000000000LL	/* largest price: 10^6 roubles per unit */
#define MONEY_QTY_DEC_MAX 9			/* most decimals of a quantity */
#define MONEY_QTY_MAX	  1000000000000000000LL /* largest quantity v (any dec) */
#define MONEY_STR_MAX	  40			/* buffer for any formatted value */

struct money_qty {
	int64_t v; /* the quantity times 10^dec; may be negative */
	int dec;   /* decimals, 0..MONEY_QTY_DEC_MAX */
};

/*
 * Parse an amount in roubles, "1234.56", "1234.5", "1234" or "-0.01" (the
 * minus only when negative_ok), into kopecks. Refused: more than two
 * decimals, "12.", ".5", "+1", spaces, a comma, exponents, anything past
 * MONEY_MAX. Returns AMR_OK or AMR_EINVAL with the reason in err, e.g.
 * "amount: \"12.345\" has more than 2 decimals (kopecks)".
 */
amr_err money_parse(const char *s, const char *field, bool negative_ok, money_kop *out,
		    struct jv_err *err);

/* v as roubles with two decimals, "-1234.56", into buf (MONEY_STR_MAX
 * bytes). Returns buf. */
char *money_format(money_kop v, char *buf);

/*
 * Parse a price in roubles per unit with up to six decimals ("45.671234",
 * i.e. kopecks with four further decimals) into kopecks x 10^4. A negative
 * price is refused ("price: -1.00 is negative; a price is 0 or more"), and
 * so is one above MONEY_PRICE_MAX. Returns AMR_OK or AMR_EINVAL.
 */
amr_err money_price_parse(const char *s, const char *field, int64_t *out, struct jv_err *err);

/* A price (kopecks x 10^4) as roubles with two to six decimals, trailing
 * zeros past the second dropped: 450000 -> "0.45", 456712340 ->
 * "456.71234", into buf (MONEY_STR_MAX bytes). Returns buf. */
char *money_price_format(int64_t price, char *buf);

/* Parse a non-negative decimal quantity, "12.345", at most
 * MONEY_QTY_DEC_MAX decimals; dec is the decimals written. Returns AMR_OK
 * or AMR_EINVAL. */
amr_err money_qty_parse(const char *s, const char *field, struct money_qty *out,
			struct jv_err *err);

/* q as a decimal with its own decimals, "12.345", into buf (MONEY_STR_MAX
 * bytes). Returns buf. */
char *money_qty_format(const struct money_qty *q, char *buf);

/* a + b, exactly, in the larger of the two decimals. Returns AMR_OK or
 * AMR_EINVAL when the sum leaves MONEY_QTY_MAX (then *out is unchanged). */
amr_err money_qty_add(const struct money_qty *a, const struct money_qty *b, struct money_qty *out);

/* a - b, exactly, as money_qty_add. */
amr_err money_qty_sub(const struct money_qty *a, const struct money_qty *b, struct money_qty *out);

/* a x k for an integer k (residents, months), exactly. Returns AMR_OK or
 * AMR_EINVAL on overflow. */
amr_err money_qty_mul(const struct money_qty *a, int64_t k, struct money_qty *out);

/* -1, 0 or 1 as a <, ==, > b (decimals aligned). */
int money_qty_cmp(const struct money_qty *a, const struct money_qty *b);

/*
 * The amount of one invoice line: price (kopecks x 10^4) x q, exact, then
 * rounded to a kopeck half up (a half goes away from zero). Returns AMR_OK,
 * or AMR_EINVAL when the price is negative or the amount would pass
 * MONEY_MAX (then *out is unchanged).
 */
amr_err money_line(int64_t price, const struct money_qty *q, money_kop *out);

/* num / den rounded half away from zero; den > 0. The one rounding step,
 * for callers that have an exact fraction of kopecks of their own. */
__int128 money_round_div(__int128 num, __int128 den);

#endif
