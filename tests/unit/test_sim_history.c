/* Unit tests of the simulator's history (firmware/sim: gen.c's gen_hour,
 * history.c): hours drawn like pulses, the CSV the archive imports, its
 * determinism and speed, the house meters' balance, heat by the season. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../firmware/sim/gen.h"
#include "../../firmware/sim/history.h"
#include "../../firmware/sim/sim.h"

#define HOUR_MS	 3600000ull
#define DAY_MS	 (24 * HOUR_MS)
#define MSK	 3.0		  /* Moscow: UTC+3 all year */
#define END	 1764658800u	  /* 2025-12-02 06:00 UTC, a whole hour */
#define JAN_2025 1735678800000ull /* 2025-01-01 00:00 MSK */
#define JUL_2025 1751317200000ull /* 2025-07-01 00:00 MSK */

/* gen_hour draws the same meter as gen_take, only an hour at a time. */
START_TEST(hours_add_up_like_pulses)
{
	static const enum gen_kind kinds[] = { GEN_COLD, GEN_HOT, GEN_ELEC, GEN_GAS, GEN_HEAT };

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		struct gen a, b;
		struct gen_edge e[GEN_MAX_EDGES];
		uint64_t pulses = 0, hours = 0, end = JAN_2025 + 30 * DAY_MS;

		gen_init(&a, kinds[i], 3, JAN_2025, MSK);
		gen_init(&b, kinds[i], 3, JAN_2025, MSK);
		ck_assert_double_eq(a.scale, b.scale); /* the same apartment */
		while (a.next_ms < end && gen_take(&a, e))
			pulses++;
		for (uint64_t t = JAN_2025; t < end; t += HOUR_MS)
			hours += gen_hour(&b, t);
		ck_assert_msg(hours > pulses * 0.85 && hours < pulses * 1.15,
			      "%s: %llu pulses, %llu by the hour", gen_kind_name(kinds[i]),
			      (unsigned long long)pulses, (unsigned long long)hours);
	}
}
END_TEST

/* ---- the history ----------------------------------------------------- */

struct parsed {
	int devices;	/* addresses 1..devices */
	uint64_t start; /* the first hour, UTC seconds */
	uint64_t hours; /* hours from it */
	uint32_t *n;	/* n[((addr - 1) * 4 + ch - 1) * hours + hour] */
	uint64_t lines; /* lines after the header */
	int channels;	/* channels with a line */
	char why[200];	/* what is wrong with it, "" when nothing */
};

/* Read a history back, checking the import's rules on the way. */
static void parse(const char *text, struct parsed *p)
{
	const char *s = text, *e;
	int last = -1;
	bool *done = calloc((size_t)p->devices * 4, sizeof *done);
	uint64_t last_t = 0;

	p->n = calloc((size_t)p->devices * 4 * p->hours, sizeof *p->n);
	ck_assert(p->n && done);
	p->why[0] = '\0';
	if (strncmp(s, "channel,t,pulses\n", 17)) {
		snprintf(p->why, sizeof p->why, "header: %.40s", s);
		goto out;
	}
	for (s += 17; *s; s = *e ? e + 1 : e) {
		unsigned obj, addr, ch;
		unsigned long long t, n;
		char line[64];
		int k;

		/* One line at a time: a string function on the rest of the text
		 * would measure all of it on every line (ASan's strict checks). */
		for (e = s; *e && *e != '\n'; e++)
			;
		snprintf(line, sizeof line, "%.*s", (int)(e - s), s);
		if (sscanf(line, "%u.%u.%u,%llu,%llu", &obj, &addr, &ch, &t, &n) != 5 || obj != 1 ||
		    addr < 1 || (int)addr > p->devices || ch < 1 || ch > 4 || n == 0 || t % 3600 ||
		    t < p->start || t >= p->start + p->hours * 3600) {
			snprintf(p->why, sizeof p->why, "line %llu: %.60s",
				 (unsigned long long)p->lines + 2, s);
			goto out;
		}
		k = (int)((addr - 1) * 4 + ch - 1);
		if (k != last) {
			if (done[k]) {
				snprintf(p->why, sizeof p->why, "channel 1.%u.%u comes back", addr,
					 ch);
				goto out;
			}
			if (last >= 0)
				done[last] = true;
			last = k;
			p->channels++;
		} else if (t <= last_t) {
			snprintf(p->why, sizeof p->why, "1.%u.%u: hour %llu after %llu", addr, ch,
				 t, (unsigned long long)last_t);
			goto out;
		}
		last_t = t;
		p->n[(uint64_t)k * p->hours + (t - p->start) / 3600] = (uint32_t)n;
		p->lines++;
	}
out:
	free(done);
}

/* Write the history of o into memory; the text is new. */
static char *write_history(const struct history_opts *o, struct history_stats *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(history_write(f, o, st), 0);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

static struct history_opts opts(int flats, int days)
{
	return (struct history_opts){ 1, flats, true, { GEN_COLD, GEN_HOT, GEN_ELEC, GEN_GAS },
				      1, MSK,	END,  days };
}

static uint64_t sum_of(const struct parsed *p, int addr, int ch, uint64_t from, uint64_t to)
{
	uint64_t n = 0;

	for (uint64_t h = from; h < to; h++)
		n += p->n[((uint64_t)(addr - 1) * 4 + (uint64_t)ch - 1) * p->hours + h];
	return n;
}

START_TEST(history_is_what_the_import_reads)
{
	struct history_opts o = opts(3, 30);
	struct history_stats st;
	char *text = write_history(&o, &st);
	struct parsed p = { 4, END - 30 * 86400u, 30 * 24, NULL, 0, 0, "" };

	parse(text, &p);
	ck_assert_msg(p.why[0] == '\0', "%s", p.why);
	ck_assert_uint_eq(p.lines, st.lines);
	ck_assert_int_eq(p.channels, st.channels);
	ck_assert_int_eq(st.channels, 16); /* 3 flats and the house, 4 inputs each */
	free(text);
	free(p.n);
}
END_TEST

START_TEST(history_repeats_for_a_seed)
{
	struct history_opts o = opts(3, 20);
	char *a = write_history(&o, NULL), *b = write_history(&o, NULL), *c;

	ck_assert_str_eq(a, b);
	o.end_s = END + 3599; /* the same hour */
	c = write_history(&o, NULL);
	ck_assert_str_eq(a, c);
	free(c);
	o.seed = 2;
	c = write_history(&o, NULL);
	ck_assert_str_ne(a, c);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(history_refuses_what_it_cannot_write)
{
	struct history_opts o = opts(3, 0);
	FILE *f = fopen("/dev/null", "w");

	ck_assert_int_eq(history_write(f, &o, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	o = opts(127, 1); /* no address left for the house */
	ck_assert_int_eq(history_write(f, &o, NULL), -1);
	o = opts(3, 10);
	o.end_s = 5 * 86400; /* before 1970 */
	ck_assert_int_eq(history_write(f, &o, NULL), -1);
	fclose(f);
}
END_TEST

/* A year of the demo building: fast, and what billing can live with. */
START_TEST(a_year_of_the_building)
{
	struct history_opts o = opts(32, 365);
	struct parsed p = { 33, END - 365 * 86400u, 365 * 24, NULL, 0, 0, "" };
	struct timespec t0, t1;
	char *text;
	double s;
	uint64_t jan = (JAN_2025 / 1000 - p.start) / 3600, jul = (JUL_2025 / 1000 - p.start) / 3600;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	text = write_history(&o, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(s < 10, "a year of 132 channels took %.1f s", s);
	parse(text, &p);
	free(text);
	ck_assert_msg(p.why[0] == '\0', "%s", p.why);
	ck_assert_int_eq(p.channels, 132);
	for (int a = 1; a <= 32; a++) {
		/* each flat 0.5..1.7 times the average a day (leaks on top) */
		static const double per_day[] = { 33, 20, 6500, 40 };

		for (int c = 1; c <= 4; c++) {
			double d = (double)sum_of(&p, a, c, 0, p.hours) / 365;

			ck_assert_msg(d > 0.4 * per_day[c - 1] && d < 1.9 * per_day[c - 1],
				      "1.%d.%d: %.1f pulses a day", a, c, d);
		}
	}
	for (int c = 1; c <= 3; c++) {
		uint64_t flats = 0, house = 0;

		/* hour by hour, the house has counted what the live one would have */
		for (uint64_t h = 0; h < p.hours; h++) {
			for (int a = 1; a <= 32; a++)
				flats += sum_of(&p, a, c, h, h + 1);
			house += sum_of(&p, 33, c, h, h + 1);
			ck_assert_uint_eq(house, flats * (1000 + SIM_HOUSE_EXTRA_PERMILLE) /
							 (1000 * SIM_HOUSE_RATIO));
		}
		/* so the common use (ОДН) is positive, a few % of the house */
		ck_assert_uint_gt(house * SIM_HOUSE_RATIO, flats + flats / 50);
		ck_assert_uint_lt(house * SIM_HOUSE_RATIO, flats + flats / 20);
	}
	/* the heat meter: a winter's month, nothing in July, 150..400 Gcal a year */
	ck_assert_uint_gt(sum_of(&p, 33, 4, jan, jan + 31 * 24), 30000);
	ck_assert_uint_eq(sum_of(&p, 33, 4, jul, jul + 31 * 24), 0);
	ck_assert_uint_gt(sum_of(&p, 33, 4, 0, p.hours), 150000);
	ck_assert_uint_lt(sum_of(&p, 33, 4, 0, p.hours), 400000);
	free(p.n);
}
END_TEST

static Suite *history_suite(void)
{
	Suite *su = suite_create("sim_history");
	TCase *tw = tcase_create("hours");
	TCase *th = tcase_create("history");

	tcase_add_test(tw, hours_add_up_like_pulses);
	tcase_add_test(th, history_is_what_the_import_reads);
	tcase_add_test(th, history_repeats_for_a_seed);
	tcase_add_test(th, history_refuses_what_it_cannot_write);
	tcase_add_test(th, a_year_of_the_building);
	tcase_set_timeout(th, 60);
	suite_add_tcase(su, tw);
	suite_add_tcase(su, th);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(history_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
