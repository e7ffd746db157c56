/*
 * billrun_util.c - calls, records, readings and lookups for the billing
 * run's integration tests. See billrun_util.h.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_util.h"
#include "billrun_util.h"
#include "journal.h"
#include "kv.h"

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;

	ck_assert_int_ge(vasprintf(&s, fmt, ap), 0);
	return s;
}

/* The whole answer of method with args (text), parsed. */
static json_t *answer(struct harness *h, const char *method, const char *args)
{
	char *text = harness_rpc(h, method, args, 60000);
	json_t *ans;

	if (!text)
		harness_dump_logs(h);
	ck_assert_msg(text != NULL, "%s: no answer", method);
	ans = json_loads(text, 0, NULL);
	ck_assert_msg(ans != NULL, "%s: %s", method, text);
	free(text);
	return ans;
}

json_t *br_call(struct harness *h, const char *method, const char *fmt, ...)
{
	va_list ap;
	char *args;
	json_t *ans, *res;

	va_start(ap, fmt);
	args = vfmt(fmt, ap);
	va_end(ap);
	ans = answer(h, method, args);
	res = json_incref(json_object_get(ans, "result"));
	if (!res) {
		char *t = json_dumps(ans, JSON_COMPACT);

		ck_abort_msg("%s %.300s: %s", method, args, t);
	}
	free(args);
	json_decref(ans);
	return res;
}

void br_refused(struct harness *h, const char *method, const char *code, const char *want,
		const char *fmt, ...)
{
	va_list ap;
	char *args;
	json_t *ans, *e;
	const char *c, *m;

	va_start(ap, fmt);
	args = vfmt(fmt, ap);
	va_end(ap);
	ans = answer(h, method, args);
	e = json_object_get(ans, "error");
	c = json_string_value(json_object_get(e, "code"));
	m = json_string_value(json_object_get(e, "message"));
	ck_assert_msg(e && c && !strcmp(c, code), "%s %.300s: expected %s, got %s %s", method, args,
		      code, c ? c : "success", m ? m : "");
	ck_assert_msg(m && !strncmp(m, want, strlen(want)), "%s: \"%s\", expected \"%s...\"",
		      method, m ? m : "", want);
	free(args);
	json_decref(ans);
}

long long br_create(struct harness *h, const char *kind, const char *fmt, ...)
{
	va_list ap;
	char *fields, method[64];
	json_t *r;
	long long id;

	va_start(ap, fmt);
	fields = vfmt(fmt, ap);
	va_end(ap);
	snprintf(method, sizeof method, "billing/%s.create", kind);
	r = br_call(h, method, "{\"actor\":\"accountant\",%s}", fields);
	id = json_integer_value(json_object_get(r, "id"));
	ck_assert_int_gt(id, 0);
	json_decref(r);
	free(fields);
	return id;
}

long long br_org(struct harness *h)
{
	long long org = br_create(h, "org", BR_ORG);

	br_create(h, "rate",
		  "\"org\":%lld,\"kind\":\"key_rate\",\"from\":\"2020-01-01\",\"rate\":\"16.00\"",
		  org);
	return org;
}

long long br_service(struct harness *h, long long org, const char *code, const char *name,
		     const char *unit, const char *more)
{
	return br_create(h, "service",
			 "\"org\":%lld,\"code\":\"%s\",\"name\":\"%s\",\"unit\":\"%s\"%s%s", org,
			 code, name, unit, *more ? "," : "", more);
}

long long br_tariff(struct harness *h, long long org, long long service, const char *name,
		    const char *kind, const char *fields)
{
	long long t = br_create(h, "tariff",
				"\"org\":%lld,\"service\":%lld,\"name\":\"%s\",\"kind\":\"%s\"",
				org, service, name, kind);

	return br_create(h, "tariff.version", "\"tariff\":%lld,\"from\":\"2020-01-01\",%s", t,
			 fields);
}

void br_journal(struct harness *h, long long account,
		int (*fn)(const struct journal_entry *e, void *arg), void *arg)
{
	char path[512];
	kv *k;
	journal *j;
	MDB_txn *txn;

	snprintf(path, sizeof path, "%s/data/billing", h->dir);
	ck_assert_int_eq(kv_open(&k, path, NULL), 0);
	ck_assert_int_eq(journal_open(&j, k), 0);
	ck_assert_int_eq(kv_read_begin(k, &txn), 0);
	ck_assert_int_eq(journal_scan(j, txn, (uint32_t)account, NULL, NULL, fn, arg), 0);
	mdb_txn_abort(txn);
	journal_close(j);
	kv_close(k);
}

pid_t br_billing_start(struct harness *h, const char *const *args, const char *const *env)
{
	static const char *const none[] = { NULL };
	pid_t p;
	char *st;

	harness_clear_inbox(h);
	p = harness_spawn_env(h, "amr-billing", args ? args : none, env);
	ck_assert_int_gt(p, 0);
	st = harness_wait_message(h, "amr/v1/svc/billing/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-billing did not come online");
	free(st);
	return p;
}

void feed_init(struct feed *f, struct harness *h, int obj)
{
	memset(f, 0, sizeof *f);
	f->h = h;
	f->obj = obj;
}

char *feed_batch(struct feed *f, int64_t ts, const struct feed_reading *r, size_t n)
{
	json_t *b, *rs = json_array();
	char *text;

	for (size_t i = 0; i < n; i++) {
		int a = r[i].addr, c = r[i].ch;
		uint32_t d = f->seen[a][c] ? r[i].delta : 0;

		if (!f->seen[a][c])
			f->total[a][c] = 1000u * (uint32_t)a + (uint32_t)c;
		f->seen[a][c] = true;
		f->total[a][c] += d;
		json_array_append_new(rs, json_pack("{s:i, s:i, s:I, s:I, s:i}", "addr", a, "ch", c,
						    "total", (json_int_t)f->total[a][c], "delta",
						    (json_int_t)d, "period_ms", 900));
	}
	f->seq++;
	b = json_pack("{s:I, s:I, s:o, s:[], s:[], s:i, s:I}", "seq", (json_int_t)f->seq, "ts",
		      (json_int_t)ts, "readings", rs, "devices", "events", "obj", f->obj, "rx",
		      (json_int_t)ts);
	text = json_dumps(b, JSON_COMPACT);
	ck_assert_ptr_nonnull(text);
	json_decref(b);
	return text;
}

void feed_send(struct feed *f, int64_t ts, const struct feed_reading *r, size_t n)
{
	char topic[64], *text = feed_batch(f, ts, r, n);

	snprintf(topic, sizeof topic, "amr/v1/readings/%d", f->obj);
	arc_publish(f->h, topic, text);
	arc_wait_ack(f->h, f->obj, f->seq, 15000);
	free(text);
}

void br_channel_unit(struct harness *h, const char *channel, const char *unit, int den)
{
	json_decref(
		br_call(h, "archive/registry.set",
			"{\"id\":\"%s\",\"actor\":\"test\",\"reason\":\"meter\",\"unit\":\"%s\","
			"\"weight\":{\"num\":1,\"den\":%d,\"valid_from\":0}}",
			channel, unit, den));
}

char *br_consumption(struct harness *h, const char *channel, int64_t from, int64_t to)
{
	json_t *r = br_call(h, "archive/consumption",
			    "{\"channels\":[\"%s\"],\"from\":%lld,\"to\":%lld}", channel,
			    (long long)from, (long long)to);
	const char *q = json_string_value(
		json_object_get(json_array_get(json_object_get(r, "items"), 0), "quantity"));
	char *s;

	ck_assert_ptr_nonnull(q);
	s = strdup(q);
	json_decref(r);
	return s;
}

json_t *br_line(const json_t *inv, long long premises, const char *code, const char *basis,
		const char *line)
{
	json_t *p, *l;
	size_t i, k;

	json_array_foreach(json_object_get(inv, "premises"), i, p) {
		if (premises && json_integer_value(json_object_get(p, "premises")) != premises)
			continue;
		json_array_foreach(json_object_get(p, "lines"), k, l) {
			const char *ln = json_string_value(json_object_get(l, "line"));

			if (strcmp(json_string_value(json_object_get(l, "code")), code) ||
			    (basis &&
			     strcmp(json_string_value(json_object_get(l, "basis")), basis)) ||
			    (line && strcmp(ln ? ln : "", line)))
				continue;
			return l;
		}
	}
	return NULL;
}

const char *br_qty(const json_t *inv, long long premises, const char *code, const char *basis,
		   const char *line)
{
	json_t *l = br_line(inv, premises, code, basis, line);

	ck_assert_msg(l != NULL, "invoice %s: no %s line of premises %lld (%s)",
		      json_string_value(json_object_get(inv, "id")), code, premises,
		      basis ? basis : "any basis");
	return json_string_value(json_object_get(l, "quantity"));
}

json_t *br_invoice(struct harness *h, const char *period, long long building, long long account)
{
	return br_call(h, "billing/invoice.get", "{\"id\":\"%s/%lld/%lld\"}", period, building,
		       account);
}

char *br_sum(char *buf, int dec, const char *const *q, size_t n)
{
	long long total = 0, p = 1;

	for (int i = 0; i < dec; i++)
		p *= 10;
	for (size_t i = 0; i < n; i++) {
		const char *dot = strchr(q[i], '.');
		long long whole = atoll(q[i]), frac = 0;
		int d = 0;

		for (const char *c = dot ? dot + 1 : ""; *c; c++, d++)
			frac = frac * 10 + (*c - '0');
		ck_assert_int_le(d, dec);
		for (; d < dec; d++)
			frac *= 10;
		total += (q[i][0] == '-' ? -1 : 1) * (llabs(whole) * p + frac);
	}
	snprintf(buf, 64, "%s%lld.%0*lld", total < 0 ? "-" : "", llabs(total) / p, dec,
		 llabs(total) % p);
	return buf;
}

long long br_milli(const char *s)
{
	const char *dot;

	ck_assert_ptr_nonnull(s);
	dot = strchr(s, '.');
	ck_assert_msg(dot && strlen(dot + 1) == 3, "%s: not 3 decimals", s);
	return (s[0] == '-' ? -1 : 1) * (llabs(atoll(s)) * 1000 + atoll(dot + 1));
}
