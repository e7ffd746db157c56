/*
 * acctdebt.c - an account's debt at a day, from its journal and its
 * organisation's tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acctdebt.h"
#include "log.h"

/* A growing array of n items of size sz. */
static bool grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;

	if (n < *cap)
		return true;
	if (!(p = realloc(*arr, (*cap ? *cap * 2 : 16) * sz)))
		return false;
	*arr = p;
	*cap = *cap ? *cap * 2 : 16;
	return true;
}

struct tables_scan {
	struct acctdebt_tables *t;
	size_t cap_ex, cap_rates;
	int rc;
};

static int calendar_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct tables_scan *s = arg;
	struct cal_exception e;

	if ((uint32_t)json_integer_value(json_object_get(rec, "org")) != s->t->org)
		return 0;
	if (!cal_day_parse(json_string_value(json_object_get(rec, "date")), &e.day)) {
		log_error("billing: calendar %u: its stored date does not parse", id);
		return AMR_EDB;
	}
	e.working = json_is_true(json_object_get(rec, "working"));
	if (!grow((void **)&s->t->ex, &s->cap_ex, s->t->nex, sizeof e))
		return AMR_ENOMEM;
	s->t->ex[s->t->nex++] = e;
	return 0;
}

static int rate_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct tables_scan *s = arg;
	struct rates_entry e;
	struct jv_err err;

	if ((uint32_t)json_integer_value(json_object_get(rec, "org")) != s->t->org)
		return 0;
	if (rates_entry_read(rec, &e, &err)) {
		log_error("billing: rate %u: %s", id, err.msg);
		return AMR_EDB;
	}
	if (!grow((void **)&s->t->rates, &s->cap_rates, s->t->nrates, sizeof e))
		return AMR_ENOMEM;
	s->t->rates[s->t->nrates++] = e;
	return 0;
}

int acctdebt_tables_load(ledger *l, MDB_txn *txn, uint32_t org, struct acctdebt_tables *t)
{
	struct tables_scan s = { t, 0, 0, 0 };
	json_t *o = NULL;
	json_t *dd;
	int rc;

	memset(t, 0, sizeof *t);
	if ((rc = ledger_get(l, txn, MODEL_ORG, org, &o)))
		return rc;
	t->org = org;
	dd = json_object_get(o, "due_day");
	t->due_day = json_is_integer(dd) ? (int)json_integer_value(dd) : CAL_DUE_DAY_DEFAULT;
	json_decref(o);
	if ((rc = ledger_scan(l, txn, MODEL_CALENDAR, 0, calendar_fn, &s)) ||
	    (rc = ledger_scan(l, txn, MODEL_RATE, 0, rate_fn, &s))) {
		acctdebt_tables_free(t);
		return rc;
	}
	return 0;
}

void acctdebt_tables_free(struct acctdebt_tables *t)
{
	free(t->ex);
	free(t->rates);
	memset(t, 0, sizeof *t);
}

/* A payment's entry: its seq (a reversal names it), and whether it is
 * money received (an opening advance is not). */
struct pay_meta {
	uint64_t seq;
	bool received;
};

/* The journal of one account turned into the pure modules' input. */
struct input {
	const struct acctdebt_tables *t;
	cal_day at;		  /* entries after it are not looked at */
	struct debt_entry *e;	  /* charges, adjustments, penalties, opening debts */
	size_t ne, cap_e;	  /* how many, room */
	struct debt_payment *p;	  /* payments, in date order */
	struct pay_meta *pm;	  /* and what the journal says of each */
	size_t np, cap_p, cap_pm; /* how many, room */
	struct acctdebt *d;	  /* what is summed on the way */
	struct jv_err *err;	  /* the reason of a refusal */
};

/* The due date of period p ("YYYY-MM") of the organisation. */
static int due_of(struct input *in, const char *p, cal_day *due)
{
	int y, m;

	if (!cal_period_parse(p, &y, &m))
		return jv_fail(in->err, "period: \"%s\" is not a month (YYYY-MM)", p);
	return cal_due_date(y, m, in->t->due_day, in->t->ex, in->t->nex, due, in->err);
}

static int add_debt(struct input *in, const struct journal_entry *je, enum debt_kind kind)
{
	struct debt_entry de = { .kind = kind, .amount = je->amount };
	char month[JOURNAL_PERIOD_LEN];
	const char *due_s;
	int rc;

	cal_day_parse(je->date, &de.date);
	if (je->kind == JOURNAL_OPENING && !je->period[0]) {
		snprintf(de.period, sizeof de.period, "%s", DEBT_OPENING);
		due_s = json_string_value(json_object_get(je->rec, "due"));
		if (!due_s || !cal_day_parse(due_s, &de.due))
			de.due = de.date;
	} else {
		/* an entry without a period belongs to the month of its date */
		snprintf(month, sizeof month, "%.7s", je->date);
		snprintf(de.period, sizeof de.period, "%s", je->period[0] ? je->period : month);
		if ((rc = due_of(in, de.period, &de.due)))
			return rc;
	}
	if (!grow((void **)&in->e, &in->cap_e, in->ne, sizeof de))
		return AMR_ENOMEM;
	in->e[in->ne++] = de;
	return 0;
}

static int add_payment(struct input *in, const struct journal_entry *je)
{
	struct debt_payment p = { .amount = -je->amount, .reversed = CAL_DAY_NONE };

	cal_day_parse(je->date, &p.date);
	if (je->kind == JOURNAL_PAYMENT)
		snprintf(p.period, sizeof p.period, "%s", je->period);
	p.penalties_first = json_is_true(json_object_get(je->rec, "penalties_first"));
	if (!grow((void **)&in->p, &in->cap_p, in->np, sizeof p) ||
	    !grow((void **)&in->pm, &in->cap_pm, in->np, sizeof *in->pm))
		return AMR_ENOMEM;
	in->pm[in->np] = (struct pay_meta){ je->seq, je->kind == JOURNAL_PAYMENT };
	in->p[in->np++] = p;
	return 0;
}

/* A reversal: the payment it names was reversed on its day. */
static int reverse(struct input *in, const struct journal_entry *je)
{
	json_t *r = json_object_get(je->rec, "reverses");
	cal_day day;

	cal_day_parse(je->date, &day);
	for (size_t i = 0; json_is_integer(r) && i < in->np; i++)
		if (in->pm[i].seq == (uint64_t)json_integer_value(r)) {
			in->p[i].reversed = day;
			return 0;
		}
	log_error("billing: account %u: reversal %llu names no earlier payment", je->account,
		  (unsigned long long)je->seq);
	return AMR_EDB;
}

static int entry_fn(const struct journal_entry *je, void *arg)
{
	struct input *in = arg;
	cal_day day;

	cal_day_parse(je->date, &day);
	if (day > in->at)
		return 1;
	in->d->balance += je->amount;
	switch (je->kind) {
	case JOURNAL_CHARGE:
	case JOURNAL_ADJUSTMENT:
		return add_debt(in, je, DEBT_PRINCIPAL);
	case JOURNAL_PENALTY:
		in->d->penalty_charged += je->amount;
		return add_debt(in, je, DEBT_PENALTY);
	case JOURNAL_OPENING:
		return je->amount > 0 ? add_debt(in, je, DEBT_PRINCIPAL) : add_payment(in, je);
	case JOURNAL_PAYMENT:
		return add_payment(in, je);
	case JOURNAL_REVERSAL:
		return reverse(in, je);
	default:
		return AMR_EDB;
	}
}

int acctdebt_compute(journal *j, MDB_txn *txn, uint32_t account, const struct acctdebt_tables *t,
		     cal_day at, struct acctdebt *out, struct jv_err *err)
{
	struct input in = { .t = t, .at = at, .d = out, .err = err };
	int rc;

	memset(out, 0, sizeof *out);
	out->account = account;
	out->at = at;
	out->last_payment = CAL_DAY_NONE;
	if ((rc = journal_scan(j, txn, account, NULL, NULL, entry_fn, &in)) ||
	    (rc = debt_allocate(in.e, in.ne, in.p, in.np, at, &out->alloc, err)) ||
	    (rc = penalty_compute(&out->alloc, t->rates, t->nrates, &out->pen, err))) {
		acctdebt_free(out);
		goto out_free;
	}
	/* the last money received that was not taken back */
	for (size_t i = in.np; i-- > 0;)
		if (in.pm[i].received && in.p[i].reversed == CAL_DAY_NONE) {
			out->last_payment = in.p[i].date;
			out->last_payment_amt = in.p[i].amount;
			break;
		}
	debt_ages(&out->alloc, &out->ages);
	for (int a = DEBT_AGE_UNDER_1M; a < DEBT_AGE_END; a++)
		out->overdue += out->ages.principal[a];
out_free:
	free(in.e);
	free(in.p);
	free(in.pm);
	return rc;
}

void acctdebt_free(struct acctdebt *d)
{
	debt_alloc_free(&d->alloc);
	penalty_result_free(&d->pen);
	memset(&d->alloc, 0, sizeof d->alloc);
	memset(&d->pen, 0, sizeof d->pen);
}

static json_t *money(money_kop v)
{
	char buf[MONEY_STR_MAX];

	return json_string(money_format(v, buf));
}

static json_t *day(cal_day d)
{
	char buf[CAL_DATE_LEN];

	return json_string(cal_day_format(d, buf));
}

/* One piece: its period, kind, due date, amount, unpaid, the parts that
 * paid it and its penalty's rows. */
static json_t *piece_json(const struct acctdebt *d, size_t i)
{
	const struct debt_piece *pc = &d->alloc.pieces[i];
	const struct penalty_piece *pp = &d->pen.pieces[i];
	json_t *parts = json_array(), *rows = json_array();
	char rate[RATES_PCT_LEN];

	for (size_t k = pc->part; parts && k < pc->part + pc->nparts; k++)
		json_array_append_new(parts,
				      json_pack("{s:o, s:o}", "date", day(d->alloc.parts[k].date),
						"amount", money(d->alloc.parts[k].amount)));
	for (size_t k = pp->row; rows && k < pp->row + pp->nrows; k++) {
		const struct penalty_row *r = &d->pen.rows[k];

		json_array_append_new(
			rows, json_pack("{s:o, s:o, s:i, s:i, s:o, s:s, s:s, s:o}", "from",
					day(r->from), "to", day(r->to), "first_day", r->first,
					"days", r->days, "amount", money(r->amount), "rate",
					rates_pct_format(r->rate, rate), "fraction",
					penalty_why_name(r->why), "penalty", money(r->penalty)));
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "period", pc->period, "kind",
			 pc->kind == DEBT_PENALTY ? "penalty" : "principal", "due", day(pc->due),
			 "amount", money(pc->amount), "unpaid", money(pc->unpaid), "paid", parts,
			 "penalty", money(pp->penalty), "penalty_rows", rows);
}

json_t *acctdebt_json(const struct acctdebt *d, bool pieces)
{
	json_t *ages = json_object(), *o, *arr;
	money_kop unpaid_pen = 0;

	for (int a = DEBT_AGE_NOT_DUE; ages && a < DEBT_AGE_END; a++) {
		json_object_set_new(ages, debt_age_name(a),
				    money(d->ages.principal[a] + d->ages.penalty[a]));
		unpaid_pen += d->ages.penalty[a];
	}
	o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:o*}", "account",
		      (json_int_t)d->account, "date", day(d->at), "balance", money(d->balance),
		      "overdue", money(d->overdue), "ages", ages, "penalties", "accrued",
		      money(d->pen.total), "charged", money(d->penalty_charged), "not_charged",
		      money(d->pen.total - d->penalty_charged), "unpaid", money(unpaid_pen),
		      "last_payment",
		      d->last_payment == CAL_DAY_NONE
			      ? NULL
			      : json_pack("{s:o, s:o}", "date", day(d->last_payment), "amount",
					  money(d->last_payment_amt)));
	if (!o || !pieces)
		return o;
	arr = json_array();
	for (size_t i = 0; arr && i < d->alloc.npieces; i++)
		json_array_append_new(arr, piece_json(d, i));
	json_object_set_new(o, "pieces", arr);
	json_object_set_new(o, "advance", money(d->alloc.advance));
	return o;
}
