/*
 * smsact.c - what amr-notify does with an incoming SMS (docs/notify.md,
 * "Incoming SMS"), on the loop thread: a number no contact lists gets no
 * answer and is logged; a listed one's command (smscmd.h) is carried out
 * as its contact and answered by SMS through the outbox, once per
 * Kannel message id (the answer's ref "notify/sms/<id>": a repeat of the
 * request is recognised and not acted on again). BALANCE asks billing and
 * READ the archive, both without waiting on the loop.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "message.h"
#include "notify_int.h"
#include "smscmd.h"
#include "smsin.h"
#include "utf8.h"

#define ANSWER_MAX   480   /* bytes of an answer we write (SEND_SMS_MAX characters at most) */
#define RPC_MS	     10000 /* billing's and the archive's time to answer */
#define REF_PREFIX   "notify/sms/"
#define ALARMS_MAX   10 /* alarms a STATUS names at most */
/* characters of a STATUS answer: Kannel's sendsms-user sends at most 4
 * parts, 4 * 67 UCS-2 characters (sms.h) */
#define STATUS_CHARS 260

struct smsact {
	notify *n;	  /* NULL once the engine is gone: the last answer frees */
	json_t *inflight; /* Kannel ids whose answer is being made */
	unsigned calls;	  /* RPC calls under way */
	metric *m_unknown, *m_repeat, *m_cmd, *m_dlr;
};

/* One command waiting for another service. */
struct pending {
	smsact *a;
	char id[SMSIN_ID_MAX + 1];
	char from[24];
	char contact[65];
	char actor[80];
	char text[161]; /* the command as it came, cut, for the delivery log */
	struct smscmd cmd;
};

static const char *str_or(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

static bool en(const notify *n)
{
	return !strcmp(n->o.lang, "en");
}

/* Queue text to m's sender as the answer to Kannel id (ref REF_PREFIX id). */
static void reply(notify *n, const char *id, const char *to, const char *contact, const char *in,
		  const char *text)
{
	char ref[sizeof REF_PREFIX + SMSIN_ID_MAX], body[ANSWER_MAX];
	json_t *msg;
	uint64_t mid;
	amr_err rc;

	snprintf(ref, sizeof ref, REF_PREFIX "%s", id);
	snprintf(body, sizeof body, "%s", text);
	utf8_fix(body); /* another service's words may have been cut in a character */
	if (!n->ob || !outbox_has(n->ob, "sms")) {
		log_warn("sms %s from %s: no answer, amr-notify sends no SMS (--sms-url)", id, to);
		return;
	}
	msg = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "alarm", 0, "channel", "sms",
			"to", to, "body", body, "ref", ref, "contact", contact, "by", "sms-in",
			"in", in);
	if (!msg || (rc = outbox_put(n->ob, msg, &mid)))
		log_error("sms %s from %s: the answer not queued", id, to);
	else
		log_info("sms %s from %s (%s): answered by message %llu", id, to, contact,
			 (unsigned long long)mid);
	json_decref(msg);
}

/* The characters of UTF-8 text s. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* The end of a pending command: answered, or the engine is gone. */
static void finish(struct pending *p, const char *text)
{
	smsact *a = p->a;

	a->calls--;
	if (a->n) {
		json_object_del(a->inflight, p->id);
		if (text)
			reply(a->n, p->id, p->from, p->contact, p->text, text);
	} else if (!a->calls) {
		json_decref(a->inflight);
		free(a);
	}
	free(p);
}

/* STATUS obj: the gateway and its open alarms, from what the engine knows. */
static void status(notify *n, const json_t *contact, unsigned obj, char *out, size_t size)
{
	struct alarm_filter f = { "open", obj, -1, -1, 0, ALARMS_MAX };
	const json_t *objs = json_object_get(contact, "objects"), *rec, *e;
	char id[16];
	const char *label, *gw;
	json_t *list = NULL;
	size_t i, len;
	bool mine = !objs;

	json_array_foreach(objs, i, e)
		if (json_integer_value(e) == obj)
			mine = true;
	if (!mine) {
		say(out, size, en(n) ? "Object %u: not one of yours" : "Объект %u: не ваш", obj);
		return;
	}
	snprintf(id, sizeof id, "%u", obj);
	label = labels_get(n->lb, id);
	gw = n->gw[obj] == 1   ? (en(n) ? "gateway online" : "шлюз на связи")
	     : n->gw[obj] == 2 ? (en(n) ? "gateway OFFLINE" : "шлюз НЕ на связи")
			       : (en(n) ? "gateway not heard of" : "о шлюзе нет сведений");
	say(out, size, "%s %u%s%s%s: %s", en(n) ? "Object" : "Объект", obj, label ? " (" : "",
	    label ? label : "", label ? ")" : "", gw);
	if (alarm_list(n->st, &f, &list)) {
		len = strlen(out);
		say(out + len, size - len, en(n) ? "; alarms unknown" : "; тревоги неизвестны");
		return;
	}
	len = strlen(out);
	if (!json_array_size(json_object_get(list, "alarms")))
		say(out + len, size - len, en(n) ? "; no open alarms" : "; открытых тревог нет");
	json_array_foreach(json_object_get(list, "alarms"), i, rec) {
		json_t *m = message_of(rec, n->o.lang);
		const char *subj = json_string_value(json_object_get(m, "subject"));

		len = strlen(out);
		if (subj && chars(out) + chars(subj) + 24 > STATUS_CHARS) {
			json_decref(m);
			say(out + len, size - len, en(n) ? "; and more" : "; и другие");
			break;
		}
		if (subj && len + strlen(subj) + 3 < size)
			say(out + len, size - len, "; %s%s", subj,
			    !strcmp(json_string_value(json_object_get(rec, "state")),
				    "acknowledged")
				    ? (en(n) ? " (acked)" : " (принята)")
				    : "");
		json_decref(m);
	}
	len = strlen(out);
	if (json_object_get(list, "next") && !strstr(out, en(n) ? "; and more" : "; и другие"))
		say(out + len, size - len, en(n) ? "; and more" : "; и другие");
	json_decref(list);
}

/* ACK alarm [comment] as contact's user. */
static void ack(notify *n, const json_t *contact, const char *actor, const struct smscmd *c,
		char *out, size_t size)
{
	struct jv_err err = { "" };
	json_t *rec = NULL, *res = NULL;
	amr_err rc = alarm_get(n->st, c->alarm, &rec);

	if (rc == AMR_ENOTFOUND || (!rc && !contacts_wants(contact, rec))) {
		say(out, size, en(n) ? "Alarm %u: none of yours" : "Тревога %u: нет такой у вас",
		    c->alarm);
		goto out;
	}
	if (rc || (rc = alarm_ack(n->st, c->alarm, actor, c->comment[0] ? c->comment : NULL,
				  svc_now(), &res, &err))) {
		if (rc == AMR_ESTATE)
			say(out, size,
			    en(n) ? "Alarm %u: not raised (acknowledged or cleared already)"
				  : "Тревога %u: уже принята или снята",
			    c->alarm);
		else
			say(out, size,
			    en(n) ? "Alarm %u: not acknowledged, try again"
				  : "Тревога %u: не принята, повторите",
			    c->alarm);
		goto out;
	}
	log_info("alarm %u acknowledged by %s by SMS", c->alarm, actor);
	notify__publish(n, res);
	notify__audit(n, actor, "alarm.ack", res, "comment", c->comment[0] ? c->comment : NULL);
	say(out, size, en(n) ? "Alarm %u acknowledged (%s)" : "Тревога %u принята (%s)", c->alarm,
	    actor);
out:
	json_decref(rec);
	json_decref(res);
}

/* The digits of phone, a leading 8 of an 11-digit Russian number as 7. */
static void digits_of(const char *phone, char *out, size_t size)
{
	size_t o = 0;

	for (const char *p = phone ? phone : ""; *p && o + 1 < size; p++)
		if (*p >= '0' && *p <= '9')
			out[o++] = *p;
	out[o] = '\0';
	if (o == 11 && out[0] == '8')
		out[0] = '7';
}

static void on_balance(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct pending *p = ctx;
	const json_t *b = json_object_get(result, "balance");
	char text[ANSWER_MAX], num[40];
	bool e = p->a->n && en(p->a->n);

	if (!p->a->n) {
		finish(p, NULL);
		return;
	}
	if (err) {
		log_info("sms %s: billing/account.balance: %s", p->id, message ? message : code);
		say(text, sizeof text,
		    e ? "Balance %s: billing does not answer, try later"
		      : "Баланс л/с %s: биллинг не отвечает, повторите позже",
		    p->cmd.account);
		{
			finish(p, text);
			return;
		}
	}
	if (json_is_string(b))
		snprintf(num, sizeof num, "%s", json_string_value(b));
	else
		snprintf(num, sizeof num, "?");
	say(text, sizeof text, e ? "Account %s on %s: %s %s" : "Л/с %s на %s: %s %s руб.",
	    p->cmd.account, str_or(json_object_get(result, "date")),
	    num[0] == '-' ? (e ? "paid ahead" : "переплата") : (e ? "to pay" : "к оплате"),
	    num[0] == '-' ? num + 1 : num);
	finish(p, text);
}

static void on_account(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct pending *p = ctx;
	char want[24], got[24], text[ANSWER_MAX];
	bool e = p->a->n && en(p->a->n);
	json_t *args;

	if (!p->a->n) {
		finish(p, NULL);
		return;
	}
	digits_of(p->from, want, sizeof want);
	digits_of(json_string_value(json_object_get(result, "phone")), got, sizeof got);
	if (err && (!code || strcmp(code, "not_found"))) {
		log_info("sms %s: billing/account.get: %s", p->id, message ? message : code);
		say(text, sizeof text,
		    e ? "Balance %s: billing does not answer, try later"
		      : "Баланс л/с %s: биллинг не отвечает, повторите позже",
		    p->cmd.account);
		{
			finish(p, text);
			return;
		}
	}
	if (err || strcmp(want, got)) {
		log_info("sms %s from %s: BALANCE %s refused, not the account's phone", p->id,
			 p->from, p->cmd.account);
		say(text, sizeof text,
		    e ? "Account %s: no such account for your number"
		      : "Л/с %s: нет такого счёта для вашего номера",
		    p->cmd.account);
		{
			finish(p, text);
			return;
		}
	}
	args = json_pack("{s:I}", "account", (json_int_t)strtoll(p->cmd.account, NULL, 10));
	if (!args ||
	    rpc_call(p->a->n->s->rpc, "billing/account.balance", args, RPC_MS, on_balance, p)) {
		say(text, sizeof text, e ? "Balance: try later" : "Баланс: повторите позже");
		{
			finish(p, text);
			return;
		}
	}
}

static void on_read(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct pending *p = ctx;
	char text[ANSWER_MAX];
	bool e = p->a->n && en(p->a->n);

	if (!p->a->n) {
		finish(p, NULL);
		return;
	}
	if (err) {
		log_info("sms %s: archive/reading.manual: %s", p->id, message ? message : code);
		if (code && (!strcmp(code, "bad_request") || !strcmp(code, "not_found") ||
			     !strcmp(code, "conflict")))
			say(text, sizeof text,
			    e ? "Reading %s not taken: %.120s" : "Показание %s не принято: %.120s",
			    p->cmd.channel, message ? message : code);
		else
			say(text, sizeof text,
			    e ? "Reading %s: the archive does not answer, send it again later"
			      : "Показание %s: архив не отвечает, отправьте позже",
			    p->cmd.channel);
		{
			finish(p, text);
			return;
		}
	}
	if (json_is_true(json_object_get(result, "repeat")))
		say(text, sizeof text,
		    e ? "Reading %s = %s %s taken before, not again"
		      : "Показание %s = %s %s уже принято, повторно не учтено",
		    p->cmd.channel, p->cmd.value, str_or(json_object_get(result, "unit")));
	else
		say(text, sizeof text,
		    e ? "Reading %s = %s %s taken" : "Показание %s = %s %s принято", p->cmd.channel,
		    p->cmd.value, str_or(json_object_get(result, "unit")));
	finish(p, text);
}

/* Hand c to another service; false when the call could not be made. */
static bool ask(smsact *a, const struct smsin_sms *m, const json_t *contact, const char *actor,
		const struct smscmd *c)
{
	struct pending *p = calloc(1, sizeof *p);
	json_t *args;
	amr_err rc;

	if (!p)
		return false;
	*p = (struct pending){ .a = a, .cmd = *c };
	snprintf(p->id, sizeof p->id, "%s", m->id);
	snprintf(p->from, sizeof p->from, "%s", m->from);
	snprintf(p->contact, sizeof p->contact, "%s",
		 json_string_value(json_object_get(contact, "name")));
	snprintf(p->actor, sizeof p->actor, "%s", actor);
	snprintf(p->text, sizeof p->text, "%.160s", m->text);
	utf8_fix(p->text);
	if (c->kind == SMSCMD_BALANCE) {
		args = json_pack("{s:I}", "id", (json_int_t)strtoll(c->account, NULL, 10));
		rc = args ? rpc_call(a->n->s->rpc, "billing/account.get", args, RPC_MS, on_account,
				     p)
			  : AMR_ENOMEM;
	} else {
		char src[40], ref[100];
		int64_t day = svc_now() / 86400;

		/* one reading of a channel from a phone a day, at one value: the
		 * same SMS again (the SMS centre's duplicate, a person sending it
		 * twice) is the same reading, under a new Kannel id */
		snprintf(src, sizeof src, "sms:%s", m->from);
		snprintf(ref, sizeof ref, "sms:%s:%s:%s:%lld", m->from, c->channel, c->value,
			 (long long)day);
		args = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "actor", actor, "source", src,
				 "ref", ref, "channel", c->channel, "value", c->value, "ts",
				 (json_int_t)svc_now());
		rc = args ? rpc_call(a->n->s->rpc, "archive/reading.manual", args, RPC_MS, on_read,
				     p)
			  : AMR_ENOMEM;
	}
	if (rc) {
		free(p);
		return false;
	}
	a->calls++;
	json_object_set_new(a->inflight, m->id, json_true());
	return true;
}

void notify_sms_in(const struct smsin_sms *m, void *arg)
{
	notify *n = arg;
	smsact *a = n->sa;
	char ref[sizeof REF_PREFIX + SMSIN_ID_MAX], text[ANSWER_MAX], actor[80], in[161];
	json_t *contact = NULL, *old = NULL;
	const char *user, *name;
	struct smscmd c;
	amr_err rc;

	snprintf(ref, sizeof ref, REF_PREFIX "%s", m->id);
	if (json_object_get(a->inflight, m->id) ||
	    (n->ob && outbox_get_ref(n->ob, ref, &old) == AMR_OK)) {
		log_info("sms %s from %s: a repeat of one already taken; not acted on again", m->id,
			 m->from);
		metric_add(a->m_repeat, 1);
		json_decref(old);
		return;
	}
	if ((rc = contacts_by_phone(n->cs, m->from, &contact))) {
		if (rc == AMR_ENOTFOUND)
			log_warn("sms %s from %s: no contact lists this number; no answer (%zu "
				 "bytes ignored)",
				 m->id, m->from, m->len);
		else
			log_error("sms %s from %s: contacts not read: %s", m->id, m->from,
				  amr_strerror(rc));
		metric_add(a->m_unknown, 1);
		return;
	}
	name = json_string_value(json_object_get(contact, "name"));
	user = json_string_value(json_object_get(contact, "user"));
	snprintf(actor, sizeof actor, "%s", user ? user : name);
	snprintf(in, sizeof in, "%.160s", m->text);
	utf8_fix(in);
	smscmd_parse(m->text, m->len, &c);
	log_info("sms %s from %s (contact %s): command %d", m->id, m->from, name, c.kind);
	metric_add(a->m_cmd, 1);
	switch (c.kind) {
	case SMSCMD_UNKNOWN:
		say(text, sizeof text, "%s%s. %s",
		    en(n) ? "Not understood: " : "Не понято: ", en(n) ? c.why : c.why_ru,
		    smscmd_help(n->o.lang));
		break;
	case SMSCMD_HELP:
		say(text, sizeof text, "%s", smscmd_help(n->o.lang));
		break;
	case SMSCMD_STATUS:
		status(n, contact, c.obj, text, sizeof text);
		break;
	case SMSCMD_ACK:
		ack(n, contact, actor, &c, text, sizeof text);
		break;
	case SMSCMD_BALANCE:
	case SMSCMD_READ:
		if (ask(a, m, contact, actor, &c))
			goto out; /* answered when the service is */
		say(text, sizeof text,
		    en(n) ? "Busy, send it again later" : "Занято, отправьте ещё раз позже");
		break;
	}
	utf8_fix(text);
	reply(n, m->id, m->from, name, in, text);
out:
	json_decref(contact);
}

void notify_sms_dlr(const struct smsin_dlr *d, void *arg)
{
	notify *n = arg;
	json_t *rec = NULL;
	amr_err rc = n->ob ? outbox_report(n->ob, d->key, d->status, svc_now(), &rec)
			   : AMR_ENOTFOUND;

	if (rc == AMR_ESTATE) {
		log_info("message %s: a late delivery report %d after the final one; kept", d->key,
			 d->status);
		return;
	}
	if (rc) {
		log_info("delivery report %d of message %s not recorded: %s", d->status, d->key,
			 rc == AMR_ENOTFOUND ? "no such message" : amr_strerror(rc));
		return;
	}
	log_info("message %s: delivery report %d%s%s", d->key, d->status, d->answer[0] ? ", " : "",
		 d->answer);
	metric_add(n->sa->m_dlr, 1);
	notify__delivery(rec, n); /* another service's message: told it */
	json_decref(rec);
}

amr_err notify__smsact_create(notify *n)
{
	smsact *a = calloc(1, sizeof *a);

	if (!a || !(a->inflight = json_object())) {
		free(a);
		return AMR_ENOMEM;
	}
	a->n = n;
	a->m_unknown = metrics_get(n->s->metrics, METRIC_COUNTER, "amr_notify_sms_in_total",
				   "result=\"unknown\"",
				   "Incoming SMS: from numbers no contact lists (no answer), "
				   "repeats of one taken, commands carried out.");
	a->m_repeat = metrics_get(n->s->metrics, METRIC_COUNTER, "amr_notify_sms_in_total",
				  "result=\"repeat\"", NULL);
	a->m_cmd = metrics_get(n->s->metrics, METRIC_COUNTER, "amr_notify_sms_in_total",
			       "result=\"command\"", NULL);
	a->m_dlr = metrics_get(n->s->metrics, METRIC_COUNTER, "amr_notify_sms_reports_total", NULL,
			       "Delivery reports of SMS recorded on their messages.");
	n->sa = a;
	return AMR_OK;
}

void notify__smsact_destroy(notify *n)
{
	smsact *a = n->sa;

	if (!a)
		return;
	n->sa = NULL;
	a->n = NULL;
	if (!a->calls) { /* else the last answer frees it */
		json_decref(a->inflight);
		free(a);
	}
}
