/*
 * Unit tests of amr-notify's flow alarms (services/notify/flow.c): leak,
 * night flow, burst and stuck over series of readings and ticks, from
 * tables. Each series says exactly at which step each alarm is raised or
 * cleared and since when; any other change fails the test.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "flow.h"

/* 2024-01-01 00:00 in Moscow (UTC+3), where the series' local hours are. */
#define T0 1704056400
#define M  60
#define H  3600
#define D  86400

static int hour_of(int64_t ts)
{
	return (int)(((ts + 3 * H) / H) % 24);
}

/*
 * The parameters of a series: the rules' own, with leak_zero_min 30 and
 * max_gap_min 180 (the defaults) throughout.
 */
#define P(leak, from, to, night, burst, bmin, stuck, smin)                                       \
	{                                                                                        \
		.leak_hours = leak, .leak_zero_min = 30, .night_from_h = from, .night_to_h = to, \
		.night_max_pulses_h = night, .burst_pulses_h = burst, .burst_min = bmin,         \
		.stuck_days = stuck, .stuck_min_pulses = smin, .max_gap_min = 180                \
	}

/* n readings ('r') of delta pulses, or n ticks ('t'), at T0 + at, every seconds apart. */
struct seg {
	char op;
	int64_t at;
	int n;
	int64_t every;
	int64_t delta;
};

/* An alarm's change expected at the step at T0 + at, since T0 + since. */
struct want {
	int64_t at;
	char rule; /* 'l'eak, 'b'urst, 's'tuck */
	enum flow_change ch;
	int64_t since;
};

struct series {
	const char *name;
	struct flow_params p;
	struct seg seg[8];   /* up to op 0 */
	struct want want[4]; /* up to rule 0 */
};

/* One call's output against the wants; active[] follows the alarms. */
static void check_out(const struct series *c, int64_t ts, const struct flow_out *out,
		      bool active[3], bool used[4])
{
	const struct flow_rule *r[3] = { &out->leak, &out->burst, &out->stuck };
	static const char name[3][6] = { "leak", "burst", "stuck" };

	for (int i = 0; i < 3; i++) {
		bool now = r[i]->change == FLOW_SAME ? active[i] : r[i]->change == FLOW_RAISED;
		int w;

		ck_assert_msg(r[i]->change != FLOW_RAISED || !active[i],
			      "%s +%lld: %s raised again", c->name, (long long)(ts - T0), name[i]);
		ck_assert_msg(r[i]->change != FLOW_CLEARED || active[i],
			      "%s +%lld: %s cleared while not active", c->name,
			      (long long)(ts - T0), name[i]);
		ck_assert_msg(r[i]->active == now, "%s +%lld: %s active %d", c->name,
			      (long long)(ts - T0), name[i], r[i]->active);
		active[i] = now;
		if (r[i]->change == FLOW_SAME)
			continue;
		for (w = 0; c->want[w].rule; w++) {
			if (!used[w] && T0 + c->want[w].at == ts && c->want[w].rule == name[i][0] &&
			    c->want[w].ch == r[i]->change)
				break;
		}
		ck_assert_msg(c->want[w].rule, "%s +%lld: unexpected %s %s", c->name,
			      (long long)(ts - T0), name[i],
			      r[i]->change == FLOW_RAISED ? "raise" : "clear");
		ck_assert_msg(r[i]->since == T0 + c->want[w].since, "%s +%lld: %s since +%lld",
			      c->name, (long long)(ts - T0), name[i],
			      (long long)(r[i]->since - T0));
		used[w] = true;
	}
}

static void run_series(const struct series *c)
{
	struct flow_state s = { 0 };
	struct flow_out out;
	bool active[3] = { false }, used[4] = { false };
	int64_t last = 0;

	for (const struct seg *g = c->seg; g->op; g++) {
		for (int k = 0; k < g->n; k++) {
			int64_t ts = T0 + g->at + k * g->every;

			memset(&out, 0xa5, sizeof out);
			if (g->op == 'r') {
				flow_reading(&s, &c->p, ts, g->delta, hour_of(ts), &out);
				ck_assert_msg(out.ignored == (ts <= last), "%s +%lld: ignored %d",
					      c->name, (long long)(ts - T0), out.ignored);
				if (ts > last)
					last = ts;
			} else {
				flow_tick(&s, &c->p, ts, &out);
				ck_assert(!out.ignored);
			}
			check_out(c, ts, &out, active, used);
		}
	}
	for (int w = 0; c->want[w].rule; w++)
		ck_assert_msg(used[w], "%s: no %c %d at +%lld", c->name, c->want[w].rule,
			      c->want[w].ch, (long long)c->want[w].at);
}

static void run_table(const struct series *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_series(&t[i]);
}

#define RUN(t) run_table(t, sizeof t / sizeof t[0])

START_TEST(leak_continuous_flow)
{
	static const struct series t[] = {
		/* 1 pulse every 10 min for 30 h, then the tap is fixed. */
		{ "dripping tap",
		  P(24, 0, 0, 0, 0, 0, 0, 10),
		  { { 'r', 0, 181, 10 * M, 1 }, { 'r', 30 * H + 10 * M, 4, 10 * M, 0 } },
		  { { 24 * H, 'l', FLOW_RAISED, 0 }, { 30 * H + 30 * M, 'l', FLOW_CLEARED, 0 } } },
		/* 20 minutes at zero are not a zero-flow span of 30. */
		{ "tap pausing 20 min",
		  P(12, 0, 0, 0, 0, 0, 0, 10),
		  { { 'r', 0, 19, 10 * M, 1 },
		    { 'r', 3 * H + 10 * M, 2, 10 * M, 0 },
		    { 'r', 3 * H + 30 * M, 58, 10 * M, 1 } },
		  { { 12 * H, 'l', FLOW_RAISED, 0 } } },
		/* 30 minutes at zero are: the 12 h count from their end. */
		{ "tap pausing 30 min",
		  P(12, 0, 0, 0, 0, 0, 0, 10),
		  { { 'r', 0, 19, 10 * M, 1 },
		    { 'r', 3 * H + 10 * M, 3, 10 * M, 0 },
		    { 'r', 3 * H + 40 * M, 72, 10 * M, 1 } },
		  { { 15 * H + 30 * M, 'l', FLOW_RAISED, 3 * H + 30 * M } } },
		/* Neither flow nor zero flow is seen across a 6 h gap. */
		{ "dripping across a gap",
		  P(24, 0, 0, 0, 0, 0, 0, 10),
		  { { 'r', 0, 61, 10 * M, 1 }, { 'r', 16 * H, 151, 10 * M, 1 } },
		  { { 40 * H, 'l', FLOW_RAISED, 16 * H } } },
		/* 12 h are up at a reading of zero: the leak waits for pulses. */
		{ "leak time up at zero flow",
		  P(12, 0, 0, 0, 0, 0, 0, 10),
		  { { 'r', 0, 72, 10 * M, 1 },
		    { 'r', 12 * H, 2, 10 * M, 0 },
		    { 'r', 12 * H + 20 * M, 3, 10 * M, 1 } },
		  { { 12 * H + 20 * M, 'l', FLOW_RAISED, 0 } } },
		{ "leak off",
		  P(0, 0, 0, 0, 0, 0, 0, 10),
		  { { 'r', 0, 181, 10 * M, 1 } },
		  { { 0 } } },
	};

	RUN(t);
}
END_TEST

START_TEST(leak_night_flow)
{
	static const struct series t[] = {
		/* 36 pulses/h from 00:00 to 06:00; the next night 12/h. */
		{ "night flow",
		  P(0, 1, 5, 30, 0, 0, 0, 10),
		  { { 'r', 0, 37, 10 * M, 6 }, { 'r', 24 * H, 37, 10 * M, 2 } },
		  { { 2 * H, 'l', FLOW_RAISED, 1 * H }, { 26 * H, 'l', FLOW_CLEARED, 1 * H } } },
		{ "night flow at the threshold",
		  P(0, 1, 5, 30, 0, 0, 0, 10),
		  { { 'r', 0, 37, 10 * M, 5 } },
		  { { 0 } } },
		{ "night flow in one hourly reading",
		  P(0, 1, 5, 30, 0, 0, 0, 10),
		  { { 'r', 0, 7, H, 40 } },
		  { { 2 * H, 'l', FLOW_RAISED, 1 * H } } },
		/* 23:00..02:00: the first night interval starts at 23:00. */
		{ "night window past midnight",
		  P(0, 23, 2, 30, 0, 0, 0, 10),
		  { { 'r', 22 * H, 31, 10 * M, 6 } },
		  { { 24 * H, 'l', FLOW_RAISED, 23 * H } } },
		/* The same flow by day is not night flow. */
		{ "day flow",
		  P(0, 1, 5, 30, 0, 0, 0, 10),
		  { { 'r', 8 * H, 37, 10 * M, 6 } },
		  { { 0 } } },
		/* Night flow then 30 min of zero: the leak ends with the zero. */
		{ "night flow then zero",
		  P(0, 1, 5, 30, 0, 0, 0, 10),
		  { { 'r', 0, 19, 10 * M, 6 }, { 'r', 3 * H + 10 * M, 3, 10 * M, 0 } },
		  { { 2 * H, 'l', FLOW_RAISED, 1 * H },
		    { 3 * H + 30 * M, 'l', FLOW_CLEARED, 1 * H } } },
	};

	RUN(t);
}
END_TEST

START_TEST(burst_rate)
{
	static const struct series t[] = {
		/* 12 pulses/h, 10 min at 1200/h, 12/h again. */
		{ "shower",
		  P(0, 0, 0, 0, 600, 30, 0, 10),
		  { { 'r', 0, 13, 5 * M, 1 },
		    { 'r', H + 5 * M, 2, 5 * M, 100 },
		    { 'r', H + 15 * M, 10, 5 * M, 1 } },
		  { { 0 } } },
		/* 40 min at 1200/h, then a resent reading of the raise and a shower. */
		{ "burst",
		  P(0, 0, 0, 0, 600, 30, 0, 10),
		  { { 'r', 0, 13, 5 * M, 1 },
		    { 'r', H + 5 * M, 8, 5 * M, 100 },
		    { 'r', H + 45 * M, 12, 5 * M, 1 },
		    { 'r', H + 30 * M, 1, 0, 100 },
		    { 'r', 2 * H + 45 * M, 2, 5 * M, 100 },
		    { 'r', 2 * H + 55 * M, 4, 5 * M, 1 } },
		  { { H + 30 * M, 'b', FLOW_RAISED, H }, { H + 45 * M, 'b', FLOW_CLEARED, H } } },
		/* One second short of 30 minutes above. */
		{ "burst of 29:59",
		  P(0, 0, 0, 0, 600, 30, 0, 10),
		  { { 'r', 0, 13, 5 * M, 1 },
		    { 'r', H + 5 * M, 5, 5 * M, 100 },
		    { 'r', H + 30 * M - 1, 1, 0, 100 },
		    { 'r', H + 35 * M, 6, 5 * M, 1 } },
		  { { 0 } } },
		{ "burst at the threshold",
		  P(0, 0, 0, 0, 600, 30, 0, 10),
		  { { 'r', 0, 13, 5 * M, 1 }, { 'r', H + 5 * M, 12, 5 * M, 50 } },
		  { { 0 } } },
		{ "burst off",
		  P(0, 0, 0, 0, 0, 30, 0, 10),
		  { { 'r', 0, 13, 5 * M, 1 }, { 'r', H + 5 * M, 12, 5 * M, 100 } },
		  { { 0 } } },
	};

	RUN(t);
}
END_TEST

START_TEST(burst_after_gaps)
{
	static const struct series t[] = {
		/* 5000 pulses after 6 h is 833/h over the gap: still no burst. */
		{ "6 h gap then a big delta",
		  P(0, 0, 0, 0, 600, 30, 0, 10),
		  { { 'r', 0, 13, 5 * M, 1 },
		    { 'r', 7 * H, 1, 0, 5000 },
		    { 'r', 7 * H + 5 * M, 12, 5 * M, 1 } },
		  { { 0 } } },
		/* 100 pulses after 2 h is 50/h, not the 1200/h of 5 minutes. */
		{ "2 h silence then its pulses",
		  P(0, 0, 0, 0, 600, 30, 0, 10),
		  { { 'r', 0, 13, 5 * M, 1 },
		    { 'r', 3 * H, 1, 0, 100 },
		    { 'r', 3 * H + 5 * M, 12, 5 * M, 1 } },
		  { { 0 } } },
		/* Within max_gap_min a long interval counts at its own rate. */
		{ "2 h above the threshold",
		  P(0, 0, 0, 0, 600, 30, 0, 10),
		  { { 'r', 0, 13, 5 * M, 1 },
		    { 'r', 3 * H, 1, 0, 2000 },
		    { 'r', 3 * H + 5 * M, 12, 5 * M, 1 } },
		  { { 3 * H, 'b', FLOW_RAISED, H }, { 3 * H + 5 * M, 'b', FLOW_CLEARED, H } } },
	};

	RUN(t);
}
END_TEST

START_TEST(stuck_meter)
{
	static const struct series t[] = {
		/* 25 pulses in a day, then silence; ticks, a zero reading, a pulse. */
		{ "stuck by tick",
		  P(0, 0, 0, 0, 0, 0, 3, 10),
		  { { 'r', 0, 25, H, 1 },
		    { 't', 24 * H + 3 * D - 1, 1, 0, 0 },
		    { 't', 24 * H + 3 * D, 2, H, 0 },
		    { 'r', 24 * H + 3 * D + 2 * H, 1, 0, 0 },
		    { 't', 24 * H + 3 * D + 3 * H, 1, 0, 0 },
		    { 'r', 24 * H + 4 * D, 1, 0, 1 },
		    { 't', 24 * H + 8 * D, 1, 0, 0 } },
		  { { 24 * H + 3 * D, 's', FLOW_RAISED, 24 * H },
		    { 24 * H + 4 * D, 's', FLOW_CLEARED, 24 * H } } },
		{ "stuck by a reading of zero",
		  P(0, 0, 0, 0, 0, 0, 3, 10),
		  { { 'r', 0, 25, H, 1 }, { 'r', 24 * H + 3 * D, 1, 0, 0 } },
		  { { 24 * H + 3 * D, 's', FLOW_RAISED, 24 * H } } },
		{ "never counted",
		  P(0, 0, 0, 0, 0, 0, 3, 10),
		  { { 'r', 0, 25, H, 0 }, { 't', 3 * D, 1, 0, 0 }, { 't', 10 * D, 1, 0, 0 } },
		  { { 0 } } },
		{ "counted 9 of 10",
		  P(0, 0, 0, 0, 0, 0, 3, 10),
		  { { 'r', 0, 9, H, 1 },
		    { 't', 8 * H + 3 * D, 1, 0, 0 },
		    { 't', 10 * D, 1, 0, 0 } },
		  { { 0 } } },
		{ "counted 10 of 10",
		  P(0, 0, 0, 0, 0, 0, 3, 10),
		  { { 'r', 0, 10, H, 1 }, { 't', 9 * H + 3 * D, 1, 0, 0 } },
		  { { 9 * H + 3 * D, 's', FLOW_RAISED, 9 * H } } },
		/* 10 pulses, then 1 five days later: 1 in the 3 days before silence. */
		{ "counted long ago",
		  P(0, 0, 0, 0, 0, 0, 3, 10),
		  { { 'r', 0, 1, 0, 10 },
		    { 'r', 5 * D, 1, 0, 1 },
		    { 't', 8 * D, 1, 0, 0 },
		    { 't', 20 * D, 1, 0, 0 } },
		  { { 0 } } },
		/* More pulse readings than are kept: the last FLOW_RECENT decide. */
		{ "counted 48, 16 needed",
		  P(0, 0, 0, 0, 0, 0, 3, FLOW_RECENT),
		  { { 'r', 0, 48, H, 1 }, { 't', 47 * H + 3 * D, 1, 0, 0 } },
		  { { 47 * H + 3 * D, 's', FLOW_RAISED, 47 * H } } },
		/* 256 pulses in one reading: kept as FLOW_RECENT, not a wrapped byte. */
		{ "counted in one batch",
		  P(0, 0, 0, 0, 0, 0, 3, 10),
		  { { 'r', 0, 1, 0, 256 }, { 't', 3 * D, 1, 0, 0 } },
		  { { 3 * D, 's', FLOW_RAISED, 0 } } },
		{ "stuck off",
		  P(0, 0, 0, 0, 0, 0, 0, 10),
		  { { 'r', 0, 25, H, 1 }, { 't', 30 * D, 1, 0, 0 } },
		  { { 0 } } },
	};

	RUN(t);
}
END_TEST

/* A resent, an out-of-range or a negative reading leaves the state as it was. */
START_TEST(ignored_readings_change_nothing)
{
	struct flow_params p = P(24, 1, 5, 30, 600, 30, 3, 10);
	struct flow_state s = { 0 }, before;
	struct flow_out out;
	static const struct {
		int64_t ts;
		int64_t delta;
	} bad[] = {
		{ T0 + H, 100 }, { T0 + H, 0 }, { T0 + H - 1, 5000 }, { T0, 100 },
		{ 0, 1 },	 { -1, 1 },	{ T0 + H + 1, -1 },
	};

	for (int k = 0; k <= 12; k++)
		flow_reading(&s, &p, T0 + k * 5 * M, 100, hour_of(T0 + k * 5 * M), &out);
	ck_assert(out.burst.active && out.burst.change == FLOW_SAME);
	ck_assert_int_eq(out.burst.since, T0);
	memcpy(&before, &s, sizeof s);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&out, 0xa5, sizeof out);
		flow_reading(&s, &p, bad[i].ts, bad[i].delta, 2, &out);
		ck_assert_msg(!memcmp(&s, &before, sizeof s), "reading %zu changed the state", i);
		ck_assert(out.ignored);
		ck_assert(out.burst.active && out.burst.change == FLOW_SAME);
		ck_assert_int_eq(out.burst.since, T0);
		ck_assert(!out.leak.active && out.leak.change == FLOW_SAME);
		ck_assert(!out.stuck.active && out.stuck.change == FLOW_SAME);
	}
	/* A tick before the silence is long enough changes nothing either. */
	flow_tick(&s, &p, T0 + H + 3 * D - 1, &out);
	ck_assert(!memcmp(&s, &before, sizeof s));
	ck_assert(!out.ignored && out.burst.active && out.burst.change == FLOW_SAME);
	/* The next reading counts again: 12 pulses in 5 min end the burst. */
	flow_reading(&s, &p, T0 + H + 5 * M, 1, 2, &out);
	ck_assert(!out.ignored && !out.burst.active && out.burst.change == FLOW_CLEARED);
	ck_assert_int_eq(out.burst.since, T0);
}
END_TEST

START_TEST(params_checked)
{
	struct flow_params p;
	const char *why = NULL;

	flow_params_init(&p);
	ck_assert_int_eq(p.leak_zero_min, 30);
	ck_assert_int_eq(p.stuck_min_pulses, 10);
	ck_assert_int_eq(p.max_gap_min, 180);
	ck_assert(!p.leak_hours && !p.night_max_pulses_h && !p.burst_pulses_h && !p.stuck_days);
	ck_assert_int_eq(flow_params_check(&p, &why), AMR_OK);
	ck_assert_ptr_null(why);

	p.stuck_min_pulses = FLOW_RECENT + 1;
	ck_assert_int_eq(flow_params_check(&p, &why), AMR_EINVAL);
	ck_assert_str_eq(why, "stuck_min_pulses: 0..16");
	p.stuck_min_pulses = FLOW_RECENT;
	p.night_to_h = 24;
	ck_assert_int_eq(flow_params_check(&p, &why), AMR_EINVAL);
	ck_assert_str_eq(why, "night_to_h: 0..23");
	p.night_to_h = 5;
	p.max_gap_min = 0;
	ck_assert_int_eq(flow_params_check(&p, &why), AMR_EINVAL);
	ck_assert_str_eq(why, "max_gap_min: 1..10080");
	p.max_gap_min = 180;
	p.burst_pulses_h = FLOW_RATE_MAX + 1;
	ck_assert_int_eq(flow_params_check(&p, &why), AMR_EINVAL);
	ck_assert_str_eq(why, "burst_pulses_h: 0..1e9");
	p.burst_pulses_h = -1;
	ck_assert_int_eq(flow_params_check(&p, &why), AMR_EINVAL);
	p.burst_pulses_h = FLOW_RATE_MAX;
	ck_assert_int_eq(flow_params_check(&p, &why), AMR_OK);
}
END_TEST

static Suite *flow_suite(void)
{
	Suite *s = suite_create("notify_flow");
	TCase *tc = tcase_create("flow");

	tcase_add_test(tc, leak_continuous_flow);
	tcase_add_test(tc, leak_night_flow);
	tcase_add_test(tc, burst_rate);
	tcase_add_test(tc, burst_after_gaps);
	tcase_add_test(tc, stuck_meter);
	tcase_add_test(tc, ignored_readings_change_nothing);
	tcase_add_test(tc, params_checked);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(flow_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
