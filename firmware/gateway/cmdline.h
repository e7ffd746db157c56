/*
 * cmdline.h - the console's command parser (DESIGN.md section 5).
 *
 * Pure: one line of text in, one struct cmdline out, or a one-line error
 * message. Keywords are case-insensitive ("Help" works as the seed shows),
 * runs of spaces count as one and spaces around '=' are allowed.
 */
#ifndef GW_CMDLINE_H
#define GW_CMDLINE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

enum cmdline_kind {
	CMDLINE_EMPTY,		/* blank line: just a new prompt */
	CMDLINE_IPCONFIG,	/* ipconfig */
	CMDLINE_DISCONNECT,	/* disconnect server */
	CMDLINE_OBJNUM,		/* objnum=N, num 1..PROTO_OBJ_MAX */
	CMDLINE_SERV,		/* serv=A.B.C.D, ip */
	CMDLINE_PORT,		/* port=N, num 1..65535 */
	CMDLINE_DEV,		/* dev=A.B.C.D, ip */
	CMDLINE_NET,		/* net=A.B.C.D, ip */
	CMDLINE_GATE,		/* gate=A.B.C.D, ip */
	CMDLINE_MAC,		/* mac=XXXXXXXXXXXX, mac */
	CMDLINE_ZERO,		/* zero ch=X addr=XXX, ch and addr */
	CMDLINE_CHADDR,		/* ch addr=XXX to XXX, addr and to */
	CMDLINE_SHOWADDR,	/* show addr */
	CMDLINE_ADD,		/* add addr=XXX */
	CMDLINE_DEL,		/* del addr=XXX */
	CMDLINE_TIMEOUT_SHOW,	/* RS485 timeout */
	CMDLINE_TIMEOUT_SET,	/* RS485 timeout=X, num 1..240 */
	CMDLINE_SAVE,		/* save all */
	CMDLINE_SAVE_RESET,	/* save all and reset */
	CMDLINE_RESET,		/* reset */
	CMDLINE_RESET_DEFAULTS, /* reset -d */
	CMDLINE_EXIT,		/* exit */
	CMDLINE_HELP,		/* help, ? or \? */
	CMDLINE_LCD,		/* lcd: show the display */
	CMDLINE_LCD_BUTTON,	/* lcd button: press the display's button */
	CMDLINE_BLOCK,		/* block addr=XXX out=X (server commands and tests) */
	CMDLINE_UNBLOCK,	/* unblock addr=XXX out=X */
};

struct cmdline {
	enum cmdline_kind kind; /* what was asked */
	unsigned num;		/* objnum, port or timeout value */
	unsigned addr;		/* device address 1..127 */
	unsigned to;		/* new address of "ch addr" */
	unsigned ch;		/* input 1..4 of "zero" */
	unsigned out;		/* output 1..4 of block/unblock */
	uint8_t ip[4];		/* serv/dev/net/gate */
	uint8_t mac[6];		/* mac */
};

/*
 * Parse line (NUL-terminated, without the line end). Returns AMR_OK and
 * fills *out, or AMR_EINVAL with a one-line message in err (which holds
 * errlen bytes); *out is then unspecified.
 */
int cmdline_parse(const char *line, struct cmdline *out, char *err, size_t errlen);

/* True for the kinds that change a setting, a counter, an output, the
 * poll list or the gateway's state (what the audit trail must hear of);
 * false for those that only show something or end the session. */
bool cmdline_changes(enum cmdline_kind kind);

/* The help text (the seed's list), lines ending in "\r\n": borrowed (a
 * string constant). */
const char *cmdline_help(void);

#endif
