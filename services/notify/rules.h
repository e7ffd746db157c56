/*
 * rules.h - which events raise an alarm and which clear one (pure: no
 * I/O, no clock but the times given); docs/notify.md, "Rules".
 *
 * An alarm is a condition on a target: an object (its gateway), a device
 * (a UO-4, "1.5") or a channel (a meter, "1.5.1"). Its key, the kind and
 * the target ("device_offline/1.5"), is what makes one alarm per
 * condition however often the condition repeats. rules_event() reads one
 * event of amr/v1/events/{obj} and says what it does:
 *
 *   gateway_offline     starts the gateway's grace (gateway_offline_min);
 *                       the alarm is raised by rules_due() once it passes
 *   gateway_online      clears gateway_offline (and ends the grace)
 *   device_offline      raises device_offline on the UO-4
 *   device_online       clears it
 *   mains_lost          raises mains_lost on the UO-4
 *   mains_restored      clears it
 *   battery_low         raises battery_low (cleared by hand: the event has
 *                       no opposite)
 *   counter_decreased,  raise counter on the channel (cleared by hand, once
 *   counter_quarantined the quarantine is looked at)
 *
 * Every other event does nothing here. A gateway's retained status
 * (amr/v1/gw/{obj}/status) says the same of the gateway: online false
 * starts the grace, online true clears gateway_offline; and its spool
 * filled to spool_pct % of its capacity or more raises spool, below it
 * clears it (rules_status()).
 */
#ifndef AMR_NOTIFY_RULES_H
#define AMR_NOTIFY_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "proto.h"

enum rules_kind {
	RULES_GATEWAY_OFFLINE, /* the gateway offline longer than its grace */
	RULES_DEVICE_OFFLINE,  /* a UO-4 not answering */
	RULES_MAINS_LOST,      /* a UO-4 without mains, on its battery */
	RULES_BATTERY_LOW,     /* a UO-4's battery low */
	RULES_COUNTER,	       /* a counter went down or was quarantined */
	RULES_LEAK,	       /* water never at zero flow, or night flow (flow.h) */
	RULES_BURST,	       /* flow above a threshold for minutes (flow.h) */
	RULES_STUCK,	       /* a meter that counted stopped (flow.h) */
	RULES_SPOOL,	       /* a gateway's spool filling (its status) */
	RULES_VERIFICATION,    /* a meter's verification (поверка) due soon (the registry) */
	RULES_DEBT,	       /* an account's debt above its threshold (billing) */
	RULES_KINDS
};

enum rules_severity {
	RULES_INFO,
	RULES_MINOR,
	RULES_MAJOR,
	RULES_CRITICAL,
	RULES_SEVERITIES
};

/* What an event does. */
enum rules_act {
	RULES_NOTHING,
	RULES_RAISE, /* raise kind on the target */
	RULES_CLEAR, /* clear kind on the target (nothing when none is raised) */
	RULES_GRACE, /* the gateway went offline: raise after the grace */
};

struct rules_action {
	enum rules_act act;
	enum rules_kind kind;
	struct proto_id target; /* obj; addr 0: the object; ch 0: the device */
	int64_t ts;		/* the event's time */
};

/* The names of the kinds and of the severities, by their enums,
 * NULL-terminated (choice lists for jv_enum). */
extern const char *const rules_kind_names[RULES_KINDS + 1];
extern const char *const rules_severity_names[RULES_SEVERITIES + 1];

/* The kind's name ("device_offline"), or NULL out of range; rules_kind_parse
 * the reverse (-1 when none). */
const char *rules_kind_name(enum rules_kind k);
int rules_kind_parse(const char *s);

/* The severity's name ("major") and the reverse (-1 when none). */
const char *rules_severity_name(enum rules_severity s);
int rules_severity_parse(const char *s);

/* The severity a kind is raised with. */
enum rules_severity rules_severity_of(enum rules_kind k);

/*
 * What event ev (an amr/v1/events/{obj} payload, borrowed) of object obj
 * does, into *out. An event whose obj, addr or ch are out of range (or
 * missing where the kind needs them) does nothing.
 */
void rules_event(unsigned obj, const json_t *ev, struct rules_action *out);

/*
 * What gateway status st (borrowed) of object obj says, into act[0]
 * (presence: RULES_GRACE or RULES_CLEAR of gateway_offline; RULES_NOTHING
 * when it says neither) and act[1] (the spool: RULES_RAISE or RULES_CLEAR
 * of spool; RULES_NOTHING without a spool), at now. spool_pct 0: no spool
 * alarm.
 */
void rules_status(unsigned obj, const json_t *st, unsigned spool_pct, int64_t now,
		  struct rules_action act[2]);

/* The alarm key "kind/target" into buf (RULES_KEY_LEN bytes). Returns buf. */
#define RULES_KEY_LEN 48
char *rules_key(enum rules_kind k, const struct proto_id *target, char *buf);

#endif
