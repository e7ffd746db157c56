/*
 * journal.c - every account's money entries, in date order, in
 * amr-billing's LMDB environment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "log.h"

#define DATE_BYTES 10			/* "YYYY-MM-DD" in a key, no NUL */
#define KEY_BYTES  (4 + DATE_BYTES + 8) /* account | date | seq */
#define AT_BYTES   (4 + DATE_BYTES)	/* account | date */

struct journal {
	MDB_dbi jrn, jseq, jmeta; /* databases */
};

static const char *const kind_names[JOURNAL_KIND_END] = {
	[JOURNAL_OPENING] = "opening",	     [JOURNAL_CHARGE] = "charge",
	[JOURNAL_PAYMENT] = "payment",	     [JOURNAL_REVERSAL] = "reversal",
	[JOURNAL_ADJUSTMENT] = "adjustment", [JOURNAL_PENALTY] = "penalty",
};

const char *journal_kind_name(enum journal_kind k)
{
	return k > 0 && k < JOURNAL_KIND_END ? kind_names[k] : NULL;
}

int journal_kind_parse(const char *name)
{
	for (int k = 1; name && k < JOURNAL_KIND_END; k++)
		if (!strcmp(name, kind_names[k]))
			return k;
	return -1;
}

amr_err journal_open(journal **out, kv *k)
{
	journal *j = calloc(1, sizeof *j);
	amr_err rc;

	if (!j)
		return AMR_ENOMEM;
	if ((rc = kv_dbi(k, "jrn", 0, &j->jrn)) || (rc = kv_dbi(k, "jseq", 0, &j->jseq)) ||
	    (rc = kv_dbi(k, "jmeta", 0, &j->jmeta))) {
		free(j);
		return rc;
	}
	*out = j;
	return AMR_OK;
}

void journal_close(journal *j)
{
	free(j);
}

/* "YYYY-MM": a month of years 1900..2999. */
static bool period_ok(const char *s)
{
	char d[MODEL_DATE_LEN];

	if (strlen(s) != 7)
		return false;
	memcpy(d, s, 7);
	memcpy(d + 7, "-01", 4);
	return model_date_ok(d);
}

/*
 * Read the parts of rec every reader needs into e. Returns AMR_OK or
 * AMR_EINVAL (a malformed entry).
 */
static amr_err entry_read(const json_t *rec, struct journal_entry *e)
{
	json_t *acc = json_object_get(rec, "account"), *per = json_object_get(rec, "period");
	const char *date = json_string_value(json_object_get(rec, "date"));
	const char *amount = json_string_value(json_object_get(rec, "amount"));
	int kind = journal_kind_parse(json_string_value(json_object_get(rec, "kind")));
	struct jv_err err;

	if (!json_is_integer(acc) || json_integer_value(acc) < 1 ||
	    json_integer_value(acc) > MODEL_ID_MAX || !date || !model_date_ok(date) || kind < 0 ||
	    !amount || money_parse(amount, "amount", true, &e->amount, &err) || !e->amount)
		return AMR_EINVAL;
	if (per && (!json_is_string(per) || !period_ok(json_string_value(per))))
		return AMR_EINVAL;
	e->account = (uint32_t)json_integer_value(acc);
	memcpy(e->date, date, MODEL_DATE_LEN);
	e->kind = (enum journal_kind)kind;
	snprintf(e->period, sizeof e->period, "%s", per ? json_string_value(per) : "");
	e->rec = rec;
	return AMR_OK;
}

static void pack_at(uint8_t *kb, uint32_t account, const char *date)
{
	kv_pack_u32(kb, account);
	memcpy(kb + 4, date, DATE_BYTES);
}

int journal_add(journal *j, MDB_txn *txn, json_t *entry, uint64_t *seq)
{
	uint8_t kb[KEY_BYTES], sb[8], mb[8];
	MDB_val mk = { 3, "seq" }, mv, k, v;
	struct journal_entry e;
	uint64_t last = 0;
	char *text;
	int rc;

	if (entry_read(entry, &e)) {
		log_error("journal: a malformed entry was refused (a bug in its writer)");
		return AMR_EINVAL;
	}
	rc = mdb_get(txn, j->jmeta, &mk, &mv);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (!rc && mv.mv_size == 8)
		last = kv_unpack_u64(mv.mv_data);
	if (json_object_set_new(entry, "seq", json_integer((json_int_t)++last)))
		return AMR_ENOMEM;
	if (!(text = json_dumps(entry, JSON_COMPACT)))
		return AMR_ENOMEM;
	pack_at(kb, e.account, e.date);
	kv_pack_u64(kb + AT_BYTES, last);
	k = (MDB_val){ KEY_BYTES, kb };
	v = (MDB_val){ strlen(text), text };
	rc = mdb_put(txn, j->jrn, &k, &v, MDB_NOOVERWRITE);
	free(text);
	if (rc)
		return rc;
	kv_pack_u64(sb, last);
	k = (MDB_val){ 8, sb };
	v = (MDB_val){ AT_BYTES, kb };
	if ((rc = mdb_put(txn, j->jseq, &k, &v, MDB_NOOVERWRITE)))
		return rc;
	kv_pack_u64(mb, last);
	mv = (MDB_val){ 8, mb };
	if ((rc = mdb_put(txn, j->jmeta, &mk, &mv, 0)))
		return rc;
	*seq = last;
	return 0;
}

amr_err journal_get(journal *j, MDB_txn *txn, uint64_t seq, json_t **out)
{
	uint8_t sb[8], kb[KEY_BYTES];
	MDB_val k = { 8, sb }, v;
	int rc;

	kv_pack_u64(sb, seq);
	if ((rc = mdb_get(txn, j->jseq, &k, &v)))
		return rc == MDB_NOTFOUND ? AMR_ENOTFOUND : kv_err(rc);
	if (v.mv_size != AT_BYTES)
		return AMR_EDB;
	memcpy(kb, v.mv_data, AT_BYTES);
	kv_pack_u64(kb + AT_BYTES, seq);
	k = (MDB_val){ KEY_BYTES, kb };
	if ((rc = mdb_get(txn, j->jrn, &k, &v)))
		return rc == MDB_NOTFOUND ? AMR_EDB : kv_err(rc);
	if (!(*out = json_loadb(v.mv_data, v.mv_size, 0, NULL))) {
		log_error("journal: entry %llu does not parse", (unsigned long long)seq);
		return AMR_EDB;
	}
	return AMR_OK;
}

int journal_scan(journal *j, MDB_txn *txn, uint32_t account, const char *from, const char *to,
		 int (*fn)(const struct journal_entry *e, void *arg), void *arg)
{
	uint8_t kb[KEY_BYTES] = { 0 };
	MDB_val k = { KEY_BYTES, kb }, v;
	MDB_cursor *cur;
	int rc, op = MDB_SET_RANGE;

	pack_at(kb, account, from ? from : "0000-00-00");
	if ((rc = mdb_cursor_open(txn, j->jrn, &cur)))
		return kv_err(rc);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		const uint8_t *p = k.mv_data;
		struct journal_entry e;
		json_t *rec;

		op = MDB_NEXT;
		if (k.mv_size != KEY_BYTES || kv_unpack_u32(p) != account ||
		    (to && memcmp(p + 4, to, DATE_BYTES) >= 0))
			break;
		if (!(rec = json_loadb(v.mv_data, v.mv_size, 0, NULL)) || entry_read(rec, &e)) {
			log_error("journal: an entry of account %u does not parse", account);
			json_decref(rec);
			rc = AMR_EDB;
			goto out_close;
		}
		e.seq = kv_unpack_u64(p + AT_BYTES);
		rc = fn(&e, arg);
		json_decref(rec);
		if (rc)
			goto out_close;
	}
	rc = rc == MDB_NOTFOUND || rc == 0 ? 0 : kv_err(rc);
out_close:
	mdb_cursor_close(cur);
	return rc == 1 ? 0 : rc;
}

struct sum {
	const char *date; /* the last date counted, or NULL */
	money_kop total;
};

static int sum_fn(const struct journal_entry *e, void *arg)
{
	struct sum *s = arg;

	if (s->date && strcmp(e->date, s->date) > 0)
		return 1;
	s->total += e->amount;
	return 0;
}

int journal_balance(journal *j, MDB_txn *txn, uint32_t account, const char *date, money_kop *out)
{
	struct sum s = { date, 0 };
	int rc = journal_scan(j, txn, account, NULL, NULL, sum_fn, &s);

	if (!rc)
		*out = s.total;
	return rc;
}
