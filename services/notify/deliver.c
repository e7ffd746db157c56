#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deliver.h"
#include "kvjson.h"
#include "log.h"
#include "message.h"
#include "rules.h"
#include "tzone.h"

#define ESC_KEY_MAX (8 + 4 + 64) /* due, alarm, a contact's name */
#define TICK_BATCH  64		 /* escalations looked at per tick */

struct deliver {
	kv *k;
	contacts *cs;
	outbox *ob;
	alarm_store *st;
	const char *lang;
	MDB_dbi esc, digest;
	int64_t flushed; /* the hour whose digests were last sent */
	int64_t now;	 /* the tick's time */
};

/* The channels and the contact's field that addresses each. */
static const struct {
	const char *channel, *field;
} how[] = { { "email", "email" }, { "sms", "phone" }, { "webhook", "webhook" } };

amr_err deliver_open(deliver **out, kv *k, contacts *cs, outbox *ob, alarm_store *st,
		     const char *lang)
{
	deliver *d = calloc(1, sizeof *d);
	amr_err rc;

	if (!d)
		return AMR_ENOMEM;
	*d = (struct deliver){ .k = k, .cs = cs, .ob = ob, .st = st, .lang = lang };
	if ((rc = kv_dbi(k, "escalate", 0, &d->esc)) || (rc = kv_dbi(k, "digest", 0, &d->digest))) {
		free(d);
		return rc;
	}
	*out = d;
	return AMR_OK;
}

void deliver_close(deliver *d)
{
	free(d);
}

/* True when list (absent: everything) holds the string v. */
static bool listed(const json_t *list, const char *v)
{
	const json_t *e;
	size_t i;

	if (!list)
		return true;
	json_array_foreach(list, i, e)
		if (json_is_string(e) && !strcmp(json_string_value(e), v))
			return true;
	return false;
}

/* When a message of severity sev to contact may go, from now: now, or the
 * end of the contact's quiet hours (the site's zone, tzone.h). */
static int64_t not_before(const json_t *contact, int sev, int64_t now)
{
	const json_t *q = json_object_get(contact, "quiet");
	int from = contacts_hhmm(json_string_value(json_object_get(q, "from")));
	int to = contacts_hhmm(json_string_value(json_object_get(q, "to")));
	int over = rules_severity_parse(json_string_value(json_object_get(q, "override")));
	const tzone_rules *z;
	int64_t local;
	int m;

	if (!q || from < 0 || to < 0 || (over >= 0 && sev >= over) ||
	    tzone_rules_get(tzone_name(), &z))
		return now;
	local = now + tzone_offset(z, now);
	m = (int)((local % 86400 + 86400) % 86400 / 60);
	if (from < to ? m < from || m >= to : m < from && m >= to)
		return now; /* not quiet now */
	return now - (local % 60 + 60) % 60 + (int64_t)((to - m + 1440) % 1440) * 60;
}

/* Queue one message on channel ch of contact to address to. */
static int put(deliver *d, MDB_txn *txn, const json_t *contact, const char *ch, const char *to,
	       json_int_t alarm, const char *subject, const char *body, int64_t at, int64_t now)
{
	json_t *msg = json_pack("{s:I, s:s, s:O, s:s, s:s, s:s}", "alarm", alarm, "channel", ch,
				"contact", json_object_get(contact, "name"), "to", to, "subject",
				subject, "body", body);
	uint64_t id;
	int rc;

	if (msg && at > now)
		json_object_set_new(msg, "next", json_integer(at));
	rc = msg ? outbox_put_txn(d->ob, txn, msg, &id) : AMR_ENOMEM;
	json_decref(msg);
	return rc;
}

/* The digest record of contact name on channel ch: its key. */
static size_t digest_key(const char *name, const char *ch, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%c%s", name, '\0', ch);

	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* Send the digest rec (edited: emptied) of contact on channel i. */
static int flush(deliver *d, MDB_txn *txn, const json_t *contact, size_t i, json_t *rec,
		 int64_t now)
{
	const char *to = json_string_value(json_object_get(contact, how[i].field));
	const json_t *held = json_object_get(rec, "held");
	long long more = (long long)json_integer_value(json_object_get(rec, "more"));
	json_t *m;
	int rc = 0;

	if (!json_array_size(held) && !more)
		return 0;
	if (to && outbox_has(d->ob, how[i].channel)) {
		m = message_digest(held, more,
				   (long long)json_integer_value(json_object_get(rec, "hour")),
				   d->lang);
		if (!m)
			return AMR_ENOMEM;
		rc = put(d, txn, contact, how[i].channel, to, 0,
			 json_string_value(json_object_get(m, "subject")),
			 json_string_value(json_object_get(m, i == 1 ? "subject" : "body")),
			 not_before(contact, RULES_INFO, now), now);
		json_decref(m);
	}
	json_object_set_new(rec, "held", json_array());
	json_object_set_new(rec, "more", json_integer(0));
	return rc;
}

/* Count a message of contact on channel i against its hourly limit:
 * *hold when it is over and the subject is kept for the digest. */
static int count(deliver *d, MDB_txn *txn, const json_t *contact, size_t i, const char *subject,
		 int64_t now, bool *hold)
{
	long long limit = (long long)json_integer_value(json_object_get(contact, "hourly_limit"));
	int64_t hour = now - now % 3600;
	json_t *rec = NULL, *held;
	char k[160];
	size_t kl = digest_key(json_string_value(json_object_get(contact, "name")), how[i].channel,
			       k, sizeof k);
	int rc;

	*hold = false;
	if (limit <= 0 || !kl)
		return 0;
	rc = kv_get_json(txn, d->digest, k, kl, &rec);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (rc || json_integer_value(json_object_get(rec, "hour")) != hour) {
		/* a new hour: what the last one held goes first */
		if (rec && (rc = flush(d, txn, contact, i, rec, now))) {
			json_decref(rec);
			return rc;
		}
		json_decref(rec);
		rec = json_pack("{s:I, s:i, s:[], s:i}", "hour", (json_int_t)hour, "n", 0, "held",
				"more", 0);
		if (!rec)
			return AMR_ENOMEM;
	}
	held = json_object_get(rec, "held");
	if (json_integer_value(json_object_get(rec, "n")) < limit) {
		json_object_set_new(
			rec, "n", json_integer(json_integer_value(json_object_get(rec, "n")) + 1));
	} else {
		*hold = true;
		if (json_array_size(held) < DELIVER_HELD_MAX)
			json_array_append_new(held, json_string(subject));
		else
			json_object_set_new(
				rec, "more",
				json_integer(json_integer_value(json_object_get(rec, "more")) + 1));
	}
	rc = kv_put_json(txn, d->digest, k, kl, rec);
	json_decref(rec);
	return rc;
}

/* Queue text (of alarm rec) to contact on every channel it takes; an
 * escalation (urgent) is neither quiet nor limited. */
static int tell(deliver *d, MDB_txn *txn, const json_t *contact, const json_t *rec,
		const json_t *text, bool urgent, int64_t now)
{
	int sev = rules_severity_parse(json_string_value(json_object_get(rec, "severity")));
	json_int_t alarm = json_integer_value(json_object_get(rec, "id"));
	const char *subject = json_string_value(json_object_get(text, "subject"));
	int rc = 0;

	for (size_t i = 0; i < sizeof how / sizeof how[0] && !rc; i++) {
		const char *to = json_string_value(json_object_get(contact, how[i].field));
		bool hook = !strcmp(how[i].channel, "webhook"), hold = false;
		char *json;

		if (!to || !outbox_has(d->ob, how[i].channel) ||
		    !listed(json_object_get(contact, "channels"), how[i].channel))
			continue;
		if (hook) { /* a machine: the record itself, at once, every time */
			if (!(json = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS)))
				return AMR_ENOMEM;
			rc = put(d, txn, contact, how[i].channel, to, alarm, subject, json, now,
				 now);
			free(json);
			continue;
		}
		if (!urgent && (rc = count(d, txn, contact, i, subject, now, &hold)))
			break;
		if (hold)
			continue;
		/* an SMS is the subject alone: one or two parts, not five */
		rc = put(d, txn, contact, how[i].channel, to, alarm, subject,
			 json_string_value(json_object_get(text, i == 1 ? "subject" : "body")),
			 urgent ? now : not_before(contact, sev, now), now);
	}
	return rc;
}

/* Escalation of alarm id from contact name, due at due. */
static int schedule(deliver *d, MDB_txn *txn, const json_t *contact, uint32_t id, int64_t now)
{
	const json_t *e = json_object_get(contact, "escalate");
	const char *name = json_string_value(json_object_get(contact, "name"));
	uint8_t k[ESC_KEY_MAX];
	size_t n = name ? strlen(name) : 0;
	MDB_val key = { 12 + n, k }, val = { 0, "" };

	if (!e || !n || n > 64)
		return 0;
	kv_pack_u64(k, (uint64_t)(now + json_integer_value(json_object_get(e, "after_min")) * 60));
	kv_pack_u32(k + 8, id);
	memcpy(k + 12, name, n);
	return mdb_put(txn, d->esc, &key, &val, 0);
}

struct fresh {
	deliver *d;
	MDB_txn *txn;
	const json_t *rec;
	json_t *text;
	int64_t now;
};

static int fresh_fn(const json_t *contact, void *arg)
{
	struct fresh *f = arg;
	int rc = tell(f->d, f->txn, contact, f->rec, f->text, false, f->now);

	return rc ? rc
		  : schedule(f->d, f->txn, contact,
			     (uint32_t)json_integer_value(json_object_get(f->rec, "id")), f->now);
}

int deliver_alarm_txn(deliver *d, MDB_txn *txn, const json_t *rec, int64_t now)
{
	struct fresh f = { d, txn, rec, message_of(rec, d->lang), now };
	int rc;

	if (!f.text)
		return AMR_ENOMEM;
	rc = contacts_each_for(d->cs, txn, rec, fresh_fn, &f);
	json_decref(f.text);
	return rc;
}

/* One escalation due: the key and the step that takes it. */
struct esc {
	deliver *d;
	uint8_t key[ESC_KEY_MAX];
	size_t klen;
	char from[65];
	int64_t now;
};

/* True when alarm rec went to contact name already. */
static bool reached(const json_t *rec, const char *name)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(rec, "escalated"), i, e)
		if (!strcmp(json_string_value(json_object_get(e, "to")), name) ||
		    !strcmp(json_string_value(json_object_get(e, "from")), name))
			return true;
	return false;
}

static int drop(MDB_txn *txn, struct esc *e)
{
	MDB_val key = { e->klen, e->key };
	int rc = mdb_del(txn, e->d->esc, &key, NULL);

	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int drop_txn(MDB_txn *txn, void *arg)
{
	return drop(txn, arg);
}

static int escalate_fn(MDB_txn *txn, json_t *rec, void *arg)
{
	struct esc *e = arg;
	const char *state = json_string_value(json_object_get(rec, "state"));
	json_t *from = NULL, *to = NULL, *text = NULL, *hops;
	const char *name;
	long long after;
	int rc;

	if (!state || strcmp(state, "raised"))
		return AMR_ESTATE; /* acknowledged or cleared in time */
	if ((rc = contacts_get(e->d->cs, txn, e->from, &from)))
		return rc == AMR_ENOTFOUND ? AMR_ESTATE : rc; /* deleted since */
	name = json_string_value(json_object_get(json_object_get(from, "escalate"), "to"));
	after = (long long)json_integer_value(
		json_object_get(json_object_get(from, "escalate"), "after_min"));
	hops = json_object_get(rec, "escalated");
	if (!name || reached(rec, name) || json_array_size(hops) >= DELIVER_ESCALATE_HOPS ||
	    (rc = contacts_get(e->d->cs, txn, name, &to))) {
		if (name && rc == AMR_ENOTFOUND)
			log_warn("alarm %lld: escalation from %s to %s, who is not a contact",
				 (long long)json_integer_value(json_object_get(rec, "id")), e->from,
				 name);
		json_decref(from);
		return rc && rc != AMR_ENOTFOUND ? rc : AMR_ESTATE;
	}
	if (!hops)
		json_object_set_new(rec, "escalated", hops = json_array());
	json_array_append_new(hops, json_pack("{s:I, s:s, s:s}", "ts", (json_int_t)e->now, "from",
					      e->from, "to", name));
	if (!(text = message_escalated(rec, e->from, after, e->d->lang)))
		rc = AMR_ENOMEM;
	if (!rc)
		rc = tell(e->d, txn, to, rec, text, true, e->now);
	if (!rc)
		rc = schedule(e->d, txn, to,
			      (uint32_t)json_integer_value(json_object_get(rec, "id")), e->now);
	if (!rc)
		rc = drop(txn, e);
	json_decref(text);
	json_decref(to);
	json_decref(from);
	return rc;
}

/* The escalations due at now, at most n, into e; how many. */
static size_t due(deliver *d, int64_t now, struct esc *e, size_t n)
{
	MDB_cursor *c = NULL;
	MDB_txn *txn;
	MDB_val key, val;
	size_t got = 0;
	int rc;

	if (kv_read_begin(d->k, &txn))
		return 0;
	if (!mdb_cursor_open(txn, d->esc, &c))
		for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); !rc && got < n;
		     rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
			if (key.mv_size < 13 || key.mv_size > ESC_KEY_MAX ||
			    (int64_t)kv_unpack_u64(key.mv_data) > now)
				break;
			e[got] = (struct esc){ .d = d, .klen = key.mv_size, .now = now };
			memcpy(e[got].key, key.mv_data, key.mv_size);
			memcpy(e[got].from, (char *)key.mv_data + 12, key.mv_size - 12);
			got++;
		}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return got;
}

/* Every digest of an hour before now's: sent. */
static int flush_txn(MDB_txn *txn, void *arg)
{
	deliver *d = arg;
	int64_t now = d->now, hour = now - now % 3600;
	MDB_cursor *c;
	MDB_val key, val;
	int rc;

	if ((rc = mdb_cursor_open(txn, d->digest, &c)))
		return rc;
	for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		json_t *rec = json_loadb(val.mv_data, val.mv_size, 0, NULL), *contact = NULL;
		const char *ch = memchr(key.mv_data, '\0', key.mv_size);
		size_t i = 0, cl;
		char name[65];

		if (!rec || json_integer_value(json_object_get(rec, "hour")) >= hour || !ch ||
		    (size_t)(ch - (char *)key.mv_data) >= sizeof name) {
			json_decref(rec);
			continue;
		}
		memcpy(name, key.mv_data, (size_t)(ch - (char *)key.mv_data));
		name[ch - (char *)key.mv_data] = '\0';
		ch++;
		cl = key.mv_size - (size_t)(ch - (char *)key.mv_data);
		while (i < sizeof how / sizeof how[0] &&
		       (strlen(how[i].channel) != cl || memcmp(how[i].channel, ch, cl)))
			i++;
		if (i < sizeof how / sizeof how[0] && !contacts_get(d->cs, txn, name, &contact))
			rc = flush(d, txn, contact, i, rec, now);
		json_decref(contact);
		json_decref(rec);
		/* the hour is over either way: its record goes */
		if (rc || (rc = mdb_cursor_del(c, 0)))
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

void deliver_tick(deliver *d, int64_t now, void (*changed)(const json_t *rec, void *arg), void *arg)
{
	struct esc e[TICK_BATCH];
	size_t n = due(d, now, e, TICK_BATCH), sent = 0;
	amr_err rc;

	for (size_t i = 0; i < n; i++) {
		uint32_t id = kv_unpack_u32(e[i].key + 8);
		json_t *rec = NULL;

		rc = alarm_note(d->st, id, escalate_fn, &e[i], &rec);
		if (rc == AMR_OK) {
			log_info("alarm %u escalated: not acknowledged after %s was told", id,
				 e[i].from);
			changed(rec, arg);
			sent++;
		} else if (rc == AMR_ESTATE || rc == AMR_ENOTFOUND) {
			rc = kv_write(d->k, drop_txn, &e[i]);
		}
		if (rc)
			log_error("alarm %u: escalation from %s: %s", id, e[i].from,
				  amr_strerror(rc));
		json_decref(rec);
	}
	d->now = now;
	if (now - now % 3600 != d->flushed) {
		if ((rc = kv_write(d->k, flush_txn, d)))
			log_error("the hourly digests not sent: %s", amr_strerror(rc));
		else
			d->flushed = now - now % 3600, sent++;
	}
	if (sent)
		outbox_kick(d->ob);
}
