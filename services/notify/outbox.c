#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvjson.h"
#include "log.h"
#include "outbox_int.h"
#include "svc.h"

#define RETRY_MAX_S 3600 /* the longest wait between two tries */

/* The message with the sender: a copy, so the sender needs no LMDB. */
struct job {
	outbox *b;
	uint64_t id;
	const struct transport *t;
	json_t *msg; /* the record (owned) */
	enum transport_result result;
	char why[WHY_LEN];
	json_t *out; /* the record as the outcome left it */
};

static const struct transport *channel(const outbox *b, const char *name)
{
	for (size_t i = 0; name && i < b->n; i++)
		if (!strcmp(b->t[i].name, name))
			return &b->t[i];
	return NULL;
}

bool outbox_has(const outbox *b, const char *name)
{
	return channel(b, name) != NULL;
}

static void id_key(uint8_t k[8], uint64_t id)
{
	kv_pack_u64(k, id);
}

static void due_key(uint8_t k[16], int64_t next, uint64_t id)
{
	kv_pack_u64(k, (uint64_t)next);
	kv_pack_u64(k + 8, id);
}

static int put_rec(outbox *b, MDB_txn *txn, uint64_t id, const json_t *rec)
{
	uint8_t kb[8];

	id_key(kb, id);
	return kv_put_json(txn, b->box, kb, 8, rec);
}

static int get_rec(outbox *b, MDB_txn *txn, uint64_t id, json_t **out)
{
	uint8_t kb[8];
	int rc;

	id_key(kb, id);
	rc = kv_get_json(txn, b->box, kb, 8, out);
	return rc == MDB_NOTFOUND ? AMR_ENOTFOUND : rc;
}

static int set_due(outbox *b, MDB_txn *txn, int64_t next, uint64_t id)
{
	uint8_t kb[16];
	MDB_val key = { 16, kb }, val = { 0, "" };

	due_key(kb, next, id);
	return mdb_put(txn, b->due, &key, &val, 0);
}

int outbox_put_txn(outbox *b, MDB_txn *txn, const json_t *msg, uint64_t *id)
{
	const char *ch = json_string_value(json_object_get(msg, "channel"));
	int64_t now = svc_now(), at = json_integer_value(json_object_get(msg, "next"));
	const char *ref = json_string_value(json_object_get(msg, "ref"));
	MDB_cursor *c;
	MDB_val key, val;
	json_t *rec = NULL, *more;
	char k[48];
	int rc;

	if (!channel(b, ch))
		return AMR_EINVAL;
	if ((rc = mdb_cursor_open(txn, b->box, &c)))
		return rc;
	rc = mdb_cursor_get(c, &key, &val, MDB_LAST);
	*id = rc ? 1 : kv_unpack_u64(key.mv_data) + 1;
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	snprintf(k, sizeof k, "%lld.%llu",
		 (long long)json_integer_value(json_object_get(msg, "alarm")),
		 (unsigned long long)*id);
	if (at < now)
		at = now; /* at once, unless it must wait (quiet hours) */
	more = json_pack("{s:I, s:s, s:s, s:i, s:I, s:I}", "id", (json_int_t)*id, "key", k, "state",
			 "queued", "attempts", 0, "next", (json_int_t)at, "created",
			 (json_int_t)now);
	if (!more || !(rec = json_deep_copy(msg)) || json_object_update(rec, more)) {
		json_decref(more);
		json_decref(rec);
		return AMR_ENOMEM;
	}
	json_decref(more);
	rc = put_rec(b, txn, *id, rec);
	json_decref(rec);
	if (!rc && ref) {
		uint8_t kb[8];
		MDB_val rk = { strlen(ref), (void *)ref }, rv = { 8, kb };

		id_key(kb, *id);
		rc = mdb_put(txn, b->ref, &rk, &rv, MDB_NOOVERWRITE);
	}
	if (!rc)
		rc = set_due(b, txn, at, *id);
	if (!rc)
		metric_add(b->m_queued, 1);
	return rc;
}

struct put {
	outbox *b;
	const json_t *msg;
	uint64_t id;
};

static int put_txn(MDB_txn *txn, void *arg)
{
	struct put *p = arg;

	return outbox_put_txn(p->b, txn, p->msg, &p->id);
}

amr_err outbox_put(outbox *b, const json_t *msg, uint64_t *id)
{
	struct put p = { b, msg, 0 };
	amr_err rc = kv_write(b->k, put_txn, &p);

	if (rc)
		return rc;
	*id = p.id;
	outbox_kick(b);
	return AMR_OK;
}

/* The soonest due message: its id and time, false when none. */
static bool soonest(outbox *b, uint64_t *id, int64_t *next)
{
	MDB_cursor *c = NULL;
	MDB_txn *txn;
	MDB_val key, val;
	bool found = false;

	if (kv_read_begin(b->k, &txn))
		return false;
	if (!mdb_cursor_open(txn, b->due, &c) && !mdb_cursor_get(c, &key, &val, MDB_FIRST) &&
	    key.mv_size == 16) {
		*next = (int64_t)kv_unpack_u64(key.mv_data);
		*id = kv_unpack_u64((const uint8_t *)key.mv_data + 8);
		found = true;
	}
	if (c)
		mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return found;
}

/* Take message id off the due list and mark it sending. */
struct take {
	outbox *b;
	uint64_t id;
	int64_t next;
	json_t *rec; /* out */
};

static int take_txn(MDB_txn *txn, void *arg)
{
	struct take *t = arg;
	uint8_t kb[16];
	MDB_val key = { 16, kb };
	int rc;

	json_decref(t->rec);
	t->rec = NULL;
	due_key(kb, t->next, t->id);
	if ((rc = mdb_del(txn, t->b->due, &key, NULL)) || (rc = get_rec(t->b, txn, t->id, &t->rec)))
		return rc;
	json_object_set_new(t->rec, "state", json_string("sending"));
	json_object_set_new(
		t->rec, "attempts",
		json_integer(json_integer_value(json_object_get(t->rec, "attempts")) + 1));
	return put_rec(t->b, txn, t->id, t->rec);
}

static void pump(outbox *b);

static void on_timer(void *arg)
{
	outbox *b = arg;

	b->timer = 0;
	pump(b);
}

/* Hand the soonest due message to the sender, or wait for it. */
static void pump(outbox *b)
{
	struct take t = { .b = b };
	struct job *j;
	int64_t now = svc_now();

	if (b->busy || !soonest(b, &t.id, &t.next))
		return;
	if (t.next > now) {
		/* a message queued to wait (quiet hours) may be due before the
		 * one the timer waits for */
		if (b->timer && t.next < b->timer_at) {
			loop_timer_cancel(b->l, b->timer);
			b->timer = 0;
		}
		if (!b->timer) {
			b->timer = loop_timer_add(b->l, (unsigned)(t.next - now) * 1000, false,
						  on_timer, b);
			b->timer_at = t.next;
		}
		return;
	}
	if (kv_write(b->k, take_txn, &t) || !(j = calloc(1, sizeof *j))) {
		json_decref(t.rec);
		log_error("outbox: message %llu not taken; again in a while",
			  (unsigned long long)t.id);
		if (!b->timer) {
			b->timer = loop_timer_add(b->l, 5000, false, on_timer, b);
			b->timer_at = now + 5;
		}
		return;
	}
	*j = (struct job){ b,
			   t.id,
			   channel(b, json_string_value(json_object_get(t.rec, "channel"))),
			   t.rec,
			   TRANSPORT_FAILED,
			   "",
			   NULL };
	b->busy = true;
	pthread_mutex_lock(&b->lock);
	b->slot = j;
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

void outbox_kick(outbox *b)
{
	pump(b);
}

/* The outcome of job j, recorded (loop thread). */
static int record_txn(MDB_txn *txn, void *arg)
{
	struct job *j = arg;
	outbox *b = j->b;
	long long tries = json_integer_value(json_object_get(j->msg, "attempts"));
	int64_t now = svc_now(), wait = b->o.retry_s;
	json_t *rec = json_deep_copy(j->msg), *was = NULL;
	const char *state = "sent";
	int rc;

	if (!rec)
		return AMR_ENOMEM;
	/* a delivery report may have come while the message was with the
	 * sender (Kannel reports before its sendsms answer is read) */
	if (!get_rec(b, txn, j->id, &was) && json_object_get(was, "delivery"))
		json_object_set(rec, "delivery", json_object_get(was, "delivery"));
	json_decref(was);
	if (j->result == TRANSPORT_RETRY && tries < b->o.max_attempts) {
		for (long long i = 1; i < tries && wait < RETRY_MAX_S; i++)
			wait *= 2;
		state = "queued";
		json_object_set_new(rec, "next",
				    json_integer(now + (wait < RETRY_MAX_S ? wait : RETRY_MAX_S)));
	} else if (j->result != TRANSPORT_SENT) {
		state = "failed";
		if (j->result == TRANSPORT_RETRY) {
			char why[WHY_LEN];

			snprintf(why, sizeof why, "gave up after %lld tries: %.150s", tries,
				 j->why);
			memcpy(j->why, why, sizeof why);
		}
	}
	json_object_set_new(rec, "state", json_string(state));
	if (j->result != TRANSPORT_SENT)
		json_object_set_new(rec, "why", json_string(j->why));
	if (strcmp(state, "queued"))
		json_object_set_new(rec, "done", json_integer(now));
	rc = put_rec(b, txn, j->id, rec);
	if (!rc && !strcmp(state, "queued"))
		rc = set_due(b, txn, json_integer_value(json_object_get(rec, "next")), j->id);
	json_decref(j->out);
	j->out = rc ? NULL : rec;
	if (rc)
		json_decref(rec);
	return rc;
}

static void on_done(void *arg)
{
	struct job *j = arg;
	outbox *b = j->b;

	if (kv_write(b->k, record_txn, j))
		log_error("outbox: the outcome of message %llu not recorded; it is sent again at "
			  "the next start",
			  (unsigned long long)j->id);
	metric_add(j->result == TRANSPORT_SENT	  ? b->m_sent
		   : j->result == TRANSPORT_RETRY ? b->m_retry
						  : b->m_failed,
		   1);
	if (j->t) {
		struct chstat *c = &b->st[j->t - b->t];

		if (j->result == TRANSPORT_SENT) {
			c->sent++;
			c->last_ok = svc_now();
		} else {
			*(j->result == TRANSPORT_RETRY ? &c->retried : &c->failed) += 1;
			c->last_error = svc_now();
			snprintf(c->why, sizeof c->why, "%s", j->why);
		}
	}
	if (j->result != TRANSPORT_SENT)
		log_info("outbox: message %llu (%s): %s", (unsigned long long)j->id,
			 j->t ? j->t->name : "?", j->why);
	if (j->out && b->done)
		b->done(j->out, b->done_arg);
	json_decref(j->out);
	json_decref(j->msg);
	free(j);
	b->busy = false;
	pump(b);
}

static void drop_job(void *arg)
{
	struct job *j = arg;

	json_decref(j->msg);
	free(j);
}

static void *sender(void *arg)
{
	outbox *b = arg;

	for (;;) {
		struct job *j;
		struct transport_msg m;
		const json_t *att;

		pthread_mutex_lock(&b->lock);
		while (!b->slot && !b->stop)
			pthread_cond_wait(&b->cond, &b->lock);
		j = b->slot;
		b->slot = NULL;
		pthread_mutex_unlock(&b->lock);
		if (!j)
			return NULL; /* stopped */
		att = json_object_get(j->msg, "attachment");
		m = (struct transport_msg){
			.key = json_string_value(json_object_get(j->msg, "key")),
			.to = json_string_value(json_object_get(j->msg, "to")),
			.subject = json_string_value(json_object_get(j->msg, "subject")),
			.body = json_string_value(json_object_get(j->msg, "body")),
			.att_name = json_string_value(json_object_get(att, "name")),
			.att_type = json_string_value(json_object_get(att, "type")),
			.att_b64 = json_string_value(json_object_get(att, "data")),
		};
		if (!j->t || !m.key || !m.to || !m.body) {
			j->result = TRANSPORT_FAILED;
			snprintf(j->why, sizeof j->why, "%s",
				 j->t ? "not a message" : "no channel");
		} else {
			j->result = j->t->send(j->t->ctx, &m, j->why, sizeof j->why);
		}
		if (loop_post(b->l, on_done, j, drop_job))
			drop_job(j); /* out of memory: sent again at the next start */
	}
}

/* What a crash left "sending" is due again now. */
static int requeue_txn(MDB_txn *txn, void *arg)
{
	outbox *b = arg;
	MDB_cursor *c;
	MDB_val key, val;
	int rc;

	if ((rc = mdb_cursor_open(txn, b->box, &c)))
		return rc;
	for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		uint64_t id = kv_unpack_u64(key.mv_data);
		json_t *rec = json_loadb(val.mv_data, val.mv_size, 0, NULL);
		const char *st = json_string_value(json_object_get(rec, "state"));
		int e = 0;

		if (st && !strcmp(st, "sending")) {
			/* the server may have it: a duplicate, known by the key */
			json_object_set_new(rec, "state", json_string("queued"));
			json_object_set_new(
				rec, "resent",
				json_integer(json_integer_value(json_object_get(rec, "resent")) +
					     1));
			metric_add(b->m_resent, 1);
			log_warn(
				"outbox: message %llu (key %s) was being sent at a stop; sent again, "
				"perhaps twice",
				(unsigned long long)id,
				json_string_value(json_object_get(rec, "key")));
			e = put_rec(b, txn, id, rec);
			e = e ? e : set_due(b, txn, svc_now(), id);
		}
		json_decref(rec);
		if (e) {
			mdb_cursor_close(c);
			return e;
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

amr_err outbox_open(outbox **out, kv *k, loop *l, const struct transport *t, size_t n,
		    const struct outbox_opts *o, metrics *ms)
{
	outbox *b;
	amr_err rc;

	if (n > OUTBOX_CHANNELS)
		return AMR_EINVAL;
	if (!(b = calloc(1, sizeof *b)))
		return AMR_ENOMEM;
	b->k = k;
	b->l = l;
	memcpy(b->t, t, n * sizeof *t);
	b->n = n;
	b->o = *o;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->m_queued = metrics_get(ms, METRIC_COUNTER, "amr_notify_messages_total",
				  "result=\"queued\"",
				  "Messages queued, and what came of each try.");
	b->m_sent = metrics_get(ms, METRIC_COUNTER, "amr_notify_messages_total", "result=\"sent\"",
				NULL);
	b->m_retry = metrics_get(ms, METRIC_COUNTER, "amr_notify_messages_total",
				 "result=\"retry\"", NULL);
	b->m_failed = metrics_get(ms, METRIC_COUNTER, "amr_notify_messages_total",
				  "result=\"failed\"", NULL);
	b->m_resent = metrics_get(ms, METRIC_COUNTER, "amr_notify_messages_resent_total", NULL,
				  "Messages found being sent at a start and sent again: each may "
				  "reach its receiver twice, under the same key.");
	if ((rc = kv_dbi(k, "outbox", 0, &b->box)) || (rc = kv_dbi(k, "due", 0, &b->due)) ||
	    (rc = kv_dbi(k, "ref", 0, &b->ref)) || (rc = kv_write(k, requeue_txn, b))) {
		outbox_close(b);
		return rc;
	}
	if (pthread_create(&b->th, NULL, sender, b)) {
		outbox_close(b);
		return AMR_EIO;
	}
	b->started = true;
	*out = b;
	pump(b);
	return AMR_OK;
}

void outbox_close(outbox *b)
{
	if (!b)
		return;
	if (b->started) {
		pthread_mutex_lock(&b->lock);
		b->stop = true;
		pthread_cond_signal(&b->cond);
		pthread_mutex_unlock(&b->lock);
		pthread_join(b->th, NULL);
	}
	if (b->slot)
		drop_job(b->slot);
	if (b->timer)
		loop_timer_cancel(b->l, b->timer);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	free(b);
}

amr_err outbox_get_ref(outbox *b, const char *ref, json_t **out)
{
	MDB_val key = { strlen(ref), (void *)ref }, val;
	MDB_txn *txn;
	int rc;

	*out = NULL;
	if ((rc = kv_read_begin(b->k, &txn)))
		return rc;
	rc = mdb_get(txn, b->ref, &key, &val);
	if (!rc && val.mv_size == 8)
		rc = get_rec(b, txn, kv_unpack_u64(val.mv_data), out);
	mdb_txn_abort(txn);
	if (rc == MDB_NOTFOUND)
		return AMR_ENOTFOUND;
	return rc ? kv_err(rc) : AMR_OK;
}

void outbox_on_done(outbox *b, void (*fn)(const json_t *rec, void *arg), void *arg)
{
	b->done = fn;
	b->done_arg = arg;
}

/* A delivery report's state names (Kannel's dlr-mask bits, sms.h). */
static const char *dlr_name(int status)
{
	switch (status) {
	case 1:
		return "delivered";
	case 2:
		return "undelivered";
	case 4:
		return "queued";
	case 8:
		return "accepted";
	case 16:
		return "rejected";
	}
	return NULL;
}

struct report {
	outbox *b;
	const char *key;
	int status;
	int64_t ts;
	json_t *rec; /* out */
};

static int report_txn(MDB_txn *txn, void *arg)
{
	struct report *r = arg;
	const char *dot = strrchr(r->key, '.');
	const json_t *was;
	char *end;
	unsigned long long id = dot ? strtoull(dot + 1, &end, 10) : 0;
	int rc;

	json_decref(r->rec);
	r->rec = NULL;
	if (!id || *end || (rc = get_rec(r->b, txn, id, &r->rec)))
		return AMR_ENOTFOUND;
	if (strcmp(json_is_string(json_object_get(r->rec, "key"))
			   ? json_string_value(json_object_get(r->rec, "key"))
			   : "",
		   r->key))
		return AMR_ENOTFOUND;
	/* a final state (1, 2, 16) is not undone by a late 4 or 8 */
	was = json_object_get(json_object_get(r->rec, "delivery"), "code");
	if (was && (r->status == 4 || r->status == 8) && json_integer_value(was) != 4 &&
	    json_integer_value(was) != 8)
		return AMR_ESTATE;
	json_object_set_new(r->rec, "delivery",
			    json_pack("{s:s, s:i, s:I}", "status", dlr_name(r->status), "code",
				      r->status, "ts", (json_int_t)r->ts));
	return put_rec(r->b, txn, id, r->rec);
}

amr_err outbox_report(outbox *b, const char *key, int status, int64_t ts, json_t **out)
{
	struct report r = { b, key, status, ts, NULL };
	amr_err rc;

	*out = NULL;
	if (!dlr_name(status))
		return AMR_EINVAL;
	rc = kv_write(b->k, report_txn, &r);
	if (rc) {
		json_decref(r.rec);
		return rc;
	}
	*out = r.rec;
	return AMR_OK;
}
