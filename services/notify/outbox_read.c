/*
 * outbox_read.c - what the outbox tells without changing: the delivery
 * log (notify/messages) and the channels' health (notify/channels).
 */
#include <string.h>

#include "kvjson.h"
#include "outbox_int.h"

/* True when f keeps message rec. */
static bool keeps(const struct outbox_filter *f, const json_t *rec)
{
	const char *ref = json_string_value(json_object_get(rec, "ref"));

	if (f->alarm && json_integer_value(json_object_get(rec, "alarm")) != f->alarm)
		return false;
	return !f->ref || (ref && !strncmp(ref, f->ref, strlen(f->ref)));
}

amr_err outbox_list(outbox *b, const struct outbox_filter *f, json_t **out)
{
	json_t *list = json_array();
	MDB_cursor *c = NULL;
	MDB_txn *txn = NULL;
	MDB_val key, val;
	int rc;

	if (!list)
		return AMR_ENOMEM;
	if ((rc = kv_read_begin(b->k, &txn)) || (rc = kv_err(mdb_cursor_open(txn, b->box, &c))))
		goto out;
	for (rc = mdb_cursor_get(c, &key, &val, MDB_LAST);
	     !rc && json_array_size(list) < (f->limit ? f->limit : 100);
	     rc = mdb_cursor_get(c, &key, &val, MDB_PREV)) {
		json_t *rec = json_loadb(val.mv_data, val.mv_size, 0, NULL);

		if (rec && keeps(f, rec)) {
			json_t *att = json_object_get(rec, "attachment");
			const char *data = json_string_value(json_object_get(att, "data"));

			/* the file is the mail's, not the log's: its size */
			if (data) {
				json_object_set_new(
					att, "bytes",
					json_integer((json_int_t)(strlen(data) / 4 * 3)));
				json_object_del(att, "data");
			}
			json_array_append_new(list, rec);
		} else {
			json_decref(rec);
		}
	}
	rc = rc && rc != MDB_NOTFOUND ? kv_err(rc) : AMR_OK;
	if (!rc && !(*out = json_pack("{s:O}", "messages", list)))
		rc = AMR_ENOMEM;
out:
	if (c)
		mdb_cursor_close(c);
	if (txn)
		mdb_txn_abort(txn);
	json_decref(list);
	return rc;
}

json_t *outbox_health(outbox *b)
{
	json_t *out = json_pack("{s:[]}", "channels"), *chs = json_object_get(out, "channels");
	MDB_txn *txn = NULL;
	MDB_stat ms;
	MDB_cursor *c;
	MDB_val key, val;

	for (size_t i = 0; chs && i < b->n; i++) {
		const struct chstat *st = &b->st[i];
		json_t *e = json_pack("{s:s, s:I, s:I, s:I}", "channel", b->t[i].name, "sent",
				      (json_int_t)st->sent, "retried", (json_int_t)st->retried,
				      "failed", (json_int_t)st->failed);

		if (e && st->last_ok)
			json_object_set_new(e, "last_ok", json_integer((json_int_t)st->last_ok));
		if (e && st->last_error)
			json_object_set_new(e, "last_error",
					    json_pack("{s:I, s:s}", "ts",
						      (json_int_t)st->last_error, "why", st->why));
		json_array_append_new(chs, e);
	}
	if (!out || kv_read_begin(b->k, &txn))
		return out;
	if (!mdb_stat(txn, b->due, &ms))
		json_object_set_new(out, "queued", json_integer((json_int_t)ms.ms_entries));
	if (!mdb_cursor_open(txn, b->due, &c)) {
		if (!mdb_cursor_get(c, &key, &val, MDB_FIRST) && key.mv_size >= 8)
			json_object_set_new(out, "next_due",
					    json_integer((json_int_t)kv_unpack_u64(key.mv_data)));
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	return out;
}
