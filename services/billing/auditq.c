/*
 * auditq.c - the audit outbox: committed with the change, published after,
 * removed when the broker hands it back.
 */
#include <stdlib.h>
#include <string.h>

#include "auditq.h"
#include "log.h"
#include "proto.h"

#define SERVICE "billing"

struct auditq {
	kv *k;		     /* borrowed */
	struct svc *s;	     /* borrowed */
	MDB_dbi box, meta;   /* outbox, its counter */
	bool publish;	     /* false: hold everything (tests) */
	uint64_t timer;	     /* resend timer */
	uint64_t published;  /* highest seq published since start */
	uint64_t mark;	     /* published at the last resend tick */
	metric *m_pending;   /* gauge: records in the outbox */
	metric *m_published; /* records published (repeats too) */
	metric *m_confirmed; /* records that came back */
	metric *m_failed;    /* publishes the client refused */
};

uint64_t auditq_pending(auditq *q)
{
	MDB_txn *txn;
	MDB_stat st = { 0 };

	if (kv_read_begin(q->k, &txn))
		return 0;
	mdb_stat(txn, q->box, &st);
	mdb_txn_abort(txn);
	return st.ms_entries;
}

/* Publish the records with seq in (from, upto]; returns the last seq
 * published, or from when none could be. */
static uint64_t publish_range(auditq *q, uint64_t from, uint64_t upto)
{
	uint8_t kb[8];
	MDB_val k = { 8, kb }, v;
	MDB_cursor *cur;
	MDB_txn *txn;
	uint64_t last = from;
	int op = MDB_SET_RANGE;

	if (!q->publish || kv_read_begin(q->k, &txn))
		return from;
	kv_pack_u64(kb, from + 1);
	if (mdb_cursor_open(txn, q->box, &cur)) {
		mdb_txn_abort(txn);
		return from;
	}
	while (mdb_cursor_get(cur, &k, &v, op) == 0) {
		uint64_t seq = k.mv_size == 8 ? kv_unpack_u64(k.mv_data) : 0;
		amr_err rc;

		op = MDB_NEXT;
		if (seq > upto)
			break;
		rc = mq_publish(q->s->mq, PROTO_TOPIC_AUDIT, v.mv_data, v.mv_size, 1, false);
		if (rc) {
			/* the client's buffer is full: the next tick tries again */
			metric_add(q->m_failed, 1);
			log_warn("audit seq=%llu not published: %s", (unsigned long long)seq,
				 amr_strerror(rc));
			break;
		}
		metric_add(q->m_published, 1);
		last = seq;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return last;
}

void auditq_flush(auditq *q)
{
	q->published = publish_range(q, q->published, UINT64_MAX);
	metric_set(q->m_pending, (int64_t)auditq_pending(q));
}

/* Every resend interval: what was published a tick ago and has not come
 * back goes out again. */
static void tick(void *arg)
{
	auditq *q = arg;

	if (q->mark && mq_connected(q->s->mq))
		publish_range(q, 0, q->mark);
	q->mark = q->published;
	auditq_flush(q);
}

amr_err auditq_create(auditq **out, kv *k, struct svc *s, bool publish, unsigned resend_s)
{
	auditq *q = calloc(1, sizeof *q);

	if (!q)
		return AMR_ENOMEM;
	q->k = k;
	q->s = s;
	q->publish = publish;
	if (kv_dbi(k, "outbox", 0, &q->box) || kv_dbi(k, "outbox_meta", 0, &q->meta)) {
		free(q);
		return AMR_EDB;
	}
	q->m_pending = metrics_get(s->metrics, METRIC_GAUGE, "amr_billing_audit_pending", NULL,
				   "Audit records in the outbox, not yet back from the broker.");
	q->m_published = metrics_get(s->metrics, METRIC_COUNTER,
				     "amr_billing_audit_published_total", NULL,
				     "Audit records published (repeats included).");
	q->m_confirmed = metrics_get(
		s->metrics, METRIC_COUNTER, "amr_billing_audit_confirmed_total", NULL,
		"Audit records that came back from the broker and left the outbox.");
	q->m_failed = metrics_get(s->metrics, METRIC_COUNTER, "amr_billing_audit_failed_total",
				  NULL,
				  "Audit publishes the MQTT client refused (tried again later).");
	q->timer = loop_timer_add(s->loop, resend_s * 1000u, true, tick, q);
	if (!q->m_pending || !q->m_published || !q->m_confirmed || !q->m_failed || !q->timer) {
		auditq_destroy(q);
		return AMR_ENOMEM;
	}
	*out = q;
	return AMR_OK;
}

void auditq_destroy(auditq *q)
{
	if (!q)
		return;
	if (q->timer)
		loop_timer_cancel(q->s->loop, q->timer);
	free(q);
}

int auditq_append(auditq *q, MDB_txn *txn, json_t *rec)
{
	uint8_t nb[8];
	MDB_val mk = { 3, "seq" }, v;
	uint64_t seq = 0;
	char *text;
	int rc = mdb_get(txn, q->meta, &mk, &v);

	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (!rc && v.mv_size == 8)
		seq = kv_unpack_u64(v.mv_data);
	kv_pack_u64(nb, ++seq);
	v = (MDB_val){ 8, nb };
	if ((rc = mdb_put(txn, q->meta, &mk, &v, 0)))
		return rc;
	if (json_object_set_new(rec, "service", json_string(SERVICE)) ||
	    json_object_set_new(rec, "seq", json_integer((json_int_t)seq)) ||
	    !(text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS)))
		return AMR_ENOMEM;
	mk = (MDB_val){ 8, nb };
	v = (MDB_val){ strlen(text), text };
	rc = mdb_put(txn, q->box, &mk, &v, 0);
	free(text);
	return rc;
}

struct confirm {
	auditq *q;
	uint64_t seq;
	bool found;
};

static int confirm_txn(MDB_txn *txn, void *arg)
{
	struct confirm *c = arg;
	uint8_t kb[8];
	MDB_val k = { 8, kb };
	int rc;

	kv_pack_u64(kb, c->seq);
	rc = mdb_del(txn, c->q->box, &k, NULL);
	c->found = rc == 0;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

void auditq_on_audit(void *ctx, const struct mq_msg *msg)
{
	auditq *q = ctx;
	json_t *rec = json_loadb(msg->payload, msg->len, 0, NULL);
	const char *svc = json_string_value(json_object_get(rec, "service"));
	json_t *seq = json_object_get(rec, "seq");
	struct confirm c = { q, 0, false };

	if (svc && !strcmp(svc, SERVICE) && json_is_integer(seq) && json_integer_value(seq) > 0) {
		c.seq = (uint64_t)json_integer_value(seq);
		if (kv_write(q->k, confirm_txn, &c) == AMR_OK && c.found) {
			metric_add(q->m_confirmed, 1);
			metric_set(q->m_pending, (int64_t)auditq_pending(q));
		}
	}
	json_decref(rec);
}
