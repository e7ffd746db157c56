/*
 * telnetd.h - the Telnet console server (DESIGN.md section 5).
 *
 * Listens on a TCP address, greets each client as the seed's device does
 * ("Hello!" ...; a password first when one is set), and runs each line
 * through console_run(). Sessions are non-blocking on the loop thread; a
 * command waiting for a device holds its session's input until it answers.
 * A session without a typed line (an empty one does not count) for idle_s
 * seconds is closed, and one address holds at most TELNETD_MAX_PER_PEER of
 * the TELNETD_MAX_SESSIONS, so that forgotten or hostile connections
 * cannot hold the few slots for ever.
 */
#ifndef GW_TELNETD_H
#define GW_TELNETD_H

#include "console.h"
#include "loop.h"
#include "settings.h"

#define TELNETD_MAX_SESSIONS 4
#define TELNETD_MAX_PER_PEER 2 /* sessions of one address: it cannot take them all */

typedef struct telnetd telnetd;

struct telnetd_opts {
	loop *l;
	const char *bind;	       /* listening address, e.g. 127.0.0.1 */
	int port;		       /* TCP port */
	const char *password;	       /* NULL or "": none */
	struct gw_settings *settings;  /* the gateway's (borrowed) */
	const struct console_ops *ops; /* the gateway's actions (borrowed) */
	void (*restart)(void *ctx);    /* after "reset" was answered */
	/* a command that changed something (cmdline_changes) succeeded:
	 * typed by peer (its IP address), before any restart it asks for */
	void (*audit)(void *ctx, const char *peer, const char *line);
	void *ctx;
	unsigned idle_s; /* close a session idle this long */
};

/* Listen. Returns AMR_OK, AMR_ENOMEM or AMR_EIO (bind failed, logged). */
int telnetd_create(telnetd **out, const struct telnetd_opts *o);

/* Close every session and the listener. Accepts NULL. */
void telnetd_destroy(telnetd *t);

#endif
