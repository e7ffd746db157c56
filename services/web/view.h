/*
 * view.h - the web service's in-memory picture of the system, built from
 * the broker's topics: gateways (amr/v1/gw/+/status), devices and channels
 * (amr/v1/readings/+), events (amr/v1/events/+), amr-notify's open
 * alarms (amr/v1/alarms/+, view_alarm.c), services
 * (amr/v1/svc/+/status) and the broker ($SYS), completed with the archive's
 * registry (labels, units, weights) and latest values at start.
 *
 * The view_on_* functions change the picture and return what changed as a
 * JSON update for the live stream (sse.h), or NULL when nothing did. The
 * view_*_json functions render it for the REST API. Time is passed in.
 *
 * Thread safety: none; the view lives on the loop thread.
 */
#ifndef AMR_WEB_VIEW_H
#define AMR_WEB_VIEW_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

typedef struct view view;

struct view_opts {
	unsigned fresh_s;  /* data older than this is stale */
	size_t max_events; /* recent events kept */
};

/* Returns AMR_OK or AMR_ENOMEM. o is copied. */
amr_err view_create(view **out, const struct view_opts *o);

/* Accepts NULL. */
void view_destroy(view *v);

/* A gateway status (payload object, borrowed). Returns an update
 * {"object":{..}} (new reference) or NULL. An empty payload (a cleared
 * retained status) forgets the status. */
json_t *view_on_gw_status(view *v, unsigned obj, const json_t *st, int64_t now);

/* A canonical readings batch. Returns {"obj","ts","channels":[..],
 * "devices":[..],"object":{..}} or NULL when the batch is unusable. The
 * "outputs" of a responding device's entry (coils of outputs 1..4 as the
 * gateway last read them) set each output's state, with the batch time,
 * unless a state with a later time was applied (a resent older batch does
 * not turn it back); a silent device's entry leaves them as they were. */
json_t *view_on_readings(view *v, unsigned obj, const json_t *batch, int64_t now);

/* A normalised event. Returns {"event":{..},"object":{..}} plus, for an
 * event about a device, "obj" and "devices":[that device], or NULL. An
 * output_changed event ({"out":1..4,"blocked":bool} in its detail) sets the
 * output's state unless an output_changed with a later gateway time was
 * already applied (a replayed old event does not turn the state back). */
json_t *view_on_event(view *v, unsigned obj, const json_t *ev, int64_t now);

/*
 * A command of ingest (an ingest/command answer merged with its request,
 * or an ingest/command.get record): {"obj","cmd","addr","out","state",
 * "result":{"ok"}}. A block or unblock in state "done" with "ok":true sets
 * the output's state, as of its "finished" time (else now): an event or a
 * batch older than that no longer changes it. Returns {"obj","devices":
 * [the device]} (new reference) or NULL when it changed nothing.
 */
json_t *view_on_command(view *v, const json_t *rec, int64_t now);

/* An ingest/commands result (records newest first): each output whose
 * state is unknown takes its newest done block/unblock. Returns the number
 * of outputs set. For a start of the web service, when only history knows. */
size_t view_on_commands(view *v, const json_t *result, int64_t now);

/*
 * An alarm of amr-notify, the one alarm engine (amr/v1/alarms/{id}, rec
 * borrowed: its record, or an empty object when its retained message was
 * removed). An open one (raised, acknowledged) is kept with its object,
 * replacing what the view had of that id; "state":"cleared" or an empty
 * object removes it. A record not of alarm id (its "id", "obj" 1..,
 * "addr", "ch", "kind", "state") changes nothing. Returns {"obj","alarms":
 * [the alarm as kept, "state":"cleared" when it went],"object":{..}} (new)
 * or NULL when nothing is shown (unknown, of a retired object or device).
 * An object summary's "alarms" are its open ones: notify's record without
 * "key", with "ack" null until acknowledged and without an "addr" or "ch"
 * of 0, so {"id","kind","severity","state","target","obj","addr"?,"ch"?,
 * "raised","last","count","ack","detail":{"label","device_label"}}.
 */
json_t *view_on_alarm(view *v, uint32_t id, const json_t *rec, int64_t now);

/* Open alarms kept (for metrics and tests). */
size_t view_open_alarms(const view *v);

/* Forget every alarm kept; returns how many. For a new session with the
 * broker: one cleared while the web was away left no message for it,
 * and the retained ones that follow the subscription are the open ones. */
size_t view_forget_alarms(view *v);

/* A service status. Returns {"service":{..}} or NULL. */
json_t *view_on_svc_status(view *v, const char *name, const json_t *st, int64_t now);

/* A $SYS/broker/... value (key is the part after "$SYS/broker/"). */
void view_on_broker(view *v, const char *key, const char *value);

/* Apply an archive registry record (object, device or channel). Returns
 * the channel's update {"obj","channels":[..]} for a channel record, the
 * device's {"obj","devices":[..]} for a device record (its label and what
 * its outputs drive: "outputs":{"1":{"label","resource"}} in the record,
 * "label" and "resource" beside each output's state in the device's JSON;
 * notify's alarms name the device by their own "detail"), else NULL.
 * A retired object or device ("retired":true) stays in the view but leaves
 * every list (objects, channels, an object's devices and channels, events),
 * shows none of its alarms and gives no live updates; asked for by number, a
 * retired object answers with "retired":true. A device's or a channel's
 * record with "moved_to" (the device answers at another address now)
 * takes it out of the view, as if never seen. */
json_t *view_on_registry(view *v, const json_t *rec, int64_t now);

/* True, once, when a registry record changed what the lists show (an
 * object or a device retired or brought back, a device moved away): the
 * live stream's clients should load them again ("reload"). */
bool view_take_reload(view *v);

/* Seed channel values from an archive/latest result; newer values win. */
void view_on_latest(view *v, const json_t *result, int64_t now);

/* True when the channel obj.addr.ch has readings but no registry record
 * yet; marks it asked, so each channel is asked for once. */
bool view_wants_registry(view *v, unsigned obj, unsigned addr, unsigned ch);

/* Renders (new references, NULL when out of memory). */
json_t *view_objects_json(view *v, int64_t now);
json_t *view_object_json(view *v, unsigned obj, int64_t now);	/* NULL: unknown */
json_t *view_channels_json(view *v, unsigned obj, int64_t now); /* obj 0: all */
json_t *view_events_json(view *v, unsigned obj, size_t limit);	/* newest first */
json_t *view_services_json(view *v, bool broker_connected, int64_t now);

/* 1 when service name's last status said online, 0 offline, -1 unknown. */
int view_service_online(const view *v, const char *name);

/* Objects known (for metrics). */
size_t view_nobjects(const view *v);

#endif
