#include <stdio.h>
#include <string.h>

#include "rules.h"

const char *const rules_kind_names[RULES_KINDS + 1] = {
	[RULES_GATEWAY_OFFLINE] = "gateway_offline",
	[RULES_DEVICE_OFFLINE] = "device_offline",
	[RULES_MAINS_LOST] = "mains_lost",
	[RULES_BATTERY_LOW] = "battery_low",
	[RULES_COUNTER] = "counter",
	[RULES_LEAK] = "leak",
	[RULES_BURST] = "burst",
	[RULES_STUCK] = "stuck",
	[RULES_SPOOL] = "spool",
	[RULES_VERIFICATION] = "verification_due",
	[RULES_DEBT] = "debt",
};

const char *const rules_severity_names[RULES_SEVERITIES + 1] = { "info", "minor", "major",
								 "critical", NULL };

/* A gateway or a UO-4 that stops answering stops the meters' data; water
 * running on is damage. */
static const enum rules_severity severities[RULES_KINDS] = {
	[RULES_GATEWAY_OFFLINE] = RULES_MAJOR,
	[RULES_DEVICE_OFFLINE] = RULES_MAJOR,
	[RULES_MAINS_LOST] = RULES_MINOR,
	[RULES_BATTERY_LOW] = RULES_MINOR,
	[RULES_COUNTER] = RULES_MAJOR,
	[RULES_LEAK] = RULES_CRITICAL,
	[RULES_BURST] = RULES_CRITICAL,
	[RULES_STUCK] = RULES_MINOR,
	[RULES_SPOOL] = RULES_MINOR,
	[RULES_VERIFICATION] = RULES_MINOR,
	[RULES_DEBT] = RULES_MINOR,
};

const char *rules_kind_name(enum rules_kind k)
{
	return (unsigned)k < RULES_KINDS ? rules_kind_names[k] : NULL;
}

int rules_kind_parse(const char *s)
{
	for (int k = 0; s && k < RULES_KINDS; k++)
		if (!strcmp(s, rules_kind_names[k]))
			return k;
	return -1;
}

const char *rules_severity_name(enum rules_severity s)
{
	return (unsigned)s < RULES_SEVERITIES ? rules_severity_names[s] : NULL;
}

int rules_severity_parse(const char *s)
{
	for (int k = 0; s && k < RULES_SEVERITIES; k++)
		if (!strcmp(s, rules_severity_names[k]))
			return k;
	return -1;
}

enum rules_severity rules_severity_of(enum rules_kind k)
{
	return (unsigned)k < RULES_KINDS ? severities[k] : RULES_INFO;
}

/* What each event type does, and to what: the target's depth (1 the
 * object, 2 the device, 3 the channel). */
static const struct {
	enum proto_event ev;
	enum rules_act act;
	enum rules_kind kind;
	int depth;
} table[] = {
	{ PROTO_EV_GATEWAY_OFFLINE, RULES_GRACE, RULES_GATEWAY_OFFLINE, 1 },
	{ PROTO_EV_GATEWAY_ONLINE, RULES_CLEAR, RULES_GATEWAY_OFFLINE, 1 },
	{ PROTO_EV_DEVICE_OFFLINE, RULES_RAISE, RULES_DEVICE_OFFLINE, 2 },
	{ PROTO_EV_DEVICE_ONLINE, RULES_CLEAR, RULES_DEVICE_OFFLINE, 2 },
	{ PROTO_EV_MAINS_LOST, RULES_RAISE, RULES_MAINS_LOST, 2 },
	{ PROTO_EV_MAINS_RESTORED, RULES_CLEAR, RULES_MAINS_LOST, 2 },
	{ PROTO_EV_BATTERY_LOW, RULES_RAISE, RULES_BATTERY_LOW, 2 },
	{ PROTO_EV_COUNTER_DECREASED, RULES_RAISE, RULES_COUNTER, 3 },
	{ PROTO_EV_COUNTER_QUARANTINED, RULES_RAISE, RULES_COUNTER, 3 },
};

/* The integer member key of o within [lo, hi], or -1. */
static long long member(const json_t *o, const char *key, long long lo, long long hi)
{
	const json_t *v = json_object_get(o, key);
	long long n = json_integer_value(v);

	return json_is_integer(v) && n >= lo && n <= hi ? n : -1;
}

void rules_event(unsigned obj, const json_t *ev, struct rules_action *out)
{
	enum proto_event type = proto_event_parse(json_string_value(json_object_get(ev, "type")));
	long long addr = member(ev, "addr", 1, PROTO_ADDR_MAX);
	long long ch = member(ev, "ch", 1, PROTO_CH_MAX);
	long long ts = member(ev, "ts", 1, INT64_MAX);

	*out = (struct rules_action){ RULES_NOTHING, 0, { 0, 0, 0 }, 0 };
	if (!proto_obj_ok(obj) || ts < 0)
		return;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (table[i].ev != type)
			continue;
		if ((table[i].depth >= 2 && addr < 0) || (table[i].depth == 3 && ch < 0))
			return; /* a device's event without its device says nothing */
		*out = (struct rules_action){ table[i].act,
					      table[i].kind,
					      { (uint16_t)obj,
						(uint8_t)(table[i].depth >= 2 ? addr : 0),
						(uint8_t)(table[i].depth == 3 ? ch : 0) },
					      ts };
		return;
	}
}

void rules_status(unsigned obj, const json_t *st, unsigned spool_pct, int64_t now,
		  struct rules_action act[2])
{
	const json_t *online = json_object_get(st, "online");
	const json_t *spool = json_object_get(st, "spool");
	long long pending = member(spool, "pending", 0, 1000000000000LL);
	long long cap = member(spool, "capacity", 1, 1000000000000LL);
	struct proto_id gw = { (uint16_t)obj, 0, 0 };

	act[0] = act[1] = (struct rules_action){ RULES_NOTHING, 0, gw, now };
	if (!proto_obj_ok(obj))
		return;
	if (json_is_boolean(online)) {
		act[0].act = json_is_true(online) ? RULES_CLEAR : RULES_GRACE;
		act[0].kind = RULES_GATEWAY_OFFLINE;
	}
	if (spool_pct && pending >= 0 && cap > 0) {
		act[1].act = pending * 100 >= cap * (long long)spool_pct ? RULES_RAISE
									 : RULES_CLEAR;
		act[1].kind = RULES_SPOOL;
	}
}

char *rules_key(enum rules_kind k, const struct proto_id *target, char *buf)
{
	char id[PROTO_ID_LEN];

	snprintf(buf, RULES_KEY_LEN, "%s/%s", rules_kind_name(k) ? rules_kind_name(k) : "?",
		 proto_id_format(target, id));
	return buf;
}
