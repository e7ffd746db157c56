/* The outputs of the in-memory view (view.c): their states from command
 * answers and from batches, and their labels from the registry. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "sse.h"
#include "test_web.h"
#include "view.h"

/* The state of output out (1..4) of device addr of obj as the API shows it. */
static const char *out_state(view *v, unsigned obj, unsigned addr, unsigned out, int64_t now)
{
	static char buf[16];
	json_t *o = view_object_json(v, obj, now), *d;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(json_object_get(o, "devices"), i, d)
		if (json_integer_value(json_object_get(d, "addr")) == addr)
			snprintf(buf, sizeof buf, "%s",
				 json_string_value(json_object_get(
					 json_array_get(json_object_get(d, "outputs"), out - 1),
					 "state")));
	json_decref(o);
	return buf;
}

START_TEST(view_outputs)
{
	view *v = web_test_view();
	json_t *up;

	/* a device seen in a batch: its outputs are unknown, not guessed */
	json_decref(view_on_readings(
		v, 2, web_test_json("{\"seq\":1,\"ts\":50,\"devices\":[{\"addr\":5,\"ok\":true}]}"),
		50));
	for (unsigned k = 1; k <= 4; k++)
		ck_assert_str_eq(out_state(v, 2, 5, k, 51), "unknown");
	/* output_changed as ingest normalises it: the update carries the device */
	up = view_on_event(
		v, 2,
		web_test_json("{\"type\":\"output_changed\",\"addr\":5,\"ts\":100,\"seq\":3,"
			      "\"detail\":{\"out\":2,\"blocked\":true}}"),
		101);
	ck_assert_ptr_nonnull(up);
	ck_assert_str_eq(
		json_string_value(json_object_get(
			json_array_get(
				json_object_get(json_array_get(json_object_get(up, "devices"), 0),
						"outputs"),
				1),
			"state")),
		"blocked");
	json_decref(up);
	ck_assert_str_eq(out_state(v, 2, 5, 2, 102), "blocked");
	ck_assert_str_eq(out_state(v, 2, 5, 1, 102), "unknown");
	/* a replayed older event does not turn it back; malformed ones change nothing */
	json_decref(view_on_event(v, 2,
				  web_test_json("{\"type\":\"output_changed\",\"addr\":5,\"ts\":90,"
						"\"detail\":{\"out\":2,\"blocked\":false}}"),
				  103));
	json_decref(
		view_on_event(v, 2,
			      web_test_json("{\"type\":\"output_changed\",\"addr\":5,\"ts\":110,"
					    "\"detail\":{\"out\":5,\"blocked\":false}}"),
			      103));
	json_decref(
		view_on_event(v, 2,
			      web_test_json("{\"type\":\"output_changed\",\"addr\":5,\"ts\":110,"
					    "\"detail\":{\"out\":2,\"blocked\":0}}"),
			      103));
	ck_assert_str_eq(out_state(v, 2, 5, 2, 104), "blocked");
	/* a command answer: only a done block/unblock with ok sets the state */
	ck_assert_ptr_null(
		view_on_command(v,
				web_test_json("{\"obj\":2,\"cmd\":\"unblock\",\"addr\":5,\"out\":2,"
					      "\"state\":\"sent\"}"),
				105));
	ck_assert_ptr_null(
		view_on_command(v,
				web_test_json("{\"obj\":2,\"cmd\":\"unblock\",\"addr\":5,\"out\":2,"
					      "\"state\":\"failed\",\"result\":{\"ok\":false}}"),
				105));
	ck_assert_ptr_null(
		view_on_command(v,
				web_test_json("{\"obj\":2,\"cmd\":\"zero\",\"addr\":5,\"ch\":2,"
					      "\"state\":\"done\",\"result\":{\"ok\":true}}"),
				105));
	ck_assert_str_eq(out_state(v, 2, 5, 2, 105), "blocked");
	up = view_on_command(
		v,
		web_test_json(
			"{\"obj\":2,\"cmd\":\"unblock\",\"addr\":5,\"out\":2,\"state\":\"done\","
			"\"result\":{\"ok\":true,\"output\":\"Output 2 of device 005 released\"}}"),
		106);
	ck_assert_ptr_nonnull(up);
	ck_assert_int_eq(json_integer_value(json_object_get(up, "obj")), 2);
	json_decref(up);
	ck_assert_str_eq(out_state(v, 2, 5, 2, 106), "released");
	/* history (newest first) fills only what is unknown, with the newest record */
	ck_assert_uint_eq(
		view_on_commands(
			v,
			web_test_json(
				"{\"commands\":["
				"{\"obj\":2,\"cmd\":\"block\",\"addr\":5,\"out\":1,\"state\":\"done\",\"finished\":80,\"result\":{\"ok\":true}},"
				"{\"obj\":2,\"cmd\":\"unblock\",\"addr\":5,\"out\":1,\"state\":\"done\",\"finished\":70,\"result\":{\"ok\":true}},"
				"{\"obj\":2,\"cmd\":\"block\",\"addr\":5,\"out\":2,\"state\":\"done\",\"finished\":60,\"result\":{\"ok\":true}},"
				"{\"obj\":2,\"cmd\":\"block\",\"addr\":5,\"out\":3,\"state\":\"expired\",\"finished\":60}]}"),
			107),
		1);
	ck_assert_str_eq(out_state(v, 2, 5, 1, 107), "blocked");
	ck_assert_str_eq(out_state(v, 2, 5, 2, 107), "released");
	ck_assert_str_eq(out_state(v, 2, 5, 3, 107), "unknown");
	/* a device known only by its outputs is listed */
	json_decref(view_on_command(
		v,
		web_test_json(
			"{\"obj\":2,\"cmd\":\"block\",\"addr\":9,\"out\":4,\"state\":\"done\","
			"\"result\":{\"ok\":true}}"),
		108));
	ck_assert_str_eq(out_state(v, 2, 9, 4, 108), "blocked");
	view_destroy(v);
}
END_TEST

/* The ts the API shows for output out of device addr of obj (-1: none). */
static long long out_ts(view *v, unsigned obj, unsigned addr, unsigned out, int64_t now)
{
	json_t *o = view_object_json(v, obj, now), *d, *ts;
	long long r = -1;
	size_t i;

	json_array_foreach(json_object_get(o, "devices"), i, d)
		if (json_integer_value(json_object_get(d, "addr")) == addr &&
		    (ts = json_object_get(json_array_get(json_object_get(d, "outputs"), out - 1),
					  "ts")))
			r = json_integer_value(ts);
	json_decref(o);
	return r;
}

START_TEST(view_outputs_from_batches)
{
	view *v = web_test_view();
	json_t *up;

	/* the outputs of a responding device's entry: every output known, with
	 * the batch time, and in the live update */
	up = view_on_readings(
		v, 3,
		web_test_json("{\"seq\":1,\"ts\":200,\"devices\":[{\"addr\":5,\"ok\":true,"
			      "\"mains\":true,\"batt_mv\":3010,\"outputs\":[0,1,0,0]},"
			      "{\"addr\":6,\"ok\":true,\"mains\":true}],\"obj\":3,\"rx\":201}"),
		201);
	ck_assert_ptr_nonnull(up);
	ck_assert_str_eq(
		json_string_value(json_object_get(
			json_array_get(
				json_object_get(json_array_get(json_object_get(up, "devices"), 0),
						"outputs"),
				1),
			"state")),
		"blocked");
	json_decref(up);
	ck_assert_str_eq(out_state(v, 3, 5, 1, 202), "released");
	ck_assert_str_eq(out_state(v, 3, 5, 2, 202), "blocked");
	ck_assert_str_eq(out_state(v, 3, 5, 3, 202), "released");
	ck_assert_str_eq(out_state(v, 3, 5, 4, 202), "released");
	ck_assert_int_eq(out_ts(v, 3, 5, 2, 202), 200);
	/* an entry without outputs (not read yet) guesses nothing */
	for (unsigned k = 1; k <= 4; k++)
		ck_assert_str_eq(out_state(v, 3, 6, k, 202), "unknown");
	/* a change read later (made by someone else) */
	json_decref(view_on_readings(v, 3,
				     web_test_json("{\"seq\":2,\"ts\":210,\"devices\":[{\"addr\":5,"
						   "\"ok\":true,\"outputs\":[0,0,0,1]}]}"),
				     211));
	ck_assert_str_eq(out_state(v, 3, 5, 2, 212), "released");
	ck_assert_str_eq(out_state(v, 3, 5, 4, 212), "blocked");
	ck_assert_int_eq(out_ts(v, 3, 5, 4, 212), 210);
	/* a resent older batch, and an older event, do not turn it back */
	json_decref(view_on_readings(v, 3,
				     web_test_json("{\"seq\":1,\"ts\":200,\"devices\":[{\"addr\":5,"
						   "\"ok\":true,\"outputs\":[0,1,0,0]}]}"),
				     213));
	json_decref(
		view_on_event(v, 3,
			      web_test_json("{\"type\":\"output_changed\",\"addr\":5,\"ts\":205,"
					    "\"detail\":{\"out\":4,\"blocked\":false}}"),
			      213));
	ck_assert_str_eq(out_state(v, 3, 5, 2, 214), "released");
	ck_assert_str_eq(out_state(v, 3, 5, 4, 214), "blocked");
	/* a newer event does; so does a block done after the last batch, and a
	 * batch made before the block but delivered after it does not undo it */
	json_decref(
		view_on_event(v, 3,
			      web_test_json("{\"type\":\"output_changed\",\"addr\":5,\"ts\":215,"
					    "\"detail\":{\"out\":4,\"blocked\":false}}"),
			      215));
	ck_assert_str_eq(out_state(v, 3, 5, 4, 216), "released");
	json_decref(view_on_command(
		v,
		web_test_json("{\"obj\":3,\"cmd\":\"block\",\"addr\":5,\"out\":3,"
			      "\"state\":\"done\",\"finished\":230,\"result\":{\"ok\":true}}"),
		231));
	json_decref(view_on_readings(v, 3,
				     web_test_json("{\"seq\":3,\"ts\":225,\"devices\":[{\"addr\":5,"
						   "\"ok\":true,\"outputs\":[0,0,0,0]}]}"),
				     232));
	ck_assert_str_eq(out_state(v, 3, 5, 3, 233), "blocked");
	json_decref(view_on_readings(v, 3,
				     web_test_json("{\"seq\":4,\"ts\":240,\"devices\":[{\"addr\":5,"
						   "\"ok\":true,\"outputs\":[0,0,1,0]}]}"),
				     241));
	ck_assert_str_eq(out_state(v, 3, 5, 3, 242), "blocked");
	ck_assert_int_eq(out_ts(v, 3, 5, 3, 242), 240);
	/* a silent device keeps the state it will drive with mains; malformed
	 * outputs change nothing */
	json_decref(view_on_readings(v, 3,
				     web_test_json("{\"seq\":5,\"ts\":250,\"devices\":[{\"addr\":5,"
						   "\"ok\":false,\"outputs\":[0,0,0,0]}]}"),
				     251));
	ck_assert_str_eq(out_state(v, 3, 5, 3, 252), "blocked");
	json_decref(view_on_readings(
		v, 3,
		web_test_json(
			"{\"seq\":6,\"ts\":260,\"devices\":["
			"{\"addr\":5,\"ok\":true,\"outputs\":[0,0,0]},{\"addr\":6,\"ok\":true,\"outputs\":[1,2,0,0]},"
			"{\"addr\":7,\"ok\":true,\"outputs\":\"1000\"},{\"addr\":8,\"ok\":true,\"outputs\":[true,0,0,0]}]}"),
		261));
	ck_assert_str_eq(out_state(v, 3, 5, 3, 262), "blocked");
	for (unsigned a = 6; a <= 8; a++)
		for (unsigned k = 1; k <= 4; k++)
			ck_assert_str_eq(out_state(v, 3, a, k, 262), "unknown");
	view_destroy(v);
}
END_TEST

/* A device's registry record names the flat and what each output drives:
 * the device's outputs and its alarms carry them. */
START_TEST(view_output_labels)
{
	view *v = web_test_view();
	json_t *up, *d, *outs, *o, *al;

	json_decref(view_on_readings(
		v, 3,
		web_test_json(
			"{\"seq\":1,\"ts\":1000,\"devices\":[{\"addr\":7,\"ok\":false}],\"obj\":3,\"rx\":1000}"),
		1000));
	up = view_on_registry(
		v,
		web_test_json("{\"id\":\"3.7\",\"label\":\"Flat 7\",\"outputs\":{\"1\":{\"label\":"
			      "\"Cold water valve\",\"resource\":\"cold_water\"},\"3\":{\"label\":"
			      "\"Contactor\",\"resource\":\"unknown\"}}}"),
		1001);
	ck_assert_ptr_nonnull(up);
	ck_assert_int_eq(json_integer_value(json_object_get(up, "obj")), 3);
	d = json_array_get(json_object_get(up, "devices"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "label")), "Flat 7");
	outs = json_object_get(d, "outputs");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(outs, 0), "label")),
			 "Cold water valve");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(outs, 0), "resource")),
			 "cold_water");
	ck_assert_ptr_null(json_object_get(json_array_get(outs, 1), "label"));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(outs, 2), "label")),
			 "Contactor");
	ck_assert_ptr_null(json_object_get(json_array_get(outs, 2), "resource"));
	json_decref(up);
	/* the silent device's alarm is notify's, which names the flat */
	json_decref(view_on_alarm(
		v, 4,
		web_test_json("{\"id\":4,\"kind\":\"device_offline\",\"obj\":3,\"addr\":7,\"ch\":0,"
			      "\"state\":\"raised\",\"detail\":{\"label\":\"Flat 7\"}}"),
		1002));
	o = view_object_json(v, 3, 1002);
	al = json_array_get(json_object_get(json_object_get(o, "object"), "alarms"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(al, "kind")), "device_offline");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(al, "detail"), "label")),
			 "Flat 7");
	json_decref(o);
	/* a record without outputs takes the labels away */
	json_decref(
		view_on_registry(v, web_test_json("{\"id\":\"3.7\",\"label\":\"Flat 7\"}"), 1003));
	o = view_object_json(v, 3, 1004);
	d = json_array_get(json_object_get(o, "devices"), 0);
	ck_assert_ptr_null(
		json_object_get(json_array_get(json_object_get(d, "outputs"), 0), "label"));
	json_decref(o);
	view_destroy(v);
}
END_TEST

Suite *web_outputs_suite(void)
{
	Suite *s = suite_create("web_outputs");
	TCase *tc = tcase_create("outputs");

	tcase_add_checked_fixture(tc, NULL, web_test_pool_free);
	tcase_add_test(tc, view_outputs);
	tcase_add_test(tc, view_outputs_from_batches);
	tcase_add_test(tc, view_output_labels);
	suite_add_tcase(s, tc);
	return s;
}
