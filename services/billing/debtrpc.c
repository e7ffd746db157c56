/*
 * debtrpc.c - an account's debt and the debtors list, read from the
 * journal in one read transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acctarg.h"
#include "acctdebt.h"
#include "debtrpc.h"
#include "billrpc.h"
#include "log.h"

#define DEBTORS_LIMIT	  1000	/* rows in a debtors answer by default */
#define DEBTORS_LIMIT_MAX 10000 /* and at most */

struct debtrpc {
	struct svc *s; /* borrowed */
	ledger *l;     /* borrowed */
	journal *j;    /* borrowed */
};

amr_err debtrpc_create(debtrpc **out, struct svc *s, ledger *l, journal *j)
{
	debtrpc *d = calloc(1, sizeof *d);

	if (!d)
		return AMR_ENOMEM;
	d->s = s;
	d->l = l;
	d->j = j;
	*out = d;
	return AMR_OK;
}

void debtrpc_destroy(debtrpc *d)
{
	free(d);
}

/* "date" of args, or today when absent. */
static int date_arg(const json_t *args, cal_day *at, struct jv_err *err)
{
	const char *s;
	int rc = jv_str(args, "date", false, NULL, 10, 10, &s, err);

	if (rc)
		return rc;
	if (!s) { /* today in the service's zone (--tz), as payments take it */
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		*at = cal_day_of(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		return 0;
	}
	if (!cal_day_parse(s, at))
		return jv_fail(err, "date: \"%s\" is not a date (YYYY-MM-DD)", s);
	return 0;
}

static void m_account_debt(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "account", "org", "number", "date", "pieces", NULL };
	debtrpc *d = ctx;
	struct jv_err err = { "" };
	struct acctdebt_tables t = { 0 };
	struct acctdebt ad = { 0 };
	json_t *acc = NULL, *res = NULL;
	uint32_t id;
	bool pieces;
	cal_day at;
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = jv_only(args, fields, &err)) || (rc = date_arg(args, &at, &err)) ||
	    (rc = jv_bool(args, "pieces", false, true, &pieces, &err)) ||
	    (rc = kv_read_begin(ledger_kv(d->l), &txn)) ||
	    (rc = acctarg_get(d->l, txn, args, &id, &acc, &err)))
		goto out_reply;
	if ((rc = acctdebt_tables_load(
		     d->l, txn, (uint32_t)json_integer_value(json_object_get(acc, "org")), &t)) ||
	    (rc = acctdebt_compute(d->j, txn, id, &t, at, &ad, &err)))
		goto out_reply;
	if (!(res = acctdebt_json(&ad, pieces)))
		rc = AMR_ENOMEM;
	else
		json_object_set(res, "number", json_object_get(acc, "number"));
out_reply:
	if (txn)
		mdb_txn_abort(txn);
	acctdebt_free(&ad);
	acctdebt_tables_free(&t);
	json_decref(acc);
	billrpc_count(d->s, "account.debt", rc == 0);
	rpc_reply_jv(req, rc, &err, res);
}

/* What the debtors list looks at and collects. */
struct debtors {
	ledger *l;
	journal *j;
	MDB_txn *txn;
	const struct acctdebt_tables *t;
	cal_day at;
	uint32_t building;   /* 0: every building */
	json_t *group;	     /* the group record, or NULL */
	json_t *cuts;	     /* premises id -> the outputs that can restrict it */
	json_t *services;    /* service id -> its code */
	money_kop min_debt;  /* rows with at least this overdue */
	json_t *rows;	     /* the rows */
	money_kop total;     /* their overdue added up */
	money_kop penalties; /* their penalties accrued */
	struct jv_err *err;
};

static bool list_has(const json_t *list, uint32_t id)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if ((uint32_t)json_integer_value(v) == id)
			return true;
	return false;
}

/* The premises acc holds at day at: a new array of {"premises","number",
 * "building"}; *in_building and *in_group say whether one of them is in
 * the filter's building and group. */
static int held(struct debtors *s, const json_t *acc, json_t **out, bool *in_building,
		bool *in_group)
{
	json_t *arr = json_array(), *h;
	size_t i;
	int rc = 0;

	*in_building = *in_group = false;
	json_array_foreach(json_object_get(acc, "premises"), i, h) {
		uint32_t pid = (uint32_t)json_integer_value(json_object_get(h, "premises"));
		const char *to = json_string_value(json_object_get(h, "to"));
		cal_day from_d, to_d = CAL_DAY_OPEN;
		json_t *p = NULL;

		cal_day_parse(json_string_value(json_object_get(h, "from")), &from_d);
		if (to)
			cal_day_parse(to, &to_d);
		if (from_d > s->at || to_d <= s->at)
			continue;
		if ((rc = ledger_get(s->l, s->txn, MODEL_PREMISES, pid, &p)))
			break;
		{
			char key[16];
			json_t *cuts;

			snprintf(key, sizeof key, "%u", pid);
			cuts = json_object_get(s->cuts, key);
			json_array_append_new(
				arr, json_pack("{s:I, s:O, s:O, s:o}", "premises", (json_int_t)pid,
					       "number", json_object_get(p, "number"), "building",
					       json_object_get(p, "building"), "restrictable",
					       cuts ? json_incref(cuts) : json_array()));
		}
		*in_building = *in_building ||
			       (uint32_t)json_integer_value(json_object_get(p, "building")) ==
				       s->building;
		*in_group = *in_group ||
			    (s->group && list_has(json_object_get(s->group, "premises"), pid));
		json_decref(p);
	}
	if (rc) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

/* The services the rules let a debt restrict (Правила 354 п. 117, 119):
 * never heating, nor cold water in an apartment building. */
static bool restrictable(const char *code)
{
	static const char *const ok[] = { "hot_water", "electricity", "gas", NULL };

	for (size_t i = 0; code && ok[i]; i++)
		if (!strcmp(code, ok[i]))
			return true;
	return false;
}

static int service_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct debtors *s = arg;
	char key[16];

	snprintf(key, sizeof key, "%u", id);
	return json_object_set(s->services, key, json_object_get(rec, "code")) ? AMR_ENOMEM : 0;
}

/* A meter with an output, in force at the day, of a service that may be
 * restricted: one more way to restrict its premises. */
static int cut_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct debtors *s = arg;
	const char *out = json_string_value(json_object_get(rec, "output"));
	const char *to = json_string_value(json_object_get(rec, "to"));
	char key[16];
	cal_day from_d, to_d = CAL_DAY_OPEN;
	const char *code;
	json_t *list;

	if (!out)
		return 0;
	snprintf(key, sizeof key, "%lld",
		 (long long)json_integer_value(json_object_get(rec, "service")));
	code = json_string_value(json_object_get(s->services, key));
	cal_day_parse(json_string_value(json_object_get(rec, "from")), &from_d);
	if (to)
		cal_day_parse(to, &to_d);
	if (!restrictable(code) || from_d > s->at || to_d <= s->at)
		return 0;
	snprintf(key, sizeof key, "%lld",
		 (long long)json_integer_value(json_object_get(rec, "premises")));
	if (!(list = json_object_get(s->cuts, key))) {
		if (json_object_set_new(s->cuts, key, list = json_array()) || !list)
			return AMR_ENOMEM;
	}
	return json_array_append_new(list,
				     json_pack("{s:s, s:I, s:O, s:s}", "service", code, "meter",
					       (json_int_t)id, "channel",
					       json_object_get(rec, "channel"), "output", out))
		       ? AMR_ENOMEM
		       : 0;
}

static int debtor_fn(uint32_t id, const json_t *acc, void *arg)
{
	struct debtors *s = arg;
	struct acctdebt ad;
	json_t *premises = NULL, *row;
	bool in_building, in_group;
	int rc;

	if ((uint32_t)json_integer_value(json_object_get(acc, "org")) != s->t->org)
		return 0;
	if ((rc = held(s, acc, &premises, &in_building, &in_group)))
		return rc;
	if ((s->building && !in_building) ||
	    (s->group && !in_group && !list_has(json_object_get(s->group, "accounts"), id))) {
		json_decref(premises);
		return 0;
	}
	if ((rc = acctdebt_compute(s->j, s->txn, id, s->t, s->at, &ad, s->err))) {
		json_decref(premises);
		return rc;
	}
	if (ad.overdue <= 0 || ad.overdue < s->min_debt) {
		acctdebt_free(&ad);
		json_decref(premises);
		return 0;
	}
	row = acctdebt_json(&ad, false);
	if (row) {
		json_object_set(row, "number", json_object_get(acc, "number"));
		json_object_set(row, "holder", json_object_get(acc, "holder"));
		json_object_set_new(row, "premises", premises);
		json_object_set_new(row, "overdue_kop", json_integer(ad.overdue));
		premises = NULL;
	}
	s->total += ad.overdue;
	s->penalties += ad.pen.total;
	acctdebt_free(&ad);
	json_decref(premises);
	return !row || json_array_append_new(s->rows, row) ? AMR_ENOMEM : 0;
}

/* The largest debt first; equal debts by account number. */
static int row_cmp(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	json_int_t da = json_integer_value(json_object_get(a, "overdue_kop"));
	json_int_t db = json_integer_value(json_object_get(b, "overdue_kop"));

	if (da != db)
		return da > db ? -1 : 1;
	return strcmp(json_string_value(json_object_get(a, "number")),
		      json_string_value(json_object_get(b, "number")));
}

/* s->rows sorted, cut to limit, into a new answer. */
static json_t *debtors_answer(struct debtors *s, size_t limit)
{
	size_t n = json_array_size(s->rows);
	json_t **v = malloc((n ? n : 1) * sizeof *v), *out = json_array(), *res;
	char buf[CAL_DATE_LEN], m1[MONEY_STR_MAX], m2[MONEY_STR_MAX];

	if (!v || !out) {
		free(v);
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(s->rows, i);
	qsort(v, n, sizeof *v, row_cmp);
	for (size_t i = 0; i < n && i < limit; i++) {
		json_object_del(v[i], "overdue_kop");
		json_array_append(out, v[i]);
	}
	free(v);
	res = json_pack("{s:I, s:s, s:I, s:s, s:s, s:o}", "org", (json_int_t)s->t->org, "date",
			cal_day_format(s->at, buf), "count", (json_int_t)n, "total",
			money_format(s->total, m1), "penalties", money_format(s->penalties, m2),
			"debtors", out);
	if (res && n > limit)
		json_object_set_new(res, "more", json_true());
	return res;
}

int debtrpc_debtors(ledger *l, journal *j, MDB_txn *txn, const json_t *args, json_t **out,
		    struct jv_err *err)
{
	static const char *const fields[] = { "org",	  "date",  "building", "group",
					      "min_debt", "limit", NULL };
	struct acctdebt_tables t = { 0 };
	struct debtors s = { .l = l, .j = j, .txn = txn, .t = &t, .err = err };
	long long org, building, group, limit;
	const char *min_s;
	int rc;

	if ((rc = jv_only(args, fields, err)) ||
	    (rc = jv_int(args, "org", true, 0, 1, MODEL_ID_MAX, &org, err)) ||
	    (rc = date_arg(args, &s.at, err)) ||
	    (rc = jv_int(args, "building", false, 0, 1, MODEL_ID_MAX, &building, err)) ||
	    (rc = jv_int(args, "group", false, 0, 1, MODEL_ID_MAX, &group, err)) ||
	    (rc = jv_int(args, "limit", false, DEBTORS_LIMIT, 1, DEBTORS_LIMIT_MAX, &limit, err)) ||
	    (rc = jv_str(args, "min_debt", false, NULL, 1, 30, &min_s, err)) ||
	    (min_s && (rc = money_parse(min_s, "min_debt", false, &s.min_debt, err))))
		return rc;
	s.building = (uint32_t)building;
	if ((rc = acctdebt_tables_load(l, txn, (uint32_t)org, &t))) {
		if (rc == AMR_ENOTFOUND)
			jv_fail(err, "org: there is no org %lld", org);
		return rc;
	}
	if (building) {
		json_t *b = NULL;

		if ((rc = ledger_get(l, txn, MODEL_BUILDING, (uint32_t)building, &b)) ==
		    AMR_ENOTFOUND)
			jv_fail(err, "building: there is no building %lld", building);
		json_decref(b);
		if (rc)
			goto out_free;
	}
	if (group && (rc = ledger_get(l, txn, MODEL_GROUP, (uint32_t)group, &s.group))) {
		if (rc == AMR_ENOTFOUND)
			jv_fail(err, "group: there is no group %lld", group);
		goto out_free;
	}
	if (s.group && json_integer_value(json_object_get(s.group, "org")) != org) {
		rc = jv_fail(err, "group: group %lld belongs to organisation %lld, not %lld", group,
			     json_integer_value(json_object_get(s.group, "org")), org);
		goto out_free;
	}
	if (!(s.rows = json_array()) || !(s.cuts = json_object()) ||
	    !(s.services = json_object())) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	if ((rc = ledger_scan(l, txn, MODEL_SERVICE, 0, service_fn, &s)) ||
	    (rc = ledger_scan(l, txn, MODEL_METER, 0, cut_fn, &s)) ||
	    (rc = ledger_scan(l, txn, MODEL_ACCOUNT, 0, debtor_fn, &s)))
		goto out_free;
	if (!(*out = debtors_answer(&s, (size_t)limit)))
		rc = AMR_ENOMEM;
out_free:
	json_decref(s.rows);
	json_decref(s.cuts);
	json_decref(s.services);
	json_decref(s.group);
	acctdebt_tables_free(&t);
	return rc;
}

static void m_debtors(void *ctx, rpc_req *req, json_t *args)
{
	debtrpc *d = ctx;
	struct jv_err err = { "" };
	json_t *res = NULL;
	MDB_txn *txn;
	int rc;

	if (!(rc = kv_read_begin(ledger_kv(d->l), &txn))) {
		rc = debtrpc_debtors(d->l, d->j, txn, args, &res, &err);
		mdb_txn_abort(txn);
	}
	billrpc_count(d->s, "debtors", rc == 0);
	rpc_reply_jv(req, rc, &err, res);
}

const struct rpc_method debtrpc_methods[] = {
	{ "account.debt", m_account_debt,
	  "{account|org+number,date?,pieces?}: the account's debt at the end of date (today): balance, "
	  "overdue, ages, penalties, last payment; with pieces (default) what paid each" },
	{ "debtors", m_debtors,
	  "{org,date?,building?,group?,min_debt?,limit?}: the accounts with debt past due, the "
	  "largest first, with ages, penalties and the last payment" },
};
const size_t debtrpc_nmethods = sizeof debtrpc_methods / sizeof debtrpc_methods[0];
