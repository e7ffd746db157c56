/* The in-memory view (view.c), readings and rates as decimal strings
 * (qty.c) and the bounded queues of the live stream (sse.c). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "qty.h"
#include "sse.h"
#include "test_web.h"
#include "view.h"

START_TEST(qty_reading_and_rate)
{
	static const struct {
		const char *rec;
		uint32_t total, period_ms;
		uint64_t idle_ms;
		const char *reading, *rate, *rate_unit;
	} cases[] = {
		/* 10 l per pulse, one pulse a minute: 0.6 m3/h */
		{ "{\"unit\":\"m3\",\"weights\":[{\"num\":1,\"den\":100,\"valid_from\":0}],\"initial_reading\":\"123.456\"}",
		  1000, 60000, 0, "133.456", "0.600", "m3/h" },
		/* 3200 imp/kWh, a pulse a second: 1.125 kW */
		{ "{\"unit\":\"kWh\",\"weights\":[{\"num\":1,\"den\":3200,\"valid_from\":0}]}",
		  3201, 1000, 0, "1.0003125", "1.125", "kW" },
		/* no pulse for 10 minutes caps the rate */
		{ "{\"unit\":\"m3\",\"weights\":[{\"num\":1,\"den\":100,\"valid_from\":0}]}", 5,
		  1000, 600000, "0.050", "0.060", "m3/h" },
		/* the current weight is the last period's */
		{ "{\"unit\":\"l\",\"weights\":[{\"num\":1,\"den\":1,\"valid_from\":0},{\"num\":10,\"den\":1,\"valid_from\":3600}]}",
		  7, 3600000, 0, "70", "10.000", "l/h" },
		/* a new meter read 456.780 m3 when the counter stood at 90000:
		 * 250 pulses of 10 l since */
		{ "{\"unit\":\"m3\",\"weights\":[{\"num\":1,\"den\":1000,\"valid_from\":0},{\"num\":1,\"den\":100,\"valid_from\":7200}],"
		  "\"initial_reading\":\"456.780\",\"initial_total\":90000}",
		  90250, 60000, 0, "459.280", "0.600", "m3/h" },
	};
	char buf[QTY_MAX];
	struct qty_conv c;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *rec = web_test_json(cases[i].rec);

		ck_assert_int_eq(qty_conv_from_record(rec, &c), AMR_OK);
		ck_assert_str_eq(qty_reading(&c, cases[i].total, buf), cases[i].reading);
		ck_assert(qty_rate(&c, cases[i].period_ms, cases[i].idle_ms, buf));
		ck_assert_str_eq(buf, cases[i].rate);
		ck_assert_str_eq(qty_rate_unit(c.unit), cases[i].rate_unit);
	}
	ck_assert(!qty_rate(&c, 0, 0, buf)); /* no pulse yet: no rate */
	/* the counter fell below the pair (zeroed): no reading, not a wrong one */
	ck_assert_ptr_null(qty_reading(&c, 89999, buf));
	ck_assert_str_eq(qty_reading(&c, 90000, buf), "456.780");
	/* a bad record leaves the pulse default */
	ck_assert_int_eq(qty_conv_from_record(web_test_json("{\"unit\":\"furlong\"}"), &c),
			 AMR_EINVAL);
	ck_assert_str_eq(c.unit, "pulse");
	ck_assert_str_eq(qty_reading(&c, 42, buf), "42");
}
END_TEST

START_TEST(view_readings_devices_alarms)
{
	view *v = web_test_view();
	json_t *b = web_test_json(
		"{\"seq\":5,\"ts\":1000,\"readings\":[{\"addr\":5,\"ch\":1,\"total\":200,\"delta\":3,\"period_ms\":1000}],"
		"\"devices\":[{\"addr\":5,\"ok\":true,\"mains\":false,\"batt_mv\":3000},{\"addr\":6,\"ok\":false}],\"obj\":3,\"rx\":1001}");
	json_t *up = view_on_readings(v, 3, b, 1002), *o, *ch, *al;

	ck_assert_ptr_nonnull(up);
	ch = json_array_get(json_object_get(up, "channels"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(ch, "id")), "3.5.1");
	ck_assert_str_eq(json_string_value(json_object_get(ch, "reading")), "200");
	ck_assert(json_is_true(json_object_get(ch, "fresh")));
	json_decref(up);
	json_decref(view_on_registry(
		v,
		web_test_json(
			"{\"id\":\"3.5.1\",\"label\":\"Cold water, toilet, 1st floor\",\"resource\":\"cold_water\","
			"\"unit\":\"m3\",\"weights\":[{\"num\":1,\"den\":100,\"valid_from\":0}]}"),
		1002));
	o = view_object_json(v, 3, 1003);
	ch = json_array_get(json_object_get(o, "channels"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(ch, "label")),
			 "Cold water, toilet, 1st floor");
	ck_assert_str_eq(json_string_value(json_object_get(ch, "reading")), "2.000");
	ck_assert_str_eq(json_string_value(json_object_get(ch, "rate_unit")), "m3/h");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(o, "devices"), 0), "power")),
			 "battery");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(o, "devices"), 1), "power")),
			 "unknown");
	al = json_object_get(json_object_get(o, "object"), "alarms");
	ck_assert_uint_eq(json_array_size(al), 0); /* the view derives none: notify raises them */
	json_decref(o);
	/* stale after fresh_s without data */
	o = view_objects_json(v, 1001 + 301);
	ck_assert(json_is_false(
		json_object_get(json_array_get(json_object_get(o, "objects"), 0), "fresh")));
	json_decref(o);
	/* a resent old batch does not move the value back */
	json_decref(view_on_readings(
		v, 3,
		web_test_json(
			"{\"seq\":4,\"ts\":900,\"readings\":[{\"addr\":5,\"ch\":1,\"total\":150,\"delta\":1}],\"obj\":3}"),
		1004));
	o = view_channels_json(v, 3, 1004);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(json_object_get(o, "channels"), 0), "total")),
			 200);
	json_decref(o);
	ck_assert_ptr_null(view_object_json(v, 4, 1004));
	view_destroy(v);
}
END_TEST

/* notify's alarms (amr/v1/alarms/{id}) kept with their objects: raised,
 * acknowledged in place, cleared by its state or by an empty retained
 * message; a record of another id or without its object changes nothing. */
START_TEST(view_alarms_of_notify)
{
	view *v = web_test_view();
	json_t *up, *o, *al;

	up = view_on_alarm(
		v, 7,
		web_test_json(
			"{\"id\":7,\"key\":\"device_offline/1.5\",\"kind\":\"device_offline\","
			"\"severity\":\"major\",\"target\":\"1.5\",\"obj\":1,\"addr\":5,\"ch\":0,"
			"\"state\":\"raised\",\"raised\":100,\"last\":100,\"count\":1,"
			"\"detail\":{\"label\":\"Кв. 5\"}}"),
		101);
	ck_assert_ptr_nonnull(up);
	ck_assert_int_eq(json_integer_value(json_object_get(up, "obj")), 1);
	al = json_array_get(json_object_get(up, "alarms"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(al, "addr")), 5);
	ck_assert_ptr_null(json_object_get(al, "ch")); /* 0: the device's, no channel */
	ck_assert_ptr_null(json_object_get(al, "key"));
	ck_assert(json_is_null(json_object_get(al, "ack")));
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(up, "object"), "alarms")),
			  1);
	json_decref(up);
	/* the gateway's: no addr */
	json_decref(view_on_alarm(
		v, 8,
		web_test_json(
			"{\"id\":8,\"kind\":\"gateway_offline\",\"obj\":1,\"addr\":0,\"ch\":0,"
			"\"state\":\"raised\"}"),
		102));
	/* not of its topic's id, no object, a channel without a device: ignored */
	ck_assert_ptr_null(view_on_alarm(
		v, 9,
		web_test_json("{\"id\":10,\"kind\":\"spool\",\"obj\":1,\"state\":\"raised\"}"),
		103));
	ck_assert_ptr_null(view_on_alarm(
		v, 9, web_test_json("{\"id\":9,\"kind\":\"spool\",\"state\":\"raised\"}"), 103));
	ck_assert_ptr_null(view_on_alarm(
		v, 9,
		web_test_json("{\"id\":9,\"kind\":\"counter\",\"obj\":1,\"addr\":0,\"ch\":2,"
			      "\"state\":\"raised\"}"),
		103));
	ck_assert_uint_eq(view_open_alarms(v), 2);
	/* acknowledged: the same alarm, its ack shown */
	up = view_on_alarm(
		v, 7,
		web_test_json("{\"id\":7,\"kind\":\"device_offline\",\"obj\":1,\"addr\":5,\"ch\":0,"
			      "\"state\":\"acknowledged\",\"ack\":{\"by\":\"ivan\",\"ts\":110}}"),
		110);
	json_decref(up);
	o = view_object_json(v, 1, 111);
	al = json_object_get(json_object_get(o, "object"), "alarms");
	ck_assert_uint_eq(json_array_size(al), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(al, 0), "state")),
			 "acknowledged");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(json_array_get(al, 0), "ack"), "by")),
			 "ivan");
	json_decref(o);
	/* cleared: told once more, then gone; its empty retained message
	 * changes nothing more */
	up = view_on_alarm(
		v, 7,
		web_test_json("{\"id\":7,\"kind\":\"device_offline\",\"obj\":1,\"addr\":5,\"ch\":0,"
			      "\"state\":\"cleared\"}"),
		120);
	ck_assert_ptr_nonnull(up);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(up, "alarms"), 0), "state")),
			 "cleared");
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(up, "object"), "alarms")),
			  1);
	json_decref(up);
	ck_assert_ptr_null(view_on_alarm(v, 7, web_test_json("{}"), 121));
	/* an empty retained message alone removes one too */
	up = view_on_alarm(v, 8, web_test_json("{}"), 122);
	ck_assert_ptr_nonnull(up);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(up, "alarms"), 0), "kind")),
			 "gateway_offline");
	json_decref(up);
	ck_assert_uint_eq(view_open_alarms(v), 0);
	/* a new session with the broker: the retained ones come again */
	json_decref(view_on_alarm(
		v, 11,
		web_test_json("{\"id\":11,\"kind\":\"spool\",\"obj\":2,\"state\":\"raised\"}"),
		130));
	ck_assert_uint_eq(view_forget_alarms(v), 1);
	o = view_object_json(v, 2, 131);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(o, "object"), "alarms")),
			  0);
	json_decref(o);
	view_destroy(v);
}
END_TEST

START_TEST(view_status_events_services)
{
	view *v = web_test_view();
	json_t *o, *ev;

	json_decref(view_on_gw_status(
		v, 7,
		web_test_json(
			"{\"online\":true,\"fw\":\"1.0.0\",\"devices\":{\"polled\":32,\"responding\":31}}"),
		10));
	o = view_objects_json(v, 11);
	ck_assert(json_is_true(
		json_object_get(json_array_get(json_object_get(o, "objects"), 0), "online")));
	json_decref(o);
	json_decref(view_on_gw_status(v, 7, web_test_json("{\"online\":false}"), 20));
	for (int i = 0; i < 10; i++) /* the ring keeps the newest 8 */
		json_decref(view_on_event(
			v, 7, web_test_json("{\"type\":\"mains_lost\",\"addr\":2,\"ts\":30}"),
			30 + i));
	json_decref(view_on_event(
		v, 7, web_test_json("{\"type\":\"battery_low\",\"addr\":2,\"ts\":40}"), 40));
	ev = view_events_json(v, 7, 100);
	ck_assert_uint_eq(json_array_size(ev), 8);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ev, 0), "type")),
			 "battery_low");
	json_decref(ev);
	o = view_object_json(v, 7, 41);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(o, "object"), "alarms")),
			  0); /* events are not alarms here: notify's come on their own topic */
	json_decref(o);
	ck_assert_int_eq(view_service_online(v, "archive"), -1);
	json_decref(view_on_svc_status(v, "archive", web_test_json("{\"online\":false}"), 60));
	ck_assert_int_eq(view_service_online(v, "archive"), 0);
	json_decref(view_on_svc_status(
		v, "archive", web_test_json("{\"online\":true,\"version\":\"0.1.0\"}"), 61));
	ck_assert_int_eq(view_service_online(v, "archive"), 1);
	/* a problem shows while the status carries it, and clears with it */
	o = view_on_svc_status(v, "archive",
			       web_test_json("{\"online\":true,\"problem\":\"store: full\"}"), 62);
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(o, "service"), "problem")),
		"store: full");
	json_decref(o);
	o = view_services_json(v, true, 63);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(o, "services"), 0), "problem")),
			 "store: full");
	json_decref(o);
	json_decref(view_on_svc_status(v, "archive", web_test_json("{\"online\":true}"), 64));
	o = view_services_json(v, true, 65);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(o, "services"), 0), "problem")),
			 "");
	json_decref(o);
	/* garbage changes nothing */
	ck_assert_ptr_null(view_on_registry(v, web_test_json("{\"id\":\"70000.1.1\"}"), 62));
	ck_assert_ptr_null(view_on_registry(v, web_test_json("{\"id\":\"1.1.9\"}"), 62));
	ck_assert_ptr_null(view_on_readings(v, 7, web_test_json("{\"seq\":1}"), 62));
	view_destroy(v);
}
END_TEST

/* The "obj" values of a list answer's entries under key, joined. */
static const char *objs_of(json_t *list, const char *key)
{
	static char buf[128];
	size_t i, n = 0;
	json_t *e;

	buf[0] = '\0';
	json_array_foreach(json_object_get(list, key), i, e)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%lld", n ? " " : "",
				      (long long)json_integer_value(json_object_get(e, "obj")));
	json_decref(list);
	return buf;
}

/* A retired object (a gateway's old number) and a retired device keep
 * their state but leave the lists, the alarms and the live stream. */
START_TEST(view_retired_objects_and_devices)
{
	view *v = web_test_view();
	json_t *o, *al;

	json_decref(view_on_gw_status(v, 1, web_test_json("{\"online\":true}"), 10));
	json_decref(view_on_gw_status(v, 12, web_test_json("{\"online\":false}"), 10));
	json_decref(view_on_readings(
		v, 1,
		web_test_json(
			"{\"seq\":1,\"ts\":10,\"readings\":[{\"addr\":5,\"ch\":1,\"total\":1,\"delta\":0},"
			"{\"addr\":6,\"ch\":1,\"total\":2,\"delta\":0}],\"devices\":[{\"addr\":5,\"ok\":true,"
			"\"mains\":true},{\"addr\":6,\"ok\":false}],\"obj\":1,\"rx\":10}"),
		10));
	json_decref(view_on_readings(
		v, 12,
		web_test_json(
			"{\"seq\":1,\"ts\":10,\"readings\":[{\"addr\":5,\"ch\":1,\"total\":1,\"delta\":0}],"
			"\"devices\":[{\"addr\":5,\"ok\":false}],\"obj\":12,\"rx\":10}"),
		10));
	json_decref(view_on_event(v, 12, web_test_json("{\"type\":\"gateway_offline\",\"ts\":10}"),
				  10));
	json_decref(view_on_event(
		v, 1, web_test_json("{\"type\":\"device_offline\",\"addr\":6,\"ts\":10}"), 10));
	json_decref(view_on_alarm(v, 1,
				  web_test_json("{\"id\":1,\"kind\":\"gateway_offline\",\"obj\":12,"
						"\"addr\":0,\"ch\":0,\"state\":\"raised\"}"),
				  10));
	json_decref(view_on_alarm(v, 2,
				  web_test_json("{\"id\":2,\"kind\":\"device_offline\",\"obj\":1,"
						"\"addr\":6,\"ch\":0,\"state\":\"raised\"}"),
				  10));
	ck_assert_uint_eq(view_open_alarms(v), 2);
	ck_assert_str_eq(objs_of(view_objects_json(v, 11), "objects"), "1 12");
	ck_assert_str_eq(objs_of(view_channels_json(v, 0, 11), "channels"), "1 1 12");
	ck_assert(!view_take_reload(v));
	ck_assert_ptr_null(
		view_on_registry(v, web_test_json("{\"id\":\"12\",\"retired\":true}"), 11));
	ck_assert_ptr_null(
		view_on_registry(v, web_test_json("{\"id\":\"1.6\",\"retired\":true}"), 11));
	ck_assert(view_take_reload(v));
	ck_assert(!view_take_reload(v));
	ck_assert_str_eq(objs_of(view_objects_json(v, 12), "objects"), "1");
	ck_assert_str_eq(objs_of(view_channels_json(v, 0, 12), "channels"), "1");
	o = view_events_json(v, 0, 100);
	ck_assert_uint_eq(json_array_size(o), 0); /* both events were of retired ones */
	json_decref(o);
	/* asked by number: there, marked, without alarms */
	o = view_object_json(v, 12, 12);
	ck_assert(json_is_true(json_object_get(json_object_get(o, "object"), "retired")));
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(o, "object"), "alarms")),
			  0);
	json_decref(o);
	o = view_object_json(v, 1, 12);
	al = json_object_get(json_object_get(o, "object"), "alarms");
	ck_assert_uint_eq(json_array_size(al), 0); /* device 6 is silent, but retired */
	ck_assert_uint_eq(json_array_size(json_object_get(o, "devices")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "channels")), 1);
	ck_assert_ptr_null(json_object_get(json_object_get(o, "object"), "retired"));
	json_decref(o);
	/* what still arrives about them goes into the view, not the stream */
	ck_assert_ptr_null(view_on_gw_status(v, 12, web_test_json("{\"online\":false}"), 13));
	ck_assert_ptr_null(
		view_on_event(v, 12, web_test_json("{\"type\":\"gateway_online\",\"ts\":13}"), 13));
	ck_assert_ptr_null(view_on_event(
		v, 1, web_test_json("{\"type\":\"device_online\",\"addr\":6,\"ts\":13}"), 13));
	o = view_on_readings(
		v, 1,
		web_test_json(
			"{\"seq\":2,\"ts\":13,\"readings\":[{\"addr\":6,\"ch\":1,\"total\":3,\"delta\":1}],"
			"\"devices\":[{\"addr\":6,\"ok\":true}],\"obj\":1,\"rx\":13}"),
		13);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "channels")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "devices")), 0);
	json_decref(o);
	/* back again */
	json_decref(view_on_registry(v, web_test_json("{\"id\":\"12\"}"), 14));
	ck_assert(view_take_reload(v));
	ck_assert_str_eq(objs_of(view_objects_json(v, 14), "objects"), "1 12");
	view_destroy(v);
}
END_TEST

/* ch addr=005 to 040: the records at 5 say "moved_to"; nothing of the
 * device stays at 5 (no orphan channel with the flat's label). */
START_TEST(view_moved_device_leaves_its_address)
{
	view *v = web_test_view();
	json_t *o;

	json_decref(view_on_readings(
		v, 1,
		web_test_json(
			"{\"seq\":1,\"ts\":10,\"readings\":[{\"addr\":5,\"ch\":1,\"total\":1,\"delta\":0}],"
			"\"devices\":[{\"addr\":5,\"ok\":true,\"mains\":true}],\"obj\":1,\"rx\":10}"),
		10));
	json_decref(view_on_registry(
		v, web_test_json("{\"id\":\"1.5.1\",\"label\":\"Flat 5, cold\"}"), 10));
	ck_assert(!view_take_reload(v));
	ck_assert_ptr_null(view_on_registry(
		v, web_test_json("{\"id\":\"1.5\",\"label\":\"\",\"moved_to\":\"1.40\"}"), 11));
	ck_assert_ptr_null(view_on_registry(
		v, web_test_json("{\"id\":\"1.5.1\",\"label\":\"\",\"moved_to\":\"1.40.1\"}"), 11));
	ck_assert(view_take_reload(v));
	json_decref(view_on_registry(
		v,
		web_test_json(
			"{\"id\":\"1.40.1\",\"label\":\"Flat 5, cold\",\"moved_from\":\"1.5.1\"}"),
		11));
	o = view_channels_json(v, 1, 12);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "channels")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(o, "channels"), 0), "id")),
			 "1.40.1");
	json_decref(o);
	o = view_object_json(v, 1, 12);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "devices")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(json_object_get(o, "devices"), 0), "addr")),
			 40);
	json_decref(o);
	view_destroy(v);
}
END_TEST

/* A gateway that said it is offline: its devices, channels and summary
 * (the last devices responding, the last LCD) are marked last known; back
 * online, they are live again. */
START_TEST(view_offline_is_last_known)
{
	view *v = web_test_view();
	json_t *o, *sum, *d, *c;

	json_decref(view_on_gw_status(
		v, 9,
		web_test_json(
			"{\"online\":true,\"devices\":{\"polled\":2,\"responding\":2},\"lcd\":[\"UO-4 2/2\",\"Server: on\"]}"),
		100));
	json_decref(view_on_readings(
		v, 9,
		web_test_json(
			"{\"seq\":1,\"ts\":100,\"readings\":[{\"addr\":1,\"ch\":1,\"total\":5,\"delta\":1}],"
			"\"devices\":[{\"addr\":1,\"ok\":true,\"mains\":true}],\"obj\":9,\"rx\":100}"),
		100));
	o = view_object_json(v, 9, 101);
	ck_assert_ptr_null(json_object_get(json_object_get(o, "object"), "last_known"));
	ck_assert_ptr_null(
		json_object_get(json_array_get(json_object_get(o, "devices"), 0), "last_known"));
	json_decref(o);
	json_decref(view_on_gw_status(v, 9, web_test_json("{\"online\":false}"), 200));
	o = view_object_json(v, 9, 400);
	sum = json_object_get(o, "object");
	d = json_array_get(json_object_get(o, "devices"), 0);
	c = json_array_get(json_object_get(o, "channels"), 0);
	ck_assert(json_is_true(json_object_get(sum, "last_known")));
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "age_s")), 300);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(sum, "devices"), "responding")),
		2);
	ck_assert(json_is_true(json_object_get(d, "ok"))); /* as last heard */
	ck_assert(json_is_true(json_object_get(d, "last_known")));
	ck_assert(json_is_true(json_object_get(c, "last_known")));
	json_decref(o);
	json_decref(view_on_gw_status(v, 9, web_test_json("{\"online\":true}"), 500));
	o = view_object_json(v, 9, 501);
	ck_assert_ptr_null(json_object_get(json_object_get(o, "object"), "last_known"));
	ck_assert_ptr_null(
		json_object_get(json_array_get(json_object_get(o, "channels"), 0), "last_known"));
	json_decref(o);
	view_destroy(v);
}
END_TEST

/* sse_publish of JSON text. */
/* sse: the suspend/resume callbacks count what they were asked */
static int suspended, resumed;
static void on_suspend(void *c)
{
	(void)c;
	suspended++;
}
static void on_resume(void *c)
{
	(void)c;
	resumed++;
}

static void publish_text(sse *h, unsigned obj, const char *event, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	ck_assert_ptr_nonnull(j);
	sse_publish(h, obj, event, j);
	json_decref(j);
}

START_TEST(sse_queue_bounded)
{
	sse *h;
	sse_client *fast, *slow, *other;
	char buf[8192];
	ssize_t n;

	suspended = resumed = 0;
	ck_assert_int_eq(sse_create(&h, 3, 4096, on_suspend, on_resume), AMR_OK);
	ck_assert_int_eq(sse_client_open(h, 0, (void *)1, &fast), AMR_OK);
	ck_assert_int_eq(sse_client_open(h, 0, (void *)2, &slow), AMR_OK);
	ck_assert_int_eq(sse_client_open(h, 9, (void *)3, &other), AMR_OK);
	ck_assert_int_eq(sse_client_open(h, 0, (void *)4, &(sse_client *){ NULL }), AMR_EFULL);
	n = sse_client_read(fast, buf, sizeof buf); /* the greeting */
	ck_assert(n > 0 && strstr(buf, "retry:"));
	ck_assert_int_eq(sse_client_read(fast, buf, sizeof buf), 0); /* empty: suspend */
	ck_assert_int_eq(suspended, 1);
	publish_text(h, 3, "reading", "{\"obj\":3}");
	ck_assert_int_eq(resumed, 1);
	n = sse_client_read(fast, buf, sizeof buf);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "event: reading\ndata: {\"obj\":3}\n\n");
	/* the client of object 9 only has its greeting */
	n = sse_client_read(other, buf, sizeof buf);
	buf[n] = '\0';
	ck_assert(!strstr(buf, "reading"));
	/* the slow client never reads: cut off past 4096 bytes, the others go on */
	for (int i = 0; i < 200; i++)
		publish_text(h, 3, "reading",
			     "{\"padding\":\"....................................\"}");
	ck_assert_int_eq(sse_client_read(slow, buf, sizeof buf), -1);
	ck_assert_uint_eq(sse_dropped(h), 2); /* slow and fast both never drained */
	sse_client_free(slow);
	sse_client_free(fast);
	ck_assert_uint_eq(sse_count(h), 1);
	sse_close_all(h);
	ck_assert_int_eq(sse_client_read(other, buf, sizeof buf), -1);
	sse_client_free(other);
	sse_destroy(h);
}
END_TEST

Suite *web_view_suite(void)
{
	Suite *s = suite_create("web_view");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, web_test_pool_free);
	tcase_add_test(tc, qty_reading_and_rate);
	tcase_add_test(tc, view_readings_devices_alarms);
	tcase_add_test(tc, view_status_events_services);
	tcase_add_test(tc, view_alarms_of_notify);
	tcase_add_test(tc, view_retired_objects_and_devices);
	tcase_add_test(tc, view_moved_device_leaves_its_address);
	tcase_add_test(tc, view_offline_is_last_known);
	tcase_add_test(tc, sse_queue_bounded);
	suite_add_tcase(s, tc);
	return s;
}
