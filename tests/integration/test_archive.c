/*
 * Integration tests of amr-archive with a real Mosquitto (tests/harness):
 * duplicates counted once, kill -9 in the middle of a stream loses nothing
 * and counts nothing twice, a year of hourly data by hour, day and month,
 * bad input refused, hot backup and restore.
 *
 * The test process plays the gateway side (archive_util.h): it publishes
 * canonical batches on amr/v1/readings/{obj}, keeps them until
 * amr/v1/gw/{obj}/ack covers them and sends the unacknowledged ones again
 * after a restart, as the gateway's spool does (DESIGN.md 4.3). Batches
 * with "prev" and gaps: test_archive_resend.c.
 */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive_util.h"

static struct harness h;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

static pid_t start_archive(void)
{
	return arc_start(&h, NULL);
}

static json_t *rpc(const char *method, const char *args, char *code, size_t size)
{
	return arc_rpc(&h, method, args, NULL, code, size);
}

START_TEST(batch_delivered_three_times_is_counted_once)
{
	int64_t t0 = (int64_t)time(NULL) - 3600;
	struct agw g;

	start_archive();
	agw_init(&g, &h, 5, 16);
	for (int i = 0; i < 4; i++)
		agw_send(&g, t0 + i * 60);
	arc_wait_ack(&h, 5, 4, 10000);
	/* every batch twice more, as a gateway resends after a lost ack */
	agw_resend(&g, 0);
	agw_resend(&g, 0);
	/* then a new one: its ack comes from a commit that took the repeats
	 * (they reached the archive before it, the same way) or a later one */
	agw_send(&g, t0 + 4 * 60);
	arc_wait_ack(&h, 5, 5, 10000);
	ck_assert_int_eq(arc_metric(&h, "amr_archive_batches_total"), 5);
	ck_assert_int_eq(arc_metric(&h, "amr_archive_duplicates_total"), 8);
	ck_assert_uint_eq(arc_hwm(&h, 5), 5);
	arc_check_conservation(&h, &g);
	agw_free(&g);
}
END_TEST

START_TEST(kill9_midstream_loses_nothing)
{
	int64_t t0 = (int64_t)time(NULL) - 86400;
	uint64_t acked;
	struct agw g;
	pid_t p;

	p = start_archive();
	agw_init(&g, &h, 9, 1200);
	/* in the middle of the stream: some batches committed (the archive
	 * counts them), more sent after those, some in flight */
	for (int i = 0; i < 150; i++)
		agw_send(&g, t0 + i * 30);
	HARNESS_POLL_UNTIL(arc_metric(&h, "amr_archive_batches_total") > 0, 10000);
	ck_assert_int_gt(arc_metric(&h, "amr_archive_batches_total"), 0);
	for (int i = 150; i < 300; i++)
		agw_send(&g, t0 + i * 30);
	harness_kill(&h, p, SIGKILL);
	for (int i = 300; i < 500; i++)
		agw_send(&g, t0 + i * 30); /* queued by the broker meanwhile */
	p = start_archive();
	/* the spool: everything above the last ack again */
	{
		char *a = harness_wait_message(&h, "amr/v1/gw/9/ack", "seq", 10000);
		json_t *j = a ? json_loads(a, 0, NULL) : NULL;

		acked = j ? (uint64_t)json_integer_value(json_object_get(j, "seq")) : 0;
		json_decref(j);
		free(a);
	}
	agw_resend(&g, acked);
	for (int i = 500; i < 800; i++)
		agw_send(&g, t0 + i * 30);
	arc_wait_ack(&h, 9, 800, 20000);
	ck_assert_uint_eq(arc_hwm(&h, 9), 800);
	arc_check_conservation(&h, &g);
	/* and again after a second kill, with nothing in flight */
	harness_kill(&h, p, SIGKILL);
	start_archive();
	arc_check_conservation(&h, &g);
	agw_free(&g);
}
END_TEST

/* Sum of "pulses" over the points of a series answer. */
static long long sum_points(const json_t *res, size_t *npoints)
{
	const json_t *pts = json_object_get(res, "points"), *pt;
	long long sum = 0;
	size_t i;

	json_array_foreach(pts, i, pt)
		sum += json_integer_value(json_object_get(pt, "pulses"));
	*npoints = json_array_size(pts);
	return sum;
}

START_TEST(year_of_hourly_data_by_day_and_month)
{
	/* 2025 in Moscow: 2025-01-01 00:00 +03 .. 2026-01-01 00:00 +03 */
	const int64_t from = 1735678800, to = 1767214800;
	const char *steps[] = { "hour", "day", "month" };
	const size_t points[] = { 8760, 365, 12 };
	long long raw = 0;
	uint32_t total = 50000;
	char payload[512], args[256];
	uint64_t seq = 0;

	start_archive();
	for (int64_t t = from; t < to; t += 3600) {
		uint32_t d = seq == 0 ? 0 : (uint32_t)((seq * 13) % 29);

		total += d;
		raw += d;
		snprintf(payload, sizeof payload,
			 "{\"obj\":2,\"rx\":%lld,\"seq\":%llu,\"ts\":%lld,"
			 "\"readings\":[{\"addr\":1,\"ch\":1,\"total\":%u,\"delta\":%u,"
			 "\"period_ms\":0}],\"devices\":[],\"events\":[]}",
			 (long long)t + 1800, (unsigned long long)++seq, (long long)t + 1800, total,
			 d);
		arc_publish(&h, "amr/v1/readings/2", payload);
	}
	arc_wait_ack(&h, 2, seq, 60000);
	for (size_t i = 0; i < 3; i++) {
		json_t *r;
		size_t n;

		snprintf(args, sizeof args,
			 "{\"channel\":\"2.1.1\",\"from\":%lld,\"to\":%lld,"
			 "\"step\":\"%s\"}",
			 (long long)from, (long long)to, steps[i]);
		r = rpc("series", args, NULL, 0);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(sum_points(r, &n), raw);
		ck_assert_uint_eq(n, points[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(r, "pulses")), raw);
		json_decref(r);
	}
}
END_TEST

START_TEST(bad_input_is_refused_and_changes_nothing)
{
	static const struct {
		const char *method;
		const char *args;
		const char *code;
	} bad[] = {
		{ "series", "{\"channel\":\"1.1\",\"from\":0,\"to\":10}", "bad_request" },
		{ "series", "{\"channel\":\"1.1.1\",\"from\":10,\"to\":5}", "bad_request" },
		{ "series", "{\"channel\":\"1.1.1\",\"from\":0,\"to\":10,\"colour\":1}",
		  "bad_request" },
		{ "series", "{\"channel\":\"1.1.1\",\"from\":0,\"to\":99999999,\"step\":\"raw\"}",
		  "bad_request" },
		{ "zones",
		  "{\"channels\":[\"1.1.1\"],\"from\":0,\"to\":10,\"zones\":[{\"name\":"
		  "\"day\",\"from\":\"07:30\",\"to\":\"23:00\"}]}",
		  "bad_request" },
		{ "registry.set", "{\"id\":\"1.1.1\",\"label\":\"x\"}", "bad_request" },
		{ "registry.set", "{\"id\":\"3.1.1\",\"actor\":\"op\",\"label\":\"x\"}",
		  "not_found" },
		{ "registry.get", "{\"id\":\"70000\"}", "bad_request" },
		{ "backup", "{\"name\":\"../etc\"}", "bad_request" },
		{ "latest", "{\"obj\":77}", "not_found" },
	};
	struct agw g;
	char code[64], *dl;

	start_archive();
	agw_init(&g, &h, 1, 8);
	agw_send(&g, (int64_t)time(NULL) - 600);
	agw_send(&g, (int64_t)time(NULL) - 300);
	arc_wait_ack(&h, 1, 2, 10000);
	/* subscribed before the messages it reports go out (QoS 0, not kept) */
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/deadletter"), 0);
	/* a batch for another object on this topic, and one that is not JSON */
	arc_publish(&h, "amr/v1/readings/1", "{\"obj\":3,\"seq\":9,\"ts\":5,\"readings\":[]}");
	arc_publish(&h, "amr/v1/readings/1", "{\"obj\":1,");
	dl = harness_wait_message(&h, "amr/v1/deadletter", "does not match", 5000);
	ck_assert_ptr_nonnull(dl);
	free(dl);
	/* a prev that does not name an earlier batch */
	arc_publish(&h, "amr/v1/readings/1",
		    "{\"obj\":1,\"seq\":5,\"prev\":5,\"ts\":5,"
		    "\"readings\":[]}");
	dl = harness_wait_message(&h, "amr/v1/deadletter", "prev: 5 is out of range 0..4", 5000);
	ck_assert_ptr_nonnull(dl);
	free(dl);
	/* a batch and an audit record cut inside a character are recorded
	 * too (the payload's stray byte as U+FFFD), not lost */
	arc_publish(&h, "amr/v1/readings/1", "{\"obj\":1,\"seq\":6,\"note\":\"\xd0\"}");
	dl = harness_wait_message(&h, "amr/v1/deadletter", "\"seq\\\":6", 5000);
	ck_assert_msg(dl && strstr(dl, "\"reason\":\"bad_batch\"") && strstr(dl, "\xef\xbf\xbd"),
		      "%s", dl ? dl : "no dead letter for a batch that is not UTF-8");
	free(dl);
	arc_publish(&h, "amr/v1/audit", "{\"ts\":1,\"actor\":\"\xd0\"}");
	dl = harness_wait_message(&h, "amr/v1/deadletter", "bad_audit", 5000);
	ck_assert_msg(dl != NULL, "no dead letter for an audit record that is not UTF-8");
	free(dl);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *r = arc_rpc(&h, bad[i].method, bad[i].args, bad[i].code, code, sizeof code);

		ck_assert_msg(r == NULL, "case %zu accepted", i);
		ck_assert_msg(strcmp(code, bad[i].code) == 0, "case %zu: %s", i, code);
	}
	ck_assert_uint_eq(arc_hwm(&h, 1), 2);
	ck_assert_uint_eq(arc_hwm(&h, 3), 0);
	arc_check_conservation(&h, &g);
	agw_free(&g);
}
END_TEST

/*
 * What arrives on amr/v1/readings/ is held to the rules ingest applies
 * (lib/telemetry.h): one channel twice in a batch, a ts outside ingest's
 * window around the batch's receive time, a receive time ahead of the
 * archive's clock or missing, a seq out of range, an unknown field in a
 * reading. Each goes to the dead letters and changes nothing; the next
 * sound batch is the object's first.
 */
START_TEST(readings_are_checked_as_ingest_checks_them)
{
	enum {
		NO_RX = 1 << 30
	};
	static const struct {
		long long rx, ts;     /* s after now; rx NO_RX: none */
		const char *seq;      /* as written */
		const char *readings; /* the array */
		const char *why;      /* in the dead letter's detail; %lld: now + at */
		long long at;
	} bad[] = {
		{ 0, 0, "1",
		  "[{\"addr\":1,\"ch\":1,\"total\":10,\"delta\":0},"
		  "{\"addr\":1,\"ch\":1,\"total\":99,\"delta\":0}]",
		  "readings[1]: channel 1.1 appears twice", 0 },
		{ 0, 400, "2", "[]", "ts: %lld is 400 s ahead", 400 },
		{ 0, -46 * 86400, "3", "[]", "ts: %lld is older than the horizon of 45 days",
		  -46 * 86400 },
		/* seconds pass between our clock (read once, at the start)
		 * and the archive's check: 86400 s ahead, or a few less */
		{ 86400, 86400, "4", "[]", "rx: %lld is 86", 86400 },
		{ NO_RX, 0, "5", "[]", "rx: missing", 0 },
		{ 0, 0, "9007199254740992", "[]",
		  "seq: 9007199254740992 is out of range 1..9007199254740991", 0 },
		{ 0, 0, "0", "[]", "seq: 0 is out of range", 0 },
		{ 0, 0, "6", "[{\"addr\":1,\"ch\":1,\"total\":10,\"delta\":0,\"colour\":1}]",
		  "readings[0].colour: unknown field", 0 },
	};
	const long long now = (long long)time(NULL);
	char payload[512], rx[32], why[160], code[64];
	json_t *r;

	start_archive();
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/deadletter"), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *dl;

		rx[0] = '\0';
		if (bad[i].rx != NO_RX)
			snprintf(rx, sizeof rx, "\"rx\":%lld,", now + bad[i].rx);
		snprintf(payload, sizeof payload,
			 "{\"obj\":6,%s\"seq\":%s,\"ts\":%lld,\"readings\":%s}", rx, bad[i].seq,
			 now + bad[i].ts, bad[i].readings);
		snprintf(why, sizeof why, bad[i].why, now + bad[i].at);
		arc_publish(&h, "amr/v1/readings/6", payload);
		dl = harness_wait_message(&h, "amr/v1/deadletter", why, 5000);
		ck_assert_msg(dl && strstr(dl, "\"reason\":\"bad_batch\""),
			      "case %zu (%s) was not refused: %s", i, why,
			      dl ? dl : "no dead letter");
		ck_assert_msg(bad[i].rx != 86400 || strstr(dl, "s ahead of the archive's clock"),
			      "%s", dl);
		free(dl);
	}
	/* nothing of them was stored: the next sound batch is the first */
	ck_assert_uint_eq(arc_hwm(&h, 6), 0);
	r = arc_rpc(&h, "latest", "{\"obj\":6}", "not_found", code, sizeof code);
	ck_assert_ptr_null(r);
	snprintf(payload, sizeof payload,
		 "{\"obj\":6,\"rx\":%lld,\"seq\":1,\"ts\":%lld,\"readings\":[{\"addr\":1,"
		 "\"ch\":1,\"total\":10,\"delta\":0}]}",
		 now, now);
	arc_publish(&h, "amr/v1/readings/6", payload);
	arc_wait_ack(&h, 6, 1, 10000);
	r = rpc("latest", "{\"obj\":6}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "channels")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(json_object_get(r, "channels"), 0), "total")),
			 10);
	json_decref(r);
}
END_TEST

/* Pulses archived on channel id over all time. */
static long long consumed(const char *id)
{
	char args[160];
	long long n;
	json_t *r;

	snprintf(args, sizeof args, "{\"channels\":[\"%s\"],\"from\":0,\"to\":%lld}", id,
		 (long long)time(NULL) + 86400);
	r = rpc("consumption", args, NULL, 0);
	ck_assert_ptr_nonnull(r);
	n = json_integer_value(
		json_object_get(json_array_get(json_object_get(r, "items"), 0), "pulses"));
	json_decref(r);
	return n;
}

/*
 * A channel's first reading counts the gateway's delta, which the archive
 * cannot check against a total of its own: it may claim no more than the
 * gateway can show it counted since it first read the device, its total
 * plus the from of the batch's counter events for it (lib/telemetry.h).
 * A forged claim of 2^32-1 pulses is refused, not billed.
 */
START_TEST(a_first_reading_claims_no_more_than_its_total)
{
	static const struct {
		unsigned delta;
		const char *from; /* the counter_zeroed event's from field, or "" */
		const char *why;  /* in the dead letter, NULL: stored */
	} cases[] = {
		{ 4294967295u, "\"from\":3,",
		  "readings[0].delta: 4294967295 exceeds total 7 plus the from of the counter "
		  "events for 1.1 (3)" },
		{ 4294967295u, "", "for 1.1 (0)" },
		{ 11, "\"from\":3,", "readings[0].delta: 11 exceeds total 7 plus" },
		{ 10, "\"from\":3,", NULL },
	};
	const long long now = (long long)time(NULL);
	char payload[512];

	start_archive();
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/deadletter"), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *dl;

		snprintf(payload, sizeof payload,
			 "{\"obj\":7,\"rx\":%lld,\"seq\":1,\"ts\":%lld,\"readings\":[{\"addr\":1,"
			 "\"ch\":1,\"total\":7,\"delta\":%u}],\"events\":[{\"type\":"
			 "\"counter_zeroed\",\"addr\":1,\"ch\":1,%s\"ts\":%lld}]}",
			 now, now, cases[i].delta, cases[i].from, now);
		arc_publish(&h, "amr/v1/readings/7", payload);
		if (!cases[i].why)
			break;
		dl = harness_wait_message(&h, "amr/v1/deadletter", cases[i].why, 5000);
		ck_assert_msg(dl && strstr(dl, "\"reason\":\"bad_batch\""),
			      "case %zu (delta %u) was not refused: %s", i, cases[i].delta,
			      dl ? dl : "no dead letter");
		free(dl);
	}
	arc_wait_ack(&h, 7, 1, 10000);
	/* 3 pulses before the zero, 7 after it: the sound claim is counted */
	ck_assert_int_eq(consumed("7.1.1"), 10);
}
END_TEST

/*
 * After a zero the archive counts the gateway's delta, the pulses before
 * the zero and after it. The totals show at most the event's from minus
 * the last counted total, plus the new total: a claim beyond that is
 * counted only that far, and the reading is quarantined with the claim
 * (counter_quarantined, quarantine.list), never billed.
 */
START_TEST(a_zero_claims_no_more_than_the_totals_show)
{
	const long long now = (long long)time(NULL);
	char payload[512], *ev;
	json_t *r, *q;

	start_archive();
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/events/8"), 0);
	snprintf(payload, sizeof payload,
		 "{\"obj\":8,\"rx\":%lld,\"seq\":1,\"ts\":%lld,\"readings\":[{\"addr\":1,"
		 "\"ch\":1,\"total\":1000,\"delta\":0}]}",
		 now, now - 120);
	arc_publish(&h, "amr/v1/readings/8", payload);
	/* 1000 -> 1010, zeroed, -> 5: 15 pulses, but the gateway claims 1015
	 * (which its own from and total would allow on a first reading) */
	snprintf(payload, sizeof payload,
		 "{\"obj\":8,\"rx\":%lld,\"seq\":2,\"ts\":%lld,\"readings\":[{\"addr\":1,"
		 "\"ch\":1,\"total\":5,\"delta\":1015}],\"events\":[{\"type\":\"counter_zeroed\","
		 "\"addr\":1,\"ch\":1,\"ts\":%lld,\"from\":1010,\"total\":0}]}",
		 now, now - 60, now - 60);
	arc_publish(&h, "amr/v1/readings/8", payload);
	snprintf(payload, sizeof payload,
		 "{\"obj\":8,\"rx\":%lld,\"seq\":3,\"ts\":%lld,\"readings\":[{\"addr\":1,"
		 "\"ch\":1,\"total\":9,\"delta\":4}]}",
		 now, now);
	arc_publish(&h, "amr/v1/readings/8", payload);
	arc_wait_ack(&h, 8, 3, 10000);
	ck_assert_int_eq(consumed("8.1.1"), 10 + 5 + 4);
	ev = harness_wait_message(&h, "amr/v1/events/8", "counter_quarantined", 5000);
	ck_assert_msg(ev && strstr(ev, "\"reason\":\"delta\"") && strstr(ev, "\"delta\":1015") &&
			      strstr(ev, "\"counted\":15") && strstr(ev, "\"seq\":2"),
		      "%s", ev ? ev : "no counter_quarantined event");
	free(ev);
	r = rpc("quarantine.list", "{\"channel\":\"8.1.1\"}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "readings")), 1);
	q = json_array_get(json_object_get(r, "readings"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(q, "delta")), 1015);
	ck_assert_int_eq(json_integer_value(json_object_get(q, "last_total")), 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(q, "total")), 5);
	ck_assert_str_eq(json_string_value(json_object_get(q, "reason")), "delta");
	json_decref(r);
	/* the next reading counts on from the total: the channel is sound */
	r = rpc("latest", "{\"obj\":8}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert(json_is_false(
		json_object_get(json_array_get(json_object_get(r, "channels"), 0), "quarantined")));
	json_decref(r);
}
END_TEST

START_TEST(registry_update_is_audited)
{
	json_t *r;
	json_int_t total;
	char *a;
	struct agw g;

	start_archive();
	agw_init(&g, &h, 4, 4);
	agw_send(&g, (int64_t)time(NULL) - 60);
	arc_wait_ack(&h, 4, 1, 10000);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
	r = rpc("registry.set",
		"{\"id\":\"4.1.1\",\"actor\":\"anna\",\"reason\":\"new meter\","
		"\"label\":\"Cold water, flat 3\",\"resource\":\"cold_water\",\"unit\":\"m3\","
		"\"weight\":{\"num\":1,\"den\":100,\"valid_from\":0}}",
		NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(json_string_value(json_object_get(r, "label")), "Cold water, flat 3");
	json_decref(r);
	a = harness_wait_message(&h, "amr/v1/audit", "\"actor\":\"anna\"", 5000);
	ck_assert_ptr_nonnull(a);
	free(a);
	/* an audit record from another service is stored too */
	arc_publish(&h, "amr/v1/audit",
		    "{\"ts\":100,\"actor\":\"boris\",\"action\":\"block\","
		    "\"target\":\"4.1\",\"detail\":{\"out\":2}}");
	/* the archive stores it as it comes; the query below goes the same way
	 * (the probe, the broker, the archive's queue), so it comes after */
	r = rpc("audit.query", "{\"actor\":\"anna\"}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "records")), 1);
	json_decref(r);
	r = rpc("audit.query", "{\"target\":\"4.1\",\"to\":1000}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "records")), 1);
	json_decref(r);
	r = rpc("latest", "{\"obj\":4}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r, "channels"), 0), "label")),
			 "Cold water, flat 3");
	total = json_integer_value(
		json_object_get(json_array_get(json_object_get(r, "channels"), 0), "total"));
	ck_assert_int_gt(total, 0);
	json_decref(r);
	/* long lists come in pages that join without a gap or a repeat */
	{
		char args[128], after[32] = "", all[4096] = "", *dumped;
		size_t pages = 0, records = 0;

		do {
			snprintf(args, sizeof args, "{\"obj\":4,\"limit\":3%s%s%s}",
				 after[0] ? ",\"after\":\"" : "", after, after[0] ? "\"" : "");
			r = rpc("registry.list", args, NULL, 0);
			ck_assert_ptr_nonnull(r);
			records += json_array_size(json_object_get(r, "records"));
			dumped = json_dumps(json_object_get(r, "records"), JSON_COMPACT);
			ck_assert(strlen(all) + strlen(dumped) < sizeof all);
			strcat(all, dumped);
			free(dumped);
			snprintf(after, sizeof after, "%s",
				 json_string_value(json_object_get(r, "next")) ?: "");
			json_decref(r);
			pages++;
		} while (after[0] && pages < 20);
		/* object 4, its devices 1 and 2 and their 8 channels */
		ck_assert_uint_eq(records, 1 + 2 + AGW_NCH);
		ck_assert_uint_eq(pages, 4);
		ck_assert(strstr(all, "\"4.2.4\"") && strstr(all, "\"4.2\""));
		r = rpc("latest", "{\"limit\":1}", NULL, 0); /* an object comes whole */
		ck_assert_ptr_nonnull(r);
		ck_assert_uint_eq(json_array_size(json_object_get(r, "channels")), AGW_NCH);
		json_decref(r);
	}
	/* the meter's reading read off by the operator is paired with the
	 * counter as the archive last counted it */
	r = rpc("registry.set", "{\"id\":\"4.1.1\",\"actor\":\"anna\",\"initial_reading\":\"7.5\"}",
		NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(json_string_value(json_object_get(r, "initial_reading")), "7.5");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "initial_total")), total);
	json_decref(r);
	agw_free(&g);
}
END_TEST

START_TEST(backup_then_restore)
{
	char cmd[1024], *out;
	int status;
	struct agw g;
	json_t *r;
	pid_t p;

	p = start_archive();
	agw_init(&g, &h, 6, 64);
	/* in the past, as ingest passes them: a batch time at most 300 s ahead */
	for (int i = 0; i < 50; i++)
		agw_send(&g, (int64_t)time(NULL) - 4000 + i * 60);
	arc_wait_ack(&h, 6, 50, 10000);
	/* the RPC, and the command while the daemon runs */
	r = rpc("backup", "{\"name\":\"nightly\"}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_gt(json_integer_value(json_object_get(r, "bytes")), 0);
	json_decref(r);
	snprintf(cmd, sizeof cmd, "amr-archive --backup=%s/copy", h.dir);
	out = harness_run(&h, cmd, &status);
	free(out);
	ck_assert_int_eq(status, 0);
	/* more data after the backup: the restore must go back to the copy */
	for (int i = 50; i < 60; i++)
		agw_send(&g, (int64_t)time(NULL) - 4000 + i * 60);
	arc_wait_ack(&h, 6, 60, 10000);
	harness_kill(&h, p, SIGTERM);
	/* restore: stop, replace the data directory with the backup, start */
	snprintf(
		cmd, sizeof cmd,
		"set -e; cd %s/data; mv archive archive.old; mkdir archive; "
		"cp backup/nightly/data.mdb archive/; cmp backup/nightly/data.mdb archive/data.mdb; "
		"test -s %s/copy/data.mdb",
		h.dir, h.dir);
	out = harness_run(&h, cmd, &status);
	free(out);
	ck_assert_int_eq(status, 0);
	start_archive();
	ck_assert_uint_eq(arc_hwm(&h, 6), 50);
	/* the gateway's spool sends 51..60 again: nothing lost */
	agw_resend(&g, 50);
	arc_wait_ack(&h, 6, 60, 10000);
	arc_check_conservation(&h, &g);
	agw_free(&g);
}
END_TEST

Suite *archive_integ_suite(void)
{
	Suite *s = suite_create("archive_integration");
	TCase *tc = tcase_create("archive");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, batch_delivered_three_times_is_counted_once);
	tcase_add_test(tc, kill9_midstream_loses_nothing);
	tcase_add_test(tc, year_of_hourly_data_by_day_and_month);
	tcase_add_test(tc, bad_input_is_refused_and_changes_nothing);
	tcase_add_test(tc, readings_are_checked_as_ingest_checks_them);
	tcase_add_test(tc, a_first_reading_claims_no_more_than_its_total);
	tcase_add_test(tc, a_zero_claims_no_more_than_the_totals_show);
	tcase_add_test(tc, registry_update_is_audited);
	tcase_add_test(tc, backup_then_restore);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_integ_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
