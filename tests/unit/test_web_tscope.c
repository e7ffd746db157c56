/* A tenant's view derived from its accounts (scope.c): billing's answer
 * made into windowed items, what a window lets through at a moment and
 * at a reading's own time, the span a series is cut to, and a change of
 * the items told from none. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "scope.h"
#include "test_web.h"

#define MOVE_IN	 1790000000 /* the new tenant's first instant */
#define MOVE_OUT 1795000000 /* its last one's end, later */

static json_t *J(const char *text)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);

	ck_assert_msg(j != NULL, "bad test JSON %s", text);
	return j;
}

/* s derived from billing's answer text; returns what scope_derive did. */
static int derive(const char *answer, struct scope *s)
{
	json_t *a = J(answer);
	int rc;

	*s = (struct scope){ .on = true, .naccounts = 1, .account = { 17 } };
	rc = scope_derive(a, s);
	json_decref(a);
	return rc;
}

START_TEST(tscope_items_from_billing)
{
	struct scope s;
	int64_t f = 0, t = 0;
	json_t *j;
	char *text;

	ck_assert(scope_pending(&(struct scope){ .on = true, .naccounts = 1 }));
	ck_assert_int_eq(derive("{\"channels\":[{\"channel\":\"1.9.2\",\"from\":1790000000,"
				"\"to\":null},{\"channel\":\"1.9.1\",\"from\":1790000000,"
				"\"to\":1792000000},{\"channel\":\"1.9.1\",\"from\":1792000000,"
				"\"to\":null},{\"channel\":\"01.9.1\",\"from\":0,\"to\":null},"
				"{\"channel\":\"1.9.3\",\"from\":5,\"to\":5}]}",
				&s),
			 0);
	ck_assert(s.on && s.derived && !scope_pending(&s));
	ck_assert_uint_eq(s.naccounts, 1); /* its accounts stay */
	/* sorted; a meter's two touching stints are one; a channel of another
	 * spelling and an empty window are none */
	ck_assert_uint_eq(s.n, 2);
	j = scope_windows_json(&s);
	text = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(text, "[{\"channel\":\"1.9.1\",\"from\":1790000000,\"to\":null},"
			       "{\"channel\":\"1.9.2\",\"from\":1790000000,\"to\":null}]");
	free(text);
	json_decref(j);
	ck_assert(scope_window(&s, "1.9.1", &f, &t));
	ck_assert_int_eq(f, MOVE_IN);
	ck_assert_int_eq(t, 0);
	ck_assert(!scope_window(&s, "1.9.4", &f, &t));
	/* not an answer: nothing changes */
	ck_assert_int_eq(derive("{\"channels\":{}}", &s), -1);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(tscope_window_at_a_moment)
{
	struct scope s;

	derive("{\"channels\":[{\"channel\":\"1.9.1\",\"from\":1790000000,\"to\":1795000000}]}",
	       &s);
	/* any time of the window (a span of the past: checked by the handler) */
	ck_assert(scope_sees(&s, 1, 9, 1));
	ck_assert(scope_sees(&s, 1, 0, 0));  /* the object as such */
	ck_assert(!scope_sees(&s, 1, 9, 0)); /* not the device: its other channels */
	ck_assert(!scope_sees(&s, 1, 9, 2));
	/* at a moment: inside the window only */
	s.at = MOVE_IN - 1;
	ck_assert(!scope_sees(&s, 1, 9, 1));
	ck_assert(!scope_allows(&s, 1));
	s.at = MOVE_IN;
	ck_assert(scope_sees(&s, 1, 9, 1));
	s.at = MOVE_OUT - 1;
	ck_assert(scope_sees(&s, 1, 9, 1));
	s.at = MOVE_OUT;
	ck_assert(!scope_sees(&s, 1, 9, 1));
	/* a reading's own time decides, whatever the moment */
	ck_assert(scope_sees_at(&s, 1, 9, 1, MOVE_IN + 60));
	ck_assert(!scope_sees_at(&s, 1, 9, 1, MOVE_IN - 60));
}
END_TEST

START_TEST(tscope_outputs_device_only)
{
	struct scope s;
	json_t *j;
	char *text;

	/* hot water of flat 9 cut by output 1.9.2; its device serves a
	 * neighbour's meter 1.9.4 too */
	derive("{\"channels\":[{\"channel\":\"1.9.2\",\"from\":1790000000,\"to\":null,"
	       "\"output\":\"1.9.2\"},{\"channel\":\"1.9.1\",\"from\":1790000000,"
	       "\"to\":null,\"output\":null}]}",
	       &s);
	ck_assert_uint_eq(s.n, 3);
	j = scope_windows_json(&s);
	text = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(text, "[{\"device\":\"1.9\",\"from\":1790000000,\"to\":null},"
			       "{\"channel\":\"1.9.1\",\"from\":1790000000,\"to\":null},"
			       "{\"channel\":\"1.9.2\",\"from\":1790000000,\"to\":null}]");
	free(text);
	json_decref(j);
	/* the device's state and outputs, not its other channels */
	ck_assert(scope_sees(&s, 1, 9, 0));
	ck_assert(scope_sees(&s, 1, 9, 2));
	ck_assert(!scope_sees(&s, 1, 9, 4));
	ck_assert(!scope_sees(&s, 1, 8, 0));
	s.at = MOVE_IN - 1;
	ck_assert(!scope_sees(&s, 1, 9, 0));
}
END_TEST

START_TEST(tscope_readings_by_their_time)
{
	struct scope s;
	json_t *up;
	char *text;

	derive("{\"channels\":[{\"channel\":\"1.9.1\",\"from\":1790000000,\"to\":null}]}", &s);
	s.at = MOVE_IN + 3600;
	/* the previous occupant's last reading, a neighbour's, and ours */
	up = J("{\"obj\":1,\"channels\":[{\"id\":\"1.9.1\",\"total\":100,\"ts\":1789999940},"
	       "{\"id\":\"1.8.1\",\"total\":7,\"ts\":1790000100},"
	       "{\"id\":\"1.9.1\",\"total\":104,\"ts\":1790000060},"
	       "{\"id\":\"1.9.1\",\"total\":0}]}");
	ck_assert(scope_filter(&s, 1, up));
	text = json_dumps(json_object_get(up, "channels"), JSON_COMPACT);
	ck_assert_str_eq(text, "[{\"id\":\"1.9.1\",\"total\":104,\"ts\":1790000060},"
			       "{\"id\":\"1.9.1\",\"total\":0}]");
	free(text);
	json_decref(up);
	/* an event of the meter before the move-in is not ours */
	up = J("{\"event\":{\"id\":\"1.9.1\",\"type\":\"counter_decreased\",\"ts\":1789990000}}");
	ck_assert(!scope_filter(&s, 1, up));
	json_decref(up);
}
END_TEST

START_TEST(tscope_change_told)
{
	struct scope a, b;

	derive("{\"channels\":[{\"channel\":\"1.9.1\",\"from\":1790000000,\"to\":null}]}", &a);
	derive("{\"channels\":[{\"channel\":\"1.9.1\",\"from\":1790000000,\"to\":null}]}", &b);
	ck_assert(scope_same_items(&a, &b));
	/* a move-out entered: the same channel, its window ends */
	derive("{\"channels\":[{\"channel\":\"1.9.1\",\"from\":1790000000,\"to\":1795000000}]}",
	       &b);
	ck_assert(!scope_same_items(&a, &b));
	derive("{\"channels\":[]}", &b);
	ck_assert(!scope_same_items(&a, &b));
	ck_assert(b.on && b.n == 0); /* nothing at all, not everything */
	ck_assert(!scope_sees(&b, 1, 9, 1));
}
END_TEST

Suite *web_tscope_suite(void)
{
	Suite *s = suite_create("web_tscope");
	TCase *tc = tcase_create("tscope");

	tcase_add_test(tc, tscope_items_from_billing);
	tcase_add_test(tc, tscope_window_at_a_moment);
	tcase_add_test(tc, tscope_outputs_device_only);
	tcase_add_test(tc, tscope_readings_by_their_time);
	tcase_add_test(tc, tscope_change_told);
	suite_add_tcase(s, tc);
	return s;
}
