/*
 * restr_send.c - the notice of a restriction sent to the tenant by e-mail
 * and SMS through amr-notify (docs/restrictions.md, "The notice by e-mail
 * and SMS"): restriction.send_notice writes one message per channel on
 * the case, "requesting", in a transaction with its audit record, then
 * asks notify/send; the answer and every outcome told on
 * amr/v1/notify/delivery/billing move the message to queued, sent or
 * failed.
 *
 * A message's ref, billing/restr/<id>/notice/<n>/<channel>, is its
 * idempotency key at amr-notify: a message whose ask went unanswered (or
 * that a crash left "requesting") is asked again with the same ref by the
 * poll, and a repeat of send_notice makes no new message on a channel
 * whose last one is not failed. Sending records no notice: the 20 days run
 * from the day the tenant got it, which "sent" (accepted by the mail
 * server or the SMS gateway) does not prove; the accountant records it
 * with restriction.notice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "recdraw.h"
#include "restr_int.h"
#include "utf8.h"

#define SEND_REF_PREFIX "billing/restr/"
#define SEND_SMS_MAX	480 /* characters amr-notify takes in an SMS */
#define SEND_ASKS_MAX	64  /* asks of notify a poll makes at most */
#define SEND_REF_MAX	128 /* bytes of a ref, with its NUL */

static const char *const channels[] = { "email", "sms", NULL };

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool is(const json_t *o, const char *k, const char *v)
{
	const char *s = str(o, k);

	return s && !strcmp(s, v);
}

/* The account's phone as an SMS goes to it (+79001234567) into buf:
 * spaces, dashes and brackets dropped, a Russian 8... or 7... of 11
 * digits made +7... Returns false when it is not a phone number then. */
static bool phone_norm(const char *p, char *buf, size_t size)
{
	size_t n = 0, digits;

	for (; p && *p && n + 1 < size; p++)
		if (*p == '+' ? n == 0 : (*p >= '0' && *p <= '9'))
			buf[n++] = *p;
		else if (!strchr(" -()", *p))
			return false;
	buf[n] = '\0';
	if (buf[0] != '+') {
		if (n == 11 && (buf[0] == '8' || buf[0] == '7') && n + 2 < size) {
			memmove(buf + 2, buf + 1, n);
			buf[0] = '+';
			buf[1] = '7';
			n++;
		} else {
			return false;
		}
	}
	digits = n - 1;
	return digits >= 7 && digits <= 15;
}

/* "YYYY-MM-DD" as "DD.MM.YYYY" into buf (11 bytes). */
static const char *ru_date(const char *iso, char buf[11])
{
	snprintf(buf, 11, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
	return buf;
}

/* The characters of UTF-8 text s. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* At most max bytes of s (NULL: "") into buf (max + 1 bytes), never
 * cutting a character: jansson takes only valid UTF-8. */
static const char *cut(const char *s, size_t max, char *buf)
{
	snprintf(buf, max + 1, "%s", s ? s : "");
	return utf8_fix(buf);
}

/* What the notice says. */
struct text {
	char subject[300];
	char body[3000];
	char sms[1600];
};

/* The notice of case c (account acc, org, service svc: records) as of
 * today: the debt, the threshold, the earliest day of the restriction if
 * it is delivered today, the org's name and phone. */
static void notice_text(const json_t *c, const json_t *acc, const json_t *org, const json_t *svc,
			struct text *t)
{
	const char *phone = str(org, "phone");
	const char *holder = str(json_object_get(acc, "holder"), "name");
	char debt[RECDRAW_MONEY_MAX] = "?", thr[RECDRAW_MONEY_MAX] = "?", iso[CAL_DATE_LEN],
	     earliest[11], tel[40 + 1], name[80 + 1], org_name[300 + 1], short_org[60 + 1],
	     short_name[40 + 1], who[200 + 1];
	money_kop k;

	cut(str(svc, "name") ? str(svc, "name") : str(c, "service"), 80, name);
	cut(str(svc, "name") ? str(svc, "name") : str(c, "service"), 40, short_name);
	cut(str(org, "name"), 300, org_name);
	cut(str(org, "name"), 60, short_org);
	cut(holder, 200, who);
	cut(phone, 40, tel);
	if (!money_parse(str(c, "debt"), "debt", false, &k, NULL))
		recdraw_money(k, debt);
	if (!money_parse(str(c, "threshold"), "threshold", false, &k, NULL))
		recdraw_money(k, thr);
	ru_date(cal_day_format(restr__today() + RESTR_NOTICE_DAYS, iso), earliest);
	snprintf(t->subject, sizeof t->subject,
		 "Предупреждение об ограничении услуги «%s», лицевой счёт %s", name,
		 str(c, "number"));
	snprintf(
		t->body, sizeof t->body,
		"%s%s%s\n\n"
		"%s уведомляет: задолженность по лицевому счёту %s за коммунальную услугу "
		"«%s» составляет %s ₽ и превышает сумму 2 месячных размеров платы по "
		"нормативу потребления, %s ₽ (Правила предоставления коммунальных услуг, "
		"утв. Постановлением Правительства РФ № 354, п. 118).\n\n"
		"Если задолженность не будет погашена в течение 20 дней со дня доставки этого "
		"предупреждения, предоставление услуги будет ограничено, а затем "
		"приостановлено (п. 119): при доставке сегодня - не ранее %s.\n\n"
		"Оплатить можно по реквизитам квитанции.%s%s%s\n\n%s\n",
		holder ? "Уважаемый(ая) " : "", who, holder ? "!" : "", org_name, str(c, "number"),
		name, debt, thr, earliest, phone ? " Справки по телефону " : "", tel,
		phone ? "." : "", org_name);
	snprintf(t->sms, sizeof t->sms,
		 "%s: долг по л/с %s за «%s» %s руб. Не погасите за 20 дней с получения - "
		 "услуга будет ограничена (п. 119 Правил 354), не ранее %s.",
		 short_org, str(c, "number"), short_name, debt, earliest);
	if (phone && chars(t->sms) + chars(tel) + 6 <= SEND_SMS_MAX) {
		strncat(t->sms, " Тел. ", sizeof t->sms - strlen(t->sms) - 1);
		strncat(t->sms, tel, sizeof t->sms - strlen(t->sms) - 1);
	}
}

/* A send_notice being made. */
struct send {
	restr *r;
	rpc_req *req; /* answered once notify answered every ask; NULL: the poll's */
	uint32_t id;  /* the case */
	const char *actor, *reason;
	bool want[2];	  /* the channels asked for */
	bool named;	  /* ... by name (else those the account has) */
	bool again;	  /* the poll: no new message, the requesting ones asked again */
	json_t *asks;	  /* [{"ref", notify/send's args}] to make after the commit */
	json_t *result;	  /* the case as written */
	unsigned waiting; /* asks not answered yet */
	struct jv_err err;
};

/* The last message of channel ch on case c, or NULL. */
static json_t *last_of(const json_t *c, const char *ch)
{
	json_t *m, *last = NULL;
	size_t i;

	json_array_foreach(json_object_get(c, "messages"), i, m)
		if (is(m, "channel", ch))
			last = m;
	return last;
}

static size_t count_of(const json_t *c, const char *ch)
{
	json_t *m;
	size_t i, n = 0;

	json_array_foreach(json_object_get(c, "messages"), i, m)
		n += is(m, "channel", ch);
	return n;
}

/* The addresses of account acc for each wanted channel into to[]; an
 * error naming the field when one asked for by name is missing, or none
 * is there. */
static int addresses(struct send *t, const json_t *c, const json_t *acc, char to[2][220])
{
	const char *email = str(acc, "email"), *phone = str(acc, "phone");
	bool has[2];

	has[0] = email && notecl_email_ok(email);
	has[1] = phone && phone_norm(phone, to[1], 220);
	if (has[0])
		snprintf(to[0], 220, "%s", email);
	if (t->named) {
		if (t->want[0] && !has[0])
			return jv_fail(&t->err, "channels: account %s has %s", str(c, "number"),
				       email ? "an e-mail address that is not one"
					     : "no e-mail address");
		if (t->want[1] && !has[1])
			return jv_fail(&t->err, "channels: account %s has %s", str(c, "number"),
				       phone ? "a phone an SMS cannot go to (+79001234567)"
					     : "no phone");
		return 0;
	}
	t->want[0] = has[0];
	t->want[1] = has[1];
	if (!has[0] && !has[1])
		return jv_fail(&t->err,
			       "account: account %s has neither an e-mail address nor a phone an "
			       "SMS can go to (billing/account.update)",
			       str(c, "number"));
	return 0;
}

/* The args of notify/send for message m of case c (new). */
static json_t *ask_of(const json_t *m, const struct text *x)
{
	json_t *a = json_pack("{s:O, s:O, s:O, s:O}", "ref", json_object_get(m, "ref"), "channel",
			      json_object_get(m, "channel"), "to", json_object_get(m, "to"),
			      "actor", json_object_get(m, "actor"));
	bool sms = is(m, "channel", "sms");

	if (a && (json_object_set_new(a, "body", json_string(sms ? x->sms : x->body)) ||
		  (!sms && json_object_set_new(a, "subject", json_string(x->subject))))) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static int send_txn(MDB_txn *txn, void *arg)
{
	struct send *t = arg;
	json_t *before = NULL, *c = NULL, *acc = NULL, *org = NULL, *svc = NULL, *msgs, *made;
	struct text *x = NULL;
	char to[2][220], ref[SEND_REF_MAX];
	int rc;

	json_decref(t->result);
	json_decref(t->asks);
	t->result = NULL;
	if (!(t->asks = json_array()) || !(made = json_array()))
		return AMR_ENOMEM;
	if ((rc = restr__load(t->r, txn, t->id, &before, &t->err)))
		goto out_free;
	if (!is(before, "state", "proposed") && !is(before, "state", "noticed")) {
		rc = AMR_ESTATE;
		jv_fail(&t->err,
			"id: restriction %u is %s: only a proposed or noticed one is sent a "
			"notice",
			t->id, str(before, "state"));
		goto out_free;
	}
	if ((rc = ledger_get(t->r->l, txn, MODEL_ACCOUNT,
			     (uint32_t)json_integer_value(json_object_get(before, "account")),
			     &acc)) ||
	    (!t->again && (rc = addresses(t, before, acc, to))))
		goto out_free;
	ledger_get(t->r->l, txn, MODEL_ORG,
		   (uint32_t)json_integer_value(json_object_get(before, "org")), &org);
	ledger_get(t->r->l, txn, MODEL_SERVICE,
		   (uint32_t)json_integer_value(json_object_get(before, "service_id")), &svc);
	if (!(x = malloc(sizeof *x)) || !(c = json_deep_copy(before))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	notice_text(c, acc, org, svc, x);
	if (!(msgs = json_object_get(c, "messages")) &&
	    json_object_set_new(c, "messages", msgs = json_array())) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	for (int ch = 0; ch < 2; ch++) {
		json_t *last = last_of(c, channels[ch]), *m;

		if (t->again || !t->want[ch] || (last && !is(last, "state", "failed")))
			continue; /* on its way, or there: nothing new */
		snprintf(ref, sizeof ref, SEND_REF_PREFIX "%u/notice/%zu/%s", t->id,
			 count_of(c, channels[ch]) + 1, channels[ch]);
		m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "channel", channels[ch], "to",
			      to[ch], "ref", ref, "state", "requesting", "actor", t->actor, "asked",
			      (json_int_t)svc_now(), "ts", (json_int_t)svc_now());
		if (!m || json_array_append(made, m) || json_array_append_new(msgs, m)) {
			rc = AMR_ENOMEM;
			goto out_free;
		}
	}
	if (json_array_size(made) &&
	    ((rc = restr__audit(t->r, txn, c, t->actor, "restriction.send_notice",
				json_pack("{s:O}", "messages", made), t->reason)) ||
	     (rc = recstore_put(t->r->cases, txn, t->id, c))))
		goto out_free;
	/* every message not yet known at notify is asked (again): same ref */
	{
		json_t *m;
		size_t i;

		json_array_foreach(msgs, i, m)
			if (is(m, "state", "requesting") &&
			    json_array_append_new(t->asks, ask_of(m, x))) {
				rc = AMR_ENOMEM;
				goto out_free;
			}
	}
	t->result = c;
	c = NULL;
out_free:
	free(x);
	json_decref(made);
	json_decref(c);
	json_decref(before);
	json_decref(acc);
	json_decref(org);
	json_decref(svc);
	return rc;
}

/* The outcome of message ref of case id: state (queued, sent, failed),
 * why; recorded once, audited. A sent or failed message stays so, and a
 * message is not moved back to requesting. */
struct outcome {
	restr *r;
	uint32_t id;
	const char *ref, *state, *why;
	bool changed;
};

static bool may_become(const char *from, const char *to)
{
	if (!strcmp(from, "sent") || !strcmp(from, "failed"))
		return false;
	return strcmp(from, to) != 0;
}

static int outcome_txn(MDB_txn *txn, void *arg)
{
	struct outcome *o = arg;
	struct jv_err err = { "" };
	json_t *c = NULL, *m, *hit = NULL;
	size_t i;
	int rc;

	o->changed = false;
	if ((rc = restr__load(o->r, txn, o->id, &c, &err)))
		return rc == AMR_ENOTFOUND ? 0 : rc;
	json_array_foreach(json_object_get(c, "messages"), i, m)
		if (is(m, "ref", o->ref))
			hit = m;
	if (!hit || !may_become(str(hit, "state"), o->state)) {
		json_decref(c);
		return 0;
	}
	if (!o->why)
		json_object_del(hit, "reason"); /* a try that failed, then one that went */
	if (json_object_set_new(hit, "state", json_string(o->state)) ||
	    json_object_set_new(hit, "ts", json_integer(svc_now())) ||
	    (o->why && json_object_set_new(hit, "reason", json_string(o->why))) ||
	    (rc = restr__audit(o->r, txn, c, str(hit, "actor"), "restriction.message",
			       json_pack("{s:s, s:O, s:O, s:s, s:s?}", "ref", o->ref, "channel",
					 json_object_get(hit, "channel"), "to",
					 json_object_get(hit, "to"), "state", o->state, "why",
					 o->why),
			       o->why)) ||
	    (rc = recstore_put(o->r->cases, txn, o->id, c))) {
		json_decref(c);
		return rc ? rc : AMR_ENOMEM;
	}
	o->changed = true;
	json_decref(c);
	return 0;
}

/* What a message of notify (its state: queued, sending, sent, failed)
 * is on a case. */
static const char *state_of(const char *s)
{
	if (!s)
		return NULL;
	if (!strcmp(s, "sent") || !strcmp(s, "failed"))
		return s;
	return "queued";
}

static void outcome(restr *r, uint32_t id, const char *ref, const char *state, const char *why)
{
	struct outcome o = { r, id, ref, state, why, false };
	int rc = kv_write(ledger_kv(r->l), outcome_txn, &o);

	if (rc) {
		log_error("restriction %u: cannot record %s of %s: %s", id, state, ref,
			  amr_strerror(rc));
		return;
	}
	if (o.changed) {
		log_info("restriction %u: message %s is %s%s%s", id, ref, state, why ? ": " : "",
			 why ? why : "");
		auditq_flush(r->q);
	}
}

/* The case a ref of ours names, 0 when it names none. */
static uint32_t case_of(const char *ref)
{
	unsigned long v;
	char *end;

	if (!ref || strncmp(ref, SEND_REF_PREFIX, strlen(SEND_REF_PREFIX)))
		return 0;
	v = strtoul(ref + strlen(SEND_REF_PREFIX), &end, 10);
	return *end == '/' && v <= UINT32_MAX ? (uint32_t)v : 0;
}

void restr__on_message(void *ctx, const json_t *out)
{
	restr *r = ctx;
	const char *ref = str(out, "ref"), *state = state_of(str(out, "state"));
	uint32_t id = case_of(ref);

	if (id && state)
		outcome(r, id, ref, state, !strcmp(state, "sent") ? NULL : str(out, "why"));
}

/* One ask of notify/send. */
struct ask {
	struct send *t;
	char ref[SEND_REF_MAX];
};

static void send_done(struct send *t)
{
	json_t *c = NULL;
	MDB_txn *txn;
	int rc;

	if (t->req) {
		if (!(rc = kv_read_begin(ledger_kv(t->r->l), &txn))) {
			rc = restr__load(t->r, txn, t->id, &c, &t->err);
			mdb_txn_abort(txn);
		}
		restr__reply(t->r, "restriction.send_notice", t->req, rc, &t->err, c);
	}
	json_decref(t->asks);
	json_decref(t->result);
	free(t);
}

static void on_sent(void *ctx, int err, json_t *res, const char *code, const char *message)
{
	struct ask *a = ctx;
	struct send *t = a->t;
	char why[400];

	if (err == AMR_ESTATE && code && !strcmp(code, "shutdown")) {
		/* the module is gone: the message stays requesting, asked again
		 * after the start */
		free(a);
		if (!--t->waiting) {
			if (t->req)
				rpc_reply_err(t->req, "unavailable", "amr-billing is stopping");
			json_decref(t->asks);
			json_decref(t->result);
			free(t);
		}
		return;
	}
	t->r->notes_in_flight--;
	if (!err) {
		outcome(t->r, t->id, a->ref, state_of(str(res, "state")) ?: "queued",
			str(res, "why"));
	} else if (err == AMR_ETIMEDOUT && code && !strcmp(code, "timeout")) {
		log_warn("restriction %u: amr-notify did not answer for %s: asked again at the "
			 "next poll",
			 t->id, a->ref);
	} else {
		snprintf(why, sizeof why, "amr-notify refused it: %s",
			 message ? message : amr_strerror(err));
		outcome(t->r, t->id, a->ref, "failed", why);
	}
	free(a);
	if (!--t->waiting)
		send_done(t);
}

/* Ask notify for every message of t->asks; t is answered and freed once
 * all are answered. */
static void send_asks(struct send *t)
{
	json_t *v;
	size_t i;

	t->waiting = 1; /* held while asking */
	json_array_foreach(t->asks, i, v) {
		struct ask *a = calloc(1, sizeof *a);

		if (!a)
			break;
		a->t = t;
		snprintf(a->ref, sizeof a->ref, "%s", str(v, "ref"));
		if (notecl_send(t->r->nc, json_incref(v), on_sent, a)) {
			log_warn("restriction %u: cannot ask amr-notify for %s", t->id, a->ref);
			free(a);
			continue;
		}
		t->waiting++;
		t->r->notes_in_flight++;
	}
	if (!--t->waiting)
		send_done(t);
}

void restr__send_notice(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "id", "channels", "actor", "reason", NULL };
	struct send *t = calloc(1, sizeof *t);
	const json_t *chs = json_object_get(args, "channels"), *v;
	long long id;
	size_t i;
	int rc;

	if (!t) {
		rpc_reply_err(req, "internal", "out of memory");
		return;
	}
	t->r = ctx;
	if ((rc = jv_only(args, fields, &t->err)) ||
	    (rc = jv_int(args, "id", true, 0, 1, UINT32_MAX, &id, &t->err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &t->actor, &t->err)) ||
	    (rc = jv_str(args, "reason", false, NULL, 1, 500, &t->reason, &t->err)))
		goto out_reply;
	if (chs && (!json_is_array(chs) || !json_array_size(chs))) {
		rc = jv_fail(&t->err, "channels: expected [\"email\",\"sms\"] (one or both)");
		goto out_reply;
	}
	json_array_foreach(chs, i, v) {
		const char *s = json_string_value(v);
		int ch = s && !strcmp(s, "email") ? 0 : s && !strcmp(s, "sms") ? 1 : -1;

		if (ch < 0 || t->want[ch]) {
			rc = jv_fail(&t->err, "channels[%zu]: %s", i,
				     ch < 0 ? "expected \"email\" or \"sms\"" : "given twice");
			goto out_reply;
		}
		t->want[ch] = t->named = true;
	}
	if (!t->r->nc) {
		rc = AMR_ETIMEDOUT;
		jv_fail(&t->err, "amr-billing sends no message here");
		goto out_reply;
	}
	t->id = (uint32_t)id;
	if ((rc = kv_write(ledger_kv(t->r->l), send_txn, t)))
		goto out_reply;
	log_info("restriction.send_notice: restriction %u by %s, %zu to ask", t->id, t->actor,
		 json_array_size(t->asks));
	auditq_flush(t->r->q);
	t->req = req;
	send_asks(t);
	return;
out_reply:
	restr__reply(t->r, "restriction.send_notice", req, rc, &t->err, NULL);
	json_decref(t->asks);
	json_decref(t->result);
	free(t);
}

/* What the poll asks after: messages requesting (asked again, the same
 * ref) and queued (their outcome read back from the delivery log, in case
 * billing missed it). */
struct pending {
	json_t *requesting; /* case ids */
	json_t *queued;	    /* case ids */
};

static int pending_fn(uint32_t id, const json_t *c, void *arg)
{
	struct pending *p = arg;
	bool req = false, q = false;
	json_t *m;
	size_t i;

	if (!is(c, "state", "proposed") && !is(c, "state", "noticed"))
		return 0; /* a notice is sent no more */
	json_array_foreach(json_object_get(c, "messages"), i, m) {
		req |= is(m, "state", "requesting");
		q |= is(m, "state", "queued");
	}
	if (json_array_size(p->requesting) + json_array_size(p->queued) >= SEND_ASKS_MAX)
		return 1;
	if (req && json_array_append_new(p->requesting, json_integer(id)))
		return AMR_ENOMEM;
	if (q && json_array_append_new(p->queued, json_integer(id)))
		return AMR_ENOMEM;
	return 0;
}

void restr__messages_poll(restr *r)
{
	struct pending p = { json_array(), json_array() };
	char prefix[64];
	MDB_txn *txn;
	json_t *v;
	size_t i;
	int rc;

	if (!r->nc || r->notes_in_flight || !p.requesting || !p.queued ||
	    kv_read_begin(ledger_kv(r->l), &txn))
		goto out_free;
	rc = recstore_scan(r->cases, txn, 0, pending_fn, &p);
	mdb_txn_abort(txn);
	if (rc > 1)
		goto out_free;
	json_array_foreach(p.queued, i, v) {
		snprintf(prefix, sizeof prefix, SEND_REF_PREFIX "%lld/",
			 (long long)json_integer_value(v));
		notecl_ask(r->nc, prefix);
	}
	json_array_foreach(p.requesting, i, v) {
		struct send *t = calloc(1, sizeof *t);

		if (!t)
			break;
		t->r = r;
		t->id = (uint32_t)json_integer_value(v);
		t->actor = "billing";
		t->again = true;
		if (kv_write(ledger_kv(r->l), send_txn, t)) {
			json_decref(t->asks);
			json_decref(t->result);
			free(t);
			continue;
		}
		send_asks(t);
	}
out_free:
	json_decref(p.requesting);
	json_decref(p.queued);
}
