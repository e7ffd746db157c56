#include <string.h>

#include "telnet.h"

enum state {
	ST_DATA,
	ST_CR,	   /* after CR: swallow LF or NUL */
	ST_IAC,	   /* after IAC */
	ST_OPT,	   /* after IAC WILL/WONT/DO/DONT: the option byte */
	ST_SB,	   /* inside a subnegotiation */
	ST_SB_IAC, /* IAC inside a subnegotiation */
	ST_ESC,	   /* after Esc, deciding key or sequence */
	ST_CSI,	   /* inside an escape sequence */
};

/* The verb of ST_OPT lives in the high byte of state. */
#define VERB(t)	 ((t)->state >> 8)
#define STATE(t) ((t)->state & 0xff)

static void put(struct telnet_out *o, const uint8_t *b, size_t n)
{
	if (o->len + n <= sizeof o->buf) {
		memcpy(o->buf + o->len, b, n);
		o->len += n;
	}
}

static void cmd(struct telnet_out *o, uint8_t verb, uint8_t opt)
{
	uint8_t b[3] = { TELNET_IAC, verb, opt };

	put(o, b, 3);
}

bool telnet_put(struct telnet_out *o, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)text[i];

		if (o->len + (c == TELNET_IAC ? 2 : 1) > sizeof o->buf)
			return false;
		o->buf[o->len++] = c;
		if (c == TELNET_IAC)
			o->buf[o->len++] = c;
	}
	return true;
}

void telnet_start(struct telnet *t, struct telnet_out *o)
{
	memset(t, 0, sizeof *t);
	t->echo_offered = true;
	t->sga_offered = true;
	cmd(o, TELNET_WILL, TELNET_OPT_ECHO);
	cmd(o, TELNET_WILL, TELNET_OPT_SGA);
}

/* The client's answer or request about option opt. */
static void negotiate(struct telnet *t, int verb, uint8_t opt, struct telnet_out *o)
{
	switch (verb) {
	case TELNET_DO:
		if (opt == TELNET_OPT_ECHO) {
			if (!t->echo && !t->echo_offered)
				cmd(o, TELNET_WILL, opt);
			t->echo = true;
			t->echo_offered = false;
		} else if (opt == TELNET_OPT_SGA) {
			if (!t->sga_offered && !t->sga_asked)
				cmd(o, TELNET_WILL, opt);
			t->sga_offered = false;
		} else {
			cmd(o, TELNET_WONT, opt);
		}
		break;
	case TELNET_DONT:
		if (opt == TELNET_OPT_ECHO) {
			if (t->echo)
				cmd(o, TELNET_WONT, opt);
			t->echo = false;
			t->echo_offered = false;
		}
		/* other options were never on: an answer needs no answer */
		break;
	case TELNET_WILL:
		if (opt == TELNET_OPT_SGA) {
			if (!t->sga_asked)
				cmd(o, TELNET_DO, opt);
			t->sga_asked = true;
		} else {
			cmd(o, TELNET_DONT, opt);
		}
		break;
	default: /* WONT: the client keeps the option off; nothing to say */
		break;
	}
}

static void echo(struct telnet *t, struct telnet_out *o, const char *s, size_t n)
{
	if (t->echo)
		telnet_put(o, s, n);
}

static enum telnet_event data(struct telnet *t, uint8_t c, struct telnet_out *o)
{
	switch (c) {
	case '\r':
		t->state = ST_CR;
		echo(t, o, "\r\n", 2);
		t->done = true;
		return TELNET_LINE;
	case '\n':
		echo(t, o, "\r\n", 2);
		t->done = true;
		return TELNET_LINE;
	case 0x08:
	case 0x7f:
		if (t->len > 0) {
			t->line[--t->len] = '\0';
			echo(t, o, "\b \b", 3);
		}
		return TELNET_NONE;
	case 0x1b:
		t->state = ST_ESC;
		return TELNET_NONE;
	case 0x03: /* Ctrl-C: drop the line */
		t->len = 0;
		t->line[0] = '\0';
		echo(t, o, "^C\r\n", 4);
		t->done = true;
		return TELNET_LINE;
	default:
		break;
	}
	if (c < 0x20)
		return TELNET_NONE;
	if (t->len + 1 >= sizeof t->line) {
		t->overflow = true;
		return TELNET_NONE;
	}
	t->line[t->len++] = (char)c;
	t->line[t->len] = '\0';
	echo(t, o, t->hide ? "*" : (const char *)&c, 1);
	return TELNET_NONE;
}

enum telnet_event telnet_byte(struct telnet *t, uint8_t c, struct telnet_out *o)
{
	/* A line handed out is forgotten when the next byte comes. */
	if (t->done) {
		t->done = false;
		t->len = 0;
		t->line[0] = '\0';
		t->overflow = false;
	}
	switch (STATE(t)) {
	case ST_CR:
		t->state = ST_DATA;
		if (c == '\n' || c == '\0')
			return TELNET_NONE;
		__attribute__((fallthrough)); /* a bare CR ended the line; c starts the next */
	case ST_DATA:
		if (c == TELNET_IAC) {
			t->state = ST_IAC;
			return TELNET_NONE;
		}
		return data(t, c, o);
	case ST_IAC:
		t->state = ST_DATA;
		switch (c) {
		case TELNET_IAC:
			return data(t, c, o);
		case TELNET_WILL:
		case TELNET_WONT:
		case TELNET_DO:
		case TELNET_DONT:
			t->state = ST_OPT | (c << 8);
			return TELNET_NONE;
		case TELNET_SB:
			t->state = ST_SB;
			t->sb = 0;
			return TELNET_NONE;
		case TELNET_EC:
			return data(t, 0x7f, o);
		case TELNET_EL:
		case TELNET_IP:
			return data(t, 0x03, o);
		default: /* NOP, GA, AYT, BRK, DM...: nothing to do */
			return TELNET_NONE;
		}
	case ST_OPT:
		negotiate(t, VERB(t), c, o);
		t->state = ST_DATA;
		return TELNET_NONE;
	case ST_SB:
		/* we negotiate no option with subnegotiations: one that does not
		 * end within TELNET_SB_MAX bytes is a broken client, and what
		 * follows is read as input again */
		if (c == TELNET_IAC)
			t->state = ST_SB_IAC;
		else if (++t->sb > TELNET_SB_MAX)
			t->state = ST_DATA;
		return TELNET_NONE;
	case ST_SB_IAC:
		t->state = c == TELNET_SE ? ST_DATA : ST_SB;
		return TELNET_NONE;
	case ST_ESC:
		if (c == '[' || c == 'O') {
			t->state = ST_CSI;
			return TELNET_NONE;
		}
		t->state = ST_DATA;
		return TELNET_ESC;
	case ST_CSI:
		/* parameters and intermediates until a final byte 0x40..0x7e */
		if (c >= 0x40 && c <= 0x7e)
			t->state = ST_DATA;
		return TELNET_NONE;
	default:
		t->state = ST_DATA;
		return TELNET_NONE;
	}
}

enum telnet_event telnet_idle(struct telnet *t)
{
	if (STATE(t) == ST_ESC) {
		t->state = ST_DATA;
		return TELNET_ESC;
	}
	return TELNET_NONE;
}
