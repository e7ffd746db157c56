/* Unit tests of the building simulator (firmware/sim: gen.c, sim.c, simcmd.c)
 * without a bus: meter profiles, the weather and the heat meter, faults, and
 * every control command. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../firmware/sim/simcmd.h"
#include "../../firmware/sim/gen.h"
#include "../../firmware/sim/sim.h"

#define HOUR_MS	 3600000ull
#define DAY_MS	 (24 * HOUR_MS)
#define T0	 1763600000000ull /* a fixed simulated start */
#define MSK	 3.0		  /* Moscow: UTC+3 all year */
#define JAN_2025 1735678800000ull /* 2025-01-01 00:00 MSK */
#define JUL_2025 1751317200000ull /* 2025-07-01 00:00 MSK */
#define OCT_2025 1759266000000ull /* 2025-10-01 00:00 MSK */

/* ---- generators --------------------------------------------------- */

/* Pulses a generator emits over days; checks their shape on the way (plain
 * comparisons: a Check assertion per edge would dominate the run time). */
static uint64_t run_days(struct gen *g, int days)
{
	uint64_t n = 0, last_end = 0;
	struct gen_edge e[GEN_MAX_EDGES];
	bool ok = true;

	while (g->next_ms < T0 + (uint64_t)days * DAY_MS) {
		int k = gen_take(g, e);

		ok = ok && k >= 2 && e[0].level && !e[k - 1].level;
		ok = ok && e[0].t_ms >= last_end; /* pulses never overlap */
		for (int i = 1; i < k; i++)
			ok = ok && e[i].t_ms > e[i - 1].t_ms;
		last_end = e[k - 1].t_ms;
		n++;
	}
	ck_assert_msg(ok, "%s: malformed pulse", gen_kind_name(g->kind));
	return n;
}

START_TEST(daily_consumption_is_realistic)
{
	static const struct {
		enum gen_kind k;
		double per_day;
	} kinds[] = {
		{ GEN_COLD, 33 },
		{ GEN_HOT, 20 },
		{ GEN_ELEC, 6500 },
		{ GEN_GAS, 40 },
	};

	for (size_t i = 0; i < 4; i++) {
		for (uint64_t seed = 1; seed <= 3; seed++) {
			struct gen g;
			double per_day;

			gen_init(&g, kinds[i].k, seed, T0, 3.0);
			per_day = (double)run_days(&g, 20) / 20.0;
			/* Each apartment is 0.5..1.7 times the average (leaks on top). */
			ck_assert_msg(per_day > 0.4 * kinds[i].per_day &&
					      per_day < 1.9 * kinds[i].per_day,
				      "%s seed %llu: %.1f pulses a day", gen_kind_name(kinds[i].k),
				      (unsigned long long)seed, per_day);
		}
	}
}
END_TEST

START_TEST(evening_peak_above_night_base)
{
	for (int k = GEN_COLD; k <= GEN_GAS; k++) {
		struct gen g;
		/* In UTC+3: 03:00 local is 00:00 UTC, 20:30 local is 17:30 UTC. */
		uint64_t night = T0 - T0 % DAY_MS + DAY_MS,
			 evening = night + 17 * 3600000ull + 1800000;

		gen_init(&g, (enum gen_kind)k, 5, T0, 3.0);
		g.shift_h = 0;
		ck_assert_msg(gen_rate(&g, evening) > 2.5 * gen_rate(&g, night), "%s: %f vs %f",
			      gen_kind_name((enum gen_kind)k), gen_rate(&g, evening),
			      gen_rate(&g, night));
	}
}
END_TEST

START_TEST(water_leaks_now_and_then)
{
	struct gen g;
	int leaks = 0;
	bool was = false;

	gen_init(&g, GEN_COLD, 11, T0, 0);
	for (uint64_t t = T0; t < T0 + 365 * DAY_MS; t += 3600000) {
		struct gen_edge e[GEN_MAX_EDGES];

		while (g.next_ms < t)
			gen_take(&g, e);
		leaks += gen_leaking(&g, t) && !was;
		was = gen_leaking(&g, t);
	}
	ck_assert_int_ge(leaks, 3); /* about one a month */
	ck_assert_int_le(leaks, 30);
}
END_TEST

START_TEST(kind_names)
{
	ck_assert_int_eq(gen_kind_parse("elec"), GEN_ELEC);
	ck_assert_int_eq(gen_kind_parse("none"), GEN_NONE);
	ck_assert_int_eq(gen_kind_parse("water"), -1);
	ck_assert_str_eq(gen_kind_name(GEN_GAS), "gas");
	ck_assert_int_eq(gen_kind_parse("heat"), GEN_HEAT);
}
END_TEST

/* ---- weather and heat ----------------------------------------------- */

/* The mean outdoor temperature of the days from t, hourly samples. */
static double mean_c(uint64_t t, int days)
{
	double sum = 0;

	for (int h = 0; h < days * 24; h++)
		sum += gen_outdoor_c(t + (uint64_t)h * HOUR_MS, MSK);
	return sum / (days * 24);
}

START_TEST(outdoor_temperature_is_moscows)
{
	double day = 0, night = 0, lo, hi;

	ck_assert_msg(mean_c(JAN_2025, 31) > -12 && mean_c(JAN_2025, 31) < -2, "January: %.1f C",
		      mean_c(JAN_2025, 31));
	ck_assert_msg(mean_c(JUL_2025, 31) > 14 && mean_c(JUL_2025, 31) < 24, "July: %.1f C",
		      mean_c(JUL_2025, 31));
	for (int d = 0; d < 31; d++) {
		night += gen_outdoor_c(JAN_2025 + d * DAY_MS + 3 * HOUR_MS, MSK);
		day += gen_outdoor_c(JAN_2025 + d * DAY_MS + 15 * HOUR_MS, MSK);
	}
	ck_assert_msg(day > night + 31 * 4, "afternoons %.1f, nights %.1f", day / 31, night / 31);
	/* and there is weather: thaws and cold spells, not only the season */
	lo = hi = mean_c(JAN_2025, 1);
	for (int d = 1; d < 31; d++) {
		double m = mean_c(JAN_2025 + d * DAY_MS, 1);

		lo = m < lo ? m : lo;
		hi = m > hi ? m : hi;
	}
	ck_assert_msg(hi - lo > 5, "January's days from %.1f to %.1f C", lo, hi);
}
END_TEST

START_TEST(heat_only_in_the_heating_season)
{
	struct gen g;
	uint64_t t = JAN_2025 + 10 * DAY_MS + 5 * HOUR_MS;

	gen_init(&g, GEN_HEAT, 7, JUL_2025 + 14 * DAY_MS, MSK);
	gen_serve(&g, 32, JUL_2025 + 14 * DAY_MS);
	ck_assert_double_eq(g.scale, 32);
	ck_assert_double_eq(gen_rate(&g, JUL_2025 + 14 * DAY_MS), 0);
	ck_assert_double_eq(gen_rate(&g, OCT_2025 - HOUR_MS), 0); /* 30 September, 23:00 */
	/* In July the meter's next pulse is in the first hour of October. */
	ck_assert_uint_ge(g.next_ms, OCT_2025);
	ck_assert_uint_lt(g.next_ms, OCT_2025 + HOUR_MS);
	/* In January: the building's share of each degree below the rooms. */
	ck_assert_double_eq_tol(gen_rate(&g, t),
				32 * GEN_HEAT_MCAL_PER_DEGREE_DAY / 24 *
					(GEN_HEAT_INDOOR_C - gen_outdoor_c(t, MSK)),
				1e-9);
	ck_assert_double_gt(gen_rate(&g, t), 40); /* about 60 Mcal an hour */
}
END_TEST

/* ---- the simulator and its commands --------------------------------- */

static struct sim s;
static char dir[64];
static char answer[65536];
static uint64_t now_us = 1000000;

static void open_sim(enum gen_kind kind, double speed)
{
	struct sim_opts o = { 3, dir, 9600, speed, 1, { kind, kind, kind, kind }, false };

	ck_assert_int_eq(sim_open(&s, &o, NULL, now_us), 0);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_uo4_sim.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(&s, 0, sizeof s);
}

static void teardown(void)
{
	char cmd[128];

	sim_close(&s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *run(const char *line)
{
	struct simcmd_out out = { answer, sizeof answer, 0 };

	simcmd_exec(&s, line, now_us, &out);
	return answer;
}

static void advance_s(double seconds)
{
	now_us += (uint64_t)(seconds * 1e6);
	sim_advance(&s, now_us);
}

/* Every command, good and bad: the start of the answer. */
static const struct {
	const char *line;
	const char *answer;
} table[] = {
	{ "help", "ok commands: help; status [DEV];" },
	{ "status", "ok devices=3 mains_off=0 off=0 unplugged=0 generators=running" },
	{ "status 2", "ok slot=2 address=2 power=on mains=on battery_mv=3100 bus=plugged" },
	{ "status @3", "ok slot=3 address=3" },
	{ "status 9", "error: device 9: no device has that address" },
	{ "status x", "error: device x: a device is an address 1..127 or @slot" },
	{ "status 1 2", "error: usage: status [DEV]" },
	{ "totals", "1 1 0\n1 2 0\n1 3 0\n1 4 0\n2 1 0\n" },
	{ "mains off 1", "ok mains off slot 1 address 1" },
	{ "mains on 1", "ok mains on slot 1 address 1" },
	{ "mains off all", "ok mains off on 3 devices" },
	{ "mains on all", "ok mains on on 3 devices" },
	{ "mains of 1", "error: \"of\": expected on or off" },
	{ "mains off", "error: usage: mains off|on DEV|all" },
	{ "unplug 2", "ok slot 2 address 2 off the bus" },
	{ "plug 2", "ok slot 2 address 2 on the bus" },
	{ "unplug 0", "error: device 0" },
	{ "zero 1 4", "ok zeroed address 1 input 4" },
	{ "zero 1 0", "error: input 0: an input is 1..4" },
	{ "pulse 1 1 3", "ok address 1 input 1 total 3" },
	{ "pulse 1 1 0", "error: count 0: expected 1..100000" },
	{ "pulse 1 1 x", "error: count x" },
	{ "pause", "ok generators paused" },
	{ "resume", "ok generators running" },
	{ "pause now", "error: usage: pause" },
	{ "leak 1 1 5", "ok leak on address 1 input 1 for 5 h at 3 pulses/h" },
	{ "leak 1 1 5 20", "ok leak on address 1 input 1 for 5 h at 20 pulses/h" },
	{ "leak 1 1 -1", "error: hours -1" },
	{ "jumper 1 on", "ok jumper on on slot 1" },
	{ "jumper 1 maybe", "error: \"maybe\": expected on or off" },
	{ "reboot 2", "ok slot 2 restarted at address 2" },
	{ "battery 2 new", "ok new battery in slot 2" },
	{ "battery 2 old", "error: \"old\": the only battery action is new" },
	{ "speed 60", "ok speed 60" },
	{ "speed 0", "error: speed 0" },
	{ "", "error: empty command; try help" },
	{ "frobnicate 1", "error: unknown command \"frobnicate\"; try help" },
};

START_TEST(every_command)
{
	open_sim(GEN_COLD, 1);
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const char *a = run(table[i].line);

		ck_assert_msg(strncmp(a, table[i].answer, strlen(table[i].answer)) == 0,
			      "\"%s\" answered \"%s\", expected \"%s...\"", table[i].line, a,
			      table[i].answer);
		ck_assert_msg(a[strlen(a) - 1] == '\n', "\"%s\": no newline", table[i].line);
	}
}
END_TEST

START_TEST(errors_change_nothing)
{
	open_sim(GEN_NONE, 1);
	run("pulse 1 2 5");
	run("pulse 1 2 x");
	run("zero 1 9");
	run("mains of 1");
	ck_assert_uint_eq(uo4_total(&s.dev[0].fw, 1), 5);
	ck_assert(s.dev[0].hal.mains);
	ck_assert_str_eq(run("leak 1 1 5"),
			 "error: input 1 of device 1 has no meter (profile none)\n");
}
END_TEST

START_TEST(totals_end_with_a_dot)
{
	open_sim(GEN_NONE, 1);
	run("pulse 3 4 2");
	ck_assert_str_eq(run("totals"), "1 1 0\n1 2 0\n1 3 0\n1 4 0\n"
					"2 1 0\n2 2 0\n2 3 0\n2 4 0\n"
					"3 1 0\n3 2 0\n3 3 0\n3 4 2\n.\n");
}
END_TEST

START_TEST(generators_count_and_blocked_outputs_stop_them)
{
	uint32_t a, b;

	open_sim(GEN_ELEC, 3600);
	advance_s(2);
	a = uo4_total(&s.dev[0].fw, 0);
	ck_assert_uint_gt(a, 20); /* two simulated hours of a household */
	/* Block output 1 as the master would (coil 0): input 1 stops. */
	s.dev[0].fw.cfg.blocks = 0x01;
	s.dev[0].fw.cfg_dirty = true;
	uo4_commit(&s.dev[0].fw);
	advance_s(0.2);
	a = uo4_total(&s.dev[0].fw, 0);
	b = uo4_total(&s.dev[0].fw, 1);
	advance_s(2);
	ck_assert_uint_eq(uo4_total(&s.dev[0].fw, 0), a);
	ck_assert_uint_gt(uo4_total(&s.dev[0].fw, 1), b);
	ck_assert_uint_gt(s.dev[0].blocked_pulses, 0);
	/* Mains off releases the block: the flow and the count resume. */
	run("mains off 1");
	ck_assert_uint_eq(s.dev[0].hal.outputs, 0);
	advance_s(2);
	ck_assert_uint_gt(uo4_total(&s.dev[0].fw, 0), a);
	ck_assert(uo4_status(&s.dev[0].fw) & UO4_ST_ON_BATTERY);
	run("mains on 1");
	ck_assert_uint_eq(s.dev[0].hal.outputs, 0x01);
	/* Paused: nothing moves. */
	run("pause");
	advance_s(0.2);
	b = uo4_total(&s.dev[1].fw, 2);
	advance_s(2);
	ck_assert_uint_eq(uo4_total(&s.dev[1].fw, 2), b);
}
END_TEST

/* The house meters: device 4 after 3 flats counts their inputs 1..3
 * together, one pulse per SIM_HOUSE_RATIO plus the common use; what a
 * blocked flat does not take, the house meter does not count either. Its
 * input 4 is the building's heat meter, not the flats' gas (whether it
 * turns depends on the season of the wall clock: test_sim_history checks
 * the weather). */
START_TEST(house_meters_count_the_building)
{
	struct sim_opts o = {
		3, dir, 9600, 3600, 1, { GEN_COLD, GEN_HOT, GEN_ELEC, GEN_GAS }, true
	};
	struct sim_dev *h;
	uint64_t flats[HAL_CHANNELS] = { 0 }, blocked;

	ck_assert_int_eq(sim_open(&s, &o, NULL, now_us), 0);
	ck_assert_int_eq(s.n, 4);
	h = s.house;
	ck_assert_ptr_eq(h, &s.dev[3]);
	ck_assert_uint_eq(uo4_address(&h->fw), 4);
	advance_s(6);		       /* six simulated hours of the morning and the day */
	s.dev[0].fw.cfg.blocks = 0x04; /* flat 1's contactor opens */
	s.dev[0].fw.cfg_dirty = true;
	uo4_commit(&s.dev[0].fw);
	advance_s(6);
	blocked = s.dev[0].blocked_pulses;
	ck_assert_uint_gt(blocked, 0);
	run("pause"); /* the flats stop; the house gives what it still owes */
	advance_s(1);
	ck_assert_int_eq(h->gen[SIM_HOUSE_HEAT_INPUT - 1].kind, GEN_HEAT);
	ck_assert_double_eq(h->gen[SIM_HOUSE_HEAT_INPUT - 1].scale, 3); /* serves 3 flats */
	ck_assert_uint_eq(h->house_in[SIM_HOUSE_HEAT_INPUT - 1], 0);
	ck_assert_uint_eq(uo4_total(&h->fw, SIM_HOUSE_HEAT_INPUT - 1),
			  h->house_given[SIM_HOUSE_HEAT_INPUT - 1]);
	for (unsigned c = 0; c < HAL_CHANNELS; c++) {
		if (!sim_house_mirrors(c))
			continue;
		for (int i = 0; i < 3; i++)
			flats[c] += uo4_total(&s.dev[i].fw, c);
		/* every pulse the flats counted fed it, no blocked one did */
		ck_assert_msg(h->house_in[c] == flats[c], "input %u: fed %llu, flats counted %llu",
			      c + 1, (unsigned long long)h->house_in[c],
			      (unsigned long long)flats[c]);
		ck_assert_uint_eq(h->house_pending[c], 0);
		ck_assert_uint_eq(h->house_given[c], h->house_in[c] *
							     (1000 + SIM_HOUSE_EXTRA_PERMILLE) /
							     (1000u * SIM_HOUSE_RATIO));
		/* and the house's own firmware counted each pulse it was given */
		ck_assert_uint_eq(uo4_total(&h->fw, c), h->house_given[c]);
	}
	ck_assert_uint_gt(h->house_given[2], 100); /* electricity: 12 h of 3 flats */
	ck_assert_ptr_nonnull(strstr(run("status 4"), " house=yes flat_pulses="));
	ck_assert_ptr_nonnull(strstr(answer, ",0 given=")); /* no gas fed it */
	ck_assert_ptr_nonnull(strstr(answer, " outdoor_c="));
}
END_TEST

START_TEST(leak_command_makes_the_meter_turn)
{
	uint32_t before;

	open_sim(GEN_COLD, 3600);
	advance_s(0.1);
	before = uo4_total(&s.dev[0].fw, 0);
	ck_assert_str_eq(run("leak 1 1 10 1000"),
			 "ok leak on address 1 input 1 for 10 h at 1000 pulses/h\n");
	advance_s(2); /* two simulated hours */
	ck_assert_uint_gt(uo4_total(&s.dev[0].fw, 0), before + 1500);
	ck_assert_uint_lt(uo4_total(&s.dev[0].fw, 0), before + 2600);
	ck_assert_ptr_nonnull(strstr(run("status 1"), "leaks=1000"));
}
END_TEST

START_TEST(battery_runs_flat_after_ten_days)
{
	open_sim(GEN_NONE, 86400); /* a simulated day per second */
	run("pulse 2 1 6");
	run("mains off 2");
	advance_s(5);
	ck_assert(s.dev[1].powered);
	ck_assert_uint_lt(sim_battery_mv(&s.dev[1]), 2900);
	ck_assert_str_eq(run("pulse 2 1 1"), "ok address 2 input 1 total 7\n");
	advance_s(6);
	ck_assert(!s.dev[1].powered); /* past 10 days */
	ck_assert_uint_eq(strncmp(run("pulse 2 1 1"), "error: device 2 is off", 22), 0);
	run("mains on 2"); /* boots from NV */
	ck_assert(s.dev[1].powered);
	ck_assert_uint_eq(uo4_total(&s.dev[1].fw, 0), 7);
	ck_assert(uo4_status(&s.dev[1].fw) & UO4_ST_BATT_LOW);
	run("battery 2 new");
	advance_s(0.01);
	ck_assert(!(uo4_status(&s.dev[1].fw) & UO4_ST_BATT_LOW));
}
END_TEST

START_TEST(state_survives_reopen)
{
	open_sim(GEN_NONE, 1);
	run("pulse 3 2 8");
	uo4_set_address(&s.dev[2].fw, 99);
	sim_close(&s);
	memset(&s, 0, sizeof s);
	open_sim(GEN_NONE, 1);
	ck_assert_uint_eq(uo4_address(&s.dev[2].fw), 99);
	ck_assert_str_eq(run("pulse 99 2 1"), "ok address 99 input 2 total 9\n");
	ck_assert_uint_eq(strncmp(run("status @3"), "ok slot=3 address=99", 20), 0);
	/* Two devices on one address: the command asks for a slot. */
	uo4_set_address(&s.dev[0].fw, 99);
	ck_assert_str_eq(
		run("zero 99 1"),
		"error: device 99: several devices have that address; name one by @slot\n");
}
END_TEST

static Suite *sim_suite(void)
{
	Suite *su = suite_create("uo4_sim");
	TCase *tg = tcase_create("generators");
	TCase *ts = tcase_create("simulator");

	tcase_add_test(tg, daily_consumption_is_realistic);
	tcase_add_test(tg, evening_peak_above_night_base);
	tcase_add_test(tg, water_leaks_now_and_then);
	tcase_add_test(tg, kind_names);
	tcase_add_test(tg, outdoor_temperature_is_moscows);
	tcase_add_test(tg, heat_only_in_the_heating_season);
	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, every_command);
	tcase_add_test(ts, errors_change_nothing);
	tcase_add_test(ts, totals_end_with_a_dot);
	tcase_add_test(ts, generators_count_and_blocked_outputs_stop_them);
	tcase_add_test(ts, leak_command_makes_the_meter_turn);
	tcase_add_test(ts, house_meters_count_the_building);
	tcase_add_test(ts, battery_runs_flat_after_ten_days);
	tcase_add_test(ts, state_survives_reopen);
	suite_add_tcase(su, tg);
	suite_add_tcase(su, ts);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(sim_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
