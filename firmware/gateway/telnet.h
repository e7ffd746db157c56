/*
 * telnet.h - the server side of the Telnet protocol for the console (pure).
 *
 * Bytes from the client go in one at a time; lines, the Esc key and the
 * bytes to send back (echo, answers to option negotiation) come out. The
 * server offers WILL ECHO and WILL SUPPRESS-GO-AHEAD at the start, as
 * embedded devices do, so real clients switch to character mode: Esc then
 * arrives at once, and the server echoes what is typed (stars while a
 * password is typed). Clients that never agree (nc, scripts) are not echoed.
 *
 * Handled: IAC WILL/WONT/DO/DONT (every option but ECHO and SGA refused,
 * never answering an answer, so negotiation cannot loop), SB ... IAC SE
 * skipped, IAC IAC as the byte 255, IAC EC/EL/IP, CR LF, CR NUL and bare LF
 * as line ends, backspace and DEL, Esc alone (exit) versus Esc starting a
 * cursor-key sequence (ignored).
 */
#ifndef GW_TELNET_H
#define GW_TELNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TELNET_LINE_MAX 128
#define TELNET_SB_MAX	64 /* bytes of one subnegotiation we wait through */

#define TELNET_IAC	255
#define TELNET_DONT	254
#define TELNET_DO	253
#define TELNET_WONT	252
#define TELNET_WILL	251
#define TELNET_SB	250
#define TELNET_EL	248
#define TELNET_EC	247
#define TELNET_IP	244
#define TELNET_SE	240
#define TELNET_OPT_ECHO 1
#define TELNET_OPT_SGA	3

struct telnet_out {
	uint8_t buf[512]; /* bytes to send to the client */
	size_t len;	  /* used */
};

struct telnet {
	int state;		    /* parser state (private) */
	bool echo;		    /* the client let us echo */
	bool echo_offered;	    /* WILL ECHO sent, no answer yet */
	bool sga_offered;	    /* WILL SGA sent, no answer yet */
	bool sga_asked;		    /* DO SGA sent */
	bool hide;		    /* echo '*' instead of the characters (password) */
	bool overflow;		    /* the current line was longer than the buffer */
	bool done;		    /* line was handed out; the next byte starts anew */
	unsigned sb;		    /* bytes inside the current subnegotiation */
	char line[TELNET_LINE_MAX]; /* the line being typed, NUL-terminated */
	size_t len;		    /* its length */
};

enum telnet_event {
	TELNET_NONE, /* nothing for the console yet */
	TELNET_LINE, /* t->line holds a complete line */
	TELNET_ESC,  /* Esc was pressed */
};

/* Reset t and queue the opening negotiation into o. */
void telnet_start(struct telnet *t, struct telnet_out *o);

/* Handle one byte from the client; bytes to send are appended to o.
 * After TELNET_LINE the line stays in t->line until the next byte. */
enum telnet_event telnet_byte(struct telnet *t, uint8_t c, struct telnet_out *o);

/* Call when a read's bytes are all handled: an Esc not followed in the same
 * read by '[' or 'O' was the Esc key. Returns TELNET_ESC or TELNET_NONE. */
enum telnet_event telnet_idle(struct telnet *t);

/* Append text to o, doubling 255 bytes (IAC). Returns false when o is full
 * (what fitted was appended). */
bool telnet_put(struct telnet_out *o, const char *text, size_t len);

#endif
