/*
 * odn.h - the arithmetic of common-property consumption (ОДН, ЖК РФ
 * ст. 156 ч. 9.2) and of every split of a quantity into parts
 * (docs/billing.md, "ОДН").
 *
 * A quantity is split in its smallest unit (0.001 m3 for a quantity of 3
 * decimals) in proportion to weights (premises' areas, days of holding) by
 * the largest remainder: each part is first its exact share rounded down,
 * then the units left over go one each to the parts with the largest
 * remainders, ties to the lower premises number, so the parts always add
 * up exactly to the whole. Pure functions: no allocation, no I/O.
 */
#ifndef AMR_BILLING_ODN_H
#define AMR_BILLING_ODN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "money.h"

struct odn_part {
	uint32_t key;	    /* the caller's: a premises id, a holding */
	const char *number; /* for ties: the premises number ("12", "12а"), borrowed */
	int64_t weight;	    /* area in m2 x 100, days; 0 gets nothing */
	int64_t part;	    /* out: units of the whole */
	int64_t rem;	    /* out: the remainder it was ranked by (weight x total mod sum) */
};

/*
 * Split total (units, >= 0) over parts[0..n) in proportion to their
 * weights by the largest remainder; ties go to the lower number (numbers
 * of digits compare as numbers: "9" before "10"), then to the lower key.
 * Returns AMR_OK, or AMR_EINVAL when a weight is negative, the weights add
 * up to 0 while total is above 0, or the arithmetic would overflow (then
 * the parts are unchanged).
 */
amr_err odn_split(int64_t total, struct odn_part *parts, size_t n);

/* A holding's days of a month, [d0, d1) in day indexes 0..days. */
struct odn_span {
	int d0, d1;   /* the days it covers */
	int64_t part; /* out: units of the whole it gets */
};

/*
 * Prorate total (units, >= 0) of a month of days (1..31) by days: the
 * month is cut into segments at every span's ends, total is split over
 * the segments in proportion to their days (largest remainder, ties to
 * the earlier segment), and each span gets the segments it covers. So
 * spans that follow each other get parts adding up exactly to what they
 * cover together, two spans over the same days (co-owners) the same part,
 * and days no span covers keep their part out. Returns AMR_OK or
 * AMR_EINVAL (a span outside 0..days, or overflow).
 */
amr_err odn_prorate(int64_t total, int days, struct odn_span *spans, size_t n);

/* -1, 0 or 1 as premises number a sorts before, with or after b. */
int odn_number_cmp(const char *a, const char *b);

/* What the house meter shows against its premises, for one resource. */
struct odn_input {
	struct money_qty house;	   /* the house meter's quantity for the month */
	struct money_qty premises; /* the premises' quantities as billed, added up */
	bool uncapped;		   /* the owners decided to bill it all (odn_uncapped) */
	bool has_norm;		   /* a norm for common property is set */
	struct money_qty norm;	   /* per m2 of common property a month */
	int64_t common_area;	   /* m2 x 100 of common property */
};

struct odn_result {
	int dec;		      /* decimals of the quantities below */
	struct money_qty diff;	      /* house - premises; below 0 when negative */
	struct money_qty cap;	      /* norm x common area, rounded down to dec */
	struct money_qty distributed; /* what is billed: diff up to the cap, 0 if negative */
	struct money_qty excess;      /* diff above the cap (not billed), >= 0 */
	bool negative;		      /* the premises used more than the house meter shows */
	bool capped;		      /* the cap held the distribution back */
};

/*
 * The difference and what of it is distributed: all of a positive
 * difference when uncapped; at most the cap otherwise (nothing when no
 * norm is set); nothing of a negative one. dec is the larger decimals of
 * house and premises. Returns AMR_OK or AMR_EINVAL on overflow.
 */
amr_err odn_balance(const struct odn_input *in, struct odn_result *out);

/*
 * diff as a percentage of house, rounded half away from zero to 2
 * decimals, "-1.25", into buf (MONEY_STR_MAX bytes). Returns buf, or NULL
 * when house is 0 (no percentage).
 */
char *odn_percent(const struct money_qty *diff, const struct money_qty *house, char *buf);

/* q in units of dec decimals (q->dec <= dec), into *units. Returns AMR_OK
 * or AMR_EINVAL when q has more decimals or the value would overflow. */
amr_err odn_units(const struct money_qty *q, int dec, int64_t *units);

#endif
