/*
 * proto.c - ids, topics and event names of the v1 protocol.
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"

bool proto_obj_ok(long long obj)
{
	return obj >= 1 && obj <= PROTO_OBJ_MAX;
}

bool proto_addr_ok(long long addr)
{
	return addr >= 1 && addr <= PROTO_ADDR_MAX;
}

bool proto_ch_ok(long long ch)
{
	return ch >= 1 && ch <= PROTO_CH_MAX;
}

/* One decimal part of at most max without sign or leading zero, at *s;
 * moves *s past it. */
static bool part(const char **s, unsigned long max, unsigned long *out)
{
	const char *p = *s;
	unsigned long v = 0;

	if (*p < '1' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (unsigned long)(*p - '0')) > max)
			return false;
	*s = p;
	*out = v;
	return true;
}

int proto_id_parse(const char *s, struct proto_id *id)
{
	static const unsigned long max[3] = { PROTO_OBJ_MAX, PROTO_ADDR_MAX, PROTO_CH_MAX };
	unsigned long v[3] = { 0, 0, 0 };
	int n = 0;

	if (!s)
		return 0;
	for (;;) {
		if (n == 3 || !part(&s, max[n], &v[n]))
			return 0;
		n++;
		if (*s == '\0')
			break;
		if (*s++ != '.')
			return 0;
	}
	if (id) {
		id->obj = (uint16_t)v[0];
		id->addr = (uint8_t)v[1];
		id->ch = (uint8_t)v[2];
	}
	return n;
}

unsigned proto_obj_parse(const char *s, size_t len)
{
	char buf[8];
	struct proto_id id;

	if (!s || len == 0 || len >= sizeof buf || memchr(s, '.', len))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return proto_id_parse(buf, &id) == 1 ? id.obj : 0;
}

char *proto_id_format(const struct proto_id *id, char buf[PROTO_ID_LEN])
{
	if (!id->addr)
		snprintf(buf, PROTO_ID_LEN, "%u", id->obj);
	else if (!id->ch)
		snprintf(buf, PROTO_ID_LEN, "%u.%u", id->obj, id->addr);
	else
		snprintf(buf, PROTO_ID_LEN, "%u.%u.%u", id->obj, id->addr, id->ch);
	return buf;
}

/* Each kind's form: prefix, then the object or name, then suffix. */
static const struct form {
	const char *prefix;
	const char *suffix;
	bool named; /* a name rather than an object number */
} forms[PROTO_T_MAX] = {
	[PROTO_T_GW_STATUS] = { "amr/v1/gw/", "/status", false },
	[PROTO_T_GW_UP] = { "amr/v1/gw/", "/up", false },
	[PROTO_T_GW_ACK] = { "amr/v1/gw/", "/ack", false },
	[PROTO_T_GW_CMD] = { "amr/v1/gw/", "/cmd", false },
	[PROTO_T_GW_RESULT] = { "amr/v1/gw/", "/cmd/result", false },
	[PROTO_T_READINGS] = { "amr/v1/readings/", "", false },
	[PROTO_T_EVENTS] = { "amr/v1/events/", "", false },
	[PROTO_T_ALARM] = { "amr/v1/alarms/", "", true },
	[PROTO_T_SVC_STATUS] = { "amr/v1/svc/", "/status", true },
	[PROTO_T_AUDIT] = { PROTO_TOPIC_AUDIT, NULL, false },
	[PROTO_T_DEADLETTER] = { PROTO_TOPIC_DEADLETTER, NULL, false },
};

static const char *const filters[PROTO_T_MAX] = {
	[PROTO_T_GW_STATUS] = "amr/v1/gw/+/status",	[PROTO_T_GW_UP] = "amr/v1/gw/+/up",
	[PROTO_T_GW_ACK] = "amr/v1/gw/+/ack",		[PROTO_T_GW_CMD] = "amr/v1/gw/+/cmd",
	[PROTO_T_GW_RESULT] = "amr/v1/gw/+/cmd/result", [PROTO_T_READINGS] = "amr/v1/readings/+",
	[PROTO_T_EVENTS] = "amr/v1/events/+",		[PROTO_T_ALARM] = "amr/v1/alarms/+",
	[PROTO_T_SVC_STATUS] = "amr/v1/svc/+/status",	[PROTO_T_AUDIT] = PROTO_TOPIC_AUDIT,
	[PROTO_T_DEADLETTER] = PROTO_TOPIC_DEADLETTER,
};

static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n >= 1 && n <= PROTO_NAME_MAX && !strpbrk(name, "/+#");
}

char *proto_topic(char *buf, size_t size, enum proto_topic t, unsigned obj, const char *name)
{
	const struct form *f = t > PROTO_T_UNKNOWN && t < PROTO_T_MAX ? &forms[t] : NULL;
	int n;

	if (size)
		buf[0] = '\0';
	if (!f || !f->prefix)
		return NULL;
	if (!f->suffix)
		n = snprintf(buf, size, "%s", f->prefix);
	else if (f->named)
		n = name_ok(name) ? snprintf(buf, size, "%s%s%s", f->prefix, name, f->suffix) : -1;
	else
		n = proto_obj_ok(obj) ? snprintf(buf, size, "%s%u%s", f->prefix, obj, f->suffix)
				      : -1;
	if (n < 0 || (size_t)n >= size) {
		if (size)
			buf[0] = '\0';
		return NULL;
	}
	return buf;
}

const char *proto_topic_filter(enum proto_topic t)
{
	return t > PROTO_T_UNKNOWN && t < PROTO_T_MAX ? filters[t] : NULL;
}

enum proto_topic proto_topic_parse(const char *topic, struct proto_topic_info *info)
{
	struct proto_topic_info r = { PROTO_T_UNKNOWN, 0, NULL, 0 };

	for (int t = PROTO_T_UNKNOWN + 1; topic && t < PROTO_T_MAX; t++) {
		const struct form *f = &forms[t];
		size_t np = strlen(f->prefix), seg;
		const char *s;

		if (strncmp(topic, f->prefix, np) != 0)
			continue;
		if (!f->suffix) {
			if (topic[np] != '\0')
				continue;
			r.kind = (enum proto_topic)t;
			break;
		}
		s = topic + np;
		seg = strcspn(s, "/");
		if (strcmp(s + seg, f->suffix) != 0)
			continue;
		if (f->named) {
			if (seg < 1 || seg > PROTO_NAME_MAX || memchr(s, '+', seg) ||
			    memchr(s, '#', seg))
				break;
			r.name = s;
			r.name_len = seg;
		} else if (!(r.obj = proto_obj_parse(s, seg))) {
			break;
		}
		r.kind = (enum proto_topic)t;
		break;
	}
	if (info)
		*info = r;
	return r.kind;
}

unsigned proto_topic_obj(const char *topic, enum proto_topic t)
{
	struct proto_topic_info info;

	return proto_topic_parse(topic, &info) == t ? info.obj : 0;
}

const char *const proto_resources[] = { "unknown", "cold_water", "hot_water", "electricity",
					"heat",	   "gas",	 NULL };

const char *const proto_gateway_events[] = {
	"device_offline",    "device_online",
	"mains_lost",	     "mains_restored",
	"battery_low",	     "counter_zeroed",
	"counter_decreased", "address_changed",
	"output_changed",    "gateway_boot",
	"nvm_error",	     "console_action",
	"object_changed",    NULL,
};

/* The types after the gateway's, in enum order. */
static const char *const other_events[PROTO_EV_MAX - PROTO_EV_GATEWAY_ONLINE] = {
	"gateway_online",
	"gateway_offline",
	"counter_quarantined",
};

const char *proto_event_name(enum proto_event e)
{
	if (e > PROTO_EV_UNKNOWN && e < PROTO_EV_GATEWAY_ONLINE)
		return proto_gateway_events[e - PROTO_EV_DEVICE_OFFLINE];
	if (e >= PROTO_EV_GATEWAY_ONLINE && e < PROTO_EV_MAX)
		return other_events[e - PROTO_EV_GATEWAY_ONLINE];
	return NULL;
}

enum proto_event proto_event_parse(const char *s)
{
	for (int e = PROTO_EV_UNKNOWN + 1; s && e < PROTO_EV_MAX; e++)
		if (strcmp(s, proto_event_name((enum proto_event)e)) == 0)
			return (enum proto_event)e;
	return PROTO_EV_UNKNOWN;
}

bool proto_event_from_gateway(enum proto_event e)
{
	return e > PROTO_EV_UNKNOWN && e < PROTO_EV_GATEWAY_ONLINE;
}
