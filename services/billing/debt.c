/*
 * debt.c - the pieces of an account's debt, the allocation of its payments
 * to them, and their ages.
 */
#include <stdlib.h>
#include <string.h>

#include "debt.h"

/* Money waiting to pay what comes next: the rest of a payment, a credit. */
struct source {
	int id;		/* as debt_part.source */
	money_kop left; /* not yet used */
};

/* The allocation as it goes, day by day. */
struct run {
	struct debt_piece *pc;	 /* the pieces, in order */
	size_t n;		 /* how many */
	struct debt_part *parts; /* what paid them, in the order paid */
	size_t nparts;		 /* how many */
	struct source *q;	 /* the advance: its sources, oldest first */
	size_t qhead;		 /* the first source not used up */
	size_t qn;		 /* sources queued */
	cal_day day;		 /* the day being allocated */
};

static bool period_ok(const char *s)
{
	int y, m;

	return !strcmp(s, DEBT_OPENING) || cal_period_parse(s, &y, &m);
}

/* Opening before the months, the months in order. */
static int period_cmp(const char *a, const char *b)
{
	bool oa = !strcmp(a, DEBT_OPENING), ob = !strcmp(b, DEBT_OPENING);

	if (oa || ob)
		return ob - oa;
	return strcmp(a, b);
}

static int piece_cmp(const void *pa, const void *pb)
{
	const struct debt_piece *a = pa, *b = pb;
	int c;

	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	if ((c = period_cmp(a->period, b->period)))
		return c;
	return (int)a->kind - (int)b->kind;
}

/* Add e[i] to its piece among pc[0..*n), or start one. */
static amr_err add_entry(const struct debt_entry *e, size_t i, struct debt_piece *pc, size_t *n,
			 struct jv_err *err)
{
	char a[CAL_DATE_LEN], b[CAL_DATE_LEN];
	size_t k;

	if (e->kind != DEBT_PRINCIPAL && e->kind != DEBT_PENALTY)
		return jv_fail(err, "entries[%zu].kind: %d is neither principal nor penalty", i,
			       (int)e->kind);
	if (!period_ok(e->period))
		return jv_fail(err,
			       "entries[%zu].period: \"%.10s\" is not a period (YYYY-MM or %s)", i,
			       e->period, DEBT_OPENING);
	if (e->due == CAL_DAY_NONE || e->date == CAL_DAY_NONE)
		return jv_fail(err, "entries[%zu]: a due date and a booking date are required", i);
	if (e->amount > MONEY_MAX || e->amount < -MONEY_MAX)
		return jv_fail(err, "entries[%zu].amount: beyond the largest amount", i);
	for (k = 0; k < *n && (pc[k].kind != e->kind || strcmp(pc[k].period, e->period)); k++)
		;
	if (k == *n) {
		pc[(*n)++] = (struct debt_piece){ .kind = e->kind,
						  .due = e->due,
						  .charged = e->date };
		memcpy(pc[k].period, e->period, sizeof pc[k].period);
	} else if (pc[k].due != e->due) {
		return jv_fail(err,
			       "entries[%zu].due: %s, but period %s is due on %s by the entries "
			       "before it",
			       i, cal_day_format(e->due, a), e->period,
			       cal_day_format(pc[k].due, b));
	}
	pc[k].amount += e->amount;
	if (pc[k].amount > MONEY_MAX || pc[k].amount < -MONEY_MAX)
		return jv_fail(err,
			       "entries[%zu].amount: period %s adds up beyond the largest "
			       "amount",
			       i, e->period);
	if (e->date < pc[k].charged)
		pc[k].charged = e->date;
	return AMR_OK;
}

static amr_err check_payment(const struct debt_payment *p, size_t j, struct jv_err *err)
{
	char a[CAL_DATE_LEN], b[CAL_DATE_LEN];

	if (p[j].date == CAL_DAY_NONE)
		return jv_fail(err, "payments[%zu].date: missing", j);
	if (j && p[j].date < p[j - 1].date)
		return jv_fail(err,
			       "payments[%zu].date: %s is before the payment above it (%s); "
			       "payments come in date order",
			       j, cal_day_format(p[j].date, a), cal_day_format(p[j - 1].date, b));
	if (p[j].amount <= 0 || p[j].amount > MONEY_MAX)
		return jv_fail(err, "payments[%zu].amount: a payment is above 0", j);
	if (p[j].period[0] && !period_ok(p[j].period))
		return jv_fail(err,
			       "payments[%zu].period: \"%.10s\" is not a period (YYYY-MM or %s)", j,
			       p[j].period, DEBT_OPENING);
	if (p[j].reversed != CAL_DAY_NONE && p[j].reversed < p[j].date)
		return jv_fail(err, "payments[%zu].reversed: %s is before the payment (%s)", j,
			       cal_day_format(p[j].reversed, a), cal_day_format(p[j].date, b));
	return AMR_OK;
}

/* Pay what *left allows of piece i from source. */
static void pay(struct run *r, size_t i, money_kop *left, int source)
{
	money_kop x = r->pc[i].unpaid < *left ? r->pc[i].unpaid : *left;

	if (x <= 0 || r->pc[i].charged > r->day)
		return;
	r->parts[r->nparts++] = (struct debt_part){ i, r->day, x, source };
	r->pc[i].unpaid -= x;
	*left -= x;
}

/* Every piece of kind charged by the day, the oldest first. */
static void pay_kind(struct run *r, enum debt_kind kind, money_kop *left, int source)
{
	for (size_t i = 0; i<r->n && * left> 0; i++)
		if (r->pc[i].kind == kind)
			pay(r, i, left, source);
}

static void pay_in_order(struct run *r, money_kop *left, int source, bool penalties_first)
{
	pay_kind(r, penalties_first ? DEBT_PENALTY : DEBT_PRINCIPAL, left, source);
	pay_kind(r, penalties_first ? DEBT_PRINCIPAL : DEBT_PENALTY, left, source);
}

/* The piece of period and kind, or r->n. */
static size_t find(const struct run *r, const char *period, enum debt_kind kind)
{
	size_t i;

	for (i = 0; i < r->n && (r->pc[i].kind != kind || strcmp(r->pc[i].period, period)); i++)
		;
	return i;
}

static void pay_named(struct run *r, const struct debt_payment *p, money_kop *left, int source)
{
	size_t pen = find(r, p->period, DEBT_PENALTY), prin = find(r, p->period, DEBT_PRINCIPAL);

	if (p->penalties_first && pen < r->n)
		pay(r, pen, left, source);
	if (prin < r->n)
		pay(r, prin, left, source);
}

/* The advance pays what has been charged, its oldest money first. */
static void use_advance(struct run *r)
{
	while (r->qhead < r->qn) {
		pay_in_order(r, &r->q[r->qhead].left, r->q[r->qhead].id, false);
		if (r->q[r->qhead].left > 0)
			return;
		r->qhead++;
	}
}

static void to_advance(struct run *r, int id, money_kop left)
{
	if (left > 0)
		r->q[r->qn++] = (struct source){ id, left };
}

static bool counts(const struct debt_payment *p, cal_day at)
{
	return p->date <= at && (p->reversed == CAL_DAY_NONE || p->reversed > at);
}

/* Allocate day by day: what is charged that day, the advance, then the
 * day's payments in their order. */
static void run_days(struct run *r, const size_t *by_charge, const struct debt_payment *p,
		     size_t np, cal_day at)
{
	size_t c = 0, j = 0;

	while (j < np && !counts(&p[j], at))
		j++;
	while (c < r->n || j < np) {
		r->day = c < r->n ? r->pc[by_charge[c]].charged : CAL_DAY_OPEN;
		if (j < np && p[j].date < r->day)
			r->day = p[j].date;
		for (; c < r->n && r->pc[by_charge[c]].charged == r->day; c++)
			if (r->pc[by_charge[c]].amount < 0)
				to_advance(r, -1 - (int)by_charge[c], -r->pc[by_charge[c]].amount);
		use_advance(r);
		for (; j < np && p[j].date == r->day; j++) {
			money_kop left = p[j].amount;

			if (!counts(&p[j], at))
				continue;
			if (p[j].period[0])
				pay_named(r, &p[j], &left, (int)j);
			pay_in_order(r, &left, (int)j, p[j].penalties_first);
			to_advance(r, (int)j, left);
		}
		while (j < np && !counts(&p[j], at))
			j++;
	}
}

static int charge_cmp(const void *a, const void *b, void *base)
{
	const struct debt_piece *pc = base;
	cal_day x = pc[*(const size_t *)a].charged, y = pc[*(const size_t *)b].charged;

	if (x != y)
		return x < y ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Group r->parts by piece, keeping each piece's in date order. */
static amr_err group_parts(struct run *r)
{
	struct debt_part *sorted = malloc((r->nparts + 1) * sizeof *sorted);
	size_t at = 0;

	if (!sorted)
		return AMR_ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		r->pc[i].part = at;
		for (size_t k = 0; k < r->nparts; k++)
			if (r->parts[k].piece == i)
				sorted[at++] = r->parts[k];
		r->pc[i].nparts = at - r->pc[i].part;
	}
	free(r->parts);
	r->parts = sorted;
	return AMR_OK;
}

amr_err debt_allocate(const struct debt_entry *e, size_t ne, const struct debt_payment *p,
		      size_t np, cal_day at, struct debt_alloc *out, struct jv_err *err)
{
	struct run r = { 0 };
	size_t *by_charge = NULL;
	amr_err rc = AMR_ENOMEM;

	memset(out, 0, sizeof *out);
	if (!(r.pc = calloc(ne + 1, sizeof *r.pc)) ||
	    !(r.parts = malloc((3 * ne + 2 * np + 1) * sizeof *r.parts)) ||
	    !(r.q = malloc((ne + np + 1) * sizeof *r.q)) ||
	    !(by_charge = malloc((ne + 1) * sizeof *by_charge)))
		goto out_free;
	rc = AMR_EINVAL;
	for (size_t i = 0; i < ne; i++)
		if (e[i].date <= at && add_entry(&e[i], i, r.pc, &r.n, err))
			goto out_free;
	for (size_t j = 0; j < np; j++)
		if (check_payment(p, j, err))
			goto out_free;
	qsort(r.pc, r.n, sizeof *r.pc, piece_cmp);
	for (size_t i = 0; i < r.n; i++) {
		if (r.pc[i].kind == DEBT_PENALTY && r.pc[i].amount < 0) {
			char sum[MONEY_STR_MAX];

			jv_fail(err,
				"entries: the penalties of period %s add up to %s; a write-off "
				"takes away at most what its period charged",
				r.pc[i].period, money_format(r.pc[i].amount, sum));
			goto out_free;
		}
		r.pc[i].unpaid = r.pc[i].amount > 0 ? r.pc[i].amount : 0;
		by_charge[i] = i;
	}
	qsort_r(by_charge, r.n, sizeof *by_charge, charge_cmp, r.pc);
	run_days(&r, by_charge, p, np, at);
	if ((rc = group_parts(&r)))
		goto out_free;
	*out = (struct debt_alloc){ at, r.pc, r.n, r.parts, r.nparts, 0 };
	for (size_t k = r.qhead; k < r.qn; k++)
		out->advance += r.q[k].left;
	r.pc = NULL;
	r.parts = NULL;
	rc = AMR_OK;
out_free:
	free(by_charge);
	free(r.q);
	free(r.parts);
	free(r.pc);
	return rc;
}

void debt_alloc_free(struct debt_alloc *a)
{
	if (!a)
		return;
	free(a->pieces);
	free(a->parts);
	memset(a, 0, sizeof *a);
}

enum debt_age debt_age_of(cal_day due, cal_day at)
{
	if (at <= due)
		return DEBT_AGE_NOT_DUE;
	if (at <= cal_add_months(due, 1))
		return DEBT_AGE_UNDER_1M;
	if (at <= cal_add_months(due, 3))
		return DEBT_AGE_1_TO_3M;
	if (at <= cal_add_months(due, 6))
		return DEBT_AGE_3_TO_6M;
	return DEBT_AGE_OVER_6M;
}

void debt_ages(const struct debt_alloc *a, struct debt_ages *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < a->npieces; i++) {
		const struct debt_piece *pc = &a->pieces[i];
		enum debt_age age = debt_age_of(pc->due, a->at);

		if (pc->kind == DEBT_PRINCIPAL)
			out->principal[age] += pc->unpaid;
		else
			out->penalty[age] += pc->unpaid;
	}
}

const char *debt_age_name(enum debt_age age)
{
	static const char *const names[DEBT_AGE_END] = { "not_due", "under_1m", "1_3m", "3_6m",
							 "over_6m" };

	return age < DEBT_AGE_END ? names[age] : NULL;
}
