/*
 * acctchan.c - billing/account.channels: the archive channels that
 * measured the premises of some accounts while each account held them,
 * for amr-web to derive a tenant's view of the metering from
 * (docs/web.md, "A tenant's scope").
 *
 * A channel is listed over the days both its meter assignment and the
 * account's holding cover, as UTC seconds [from, to) of the building's
 * local days; to is null while both are open; "output" is the UO-4
 * output that cuts the meter's supply, when it names one. Only meters of the local
 * archive are listed (no "source"): another metering system's channel
 * ids are not the portal's. Read only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acctchan.h"
#include "billrpc.h"
#include "calendar.h"
#include "log.h"
#include "tzone.h"

#define ACCTCHAN_ACCOUNTS_MAX 64  /* accounts of one call */
#define ACCTCHAN_HELD_MAX     256 /* holdings they hold, added up */

struct acctchan {
	struct svc *s; /* borrowed */
	ledger *l;     /* borrowed */
};

amr_err acctchan_create(acctchan **out, struct svc *s, ledger *l)
{
	acctchan *a = calloc(1, sizeof *a);

	if (!a)
		return AMR_ENOMEM;
	a->s = s;
	a->l = l;
	*out = a;
	return AMR_OK;
}

void acctchan_destroy(acctchan *a)
{
	free(a);
}

/* One holding: an account held a premises over [d0, d1). */
struct held {
	uint32_t account, premises;
	cal_day d0, d1;
	const tzone_rules *tz; /* its building's zone */
};

struct plan {
	ledger *l;
	MDB_txn *txn;
	struct held held[ACCTCHAN_HELD_MAX];
	size_t n;
	json_t *channels; /* the answer's list */
	struct jv_err *err;
};

/* [d0, d1) of rec's "from" and optional "to". */
static void span_of(const json_t *rec, cal_day *d0, cal_day *d1)
{
	const char *to = json_string_value(json_object_get(rec, "to"));

	*d0 = 0;
	*d1 = CAL_DAY_OPEN;
	cal_day_parse(json_string_value(json_object_get(rec, "from")), d0);
	if (to)
		cal_day_parse(to, d1);
}

/* The zone of premises pid's building, or the service's own (--tz). */
static const tzone_rules *zone_of(struct plan *p, uint32_t pid)
{
	const tzone_rules *z = NULL;
	json_t *pr = NULL, *b = NULL;
	const char *tz;

	if (!ledger_get(p->l, p->txn, MODEL_PREMISES, pid, &pr))
		ledger_get(p->l, p->txn, MODEL_BUILDING,
			   (uint32_t)json_integer_value(json_object_get(pr, "building")), &b);
	tz = json_string_value(json_object_get(b, "tz"));
	if (tzone_rules_get(tz ? tz : tzone_name(), &z))
		tzone_rules_get(tzone_name(), &z);
	json_decref(pr);
	json_decref(b);
	return z;
}

static int add_holdings(struct plan *p, uint32_t account, const json_t *acc)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(acc, "premises"), i, h) {
		struct held *x = &p->held[p->n];

		if (p->n == ACCTCHAN_HELD_MAX)
			return jv_fail(p->err, "accounts: they hold more than %d premises in all",
				       ACCTCHAN_HELD_MAX);
		x->account = account;
		x->premises = (uint32_t)json_integer_value(json_object_get(h, "premises"));
		span_of(h, &x->d0, &x->d1);
		if (!(x->tz = zone_of(p, x->premises)))
			return AMR_ENOMEM;
		p->n++;
	}
	return 0;
}

/* ledger_scan of meters: a local meter of a held premises, over the days
 * both cover. */
static int meter_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct plan *p = arg;
	const char *source = json_string_value(json_object_get(rec, "source"));
	const char *channel = json_string_value(json_object_get(rec, "channel"));
	uint32_t pid = (uint32_t)json_integer_value(json_object_get(rec, "premises"));
	cal_day d0, d1;

	if ((source && *source) || !channel)
		return 0;
	span_of(rec, &d0, &d1);
	for (size_t i = 0; i < p->n; i++) {
		const struct held *h = &p->held[i];
		cal_day a = d0 > h->d0 ? d0 : h->d0, b = d1 < h->d1 ? d1 : h->d1;
		json_t *e;

		if (h->premises != pid || a >= b)
			continue;
		e = json_pack(
			"{s:s, s:I, s:o, s:I, s:I, s:I, s:I, s:O?}", "channel", channel, "from",
			(json_int_t)tzone_date_start(h->tz, a), "to",
			b == CAL_DAY_OPEN ? json_null()
					  : json_integer((json_int_t)tzone_date_start(h->tz, b)),
			"account", (json_int_t)h->account, "premises", (json_int_t)pid, "service",
			(json_int_t)json_integer_value(json_object_get(rec, "service")), "meter",
			(json_int_t)id, "output", json_object_get(rec, "output"));
		if (!e || json_array_append_new(p->channels, e))
			return AMR_ENOMEM;
	}
	return 0;
}

static int channels_of(acctchan *a, const json_t *args, json_t **out, struct jv_err *err)
{
	static const char *const fields[] = { "accounts", NULL };
	const json_t *list = json_object_get(args, "accounts");
	struct plan *p;
	json_t *e, *missing;
	size_t i;
	int rc;

	if ((rc = jv_only(args, fields, err)))
		return rc;
	if (!json_is_array(list) || json_array_size(list) > ACCTCHAN_ACCOUNTS_MAX)
		return jv_fail(err, "accounts: expected an array of at most %d account ids",
			       ACCTCHAN_ACCOUNTS_MAX);
	json_array_foreach(list, i, e)
		if (!json_is_integer(e) || json_integer_value(e) < 1 ||
		    json_integer_value(e) > MODEL_ID_MAX)
			return jv_fail(err, "accounts[%zu]: expected an account id 1..%u", i,
				       MODEL_ID_MAX);
	if (!(p = calloc(1, sizeof *p)))
		return AMR_ENOMEM;
	*p = (struct plan){ a->l, NULL, { { 0 } }, 0, json_array(), err };
	missing = json_array();
	if (!p->channels || !missing) {
		rc = AMR_ENOMEM;
		goto out;
	}
	if ((rc = kv_read_begin(ledger_kv(a->l), &p->txn)))
		goto out;
	json_array_foreach(list, i, e) {
		json_t *acc = NULL;
		uint32_t id = (uint32_t)json_integer_value(e);

		rc = ledger_get(a->l, p->txn, MODEL_ACCOUNT, id, &acc);
		if (rc == AMR_ENOTFOUND) {
			rc = json_array_append_new(missing, json_integer(id)) ? AMR_ENOMEM : 0;
		} else if (!rc) {
			rc = add_holdings(p, id, acc);
		}
		json_decref(acc);
		if (rc)
			goto out;
	}
	if ((rc = ledger_scan(a->l, p->txn, MODEL_METER, 0, meter_fn, p)))
		goto out;
	if (!(*out = json_pack("{s:O, s:O}", "channels", p->channels, "missing", missing)))
		rc = AMR_ENOMEM;
out:
	if (p->txn)
		mdb_txn_abort(p->txn);
	json_decref(p->channels);
	json_decref(missing);
	free(p);
	return rc;
}

static void m_channels(void *ctx, rpc_req *req, json_t *args)
{
	acctchan *a = ctx;
	struct jv_err err = { "" };
	json_t *res = NULL;
	int rc = channels_of(a, args, &res, &err);

	billrpc_reply(a->s, "account.channels", req, rc, &err, res);
}

const struct rpc_method acctchan_methods[] = {
	{ "account.channels", m_channels,
	  "{accounts}: the local archive channels that measured the accounts' premises while "
	  "they held them: [{channel,from,to|null,account,premises,service,meter,output?}] in "
	  "UTC "
	  "seconds, and the ids that are no account (missing)" },
};
const size_t acctchan_nmethods = sizeof acctchan_methods / sizeof acctchan_methods[0];
