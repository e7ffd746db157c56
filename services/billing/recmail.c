/*
 * recmail.c - issued receipts e-mailed through amr-notify: the methods,
 * the store of each invoice's message and the pipeline that draws the
 * PDFs a few at a time and asks notify/send for each.
 *
 * A message is written "drawing" with the request's audit record; the
 * pipeline draws it (filejob's workers, off the loop thread) and asks
 * amr-notify under its ref. Whatever is "drawing" and not in the
 * pipeline (an ask not answered, a crash) is drawn and asked again by
 * the poll: the ref makes amr-notify send it once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "billrpc.h"
#include "log.h"
#include "money.h"
#include "month.h"
#include "recdraw.h"
#include "recmail_int.h"
#include "utf8.h"

#define PARALLEL   4	  /* receipts being drawn or asked at once */
#define ATTACH_MAX 716800 /* bytes amr-notify attaches at most (700 KB) */

static const char *const month_ru[] = { "январь",   "февраль", "март",	 "апрель",
					"май",	    "июнь",    "июль",	 "август",
					"сентябрь", "октябрь", "ноябрь", "декабрь" };

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool is(const json_t *o, const char *k, const char *v)
{
	const char *s = str(o, k);

	return s && !strcmp(s, v);
}

int recmail__get(recmail *m, MDB_txn *txn, const char *id, json_t **out)
{
	MDB_val k = { strlen(id), (void *)id }, v;
	int rc = mdb_get(txn, m->db, &k, &v);

	if (rc == MDB_NOTFOUND)
		return AMR_ENOTFOUND;
	if (rc)
		return kv_err(rc);
	return (*out = json_loadb(v.mv_data, v.mv_size, 0, NULL)) ? 0 : AMR_EDB;
}

int recmail__put(recmail *m, MDB_txn *txn, const char *id, const json_t *rec)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	MDB_val k = { strlen(id), (void *)id }, v;
	int rc;

	if (!text)
		return AMR_ENOMEM;
	v = (MDB_val){ strlen(text), text };
	rc = mdb_put(txn, m->db, &k, &v, 0);
	free(text);
	return rc ? kv_err(rc) : 0;
}

/* fn(id, rec, arg) for the records whose ids start with prefix ("" all);
 * fn returns 0 to go on. */
int recmail__scan(recmail *m, MDB_txn *txn, const char *prefix,
		  int (*fn)(const char *id, const json_t *rec, void *arg), void *arg)
{
	size_t plen = strlen(prefix);
	MDB_val k = { plen, (void *)prefix }, v;
	MDB_cursor *cur;
	int rc, op = plen ? MDB_SET_RANGE : MDB_FIRST;

	if ((rc = mdb_cursor_open(txn, m->db, &cur)))
		return kv_err(rc);
	while (!(rc = mdb_cursor_get(cur, &k, &v, op))) {
		char id[INVSTORE_ID_LEN];
		json_t *rec;

		op = MDB_NEXT;
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen))
			break;
		if (k.mv_size >= sizeof id)
			continue;
		memcpy(id, k.mv_data, k.mv_size);
		id[k.mv_size] = '\0';
		if (!(rec = json_loadb(v.mv_data, v.mv_size, 0, NULL)))
			continue;
		rc = fn(id, rec, arg);
		json_decref(rec);
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* "2026-10/1/17" -> "2026-10/1/" into buf. */
void recmail__prefix_of(const char *id, char buf[KEY_PREFIX])
{
	const char *slash = strrchr(id, '/');

	snprintf(buf, KEY_PREFIX, "%.*s", slash ? (int)(slash - id + 1) : 0, id);
}

/* A message's state as amr-notify tells it, as the store keeps it. */
static const char *state_of(const char *s)
{
	if (!s)
		return NULL;
	return !strcmp(s, "sent") || !strcmp(s, "failed") ? s : "queued";
}

/* A change of invoice id's message. */
struct settle {
	recmail *m;
	const char *id, *state, *why, *sha256;
	size_t bytes;
	bool changed;
};

static int settle_txn(MDB_txn *txn, void *arg)
{
	struct settle *t = arg;
	json_t *rec = NULL;
	const char *from;
	int rc;

	t->changed = false;
	if ((rc = recmail__get(t->m, txn, t->id, &rec)))
		return rc == AMR_ENOTFOUND ? 0 : rc;
	from = str(rec, "state");
	if (!from || !strcmp(from, "sent") || !strcmp(from, "failed") || !strcmp(from, t->state)) {
		json_decref(rec);
		return 0;
	}
	json_object_del(rec, "reason");
	if (json_object_set_new(rec, "state", json_string(t->state)) ||
	    json_object_set_new(rec, "ts", json_integer(svc_now())) ||
	    (t->why && json_object_set_new(rec, "reason", json_string(t->why))) ||
	    (t->sha256 &&
	     (json_object_set_new(rec, "sha256", json_string(t->sha256)) ||
	      json_object_set_new(rec, "bytes", json_integer((json_int_t)t->bytes))))) {
		json_decref(rec);
		return AMR_ENOMEM;
	}
	rc = recmail__put(t->m, txn, t->id, rec);
	json_decref(rec);
	t->changed = !rc;
	return rc;
}

static void settle(recmail *m, const char *id, const char *state, const char *why,
		   const char *sha256, size_t bytes)
{
	struct settle t = { m, id, state, why, sha256, bytes, false };
	int rc = kv_write(ledger_kv(m->l), settle_txn, &t);

	if (rc)
		log_error("receipt %s: cannot record %s: %s", id, state, amr_strerror(rc));
	else if (t.changed)
		log_info("receipt %s: the e-mail is %s%s%s", id, state, why ? ": " : "",
			 why ? why : "");
	if (!rc && t.changed && !strcmp(state, "failed"))
		metric_add(m->m_failed, 1);
}

/* One receipt in the pipeline. */
struct job {
	recmail *m;
	char id[INVSTORE_ID_LEN];
	char sha256[80];
	size_t bytes;
	json_t *args; /* notify/send's, the attachment added once drawn */
};

static void job_end(struct job *j, bool pump_more)
{
	recmail *m = j->m;

	json_object_del(m->busy, j->id);
	json_decref(j->args);
	free(j);
	if (pump_more)
		recmail__pump(m);
}

static void on_asked(void *ctx, int err, json_t *res, const char *code, const char *message)
{
	struct job *j = ctx;
	char why[400];

	if (err == AMR_ESTATE && code && !strcmp(code, "shutdown")) {
		json_decref(j->args); /* the module is gone: drawing, for the next start */
		free(j);
		return;
	}
	if (!err) {
		settle(j->m, j->id, state_of(str(res, "state")) ?: "queued", str(res, "why"),
		       j->sha256, j->bytes);
		metric_add(j->m->m_asked, 1);
	} else if (err == AMR_ETIMEDOUT && code && !strcmp(code, "timeout")) {
		log_warn("receipt %s: amr-notify did not answer: asked again at the next poll",
			 j->id);
	} else {
		snprintf(why, sizeof why, "amr-notify refused it: %s",
			 message ? message : amr_strerror(err));
		settle(j->m, j->id, "failed", why, j->sha256, j->bytes);
	}
	job_end(j, true);
}

static void on_drawn(void *ctx, amr_err rc, const char *msg, const unsigned char *data, size_t size,
		     const char *sha256)
{
	struct job *j = ctx;
	char why[400], *b64 = NULL;
	size_t len;
	json_t *att;

	if (rc == AMR_ESTATE) { /* the service is stopping: drawing, for the next start */
		json_decref(j->args);
		free(j);
		return;
	}
	if (rc) {
		snprintf(why, sizeof why, "the receipt could not be drawn: %s",
			 msg ? msg : amr_strerror(rc));
		settle(j->m, j->id, "failed", why, NULL, 0);
		job_end(j, true);
		return;
	}
	snprintf(j->sha256, sizeof j->sha256, "%s", sha256);
	j->bytes = size;
	if (size > ATTACH_MAX) {
		snprintf(why, sizeof why,
			 "the receipt's PDF, %zu bytes, is over the %d bytes "
			 "amr-notify attaches",
			 size, ATTACH_MAX);
		settle(j->m, j->id, "failed", why, j->sha256, size);
		job_end(j, true);
		return;
	}
	len = sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL);
	if (!(b64 = malloc(len)) ||
	    !sodium_bin2base64(b64, len, data, size, sodium_base64_VARIANT_ORIGINAL) ||
	    !(att = json_object_get(j->args, "attachment")) ||
	    json_object_set_new(att, "data", json_string(b64))) {
		free(b64);
		log_error("receipt %s: out of memory", j->id);
		job_end(j, true);
		return;
	}
	free(b64);
	if (notecl_send(j->m->nc, json_incref(j->args), on_asked, j)) {
		log_warn("receipt %s: cannot ask amr-notify: asked again at the next poll", j->id);
		job_end(j, true);
	}
}

/* At most max bytes of s (NULL: "") into buf (max + 1 bytes), never
 * cutting a character: jansson takes only valid UTF-8. */
static const char *cut(const char *s, size_t max, char *buf)
{
	snprintf(buf, max + 1, "%s", s ? s : "");
	return utf8_fix(buf);
}

/* The e-mail's subject and text of receipt rec (a receipt_build() JSON)
 * into args (notify/send's). */
static int letter(const json_t *rec, json_t *args)
{
	const json_t *acc = json_object_get(rec, "account"), *payee = json_object_get(rec, "payee");
	const char *period = str(rec, "period") ? str(rec, "period") : "";
	const char *holder = str(acc, "holder"), *phone = str(payee, "phone");
	char subject[300], body[2000], sum[RECDRAW_MONEY_MAX] = "", line[200], org[300 + 1],
				       tel[40 + 1], who[200 + 1];
	int mon = strlen(period) == 7 ? atoi(period + 5) : 0;
	money_kop k;

	if (mon < 1 || mon > 12)
		mon = 1;
	cut(str(payee, "name"), 300, org);
	cut(phone, 40, tel);
	cut(holder, 200, who);
	if (!money_parse(str(json_object_get(rec, "money"), "total"), "total", true, &k, NULL))
		recdraw_money(k, sum);
	if (json_is_true(json_object_get(rec, "to_pay")))
		snprintf(line, sizeof line, "Сумма к оплате: %s ₽.", sum);
	else
		snprintf(line, sizeof line, "Оплата не требуется: долга на лицевом счёте нет.");
	snprintf(subject, sizeof subject, "Квитанция за %s %.4s г., лицевой счёт %s",
		 month_ru[mon - 1], period, str(acc, "number"));
	snprintf(body, sizeof body,
		 "Здравствуйте%s%s!\n\n"
		 "Во вложении - квитанция на оплату жилищно-коммунальных услуг за %s %.4s г. "
		 "по лицевому счёту %s (PDF).\n%s\n\n"
		 "Оплатить можно по QR-коду квитанции в приложении банка.\n\n"
		 "%s%s%s\n\nЭто письмо отправлено автоматически, отвечать на него не нужно.\n",
		 *who ? ", " : "", who, month_ru[mon - 1], period, str(acc, "number"), line, org,
		 phone ? ", тел. " : "", tel);
	return json_object_set_new(args, "subject", json_string(subject)) ||
			       json_object_set_new(args, "body", json_string(body))
		       ? AMR_ENOMEM
		       : 0;
}

/* Take invoice id into the pipeline: its receipt gathered now, drawn by
 * a worker. */
static void start(recmail *m, const char *id)
{
	struct jv_err err = { "" };
	struct filejob_file f;
	struct job *j = NULL;
	json_t *rec = NULL, *inv = NULL, *in = NULL;
	char period[MONTH_LEN], name[96];
	uint32_t b, a;
	MDB_txn *txn;
	int rc;

	if (!invstore_id_parse(id, period, &b, &a) || kv_read_begin(ledger_kv(m->l), &txn))
		return;
	if ((rc = recmail__get(m, txn, id, &rec)) || !is(rec, "state", "drawing")) {
		mdb_txn_abort(txn);
		json_decref(rec);
		return;
	}
	rc = invstore_invoice_get(m->is, txn, b, period, a, &inv);
	if (!rc)
		rc = recrpc_receipt_file(m->rr, txn, inv, &in, &f, name, sizeof name, &err);
	mdb_txn_abort(txn);
	if (rc) {
		snprintf(err.msg + strlen(err.msg), sizeof err.msg - strlen(err.msg), "%s",
			 err.msg[0] ? "" : amr_strerror(rc));
		settle(m, id, "failed", err.msg, NULL, 0);
		goto out_free;
	}
	if (!(j = calloc(1, sizeof *j)) ||
	    !(j->args = json_pack("{s:O, s:s, s:O, s:O, s:{s:s, s:s}}", "ref",
				  json_object_get(rec, "ref"), "channel", "email", "to",
				  json_object_get(rec, "to"), "actor",
				  json_object_get(rec, "actor"), "attachment", "name", name, "type",
				  "application/pdf")) ||
	    letter(json_array_get(json_object_get(in, "receipts"), 0), j->args) ||
	    json_object_set_new(m->busy, id, json_true())) {
		if (j)
			json_decref(j->args);
		free(j);
		goto out_free;
	}
	j->m = m;
	snprintf(j->id, sizeof j->id, "%s", id);
	if (filejob_make(recrpc_filejob(m->rr), in, &f, on_drawn, j)) {
		in = NULL;
		job_end(j, false);
		goto out_free;
	}
	in = NULL;
out_free:
	json_decref(in);
	json_decref(inv);
	json_decref(rec);
}

void recmail__pump(recmail *m)
{
	while (json_object_size(m->busy) < PARALLEL && json_array_size(m->todo)) {
		char id[INVSTORE_ID_LEN];

		snprintf(id, sizeof id, "%s", json_string_value(json_array_get(m->todo, 0)));
		json_array_remove(m->todo, 0);
		if (!json_object_get(m->busy, id))
			start(m, id);
	}
}

void recmail__on_message(void *ctx, const json_t *out)
{
	recmail *m = ctx;
	const char *ref = str(out, "ref"), *state = state_of(str(out, "state"));
	char id[INVSTORE_ID_LEN];
	size_t n;

	if (!ref || !state || strncmp(ref, REF_PREFIX, strlen(REF_PREFIX)))
		return;
	ref += strlen(REF_PREFIX);
	n = strlen(ref);
	if (n < 7 || n - 6 >= sizeof id || strcmp(ref + n - 6, "/email"))
		return;
	snprintf(id, sizeof id, "%.*s", (int)(n - 6), ref);
	settle(m, id, state, !strcmp(state, "sent") ? NULL : str(out, "why"), NULL, 0);
}

/* What a look at one "period/building/" finds. */
struct look {
	recmail *m;
	bool drawing, queued; /* any */
};

static int look_fn(const char *id, const json_t *rec, void *arg)
{
	struct look *k = arg;

	if (is(rec, "state", "drawing")) {
		k->drawing = true;
		if (!json_object_get(k->m->busy, id) &&
		    json_array_append_new(k->m->todo, json_string(id)))
			return AMR_ENOMEM;
	}
	k->queued |= is(rec, "state", "queued");
	return 0;
}

/* The poll: every message drawing and not in the pipeline is taken again,
 * the queued ones' outcomes read back from the delivery log, a place
 * whose messages are all settled is forgotten. */
static void poll_tick(void *arg)
{
	recmail *m = arg;
	const char *prefix;
	json_t *v, *gone = json_array();
	void *tmp;
	MDB_txn *txn;

	if (!gone || json_array_size(m->todo) || kv_read_begin(ledger_kv(m->l), &txn)) {
		json_decref(gone);
		return; /* the pipeline has work still */
	}
	json_object_foreach_safe(m->open, tmp, prefix, v) {
		struct look k = { m, false, false };
		char ref[KEY_PREFIX + 32];

		if (recmail__scan(m, txn, prefix, look_fn, &k))
			continue;
		if (k.queued) {
			snprintf(ref, sizeof ref, REF_PREFIX "%s", prefix);
			notecl_ask(m->nc, ref);
		}
		if (!k.drawing && !k.queued)
			json_array_append_new(gone, json_string(prefix));
	}
	mdb_txn_abort(txn);
	for (size_t i = 0; i < json_array_size(gone); i++)
		json_object_del(m->open, json_string_value(json_array_get(gone, i)));
	json_decref(gone);
	recmail__pump(m);
}

/* At start: every place with a message not settled is looked at. */
static int open_fn(const char *id, const json_t *rec, void *arg)
{
	recmail *m = arg;
	char prefix[KEY_PREFIX];

	if (!is(rec, "state", "drawing") && !is(rec, "state", "queued"))
		return 0;
	recmail__prefix_of(id, prefix);
	return json_object_set_new(m->open, prefix, json_true()) ? AMR_ENOMEM : 0;
}

amr_err recmail_create(recmail **out, struct svc *s, ledger *l, invstore *is, recrpc *rr,
		       notecl *nc, auditq *q, unsigned poll_s)
{
	recmail *m = calloc(1, sizeof *m);
	MDB_txn *txn;
	int rc;

	if (!m)
		return AMR_ENOMEM;
	*m = (struct recmail){
		.s = s, .l = l, .is = is, .rr = rr, .nc = nc, .q = q, .poll_s = poll_s
	};
	m->todo = json_array();
	m->busy = json_object();
	m->open = json_object();
	m->m_asked = metrics_get(s->metrics, METRIC_COUNTER, "amr_billing_receipt_emails_total",
				 "result=\"asked\"", "receipts handed to amr-notify to e-mail");
	m->m_failed = metrics_get(s->metrics, METRIC_COUNTER, "amr_billing_receipt_emails_total",
				  "result=\"failed\"", "receipts whose e-mail failed");
	if (!m->todo || !m->busy || !m->open || !m->m_asked || !m->m_failed) {
		rc = AMR_ENOMEM;
		goto out_fail;
	}
	if ((rc = kv_dbi(ledger_kv(l), "recmail", 0, &m->db)) ||
	    (rc = notecl_on(nc, REF_PREFIX, recmail__on_message, m)) ||
	    (rc = kv_read_begin(ledger_kv(l), &txn)))
		goto out_fail;
	rc = recmail__scan(m, txn, "", open_fn, m);
	mdb_txn_abort(txn);
	if (rc)
		goto out_fail;
	if (!(m->timer = loop_timer_add(s->loop, poll_s * 1000u, true, poll_tick, m))) {
		rc = AMR_ENOMEM;
		goto out_fail;
	}
	if (json_object_size(m->open))
		log_info("receipts' e-mails: %zu periods with messages not settled",
			 json_object_size(m->open));
	*out = m;
	return AMR_OK;
out_fail:
	recmail_destroy(m);
	return rc;
}

void recmail_destroy(recmail *m)
{
	if (!m)
		return;
	if (m->timer)
		loop_timer_cancel(m->s->loop, m->timer);
	json_decref(m->todo);
	json_decref(m->busy);
	json_decref(m->open);
	free(m);
}
