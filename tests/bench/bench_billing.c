/*
 * bench_billing - the monthly billing run of a large building: how long
 * run.draft, run.issue, an account's invoices and the building's receipts
 * take.
 *
 *   bench_billing [accounts] [readings a month]
 *
 * Starts its own Mosquitto (tests/harness), fills amr-billing's LMDB
 * environment directly through ledger.c (one organisation, one building
 * of `accounts` flats, each held by one account and metered for cold and
 * hot water, electricity on two zones and heat: 4 channels a flat, 100
 * flats an object), starts a real amr-archive and feeds it the month
 * before this one, `readings` times a month per channel (canonical
 * batches of 400 readings, one per object each time), gives every
 * channel its unit (archive/registry.set, many at once), then starts
 * amr-billing and times:
 *
 *   - run.draft of the building and month (the archive asked for 4 x
 *     `accounts` channels in batches, every invoice computed and stored);
 *   - the same draft again (warm);
 *   - run.issue (a journal charge per invoice, one transaction);
 *   - invoice.list of one account, 200 times (an account's statement of
 *     invoices), p50 and p99;
 *   - billing/receipts of the building: every receipt gathered, drawn as
 *     one PDF by a render worker and fetched in chunks, then once more
 *     (the file kept).
 *
 * The set-up is not timed. Figures and the command: docs/benchmarks.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "harness.h"
#include "ledger.h"
#include "log.h"
#include "loop.h"
#include "month.h"
#include "mq.h"
#include "rpc.h"
#include "rpc_file.h"

#define PER_OBJ 100 /* flats an object (UO-4 addresses 1..100) */
#define WINDOW	500 /* registry.set calls in flight */

struct fill {
	ledger *l;
	int accounts;
	int rc;
};

static int put(ledger *l, MDB_txn *txn, enum model_kind k, json_t *rec, const char *uniq,
	       uint32_t *id)
{
	uint32_t holder;
	int rc;

	if ((rc = ledger_new_id(l, txn, k, id)))
		return rc;
	json_object_set_new(rec, "id", json_integer(*id));
	json_object_set_new(rec, "created", json_integer(1767225600));
	json_object_set_new(rec, "updated", json_integer(1767225600));
	if (uniq && (rc = ledger_claim(l, txn, uniq, *id, &holder)))
		return rc;
	rc = ledger_put(l, txn, k, *id, rec);
	json_decref(rec);
	return rc;
}

/* The building's records, as billrpc.c would have stored them. */
static int fill_txn(MDB_txn *txn, void *arg)
{
	struct fill *f = arg;
	static const char *const codes[] = { "cold_water", "hot_water", "electricity", "heat" };
	static const char *const units[] = { "m3", "m3", "kWh", "Gcal" };
	uint32_t org, bld, svc[4], tariff, id, p, a;
	json_t *objects = json_array();
	char key[64], num[16];
	int rc, nobj = (f->accounts + PER_OBJ - 1) / PER_OBJ;

	if ((rc = put(f->l, txn, MODEL_ORG,
		      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", "ТСЖ «Большой дом»",
				"inn", "7707083893", "kpp", "773601001", "account",
				"40703810538000001234", "bank", "ПАО Сбербанк", "bik", "044525225",
				"corr_account", "30101810400000000225"),
		      NULL, &org)))
		return rc;
	for (int o = 1; o <= nobj; o++)
		json_array_append_new(objects, json_integer(o));
	if ((rc = put(f->l, txn, MODEL_BUILDING,
		      json_pack("{s:I, s:s, s:s, s:o}", "org", (json_int_t)org, "address",
				"пр. Ленина, 1", "tz", "Europe/Moscow", "objects", objects),
		      NULL, &bld)))
		return rc;
	for (int s = 0; s < 4; s++) {
		json_t *v;

		if ((rc = put(f->l, txn, MODEL_SERVICE,
			      json_pack("{s:I, s:s, s:s, s:s, s:b}", "org", (json_int_t)org, "code",
					codes[s], "name", codes[s], "unit", units[s], "metered", 1),
			      NULL, &svc[s])))
			return rc;
		snprintf(key, sizeof key, "tariff %u:%s", org, codes[s]);
		if ((rc = put(f->l, txn, MODEL_TARIFF,
			      json_pack("{s:I, s:I, s:s, s:s}", "org", (json_int_t)org, "service",
					(json_int_t)svc[s], "name", codes[s], "kind",
					s == 2 ? "tou2" : "per_unit"),
			      key, &tariff)))
			return rc;
		v = s == 2 ? json_pack("{s:I, s:s, s:{s:s, s:s}, s:[{s:s, s:s, s:s}, {s:s, s:s, "
				       "s:s}]}",
				       "tariff", (json_int_t)tariff, "from", "2020-01-01", "prices",
				       "day", "6.43", "night", "2.86", "zones", "zone", "day",
				       "from", "07:00", "to", "23:00", "zone", "night", "from",
				       "23:00", "to", "07:00")
			   : json_pack("{s:I, s:s, s:s}", "tariff", (json_int_t)tariff, "from",
				       "2020-01-01", "price", s == 3 ? "2564.51" : "42.30");
		if ((rc = put(f->l, txn, MODEL_TARIFF_VERSION, v, NULL, &id)))
			return rc;
	}
	for (int i = 0; i < f->accounts; i++) {
		snprintf(num, sizeof num, "%d", i + 1);
		snprintf(key, sizeof key, "premises %u:%s", bld, num);
		if ((rc = put(f->l, txn, MODEL_PREMISES,
			      json_pack("{s:I, s:s, s:s, s:s, s:i}", "building", (json_int_t)bld,
					"number", num, "kind", "flat", "area", "54.30", "residents",
					2),
			      key, &p)))
			return rc;
		snprintf(key, sizeof key, "account %u:%s", org, num);
		if ((rc = put(f->l, txn, MODEL_ACCOUNT,
			      json_pack("{s:I, s:s, s:{s:s, s:s}, s:[{s:I, s:s}]}", "org",
					(json_int_t)org, "number", num, "holder", "type", "person",
					"name", "Жилец", "premises", "premises", (json_int_t)p,
					"from", "2020-01-01"),
			      key, &a)))
			return rc;
		for (int s = 0; s < 4; s++) {
			char chan[24];

			snprintf(chan, sizeof chan, "%d.%d.%d", i / PER_OBJ + 1, i % PER_OBJ + 1,
				 s + 1);
			if ((rc = put(f->l, txn, MODEL_METER,
				      json_pack("{s:I, s:I, s:s, s:s}", "premises", (json_int_t)p,
						"service", (json_int_t)svc[s], "channel", chan,
						"from", "2020-01-01"),
				      NULL, &id)))
				return rc;
		}
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static loop *L; /* the benchmark's loop */
static bool up;

static void on_up(void *ctx)
{
	(void)ctx;
	up = true;
}

static void stop_now(void *arg)
{
	*(bool *)arg = true;
}

/* Acks of the archive: the highest seq of each object. */
static uint64_t acked[700];
static int nacked, nobjects;
static uint64_t want_seq;
static bool all_acked;

static void on_ack(void *ctx, const struct mq_msg *msg)
{
	unsigned obj;
	json_t *v = json_loadb(msg->payload, msg->len, 0, NULL);
	uint64_t seq = (uint64_t)json_integer_value(json_object_get(v, "seq"));

	(void)ctx;
	json_decref(v);
	if (sscanf(msg->topic, "amr/v1/gw/%u/ack", &obj) != 1 || obj >= 700)
		return;
	if (acked[obj] < want_seq && seq >= want_seq && ++nacked == nobjects)
		all_acked = true;
	if (seq > acked[obj])
		acked[obj] = seq;
}

/* Run the loop for ms. */
static void spin(unsigned ms)
{
	bool t = false;
	uint64_t id = loop_timer_add(L, ms, false, stop_now, &t);

	loop_run_until(L, &t);
	loop_timer_cancel(L, id);
}

/* Publish one canonical batch of object obj: a reading of each of its
 * channels (the first of all: delta 0). */
static int publish_batch(mq *m, int obj, uint64_t seq, int64_t ts, int nch, uint32_t *totals)
{
	json_t *rs = json_array(), *b;
	char topic[64], *text;
	int rc;

	for (int c = 0; c < nch; c++) {
		uint32_t d = seq == 1 ? 0 : (uint32_t)((seq * 7 + (uint64_t)c * 13) % 40 + 5);

		totals[c] += d;
		json_array_append_new(rs, json_pack("{s:i, s:i, s:I, s:I, s:i}", "addr", c / 4 + 1,
						    "ch", c % 4 + 1, "total", (json_int_t)totals[c],
						    "delta", (json_int_t)d, "period_ms", 900));
	}
	b = json_pack("{s:I, s:I, s:o, s:[], s:[], s:i, s:I}", "seq", (json_int_t)seq, "ts",
		      (json_int_t)ts, "readings", rs, "devices", "events", "obj", obj, "rx",
		      (json_int_t)ts);
	text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	snprintf(topic, sizeof topic, "amr/v1/readings/%d", obj);
	while ((rc = mq_publish(m, topic, text, strlen(text), 1, false)) == AMR_EFULL)
		spin(5);
	free(text);
	return rc;
}

/* Feed the month t[0..days]: a first reading before it, then `readings`
 * batches per object spread over it (02:00 and 14:00 local by turns, so
 * both zones count), and wait until the archive has them all. */
static int feed(mq *m, int accounts, const int64_t *t, int days, int readings)
{
	uint32_t *totals;
	double t0;
	bool timeout = false;
	uint64_t id;

	t0 = now_s();
	nobjects = (accounts + PER_OBJ - 1) / PER_OBJ;
	if (nobjects >= 700 || !(totals = calloc((size_t)nobjects * PER_OBJ * 4, sizeof *totals)))
		return -1;
	for (int c = 0; c < nobjects * PER_OBJ * 4; c++)
		totals[c] = 1000u + (uint32_t)c;
	for (int b = 0; b <= readings; b++) {
		int64_t ts = b == 0 ? t[0] - 3600
				    : t[(b - 1) * days / readings] + (b % 2 ? 2 : 14) * 3600;

		for (int o = 1; o <= nobjects; o++) {
			int nch = (o < nobjects ? PER_OBJ : accounts - (o - 1) * PER_OBJ) * 4;

			if (publish_batch(m, o, (uint64_t)b + 1, ts, nch,
					  totals + (size_t)(o - 1) * PER_OBJ * 4)) {
				free(totals);
				return -1;
			}
		}
	}
	free(totals);
	want_seq = (uint64_t)readings + 1;
	id = loop_timer_add(L, 600000, false, stop_now, &timeout);
	while (!all_acked && !timeout)
		loop_run_until(L, &all_acked);
	loop_timer_cancel(L, id);
	printf("fed %d batches of up to %d readings in %.1f s\n", (readings + 1) * nobjects,
	       PER_OBJ * 4, now_s() - t0);
	return all_acked ? 0 : -1;
}

/* registry.set of every channel, WINDOW at a time. */
static int answers, failures;

static void on_set(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	(void)ctx;
	(void)result;
	answers++;
	if (err && failures++ < 3)
		fprintf(stderr, "bench: registry.set: %s: %s\n", code, message);
}

static int units(rpc *r, int accounts)
{
	static const char *const unit[] = { "m3", "m3", "kWh", "Gcal" };
	static const int den[] = { 100, 100, 100, 100000 };
	int n = accounts * 4, sent = 0;
	double t0 = now_s();

	answers = failures = 0;
	while (answers < n && !failures) {
		while (sent < n && sent - answers < WINDOW) {
			char id[24];
			int i = sent / 4, s = sent % 4;

			snprintf(id, sizeof id, "%d.%d.%d", i / PER_OBJ + 1, i % PER_OBJ + 1,
				 s + 1);
			if (rpc_call(r, "archive/registry.set",
				     json_pack("{s:s, s:s, s:s, s:s, s:{s:i, s:i, s:i}}", "id", id,
					       "actor", "bench", "reason", "meter", "unit", unit[s],
					       "weight", "num", 1, "den", den[s], "valid_from", 0),
				     60000, on_set, NULL))
				return -1;
			sent++;
		}
		spin(2);
	}
	printf("registry.set of %d channels in %.1f s\n", n, now_s() - t0);
	return failures ? -1 : 0;
}

/* One call, timed; prints the error. */
static int timed(rpc *r, const char *method, json_t *args, double *secs, json_t **res)
{
	char *code = NULL, *message = NULL;
	double t0 = now_s();
	int rc = rpc_call_wait(r, method, args, 600000, res, &code, &message);

	*secs = now_s() - t0;
	if (rc)
		fprintf(stderr, "bench: %s: %s: %s\n", method, code, message);
	free(code);
	free(message);
	return rc;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* A sink that only counts the bytes. */
static int count_sink(void *ctx, const void *data, size_t len)
{
	(void)data;
	*(size_t *)ctx += len;
	return 0;
}

/* The building's receipts as one PDF through billing/receipts, the whole
 * way a person's amrctl takes: gathered, drawn by a worker, fetched in
 * chunks; then again, the file kept. */
static int receipts(rpc *r, const char *period, int accounts)
{
	for (int pass = 0; pass < 2; pass++) {
		struct rpc_file_info info;
		char args[120], *code = NULL, *message = NULL;
		size_t bytes = 0;
		double t0 = now_s(), s;
		int rc;

		snprintf(args, sizeof args, "{\"building\":1,\"period\":\"%s\"}", period);
		rc = rpc_file_fetch_wait(r, "billing/receipts", json_loads(args, 0, NULL), 600000,
					 0, count_sink, &bytes, &info, &code, &message);
		s = now_s() - t0;
		if (rc) {
			fprintf(stderr, "bench: billing/receipts: %s: %s\n", code, message);
			free(code);
			free(message);
			return rc;
		}
		printf("receipts of %d accounts%s: one PDF of %zu bytes in %.2f s, %.0f pages/s\n",
		       accounts, pass ? " (kept)" : "", bytes, s, accounts / s);
	}
	return 0;
}

static int measure(rpc *r, const char *period, int accounts)
{
	json_t *res = NULL;
	double s, lists[200];
	char args[160];
	int rc;

	for (int pass = 0; pass < 2; pass++) {
		snprintf(args, sizeof args,
			 "{\"building\":1,\"period\":\"%s\",\"actor\":\"bench\"}", period);
		if ((rc = timed(r, "billing/run.draft", json_loads(args, 0, NULL), &s, &res)))
			return rc;
		printf("run.draft %s: %lld invoices, total %s, lines %s, in %.2f s%s\n", period,
		       (long long)json_integer_value(json_object_get(res, "invoices")),
		       json_string_value(json_object_get(res, "total")),
		       json_dumps(json_object_get(res, "lines"), JSON_COMPACT), s,
		       pass ? " (again)" : "");
		json_decref(res);
	}
	snprintf(args, sizeof args, "{\"building\":1,\"period\":\"%s\",\"actor\":\"bench\"}",
		 period);
	if ((rc = timed(r, "billing/run.issue", json_loads(args, 0, NULL), &s, &res)))
		return rc;
	printf("run.issue: %.2f s\n", s);
	json_decref(res);
	for (int i = 0; i < 200; i++) {
		snprintf(args, sizeof args, "{\"account\":%d}", 1 + (i * 7919) % accounts);
		if ((rc = timed(r, "billing/invoice.list", json_loads(args, 0, NULL), &lists[i],
				&res)))
			return rc;
		json_decref(res);
	}
	qsort(lists, 200, sizeof *lists, cmp_double);
	printf("invoice.list of one account x 200: p50 %.2f ms, p99 %.2f ms\n", lists[100] * 1e3,
	       lists[198] * 1e3);
	return receipts(r, period, accounts);
}

/* amr-billing's own account of its drafts: where the time went. */
static void print_log_lines(const struct harness *h)
{
	char path[400], line[1024];
	FILE *f;

	snprintf(path, sizeof path, "%s/amr-billing.log", h->dir);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof line, f))
		if (strstr(line, "run.draft building") || strstr(line, "run.issue building"))
			fputs(strstr(line, "run."), stdout);
	fclose(f);
}

int main(int argc, char **argv)
{
	static struct harness h;
	int accounts = argc > 1 ? atoi(argv[1]) : 10000, readings = argc > 2 ? atoi(argv[2]) : 10;
	struct mq_opts o = { .host = "127.0.0.1",
			     .client_id = "bench-billing",
			     .clean_session = true };
	struct fill f = { NULL, accounts, 0 };
	struct month cur, last;
	char dir[400], period[8];
	int64_t t[32];
	time_t now = time(NULL) + 3 * 3600;
	struct tm tm;
	bool timeout = false;
	uint64_t id;
	mq *m = NULL;
	rpc *r = NULL;
	int rc = 1;

	if (accounts < 1 || accounts > 60000 || readings < 1 || readings > 60) {
		fprintf(stderr, "usage: bench_billing [accounts 1..60000] [readings 1..60]\n");
		return 2;
	}
	log_init("bench", LOG_LVL_ERROR);
	gmtime_r(&now, &tm);
	cur = (struct month){ tm.tm_year + 1900, tm.tm_mon + 1 };
	last = month_add(cur, -1);
	month_format(&last, period);
	if (month_utc_days(&last, "Europe/Moscow", t) || loop_create(&L) || harness_start(&h))
		return 1;
	snprintf(dir, sizeof dir, "%s/data/billing", h.dir);
	if (ledger_open(&f.l, dir)) {
		fprintf(stderr, "bench: cannot open %s\n", dir);
		goto out;
	}
	{
		double t0 = now_s();

		if (kv_write(ledger_kv(f.l), fill_txn, &f)) {
			fprintf(stderr, "bench: cannot fill amr-billing's records\n");
			goto out;
		}
		printf("amr-billing: %d flats and accounts, %d meters written in %.1f s\n",
		       accounts, accounts * 4, now_s() - t0);
	}
	ledger_close(f.l);
	f.l = NULL;
	if (harness_spawn(&h, "amr-archive", (const char *[]){ "--log-level=warn", NULL }) < 0 ||
	    !harness_wait_message(&h, "amr/v1/svc/archive/status", "\"online\":true", 20000)) {
		fprintf(stderr, "bench: archive did not come online\n");
		goto out;
	}
	o.port = h.mqtt_port;
	o.on_connect = on_up;
	if (mq_create(&m, L, &o) || rpc_create(&r, m, L) ||
	    mq_subscribe(m, "amr/v1/gw/+/ack", 1, on_ack, NULL))
		goto out;
	id = loop_timer_add(L, 10000, false, stop_now, &timeout);
	while (!up && !timeout)
		loop_run_until(L, &up);
	loop_timer_cancel(L, id);
	if (!up || feed(m, accounts, t, month_days(&last), readings) || units(r, accounts))
		goto out;
	if (harness_spawn(&h, "amr-billing", (const char *[]){ "--archive-timeout=120000", NULL }) <
		    0 ||
	    !harness_wait_message(&h, "amr/v1/svc/billing/status", "\"online\":true", 20000)) {
		fprintf(stderr, "bench: billing did not come online\n");
		goto out;
	}
	rc = measure(r, period, accounts);
	print_log_lines(&h);
out:
	if (rc)
		harness_dump_logs(&h);
	ledger_close(f.l);
	rpc_destroy(r);
	mq_destroy(m);
	harness_stop(&h);
	loop_destroy(L);
	return rc;
}
