/* view_int.h - the view's structures, shared by view.c and view_json.c and
 * by no other module: its functions carry a double underscore (view__find). */
#ifndef AMR_WEB_VIEW_INT_H
#define AMR_WEB_VIEW_INT_H

#include "proto.h"
#include "qty.h"
#include "view.h"

#define VIEW_ADDRS   PROTO_ADDR_MAX
#define VIEW_CHS     PROTO_CH_MAX
#define VIEW_OUTS    PROTO_OUT_MAX
#define VIEW_MAX_SVC 16
#define VIEW_LABEL   160

struct vchan {
	bool has_value;		/* a reading or a latest value arrived */
	bool reg;		/* registry record applied */
	bool reg_asked;		/* registry.get sent for it */
	uint32_t total;		/* device counter */
	uint32_t period_ms;	/* last pulse period */
	int64_t ts;		/* time of the value */
	int64_t moved_ts;	/* when the counter last went up */
	bool quarantined;	/* archive quarantined the counter */
	struct qty_conv conv;	/* unit, weight, decimals, initial reading */
	char label[VIEW_LABEL]; /* "Cold water, toilet, 1st floor" */
	char resource[16];	/* cold_water, electricity, ... */
	char serial[48];	/* meter serial */
	char due[16];		/* verification due, YYYY-MM-DD */
};

/* What an output drives, from its device's registry record. */
struct vout_label {
	char label[VIEW_LABEL]; /* "Кран ХВС" */
	char resource[16];	/* cold_water, electricity, ... ("" unknown) */
};

struct vdev {
	bool seen;		      /* in a devices snapshot or an event */
	bool ok;		      /* responding */
	int mains;		      /* 1 mains, 0 battery, -1 unknown */
	int batt_mv;		      /* -1 unknown */
	bool batt_low;		      /* battery_low seen, not cleared */
	int64_t ts;		      /* last snapshot or event */
	int64_t since;		      /* when ok or mains last changed */
	char label[VIEW_LABEL];	      /* registry label */
	int8_t out[VIEW_OUTS];	      /* output 1..4: 1 blocked, 0 released, -1 unknown */
	int64_t out_ts[VIEW_OUTS];    /* batch time of a state read, else when the web learnt it */
	int64_t out_ev_ts[VIEW_OUTS]; /* time of the state applied (event, batch, command) */
	bool retired;		      /* registry: out of the live views and alarms */
	struct vout_label *outl;      /* outputs 1..4 (new), NULL until the registry names one */
};

struct vobj {
	unsigned obj;				/* object number */
	char label[VIEW_LABEL];			/* registry label */
	bool retired;				/* registry: out of the live views and alarms */
	bool status_known;			/* a gateway status arrived */
	bool online;				/* gateway connected */
	int64_t status_ts;			/* when online last changed */
	char fw[24];				/* gateway firmware */
	char ip[48];				/* gateway address */
	long long polled;			/* devices polled */
	long long responding;			/* devices answering */
	long long spool_pending;		/* batches not yet acknowledged */
	long long spool_capacity;		/* spool size, -1 unknown */
	json_t *lcd;				/* LCD lines (new) or NULL */
	int64_t last_rx;			/* last batch received */
	int64_t last_ts;			/* its gateway time */
	long long last_seq;			/* its seq */
	struct vdev dev[VIEW_ADDRS];		/* by address - 1 */
	struct vchan *ch[VIEW_ADDRS][VIEW_CHS]; /* by address - 1, input - 1 */
	json_t *alarms;				/* notify's open alarms (array, new) or NULL */
};

struct vsvc {
	char name[32];	   /* "archive" */
	bool online;	   /* from its status topic */
	char version[24];  /* its version */
	int64_t started;   /* its start time */
	int64_t seen;	   /* when the status arrived */
	char problem[200]; /* what stops it doing its job, "" for nothing */
};

struct view {
	struct view_opts o;	       /* options */
	struct vobj **objs;	       /* sorted by obj */
	size_t nobjs;		       /* in use */
	size_t capobjs;		       /* allocated */
	json_t **events;	       /* ring of recent events */
	size_t ev_head;		       /* next slot */
	size_t ev_count;	       /* filled slots */
	struct vsvc svc[VIEW_MAX_SVC]; /* services seen */
	size_t nsvc;		       /* in use */
	char broker_version[64];       /* $SYS/broker/version */
	char broker_uptime[32];	       /* $SYS/broker/uptime */
	char broker_clients[16];       /* $SYS/broker/clients/connected */
	bool reload;		       /* what the lists show changed (view_take_reload) */
};

struct vobj *view__find(const view *v, unsigned obj);
struct vobj *view__get(view *v, unsigned obj); /* created on first sight; NULL: no memory, range */
json_t *view__alarms_json(const struct vobj *o); /* what o's summary shows (new) */
json_t *view__obj_summary(const view *v, const struct vobj *o, int64_t now);
json_t *view__chan_json(const view *v, const struct vobj *o, unsigned addr, unsigned ch,
			int64_t now);
json_t *view__dev_json(const struct vobj *o, unsigned addr);

#endif
