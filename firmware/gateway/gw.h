/*
 * gw.h - the gateway: field state, batches, status and the console's
 * actions, all on the loop thread.
 *
 * Poll results from the RS-485 thread arrive here; totals go through the
 * delta tracker, device states give events; every batch interval a batch is
 * stored in the spool (with the new baselines) and handed to the uplink.
 * The console (Telnet and server commands) acts through gw_console_ops().
 */
#ifndef GW_GW_H
#define GW_GW_H

#include <stdbool.h>

#include "console.h"
#include "loop.h"
#include "settings.h"

struct gw_opts {
	struct gw_defaults defaults; /* factory objnum, RS-485 timeout, poll list */
	const char *serial;	     /* serial device */
	int baud;		     /* line speed */
	unsigned reply_ms;	     /* Modbus answer timeout */
	unsigned poll_interval_ms;   /* least time between poll cycle starts */
	unsigned batch_s;	     /* batch interval */
	unsigned full_every;	     /* every n-th batch carries every total */
	unsigned spool_size;	     /* batches kept */
	unsigned window;	     /* batches in flight */
	unsigned resend_s;	     /* resend without ack after */
	const char *data_dir;	     /* flash directory */
	const char *mqtt_host;	     /* broker unless "serv=" is set */
	int mqtt_port;		     /* broker port unless "port=" is set */
	const char *mqtt_user;
	const char *mqtt_password;
	const char *mqtt_cafile;      /* broker's CA (PEM): TLS; NULL: plain TCP */
	const char *console_bind;     /* Telnet address */
	int console_port;	      /* Telnet port */
	const char *console_password; /* NULL: none */
	unsigned console_idle_s;      /* close a console session idle this long */
	const char *fw;		      /* firmware version text */
};

typedef struct gw gw;

/* Open the flash, load the settings, start the poller, uplink and console.
 * Returns AMR_OK or an error (logged; *out untouched). */
int gw_create(gw **out, loop *l, const struct gw_opts *o);

/* Stop everything and free. Accepts NULL. */
void gw_destroy(gw *g);

/* True when the console asked for a restart (main re-executes). */
bool gw_restart_wanted(const gw *g);

/* The LCD button (SIGUSR1): any thread, async-signal-safe. */
void gw_button_signal(void);

#endif
