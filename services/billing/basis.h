/*
 * basis.h - how a premises' metered service is billed for a month: by its
 * meter, by the average of its metered months, or by the norm (Правила
 * 354 п. 59, 60; docs/billing.md, "Average and norm").
 *
 * Every invoice line records its basis. The choice for a month whose
 * meter gave no usable data is a pure function of the months already
 * issued: the average of the last months billed by meter (at least 3, at
 * most 6, of the 12 before; heat: of the 24 before, months of the heating
 * season only) for up to 3 months in a row (2 for a non-residential
 * premises), and the norm after that, until a month by meter ends the
 * row, or when there are too few metered months. No allocation, no I/O.
 */
#ifndef AMR_BILLING_BASIS_H
#define AMR_BILLING_BASIS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "money.h"
#include "month.h"
#include "tariff.h"

enum basis_kind {
	BASIS_METER,	     /* the meters' consumption from the archive */
	BASIS_AVERAGE,	     /* the average of earlier metered months */
	BASIS_NORM,	     /* the norm per resident (x 1.5 without a meter that could be) */
	BASIS_HOUSE,	     /* the house meter's quantity shared by area (heat) */
	BASIS_ODN,	     /* common property: the house meter less the premises */
	BASIS_FIXED,	     /* a monthly charge: per m2, per resident, per premises */
	BASIS_RECALCULATION, /* an earlier month billed by average or norm, redone by meter */
	BASIS_ADJUSTMENT,    /* a correction of an issued invoice */
	BASIS_BENEFIT,	     /* a percentage of a service's charge taken off (льгота) */
	BASIS_SUBSIDY,	     /* an amount a month taken off a service's charge */
	BASIS_INSTALMENT,    /* a charge spread over months, and each month's part */
	BASIS_END,
};

#define BASIS_HIST_MAX	      24     /* months of history looked at */
#define BASIS_AVERAGE_MIN     3	     /* metered months an average needs */
#define BASIS_AVERAGE_MAX     6	     /* and takes at most */
#define BASIS_WINDOW	      12     /* months before the period an average looks at */
#define BASIS_WINDOW_HEAT     24     /* for heat, which has a season */
#define BASIS_ROW_FLAT	      3	     /* months of average in a row, a flat */
#define BASIS_ROW_NONRES      2	     /* and a non-residential premises */
#define BASIS_HEATING_DEFAULT 0x1c1e /* October..April: bits 10, 11, 12, 1, 2, 3, 4 */

/* The basis's name ("meter", "average", ...), or NULL; the basis of a
 * name, or -1. */
const char *basis_name(enum basis_kind b);
int basis_parse(const char *name);

/* One issued month of a premises' service. */
struct basis_month {
	struct month m;				 /* the month */
	enum basis_kind basis;			 /* how it was billed */
	struct money_qty qty;			 /* the premises' quantity billed */
	size_t nzones;				 /* zones of a time-of-use tariff, or 0 */
	struct money_qty zone[TARIFF_ZONES_MAX]; /* their quantities */
};

struct basis_in {
	struct month period;		/* the month being billed */
	bool usable;			/* every meter of it gave usable data */
	bool residential;		/* a flat (else non-residential) */
	bool heat;			/* heating: only months of the season count */
	unsigned heating_months;	/* bit m set for month m (1..12) of the season */
	const struct basis_month *hist; /* issued months before period, any order */
	size_t nhist;			/* how many */
};

struct basis_choice {
	enum basis_kind basis;			 /* BASIS_METER, BASIS_AVERAGE or BASIS_NORM */
	int months;				 /* average: metered months it was taken over */
	int in_row;				 /* months billed by average right before */
	struct money_qty qty;			 /* average: the quantity */
	size_t nzones;				 /* average: zones, when every month had them */
	struct money_qty zone[TARIFF_ZONES_MAX]; /* their averages */
	char why[200];				 /* the reason, for the line */
};

/*
 * Choose the basis of in->period. The average is the sum of the months
 * taken divided by their number, rounded half up to the largest decimals
 * among them. Returns AMR_OK, or AMR_EINVAL when the sum would overflow.
 */
amr_err basis_choose(const struct basis_in *in, struct basis_choice *out);

#endif
