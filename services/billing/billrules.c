/*
 * billrules.c - the rules between records that a record's own table
 * cannot see: every record it names exists and is of its organisation, a
 * channel measures one premises at a time, ownership shares never pass
 * the whole, versions of a tariff never overlap, a tariff keeps its kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billrules.h"
#include "tariff.h"
#include "units.h"

static const char *str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static long long num(const json_t *o, const char *name)
{
	return json_integer_value(json_object_get(o, name));
}

/* Look up each record rec refers to. */
static int refs_exist(const struct billrules *c, MDB_txn *txn, const struct model_refs *refs)
{
	for (size_t i = 0; i < refs->n; i++) {
		json_t *r = NULL;
		int rc = ledger_get(c->l, txn, refs->r[i].kind, refs->r[i].id, &r);

		json_decref(r);
		if (rc == AMR_ENOTFOUND)
			return jv_fail(c->err, "%s: there is no %s %u", refs->r[i].field,
				       model_kind_name(refs->r[i].kind), refs->r[i].id);
		if (rc)
			return rc;
	}
	return 0;
}

struct overlap {
	uint32_t self;	   /* the record being changed (0: a new one) */
	const json_t *rec; /* its new version */
	const char *same;  /* the member that must be equal to conflict */
	uint32_t hit;	   /* the record it conflicts with */
	json_t *other;	   /* a copy of it */
};

/* a and b equal, or both absent (json_equal() is false for two NULLs) */
static bool same(const json_t *a, const json_t *b)
{
	return (!a && !b) || json_equal(a, b);
}

/* A record of the same kind holding the same `same` over a period that
 * shares a day with rec's. */
static int overlap_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct overlap *o = arg;

	if (id == o->self || !same(json_object_get(rec, o->same), json_object_get(o->rec, o->same)))
		return 0;
	if (!same(json_object_get(rec, "source"), json_object_get(o->rec, "source")))
		return 0;
	if (!model_periods_overlap(str(o->rec, "from"), str(o->rec, "to"), str(rec, "from"),
				   str(rec, "to")))
		return 0;
	o->hit = id;
	o->other = json_deep_copy(rec);
	return 1;
}

static int find_overlap(const struct billrules *c, MDB_txn *txn, const json_t *rec,
			const char *same, struct overlap *o)
{
	*o = (struct overlap){ c->create ? 0 : c->id, rec, same, 0, NULL };
	return ledger_scan(c->l, txn, c->k, 0, overlap_fn, o);
}

/* A meter's initial reading has at most the decimals the archive gives
 * its service's unit (3 for m3 and kWh, 6 for MWh, Gcal and GJ). */
static int initial_ok(const struct billrules *c, const json_t *rec, const json_t *svc)
{
	const char *initial = str(rec, "initial"), *unit = str(svc, "unit");
	int dec = units_unit_decimals(unit ? unit : "");
	struct money_qty q;
	struct jv_err e;

	if (!initial || money_qty_parse(initial, "initial", &q, &e) || dec < 0 || q.dec <= dec)
		return 0;
	return jv_fail(c->err,
		       "initial: \"%s\" has more than %d decimals, the archive's decimals of "
		       "a quantity in %s",
		       initial, dec, unit);
}

/* A channel measures one premises' service at a time. */
static int meter_rules(const struct billrules *c, MDB_txn *txn, const json_t *rec)
{
	json_t *svc = NULL;
	struct overlap o;
	int rc = ledger_get(c->l, txn, MODEL_SERVICE, (uint32_t)num(rec, "service"), &svc);

	if (rc)
		return rc;
	if (!json_is_true(json_object_get(svc, "metered"))) {
		rc = jv_fail(c->err,
			     "service: %lld (%s) is not metered; a meter measures cold "
			     "or hot water, electricity, heat or gas",
			     num(rec, "service"), str(svc, "name"));
		json_decref(svc);
		return rc;
	}
	rc = initial_ok(c, rec, svc);
	json_decref(svc);
	if (rc || (rc = find_overlap(c, txn, rec, "channel", &o)))
		return rc;
	if (o.hit) {
		rc = jv_fail(c->err,
			     "channel: %s is assigned to premises %lld from %s%s%s already "
			     "(meter %u); end that assignment first (its to)",
			     str(rec, "channel"), num(o.other, "premises"), str(o.other, "from"),
			     str(o.other, "to") ? " to " : "",
			     str(o.other, "to") ? str(o.other, "to") : "", o.hit);
		json_decref(o.other);
	}
	return rc;
}

/* One account's holding of a premises: an entry of its "premises". */
struct holding {
	uint32_t account;	/* whose (0: the account being changed) */
	char from[11], to[11];	/* [from, to), to "" when open */
	unsigned long num, den; /* its share, num/den */
};

#define MAX_HOLDINGS 64 /* holdings of one premises looked at */

struct holdings {
	long long premises;		/* which */
	uint32_t self;			/* the account being changed (0: new) */
	struct holding h[MAX_HOLDINGS]; /* every account's, the new version's too */
	size_t n;
};

/* A share as stored ("1", "3/10"; none: the whole), checked by model_check. */
static void share_of(const json_t *entry, unsigned long *num, unsigned long *den)
{
	const char *s = str(entry, "share");

	*num = *den = 1;
	if (s && sscanf(s, "%lu/%lu", num, den) < 1)
		*num = *den = 1;
}

static void add_holding(struct holdings *hs, uint32_t account, const json_t *entry)
{
	struct holding *h;

	if (hs->n >= MAX_HOLDINGS || num(entry, "premises") != hs->premises)
		return;
	h = &hs->h[hs->n++];
	h->account = account;
	snprintf(h->from, sizeof h->from, "%s", str(entry, "from") ? str(entry, "from") : "");
	snprintf(h->to, sizeof h->to, "%s", str(entry, "to") ? str(entry, "to") : "");
	share_of(entry, &h->num, &h->den);
}

static int holdings_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct holdings *hs = arg;
	size_t i;
	json_t *e;

	if (id == hs->self)
		return 0; /* its new version is added by the caller */
	json_array_foreach(json_object_get(rec, "premises"), i, e)
		add_holding(hs, id, e);
	return 0;
}

static unsigned long long gcd(unsigned long long a, unsigned long long b)
{
	while (b) {
		unsigned long long t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Ownership shares of one premises never add up to more than the whole on
 * any day: checked on the day each holding starts, where a sum can rise. */
static int share_rules(const struct billrules *c, MDB_txn *txn, const json_t *rec)
{
	static struct holdings hs; /* large; the loop thread's alone */
	size_t i, k;
	json_t *e, *mine;
	int rc;

	json_array_foreach(json_object_get(rec, "premises"), i, e) {
		hs = (struct holdings){ .premises = num(e, "premises"),
					.self = c->create ? 0 : c->id };
		if ((rc = ledger_scan(c->l, txn, MODEL_ACCOUNT, 0, holdings_fn, &hs)))
			return rc;
		json_array_foreach(json_object_get(rec, "premises"), k, mine)
			add_holding(&hs, hs.self, mine);
		for (size_t d = 0; d < hs.n; d++) {
			const char *day = hs.h[d].from;
			unsigned long long p = 0, q = 1; /* the sum, p/q */
			char who[160] = "";
			size_t used = 0;

			for (size_t j = 0; j < hs.n; j++) {
				const struct holding *h = &hs.h[j];
				unsigned long long g;

				if (strcmp(h->from, day) > 0 ||
				    (h->to[0] && strcmp(day, h->to) >= 0))
					continue; /* not held that day */
				p = p * h->den + h->num * q;
				q *= h->den;
				g = gcd(p, q);
				p /= g;
				q /= g;
				if (q > (1ull << 40))
					return jv_fail(c->err,
						       "premises: the ownership shares of premises "
						       "%lld on %s have too many different "
						       "denominators to add up",
						       hs.premises, day);
				if (used >= sizeof who)
					continue;
				if (h->account)
					used += (size_t)snprintf(who + used, sizeof who - used,
								 "%saccount %u %lu/%lu",
								 used ? ", " : "", h->account,
								 h->num, h->den);
				else
					used += (size_t)snprintf(who + used, sizeof who - used,
								 "%sthis account %lu/%lu",
								 used ? ", " : "", h->num, h->den);
			}
			if (p > q)
				return jv_fail(
					c->err,
					"premises: the ownership shares of premises %lld add "
					"up to %llu/%llu on %s, more than the whole (%s); "
					"end one holding first (its to)",
					hs.premises, p, q, day, who);
		}
	}
	return 0;
}

/* A version's prices are those of its tariff's kind; versions of one
 * tariff never overlap. */
static int version_rules(const struct billrules *c, MDB_txn *txn, const json_t *rec)
{
	json_t *t = NULL;
	struct tariff_version v;
	struct overlap o;
	int kind, rc = ledger_get(c->l, txn, MODEL_TARIFF, (uint32_t)num(rec, "tariff"), &t);

	if (rc)
		return rc;
	kind = tariff_kind_parse(str(t, "kind"));
	json_decref(t);
	if (kind < 0 || tariff_version_parse((enum tariff_kind)kind, rec, &v, c->err))
		return AMR_EINVAL;
	if ((rc = find_overlap(c, txn, rec, "tariff", &o)))
		return rc;
	if (o.hit) {
		rc = jv_fail(c->err,
			     "from: [%s, %s) overlaps version %u of tariff %lld, [%s, %s); two "
			     "versions of one tariff may not overlap (end the other with its to)",
			     str(rec, "from"), str(rec, "to") ? str(rec, "to") : "open", o.hit,
			     num(rec, "tariff"), str(o.other, "from"),
			     str(o.other, "to") ? str(o.other, "to") : "open");
		json_decref(o.other);
	}
	return rc;
}

/* The organisation record k id belongs to, following its references up
 * (a premises to its building to the building's org) into *org. */
static int org_of(const struct billrules *c, MDB_txn *txn, enum model_kind k, uint32_t id,
		  uint32_t *org)
{
	static const struct {
		enum model_kind k;   /* a kind without an org of its own */
		const char *up;	     /* the field naming what it belongs to */
		enum model_kind upk; /* and its kind */
	} up[] = {
		{ MODEL_PREMISES, "building", MODEL_BUILDING },
		{ MODEL_METER, "premises", MODEL_PREMISES },
		{ MODEL_TARIFF_VERSION, "tariff", MODEL_TARIFF },
	};

	for (int depth = 0; depth < 4; depth++) {
		json_t *r = NULL;
		size_t i;
		int rc;

		if (k == MODEL_ORG) {
			*org = id;
			return 0;
		}
		if ((rc = ledger_get(c->l, txn, k, id, &r)))
			return rc;
		for (i = 0; i < sizeof up / sizeof up[0] && up[i].k != k; i++)
			;
		if (i == sizeof up / sizeof up[0]) {
			*org = (uint32_t)num(r, "org");
			json_decref(r);
			return 0;
		}
		id = (uint32_t)num(r, up[i].up);
		k = up[i].upk;
		json_decref(r);
	}
	return AMR_EDB;
}

/* Everything a record names belongs to one organisation: an account's
 * premises are in its organisation's buildings, a meter's service is the
 * premises' organisation's, and so on. */
static int org_rules(const struct billrules *c, MDB_txn *txn, const json_t *rec,
		     const struct model_refs *refs)
{
	uint32_t own = 0, o;
	int rc;

	if (json_is_integer(json_object_get(rec, "org")))
		own = (uint32_t)num(rec, "org");
	for (size_t i = 0; i < refs->n; i++) {
		if ((rc = org_of(c, txn, refs->r[i].kind, refs->r[i].id, &o)))
			return rc;
		if (!own)
			own = o;
		else if (o != own)
			return jv_fail(c->err,
				       "%s: %s %u belongs to organisation %u, not to organisation "
				       "%u as the rest of this %s",
				       refs->r[i].field, model_kind_name(refs->r[i].kind),
				       refs->r[i].id, o, own, model_kind_name(c->k));
	}
	return 0;
}

int billrules_check(const struct billrules *c, MDB_txn *txn, const json_t *before,
		    const json_t *rec, const struct model_refs *refs)
{
	int rc;

	if ((rc = refs_exist(c, txn, refs)) || (rc = org_rules(c, txn, rec, refs)))
		return rc;
	if (before && c->k == MODEL_TARIFF && strcmp(str(before, "kind"), str(rec, "kind")))
		return jv_fail(c->err, "kind: a tariff keeps its kind (%s); make a new tariff",
			       str(before, "kind"));
	if (c->k == MODEL_METER)
		return meter_rules(c, txn, rec);
	if (c->k == MODEL_ACCOUNT)
		return share_rules(c, txn, rec);
	if (c->k == MODEL_TARIFF_VERSION)
		return version_rules(c, txn, rec);
	return 0;
}
