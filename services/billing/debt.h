/*
 * debt.h - which debt a payment pays, and the ages of what is unpaid
 * (docs/billing.md, "Which debt a payment pays" and "Debt ages").
 *
 * An account's debt is made of pieces: the principal of a period (its
 * charges and adjustments, + and -, together) and the penalties charged in
 * a period, each with the period's due date; an opening balance is the
 * period "opening" with its own due date. Payments pay pieces in this
 * order, on their day:
 *
 *   1. the period the payer named (its penalties first when the payment
 *      says penalties_first), when it has something unpaid;
 *   2. the principal charged by that day, the oldest first (by due date,
 *      then period; "opening" before the months), not yet due included;
 *   3. then penalties, the oldest first (before 2 when penalties_first);
 *   4. what is left stays as an advance, which pays each piece the day it
 *      is charged, in the same order.
 *
 * A period whose adjustments take away more than its charges is a credit:
 * the difference is an advance from the period's first day. A reversed
 * payment is, at any day on or after its reversal, a payment never made:
 * the rest are allocated again without it. Everything is computed from
 * the journal as it stands at the calculation day: entries and payments
 * after it are not looked at. Exact, in kopecks; no I/O, no clock.
 */
#ifndef AMR_BILLING_DEBT_H
#define AMR_BILLING_DEBT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "err.h"
#include "jv.h"
#include "money.h"

#define DEBT_PERIOD_LEN 8	  /* "2026-09", "opening" and the NUL */
#define DEBT_OPENING	"opening" /* the period of an opening balance */

enum debt_kind {
	DEBT_PRINCIPAL, /* charges and adjustments of a period */
	DEBT_PENALTY,	/* penalties charged in a period */
};

/* A charge or an adjustment, as the journal has it. */
struct debt_entry {
	char period[DEBT_PERIOD_LEN]; /* "2026-09" or DEBT_OPENING */
	enum debt_kind kind;	      /* principal or penalty */
	cal_day due;		      /* the period's due date (the same in every entry) */
	cal_day date;		      /* the day it was booked */
	money_kop amount;	      /* a charge (> 0) or an adjustment (+ or -) */
};

/* A payment, as the journal has it (in date order). */
struct debt_payment {
	cal_day date;		      /* the day it was paid */
	money_kop amount;	      /* > 0 */
	char period[DEBT_PERIOD_LEN]; /* the period the payer named, or "" */
	bool penalties_first;	      /* the payer asked that penalties be paid first */
	cal_day reversed;	      /* the day it was reversed, or CAL_DAY_NONE */
};

/* One piece of debt at the calculation day. */
struct debt_piece {
	char period[DEBT_PERIOD_LEN]; /* its period */
	enum debt_kind kind;	      /* principal or penalty */
	cal_day due;		      /* its due date */
	cal_day charged;	      /* the day of its first entry */
	money_kop amount;	      /* its entries added up; below 0: a credit */
	money_kop unpaid;	      /* what is still unpaid (0 for a credit) */
	size_t part;		      /* its first part in the allocation's parts */
	size_t nparts;		      /* how many parts paid it */
};

/* What one payment (or credit) paid of one piece, on one day. */
struct debt_part {
	size_t piece;	  /* the piece paid, an index into pieces */
	cal_day date;	  /* the day: the payment's, or the piece's charge (advance) */
	money_kop amount; /* > 0 */
	int source;	  /* the payment's index; -1 - i: the credit of pieces[i] */
};

/* The allocation of an account's payments at a day. */
struct debt_alloc {
	cal_day at;		   /* the calculation day */
	struct debt_piece *pieces; /* new: by due date, then period, principal first */
	size_t npieces;		   /* how many */
	struct debt_part *parts;   /* new: grouped by piece, each piece's by date */
	size_t nparts;		   /* how many */
	money_kop advance;	   /* paid and not yet used */
};

/*
 * Allocate payments p[0..np) to the pieces made of entries e[0..ne) (any
 * order) as the journal stands at day at (see above), into *out (its
 * arrays new: free with debt_alloc_free). Returns AMR_OK; AMR_EINVAL with
 * the reason naming the item ("payments[3].date: 2026-10-01 is before the
 * payment above it (2026-10-05); payments come in date order") when the
 * input is bad, AMR_ENOMEM; on error *out holds nothing to free.
 */
amr_err debt_allocate(const struct debt_entry *e, size_t ne, const struct debt_payment *p,
		      size_t np, cal_day at, struct debt_alloc *out, struct jv_err *err);

/* Free what debt_allocate() gave a (NULL or zeroed: nothing). */
void debt_alloc_free(struct debt_alloc *a);

/* How long a piece is past its due date at a day: a month is a calendar
 * month, from the due date to the same day of the next month. */
enum debt_age {
	DEBT_AGE_NOT_DUE,  /* at <= due */
	DEBT_AGE_UNDER_1M, /* due < at <= due + 1 month */
	DEBT_AGE_1_TO_3M,  /* due + 1 month < at <= due + 3 months */
	DEBT_AGE_3_TO_6M,  /* due + 3 months < at <= due + 6 months */
	DEBT_AGE_OVER_6M,  /* due + 6 months < at */
	DEBT_AGE_END,
};

/* The unpaid debt of an allocation by age at a->at. */
struct debt_ages {
	money_kop principal[DEBT_AGE_END]; /* unpaid principal by age */
	money_kop penalty[DEBT_AGE_END];   /* unpaid penalties by age */
};

/* The age of a piece due on due at day at (cal_add_months() months). */
enum debt_age debt_age_of(cal_day due, cal_day at);

/* The unpaid pieces of a by age into *out. */
void debt_ages(const struct debt_alloc *a, struct debt_ages *out);

/* The name of an age for reports ("not_due", "under_1m", "1_3m", "3_6m",
 * "over_6m"). */
const char *debt_age_name(enum debt_age age);

#endif
