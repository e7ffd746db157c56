/*
 * payments_import.c - a bank's payment registry imported (payment.import):
 * every line's fate worked out in one write transaction (taken into the
 * journal of the account it names, skipped because its reference came
 * before, into the suspense list when no account has its number, or
 * refused), with the import's record and its audit records; a preview is
 * the same transaction rolled back, so it says exactly what applying
 * would do and changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bankreg.h"
#include "log.h"
#include "payments_int.h"
#include "rpc_file.h"

#define ANSWER_LINES_MAX 1000 /* entries, and refused lines, in an answer */
#define AUDIT_LINES	 200  /* lines in one audit record of an import */
#define BANK_MAX	 32   /* bytes of a bank's code */

struct import {
	payments *p;
	const char *actor, *reason;	  /* who and why (reason may be NULL) */
	const char *bank, *name;	  /* the bank's code, the file's name */
	uint32_t org;			  /* whose accounts */
	bool apply;			  /* false: a preview */
	const struct bankreg *reg;	  /* the file read */
	char sha256[RPC_FILE_SHA256_HEX]; /* of the file */
	/* what the transaction found (set again if it runs again) */
	uint32_t id;			   /* the import's number */
	unsigned n[PAYMENTS__RESULTS];	   /* lines of each fate */
	money_kop sum_taken, sum_suspense; /* what they paid */
	json_t *entries;		   /* each line's fate, for the answer */
	json_t *refused;		   /* the refused lines, for the answer */
	json_t *changed;		   /* fates of lines taken or put in suspense */
	json_t *record;			   /* the import's record */
	bool rolled_back;		   /* a preview, or nothing new: nothing stored */
	struct jv_err *err;
};

static int set_str(json_t *o, const char *name, const char *v)
{
	return *v ? json_object_set_new(o, name, json_string(v)) : 0;
}

/* A new record of line l as the bank wrote it: what a payment entry is made
 * of, and a suspense line when no account has its number. */
static json_t *line_record(struct import *c, const struct bankreg_line *l)
{
	char buf[MONEY_STR_MAX];
	json_t *s = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "org",
			      (json_int_t)c->org, "bank", c->bank, "reference", l->reference,
			      "date", l->date, "amount", money_format(l->amount, buf), "account",
			      l->account, "import", (json_int_t)c->id, "line", (json_int_t)l->line,
			      "name", c->name);

	if (s && !set_str(s, "period", l->period) && !set_str(s, "payer", l->payer) &&
	    !set_str(s, "address", l->address))
		return s;
	json_decref(s);
	return NULL;
}

/* Work out line l's fate inside txn into *fate (new). */
static int line_take(struct import *c, MDB_txn *txn, const struct bankreg_line *l, json_t **fate)
{
	enum payments__result r = PAYMENTS__REFUSED;
	char key[160], buf[MONEY_STR_MAX];
	uint32_t holder = 0, account = 0, sid;
	json_t *f, *e, *rec;
	uint64_t seq;
	int rc;

	*fate = f = json_pack("{s:I}", "line", (json_int_t)l->line);
	if (!f)
		return AMR_ENOMEM;
	if (l->refused) {
		rc = json_object_set_new(f, "reason", json_string(l->refused)) ? AMR_ENOMEM : 0;
		goto out_result;
	}
	if (json_object_set_new(f, "reference", json_string(l->reference)) ||
	    json_object_set_new(f, "date", json_string(l->date)) ||
	    json_object_set_new(f, "amount", json_string(money_format(l->amount, buf))) ||
	    set_str(f, "number", l->account))
		return AMR_ENOMEM;
	/* the bank's reference once per organisation and bank */
	snprintf(key, sizeof key, "payment %u:%s:%s", c->org, c->bank, l->reference);
	rc = ledger_claim(c->p->l, txn, key, c->id, &holder);
	if (rc == AMR_EEXIST) {
		r = PAYMENTS__SKIPPED;
		rc = json_object_set_new(f, "import", json_integer(holder)) ? AMR_ENOMEM : 0;
		goto out_result;
	}
	if (rc ||
	    (*l->account && (rc = acctarg_by_number(c->p->l, txn, c->org, l->account, &account))))
		return rc;
	if (!(rec = line_record(c, l)))
		return AMR_ENOMEM;
	if (account) {
		r = PAYMENTS__TAKEN;
		rc = (e = payments__line_entry(rec, account, c->actor))
			     ? journal_add(c->p->j, txn, e, &seq)
			     : AMR_ENOMEM;
		json_decref(e);
		json_decref(rec);
		if (rc)
			return rc;
		if (json_object_set_new(f, "account", json_integer(account)) ||
		    json_object_set_new(f, "seq", json_integer((json_int_t)seq)))
			return AMR_ENOMEM;
		c->sum_taken += l->amount;
	} else {
		r = PAYMENTS__SUSPENSE;
		rc = json_object_set_new(rec, "state", json_string("open")) ||
				     json_object_set_new(rec, "created", json_integer(svc_now()))
			     ? AMR_ENOMEM
			     : recstore_add(c->p->susp, txn, rec, &sid);
		json_decref(rec);
		if (rc)
			return rc;
		if (json_object_set_new(f, "suspense", json_integer(sid)))
			return AMR_ENOMEM;
		c->sum_suspense += l->amount;
	}
	if (json_array_append(c->changed, f))
		return AMR_ENOMEM;
out_result:
	c->n[r]++;
	if (rc || json_object_set_new(f, "result", json_string(payments__result_name(r))))
		return AMR_ENOMEM;
	return 0;
}

/* The import's record: the file and what became of its lines. */
static json_t *import_record(const struct import *c)
{
	char taken[MONEY_STR_MAX], susp[MONEY_STR_MAX];

	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, "
			 "s:s?, s:I}",
			 "id", (json_int_t)c->id, "org", (json_int_t)c->org, "bank", c->bank,
			 "name", c->name, "sha256", c->sha256, "encoding", c->reg->encoding,
			 "lines", (json_int_t)c->reg->n, "taken", (json_int_t)c->n[PAYMENTS__TAKEN],
			 "skipped", (json_int_t)c->n[PAYMENTS__SKIPPED], "suspense",
			 (json_int_t)c->n[PAYMENTS__SUSPENSE], "refused",
			 (json_int_t)c->n[PAYMENTS__REFUSED], "sum_taken",
			 money_format(c->sum_taken, taken), "sum_suspense",
			 money_format(c->sum_suspense, susp), "actor", c->actor, "reason",
			 c->reason, "ts", (json_int_t)svc_now());
}

/* The audit records of an applied import: its record and the lines that
 * changed something, AUDIT_LINES a record, so each stays small. */
static int import_audit(struct import *c, MDB_txn *txn)
{
	size_t n = json_array_size(c->changed), parts = (n + AUDIT_LINES - 1) / AUDIT_LINES;
	char target[64], why[400];
	int rc = 0;

	snprintf(target, sizeof target, "billing/import/%u", c->id);
	snprintf(why, sizeof why, "bank registry %s of %s", c->name, c->bank);
	for (size_t k = 0; k < parts && !rc; k++) {
		json_t *lines = json_array();

		for (size_t i = k * AUDIT_LINES; lines && i < n && i < (k + 1) * AUDIT_LINES; i++)
			json_array_append(lines, json_array_get(c->changed, i));
		rc = payments__audit(c->p, txn, c->actor, "payment.import", target,
				     json_pack("{s:O, s:o*, s:I, s:I}", "import", c->record,
					       "lines", lines, "part", (json_int_t)k + 1, "parts",
					       (json_int_t)parts),
				     c->reason ? c->reason : why);
	}
	return rc;
}

static void reset(struct import *c)
{
	json_decref(c->entries);
	json_decref(c->refused);
	json_decref(c->changed);
	json_decref(c->record);
	c->entries = json_array();
	c->refused = json_array();
	c->changed = json_array();
	c->record = NULL;
	memset(c->n, 0, sizeof c->n);
	c->sum_taken = c->sum_suspense = 0;
	c->rolled_back = false;
}

static int import_txn(MDB_txn *txn, void *arg)
{
	struct import *c = arg;
	json_t *org = NULL, *fate, *placeholder;
	int rc;

	reset(c);
	if (!c->entries || !c->refused || !c->changed)
		return AMR_ENOMEM;
	rc = ledger_get(c->p->l, txn, MODEL_ORG, c->org, &org);
	json_decref(org);
	if (rc == AMR_ENOTFOUND) {
		jv_fail(c->err, "org: there is no org %u", c->org);
		return AMR_ENOTFOUND;
	}
	if (rc)
		return rc;
	/* the import's number first: the references are claimed for it */
	if (!(placeholder = json_object()))
		return AMR_ENOMEM;
	rc = recstore_add(c->p->imports, txn, placeholder, &c->id);
	json_decref(placeholder);
	if (rc)
		return rc;
	for (size_t i = 0; i < c->reg->n; i++) {
		const struct bankreg_line *l = &c->reg->lines[i];
		json_t *to = l->refused ? c->refused : c->entries;

		if ((rc = line_take(c, txn, l, &fate))) {
			json_decref(fate);
			return rc;
		}
		if (json_array_size(to) < ANSWER_LINES_MAX && json_array_append(to, fate))
			rc = AMR_ENOMEM;
		json_decref(fate);
		if (rc)
			return rc;
	}
	if (!(c->record = import_record(c)))
		return AMR_ENOMEM;
	if (!c->apply || !json_array_size(c->changed)) {
		c->rolled_back = true; /* kv_write aborts: nothing was stored */
		return AMR_ESTATE;
	}
	if ((rc = recstore_put(c->p->imports, txn, c->id, c->record)))
		return rc;
	return import_audit(c, txn);
}

/* The answer: what became of the lines (of the first ANSWER_LINES_MAX of
 * each list). */
static json_t *import_result(const struct import *c)
{
	size_t left_e = c->reg->n - c->n[PAYMENTS__REFUSED] - json_array_size(c->entries),
	       left_r = c->n[PAYMENTS__REFUSED] - json_array_size(c->refused);
	bool stored = c->apply && !c->rolled_back;
	json_t *res = json_deep_copy(c->record);

	if (!res ||
	    json_object_set_new(res, "import", stored ? json_integer(c->id) : json_null()) ||
	    json_object_set_new(res, "applied", json_boolean(c->apply)) ||
	    json_object_set(res, "refused", c->refused) ||
	    json_object_set(res, "entries", c->entries) ||
	    (left_e &&
	     json_object_set_new(res, "entries_left_off", json_integer((json_int_t)left_e))) ||
	    (left_r &&
	     json_object_set_new(res, "refused_left_off", json_integer((json_int_t)left_r)))) {
		json_decref(res);
		return NULL;
	}
	json_object_del(res, "id");
	json_object_del(res, "ts");
	return res;
}

static bool bank_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_'))
			return false;
	return true;
}

/* After an applied import: its lines counted, the suspense gauge. */
static void applied(struct import *c)
{
	for (int r = 0; r < PAYMENTS__RESULTS; r++)
		metric_add(c->p->m_lines[r], c->n[r]);
	if (c->rolled_back)
		return;
	metric_add(c->p->m_registry, c->n[PAYMENTS__TAKEN]);
	metric_add(c->p->m_open, c->n[PAYMENTS__SUSPENSE]);
	log_info("payment.import %u: org %u, %s, %s: %zu lines, %u taken, %u skipped, %u in "
		 "suspense, %u refused, by %s",
		 c->id, c->org, c->bank, c->name, c->reg->n, c->n[PAYMENTS__TAKEN],
		 c->n[PAYMENTS__SKIPPED], c->n[PAYMENTS__SUSPENSE], c->n[PAYMENTS__REFUSED],
		 c->actor);
	auditq_flush(c->p->q);
}

void payments__import(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "actor", "reason", "org",	 "bank",  "name",   "text",
					      "apply", "upload", "part", "parts", "sha256", NULL };
	struct jv_err err = { "" };
	struct import c = { .p = ctx, .err = &err };
	struct bankreg *reg = NULL;
	unsigned char *data = NULL;
	char today[MODEL_DATE_LEN];
	json_t *res = NULL;
	const char *sha;
	long long org;
	size_t size = 0;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &c.actor, &err)) ||
	    (rc = jv_str(args, "reason", false, NULL, 1, 500, &c.reason, &err)) ||
	    (rc = jv_int(args, "org", true, 0, 1, MODEL_ID_MAX, &org, &err)) ||
	    (rc = jv_str(args, "bank", true, NULL, 1, BANK_MAX, &c.bank, &err)) ||
	    (rc = jv_str(args, "name", true, NULL, 1, RPC_FILE_NAME_MAX, &c.name, &err)) ||
	    (rc = jv_bool(args, "apply", false, false, &c.apply, &err)) ||
	    (rc = jv_str(args, "sha256", false, NULL, 64, 64, &sha, &err)))
		goto out_reply;
	c.org = (uint32_t)org;
	if (!bank_ok(c.bank)) {
		rc = jv_fail(&err, "bank: \"%s\": small Latin letters, digits, '-' and '_' (sber)",
			     c.bank);
		goto out_reply;
	}
	if ((rc = payments__upload_take(c.p->up, args, svc_now(), &data, &size, &res, &err)) || res)
		goto out_reply; /* a part kept: res says how far the file has come */
	rpc_file_sha256(data, size, c.sha256);
	if (sha && strcmp(sha, c.sha256)) {
		rc = jv_fail(&err, "sha256: the file that came is %s, not %s; send it again",
			     c.sha256, sha);
		goto out_reply;
	}
	payments__today(today);
	if ((rc = bankreg_parse(data, size, today, &reg, &err)))
		goto out_reply;
	c.reg = reg;
	rc = kv_write(ledger_kv(c.p->l), import_txn, &c);
	if (rc == AMR_ESTATE && c.rolled_back)
		rc = 0;
	if (!rc && c.apply)
		applied(&c);
	if (!rc && !(res = import_result(&c)))
		rc = AMR_ENOMEM;
out_reply:
	free(data);
	bankreg_free(reg);
	json_decref(c.entries);
	json_decref(c.refused);
	json_decref(c.changed);
	json_decref(c.record);
	payments__reply(c.p, "payment.import", req, rc, &err, res);
}
