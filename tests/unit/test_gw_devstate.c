/*
 * Unit tests of the gateway's device state (firmware/gateway/devstate.c):
 * a table of cases, each a sequence of polls of one device with the time
 * of each, what each poll must give (events with their times, whether the
 * device goes into the next batch, whether its coils are read) and the
 * state after the last one.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../firmware/gateway/devstate.h"
#include "../../firmware/uo4/uo4_map.h"

#define M UO4_ST_MAINS
#define L UO4_ST_BATT_LOW
#define N UO4_ST_NVM_ERROR
#define B UO4_ST_ON_BATTERY

#define TIMEOUT_MS 5000 /* the RS485 timeout of every case */

struct step {
	uint64_t ms;	  /* monotonic time of the poll; its Unix time is ms / 1000 */
	bool ok;	  /* the device answered */
	uint16_t status;  /* UO4_IN_STATUS of the answer */
	uint16_t batt_mv; /* UO4_IN_BATTERY of the answer */
	const char *out;  /* "event@ts ... [changed] [coils]", "-" for nothing */
};

struct row {
	const char *name;
	struct step steps[8]; /* up to the first with out NULL */
	enum devstate_link link;
};

#define ANSWER(ms, st, mv, out)       \
	{                             \
		ms, true, st, mv, out \
	}
#define SILENT(ms, out)              \
	{                            \
		ms, false, 0, 0, out \
	}

static const struct row rows[] = {
	{ "the first answer: online, in the batch, coils read",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils") },
	  DEVSTATE_ONLINE },
	{ "an answer like the last one gives nothing",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"), ANSWER(2000, M, 3000, "-") },
	  DEVSTATE_ONLINE },
	{ "the first answer has nothing to compare with: no supply or battery events",
	  { ANSWER(1000, L | N, 2600, "device_online@1 changed coils"),
	    ANSWER(2000, L | N, 2600, "-") },
	  DEVSTATE_ONLINE },
	{ "the first answer with counted on battery gives no mains events",
	  { ANSWER(1000, M | B, 3000, "device_online@1 changed coils") },
	  DEVSTATE_ONLINE },
	{ "silent for less than the timeout since its last answer: still online",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"), SILENT(3000, "-"),
	    SILENT(5999, "-") },
	  DEVSTATE_ONLINE },
	{ "silent for the timeout since its last answer: offline, once",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"), SILENT(3000, "-"),
	    SILENT(6000, "device_offline@6 changed"), SILENT(9000, "-"), SILENT(60000, "-") },
	  DEVSTATE_OFFLINE },
	{ "the timeout runs from the last answer, not from the first failed poll",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"), SILENT(2000, "-"),
	    ANSWER(4000, M, 3000, "-"), SILENT(8999, "-"),
	    SILENT(9000, "device_offline@9 changed") },
	  DEVSTATE_OFFLINE },
	{ "never answering: offline one timeout after the first failed poll",
	  { SILENT(1000, "-"), SILENT(5999, "-"), SILENT(6000, "device_offline@6 changed") },
	  DEVSTATE_OFFLINE },
	{ "never answered, then answers: online",
	  { SILENT(1000, "-"), SILENT(6000, "device_offline@6 changed"),
	    ANSWER(7000, M, 3000, "device_online@7 changed coils") },
	  DEVSTATE_ONLINE },
	{ "offline, then answers again: online, coils read again",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"),
	    SILENT(6000, "device_offline@6 changed"),
	    ANSWER(7000, M, 3000, "device_online@7 changed coils") },
	  DEVSTATE_ONLINE },
	{ "a clock behind the last answer times nothing out",
	  { ANSWER(9000, M, 3000, "device_online@9 changed coils"), SILENT(1000, "-") },
	  DEVSTATE_ONLINE },
	{ "mains lost in an answer",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"),
	    ANSWER(2000, 0, 3000, "mains_lost@2 changed"), ANSWER(3000, 0, 3000, "-") },
	  DEVSTATE_ONLINE },
	{ "mains back: coils read (the device restores its blocks)",
	  { ANSWER(1000, 0, 3000, "device_online@1 changed coils"),
	    ANSWER(2000, M, 3000, "mains_restored@2 changed coils") },
	  DEVSTATE_ONLINE },
	{ "counted on battery while silent: mains lost at the last answer, back now",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"), SILENT(3000, "-"),
	    ANSWER(4000, M | B, 3000, "mains_lost@1 mains_restored@4 coils"),
	    ANSWER(5000, M, 3000, "-") },
	  DEVSTATE_ONLINE },
	{ "counted on battery while offline: online, then mains lost and back",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"),
	    SILENT(6000, "device_offline@6 changed"),
	    ANSWER(20000, M | B, 3000,
		   "device_online@20 mains_lost@1 mains_restored@20 changed coils") },
	  DEVSTATE_ONLINE },
	{ "counted on battery, the clock set back since: mains lost no later than back",
	  { ANSWER(9000, M, 3000, "device_online@9 changed coils"),
	    ANSWER(4000, M | B, 3000, "mains_lost@4 mains_restored@4 coils") },
	  DEVSTATE_ONLINE },
	{ "mains back with counted on battery: mains_restored only",
	  { ANSWER(1000, 0, 3000, "device_online@1 changed coils"),
	    ANSWER(2000, M | B, 3000, "mains_restored@2 changed coils") },
	  DEVSTATE_ONLINE },
	{ "mains lost with counted on battery: mains_lost only",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"),
	    ANSWER(2000, B, 3000, "mains_lost@2 changed") },
	  DEVSTATE_ONLINE },
	{ "battery low: an event each time it falls low, none while it stays",
	  { ANSWER(1000, M, 2750, "device_online@1 changed coils"),
	    ANSWER(2000, M | L, 2690, "battery_low@2"), ANSWER(3000, M | L, 2690, "-"),
	    ANSWER(4000, M, 2750, "-"), ANSWER(5000, M | L, 2690, "battery_low@5") },
	  DEVSTATE_ONLINE },
	{ "NVM error: an event when it appears, none while it stays",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"),
	    ANSWER(2000, M | N, 3000, "nvm_error@2"), ANSWER(3000, M | N, 3000, "-") },
	  DEVSTATE_ONLINE },
	{ "battery voltage: 99 mV is no change, 100 mV either way is",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"), ANSWER(2000, M, 2901, "-"),
	    ANSWER(3000, M, 2801, "changed"), ANSWER(4000, M, 2901, "changed"),
	    ANSWER(5000, M, 2999, "-") },
	  DEVSTATE_ONLINE },
	{ "everything at once: the most events one poll gives, in order",
	  { ANSWER(1000, M, 3000, "device_online@1 changed coils"),
	    SILENT(6000, "device_offline@6 changed"),
	    ANSWER(7000, M | B | L | N, 2600,
		   "device_online@7 mains_lost@1 mains_restored@7 battery_low@7 nvm_error@7 "
		   "changed coils") },
	  DEVSTATE_ONLINE },
};

/* What one poll gave, as the table writes it. */
static void format_out(const struct devstate_out *o, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < o->n; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s@%lld", at ? " " : "",
				       devstate_event_name(o->ev[i].type), (long long)o->ev[i].ts);
	if (o->changed)
		at += (size_t)snprintf(buf + at, len - at, "%schanged", at ? " " : "");
	if (o->want_coils)
		at += (size_t)snprintf(buf + at, len - at, "%scoils", at ? " " : "");
	if (at == 0)
		snprintf(buf, len, "-");
}

START_TEST(test_row)
{
	const struct row *r = &rows[_i];
	struct devstate s = { .link = DEVSTATE_UNKNOWN };

	for (const struct step *st = r->steps; st->out; st++) {
		struct devstate_poll p = { st->ok, st->status, st->batt_mv };
		struct devstate_now now = { st->ms, (int64_t)(st->ms / 1000) };
		struct devstate_out out;
		struct devstate before = s;
		char got[256];

		s = devstate_next(&before, &p, now, TIMEOUT_MS, &out);
		format_out(&out, got, sizeof got);
		ck_assert_msg(strcmp(got, st->out) == 0,
			      "%s: poll at %llu ms gave \"%s\", not \"%s\"", r->name,
			      (unsigned long long)st->ms, got, st->out);
		ck_assert_uint_le(out.n, DEVSTATE_EVENTS_MAX);
	}
	ck_assert_msg(s.link == r->link, "%s: ends in state %d, not %d", r->name, s.link, r->link);
	ck_assert_msg(devstate_online(&s) == (r->link == DEVSTATE_ONLINE), "%s", r->name);
}
END_TEST

/* The output is overwritten, not added to; the state passed in is not
 * changed. */
START_TEST(test_out_overwritten_prev_unchanged)
{
	struct devstate s0 = { .link = DEVSTATE_UNKNOWN }, s1, s2;
	struct devstate_poll p = { true, M, 3000 };
	struct devstate_out out;

	s1 = devstate_next(&s0, &p, (struct devstate_now){ 1000, 1 }, TIMEOUT_MS, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_int_eq(s0.link, DEVSTATE_UNKNOWN);
	ck_assert(!s0.read);
	s2 = devstate_next(&s1, &p, (struct devstate_now){ 2000, 2 }, TIMEOUT_MS, &out);
	ck_assert_uint_eq(out.n, 0);
	ck_assert(!out.changed && !out.want_coils);
	ck_assert_uint_eq(s1.last_ok_ms, 1000);
	ck_assert_uint_eq(s2.last_ok_ms, 2000);
	ck_assert_int_eq(s2.last_ok_ts, 2);
	ck_assert_uint_eq(s2.status, M);
	ck_assert_uint_eq(s2.batt_mv, 3000);
}
END_TEST

static Suite *devstate_suite(void)
{
	Suite *s = suite_create("gw_devstate");
	TCase *tc = tcase_create("devstate");

	tcase_add_loop_test(tc, test_row, 0, (int)(sizeof rows / sizeof rows[0]));
	tcase_add_test(tc, test_out_overwritten_prev_unchanged);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(devstate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
