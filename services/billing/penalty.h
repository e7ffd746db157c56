/*
 * penalty.h - penalties (пени) for late payment, ЖК РФ ст. 155 ч. 14
 * (docs/billing.md, "Penalties (пени)").
 *
 * For each principal piece of an allocation (debt.h), day 1 of delay is
 * the day after its due date. Days 1 to 30 accrue nothing; days 31 to 90
 * accrue 1/300 of the rate a day, days from 91 on 1/130, on the amount
 * still unpaid that day. A part of the piece paid on a day is unpaid up
 * to and including that day (Пленум ВС РФ № 7 от 24.03.2016 п. 65: "по
 * день фактического исполнения обязательства включительно") and takes the
 * rate in force on that day (rates_on(), the key rate capped where a cap
 * holds); what is still unpaid at the calculation day is unpaid up to and
 * including it, at that day's rate. A day inside a moratorium accrues
 * nothing, but the days of delay go on counting through it.
 *
 * The penalty of a piece is computed exactly, as the sum over its days of
 * amount x rate / (100 x 100 x 300 or 130) kopecks, and rounded once, half
 * up (money_round_div()). The breakdown has a row for each stretch of days
 * of one part at one fraction, for a receipt or a court claim to print.
 * Pure: no I/O, no clock.
 */
#ifndef AMR_BILLING_PENALTY_H
#define AMR_BILLING_PENALTY_H

#include <stddef.h>
#include <stdint.h>

#include "debt.h"
#include "err.h"
#include "jv.h"
#include "money.h"
#include "rates.h"

#define PENALTY_FREE_DAYS 30	     /* days 1..30 accrue nothing */
#define PENALTY_LAST_300  90	     /* days 31..90 accrue 1/300 of the rate */
#define PENALTY_DEN	  39000000LL /* 100 x 100 x 3900, 3900 = lcm(300, 130) */

/* Why a row accrues what it does. */
enum penalty_why {
	PENALTY_FREE,	    /* days 1..30 of delay */
	PENALTY_MORATORIUM, /* days in a moratorium */
	PENALTY_300,	    /* days 31..90: 1/300 of the rate */
	PENALTY_130,	    /* days 91..: 1/130 of the rate */
};

/* A stretch of days of one part of a piece at one fraction of one rate. */
struct penalty_row {
	size_t piece;	      /* the allocation's piece */
	cal_day from, to;     /* its first and last day, both counted */
	int first;	      /* the day of delay of from (1: the day after the due date) */
	int days;	      /* to - from + 1 */
	money_kop amount;     /* the part of the debt unpaid on these days */
	cal_day rate_day;     /* the day whose rate applies: its payment, or the calculation */
	int32_t rate;	      /* that rate, 1/100 % (0 when nothing accrues and none is known) */
	enum penalty_why why; /* which fraction, if any */
	__int128 exact;	      /* the penalty x PENALTY_DEN, in kopecks: exact */
	money_kop penalty;    /* exact, rounded to a kopeck, for reading */
};

/* The penalty of one piece. */
struct penalty_piece {
	money_kop penalty; /* its rows' exact sum, rounded once; 0 for a penalty piece */
	size_t row;	   /* its first row */
	size_t nrows;	   /* how many */
};

/* The penalties of an allocation at its calculation day. */
struct penalty_result {
	struct penalty_piece *pieces; /* new: one per allocation piece, in its order */
	struct penalty_row *rows;     /* new: by piece, each piece's by part and day */
	size_t nrows;		      /* how many */
	money_kop total;	      /* the pieces' penalties added up */
};

/*
 * The penalties of every principal piece of a (borrowed) at a->at, with
 * rates t[0..n), into *out (new arrays: free with penalty_result_free).
 * Returns AMR_OK; AMR_ENOTFOUND when a day that accrues has no key rate in
 * the table (err names the day); AMR_ENOMEM. On error *out holds nothing
 * to free.
 */
amr_err penalty_compute(const struct debt_alloc *a, const struct rates_entry *t, size_t n,
			struct penalty_result *out, struct jv_err *err);

/* Free what penalty_compute() gave r (NULL or zeroed: nothing). */
void penalty_result_free(struct penalty_result *r);

/* The fraction of a row for people: "-" (days 1..30), "moratorium",
 * "1/300", "1/130". */
const char *penalty_why_name(enum penalty_why why);

#endif
