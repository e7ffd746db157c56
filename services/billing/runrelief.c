/*
 * runrelief.c - an account's benefits, subsidies and instalments on its
 * invoice (docs/billing.md, "Benefits, subsidies and instalments").
 *
 * They come after the month's own lines of a service (meter, average,
 * norm, house, ОДН, fixed) and before the recalculations and
 * adjustments, which correct other months and keep those months' terms:
 *
 *   benefit    percent of the service's own lines on each premises,
 *              rounded once per premises; a line "benefit" taking it off;
 *   subsidy    an amount a month taken off the service's own lines, the
 *              premises in invoice order, never more than they add up to;
 *   instalment in its first month a line taking amount off the service's
 *              charge (never more than the charge left after benefits),
 *              then one part a month for months months: amount / months,
 *              the kopecks left over on the first parts, with the
 *              interest of the month on what is still owed (rate %
 *              a year / 12, none with the first part, which is paid with
 *              the month it was spread from). An account that leaves the
 *              building with the period pays every part left.
 *
 * A part is billed only when the invoice of the instalment's first month
 * deferred that very amount (run__reliefs_read), so an instalment entered
 * after its month was issued, or changed since, bills nothing and says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rates.h"
#include "runint.h"

static const char *str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/* An instalment as its record has it (already checked by the model). */
struct inst {
	uint32_t service;
	struct month from;
	char period[MONTH_LEN]; /* from as "2026-11" */
	int months;
	money_kop amount;
	int32_t rate; /* 1/100 % a year */
	const char *reason;
};

static bool inst_read(const json_t *v, struct inst *in)
{
	const char *from = str(v, "from");
	char ym[MONTH_LEN];
	struct jv_err e;

	in->service = (uint32_t)json_integer_value(json_object_get(v, "service"));
	in->months = (int)json_integer_value(json_object_get(v, "months"));
	in->reason = str(v, "reason");
	in->rate = 0;
	if (!from || strlen(from) < 7 || in->months < MODEL_INSTALMENT_MONTHS_MIN)
		return false;
	snprintf(ym, sizeof ym, "%.7s", from);
	if (month_parse(ym, "from", &in->from, &e) ||
	    money_parse(str(v, "amount") ?: "", "amount", false, &in->amount, &e) ||
	    (str(v, "rate") && rates_pct_parse(str(v, "rate"), "rate", &in->rate, &e)))
		return false;
	month_format(&in->from, in->period);
	return true;
}

/* The deferral line of service s and month period in issued invoice inv:
 * its amount (> 0), or -1. */
static money_kop deferral_in(const json_t *inv, uint32_t s, const char *period)
{
	json_t *p, *l;
	size_t i, k;
	money_kop sum = 0;
	bool found = false;

	if (strcmp(str(inv, "state") ?: "", "issued"))
		return -1;
	json_array_foreach(json_object_get(inv, "premises"), i, p)
		json_array_foreach(json_object_get(p, "lines"), k, l) {
			json_t *in = json_object_get(l, "instalment");
			struct jv_err e;
			money_kop a;

			if (strcmp(str(l, "basis") ?: "", "instalment") ||
			    (uint32_t)json_integer_value(json_object_get(l, "service")) != s ||
			    json_object_get(in, "part") || strcmp(str(in, "from") ?: "", period) ||
			    money_parse(str(l, "amount") ?: "", "amount", true, &a, &e))
				continue;
			sum -= a;
			found = true;
		}
	return found ? sum : -1;
}

/* Does rec hold one of the building's premises after the period? */
static bool stays(const struct run *r, const json_t *rec)
{
	char next[11];
	json_t *e;
	size_t i;

	month_date(&r->ctx[0].m, r->ctx[0].days, next);
	json_array_foreach(json_object_get(rec, "premises"), i, e) {
		uint32_t id = (uint32_t)json_integer_value(json_object_get(e, "premises"));
		const char *to = str(e, "to");

		if (to && strcmp(to, next) <= 0)
			continue;
		for (size_t p = 0; p < r->npremises; p++)
			if (r->premises[p].id == id)
				return true;
	}
	return false;
}

int run__reliefs_read(struct run *r, invstore *is, MDB_txn *txn)
{
	for (size_t a = 0; a < r->naccounts; a++) {
		struct run__account *ac = &r->accounts[a];
		json_t *arr = json_object_get(ac->rec, "instalments"), *v;
		size_t i;

		if (!ac->rec)
			continue;
		ac->leaves = !stays(r, ac->rec);
		if (!json_array_size(arr))
			continue;
		if (!(ac->deferred = calloc(json_array_size(arr), sizeof *ac->deferred)))
			return AMR_ENOMEM;
		json_array_foreach(arr, i, v) {
			struct inst in;
			json_t *inv = NULL;
			int k, rc;

			ac->deferred[i] = -1;
			if (!inst_read(v, &in))
				continue;
			k = month_diff(&in.from, &r->ctx[0].m);
			if (k < 1 || k >= in.months)
				continue;
			rc = invstore_invoice_get(is, txn, r->building, in.period, ac->id, &inv);
			if (rc == AMR_ENOTFOUND)
				continue;
			if (rc)
				return rc;
			ac->deferred[i] = deferral_in(inv, in.service, in.period);
			json_decref(inv);
		}
	}
	return AMR_OK;
}

/* What one premises entry of an invoice owes of one service this month. */
struct base {
	json_t *entry;		       /* the invoice's premises entry (borrowed) */
	const struct run__service *sv; /* the service */
	money_kop own;		       /* its own lines of the month */
	money_kop left;		       /* what the reliefs have not taken yet */
};

struct reliefs {
	struct run *r;
	size_t acc;
	struct base *b;
	size_t n, cap;
};

static bool own_line(const char *basis)
{
	static const char *const own[] = {
		"meter", "average", "norm", "house", "odn", "fixed", NULL
	};

	for (size_t i = 0; own[i]; i++)
		if (!strcmp(basis, own[i]))
			return true;
	return false;
}

/* The month's own lines of the account's invoice, by premises and service. */
static amr_err bases(struct reliefs *x)
{
	json_t *p, *l;
	size_t i, k;

	json_array_foreach(json_object_get(x->r->accounts[x->acc].inv, "premises"), i, p)
		json_array_foreach(json_object_get(p, "lines"), k, l) {
			uint32_t id = (uint32_t)json_integer_value(json_object_get(l, "service"));
			const struct run__service *sv = run__service_find(x->r, id);
			struct jv_err e;
			struct base *b = NULL;
			money_kop a;

			if (!sv || !own_line(str(l, "basis") ?: "") ||
			    money_parse(str(l, "amount") ?: "", "amount", true, &a, &e))
				continue;
			for (size_t j = 0; j < x->n; j++)
				if (x->b[j].entry == p && x->b[j].sv == sv)
					b = &x->b[j];
			if (!b) {
				if (!(x->b = run__grow(x->b, x->n, &x->cap, sizeof *x->b)))
					return AMR_ENOMEM;
				b = &x->b[x->n++];
				*b = (struct base){ p, sv, 0, 0 };
			}
			b->own += a;
			b->left += a;
		}
	return AMR_OK;
}

/* A line of basis b taking amount off (or, > 0, adding it to) service
 * sv on entry, with reason; more members (taken) merged in. */
static amr_err add(struct reliefs *x, json_t *entry, const struct run__service *sv,
		   enum basis_kind b, money_kop amount, const char *reason, json_t *more)
{
	struct money_qty zero = { 0, 0 };
	json_t *l = run__line(sv, b, "", &zero, 0, amount);

	if (!l) {
		json_decref(more);
		return AMR_ENOMEM;
	}
	json_object_del(l, "quantity");
	json_object_del(l, "unit");
	json_object_del(l, "price");
	if (reason)
		json_object_set_new(l, "reason", json_string(reason));
	if (more && json_object_update(l, more)) {
		json_decref(more);
		json_decref(l);
		return AMR_ENOMEM;
	}
	json_decref(more);
	return run__add_line(x->r, x->acc, entry, l, b, amount);
}

/* Is the relief v in force in the period? */
static bool in_force(const struct run *r, const json_t *v)
{
	char first[11];
	const char *to = str(v, "to");

	month_date(&r->ctx[0].m, 0, first);
	return strcmp(str(v, "from") ?: "9999", first) <= 0 && (!to || strcmp(first, to) < 0);
}

static amr_err benefit(struct reliefs *x, const json_t *v)
{
	uint32_t s = (uint32_t)json_integer_value(json_object_get(v, "service"));
	bool subsidy = !strcmp(str(v, "kind") ?: "", "subsidy");
	money_kop rest = 0;
	int32_t pct = 0;
	struct jv_err e;
	amr_err rc;

	if (subsidy ? money_parse(str(v, "amount") ?: "", "amount", false, &rest, &e)
		    : rates_pct_parse(str(v, "percent") ?: "", "percent", &pct, &e))
		return AMR_OK; /* the model refused it when it was written */
	for (size_t j = 0; j < x->n; j++) {
		struct base *b = &x->b[j];
		money_kop take;

		if (b->sv->id != s || b->left <= 0)
			continue;
		if (subsidy)
			take = rest < b->left ? rest : b->left;
		else
			take = (money_kop)money_round_div((__int128)b->own * pct, 10000);
		if (take > b->left)
			take = b->left;
		if (take <= 0)
			continue;
		rc = add(x, b->entry, b->sv, subsidy ? BASIS_SUBSIDY : BASIS_BENEFIT, -take,
			 str(v, "reason"),
			 subsidy ? NULL : json_pack("{s:s}", "percent", str(v, "percent")));
		if (rc)
			return rc;
		b->left -= take;
		rest -= take;
	}
	return AMR_OK;
}

/* The instalment's description on its lines (new value). */
static json_t *inst_json(const struct inst *in, const json_t *v)
{
	char a[MONEY_STR_MAX];

	return json_pack("{s:s, s:s, s:i, s:s}", "from", in->period, "amount",
			 money_format(in->amount, a), "months", in->months, "rate",
			 str(v, "rate") ?: "0");
}

/* In the instalment's first month: the amount taken off the service's
 * charge left, premises in order; false when it is not there. */
static amr_err defer(struct reliefs *x, const struct inst *in, const json_t *v, bool *done)
{
	money_kop left = 0, rest = in->amount;
	amr_err rc;

	*done = false;
	for (size_t j = 0; j < x->n; j++)
		if (x->b[j].sv->id == in->service && x->b[j].left > 0)
			left += x->b[j].left;
	if (left < in->amount) {
		const struct run__service *sv = run__service_find(x->r, in->service);
		char a[MONEY_STR_MAX], l[MONEY_STR_MAX];

		run__warn(x->r,
			  "account %s: the instalment of %s from %s spreads %s, more than the "
			  "service's charge of the month, %s; not spread",
			  x->r->accounts[x->acc].number, sv ? sv->name : "a service", in->period,
			  money_format(in->amount, a), money_format(left, l));
		return AMR_OK;
	}
	for (size_t j = 0; j < x->n && rest > 0; j++) {
		struct base *b = &x->b[j];
		money_kop take = rest < b->left ? rest : b->left;

		if (b->sv->id != in->service || take <= 0)
			continue;
		if ((rc = add(x, b->entry, b->sv, BASIS_INSTALMENT, -take, in->reason,
			      json_pack("{s:o}", "instalment", inst_json(in, v)))))
			return rc;
		b->left -= take;
		rest -= take;
	}
	*done = true;
	return AMR_OK;
}

/* The first entry of the account on the invoice: its first holding's. */
static json_t *first_entry(struct run *r, size_t acc)
{
	for (size_t h = 0; h < r->nholdings; h++)
		if (r->holdings[h].acc == acc)
			return run__entry(r, h);
	return NULL;
}

/* Part k (0..months-1) of the instalment. */
static amr_err part(struct reliefs *x, const struct inst *in, const json_t *v, int k)
{
	struct run *r = x->r;
	const struct run__service *sv = run__service_find(r, in->service);
	money_kop each = in->amount / in->months, extra = in->amount % in->months;
	money_kop paid = each * k + (k < extra ? k : extra), owed = in->amount - paid;
	money_kop principal = each + (k < extra ? 1 : 0), interest = 0;
	char p[MONEY_STR_MAX], i[MONEY_STR_MAX], l[MONEY_STR_MAX];
	json_t *more, *desc;
	bool last = k == in->months - 1;

	if (!sv) {
		run__warn(r,
			  "account %s: the instalment from %s bills service %u, which has no "
			  "tariff; its part is not billed",
			  r->accounts[x->acc].number, in->period, in->service);
		return AMR_OK;
	}
	if (k > 0)
		interest = (money_kop)money_round_div((__int128)owed * in->rate, 12 * 10000);
	if (r->accounts[x->acc].leaves && !last) {
		principal = owed; /* leaving: every part left is due now */
		last = true;
	}
	if (!(desc = inst_json(in, v)))
		return AMR_ENOMEM;
	json_object_set_new(desc, "part", json_integer(k + 1));
	json_object_set_new(desc, "principal", json_string(money_format(principal, p)));
	json_object_set_new(desc, "interest", json_string(money_format(interest, i)));
	json_object_set_new(desc, "left", json_string(money_format(owed - principal, l)));
	if (last && k < in->months - 1)
		json_object_set_new(desc, "early", json_true());
	if (!(more = json_pack("{s:o}", "instalment", desc)))
		return AMR_ENOMEM;
	return add(x, first_entry(r, x->acc), sv, BASIS_INSTALMENT, principal + interest,
		   in->reason, more);
}

static amr_err instalment(struct reliefs *x, const json_t *v, size_t i)
{
	struct run__account *ac = &x->r->accounts[x->acc];
	struct inst in;
	bool done;
	amr_err rc;
	int k;

	if (!inst_read(v, &in))
		return AMR_OK;
	k = month_diff(&in.from, &x->r->ctx[0].m);
	if (k < 0 || k >= in.months)
		return AMR_OK;
	if (k == 0) {
		if ((rc = defer(x, &in, v, &done)) || !done)
			return rc;
		return part(x, &in, v, 0);
	}
	if (!ac->deferred || ac->deferred[i] != in.amount) {
		char a[MONEY_STR_MAX];

		run__warn(x->r,
			  "account %s: the instalment of %s from %s was not spread on that "
			  "month's issued invoice%s; its part %d is not billed",
			  ac->number, money_format(in.amount, a), in.period,
			  ac->deferred && ac->deferred[i] > 0 ? " with this amount" : "", k + 1);
		return AMR_OK;
	}
	return part(x, &in, v, k);
}

amr_err run__reliefs(struct run *r)
{
	amr_err rc = AMR_OK;

	for (size_t a = 0; a < r->naccounts && !rc; a++) {
		struct reliefs x = { .r = r, .acc = a };
		json_t *arr, *v;
		size_t i;

		if (!r->accounts[a].rec)
			continue;
		if (r->accounts[a].inv && (rc = bases(&x)))
			break;
		arr = json_object_get(r->accounts[a].rec, "benefits");
		json_array_foreach(arr, i, v) {
			if (in_force(r, v) && (rc = benefit(&x, v)))
				break;
		}
		arr = json_object_get(r->accounts[a].rec, "instalments");
		json_array_foreach(arr, i, v) {
			if (!rc && (rc = instalment(&x, v, i)))
				break;
		}
		free(x.b);
	}
	return rc;
}
