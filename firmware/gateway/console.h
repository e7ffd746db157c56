/*
 * console.h - the console interpreter (DESIGN.md section 5).
 *
 * One interpreter serves the Telnet sessions and the server's "console"
 * commands. It parses a line (cmdline.h), applies settings changes to the
 * gateway's settings in memory (kept only after "save all"), and hands
 * everything that needs the rest of the gateway (devices, the server
 * connection, the flash, a restart) to the callbacks in console_ops.
 *
 * Commands that talk to a device finish later: console_run() then returns
 * CONSOLE_PENDING and the gateway calls done() once with the answer.
 */
#ifndef GW_CONSOLE_H
#define GW_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "settings.h"

#define CONSOLE_GREETING "Hello!\r\nType \"help\" for help or press \"Esc\" for exit.\r\n"
#define CONSOLE_PROMPT	 ">> "

/* Answer of a pending command: ok, and its text (borrowed for the call). */
typedef void (*console_done_fn)(void *arg, bool ok, const char *text);

struct console_ops {
	void *ctx;
	/* true if the device at addr answers now */
	bool (*responding)(void *ctx, unsigned addr);
	/* the two LCD lines, 12 characters each plus NUL */
	void (*lcd)(void *ctx, char line1[13], char line2[13]);
	void (*lcd_button)(void *ctx);
	/* "host:port, connected" or similar, for ipconfig */
	void (*server)(void *ctx, char *buf, size_t len);
	/* drop the broker connection; it is made again after a pause */
	void (*disconnect)(void *ctx);
	/* write the settings to flash; AMR_OK or an error */
	int (*save)(void *ctx, const struct gw_settings *s);
	/* the factory settings (seed table 1 and the program's options) */
	void (*factory)(void *ctx, struct gw_settings *s);
	/* the poll list changed in memory */
	void (*poll_changed)(void *ctx);
	/* start zero / ch addr / block / unblock; AMR_OK means done() will be
	 * called once, anything else means it will not (text in err) */
	int (*device)(void *ctx, const struct cmdline *c, console_done_fn done, void *arg,
		      char *err, size_t errlen);
};

enum console_result {
	CONSOLE_OK,	 /* answered in out */
	CONSOLE_ERROR,	 /* a one-line error in out; nothing changed */
	CONSOLE_PENDING, /* done() will be called with the answer */
	CONSOLE_EXIT,	 /* close the session (out may hold a farewell) */
	CONSOLE_RESTART, /* send out, then restart the gateway */
};

/*
 * Run one line against s (borrowed; changed in memory for settings
 * commands). The answer goes into out (outlen bytes, lines end in "\r\n").
 * On CONSOLE_ERROR s is unchanged.
 */
enum console_result console_run(struct gw_settings *s, const struct console_ops *ops,
				const char *line, char *out, size_t outlen, console_done_fn done,
				void *arg);

#endif
