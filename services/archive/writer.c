#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadletter.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "writer.h"

struct writer {
	store *s;		/* borrowed */
	kv *k;			/* its environment, borrowed: map gauges */
	struct svc *svc;	/* borrowed: loop, mq, metrics */
	struct writer_opts o;	/* limits */
	struct batch **pending; /* batches waiting for the commit */
	size_t npending, cap;
	size_t nreadings;  /* readings in them */
	uint64_t first_ms; /* arrival of the oldest pending batch */
	uint64_t timer;	   /* commit timer, 0 when none */
	unsigned failing;  /* commits failed in a row (the store refuses) */
	metric *m_batches, *m_readings, *m_pulses, *m_dups, *m_quar, *m_claims, *m_new, *m_mismatch;
	metric *m_rejected, *m_commits, *m_failed, *m_wait_ms, *m_commit_ms;
	metric *m_gap_refused, *m_gap_given_up, *m_jump, *m_lumped;
	metric *m_refusing, *m_map, *m_used;
};

amr_err writer_create(writer **out, store *s, kv *k, struct svc *svc, const struct writer_opts *o)
{
	writer *w = calloc(1, sizeof *w);
	metrics *ms = svc->metrics;

	if (!w)
		return AMR_ENOMEM;
	w->s = s;
	w->k = k;
	w->svc = svc;
	w->o = *o;
	w->cap = o->max_batches + 1;
	if (!(w->pending = calloc(w->cap, sizeof *w->pending))) {
		free(w);
		return AMR_ENOMEM;
	}
	w->m_batches = metrics_get(ms, METRIC_COUNTER, "amr_archive_batches_total", NULL,
				   "Readings batches stored.");
	w->m_readings = metrics_get(ms, METRIC_COUNTER, "amr_archive_readings_total", NULL,
				    "Readings stored.");
	w->m_pulses = metrics_get(ms, METRIC_COUNTER, "amr_archive_pulses_total", NULL,
				  "Pulses counted as consumption.");
	w->m_dups = metrics_get(ms, METRIC_COUNTER, "amr_archive_duplicates_total", NULL,
				"Batches at or below the high-water mark, ignored.");
	w->m_quar = metrics_get(ms, METRIC_COUNTER, "amr_archive_quarantined_total", NULL,
				"Readings quarantined: their total went down without "
				"counter_zeroed, or they claimed more than the totals show.");
	w->m_claims = metrics_get(ms, METRIC_COUNTER, "amr_archive_claims_quarantined_total", NULL,
				  "Readings after counter_zeroed whose delta was more than the "
				  "totals show: counted as far as they show.");
	w->m_new = metrics_get(ms, METRIC_COUNTER, "amr_archive_new_channels_total", NULL,
			       "Channels registered on their first reading.");
	w->m_mismatch = metrics_get(ms, METRIC_COUNTER, "amr_archive_delta_mismatch_total", NULL,
				    "Gateway deltas that differed from the totals.");
	w->m_rejected = metrics_get(ms, METRIC_COUNTER, "amr_archive_rejected_total", NULL,
				    "Messages refused (sent to amr/v1/deadletter).");
	w->m_commits = metrics_get(ms, METRIC_COUNTER, "amr_archive_commits_total", NULL,
				   "LMDB write transactions of the group commit.");
	w->m_failed = metrics_get(ms, METRIC_COUNTER, "amr_archive_commit_failures_total", NULL,
				  "Group commits that failed (nothing acknowledged).");
	w->m_wait_ms = metrics_get(ms, METRIC_GAUGE, "amr_archive_arrival_to_commit_ms", NULL,
				   "Longest arrival-to-commit wait of the last commit, ms.");
	w->m_commit_ms = metrics_get(ms, METRIC_GAUGE, "amr_archive_commit_ms", NULL,
				     "Duration of the last commit, ms.");
	w->m_gap_refused = metrics_get(ms, METRIC_COUNTER, "amr_archive_gap_refused_total", NULL,
				       "Batches refused (not acknowledged) because their "
				       "prev is above the mark: a batch before them is missing.");
	w->m_gap_given_up = metrics_get(ms, METRIC_COUNTER, "amr_archive_gap_given_up_total", NULL,
					"Batches stored across a gap after the gap wait.");
	w->m_jump = metrics_get(ms, METRIC_COUNTER, "amr_archive_seq_jump_refused_total", NULL,
				"Batches refused because their seq leaps more than 2^32 past "
				"the object's mark, or past 0 for its first batch (a broken or "
				"forged batch).");
	w->m_lumped = metrics_get(ms, METRIC_COUNTER, "amr_archive_lumped_readings_total", NULL,
				  "Readings with pulses that came more than an hour after their "
				  "channel's previous one: an outage's pulses in one hour.");
	w->m_refusing = metrics_get(ms, METRIC_GAUGE, "amr_archive_store_refusing", NULL,
				    "1 while commits fail (disk or map full, I/O error): batches "
				    "are refused, not acknowledged; 0 once one succeeds.");
	w->m_map = metrics_get(ms, METRIC_GAUGE, "amr_archive_map_bytes", NULL,
			       "Size of the LMDB map now (it grows up to --max-map-mb).");
	w->m_used = metrics_get(ms, METRIC_GAUGE, "amr_archive_map_used_bytes", NULL,
				"Bytes of the LMDB map in use (pages up to the last one).");
	*out = w;
	return AMR_OK;
}

/* What a failed commit means for the operator, for the status. */
static const char *refusal(int rc)
{
	switch (rc) {
	case AMR_EIO:
		return "store: the disk refused the write (full?); batches refused, "
		       "not acknowledged";
	case AMR_EFULL:
		return "store: the LMDB map is full at --max-map-mb; batches refused, "
		       "not acknowledged";
	default:
		return "store: commits fail; batches refused, not acknowledged";
	}
}

/* The store refuses or takes writes again: log the change once, the
 * gauge and the service's status follow it. A commit that stored no batch
 * (only repeats, or batches refused for a gap behind a failed one) wrote
 * nothing, so it shows nothing about the disk: the state stays. */
static void note_commit(writer *w, int rc, size_t n, size_t stored)
{
	size_t map, used;

	kv_usage(w->k, &map, &used);
	metric_set(w->m_map, (int64_t)map);
	metric_set(w->m_used, (int64_t)used);
	if (rc) {
		metric_add(w->m_failed, 1);
		if (!w->failing++)
			log_error("store refuses writes: %s (map %zu of %zu bytes used); batches "
				  "are not acknowledged and the gateways keep them",
				  amr_strerror(rc), used, map);
		log_error("commit of %zu batches failed: %s; not acknowledged, gateways "
			  "will send again",
			  n, amr_strerror(rc));
		metric_set(w->m_refusing, 1);
		svc_set_problem(w->svc, refusal(rc));
		return;
	}
	if (w->failing && stored) {
		log_info("store takes writes again after %u failed commits", w->failing);
		w->failing = 0;
		metric_set(w->m_refusing, 0);
		svc_set_problem(w->svc, NULL);
	}
}

/* One line per batch refused for a gap, or stored across one. */
static void log_gaps(const struct store_outcome *o, int64_t now)
{
	for (size_t i = 0; i < o->ngaps; i++) {
		const struct store_gap *g = &o->gaps[i];

		if (g->jump)
			log_warn("seq obj=%u mark=%llu seq=%llu: the seq leaps more than 2^32 past "
				 "the mark; batch refused, not acknowledged",
				 g->obj, (unsigned long long)g->mark, (unsigned long long)g->seq);
		else if (g->given_up)
			log_warn("gap obj=%u mark=%llu prev=%llu seq=%llu: gap (%llu, %llu] given "
				 "up after %lld s, batch stored; its pulses are counted from the "
				 "totals",
				 g->obj, (unsigned long long)g->mark, (unsigned long long)g->prev,
				 (unsigned long long)g->seq, (unsigned long long)g->mark,
				 (unsigned long long)g->prev, (long long)(now - g->since));
		else
			log_warn("gap obj=%u mark=%llu prev=%llu seq=%llu: batch refused, not "
				 "acknowledged (gap open for %lld s); the gateway will send again",
				 g->obj, (unsigned long long)g->mark, (unsigned long long)g->prev,
				 (unsigned long long)g->seq, (long long)(now - g->since));
	}
}

static void publish_outcome(writer *w, const struct store_outcome *o)
{
	char topic[PROTO_TOPIC_MAX], body[64];

	for (size_t i = 0; i < o->nacks; i++) {
		int rc;

		proto_topic(topic, sizeof topic, PROTO_T_GW_ACK, o->acks[i].obj, NULL);
		snprintf(body, sizeof body, "{\"seq\":%llu}", (unsigned long long)o->acks[i].seq);
		if ((rc = mq_publish(w->svc->mq, topic, body, strlen(body), 1, true)))
			log_warn("ack obj=%u seq=%llu not published: %s", o->acks[i].obj,
				 (unsigned long long)o->acks[i].seq, amr_strerror(rc));
	}
	for (size_t i = 0; i < o->nevents; i++) {
		const struct store_quarantine *e = &o->events[i];
		struct proto_id cid = { e->obj, (uint8_t)(e->chan >> 8),
					(uint8_t)(e->chan & 0xff) };
		char id[PROTO_ID_LEN];
		json_t *ev;

		proto_topic(topic, sizeof topic, PROTO_T_EVENTS, e->obj, NULL);
		proto_id_format(&cid, id);
		if (e->reason == STORE_QUAR_DELTA)
			log_warn(
				"quarantined channel=%s seq=%llu: delta %u after counter_zeroed is "
				"more than the totals show (last total %u, total %u); %llu counted",
				id, (unsigned long long)e->seq, e->delta, e->last_total, e->total,
				(unsigned long long)e->counted);
		else
			log_warn("quarantined channel=%s seq=%llu total=%u below last total %u "
				 "without counter_zeroed",
				 id, (unsigned long long)e->seq, e->total, e->last_total);
		ev = json_pack("{s:s, s:i, s:i, s:i, s:s, s:I, s:I, s:I, s:I, s:s}", "type",
			       proto_event_name(PROTO_EV_COUNTER_QUARANTINED), "obj", e->obj,
			       "addr", e->chan >> 8, "ch", e->chan & 0xff, "channel", id, "ts",
			       (json_int_t)e->ts, "seq", (json_int_t)e->seq, "total",
			       (json_int_t)e->total, "last_total", (json_int_t)e->last_total,
			       "reason", e->reason == STORE_QUAR_DELTA ? "delta" : "decreased");
		if (ev && e->reason == STORE_QUAR_DELTA &&
		    (json_object_set_new(ev, "delta", json_integer((json_int_t)e->delta)) ||
		     json_object_set_new(ev, "counted", json_integer((json_int_t)e->counted)))) {
			json_decref(ev);
			ev = NULL;
		}
		if (ev)
			mq_publish_json(w->svc->mq, topic, ev, 1, false);
		json_decref(ev);
	}
	/* the registry followed a device that moved: audited, now published */
	for (size_t i = 0; i < json_array_size(o->audits); i++) {
		const json_t *rec = json_array_get(o->audits, i),
			     *d = json_object_get(rec, "detail");
		int rc;

		log_info("registry of %s moved to %s (%lld records; address_changed in batch %lld)",
			 json_string_value(json_object_get(rec, "target")),
			 json_string_value(json_object_get(d, "to")),
			 (long long)json_integer_value(json_object_get(d, "records")),
			 (long long)json_integer_value(json_object_get(d, "seq")));
		if ((rc = mq_publish_json(w->svc->mq, PROTO_TOPIC_AUDIT, rec, 1, false)))
			log_warn("audit record not published: %s", amr_strerror(rc));
	}
}

amr_err writer_flush(writer *w)
{
	struct store_outcome o;
	uint64_t t0 = loop_now_ms(), t1;
	int64_t now;
	int rc;

	if (w->timer) {
		loop_timer_cancel(w->svc->loop, w->timer);
		w->timer = 0;
	}
	if (!w->npending)
		return AMR_OK;
	now = svc_now();
	rc = store_commit(w->s, w->pending, w->npending, now, &o);
	t1 = loop_now_ms();
	metric_add(w->m_commits, 1);
	metric_set(w->m_commit_ms, (int64_t)(t1 - t0));
	metric_set(w->m_wait_ms, (int64_t)(t1 - w->first_ms));
	note_commit(w, rc, w->npending, rc ? 0 : o.batches);
	if (!rc) {
		metric_add(w->m_batches, (int64_t)o.batches);
		metric_add(w->m_readings, (int64_t)o.readings);
		metric_add(w->m_pulses, (int64_t)o.pulses);
		metric_add(w->m_dups, (int64_t)o.duplicates);
		metric_add(w->m_quar, (int64_t)o.quarantined);
		metric_add(w->m_claims, (int64_t)o.claims);
		metric_add(w->m_new, (int64_t)o.new_channels);
		metric_add(w->m_mismatch, (int64_t)o.mismatches);
		metric_add(w->m_gap_refused, (int64_t)o.gaps_refused);
		metric_add(w->m_gap_given_up, (int64_t)o.gaps_given_up);
		metric_add(w->m_jump, (int64_t)o.jumps_refused);
		metric_add(w->m_lumped, (int64_t)o.lumped);
		log_gaps(&o, now);
		if (o.new_channels)
			log_info("registered %zu new channels", o.new_channels);
		log_debug("committed %zu batches (%zu readings, %zu duplicates) in %llu ms",
			  o.batches, o.readings, o.duplicates, (unsigned long long)(t1 - t0));
		publish_outcome(w, &o);
		store_outcome_free(&o);
	}
	for (size_t i = 0; i < w->npending; i++)
		batch_free(w->pending[i]);
	w->npending = 0;
	w->nreadings = 0;
	return rc;
}

static void on_timer(void *arg)
{
	writer *w = arg;

	w->timer = 0;
	writer_flush(w);
}

/* The record of a refused message (lib/deadletter.h): reason a code,
 * detail why. A payload that is not UTF-8 is recorded too. */
static void reject(writer *w, const struct mq_msg *msg, const char *reason, const char *detail)
{
	json_t *dl;

	metric_add(w->m_rejected, 1);
	log_warn("rejected %s: %s", msg->topic, detail);
	dl = deadletter_json(msg->topic, reason, detail, msg->payload, msg->len, 4096);
	if (dl)
		mq_publish_json(w->svc->mq, PROTO_TOPIC_DEADLETTER, dl, 0, false);
	json_decref(dl);
}

void writer_on_readings(void *ctx, const struct mq_msg *msg)
{
	writer *w = ctx;
	struct proto_topic_info t;
	struct jv_err err = { "" };
	struct batch_clock clk = { svc_now(), w->o.window };
	struct batch *b;

	if (proto_topic_parse(msg->topic, &t) != PROTO_T_READINGS) {
		reject(w, msg, "wrong_topic", "topic: object number must be " PROTO_OBJ_RANGE);
		return;
	}
	if (batch_parse(msg->payload, msg->len, &clk, t.obj, &b, &err)) {
		reject(w, msg, "bad_batch", err.msg[0] ? err.msg : "out of memory");
		return;
	}
	b->arrived_ms = loop_now_ms();
	if (!w->npending)
		w->first_ms = b->arrived_ms;
	w->pending[w->npending++] = b;
	w->nreadings += b->n;
	/* a long burst handled in one go must not hold the oldest past the bound */
	if (w->npending >= w->o.max_batches || w->nreadings >= w->o.max_readings ||
	    b->arrived_ms - w->first_ms >= w->o.commit_ms) {
		writer_flush(w);
		return;
	}
	if (!w->timer &&
	    !(w->timer = loop_timer_add(w->svc->loop, w->o.commit_ms, false, on_timer, w)))
		writer_flush(w); /* no timer (out of memory): do not wait */
}

void writer_destroy(writer *w)
{
	if (!w)
		return;
	writer_flush(w);
	free(w->pending);
	free(w);
}
