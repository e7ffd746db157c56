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
#include <stdint.h>

enum cmdline_kind {
	CMD_EMPTY,	    /* blank line: just a new prompt */
	CMD_IPCONFIG,	    /* ipconfig */
	CMD_DISCONNECT,	    /* disconnect server */
	CMD_OBJNUM,	    /* objnum=N, num 1..65000 */
	CMD_SERV,	    /* serv=A.B.C.D, ip */
	CMD_PORT,	    /* port=N, num 1..65535 */
	CMD_DEV,	    /* dev=A.B.C.D, ip */
	CMD_NET,	    /* net=A.B.C.D, ip */
	CMD_GATE,	    /* gate=A.B.C.D, ip */
	CMD_MAC,	    /* mac=XXXXXXXXXXXX, mac */
	CMD_ZERO,	    /* zero ch=X addr=XXX, ch and addr */
	CMD_CHADDR,	    /* ch addr=XXX to XXX, addr and to */
	CMD_SHOWADDR,	    /* show addr */
	CMD_ADD,	    /* add addr=XXX */
	CMD_DEL,	    /* del addr=XXX */
	CMD_TIMEOUT_SHOW,   /* RS485 timeout */
	CMD_TIMEOUT_SET,    /* RS485 timeout=X, num 1..240 */
	CMD_SAVE,	    /* save all */
	CMD_SAVE_RESET,	    /* save all and reset */
	CMD_RESET,	    /* reset */
	CMD_RESET_DEFAULTS, /* reset -d */
	CMD_EXIT,	    /* exit */
	CMD_HELP,	    /* help, ? or \? */
	CMD_LCD,	    /* lcd: show the display */
	CMD_LCD_BUTTON,	    /* lcd button: press the display's button */
	CMD_BLOCK,	    /* block addr=XXX out=X (server commands and tests) */
	CMD_UNBLOCK,	    /* unblock addr=XXX out=X */
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

/* The help text (the seed's list), lines ending in "\r\n"; static. */
const char *cmdline_help(void);

#endif
