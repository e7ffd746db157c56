/*
 * amr-notify's rules over the readings and the registry, with a real
 * Mosquitto and a real amr-archive's registry: a leak series raises leak
 * once and its zero flow clears it, also after amr-notify is killed; a burst raised by a channel's rule
 * that overrides its resource's (a channel of the same resource under
 * the same flow raises nothing); stuck raised by the tick and cleared by
 * a pulse, and not while the meter's gateway is offline; a meter's verification date near raises verification_due and
 * moved later clears it; debt from a real amr-billing raised above the
 * threshold and cleared once paid; spool and gateway offline by their
 * object's rules; a rule.set with a bad field changes nothing.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "archive_util.h"
#include "billing_util.h"
#include "harness.h"
#include "mail_util.h"

#define M 60

static struct harness h;
static struct catcher mc;
static long long seq = 100;
static pid_t notify;
static char url[64];

static json_t *call(const char *method, const char *a, const char *want_err)
{
	char full[64], *text;
	json_t *r, *res;

	snprintf(full, sizeof full, "notify/%s", method);
	text = harness_rpc(&h, full, a, 10000);
	ck_assert_msg(text != NULL, "%s: no answer", full);
	r = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(r);
	if (want_err) {
		const char *code = json_string_value(
			json_object_get(json_object_get(r, "error"), "code"));

		ck_assert_msg(code && !strcmp(code, want_err), "%s %s: %s", full, a, text);
	} else {
		ck_assert_msg(json_is_true(json_object_get(r, "ok")), "%s %s: %s", full, a, text);
	}
	free(text);
	res = json_incref(json_object_get(r, want_err ? "error" : "result"));
	json_decref(r);
	return res;
}

static const char *s_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

static void rule_set(const char *scope, const char *params)
{
	char a[512];

	snprintf(a, sizeof a,
		 "{\"scope\":\"%s\",\"actor\":\"test\",\"reason\":\"t\",\"params\":%s}", scope,
		 params);
	json_decref(call("rule.set", a, NULL));
}

/* A canonical batch of obj at ts: channels ch[] ("addr.ch") each delta. */
static void batch(int obj, long long ts, const char *const *chans, long long delta)
{
	char topic[64], body[2048];
	size_t n;

	snprintf(topic, sizeof topic, "amr/v1/readings/%d", obj);
	n = (size_t)snprintf(body, sizeof body,
			     "{\"obj\":%d,\"rx\":%lld,\"seq\":%lld,\"ts\":%lld,\"readings\":[", obj,
			     ts, ++seq, ts);
	for (size_t i = 0; chans[i]; i++) {
		int addr, ch;

		ck_assert_int_eq(sscanf(chans[i], "%d.%d", &addr, &ch), 2);
		n += (size_t)snprintf(body + n, sizeof body - n,
				      "%s{\"addr\":%d,\"ch\":%d,\"total\":%lld,\"delta\":%lld}",
				      i ? "," : "", addr, ch, 1000000 + seq * 100, delta);
	}
	snprintf(body + n, sizeof body - n, "],\"devices\":[],\"events\":[]}");
	ck_assert_int_eq(harness_publish(&h, topic, body, 1, false), 0);
}

/* The alarms of kind (all states) as a list (new). */
static json_t *alarms_of(const char *kind)
{
	char a[128];
	json_t *r, *l;

	snprintf(a, sizeof a, "{\"kind\":\"%s\"}", kind);
	r = call("alarms", a, NULL);
	l = json_incref(json_object_get(r, "alarms"));
	json_decref(r);
	return l;
}

/* The alarm of key among list, NULL when none (borrowed). */
static json_t *find(json_t *list, const char *key)
{
	json_t *a;
	size_t i;

	json_array_foreach(list, i, a)
		if (!strcmp(json_string_value(json_object_get(a, "key")) ?: "", key))
			return a;
	return NULL;
}

/* The record of alarm key of kind as JSON text (malloc'd) when its state
 * is state, else NULL. */
static char *in_state(const char *kind, const char *key, const char *state)
{
	json_t *l = alarms_of(kind), *a = find(l, key);
	char *text = NULL;

	if (a && !strcmp(json_string_value(json_object_get(a, "state")) ?: "", state))
		text = json_dumps(a, JSON_COMPACT);
	json_decref(l);
	return text;
}

/* Wait for alarm key ("kind/target") to be in state; its record as text. */
static char *wait_state(const char *key, const char *state)
{
	char kind[32], *m = NULL;

	snprintf(kind, sizeof kind, "%.*s", (int)strcspn(key, "/"), key);
	HARNESS_POLL_UNTIL((m = in_state(kind, key, state)) != NULL, 15000);
	ck_assert_msg(m != NULL, "%s never %s", key, state);
	return m;
}

/* amr-notify's --registry-refresh-s: 1, but for the test of changes read
 * when they are told */
static const char *refresh_s = "1";

static void start_notify(void)
{
	const char *const nargs[] = {
		"--registry-refresh-s", refresh_s, "--debt-poll-s", "1", "--smtp-url", url, NULL
	};
	char *st;

	harness_clear_inbox(&h);
	notify = harness_spawn(&h, "amr-notify", nargs);
	ck_assert_int_gt(notify, 0);
	st = harness_wait_message(&h, "amr/v1/svc/notify/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-notify did not come online");
	free(st);
}

static void setup(void)
{
	struct agw g;
	json_t *r;
	char code[64];
	long long t = (long long)time(NULL);
	char a[512], day[16];
	time_t soon;

	ck_assert_int_eq(harness_start(&h), 0);
	catcher_init(&mc, &h);
	catcher_start(&mc, NULL);
	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", mc.port);
	arc_start(&h, NULL);
	/* the archive registers the channels at their first reading */
	agw_init(&g, &h, 1, 4);
	agw_send(&g, t);
	arc_wait_ack(&h, 1, 1, 15000);
	agw_free(&g);
	for (int c = 1; c <= 4; c++) {
		snprintf(a, sizeof a,
			 "{\"id\":\"1.1.%d\",\"actor\":\"test\",\"resource\":\"cold_water\","
			 "\"unit\":\"m3\",\"weight\":{\"num\":1,\"den\":100,\"valid_from\":0}}",
			 c);
		r = arc_rpc(&h, "registry.set", a, NULL, code, sizeof code);
		ck_assert_msg(r != NULL, "registry.set 1.1.%d: %s", c, code);
		json_decref(r);
	}
	/* a meter due for verification in 10 days */
	soon = (time_t)(t + 10 * 86400);
	strftime(day, sizeof day, "%Y-%m-%d", gmtime(&soon));
	snprintf(a, sizeof a, "{\"id\":\"1.1.4\",\"actor\":\"test\",\"verification_due\":\"%s\"}",
		 day);
	json_decref(arc_rpc(&h, "registry.set", a, NULL, NULL, 0));

	bil_start(&h, NULL); /* before amr-notify: its first poll is answered */
	start_notify();
	/* wait until it has read the registry whole: 1 object, 2 devices, 8 channels */
	HARNESS_POLL_UNTIL(harness_metric(&h, "notify", "amr_notify_registry_records") >= 11,
			   15000);
	ck_assert_int_ge(harness_metric(&h, "notify", "amr_notify_registry_records"), 11);
}

static void teardown(void)
{
	harness_stop(&h);
}

static void setup_hourly(void)
{
	refresh_s = "3600";
	setup();
}

static void teardown_hourly(void)
{
	teardown();
	refresh_s = "1";
}

/* A label given in the registry names the next alarm at once: amr-notify
 * reads the registry again when the archive's audit record tells of the
 * change, not at its next hourly reading. */
START_TEST(a_new_label_names_the_next_alarm)
{
	long long reads = harness_metric(&h, "notify", "amr_notify_registry_reads_total");
	char ev[200], *m;

	json_decref(arc_rpc(&h, "registry.set",
			    "{\"id\":\"1.1\",\"actor\":\"test\",\"label\":\"Кв. 1\"}", NULL, NULL,
			    0));
	HARNESS_POLL_UNTIL(harness_metric(&h, "notify", "amr_notify_registry_reads_total") > reads,
			   10000);
	ck_assert_int_gt(harness_metric(&h, "notify", "amr_notify_registry_reads_total"), reads);
	snprintf(ev, sizeof ev,
		 "{\"obj\":1,\"type\":\"device_offline\",\"addr\":1,\"ts\":%lld,\"detail\":{}}",
		 (long long)time(NULL));
	ck_assert_int_eq(harness_publish(&h, "amr/v1/events/1", ev, 1, false), 0);
	m = wait_state("device_offline/1.1", "raised");
	ck_assert_msg(strstr(m, "\"label\":\"Кв. 1\""), "the alarm is not named by its label: %s",
		      m);
	free(m);
}
END_TEST

START_TEST(leak_once_and_cleared)
{
	static const char *const ch[] = { "1.1", NULL };
	/* past a gap after the archive's first reading: the timers start anew */
	long long t0 = (long long)time(NULL) + 10 * 3600;
	json_t *l, *a, *d;
	char *m;

	rule_set("cold_water",
		 "{\"leak_hours\":1,\"burst_per_h\":\"0\",\"night_max_per_h\":\"0\"}");
	/* who is told: by the alarm's resource */
	json_decref(call("contact.set",
			 "{\"name\":\"hot\",\"actor\":\"test\",\"email\":\"hot@tsj.example\","
			 "\"min_severity\":\"critical\",\"resources\":[\"hot_water\"]}",
			 NULL));
	json_decref(call("contact.set",
			 "{\"name\":\"cold\",\"actor\":\"test\",\"email\":\"cold@tsj.example\","
			 "\"min_severity\":\"critical\",\"resources\":[\"cold_water\"]}",
			 NULL));
	/* 10 l every 10 minutes, never zero: leak after an hour */
	for (int i = 0; i <= 6; i++)
		batch(1, t0 + i * 10 * M, ch, 1);
	m = wait_state("leak/1.1.1", "raised");
	ck_assert_msg(strstr(m, "\"resource\":\"cold_water\"") &&
			      strstr(m, "\"severity\":\"critical\""),
		      "%s", m);
	free(m);
	/* more of the same: still one alarm, counted once */
	for (int i = 7; i <= 12; i++)
		batch(1, t0 + i * 10 * M, ch, 1);
	l = alarms_of("leak");
	ck_assert_uint_eq(json_array_size(l), 1);
	a = find(l, "leak/1.1.1");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "count")), 1);
	d = json_object_get(a, "detail");
	ck_assert_str_eq(json_string_value(json_object_get(d, "resource")), "cold_water");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "leak_hours")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "since")), t0);
	/* its messages are stored with it: one, to the cold water's contact */
	{
		char q[64];
		json_t *r;

		snprintf(q, sizeof q, "{\"alarm\":%lld}",
			 (long long)json_integer_value(json_object_get(a, "id")));
		r = call("messages", q, NULL);
		ck_assert_uint_eq(json_array_size(json_object_get(r, "messages")), 1);
		ck_assert_str_eq(json_string_value(json_object_get(
					 json_array_get(json_object_get(r, "messages"), 0), "to")),
				 "cold@tsj.example");
		json_decref(r);
		r = catcher_read(&mc, 1);
		ck_assert_msg(r && strstr(json_string_value(json_object_get(r, "to")) ?: "",
					  "cold@tsj.example"),
			      "the leak's e-mail did not reach cold@");
		json_decref(r);
	}
	ck_assert_str_eq(json_string_value(json_object_get(d, "night_max_per_h")), "0.000");
	json_decref(l);
	/* killed and started again: the channel's state is read back, so
	 * the leak goes on (no second alarm) and its end is seen */
	ck_assert_int_eq(harness_kill(&h, notify, SIGKILL) != -1, 1);
	start_notify();
	/* half an hour of zero flow ends it */
	for (int i = 13; i <= 16; i++)
		batch(1, t0 + i * 10 * M, ch, 0);
	m = wait_state("leak/1.1.1", "cleared");
	ck_assert_msg(strstr(m, "\"by\":\"condition\""), "%s", m);
	free(m);
	l = alarms_of("leak");
	ck_assert_uint_eq(json_array_size(l), 1);
	json_decref(l);
}
END_TEST

/* Night flow above the built-in 0.030 m³/h, in the site's hours
 * (Europe/Moscow, UTC+3): 01:00..02:00 tomorrow raises leak; the same
 * flow at noon does not. */
START_TEST(night_leak_in_local_hours)
{
	static const char *const night[] = { "1.2", NULL }, *const noon[] = { "1.3", NULL };
	long long now = (long long)time(NULL);
	long long day = ((now + 86400 + 3 * 3600) / 86400) * 86400 - 3 * 3600; /* 00:00 local */
	json_t *l, *d;
	char *m;

	rule_set("cold_water", "{\"leak_hours\":0,\"burst_per_h\":\"0\"}");
	/* 10 l every 10 minutes: 60 l/h, 6 pulses/h above 3 */
	for (int i = 0; i <= 7; i++)
		batch(1, day + 12 * 3600 + i * 10 * M, noon, 1);
	for (int i = 0; i <= 7; i++)
		batch(1, day + 3600 + i * 10 * M, night, 1);
	m = wait_state("leak/1.1.2", "raised");
	free(m);
	l = alarms_of("leak");
	ck_assert_uint_eq(json_array_size(l), 1); /* not 1.1.3's noon */
	d = json_object_get(json_array_get(l, 0), "detail");
	ck_assert_str_eq(s_of(d, "night_max_per_h"), "0.030");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "night_max_pulses_h")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "since")), day + 3600);
	json_decref(l);
}
END_TEST

START_TEST(burst_by_the_channels_rule)
{
	static const char *const ch[] = { "1.2", "1.3", NULL };
	long long t0 = (long long)time(NULL) + 10 * 3600;
	json_t *l, *a;
	char *m;

	/* the resource's burst at 3 m³/h; channel 1.1.2's own at 0.5 m³/h */
	rule_set("cold_water", "{\"burst_per_h\":\"3\",\"burst_min\":20,\"leak_hours\":0,"
			       "\"night_max_per_h\":\"0\"}");
	rule_set("1.1.2", "{\"burst_per_h\":\"0.5\"}");
	/* what applies, and whence */
	{
		json_t *e = call("rule.effective", "{\"id\":\"1.1.2\"}", NULL), *from;

		from = json_object_get(e, "from");
		ck_assert_str_eq(s_of(from, "burst_per_h"), "1.1.2");
		ck_assert_str_eq(s_of(from, "burst_min"), "cold_water");
		ck_assert_str_eq(s_of(from, "leak_zero_min"), "builtin");
		ck_assert_str_eq(s_of(json_object_get(e, "params"), "burst_per_h"), "0.500");
		ck_assert_int_eq(json_integer_value(
					 json_object_get(json_object_get(e, "pulses_h"), "burst")),
				 50);
		ck_assert_str_eq(s_of(e, "resource"), "cold_water");
		json_decref(e);
		e = call("rule.effective", "{\"id\":\"1.1.3\"}", NULL);
		ck_assert_int_eq(json_integer_value(
					 json_object_get(json_object_get(e, "pulses_h"), "burst")),
				 300);
		json_decref(e);
		json_decref(call("rule.effective", "{\"id\":\"1.1\"}", "bad_request"));
	}
	/* 100 l every 10 minutes: 0.6 m³/h on both */
	for (int i = 0; i <= 3; i++)
		batch(1, t0 + i * 10 * M, ch, 10);
	m = wait_state("burst/1.1.2", "raised");
	ck_assert_msg(strstr(m, "\"burst_pulses_h\":50") && strstr(m, "\"burst_min\":20"), "%s", m);
	free(m);
	/* below the threshold again: cleared */
	batch(1, t0 + 4 * 10 * M, ch, 1);
	m = wait_state("burst/1.1.2", "cleared");
	free(m);
	/* the same flow on 1.1.3, under the resource's 3 m³/h: nothing (the
	 * list is asked after every batch, so it has seen them) */
	l = alarms_of("burst");
	ck_assert_uint_eq(json_array_size(l), 1);
	a = find(l, "burst/1.1.3");
	ck_assert_ptr_null(a);
	json_decref(l);
}
END_TEST

START_TEST(stuck_on_the_tick)
{
	static const char *const ch[] = { "1.1", NULL };
	long long now = (long long)time(NULL), t0 = now - 3 * 86400;
	json_t *l;
	char *m;

	/* objects 3 and 4 are not in the registry: resource unknown, weight 1 */
	rule_set("3.1.1", "{\"stuck_days\":1,\"stuck_min_pulses\":10}");
	rule_set("4", "{\"stuck_days\":1,\"stuck_min_pulses\":10}");
	/* object 4's gateway is offline: its silence is no stuck meter */
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/4/status", "{\"online\":false}", 1, true),
			 0);
	for (int i = 0; i < 12; i++)
		batch(4, t0 + i * 10 * M, ch, 1);
	for (int i = 0; i < 12; i++)
		batch(3, t0 + i * 10 * M, ch, 1);
	/* a day without pulses since: raised by the timer, not by a reading */
	m = wait_state("stuck/3.1.1", "raised");
	ck_assert_msg(strstr(m, "\"resource\":\"unknown\"") && strstr(m, "\"stuck_days\":1"), "%s",
		      m);
	free(m);
	/* the tick that raised it looked at 4.1.1 too (its readings came first) */
	l = alarms_of("stuck");
	ck_assert_uint_eq(json_array_size(l), 1);
	ck_assert_ptr_null(find(l, "stuck/4.1.1"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(l, 0), "count")), 1);
	json_decref(l);
	/* the gateway back: now its meter's silence counts */
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/4/status", "{\"online\":true}", 1, true),
			 0);
	m = wait_state("stuck/4.1.1", "raised");
	free(m);
	/* the meter counts again */
	batch(3, now + 60, ch, 2);
	m = wait_state("stuck/3.1.1", "cleared");
	free(m);
}
END_TEST

START_TEST(verification_due_and_moved)
{
	char a[256], day[16], *m;
	time_t later = time(NULL) + 100 * 86400;
	json_t *l;

	m = wait_state("verification_due/1.1.4", "raised");
	ck_assert_msg(strstr(m, "\"verification_days\":30") && strstr(m, "\"days_left\":"), "%s",
		      m);
	free(m);
	strftime(day, sizeof day, "%Y-%m-%d", gmtime(&later));
	snprintf(a, sizeof a, "{\"id\":\"1.1.4\",\"actor\":\"test\",\"verification_due\":\"%s\"}",
		 day);
	json_decref(arc_rpc(&h, "registry.set", a, NULL, NULL, 0));
	m = wait_state("verification_due/1.1.4", "cleared");
	free(m);
	l = alarms_of("verification_due");
	ck_assert_uint_eq(json_array_size(l), 1); /* one alarm, not one a refresh */
	json_decref(l);
}
END_TEST

START_TEST(debt_above_and_paid)
{
	char buf[512], day[16], *m;
	time_t yesterday = time(NULL) - 86400;
	long long p, acc;
	json_t *r, *l;

	bil_create(&h, "org", BIL_ORG);
	bil_create(&h, "rate",
		   "\"org\":1,\"kind\":\"key_rate\",\"from\":\"2020-01-01\",\"rate\":\"16.00\"");
	bil_create(&h, "building",
		   "\"org\":1,\"address\":\"ул. Садовая, 12\",\"tz\":\"Europe/Moscow\"");
	p = bil_create(&h, "premises",
		       "\"building\":1,\"number\":\"7\",\"kind\":\"flat\",\"area\":\"50.00\","
		       "\"residents\":2");
	bil_create(&h, "service",
		   "\"org\":1,\"code\":\"cold_water\",\"name\":\"ХВС\",\"unit\":\"m3\"");
	snprintf(buf, sizeof buf,
		 "\"premises\":%lld,\"service\":1,\"channel\":\"1.1.1\",\"from\":\"2026-01-01\"",
		 p);
	bil_create(&h, "meter", buf);
	snprintf(buf, sizeof buf,
		 "\"org\":1,\"number\":\"100001\",\"holder\":{\"type\":\"person\",\"name\":"
		 "\"Жилец\"},\"premises\":[{\"premises\":%lld,\"from\":\"2026-01-01\"}]",
		 p);
	acc = bil_create(&h, "account", buf);
	snprintf(buf, sizeof buf,
		 "{\"account\":%lld,\"actor\":\"accountant\",\"reason\":\"t\",\"date\":"
		 "\"2026-10-31\",\"items\":[{\"period\":\"2026-06\",\"amount\":\"1000.00\"}]}",
		 acc);
	json_decref(bil_call(&h, "account.opening", buf, NULL, NULL, 0));
	/* 1000.00 overdue, above 500.00 set for every object */
	rule_set("default", "{\"debt_threshold\":\"500.00\"}");
	m = wait_state("debt/1.1", "raised");
	ck_assert_msg(strstr(m, "\"overdue\":\"1000.00\"") &&
			      strstr(m, "\"threshold_kop\":50000") &&
			      strstr(m, "\"number\":\"100001\""),
		      "%s", m);
	free(m);
	/* paid: no longer a debtor, cleared by the next poll */
	strftime(day, sizeof day, "%Y-%m-%d", gmtime(&yesterday));
	snprintf(buf, sizeof buf,
		 "{\"account\":%lld,\"actor\":\"accountant\",\"date\":\"%s\",\"amount\":"
		 "\"1000.00\"}",
		 acc, day);
	r = bil_call(&h, "payment.create", buf, NULL, NULL, 0);
	json_decref(r);
	m = wait_state("debt/1.1", "cleared");
	free(m);
	l = alarms_of("debt");
	ck_assert_uint_eq(json_array_size(l), 1); /* one alarm over all the polls */
	json_decref(l);
}
END_TEST

/* The gateway's parameters per object over the options' defaults
 * (--gateway-offline-min 10, --spool-pct 80). */
START_TEST(gateway_rules_per_object)
{
	const char *full = "{\"online\":true,\"spool\":{\"pending\":60,\"capacity\":100}}";
	json_t *l;
	char *m;

	rule_set("2", "{\"spool_pct\":50}");
	rule_set("3", "{\"gateway_offline_min\":0}");
	/* the others' first: the alarms below show they were looked at */
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/5/status", full, 1, true), 0);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/6/status", "{\"online\":false}", 1, true),
			 0);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/2/status", full, 1, true), 0);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/3/status", "{\"online\":false}", 1, true),
			 0);
	m = wait_state("spool/2", "raised");
	free(m);
	m = wait_state("gateway_offline/3", "raised");
	free(m);
	l = alarms_of("spool");
	ck_assert_uint_eq(json_array_size(l), 1); /* 60 % is under object 5's 80 % */
	json_decref(l);
	l = alarms_of("gateway_offline");
	ck_assert_uint_eq(json_array_size(l), 1); /* object 6 has 10 minutes */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(l, 0), "count")), 1);
	json_decref(l);
}
END_TEST

START_TEST(bad_rule_changes_nothing)
{
	json_t *e, *r, *rec;
	char *m;

	rule_set("cold_water", "{\"leak_hours\":6}");
	e = call("rule.set",
		 "{\"scope\":\"cold_water\",\"actor\":\"test\","
		 "\"params\":{\"leak_hours\":2,\"burst_per_h\":1.5}}",
		 "bad_request");
	ck_assert_msg(strstr(json_string_value(json_object_get(e, "message")) ?: "",
			     "params.burst_per_h"),
		      "%s", json_string_value(json_object_get(e, "message")));
	json_decref(e);
	e = call("rule.set", "{\"scope\":\"1.5\",\"actor\":\"test\",\"params\":{}}", "bad_request");
	ck_assert_msg(strstr(json_string_value(json_object_get(e, "message")) ?: "", "scope"), "%s",
		      json_string_value(json_object_get(e, "message")));
	json_decref(e);
	e = call("rule.set",
		 "{\"scope\":\"1.1.1\",\"actor\":\"test\",\"params\":{\"spool_pct\":50}}",
		 "bad_request");
	json_decref(e);
	r = call("rules", "{}", NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "rules")), 1);
	rec = json_array_get(json_object_get(r, "rules"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "scope")), "cold_water");
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(rec, "params"), "leak_hours")),
		6);
	ck_assert_ptr_null(json_object_get(json_object_get(rec, "params"), "burst_per_h"));
	json_decref(r);
	/* removed, audited like a set */
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
	json_decref(call("rule.delete", "{\"scope\":\"cold_water\",\"actor\":\"test\"}", NULL));
	m = harness_wait_message(&h, "amr/v1/audit", "\"action\":\"rule.delete\"", 10000);
	ck_assert_msg(m && strstr(m, "\"target\":\"notify/rule/cold_water\"") &&
			      strstr(m, "\"actor\":\"test\""),
		      "%s", m ? m : "no audit");
	free(m);
	r = call("rules", "{}", NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "rules")), 0);
	json_decref(r);
	json_decref(
		call("rule.delete", "{\"scope\":\"cold_water\",\"actor\":\"test\"}", "not_found"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify_rules");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, leak_once_and_cleared);
	tcase_add_test(tc, night_leak_in_local_hours);
	tcase_add_test(tc, burst_by_the_channels_rule);
	tcase_add_test(tc, stuck_on_the_tick);
	tcase_add_test(tc, verification_due_and_moved);
	tcase_add_test(tc, debt_above_and_paid);
	tcase_add_test(tc, gateway_rules_per_object);
	tcase_add_test(tc, bad_rule_changes_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("names");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup_hourly, teardown_hourly);
	tcase_add_test(tc, a_new_label_names_the_next_alarm);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
