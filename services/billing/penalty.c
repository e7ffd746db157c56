/*
 * penalty.c - penalties for late payment of each piece, with their rows.
 */
#include <stdlib.h>
#include <string.h>

#include "penalty.h"

/* The rows made so far. */
struct rows {
	struct penalty_row *r; /* grown as needed */
	size_t n;	       /* rows in it */
	size_t cap;	       /* room for */
};

static amr_err push(struct rows *rs, struct penalty_row row)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 16;
		struct penalty_row *r = realloc(rs->r, cap * sizeof *r);

		if (!r)
			return AMR_ENOMEM;
		rs->r = r;
		rs->cap = cap;
	}
	row.days = row.to - row.from + 1;
	if (row.why == PENALTY_300 || row.why == PENALTY_130)
		row.exact = (__int128)row.amount * row.rate * row.days *
			    (PENALTY_DEN / 10000 / (row.why == PENALTY_300 ? 300 : 130));
	row.penalty = (money_kop)money_round_div(row.exact, PENALTY_DEN);
	rs->r[rs->n++] = row;
	return AMR_OK;
}

/*
 * The rows of amount of piece pc, unpaid from the day after its due date
 * up to and including end, at the rate of end: days 1..30, then stretches
 * of 1/300 (to day 90) and 1/130, each cut where a moratorium starts or
 * ends.
 */
static amr_err part_rows(struct rows *rs, size_t piece, cal_day due, money_kop amount, cal_day end,
			 const struct rates_entry *t, size_t n, struct jv_err *err)
{
	struct penalty_row row = { .piece = piece, .amount = amount, .rate_day = end };
	struct jv_err ignored;
	int last = (int)(end - due), k, stop;
	amr_err rc;

	if (last <= 0 || amount <= 0)
		return AMR_OK;
	/* a rate matters only past day 30; before, it is shown when known */
	if ((rc = rates_on(t, n, end, &row.rate, last > PENALTY_FREE_DAYS ? err : &ignored)) &&
	    last > PENALTY_FREE_DAYS)
		return rc;
	row.first = 1;
	row.from = due + 1;
	row.to = due + (last < PENALTY_FREE_DAYS ? last : PENALTY_FREE_DAYS);
	row.why = PENALTY_FREE;
	if ((rc = push(rs, row)))
		return rc;
	for (k = PENALTY_FREE_DAYS + 1; k <= last; k = stop + 1) {
		cal_day next;
		bool held = rates_moratorium(t, n, due + k, &next);

		stop = k <= PENALTY_LAST_300 && last > PENALTY_LAST_300 ? PENALTY_LAST_300 : last;

		if (next != CAL_DAY_OPEN && next - due - 1 < stop)
			stop = (int)(next - due - 1);
		row.first = k;
		row.from = due + k;
		row.to = due + stop;
		row.why = held			  ? PENALTY_MORATORIUM
			  : k <= PENALTY_LAST_300 ? PENALTY_300
						  : PENALTY_130;
		if ((rc = push(rs, row)))
			return rc;
	}
	return AMR_OK;
}

/* The rows of piece i: its parts, those of one day together, then what is
 * still unpaid, at a->at. */
static amr_err piece_rows(struct rows *rs, const struct debt_alloc *a, size_t i,
			  const struct rates_entry *t, size_t n, struct jv_err *err)
{
	const struct debt_piece *pc = &a->pieces[i];
	money_kop amount = 0;
	amr_err rc;

	for (size_t k = 0; k <= pc->nparts; k++) {
		bool unpaid = k == pc->nparts;
		const struct debt_part *p = unpaid ? NULL : &a->parts[pc->part + k];
		cal_day day = unpaid ? a->at : p->date;

		amount += unpaid ? pc->unpaid : p->amount;
		if (!unpaid && (k + 1 < pc->nparts ? a->parts[pc->part + k + 1].date == day
						   : pc->unpaid > 0 && day == a->at))
			continue; /* the next part ends the same day */
		if ((rc = part_rows(rs, i, pc->due, amount, day, t, n, err)))
			return rc;
		amount = 0;
	}
	return AMR_OK;
}

amr_err penalty_compute(const struct debt_alloc *a, const struct rates_entry *t, size_t n,
			struct penalty_result *out, struct jv_err *err)
{
	struct rows rs = { NULL, 0, 0 };
	struct penalty_piece *pp = calloc(a->npieces + 1, sizeof *pp);
	amr_err rc = AMR_ENOMEM;

	memset(out, 0, sizeof *out);
	if (!pp)
		goto out_free;
	for (size_t i = 0; i < a->npieces; i++) {
		__int128 exact = 0;

		pp[i].row = rs.n;
		if (a->pieces[i].kind == DEBT_PRINCIPAL && (rc = piece_rows(&rs, a, i, t, n, err)))
			goto out_free;
		pp[i].nrows = rs.n - pp[i].row;
		for (size_t k = pp[i].row; k < rs.n; k++)
			exact += rs.r[k].exact;
		pp[i].penalty = (money_kop)money_round_div(exact, PENALTY_DEN);
		out->total += pp[i].penalty;
	}
	out->pieces = pp;
	out->rows = rs.r;
	out->nrows = rs.n;
	return AMR_OK;
out_free:
	free(pp);
	free(rs.r);
	memset(out, 0, sizeof *out);
	return rc;
}

void penalty_result_free(struct penalty_result *r)
{
	if (!r)
		return;
	free(r->pieces);
	free(r->rows);
	memset(r, 0, sizeof *r);
}

const char *penalty_why_name(enum penalty_why why)
{
	switch (why) {
	case PENALTY_FREE:
		return "-";
	case PENALTY_MORATORIUM:
		return "moratorium";
	case PENALTY_300:
		return "1/300";
	case PENALTY_130:
		return "1/130";
	}
	return "?";
}
