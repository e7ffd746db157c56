/*
 * gw_int.h - the gateway's state, shared by gw.c (polling, batches, life)
 * and gw_console.c (what console commands do to the gateway). Not a public
 * interface: everything outside firmware/gateway uses gw.h. Names shared
 * only by these two files carry the internal mark of a double underscore
 * (gw__find_cmd, struct gw__dev, GW__MAX_PENDING_CMDS), as Mosquitto's do.
 */
#ifndef AMR_GW_INT_H
#define AMR_GW_INT_H

#include <jansson.h>

#include "cmdlog.h"
#include "delta.h"
#include "devstate.h"
#include "gw.h"
#include "kv.h"
#include "outputs.h"
#include "poller.h"
#include "remote.h"
#include "spool.h"
#include "telnetd.h"
#include "uplink.h"

#define GW__MAX_PENDING_CMDS 16
#define GW__LCD_IP_SCREEN_S  30

struct gw__dev {
	struct devstate st; /* responding, supply, battery (devstate.c) */
	struct outputs out; /* coils last read (outputs 1..4) */
	bool changed;	    /* goes into the next batch's devices */
};

/*
 * A zero command's mark (spool_zeroing()), per channel: set on flash after
 * the pulses before the zero are stored and before the zero is written
 * (ZM_ZEROING); ZM_WAIT when whether it zeroed is for the next read to
 * tell (delta_set_zeroing(): after a restart, or a zero whose result was
 * not seen); ZM_DONE once the total after it is known, until a batch with
 * it is stored and the mark is cleared from flash.
 */
enum {
	ZM_NONE,
	ZM_ZEROING,
	ZM_WAIT,
	ZM_DONE
};

struct gw__pending_cmd {
	uint64_t cookie;      /* 0 when free */
	console_done_fn done; /* who waits */
	void *arg;
};

struct gw {
	struct gw_opts o;
	loop *l;
	char settings_path[512];
	struct gw_settings set; /* in memory, as the console edits it */
	struct delta delta;	/* pulses not yet published */
	struct gw__dev dev[GW_ADDR_MAX + 1];
	uint8_t zmark[GW_ADDR_MAX + 1][GW_CHANNELS]; /* ZM_*, [addr][ch-1] */
	json_t *events;				     /* events for the next batch */
	kv *kv;
	spool *sp;
	cmdlog *clog;
	poller *poll;
	uplink *up;
	telnetd *tel;
	remote *rem;
	struct console_ops ops;
	struct gw__pending_cmd cmds[GW__MAX_PENDING_CMDS];
	uint64_t next_cookie;
	uint64_t batch_timer, tick_timer, restart_timer;
	unsigned batches;	   /* made since start */
	bool bus_ok;		   /* serial device open */
	int screen;		   /* LCD screen shown */
	uint64_t screen_since;	   /* when the IP screen was brought up */
	uint64_t cycle_ms, cycles; /* last poll cycle time, count */
	unsigned coils_rr;	   /* last address whose coils the round robin read */
	bool restart;		   /* re-execute after the loop stops */
};

/* The pending device command with cookie (0: a free slot), or NULL. */
struct gw__pending_cmd *gw__find_cmd(gw *g, uint64_t cookie);

/* The two LCD lines as the device shows them now. */
void gw__lcd_lines(gw *g, char l1[13], char l2[13]);

/* Fill g->ops with the console's actions on this gateway (gw_console.c). */
void gw__console_ops_init(gw *g);

#endif
