/* Users limited to some objects (scope.c): the list as an admin gives it,
 * the scope of each role, the objects a request names, filtered lists,
 * the live stream of a tenant, and the list stored with the user in a
 * real LMDB environment (users.c). */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "call.h"
#include "err.h"
#include "route.h"
#include "scope.h"
#include "sse.h"
#include "test_web.h"
#include "users.h"

static json_t *J(const char *text)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);

	ck_assert_msg(j != NULL, "bad test JSON %s", text);
	return j;
}

START_TEST(scope_list_checked)
{
	static const char *const bad[] = { "5",
					   "[0]",
					   "[65001]",
					   "[\"01\"]",
					   "[1, 1]",
					   "[1.5]",
					   "{}",
					   "[\"1.0\"]",
					   "[\"1.128\"]",
					   "[\"1.2.5\"]",
					   "[\"1.2.3.4\"]",
					   "[true]",
					   "[\"1. 2\"]",
					   "[\"1.2\", \"1.2\"]",
					   "[1, \"1\"]" };
	struct scope s;
	char msg[96];
	json_t *j;

	j = J("[5, 1, 300]");
	ck_assert_int_eq(scope_parse(j, &s, msg, sizeof msg), AMR_OK);
	json_decref(j);
	ck_assert(s.on);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.item[0].obj, 1); /* sorted */
	ck_assert_uint_eq(s.item[2].obj, 300);
	ck_assert(scope_allows(&s, 5) && !scope_allows(&s, 2) && !scope_allows(&s, 0));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = J(bad[i]);
		ck_assert_msg(scope_parse(j, &s, msg, sizeof msg) == AMR_EINVAL, "%s", bad[i]);
		ck_assert(strstr(msg, "objects"));
		json_decref(j);
	}
	j = json_array();
	for (int i = 1; i <= SCOPE_MAX + 1; i++)
		json_array_append_new(j, json_integer(i));
	ck_assert_int_eq(scope_parse(j, &s, msg, sizeof msg), AMR_EINVAL);
	json_decref(j);
	ck_assert_uint_eq(scope_id_obj("12.5.3"), 12);
	ck_assert_uint_eq(scope_id_obj("7"), 7);
	ck_assert_uint_eq(scope_id_obj("x7"), 0);
	ck_assert_uint_eq(scope_id_obj("70000"), 0);
	ck_assert_uint_eq(scope_id_obj("7x"), 0);
}
END_TEST

START_TEST(scope_per_role)
{
	json_t *list = J("[2]");
	struct scope s;

	scope_of_user(ROLE_TENANT, NULL, &s); /* a tenant without a list: nothing */
	ck_assert(s.on && s.n == 0 && !scope_allows(&s, 1));
	scope_of_user(ROLE_TENANT, list, &s);
	ck_assert(s.on && scope_allows(&s, 2) && !scope_allows(&s, 1));
	scope_of_user(ROLE_OPERATOR, NULL, &s); /* staff without a list: everything */
	ck_assert(!s.on && scope_allows(&s, 1));
	scope_of_user(ROLE_OPERATOR, list, &s); /* staff with a list: the list */
	ck_assert(s.on && !scope_allows(&s, 1));
	scope_of_user(ROLE_ADMIN, list, &s); /* an admin: always everything */
	ck_assert(!s.on && scope_allows(&s, 1));
	json_decref(list);
}
END_TEST

/* sse_publish of JSON text. */
static void publish_text(sse *h, unsigned obj, const char *event, const char *text)
{
	json_t *j = J(text);

	sse_publish(h, obj, event, j);
	json_decref(j);
}

static void nop(void *conn)
{
	(void)conn;
}

/* A call of method and path with query (a JSON object of strings). */
static void make_call(struct call *c, const char *method, const char *path, const char *query)
{
	memset(c, 0, sizeof *c);
	ck_assert_int_eq(route_find(api_routes, api_nroutes, method, path, &c->m), AMR_OK);
	c->query = J(query);
}

/* scope_check_call on method path?query: the status, and the message
 * holding want. */
static void check(const struct scope *s, const char *method, const char *path, const char *query,
		  int status, const char *want)
{
	struct call c;
	char msg[160] = "";
	int rc;

	make_call(&c, method, path, query);
	snprintf(c.user, sizeof c.user, "t1");
	rc = scope_check_call(s, &c, msg, sizeof msg);
	ck_assert_msg(rc == status, "%s %s %s: %d (%s)", method, path, query, rc, msg);
	if (want)
		ck_assert_msg(strstr(msg, want), "%s %s %s: %s", method, path, query, msg);
	json_decref(c.query);
}

START_TEST(scope_names_in_request)
{
	struct scope s = { .on = true, .n = 2, .item = { { .obj = 1 }, { .obj = 9 } } };
	struct scope off = { .on = false };

	check(&s, "GET", "/api/v1/objects/9", "{}", 0, NULL);
	check(&s, "GET", "/api/v1/objects/2", "{}", 403, "object 2 is not among the objects of t1");
	check(&off, "GET", "/api/v1/objects/2", "{}", 0, NULL);
	check(&s, "GET", "/api/v1/objects/3/commands", "{}", 403, "object 3");
	check(&s, "POST", "/api/v1/objects/3/commands", "{}", 403, "object 3");
	check(&s, "GET", "/api/v1/registry/4.1.2", "{}", 403, "object 4");
	check(&s, "GET", "/api/v1/channels", "{\"obj\":\"5\"}", 403, "object 5");
	check(&s, "GET", "/api/v1/stream", "{\"obj\":\"6\"}", 403, "object 6");
	/* one channel of another object among its own is enough to refuse */
	check(&s, "GET", "/api/v1/series", "{\"channels\":\"1.1.1,9.2.1,7.1.1\"}", 403, "object 7");
	check(&s, "GET", "/api/v1/consumption", "{\"channels\":\"1.1.1,9.2.1\"}", 0, NULL);
	/* "channel" names a channel as well as "channels" does */
	check(&s, "GET", "/api/v1/series", "{\"channel\":\"7.1.1\"}", 403, "object 7");
	check(&s, "GET", "/api/v1/consumption", "{\"channel\":\"9.1.1\"}", 0, NULL);
	/* other spellings of an object are no object for a limited user:
	 * refused before a handler could read them as object 2 */
	check(&s, "GET", "/api/v1/objects/0000002", "{}", 400, "\"0000002\" is not an id");
	check(&s, "POST", "/api/v1/objects/02/commands", "{}", 400, "is not an id");
	check(&s, "GET", "/api/v1/channels", "{\"obj\":\"+2\"}", 400, "obj:");
	check(&s, "GET", "/api/v1/stream", "{\"obj\":\"2abc\"}", 400, "obj:");
	check(&s, "GET", "/api/v1/series", "{\"channel\":\"02.1.1\"}", 400, "channel:");
	check(&s, "GET", "/api/v1/series", "{\"channels\":\"1.1.1, 2.1.1\"}", 400, "channels:");
	check(&s, "GET", "/api/v1/series", "{\"channels\":\"1.1.1,\"}", 400, "channels:");
	check(&s, "GET", "/api/v1/series", "{\"channels\":\"4294967297.1.1\"}", 400, "channels:");
	check(&s, "GET", "/api/v1/registry/1.01", "{}", 400, "is not an id");
	/* an unlimited user's bad ids are the handlers' to refuse */
	check(&off, "GET", "/api/v1/objects/0000002", "{}", 0, NULL);
	/* a user name is no object */
	check(&s, "PATCH", "/api/v1/users/5", "{}", 0, NULL);
}
END_TEST

START_TEST(scope_streams_per_user)
{
	sse_client *c[4];
	sse *h;

	ck_assert_int_eq(sse_create(&h, 10, 4096, nop, nop), AMR_OK);
	sse_limit_owner(h, 2);
	ck_assert_int_eq(sse_client_open_scoped(h, 0, NULL, "t1", (void *)1, &c[0]), AMR_OK);
	ck_assert_int_eq(sse_client_open_scoped(h, 0, NULL, "t1", (void *)2, &c[1]), AMR_OK);
	ck_assert_int_eq(
		sse_client_open_scoped(h, 0, NULL, "t1", (void *)3, &(sse_client *){ NULL }),
		AMR_EEXIST);
	ck_assert_int_eq(sse_client_open_scoped(h, 0, NULL, "t2", (void *)4, &c[2]), AMR_OK);
	ck_assert_uint_eq(sse_count(h), 3);
	sse_client_free(c[0]); /* a closed tab frees its place */
	ck_assert_int_eq(sse_client_open_scoped(h, 0, NULL, "t1", (void *)5, &c[3]), AMR_OK);
	for (int i = 1; i < 4; i++)
		sse_client_free(c[i]);
	sse_destroy(h);
}
END_TEST

START_TEST(scope_filters_lists)
{
	struct scope s = { .on = true, .n = 1, .item = { { .obj = 9 } } };
	json_t *j = J("{\"objects\":[{\"obj\":1},{\"obj\":9},{\"obj\":2}],"
		      "\"records\":[{\"id\":\"1.1.1\"},{\"id\":\"9.1.1\"},{\"id\":\"9\"}],"
		      "\"events\":[{\"obj\":1,\"type\":\"leak\"}],\"other\":[1,2],\"more\":true}");

	ck_assert(scope_filter(&s, 0, j));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "objects")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(json_object_get(j, "objects"), 0), "obj")),
			 9);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "records")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "events")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "other")), 2); /* not objects: kept */
	ck_assert(json_is_true(json_object_get(j, "more")));
	json_decref(j);
}
END_TEST

START_TEST(scope_stream_of_tenant)
{
	struct scope s = { .on = true, .n = 1, .item = { { .obj = 9 } } };
	sse_client *tenant, *staff;
	char buf[4096];
	ssize_t n;
	sse *h;

	ck_assert_int_eq(sse_create(&h, 4, 65536, nop, nop), AMR_OK);
	ck_assert_int_eq(sse_client_open_scoped(h, 0, &s, "t1", (void *)1, &tenant), AMR_OK);
	ck_assert_int_eq(sse_client_open(h, 0, (void *)2, &staff), AMR_OK);
	publish_text(h, 1, "reading", "{\"obj\":1}");
	publish_text(h, 0, "service", "{\"name\":\"archive\"}");
	publish_text(h, 9, "reading", "{\"obj\":9}");
	publish_text(h, 0, "reload", "{}");
	n = sse_client_read(tenant, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	ck_assert(!strstr(buf, "\"obj\":1}") && !strstr(buf, "service"));
	ck_assert(strstr(buf, "{\"obj\":9}") && strstr(buf, "event: reload"));
	n = sse_client_read(staff, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	ck_assert(strstr(buf, "{\"obj\":1}") && strstr(buf, "service") &&
		  strstr(buf, "{\"obj\":9}"));
	sse_client_free(tenant);
	sse_client_free(staff);
	sse_destroy(h);
}
END_TEST

/* A flat's tenant: its UO-4 (1.17) and one channel of the flat beside it
 * (1.18.3). */
static struct scope flat17(void)
{
	json_t *list = J("[\"1.18.3\", \"1.17\"]");
	struct scope s;
	char msg[128];

	ck_assert_int_eq(scope_parse(list, &s, msg, sizeof msg), AMR_OK);
	json_decref(list);
	return s;
}

START_TEST(scope_devices_and_channels)
{
	struct scope s = flat17();
	json_t *j;

	ck_assert_uint_eq(s.n, 2);
	ck_assert(s.item[0].addr == 17 && s.item[0].ch == 0); /* sorted by address */
	/* channels: of its device, and its one channel of the next flat */
	ck_assert(scope_sees(&s, 1, 17, 1) && scope_sees(&s, 1, 17, 4));
	ck_assert(scope_sees(&s, 1, 18, 3) && !scope_sees(&s, 1, 18, 1));
	ck_assert(!scope_sees(&s, 1, 16, 3) && !scope_sees(&s, 2, 17, 1));
	/* devices: its own; a channel of a device does not give the device */
	ck_assert(scope_sees(&s, 1, 17, 0) && !scope_sees(&s, 1, 18, 0) &&
		  !scope_sees(&s, 1, 16, 0));
	/* the object as such: seen, in part */
	ck_assert(scope_allows(&s, 1) && !scope_whole(&s, 1) && !scope_allows(&s, 2));
	/* the list as given back: devices and channels as ids */
	j = scope_json(&s);
	ck_assert_str_eq(json_string_value(json_array_get(j, 0)), "1.17");
	ck_assert_str_eq(json_string_value(json_array_get(j, 1)), "1.18.3");
	json_decref(j);
	/* objects and devices together; the message names the bad item */
	{
		char msg[128];
		json_t *bad = J("[2, \"1.17\", \"1.300\"]");

		ck_assert_int_eq(scope_parse(bad, &s, msg, sizeof msg), AMR_EINVAL);
		ck_assert_msg(strstr(msg, "objects[2]"), "%s", msg);
		json_decref(bad);
	}
}
END_TEST

START_TEST(scope_device_names_in_request)
{
	struct scope s = flat17();

	check(&s, "GET", "/api/v1/objects/1", "{}", 0, NULL); /* seen in part */
	check(&s, "GET", "/api/v1/channels", "{\"obj\":\"1\"}", 0, NULL);
	check(&s, "GET", "/api/v1/series", "{\"channels\":\"1.17.3\"}", 0, NULL);
	check(&s, "GET", "/api/v1/series", "{\"channels\":\"1.17.1,1.18.3\"}", 0, NULL);
	check(&s, "GET", "/api/v1/series", "{\"channels\":\"1.17.3,1.16.3\"}", 403,
	      "channel 1.16.3 is not among what t1 may see");
	check(&s, "GET", "/api/v1/consumption", "{\"channel\":\"1.18.1\"}", 403, "channel 1.18.1");
	check(&s, "GET", "/api/v1/registry/1.16.3", "{}", 403, "channel 1.16.3");
	check(&s, "GET", "/api/v1/registry/1.16", "{}", 403, "device 1.16");
	check(&s, "GET", "/api/v1/registry/1.17.2", "{}", 0, NULL);
	check(&s, "GET", "/api/v1/registry/1", "{}", 0, NULL); /* the building's record */
	check(&s, "GET", "/api/v1/objects/2", "{}", 403, "object 2");
}
END_TEST

/* The building's status as the view gives it (two flats). */
static json_t *building(void)
{
	return J(
		"{\"object\":{\"obj\":1,\"label\":\"Дом 1\",\"online\":true,"
		"\"devices\":{\"polled\":32,\"responding\":31},\"channels\":128,"
		"\"lcd\":[\"UO-4 31/32\"],\"spool\":{\"pending\":0},\"ip\":\"10.0.0.1\","
		"\"fw\":\"1.0\",\"alarms\":[{\"id\":1,\"kind\":\"gateway_offline\"},"
		"{\"id\":2,\"kind\":\"device_offline\",\"addr\":16},{\"id\":3,\"kind\":\"battery_low\",\"addr\":17},"
		"{\"id\":4,\"kind\":\"counter\",\"addr\":18,\"ch\":1}]},"
		"\"devices\":[{\"addr\":16,\"outputs\":[{\"out\":1,\"state\":\"blocked\"}]},"
		"{\"addr\":17,\"outputs\":[]},{\"addr\":18}],"
		"\"channels\":[{\"id\":\"1.16.3\",\"total\":1},{\"id\":\"1.17.3\",\"total\":2},"
		"{\"id\":\"1.18.3\",\"total\":3},{\"id\":\"1.18.1\",\"total\":4}],"
		"\"events\":[{\"obj\":1,\"type\":\"gateway_online\"},"
		"{\"obj\":1,\"addr\":16,\"type\":\"output_changed\"},"
		"{\"obj\":1,\"addr\":17,\"type\":\"mains_lost\"}]}");
}

/* The members of array key of j, by member field name, joined by ",". */
static void members(json_t *j, const char *key, const char *field, char *out, size_t size)
{
	size_t i, len = 0;
	json_t *e;

	out[0] = '\0';
	json_array_foreach(json_object_get(j, key), i, e) {
		json_t *v = json_object_get(e, field);
		char one[32];

		if (json_is_integer(v))
			snprintf(one, sizeof one, "%lld", (long long)json_integer_value(v));
		else
			snprintf(one, sizeof one, "%s",
				 json_is_string(v) ? json_string_value(v) : "-");
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "", one);
	}
}

START_TEST(scope_filters_a_building)
{
	struct scope s = flat17();
	json_t *j = building(), *o;
	char got[256];

	ck_assert(scope_filter(&s, 1, j));
	members(j, "devices", "addr", got, sizeof got);
	ck_assert_str_eq(got, "17"); /* flat 16's blocked output is not shown */
	members(j, "channels", "id", got, sizeof got);
	ck_assert_str_eq(got, "1.17.3,1.18.3");
	members(j, "events", "addr", got, sizeof got);
	ck_assert_str_eq(got, "-,17");
	o = json_object_get(j, "object");
	members(o, "alarms", "kind", got, sizeof got);
	ck_assert_str_eq(got, "battery_low"); /* the building's own: for those who see all */
	ck_assert_str_eq(json_string_value(json_object_get(o, "label")), "Дом 1");
	ck_assert(json_is_true(json_object_get(o, "online")));
	for (const char *const *k = (const char *const[]){ "devices", "channels", "lcd", "spool",
							   "ip", "fw", NULL };
	     *k; k++)
		ck_assert_msg(!json_object_get(o, *k), "summary keeps %s", *k);
	json_decref(j);
	/* the object list: the building reduced the same way, others gone */
	j = J("{\"objects\":[{\"obj\":1,\"devices\":{\"polled\":32},\"alarms\":"
	      "[{\"id\":2,\"kind\":\"device_offline\",\"addr\":16}]},{\"obj\":2}]}");
	ck_assert(scope_filter(&s, 0, j));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "objects")), 1);
	o = json_array_get(json_object_get(j, "objects"), 0);
	ck_assert(!json_object_get(o, "devices"));
	ck_assert_uint_eq(json_array_size(json_object_get(o, "alarms")), 0);
	json_decref(j);
	/* a whole object keeps everything */
	{
		struct scope whole = { .on = true, .n = 1, .item = { { .obj = 1 } } };

		j = building();
		ck_assert(scope_filter(&whole, 1, j));
		members(j, "devices", "addr", got, sizeof got);
		ck_assert_str_eq(got, "16,17,18");
		ck_assert(json_object_get(json_object_get(j, "object"), "lcd"));
		members(json_object_get(j, "object"), "alarms", "kind", got, sizeof got);
		ck_assert_str_eq(got, "gateway_offline,device_offline,battery_low,counter");
		json_decref(j);
	}
	/* the stream's alarm of the building itself: not for a flat */
	j = J("{\"obj\":1,\"alarms\":[{\"id\":9,\"kind\":\"spool\",\"obj\":1}]}");
	ck_assert(scope_filter(&s, 1, j));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "alarms")), 0);
	json_decref(j);
	/* an event about another flat is not shown at all */
	j = J("{\"event\":{\"obj\":1,\"addr\":16,\"type\":\"output_changed\"},\"obj\":1}");
	ck_assert(!scope_filter(&s, 1, j));
	json_decref(j);
	j = J("{\"event\":{\"obj\":1,\"type\":\"gateway_offline\"},\"obj\":1}");
	ck_assert(scope_filter(&s, 1, j));
	json_decref(j);
}
END_TEST

START_TEST(scope_stream_of_a_flat)
{
	struct scope s = flat17();
	sse_client *tenant, *staff;
	char buf[8192];
	ssize_t n;
	sse *h;

	ck_assert_int_eq(sse_create(&h, 4, 65536, nop, nop), AMR_OK);
	ck_assert_int_eq(sse_client_open_scoped(h, 0, &s, "t17", (void *)1, &tenant), AMR_OK);
	ck_assert_int_eq(sse_client_open(h, 0, (void *)2, &staff), AMR_OK);
	publish_text(h, 1, "reading",
		     "{\"obj\":1,\"channels\":[{\"id\":\"1.16.3\",\"total\":111},"
		     "{\"id\":\"1.17.3\",\"total\":222}],\"devices\":[{\"addr\":16},{\"addr\":17}],"
		     "\"object\":{\"obj\":1,\"lcd\":[\"UO-4 32/32\"]}}");
	publish_text(h, 1, "event",
		     "{\"event\":{\"obj\":1,\"addr\":16,\"type\":\"output_changed\"},\"obj\":1,"
		     "\"devices\":[{\"addr\":16}]}");
	publish_text(h, 1, "device", "{\"obj\":1,\"devices\":[{\"addr\":16,\"outputs\":[]}]}");
	n = sse_client_read(tenant, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	ck_assert_msg(strstr(buf, "\"total\":222") && !strstr(buf, "\"total\":111"), "%s", buf);
	ck_assert_msg(!strstr(buf, "\"addr\":16") && !strstr(buf, "output_changed") &&
			      !strstr(buf, "UO-4"),
		      "%s", buf);
	ck_assert_msg(strstr(buf, "event: device\ndata: {\"obj\":1,\"devices\":[]}"), "%s", buf);
	n = sse_client_read(staff, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	ck_assert(strstr(buf, "\"total\":111") && strstr(buf, "output_changed"));
	sse_client_free(tenant);
	sse_client_free(staff);
	sse_destroy(h);
}
END_TEST

static int rm(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

START_TEST(scope_stored_with_user)
{
	char dir[] = "/tmp/test_web_scope.XXXXXX";
	json_t *list = J("[9, 3]"), *bad = J("[0]"), *rec;
	struct scope s;
	unsigned role;
	users *u;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(users_open(&u, dir), AMR_OK);
	ck_assert_int_eq(users_create_scoped(u, "t1", ROLE_TENANT, "tenant pass 1", bad, 1),
			 AMR_EINVAL);
	ck_assert_ptr_null(users_get(u, "t1")); /* nothing stored */
	ck_assert_int_eq(users_create_scoped(u, "t1", ROLE_TENANT, "tenant pass 1", list, 1),
			 AMR_OK);
	ck_assert_int_eq(users_verify_scope(u, "t1", "tenant pass 1", &role, &s), AMR_OK);
	ck_assert(s.on && s.n == 2 && s.item[0].obj == 3 && s.item[1].obj == 9);
	rec = users_get(u, "t1");
	ck_assert_uint_eq(json_array_size(json_object_get(rec, "objects")), 2);
	json_decref(rec);
	/* a bad list changes nothing; null removes the list: a tenant then sees nothing */
	ck_assert_int_eq(users_update_scoped(u, "t1", ROLE_OPERATOR, -1, bad, 2), AMR_EINVAL);
	ck_assert_int_eq(users_update_scoped(u, "t1", 0, -1, json_null(), 3), AMR_OK);
	rec = users_get(u, "t1");
	ck_assert_ptr_null(json_object_get(rec, "objects"));
	ck_assert_str_eq(json_string_value(json_object_get(rec, "role")), "tenant");
	json_decref(rec);
	ck_assert_int_eq(users_verify_scope(u, "t1", "tenant pass 1", &role, &s), AMR_OK);
	ck_assert(s.on && s.n == 0);
	/* an operator with a list is limited, without one is not */
	ck_assert_int_eq(users_update_scoped(u, "t1", ROLE_OPERATOR, -1, list, 4), AMR_OK);
	ck_assert_int_eq(users_verify_scope(u, "t1", "tenant pass 1", &role, &s), AMR_OK);
	ck_assert(role == ROLE_OPERATOR && s.on && s.n == 2);
	ck_assert_int_eq(users_update_scoped(u, "t1", 0, -1, json_null(), 5), AMR_OK);
	ck_assert_int_eq(users_verify_scope(u, "t1", "tenant pass 1", &role, &s), AMR_OK);
	ck_assert(!s.on);
	users_close(u);
	json_decref(list);
	json_decref(bad);
	nftw(dir, rm, 8, FTW_DEPTH | FTW_PHYS);
}
END_TEST

/* A tenant's billing accounts: checked, sorted, kept with the user and
 * in its scope after sign-in; null removes them. */
START_TEST(scope_accounts_of_tenant)
{
	static const char *const bad[] = {
		"[0]", "[4000000001]", "[\"7\"]", "[1.5]", "[3, 3]", "{}"
	};
	char dir[] = "/tmp/test_web_scope.XXXXXX", msg[128];
	json_t *list = J("[17, 4]"), *j, *rec;
	struct scope s = { 0 };
	unsigned role;
	users *u;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		j = J(bad[i]);
		ck_assert_msg(scope_accounts_parse(j, &s, msg, sizeof msg) == AMR_EINVAL, "%s",
			      bad[i]);
		ck_assert_msg(strstr(msg, "accounts"), "%s", msg);
		ck_assert_uint_eq(s.naccounts, 0);
		json_decref(j);
	}
	ck_assert_int_eq(scope_accounts_parse(list, &s, msg, sizeof msg), AMR_OK);
	ck_assert(s.naccounts == 2 && s.account[0] == 4 && s.account[1] == 17);
	ck_assert(scope_has_account(&s, 17) && !scope_has_account(&s, 5));

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(users_open(&u, dir), AMR_OK);
	ck_assert_int_eq(users_create_limited(u, "t2", ROLE_TENANT, "tenant pass 2", NULL, list, 1),
			 AMR_OK);
	ck_assert_int_eq(users_verify_scope(u, "t2", "tenant pass 2", &role, &s), AMR_OK);
	ck_assert(s.on && s.n == 0 && s.naccounts == 2 && scope_has_account(&s, 4));
	rec = users_get(u, "t2");
	ck_assert_uint_eq(json_integer_value(json_array_get(json_object_get(rec, "accounts"), 0)),
			  4);
	json_decref(rec);
	ck_assert_int_eq(users_update_limited(u, "t2", 0, -1, NULL, json_null(), 2), AMR_OK);
	ck_assert_int_eq(users_verify_scope(u, "t2", "tenant pass 2", &role, &s), AMR_OK);
	ck_assert_uint_eq(s.naccounts, 0);
	users_close(u);
	json_decref(list);
	nftw(dir, rm, 8, FTW_DEPTH | FTW_PHYS);
}
END_TEST

Suite *web_scope_suite(void)
{
	Suite *s = suite_create("web_scope");
	TCase *tc = tcase_create("scope");

	tcase_add_test(tc, scope_list_checked);
	tcase_add_test(tc, scope_per_role);
	tcase_add_test(tc, scope_names_in_request);
	tcase_add_test(tc, scope_streams_per_user);
	tcase_add_test(tc, scope_filters_lists);
	tcase_add_test(tc, scope_stream_of_tenant);
	tcase_add_test(tc, scope_stored_with_user);
	tcase_add_test(tc, scope_accounts_of_tenant);
	tcase_add_test(tc, scope_devices_and_channels);
	tcase_add_test(tc, scope_device_names_in_request);
	tcase_add_test(tc, scope_filters_a_building);
	tcase_add_test(tc, scope_stream_of_a_flat);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
