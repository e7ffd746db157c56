#include <stdio.h>
#include <string.h>

#include "message.h"
#include "rules.h"
#include "tzone.h"

/* What each kind means, to a dispatcher. */
static const char *const what[RULES_KINDS][2] = {
	[RULES_GATEWAY_OFFLINE] = { "шлюз не на связи", "gateway offline" },
	[RULES_DEVICE_OFFLINE] = { "УО-4 не отвечает", "UO-4 not answering" },
	[RULES_MAINS_LOST] = { "нет сетевого питания УО-4", "UO-4 mains lost" },
	[RULES_BATTERY_LOW] = { "разряжена батарея УО-4", "UO-4 battery low" },
	[RULES_COUNTER] = { "показания счётчика уменьшились", "meter counter went down" },
	[RULES_LEAK] = { "утечка", "leak" },
	[RULES_BURST] = { "прорыв: большой расход", "burst: flow too high" },
	[RULES_STUCK] = { "счётчик перестал считать", "meter stopped counting" },
	[RULES_SPOOL] = { "буфер шлюза заполняется", "gateway spool filling" },
	[RULES_VERIFICATION] = { "подходит срок поверки счётчика", "meter verification due" },
	[RULES_DEBT] = { "задолженность выше порога", "debt above the threshold" },
};

static const char *const severity[RULES_SEVERITIES][2] = {
	{ "информация", "info" },
	{ "предупреждение", "minor" },
	{ "серьёзная", "major" },
	{ "критическая", "critical" },
};

/* Local time t as "04.12.2026 05:21" (ru) or "2026-12-04 05:21" (en). */
static const char *when(long long t, int en, char *buf, size_t size)
{
	char iso[40];

	tzone_iso(t, iso, sizeof iso); /* 2026-12-04T05:21:00+03:00 */
	if (strlen(iso) < 16)
		snprintf(buf, size, "%lld", t);
	else if (en)
		snprintf(buf, size, "%.10s %.5s", iso, iso + 11);
	else
		snprintf(buf, size, "%.2s.%.2s.%.4s %.5s", iso + 8, iso + 5, iso, iso + 11);
	return buf;
}

json_t *message_of(const json_t *rec, const char *lang)
{
	int en = !lang || strcmp(lang, "ru") != 0;
	int k = rules_kind_parse(json_string_value(json_object_get(rec, "kind")));
	int s = rules_severity_parse(json_string_value(json_object_get(rec, "severity")));
	const char *target = json_string_value(json_object_get(rec, "target"));
	long long id = (long long)json_integer_value(json_object_get(rec, "id"));
	char subject[300], body[900], t[40];

	const json_t *d = json_object_get(rec, "detail");
	const char *label = json_string_value(json_object_get(d, "label"));
	const char *dlabel = json_string_value(json_object_get(d, "device_label"));
	char where[200];

	/* "Кв. 7, холодная вода (1.7.1)": the names first, the id to find it */
	if (label && dlabel && !strstr(label, dlabel))
		snprintf(where, sizeof where, "%s, %s (%s)", dlabel, label, target ? target : "?");
	else if (label)
		snprintf(where, sizeof where, "%s (%s)", label, target ? target : "?");
	else
		snprintf(where, sizeof where, "%s", target ? target : "?");
	snprintf(subject, sizeof subject, "%s %lld: %s, %s", en ? "Alarm" : "Тревога", id,
		 k >= 0 ? what[k][en] : "?", where);
	snprintf(body, sizeof body,
		 en ? "%s\nWhere: %s\nSeverity: %s\nSince: %s\nAlarm %lld: acknowledge it in the "
		      "portal (Alarms) so that nobody else is called.\n"
		    : "%s\nГде: %s\nВажность: %s\nС: %s\nТревога %lld: подтвердите её в портале "
		      "(«Тревоги»), чтобы не звонили другим.\n",
		 subject, where, s >= 0 ? severity[s][en] : "?",
		 when((long long)json_integer_value(json_object_get(rec, "raised")), en, t,
		      sizeof t),
		 id);
	return json_pack("{s:s, s:s}", "subject", subject, "body", body);
}

json_t *message_escalated(const json_t *rec, const char *from, long long after_min,
			  const char *lang)
{
	int en = !lang || strcmp(lang, "ru") != 0;
	json_t *m = message_of(rec, lang), *out;
	char subject[400], body[1200];

	if (!m)
		return NULL;
	snprintf(subject, sizeof subject,
		 en ? "Not acknowledged in %lld min by %s: %s"
		    : "Не подтверждена за %lld мин (%s): %s",
		 after_min, from, json_string_value(json_object_get(m, "subject")));
	snprintf(body, sizeof body,
		 en ? "%s\n\nIt went to %s %lld minutes ago and nobody has acknowledged it yet.\n%s"
		    : "%s\n\nЕё получил %s %lld мин назад, и никто её пока не подтвердил.\n%s",
		 subject, from, after_min, json_string_value(json_object_get(m, "body")));
	out = json_pack("{s:s, s:s}", "subject", subject, "body", body);
	json_decref(m);
	return out;
}

json_t *message_digest(const json_t *held, long long more, long long hour, const char *lang)
{
	int en = !lang || strcmp(lang, "ru") != 0;
	long long n = (long long)json_array_size(held) + more;
	char subject[200], body[4096], t[40];
	const json_t *e;
	size_t i, at;

	when(hour, en, t, sizeof t);
	if (en)
		snprintf(subject, sizeof subject, "%lld more alarms in the hour from %s", n, t);
	else
		snprintf(subject, sizeof subject, "Ещё тревог за час с %s: %lld", t, n);
	at = (size_t)snprintf(body, sizeof body,
			      en ? "%s (over the hourly limit, folded into this one message):\n"
				 : "%s (сверх предела в час, собраны в одно сообщение):\n",
			      subject);
	json_array_foreach(held, i, e)
		if (at < sizeof body)
			at += (size_t)snprintf(body + at, sizeof body - at, "- %s\n",
					       json_string_value(e));
	if (more && at < sizeof body)
		snprintf(body + at, sizeof body - at,
			 en ? "and %lld more: see the portal (Alarms).\n"
			    : "и ещё %lld: смотрите в портале («Тревоги»).\n",
			 more);
	return json_pack("{s:s, s:s}", "subject", subject, "body", body);
}
