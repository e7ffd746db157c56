/*
 * report_table.c - what every report is made of: the table and its
 * cells, the arguments reports share (dates, periods, records, a span of
 * an organisation) and the accounts a report goes over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "month.h"
#include "odn.h"
#include "reportint.h"

const char *report__tr(const struct report__ask *q, const char *ru, const char *en)
{
	return q->en ? en : ru;
}

json_t *report__table(const struct report__ask *q, const char *kind, const char *title,
		      const char *subtitle, const struct report__col *cols, size_t n,
		      bool landscape)
{
	json_t *arr = json_array(), *t;
	char made[32];
	time_t now = (time_t)svc_now();
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(made, sizeof made, "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (size_t i = 0; arr && i < n; i++)
		if (json_array_append_new(arr,
					  json_pack("{s:s, s:s, s:s}", "key", cols[i].key, "title",
						    report__tr(q, cols[i].ru, cols[i].en), "type",
						    cols[i].type))) {
			json_decref(arr);
			return NULL;
		}
	t = json_pack("{s:s, s:s, s:s, s:o, s:[], s:s, s:s, s:s}", "report", kind, "title", title,
		      "subtitle", subtitle, "columns", arr, "rows", "orientation",
		      landscape ? "landscape" : "portrait", "made", made, "lang",
		      q->en ? "en" : "ru");
	return t;
}

int report__row(json_t *table, json_t *row)
{
	return row && !json_array_append_new(json_object_get(table, "rows"), row) ? AMR_OK
										  : AMR_ENOMEM;
}

int report__money(json_t *obj, const char *key, money_kop v)
{
	char buf[MONEY_STR_MAX];

	return json_object_set_new(obj, key, json_string(money_format(v, buf))) ? AMR_ENOMEM
										: AMR_OK;
}

int report__qty(json_t *obj, const char *key, const struct money_qty *q)
{
	char buf[MONEY_STR_MAX];

	return json_object_set_new(obj, key, json_string(money_qty_format(q, buf))) ? AMR_ENOMEM
										    : AMR_OK;
}

int report__day(json_t *obj, const char *key, cal_day d)
{
	char buf[CAL_DATE_LEN];

	return json_object_set_new(obj, key, json_string(cal_day_format(d, buf))) ? AMR_ENOMEM
										  : AMR_OK;
}

int report__qty_parse(const char *s, struct money_qty *out)
{
	struct jv_err e;
	bool neg = s && s[0] == '-';

	if (!s || money_qty_parse(s + neg, "quantity", out, &e))
		return AMR_EINVAL;
	if (neg)
		out->v = -out->v;
	return AMR_OK;
}

/* A row and where it was, so that equal keys keep their order. */
struct sorted {
	json_t *row;
	const char *key;
	size_t i;
};

static int row_cmp(const void *pa, const void *pb)
{
	const struct sorted *a = pa, *b = pb;
	int c = odn_number_cmp(a->key, b->key);

	return c ? c : a->i < b->i ? -1 : 1;
}

void report__sort_rows(json_t *table, const char *key)
{
	json_t *rows = json_object_get(table, "rows");
	size_t n = json_array_size(rows);
	struct sorted *v = malloc((n ? n : 1) * sizeof *v);

	if (!v)
		return; /* left in the order they came */
	for (size_t i = 0; i < n; i++) {
		const char *k = json_string_value(json_object_get(json_array_get(rows, i), key));

		v[i] = (struct sorted){ json_incref(json_array_get(rows, i)), k ? k : "", i };
	}
	qsort(v, n, sizeof *v, row_cmp);
	json_array_clear(rows);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows, v[i].row);
	free(v);
}

const char *report__unit(const struct report__ask *q, const char *unit)
{
	static const struct {
		const char *unit, *ru, *en;
	} units[] = {
		{ "m3", "м³", "m³" },	       { "kWh", "кВт·ч", "kWh" },
		{ "MWh", "МВт·ч", "MWh" },     { "Gcal", "Гкал", "Gcal" },
		{ "GJ", "ГДж", "GJ" },	       { "m2", "м²", "m²" },
		{ "person", "чел.", "pers." }, { "month", "мес.", "month" },
	};

	for (size_t i = 0; unit && i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(units[i].unit, unit))
			return report__tr(q, units[i].ru, units[i].en);
	return unit ? unit : "";
}

int report__date(const struct report__ask *q, const char *field, bool required, cal_day *out)
{
	const char *s;

	if (jv_str(q->args, field, required, NULL, 1, 32, &s, q->err))
		return AMR_EINVAL;
	if (!s) { /* today in the service's zone (--tz), as payments take it */
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		*out = cal_day_of(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		return AMR_OK;
	}
	if (!cal_day_parse(s, out))
		return jv_fail(q->err, "%s: \"%s\" is not a date (YYYY-MM-DD)", field, s);
	return AMR_OK;
}

int report__period(const struct report__ask *q, char *period)
{
	const char *s;
	struct month m;

	if (jv_str(q->args, "period", true, NULL, 1, 16, &s, q->err) ||
	    month_parse(s, "period", &m, q->err))
		return AMR_EINVAL;
	month_format(&m, period);
	return AMR_OK;
}

int report__record(const struct report__ask *q, const char *field, enum model_kind k, bool required,
		   uint32_t *id, json_t **rec)
{
	long long v;
	int rc;

	*id = 0;
	*rec = NULL;
	if (jv_int(q->args, field, required, 0, 1, MODEL_ID_MAX, &v, q->err))
		return AMR_EINVAL;
	if (!v)
		return AMR_OK;
	if ((rc = ledger_get(q->r->l, q->txn, k, (uint32_t)v, rec)) == AMR_ENOTFOUND)
		jv_fail(q->err, "%s: there is no %s %lld", field, model_kind_name(k), v);
	*id = (uint32_t)v;
	return rc;
}

int report__building(const struct report__ask *q, uint32_t *id, json_t **b, json_t **org)
{
	int rc;

	*org = NULL;
	if ((rc = report__record(q, "building", MODEL_BUILDING, true, id, b)))
		return rc;
	rc = ledger_get(q->r->l, q->txn, MODEL_ORG,
			(uint32_t)json_integer_value(json_object_get(*b, "org")), org);
	return rc;
}

/* What report__accounts() goes over. */
struct accounts {
	const struct report__ask *q;
	uint32_t org, building;
	json_t *in_building; /* premises id -> its number, the building's (NULL: any) */
	json_t *numbers;     /* premises id -> its number, every one looked up */
	cal_day from, to;
	int (*fn)(const struct report__account *a, void *arg);
	void *arg;
};

/* Every premises' number; the building's also in in_building. */
static int premises_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct accounts *s = arg;
	char key[16];

	snprintf(key, sizeof key, "%u", id);
	if (json_object_set(s->numbers, key, json_object_get(rec, "number")))
		return AMR_ENOMEM;
	if ((uint32_t)json_integer_value(json_object_get(rec, "building")) != s->building)
		return 0;
	return json_object_set(s->in_building, key, json_object_get(rec, "number")) ? AMR_ENOMEM
										    : 0;
}

/* The number of premises id, looked up once. */
static const char *premises_number(struct accounts *s, uint32_t id)
{
	char key[16];
	json_t *v, *p = NULL;

	snprintf(key, sizeof key, "%u", id);
	if ((v = json_object_get(s->numbers, key)))
		return json_string_value(v);
	if (ledger_get(s->q->r->l, s->q->txn, MODEL_PREMISES, id, &p))
		return NULL;
	json_object_set(s->numbers, key, json_object_get(p, "number"));
	json_decref(p);
	return json_string_value(json_object_get(s->numbers, key));
}

static int account_fn(uint32_t id, const json_t *acc, void *arg)
{
	struct accounts *s = arg;
	char held[512] = "";
	bool in = !s->in_building;
	size_t i, len = 0;
	json_t *h;

	if ((uint32_t)json_integer_value(json_object_get(acc, "org")) != s->org)
		return 0;
	json_array_foreach(json_object_get(acc, "premises"), i, h) {
		uint32_t pid = (uint32_t)json_integer_value(json_object_get(h, "premises"));
		const char *to = json_string_value(json_object_get(h, "to")), *num;
		cal_day d0, d1 = CAL_DAY_OPEN;
		char key[16];

		cal_day_parse(json_string_value(json_object_get(h, "from")), &d0);
		if (to)
			cal_day_parse(to, &d1);
		if (d0 > s->to || d1 <= s->from) /* [from, to) of the holding, the span's days */
			continue;
		snprintf(key, sizeof key, "%u", pid);
		if (s->in_building && !json_object_get(s->in_building, key))
			continue;
		in = true;
		if ((num = premises_number(s, pid)) && len + strlen(num) + 3 < sizeof held)
			len += (size_t)snprintf(held + len, sizeof held - len, "%s%s",
						len ? ", " : "", num);
	}
	if (!in)
		return 0;
	return s->fn(&(struct report__account){ id, acc, held }, s->arg);
}

int report__accounts(const struct report__ask *q, uint32_t org, uint32_t building, cal_day from,
		     cal_day to, int (*fn)(const struct report__account *a, void *arg), void *arg)
{
	struct accounts s = { q, org, building, NULL, json_object(), from, to, fn, arg };
	int rc = 0;

	if (!s.numbers)
		return AMR_ENOMEM;
	if (building && !(s.in_building = json_object()))
		rc = AMR_ENOMEM;
	else if (building)
		rc = ledger_scan(q->r->l, q->txn, MODEL_PREMISES, 0, premises_fn, &s);
	if (!rc)
		rc = ledger_scan(q->r->l, q->txn, MODEL_ACCOUNT, 0, account_fn, &s);
	json_decref(s.in_building);
	json_decref(s.numbers);
	return rc;
}

int report__span_args(const struct report__ask *q, struct report__span *sp)
{
	char a[CAL_DATE_LEN], b[CAL_DATE_LEN];
	int rc;

	memset(sp, 0, sizeof *sp);
	if ((rc = report__record(q, "org", MODEL_ORG, true, &sp->org, &sp->org_rec)) ||
	    (rc = report__date(q, "from", true, &sp->from)) ||
	    (rc = report__date(q, "to", true, &sp->to)))
		return rc;
	if (sp->to < sp->from)
		return jv_fail(q->err, "to: %s is before from (%s)", cal_day_format(sp->to, b),
			       cal_day_format(sp->from, a));
	if ((rc = report__record(q, "building", MODEL_BUILDING, false, &sp->building, &sp->b_rec)))
		return rc;
	if (sp->b_rec && (uint32_t)json_integer_value(json_object_get(sp->b_rec, "org")) != sp->org)
		return jv_fail(q->err, "building: building %u belongs to organisation %lld, not %u",
			       sp->building,
			       (long long)json_integer_value(json_object_get(sp->b_rec, "org")),
			       sp->org);
	cal_day_format(sp->from, a);
	cal_day_format(sp->to, b);
	snprintf(sp->subtitle, sizeof sp->subtitle, "%s%s%s, %s – %s",
		 json_string_value(json_object_get(sp->org_rec, "name")) ?: "",
		 sp->b_rec ? ", " : "",
		 sp->b_rec ? json_string_value(json_object_get(sp->b_rec, "address")) ?: "" : "", a,
		 b);
	return AMR_OK;
}

void report__span_free(struct report__span *sp)
{
	json_decref(sp->org_rec);
	json_decref(sp->b_rec);
	sp->org_rec = sp->b_rec = NULL;
}

json_t *report__span_params(const struct report__span *sp)
{
	char a[CAL_DATE_LEN], b[CAL_DATE_LEN];
	json_t *o = json_pack("{s:I, s:s, s:s}", "org", (json_int_t)sp->org, "from",
			      cal_day_format(sp->from, a), "to", cal_day_format(sp->to, b));

	if (o && sp->building && json_object_set_new(o, "building", json_integer(sp->building))) {
		json_decref(o);
		return NULL;
	}
	return o;
}
