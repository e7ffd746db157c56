#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "log.h"
#include "proto.h"

#define PAGE	   2000	 /* records asked at once */
#define TIMEOUT_MS 10000 /* the archive's time to answer a page */
#define SOON_MS	   2000	 /* a registry change read this long after its audit record */

struct labels {
	struct svc *s;
	json_t *map;  /* id -> record, the last whole reading */
	json_t *next; /* the reading under way */
	uint64_t timer;
	uint64_t soon;		 /* the reading a registry change asked for, 0: none */
	void (*done)(void *arg); /* told after each whole reading */
	void *done_arg;
	bool asking;
	bool again; /* a change came while a reading was under way */
	metric *m_reads;
	bool dead; /* destroyed while a page was asked: its answer frees */
};

static void free_labels(labels *l)
{
	json_decref(l->map);
	json_decref(l->next);
	free(l);
}

static void ask(labels *l, const char *after);
static void refresh(void *arg);
static void soon_fire(void *arg);

static void on_page(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	labels *l = ctx;
	const json_t *rec, *next = json_object_get(result, "next");
	size_t i;

	if (l->dead) {
		free_labels(l);
		return;
	}
	if (err) {
		log_info("registry.list: %s; labels as they were", message ? message : "no answer");
		json_decref(l->next);
		l->next = NULL;
		l->asking = false;
		/* Read again soon, not at the next refresh a minute later: a
		 * change told meanwhile would wait that long, and so would
		 * the first reading if it went unanswered. */
		l->again = false;
		if (!l->soon)
			l->soon = loop_timer_add(l->s->loop, SOON_MS, false, soon_fire, l);
		return;
	}
	json_array_foreach(json_object_get(result, "records"), i, rec) {
		const char *id = json_string_value(json_object_get(rec, "id"));

		if (id)
			json_object_set(l->next, id, (json_t *)rec);
	}
	if (json_is_string(next)) {
		ask(l, json_string_value(next));
		return;
	}
	json_decref(l->map); /* the whole reading replaces the last */
	l->map = l->next;
	l->next = NULL;
	l->asking = false;
	metric_add(l->m_reads, 1);
	if (l->done)
		l->done(l->done_arg);
	if (l->again) {
		l->again = false;
		refresh(l); /* it may have missed the change */
	}
}

static void ask(labels *l, const char *after)
{
	json_t *args = json_pack("{s:i}", "limit", PAGE);

	if (after)
		json_object_set_new(args, "after", json_string(after));
	if (!args || rpc_call(l->s->rpc, "archive/registry.list", args, TIMEOUT_MS, on_page, l)) {
		json_decref(l->next);
		l->next = NULL;
		l->asking = false;
	}
}

static void refresh(void *arg)
{
	labels *l = arg;

	if (l->asking || !(l->next = json_object()))
		return;
	l->asking = true;
	ask(l, NULL);
}

static void soon_fire(void *arg)
{
	labels *l = arg;

	l->soon = 0;
	if (l->asking)
		l->again = true;
	else
		refresh(l);
}

/* An audit record: a change of the registry (action "registry.set",
 * "registry.delete", ..) is read SOON_MS later, changes that come
 * together in one reading, so an alarm raised a moment after a label was
 * given names it. */
static void on_audit(void *ctx, const struct mq_msg *msg)
{
	labels *l = ctx;
	json_t *rec = json_loadb(msg->payload, msg->len, 0, NULL);
	const char *action = json_string_value(json_object_get(rec, "action"));

	if (action && !strncmp(action, "registry.", 9) && !l->soon)
		l->soon = loop_timer_add(l->s->loop, SOON_MS, false, soon_fire, l);
	json_decref(rec);
}

amr_err labels_create(labels **out, struct svc *s, unsigned refresh_s)
{
	labels *l = calloc(1, sizeof *l);

	if (!l || !(l->map = json_object())) {
		free(l);
		return AMR_ENOMEM;
	}
	l->s = s;
	l->m_reads = metrics_get(s->metrics, METRIC_COUNTER, "amr_notify_registry_reads_total",
				 NULL, "Whole readings of the archive's registry (the labels).");
	if (!(l->timer = loop_timer_add(s->loop, refresh_s * 1000, true, refresh, l)) ||
	    mq_subscribe(s->mq, PROTO_TOPIC_ROOT "audit", 1, on_audit, l)) {
		loop_timer_cancel(s->loop, l->timer);
		json_decref(l->map);
		free(l);
		return AMR_ENOMEM;
	}
	/* The first reading as the loop starts (rpc holds it until the
	 * broker session is up, lib/rpc.h). */
	l->soon = loop_timer_add(s->loop, 0, false, soon_fire, l);
	*out = l;
	return AMR_OK;
}

void labels_destroy(labels *l)
{
	if (!l)
		return;
	loop_timer_cancel(l->s->loop, l->timer);
	loop_timer_cancel(l->s->loop, l->soon);
	if (l->asking)
		l->dead = true; /* rpc answers the call at the latest when it ends */
	else
		free_labels(l);
}

const char *labels_get(const labels *l, const char *id)
{
	const char *label = json_string_value(json_object_get(labels_record(l, id), "label"));

	return label && *label ? label : NULL;
}

const json_t *labels_record(const labels *l, const char *id)
{
	return l && id ? json_object_get(l->map, id) : NULL;
}

const json_t *labels_all(const labels *l)
{
	return l ? l->map : NULL;
}

void labels_on_refresh(labels *l, void (*fn)(void *arg), void *arg)
{
	l->done = fn;
	l->done_arg = arg;
}
