/*
 * notify_verify.c - the meters' verification (поверка) dates of the
 * archive's registry ("verification_due":"YYYY-MM-DD" of a channel),
 * looked at each time the registry has been read whole: verification_due
 * raised on the channel when the date is within verification_days days
 * of today (or past), cleared when it moves later or is removed
 * (docs/notify.md, "Rules").
 */
#include <string.h>

#include "notify_int.h"

static void one(notify *n, const struct proto_id *id, const json_t *rec, int64_t today)
{
	const char *due = json_string_value(json_object_get(rec, "verification_due"));
	struct ruleset_params p;
	int64_t day, now = svc_now();
	bool open = alarm_is_open(n->st, RULES_VERIFICATION, id);
	json_t *d;

	notify__params(n, id, &p);
	if (!ruleset_date_days(due, &day) || !p.verification_days ||
	    day - today > p.verification_days) {
		if (open)
			notify__clear(n, RULES_VERIFICATION, id, now);
		return;
	}
	if (open)
		return; /* one alarm, not one a minute */
	d = json_pack("{s:s, s:s, s:I, s:i}", "resource",
		      json_string_value(json_object_get(rec, "resource")) ?: "unknown",
		      "verification_due", due, "days_left", (json_int_t)(day - today),
		      "verification_days", p.verification_days);
	notify__raise(n, RULES_VERIFICATION, id, now, d);
	json_decref(d);
}

void notify__registry_read(void *arg)
{
	notify *n = arg;
	const json_t *all = labels_all(n->lb), *rec;
	int64_t now = svc_now();
	int64_t today = ruleset_local_day(now, n->tz ? tzone_offset(n->tz, now) : 0);
	const char *key;

	metric_set(n->m_registry, (int64_t)json_object_size(all));
	json_object_foreach((json_t *)all, key, rec) {
		struct proto_id id;

		if (proto_id_parse(key, &id) == 3)
			one(n, &id, rec, today);
	}
}
