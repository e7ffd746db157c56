/*
 * proto.h - the v1 protocol's bounds, ids, topics and event names, written
 * once (docs/protocol.md is the contract they implement).
 *
 * Every program that names an object, a device, a channel, a topic or an
 * event type takes it from here, so that a bound or a spelling cannot
 * differ between the gateway, ingest, the archive, the portal and amrctl.
 * Pure functions over caller buffers: no allocation, no state.
 */
#ifndef AMR_PROTO_H
#define AMR_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds of the ids (docs/protocol.md, "Ids"). */
#define PROTO_OBJ_MAX	       65000 /* object (gateway) numbers 1..PROTO_OBJ_MAX */
#define PROTO_ADDR_MAX	       127   /* UO-4 RS-485 addresses 1..PROTO_ADDR_MAX */
#define PROTO_CH_MAX	       4     /* pulse inputs of a UO-4, 1..PROTO_CH_MAX */
#define PROTO_OUT_MAX	       4     /* outputs of a UO-4, 1..PROTO_OUT_MAX */
#define PROTO_CONSOLE_LINE_MAX 120   /* bytes of a console line sent to a gateway */
/* A batch's seq is 1..PROTO_SEQ_MAX: 2^53-1, exact in every JSON reader. */
#define PROTO_SEQ_MAX	       9007199254740991LL

#define PROTO_STR_(x)	 #x
#define PROTO_STR(x)	 PROTO_STR_(x)
/* The bounds as text, for messages: "1..65000" and the like. */
#define PROTO_OBJ_RANGE	 "1.." PROTO_STR(PROTO_OBJ_MAX)
#define PROTO_ADDR_RANGE "1.." PROTO_STR(PROTO_ADDR_MAX)
#define PROTO_CH_RANGE	 "1.." PROTO_STR(PROTO_CH_MAX)
/* How a well-formed id reads, for messages. */
#define PROTO_ID_FORMS                                                                \
	"obj " PROTO_OBJ_RANGE ", addr " PROTO_ADDR_RANGE ", ch " PROTO_CH_RANGE ": " \
	"\"1\", \"1.5\", \"1.5.1\""

/*
 * An object "O", a device "O.A" or a channel "O.A.C": addr is 0 for an
 * object, ch is 0 for an object or a device.
 */
struct proto_id {
	uint16_t obj; /* 1..PROTO_OBJ_MAX */
	uint8_t addr; /* 0, or 1..PROTO_ADDR_MAX */
	uint8_t ch;   /* 0, or 1..PROTO_CH_MAX */
};

#define PROTO_ID_LEN 16 /* room for "65000.127.4" and its NUL */

/*
 * Read an id in its one spelling: decimal parts without sign or leading
 * zero, each within its bound, joined by '.'. Returns the number of parts
 * (1 object, 2 device, 3 channel) and fills *id (may be NULL), or 0 when s
 * is NULL or not such an id (then *id is unchanged).
 */
int proto_id_parse(const char *s, struct proto_id *id);

/* Read exactly len bytes of s as one object number; 0 when they are not one. */
unsigned proto_obj_parse(const char *s, size_t len);

/* Write id's one spelling into buf (PROTO_ID_LEN bytes); returns buf. */
char *proto_id_format(const struct proto_id *id, char buf[PROTO_ID_LEN]);

/* True when obj, addr and ch are within their bounds (ch may be 0). */
bool proto_obj_ok(long long obj);
bool proto_addr_ok(long long addr);
bool proto_ch_ok(long long ch);

/*
 * Topics of docs/protocol.md. Per-object and per-name topics are built by
 * proto_topic() and read back by proto_topic_parse(); the fixed ones are
 * plain strings.
 */
#define PROTO_TOPIC_ROOT       "amr/v1/"
#define PROTO_TOPIC_AUDIT      "amr/v1/audit"
#define PROTO_TOPIC_DEADLETTER "amr/v1/deadletter"
#define PROTO_TOPIC_RPC	       "amr/v1/rpc/"	   /* + <service>/<method> */
#define PROTO_TOPIC_RPC_REPLY  "amr/v1/rpc/reply/" /* + <client id> */
#define PROTO_TOPIC_MAX	       128		   /* room for any topic we build */
#define PROTO_NAME_MAX	       63		   /* longest service name or alarm id */

enum proto_topic {
	PROTO_T_UNKNOWN = 0, /* not a topic of the protocol */
	PROTO_T_GW_STATUS,   /* amr/v1/gw/{obj}/status */
	PROTO_T_GW_UP,	     /* amr/v1/gw/{obj}/up */
	PROTO_T_GW_ACK,	     /* amr/v1/gw/{obj}/ack */
	PROTO_T_GW_CMD,	     /* amr/v1/gw/{obj}/cmd */
	PROTO_T_GW_RESULT,   /* amr/v1/gw/{obj}/cmd/result */
	PROTO_T_READINGS,    /* amr/v1/readings/{obj} */
	PROTO_T_EVENTS,	     /* amr/v1/events/{obj} */
	PROTO_T_ALARM,	     /* amr/v1/alarms/{name} */
	PROTO_T_SVC_STATUS,  /* amr/v1/svc/{name}/status */
	PROTO_T_AUDIT,	     /* amr/v1/audit */
	PROTO_T_DEADLETTER,  /* amr/v1/deadletter */
	PROTO_T_MAX
};

/*
 * Build the topic of kind t for object obj (per-object kinds) or name
 * (PROTO_T_ALARM, PROTO_T_SVC_STATUS; a name is 1..PROTO_NAME_MAX bytes
 * without '/', '+', '#'). Returns buf, or NULL when obj or name is out of
 * bounds, t has no such form, or size is too small (buf then holds "").
 */
char *proto_topic(char *buf, size_t size, enum proto_topic t, unsigned obj, const char *name);

/* The subscription filter of every topic of kind t ("amr/v1/gw/+/up"),
 * static storage; NULL for PROTO_T_UNKNOWN. */
const char *proto_topic_filter(enum proto_topic t);

/* What proto_topic_parse() read. */
struct proto_topic_info {
	enum proto_topic kind; /* PROTO_T_UNKNOWN when not ours */
	unsigned obj;	       /* per-object kinds: 1..PROTO_OBJ_MAX */
	const char *name;      /* named kinds: start of the name inside the topic */
	size_t name_len;       /* its length */
};

/*
 * Read a topic: its kind and object number (in its one spelling) or name.
 * Returns the kind; PROTO_T_UNKNOWN for anything else, also for a topic of
 * ours with a malformed or out-of-range object number (then info->obj is 0).
 * info borrows from topic.
 */
enum proto_topic proto_topic_parse(const char *topic, struct proto_topic_info *info);

/* The object number of topic when it is of per-object kind t; 0 when it is
 * not (another kind, or an object number out of range or misspelt). */
unsigned proto_topic_obj(const char *topic, enum proto_topic t);

/* Event types (docs/protocol.md, "Events"): what the gateway reports in a
 * batch, what ingest adds about gateways and what the archive adds about
 * quarantined channels. */
enum proto_event {
	PROTO_EV_UNKNOWN = 0,
	PROTO_EV_DEVICE_OFFLINE,
	PROTO_EV_DEVICE_ONLINE,
	PROTO_EV_MAINS_LOST,
	PROTO_EV_MAINS_RESTORED,
	PROTO_EV_BATTERY_LOW,
	PROTO_EV_COUNTER_ZEROED,
	PROTO_EV_COUNTER_DECREASED,
	PROTO_EV_ADDRESS_CHANGED,
	PROTO_EV_OUTPUT_CHANGED,
	PROTO_EV_GATEWAY_BOOT,
	PROTO_EV_NVM_ERROR,
	PROTO_EV_CONSOLE_ACTION,      /* a change typed on the gateway's console */
	PROTO_EV_OBJECT_CHANGED,      /* first batch after a new object number */
	PROTO_EV_GATEWAY_ONLINE,      /* ingest's, never in a batch */
	PROTO_EV_GATEWAY_OFFLINE,     /* ingest's, never in a batch */
	PROTO_EV_COUNTER_QUARANTINED, /* the archive's, never in a batch */
	PROTO_EV_MAX
};

/* The names of the gateway's types in enum order from
 * PROTO_EV_DEVICE_OFFLINE, NULL-terminated (a choice list for jv_enum). */
extern const char *const proto_gateway_events[];

/* The resources a channel measures, as the registry names them
 * ("cold_water"), "unknown" first, NULL-terminated (a choice list for
 * jv_enum; docs/archive.md, "Registry"). */
extern const char *const proto_resources[];

/* The wire name of e ("mains_lost"), static storage; NULL when unknown. */
const char *proto_event_name(enum proto_event e);

/* The type named s; PROTO_EV_UNKNOWN when s is NULL or names none. */
enum proto_event proto_event_parse(const char *s);

/* True for the types a gateway may send in a batch (not ingest's own). */
bool proto_event_from_gateway(enum proto_event e);

#endif
