#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jv.h"
#include "log.h"
#include "proto.h"
#include "uplink.h"

/* Most object numbers whose old batches are still delivered at once. */
#define UPLINK_CHAINS 16

/* One object's batches on their way: the gateway's own object, or an
 * object number it had before whose batches wait for their ack. */
struct chain {
	uplink *u;    /* back to the uplink, for the ack handler */
	unsigned obj; /* object number */
	char t_up[PROTO_TOPIC_MAX], t_ack[PROTO_TOPIC_MAX];
	uint64_t published;	/* highest seq published in this session */
	uint64_t last_progress; /* ms of the last ack that moved, or of a resend */
};

struct uplink {
	struct uplink_opts o; /* options; the strings are uplink_create()'s copies */
	mq *mq;		      /* NULL while reconnecting by request */
	char t_status[PROTO_TOPIC_MAX], t_cmd[PROTO_TOPIC_MAX], t_result[PROTO_TOPIC_MAX];
	char client_id[32];
	struct chain ch[UPLINK_CHAINS]; /* ch[0]: o.obj, the others' old batches */
	size_t nch;
	uint64_t tick_timer;	  /* repeating check: resend, and what is late */
	uint64_t reconnect_timer; /* pending drop or reconnect after a request */
	unsigned drop_delay;	  /* ms from the drop to the new connection */
	loop_fn late;		  /* a drop or reconnect whose timer was not added */
	uint64_t late_ms;	  /* when late is due, loop_now_ms() */
	char *last_status;	  /* text last published */
};

static void pump(uplink *u, struct chain *c);

static void on_ack(void *ctx, const struct mq_msg *m)
{
	struct chain *c = ctx;
	uplink *u = c->u;
	struct jv_err err;
	json_t *j = jv_parse_object(m->payload, m->len, &err);
	long long seq;

	if (!j || jv_int(j, "seq", true, 0, 0, PROTO_SEQ_MAX, &seq, &err) != AMR_OK) {
		log_warn("uplink: bad ack on %s: %s", m->topic, err.msg);
		json_decref(j);
		return;
	}
	json_decref(j);
	if ((uint64_t)seq > spool_acked(u->o.sp, c->obj)) {
		int rc = spool_ack(u->o.sp, c->obj, (uint64_t)seq);

		if (rc == AMR_EINVAL) {
			pump(u, c); /* refused (spool_ack() said why): the batches go on */
			return;
		}
		if (rc != AMR_OK) {
			log_error("uplink: ack obj=%u seq=%lld not written to the spool", c->obj,
				  seq);
			return;
		}
		log_debug("uplink: ack obj=%u seq=%lld, %u pending", c->obj, seq,
			  spool_pending_of(u->o.sp, c->obj));
		if (c != u->ch && !spool_pending_of(u->o.sp, c->obj))
			log_info("uplink: every batch of object %u acknowledged", c->obj);
		c->last_progress = loop_now_ms();
	}
	if (c->published < spool_acked(u->o.sp, c->obj))
		c->published = spool_acked(u->o.sp, c->obj);
	pump(u, c);
}

static void on_cmd(void *ctx, const struct mq_msg *m)
{
	uplink *u = ctx;

	u->o.on_cmd(u->o.ctx, m);
}

static void on_connect(void *ctx)
{
	uplink *u = ctx;

	/* Everything not acknowledged goes out again, in order. */
	for (size_t i = 0; i < u->nch; i++) {
		u->ch[i].published = spool_acked(u->o.sp, u->ch[i].obj);
		u->ch[i].last_progress = loop_now_ms();
	}
	free(u->last_status);
	u->last_status = NULL;
	if (u->o.on_connect)
		u->o.on_connect(u->o.ctx);
	uplink_pump(u);
}

static int connect_mq(uplink *u)
{
	struct mq_opts mo = {
		.host = u->o.host,
		.port = u->o.port,
		.user = u->o.user,
		.password = u->o.password,
		.cafile = u->o.cafile,
		.client_id = u->client_id,
		.will_topic = u->t_status,
		.will_payload = "{\"online\":false}",
		.will_retain = true,
		.on_connect = on_connect,
		.ctx = u,
	};
	int rc = mq_create(&u->mq, u->o.l, &mo);

	if (rc != AMR_OK)
		return rc;
	for (size_t i = 0; i < u->nch && rc == AMR_OK; i++)
		rc = mq_subscribe(u->mq, u->ch[i].t_ack, 1, on_ack, &u->ch[i]);
	if (rc != AMR_OK || (rc = mq_subscribe(u->mq, u->t_cmd, 1, on_cmd, u)) != AMR_OK) {
		mq_destroy(u->mq);
		u->mq = NULL;
	}
	return rc;
}

/* Every second: a drop or reconnect whose timer could not be added, then
 * the resend. */
static void tick(void *arg)
{
	uplink *u = arg;
	uint64_t now = loop_now_ms();

	if (u->late && now >= u->late_ms) {
		loop_fn fn = u->late;

		u->late = NULL;
		fn(u);
	}
	for (size_t i = 0; uplink_connected(u) && i < u->nch; i++) {
		struct chain *c = &u->ch[i];
		uint64_t acked = spool_acked(u->o.sp, c->obj);

		if (spool_pending_of(u->o.sp, c->obj) == 0 || c->published <= acked ||
		    now - c->last_progress < (uint64_t)u->o.resend_s * 1000)
			continue;
		log_warn("uplink: obj=%u: no ack for %u s (acked %llu, sent %llu): sending again",
			 c->obj, u->o.resend_s, (unsigned long long)acked,
			 (unsigned long long)c->published);
		c->published = acked;
		c->last_progress = now;
		pump(u, c);
	}
}

/* Chain c for object obj; false when obj is out of range. */
static bool chain_init(uplink *u, struct chain *c, unsigned obj)
{
	*c = (struct chain){ .u = u, .obj = obj };
	c->published = u->o.sp ? spool_acked(u->o.sp, obj) : 0;
	return proto_topic(c->t_up, sizeof c->t_up, PROTO_T_GW_UP, obj, NULL) &&
	       proto_topic(c->t_ack, sizeof c->t_ack, PROTO_T_GW_ACK, obj, NULL);
}

int uplink_create(uplink **out, const struct uplink_opts *o)
{
	uplink *u = calloc(1, sizeof *u);
	int rc;

	if (!u)
		return AMR_ENOMEM;
	u->o = *o;
	u->o.host = strdup(o->host);
	u->o.user = o->user ? strdup(o->user) : NULL;
	u->o.password = o->password ? strdup(o->password) : NULL;
	u->o.cafile = o->cafile ? strdup(o->cafile) : NULL;
	if (!u->o.host || (o->user && !u->o.user) || (o->password && !u->o.password) ||
	    (o->cafile && !u->o.cafile)) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	snprintf(u->client_id, sizeof u->client_id, "amr-gw-%u", o->obj);
	if (!proto_topic(u->t_status, sizeof u->t_status, PROTO_T_GW_STATUS, o->obj, NULL) ||
	    !chain_init(u, &u->ch[0], o->obj) ||
	    !proto_topic(u->t_cmd, sizeof u->t_cmd, PROTO_T_GW_CMD, o->obj, NULL) ||
	    !proto_topic(u->t_result, sizeof u->t_result, PROTO_T_GW_RESULT, o->obj, NULL)) {
		log_error("uplink: object number %u is not %s", o->obj, PROTO_OBJ_RANGE);
		rc = AMR_EINVAL;
		goto out_free;
	}
	u->nch = 1;
	/* Batches made under an object number the gateway had before go on
	 * under that number until acknowledged (docs/gateway.md). */
	if (o->sp) {
		unsigned others[UPLINK_CHAINS - 1];
		size_t n = spool_others(o->sp, others, UPLINK_CHAINS - 1);

		if (n > UPLINK_CHAINS - 1)
			log_warn("uplink: batches of %zu other object numbers wait; those of "
				 "%zu are sent now, the others after a restart",
				 n, (size_t)UPLINK_CHAINS - 1);
		for (size_t i = 0; i < n && u->nch < UPLINK_CHAINS; i++) {
			if (!chain_init(u, &u->ch[u->nch], others[i]))
				continue;
			log_info("uplink: %u batches of object %u (before object %u) go on "
				 "under %u",
				 spool_pending_of(o->sp, others[i]), others[i], o->obj, others[i]);
			u->nch++;
		}
	}
	/* Without this timer nothing would ever be sent again after a lost
	 * ack, nor a late reconnect made. */
	if (!(u->tick_timer = loop_timer_add(o->l, 1000, true, tick, u))) {
		log_error("uplink: no timer for the resend check (out of memory)");
		rc = AMR_ENOMEM;
		goto out_free;
	}
	if ((rc = connect_mq(u)) != AMR_OK)
		goto out_cancel;
	*out = u;
	return AMR_OK;

out_cancel:
	loop_timer_cancel(o->l, u->tick_timer);

out_free:
	free((char *)u->o.host);
	free((char *)u->o.user);
	free((char *)u->o.password);
	free((char *)u->o.cafile);
	free(u);
	return rc;
}

void uplink_destroy(uplink *u)
{
	if (!u)
		return;
	if (u->mq && mq_connected(u->mq))
		mq_publish(u->mq, u->t_status, "{\"online\":false}", 16, 1, true);
	loop_timer_cancel(u->o.l, u->tick_timer);
	if (u->reconnect_timer)
		loop_timer_cancel(u->o.l, u->reconnect_timer);
	mq_destroy(u->mq);
	free(u->last_status);
	free((char *)u->o.host);
	free((char *)u->o.user);
	free((char *)u->o.password);
	free((char *)u->o.cafile);
	free(u);
}

bool uplink_connected(const uplink *u)
{
	return u->mq && mq_connected(u->mq);
}

bool uplink_can_send(const uplink *u)
{
	const struct chain *c = &u->ch[0];

	return uplink_connected(u) && c->published == spool_last_seq(u->o.sp, c->obj) &&
	       spool_last_seq(u->o.sp, c->obj) + 1 - spool_acked(u->o.sp, c->obj) <= u->o.window;
}

/* Publish what c's object has stored and its window allows. */
static void pump(uplink *u, struct chain *c)
{
	spool *sp = u->o.sp;
	uint64_t seq;
	char *text;

	if (!uplink_connected(u))
		return;
	while (c->published - spool_acked(sp, c->obj) < u->o.window &&
	       spool_next(sp, c->obj, c->published, &seq, &text) == AMR_OK) {
		int rc = AMR_OK;

		/* Before it can reach the archive, the batch must stop being
		 * a candidate for merging. */
		if (seq > spool_sent(sp, c->obj)) {
			uint64_t upto = spool_acked(sp, c->obj) + u->o.window;

			if (upto > spool_last_seq(sp, c->obj))
				upto = spool_last_seq(sp, c->obj);
			rc = spool_mark_sent(sp, c->obj, upto < seq ? seq : upto);
		}
		if (rc == AMR_OK)
			rc = mq_publish(u->mq, c->t_up, text, strlen(text), 1, false);
		free(text);
		if (rc != AMR_OK) {
			log_warn("uplink: obj=%u seq=%llu not published: %s", c->obj,
				 (unsigned long long)seq, amr_strerror(rc));
			return;
		}
		log_debug("uplink: published obj=%u seq=%llu", c->obj, (unsigned long long)seq);
		c->published = seq;
	}
}

void uplink_pump(uplink *u)
{
	for (size_t i = 0; i < u->nch; i++)
		pump(u, &u->ch[i]);
}

void uplink_describe(const uplink *u, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%d, %s", u->o.host, u->o.port,
		 uplink_connected(u) ? "connected"
		 : u->mq	     ? "connecting"
				     : "disconnected");
}

int uplink_status(uplink *u, const json_t *status, bool force)
{
	char *text = json_dumps(status, JSON_COMPACT);
	int rc;

	if (!text)
		return AMR_ENOMEM;
	if (!uplink_connected(u) ||
	    (!force && u->last_status && strcmp(u->last_status, text) == 0)) {
		free(text);
		return AMR_OK;
	}
	rc = mq_publish(u->mq, u->t_status, text, strlen(text), 1, true);
	free(u->last_status);
	u->last_status = rc == AMR_OK ? text : NULL;
	if (rc != AMR_OK)
		free(text);
	return rc;
}

int uplink_result(uplink *u, const json_t *answer)
{
	if (!u->mq)
		return AMR_ESTATE;
	return mq_publish_json(u->mq, u->t_result, answer, 1, false);
}

static void drop(void *arg);

/*
 * Run fn (drop or reconnect) in ms. Without memory for a timer the
 * one-second tick runs it when due: a drop or reconnect is late by up to a
 * second, never lost.
 */
static void later(uplink *u, unsigned ms, loop_fn fn)
{
	u->reconnect_timer = loop_timer_add(u->o.l, ms, false, fn, u);
	if (u->reconnect_timer)
		return;
	log_warn("uplink: no timer for the %s (out of memory); the 1 s check does it",
		 fn == drop ? "disconnect" : "reconnect");
	u->late = fn;
	u->late_ms = loop_now_ms() + ms;
}

static void reconnect(void *arg)
{
	uplink *u = arg;

	u->reconnect_timer = 0;
	if (!u->mq && connect_mq(u) != AMR_OK) {
		log_error("uplink: cannot create the MQTT client; retrying in 5 s");
		later(u, 5000, reconnect);
	}
}

/* Timer: the client is destroyed outside its own callbacks. */
static void drop(void *arg)
{
	uplink *u = arg;

	u->reconnect_timer = 0;
	if (u->mq) {
		if (mq_connected(u->mq))
			mq_publish(u->mq, u->t_status, "{\"online\":false}", 16, 1, true);
		mq_destroy(u->mq);
		u->mq = NULL;
	}
	later(u, u->drop_delay, reconnect);
}

void uplink_reconnect(uplink *u, unsigned delay_ms)
{
	if (u->reconnect_timer || u->late)
		return;
	log_info("uplink: disconnecting on request, connecting again in %u ms", delay_ms);
	u->drop_delay = delay_ms;
	later(u, 0, drop);
}
