/* telemetry.c: the rules between a batch's readings and its counter events. */
#include <check.h>
#include <string.h>

#include "telemetry.h"

/* A batch's readings after its counter events: each case one channel. */
START_TEST(delta_against_total_and_counter_events)
{
	static const struct {
		uint32_t total, delta;
		int events;	    /* counter events for 5.1 */
		long long from[2];  /* their from, -1: none */
		const char *reject; /* start of the message, NULL: accepted */
	} cases[] = {
		{ 100, 100, 0, { 0 }, NULL }, /* a first reading: all of its total */
		{ 100, 101, 0, { 0 }, "readings[0].delta: 101 exceeds total 100 without a" },
		{ 5, 15, 1, { 10 }, NULL }, /* 10 before the zero, 5 after */
		{ 5,
		  16,
		  1,
		  { 10 },
		  "readings[0].delta: 16 exceeds total 5 plus the from of the "
		  "counter events for 5.1 (10)" },
		{ 5, 6, 1, { -1 }, "readings[0].delta: 6 exceeds total 5 plus" },
		{ 4, 34, 2, { 20, 10 }, NULL }, /* a merged batch: two zeros */
		{ 4, 35, 2, { 20, 10 }, "readings[0].delta: 35 exceeds total 4 plus" },
		{ 0, 4294967295u, 1, { 4294967295LL }, NULL },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct telemetry_reading rd = { cases[i].total, cases[i].delta, 0, 5, 1 };
		struct jv_err e = { "" };
		struct telemetry_chans c;
		int rc;

		telemetry_chans_init(&c);
		for (int k = 0; k < cases[i].events; k++)
			telemetry_counter_add(&c, 5, 1, cases[i].from[k]);
		telemetry_counter_add(&c, 5, 2, 1000000); /* another channel's explains nothing */
		rc = telemetry_reading_check(&c, &rd, 0, &e);
		if (!cases[i].reject) {
			ck_assert_msg(rc == AMR_OK, "case %zu: %s", i, e.msg);
			continue;
		}
		ck_assert_msg(rc == AMR_EINVAL, "case %zu accepted", i);
		ck_assert_msg(!strncmp(e.msg, cases[i].reject, strlen(cases[i].reject)),
			      "case %zu: %s", i, e.msg);
	}
}
END_TEST

START_TEST(one_reading_per_channel)
{
	const struct telemetry_reading a = { 10, 0, 0, 5, 1 }, b = { 10, 0, 0, 5, 2 };
	struct jv_err e = { "" };
	struct telemetry_chans c;

	telemetry_chans_init(&c);
	ck_assert_int_eq(telemetry_reading_check(&c, &a, 0, &e), AMR_OK);
	ck_assert_int_eq(telemetry_reading_check(&c, &b, 1, &e), AMR_OK);
	ck_assert_int_eq(telemetry_reading_check(&c, &a, 2, &e), AMR_EINVAL);
	ck_assert_str_eq(e.msg, "readings[2]: channel 5.1 appears twice");
}
END_TEST

START_TEST(seq_and_ts)
{
	const struct telemetry_window w = { 45 * 86400, 300 };
	struct jv_err e = { "" };
	long long seq, prev, ts;
	json_t *b = json_loads("{\"seq\":9007199254740991,\"prev\":3,\"ts\":1000300}", 0, NULL);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(telemetry_seq(b, &seq, &prev, &e), AMR_OK);
	ck_assert_int_eq(seq, PROTO_SEQ_MAX);
	ck_assert_int_eq(prev, 3);
	ck_assert_int_eq(telemetry_ts(b, "", &w, 1000000, &ts, &e), AMR_OK);
	ck_assert_int_eq(telemetry_ts(b, "", &w, 999999, &ts, &e), AMR_EINVAL);
	ck_assert_str_eq(e.msg, "ts: 1000300 is 301 s ahead of the server clock (limit 300 s)");
	ck_assert_int_eq(telemetry_ts(b, "", &w, 1000300 + 45 * 86400 + 1, &ts, &e), AMR_EINVAL);
	ck_assert_str_eq(e.msg, "ts: 1000300 is older than the horizon of 45 days");
	json_object_set_new(b, "seq", json_integer(PROTO_SEQ_MAX + 1));
	ck_assert_int_eq(telemetry_seq(b, &seq, &prev, &e), AMR_EINVAL);
	ck_assert_str_eq(e.msg, "seq: 9007199254740992 is out of range 1..9007199254740991");
	json_decref(b);
}
END_TEST

Suite *telemetry_suite(void)
{
	Suite *s = suite_create("telemetry");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, delta_against_total_and_counter_events);
	tcase_add_test(tc, one_reading_per_channel);
	tcase_add_test(tc, seq_and_ts);
	suite_add_tcase(s, tc);
	return s;
}
