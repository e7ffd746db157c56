/*
 * runline.c - the billing run's lines: amounts, invoice entries, the
 * tariff applied to a holding, quantities prorated by days.
 */
#include <stdio.h>
#include <string.h>

#include "odn.h"
#include "runint.h"

static const int64_t pow10_tab[] = { 1,	     10,      100,	1000,	   10000,
				     100000, 1000000, 10000000, 100000000, 1000000000 };

amr_err run__amount(int64_t price, const struct money_qty *q, unsigned long long num,
		    unsigned long long den, money_kop *out)
{
	__int128 n, d, a;

	/* price <= 10^12, |v| <= 10^18, num <= 10^7: the product stays below
	 * 10^37, inside 127 bits */
	if (price < 0 || q->dec < 0 || q->dec > MONEY_QTY_DEC_MAX || !den || num > 10000000ULL ||
	    den > 10000000ULL)
		return AMR_EINVAL;
	n = (__int128)price * q->v;
	n *= (__int128)num;
	d = (__int128)MONEY_PRICE_SCALE * pow10_tab[q->dec] * (__int128)den;
	a = money_round_div(n, d);
	if (a > MONEY_MAX || a < -MONEY_MAX)
		return AMR_EINVAL;
	*out = (money_kop)a;
	return AMR_OK;
}

bool run__units(const struct money_qty *q, int dec, int64_t *out)
{
	__int128 v;

	if (q->dec > dec || q->dec < 0 || dec > MONEY_QTY_DEC_MAX)
		return false;
	v = (__int128)q->v * pow10_tab[dec - q->dec];
	if (v > MONEY_QTY_MAX || v < -MONEY_QTY_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

struct run__service *run__service_find(const struct run *r, uint32_t id)
{
	for (size_t s = 0; s < r->nservices; s++)
		if (r->services[s].id == id)
			return &r->services[s];
	return NULL;
}

json_t *run__line(const struct run__service *s, enum basis_kind b, const char *name,
		  const struct money_qty *q, int64_t price, money_kop amount)
{
	char qb[MONEY_STR_MAX], pb[MONEY_STR_MAX], ab[MONEY_STR_MAX];
	json_t *l = json_pack("{s:I, s:s, s:s, s:I, s:I, s:s}", "service", (json_int_t)s->id,
			      "code", s->code, "name", s->name, "tariff", (json_int_t)s->tariff,
			      "version", (json_int_t)s->version, "basis", basis_name(b));

	if (!l)
		return NULL;
	if (name && *name)
		json_object_set_new(l, "line", json_string(name));
	json_object_set_new(l, "quantity", json_string(money_qty_format(q, qb)));
	json_object_set_new(l, "unit", json_string(s->unit));
	json_object_set_new(l, "price", json_string(money_price_format(price, pb)));
	json_object_set_new(l, "amount", json_string(money_format(amount, ab)));
	return l;
}

static json_t *invoice_of(struct run *r, size_t acc)
{
	struct run__account *a = &r->accounts[acc];
	char id[INVSTORE_ID_LEN], from[11], to[11];

	if (a->inv)
		return a->inv;
	month_date(&r->ctx[0].m, 0, from);
	month_date(&r->ctx[0].m, r->ctx[0].days, to);
	a->inv = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:[]}", "id",
			   invstore_id_format(id, r->ctx[0].period, r->building, a->id), "period",
			   r->ctx[0].period, "building", (json_int_t)r->building, "account",
			   (json_int_t)a->id, "number", a->number, "holder", a->holder, "state",
			   "draft", "from", from, "to", to, "premises");
	return a->inv;
}

static json_t *new_entry(struct run *r, size_t acc, size_t p, const struct run__holding *h)
{
	const struct run__premises *pr = &r->premises[p];
	json_t *inv = invoice_of(r, acc), *e;
	char area[MONEY_STR_MAX], from[11], to[11];
	struct money_qty aq = { pr->area, 2 };

	if (!inv)
		return NULL;
	e = json_pack("{s:I, s:s, s:s, s:I}", "premises", (json_int_t)pr->id, "number", pr->number,
		      "area", money_qty_format(&aq, area), "residents", (json_int_t)pr->residents);
	if (!e)
		return NULL;
	if (h) {
		json_object_set_new(e, "from", json_string(month_date(&r->ctx[0].m, h->d0, from)));
		json_object_set_new(e, "to", json_string(month_date(&r->ctx[0].m, h->d1, to)));
		json_object_set_new(e, "days", json_integer(h->d1 - h->d0));
		if (h->share[0])
			json_object_set_new(e, "share", json_string(h->share));
	}
	json_object_set_new(e, "lines", json_array());
	if (json_array_append_new(json_object_get(inv, "premises"), e))
		return NULL;
	return e;
}

json_t *run__entry(struct run *r, size_t h)
{
	struct run__holding *hd = &r->holdings[h];

	if (!hd->entry)
		hd->entry = new_entry(r, hd->acc, hd->p, hd);
	return hd->entry;
}

json_t *run__entry_of(struct run *r, size_t acc, size_t p)
{
	json_t *inv = invoice_of(r, acc), *e;
	size_t i;

	for (i = 0; i < r->premises[p].nh; i++) {
		size_t h = r->premises[p].hold[i];

		if (r->holdings[h].acc == acc)
			return run__entry(r, h);
	}
	json_array_foreach(json_object_get(inv, "premises"), i, e)
		if ((uint32_t)json_integer_value(json_object_get(e, "premises")) ==
		    r->premises[p].id)
			return e;
	return new_entry(r, acc, p, NULL);
}

amr_err run__add_line(struct run *r, size_t acc, json_t *entry, json_t *line, enum basis_kind b,
		      money_kop amount)
{
	if (!entry || !line || json_array_append_new(json_object_get(entry, "lines"), line))
		return AMR_ENOMEM;
	r->accounts[acc].total += amount;
	r->nlines[b]++;
	r->amounts[b] += amount;
	return AMR_OK;
}

amr_err run__charge(struct run *r, size_t h, const struct run__service *s, enum basis_kind b,
		    const struct tariff_input *in, unsigned long long fnum, unsigned long long fden,
		    const char *reason)
{
	const struct run__holding *hd = &r->holdings[h];
	struct tariff_line lines[TARIFF_LINES_MAX];
	size_t n;
	amr_err rc;

	if (tariff_charge(&s->v, in, lines, &n)) {
		snprintf(r->failed, sizeof r->failed,
			 "premises %s, service %s: an amount is out of range",
			 r->premises[hd->p].number, s->name);
		return AMR_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		money_kop amount;
		json_t *l;

		if (run__amount(lines[i].price, &lines[i].qty, hd->num * fnum, hd->den * fden,
				&amount)) {
			snprintf(r->failed, sizeof r->failed,
				 "premises %s, service %s: an amount is out of range",
				 r->premises[hd->p].number, s->name);
			return AMR_EINVAL;
		}
		if (!(l = run__line(s, b, lines[i].name, &lines[i].qty, lines[i].price, amount)))
			return AMR_ENOMEM;
		if (hd->share[0])
			json_object_set_new(l, "share", json_string(hd->share));
		if (fnum != fden) {
			json_object_set_new(l, "days", json_integer((json_int_t)fnum));
			json_object_set_new(l, "month_days", json_integer((json_int_t)fden));
		}
		if (reason)
			json_object_set_new(l, "reason", json_string(reason));
		if ((rc = run__add_line(r, hd->acc, run__entry(r, h), l, b, amount)))
			return rc;
	}
	return AMR_OK;
}

amr_err run__prorate(const struct run *r, size_t p, const struct money_qty *q,
		     struct money_qty *parts)
{
	const struct run__premises *pr = &r->premises[p];
	struct odn_span spans[64];
	size_t n = pr->nh < 64 ? pr->nh : 64;
	int64_t total = q->v < 0 ? -q->v : q->v;

	for (size_t i = 0; i < n; i++) {
		const struct run__holding *h = &r->holdings[pr->hold[i]];

		spans[i] = (struct odn_span){ h->d0, h->d1, 0 };
	}
	if (odn_prorate(total, r->ctx[0].days, spans, n))
		return AMR_EINVAL;
	for (size_t i = 0; i < pr->nh; i++)
		parts[i] = (struct money_qty){ i < n ? (q->v < 0 ? -spans[i].part : spans[i].part)
						     : 0,
					       q->dec };
	return AMR_OK;
}
