/*
 * rates.h - the key-rate table of an organisation, with its moratoria and
 * caps (docs/billing.md, "Key rate, moratoria and caps").
 *
 * The accountant keeps the table as `rate` records:
 *
 *   key_rate    the Bank of Russia's key rate from a date until the next
 *               key_rate entry (no `to`; two on one date are refused);
 *   moratorium  [from, to): no penalty accrues on these days (Постановление
 *               Правительства № 424 of 2020); the days of delay go on;
 *   rate_cap    [from, to): the rate used is the lesser of the cap and the
 *               key rate (Постановление № 474 of 2022: 9.50 %).
 *
 * A rate is a percentage with up to 2 decimals, held as an integer of
 * 1/100 % ("16.50" is 1650). No binary floating point. Pure: no I/O, no
 * allocation; a table is a plain array in any order.
 */
#ifndef AMR_BILLING_RATES_H
#define AMR_BILLING_RATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "calendar.h"
#include "err.h"
#include "jv.h"

enum rates_kind {
	RATES_KEY_RATE,	  /* "key_rate" */
	RATES_MORATORIUM, /* "moratorium" */
	RATES_CAP,	  /* "rate_cap" */
	RATES_KIND_END,
};

#define RATES_MAX     10000 /* the largest rate, 100.00 %, in 1/100 % */
#define RATES_PCT_LEN 8	    /* "100.00" and its NUL */

/* One entry of the table. */
struct rates_entry {
	enum rates_kind kind; /* what it is */
	cal_day from;	      /* its first day */
	cal_day to;	      /* the first day it no longer holds; CAL_DAY_OPEN: open */
	int32_t rate;	      /* key_rate, rate_cap: 1/100 %; moratorium: 0 */
};

/* The kinds as records spell them, NULL-ended, in enum order. */
extern const char *const rates_kind_names[];

/*
 * Parse a percentage "16.50", "16.5" or "16" into 1/100 % (*out, unchanged
 * on error). Refused: a minus ("rate: -1 is negative; a rate is 0 or
 * more"), a third decimal ("rate: \"16.505\" has more than 2 decimals (a
 * rate is a percentage to 0.01)"), above RATES_MAX, anything not a decimal.
 * Returns AMR_OK or AMR_EINVAL naming field.
 */
amr_err rates_pct_parse(const char *s, const char *field, int32_t *out, struct jv_err *err);

/* rate (1/100 %) as "16.50" into buf (RATES_PCT_LEN bytes). Returns buf. */
char *rates_pct_format(int32_t rate, char *buf);

/*
 * Read a `rate` record (borrowed) into *out: "kind", "from", "to"?,
 * "rate"? as the kind needs them (a key_rate and a rate_cap have a rate,
 * a moratorium none; a key_rate has no to; to after from). Other members
 * are not looked at. Returns AMR_OK, or AMR_EINVAL naming the field (*out
 * unchanged).
 */
amr_err rates_entry_read(const json_t *rec, struct rates_entry *out, struct jv_err *err);

/*
 * The rate in force on day d in t[0..n): the key rate of the latest
 * key_rate entry from d or before, lowered to the least rate_cap whose
 * period holds d. Returns AMR_OK, or AMR_ENOTFOUND when no key rate is in
 * force on d (err says so; *rate unchanged).
 */
amr_err rates_on(const struct rates_entry *t, size_t n, cal_day d, int32_t *rate,
		 struct jv_err *err);

/*
 * Whether d lies in a moratorium of t[0..n); *next (may be NULL) gets the
 * first day after d where that may change (a moratorium's from or to),
 * CAL_DAY_OPEN when none does.
 */
bool rates_moratorium(const struct rates_entry *t, size_t n, cal_day d, cal_day *next);

#endif
