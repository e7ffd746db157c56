/* Unit tests of lib/proto.c: ids, topics and event names, from tables. */
#include <check.h>
#include <string.h>

#include "proto.h"

/* An id has one spelling: every other text that strtol or sscanf would
 * read as the same numbers is no id, so no check (the web's scope, the
 * archive's registry) can be walked around. */
static const struct id_case {
	const char *text;
	int parts; /* 0: not an id */
	unsigned obj, addr, ch;
} id_cases[] = {
	{ "1", 1, 1, 0, 0 },
	{ "65000", 1, 65000, 0, 0 },
	{ "12.5", 2, 12, 5, 0 },
	{ "1.127.4", 3, 1, 127, 4 },
	{ "65000.127.4", 3, 65000, 127, 4 },
	{ "", 0, 0, 0, 0 },
	{ "0", 0, 0, 0, 0 },
	{ "65001", 0, 0, 0, 0 },
	{ "01", 0, 0, 0, 0 },
	{ "1.05", 0, 0, 0, 0 },
	{ "+1", 0, 0, 0, 0 },
	{ "-1", 0, 0, 0, 0 },
	{ " 1", 0, 0, 0, 0 },
	{ "1 ", 0, 0, 0, 0 },
	{ "1.", 0, 0, 0, 0 },
	{ ".1", 0, 0, 0, 0 },
	{ "1..1", 0, 0, 0, 0 },
	{ "1.128", 0, 0, 0, 0 },
	{ "1.0", 0, 0, 0, 0 },
	{ "1.1.5", 0, 0, 0, 0 },
	{ "1.1.0", 0, 0, 0, 0 },
	{ "1.1.1.1", 0, 0, 0, 0 },
	{ "99999999999999999999", 0, 0, 0, 0 },
	{ "1e3", 0, 0, 0, 0 },
	{ "0x10", 0, 0, 0, 0 },
	{ "12.127", 2, 12, 127, 0 },
	{ "3.5.4", 3, 3, 5, 4 },
	{ "10.100.1", 3, 10, 100, 1 },
	{ "0000001", 0, 0, 0, 0 },
	{ "01.1.1", 0, 0, 0, 0 },
	{ "1.01.1", 0, 0, 0, 0 },
	{ "4294967297", 0, 0, 0, 0 },
	{ "1.4294967297.1", 0, 0, 0, 0 },
	{ "1.1.1.", 0, 0, 0, 0 },
	{ "1,2", 0, 0, 0, 0 },
};

START_TEST(id_parse_table)
{
	const struct id_case *c = &id_cases[_i];
	struct proto_id id = { 7, 7, 7 };
	char buf[PROTO_ID_LEN];

	ck_assert_msg(proto_id_parse(c->text, &id) == c->parts, "\"%s\"", c->text);
	if (!c->parts) {
		ck_assert_msg(id.obj == 7 && id.addr == 7 && id.ch == 7, "\"%s\" changed *id",
			      c->text);
		return;
	}
	ck_assert_uint_eq(id.obj, c->obj);
	ck_assert_uint_eq(id.addr, c->addr);
	ck_assert_uint_eq(id.ch, c->ch);
	/* the one spelling comes back */
	ck_assert_str_eq(proto_id_format(&id, buf), c->text);
}
END_TEST

START_TEST(obj_parse_by_length)
{
	ck_assert_uint_eq(proto_obj_parse("12/up", 2), 12);
	ck_assert_uint_eq(proto_obj_parse("65000", 5), 65000);
	ck_assert_uint_eq(proto_obj_parse("65001", 5), 0);
	ck_assert_uint_eq(proto_obj_parse("1.5", 3), 0);
	ck_assert_uint_eq(proto_obj_parse("012", 3), 0);
	ck_assert_uint_eq(proto_obj_parse("12", 0), 0);
	ck_assert_uint_eq(proto_obj_parse("123456789", 9), 0);
	ck_assert(proto_obj_ok(1) && proto_obj_ok(PROTO_OBJ_MAX) && !proto_obj_ok(0) &&
		  !proto_obj_ok(PROTO_OBJ_MAX + 1));
	ck_assert(proto_addr_ok(127) && !proto_addr_ok(128) && !proto_addr_ok(0));
	ck_assert(proto_ch_ok(4) && !proto_ch_ok(5) && !proto_ch_ok(0));
	ck_assert_str_eq(PROTO_OBJ_RANGE, "1..65000");
}
END_TEST

static const struct topic_case {
	const char *topic;
	enum proto_topic kind;
	unsigned obj;
	const char *name;
} topic_cases[] = {
	{ "amr/v1/gw/1/status", PROTO_T_GW_STATUS, 1, NULL },
	{ "amr/v1/gw/65000/up", PROTO_T_GW_UP, 65000, NULL },
	{ "amr/v1/gw/12/ack", PROTO_T_GW_ACK, 12, NULL },
	{ "amr/v1/gw/12/cmd", PROTO_T_GW_CMD, 12, NULL },
	{ "amr/v1/gw/12/cmd/result", PROTO_T_GW_RESULT, 12, NULL },
	{ "amr/v1/readings/7", PROTO_T_READINGS, 7, NULL },
	{ "amr/v1/events/7", PROTO_T_EVENTS, 7, NULL },
	{ "amr/v1/alarms/leak-1.5.1", PROTO_T_ALARM, 0, "leak-1.5.1" },
	{ "amr/v1/svc/archive/status", PROTO_T_SVC_STATUS, 0, "archive" },
	{ "amr/v1/audit", PROTO_T_AUDIT, 0, NULL },
	{ "amr/v1/deadletter", PROTO_T_DEADLETTER, 0, NULL },
	/* not ours, or an object number in another spelling or out of range */
	{ "amr/v1/gw/0/up", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/01/up", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/+1/up", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/65001/up", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/1.5/up", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/-1/up", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/abc/up", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/1000000/up", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/4294967297/up", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/12/upx", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw//up", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/1/up/", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/1/down", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/gw/1", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/readings/7/x", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/readings/", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/svc//status", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v1/audit/x", PROTO_T_UNKNOWN, 0, NULL },
	{ "amr/v2/gw/1/up", PROTO_T_UNKNOWN, 0, NULL },
	{ "", PROTO_T_UNKNOWN, 0, NULL },
};

START_TEST(topic_parse_table)
{
	const struct topic_case *c = &topic_cases[_i];
	struct proto_topic_info info;
	char buf[PROTO_TOPIC_MAX];

	ck_assert_msg(proto_topic_parse(c->topic, &info) == c->kind, "%s", c->topic);
	ck_assert_uint_eq(info.kind, c->kind);
	ck_assert_uint_eq(info.obj, c->obj);
	if (c->name)
		ck_assert(info.name_len == strlen(c->name) &&
			  !memcmp(info.name, c->name, info.name_len));
	if (c->kind == PROTO_T_UNKNOWN)
		return;
	/* the builder writes the same topic back */
	ck_assert_ptr_nonnull(proto_topic(buf, sizeof buf, c->kind, c->obj, c->name));
	ck_assert_str_eq(buf, c->topic);
}
END_TEST

START_TEST(topic_build_bounds)
{
	char buf[PROTO_TOPIC_MAX], small[8];

	ck_assert_ptr_null(proto_topic(buf, sizeof buf, PROTO_T_GW_UP, 0, NULL));
	ck_assert_str_eq(buf, "");
	ck_assert_ptr_null(proto_topic(buf, sizeof buf, PROTO_T_GW_UP, PROTO_OBJ_MAX + 1, NULL));
	ck_assert_ptr_null(proto_topic(buf, sizeof buf, PROTO_T_SVC_STATUS, 0, NULL));
	ck_assert_ptr_null(proto_topic(buf, sizeof buf, PROTO_T_SVC_STATUS, 0, "a/b"));
	ck_assert_ptr_null(proto_topic(buf, sizeof buf, PROTO_T_ALARM, 0, "x#"));
	ck_assert_ptr_null(proto_topic(buf, sizeof buf, PROTO_T_UNKNOWN, 1, NULL));
	ck_assert_ptr_null(proto_topic(small, sizeof small, PROTO_T_GW_UP, 1, NULL));
	ck_assert_str_eq(small, "");
	ck_assert_str_eq(proto_topic(buf, sizeof buf, PROTO_T_AUDIT, 0, NULL), "amr/v1/audit");
	ck_assert_str_eq(proto_topic_filter(PROTO_T_GW_RESULT), "amr/v1/gw/+/cmd/result");
	ck_assert_ptr_null(proto_topic_filter(PROTO_T_UNKNOWN));
	/* every filter's kind parses from a topic built for it */
	for (int t = PROTO_T_UNKNOWN + 1; t < PROTO_T_MAX; t++) {
		ck_assert_ptr_nonnull(proto_topic(buf, sizeof buf, t, 9, "n"));
		ck_assert_int_eq(proto_topic_parse(buf, NULL), t);
		ck_assert_ptr_nonnull(proto_topic_filter(t));
	}
}
END_TEST

START_TEST(event_names_round_trip)
{
	for (int e = PROTO_EV_UNKNOWN + 1; e < PROTO_EV_MAX; e++) {
		const char *n = proto_event_name(e);

		ck_assert_ptr_nonnull(n);
		ck_assert_int_eq(proto_event_parse(n), e);
	}
	ck_assert_int_eq(proto_event_parse("mains_lost"), PROTO_EV_MAINS_LOST);
	ck_assert_int_eq(proto_event_parse("Mains_lost"), PROTO_EV_UNKNOWN);
	ck_assert_int_eq(proto_event_parse(NULL), PROTO_EV_UNKNOWN);
	ck_assert_ptr_null(proto_event_name(PROTO_EV_UNKNOWN));
	ck_assert_ptr_null(proto_event_name(PROTO_EV_MAX));
	ck_assert(proto_event_from_gateway(PROTO_EV_COUNTER_ZEROED));
	ck_assert(proto_event_from_gateway(PROTO_EV_NVM_ERROR));
	ck_assert(!proto_event_from_gateway(PROTO_EV_GATEWAY_OFFLINE));
	ck_assert(!proto_event_from_gateway(PROTO_EV_UNKNOWN));
}
END_TEST

Suite *proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("proto");

	tcase_add_loop_test(tc, id_parse_table, 0, sizeof id_cases / sizeof id_cases[0]);
	tcase_add_test(tc, obj_parse_by_length);
	tcase_add_loop_test(tc, topic_parse_table, 0, sizeof topic_cases / sizeof topic_cases[0]);
	tcase_add_test(tc, topic_build_bounds);
	tcase_add_test(tc, event_names_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
