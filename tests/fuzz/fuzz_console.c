/*
 * fuzz_console.c - libFuzzer target: the gateway's console as a Telnet
 * client reaches it (firmware/gateway: telnet.c, cmdline.c, console.c;
 * docs/reliability.md).
 *
 * The bytes go one by one through the Telnet machine, as telnetd.c hands
 * them over; every line it gives out goes to cmdline_parse() and to
 * console_run() with stub operations. Checked besides the sanitizers:
 * the machine's output and line stay within their buffers, a line is
 * NUL-terminated and holds no line end; a parsed command's numbers are
 * within the ranges cmdline.h gives; an error has a message and changes
 * no setting; a command that cmdline_changes() says changes nothing
 * leaves the settings alone; the answer is NUL-terminated; a pending
 * command is answered through the done callback once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "console.h"
#include "err.h"
#include "proto.h"
#include "settings.h"
#include "telnet.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static const struct gw_defaults defs = { 1, 5, "1-4" };

struct pending {
	console_done_fn done;
	void *arg;
	int answers;
};

static struct pending pend;

static bool f_responding(void *ctx, unsigned addr)
{
	CHECK(addr >= GW_ADDR_MIN && addr <= GW_ADDR_MAX);
	return addr % 2 == 1;
}

static void f_lcd(void *ctx, char l1[13], char l2[13])
{
	snprintf(l1, 13, "UO-4  3/4");
	snprintf(l2, 13, "Server: on");
}

static void f_button(void *ctx)
{
}

static void f_server(void *ctx, char *buf, size_t len)
{
	snprintf(buf, len, "localhost:1883, connected");
}

static void f_disconnect(void *ctx)
{
}

static int f_save(void *ctx, const struct gw_settings *s)
{
	return s->objnum == 13 ? AMR_EIO : AMR_OK;
}

static void f_factory(void *ctx, struct gw_settings *s)
{
	settings_factory(s, &defs);
}

static void f_poll_changed(void *ctx)
{
}

static int f_device(void *ctx, const struct cmdline *c, console_done_fn done, void *arg, char *err,
		    size_t errlen)
{
	CHECK(c->addr >= GW_ADDR_MIN && c->addr <= GW_ADDR_MAX);
	if (c->addr == 99) {
		snprintf(err, errlen, "the RS-485 queue is full");
		return AMR_EFULL;
	}
	pend.done = done;
	pend.arg = arg;
	return AMR_OK;
}

static const struct console_ops ops = {
	NULL,	      f_responding, f_lcd,     f_button,       f_server,
	f_disconnect, f_save,	    f_factory, f_poll_changed, f_device,
};

static void on_done(void *arg, bool ok, const char *text)
{
	CHECK(arg == &pend);
	CHECK(text != NULL);
	pend.answers++;
}

static void check_parsed(const struct cmdline *c)
{
	switch (c->kind) {
	case CMDLINE_OBJNUM:
		CHECK(c->num >= 1 && c->num <= PROTO_OBJ_MAX);
		break;
	case CMDLINE_PORT:
		CHECK(c->num >= 1 && c->num <= 65535);
		break;
	case CMDLINE_TIMEOUT_SET:
		CHECK(c->num >= 1 && c->num <= 240);
		break;
	case CMDLINE_ZERO:
		CHECK(c->ch >= 1 && c->ch <= GW_CHANNELS);
		/* fall through */
	case CMDLINE_ADD:
	case CMDLINE_DEL:
		CHECK(c->addr >= GW_ADDR_MIN && c->addr <= GW_ADDR_MAX);
		break;
	case CMDLINE_CHADDR:
		CHECK(c->addr >= GW_ADDR_MIN && c->addr <= GW_ADDR_MAX);
		CHECK(c->to >= GW_ADDR_MIN && c->to <= GW_ADDR_MAX);
		break;
	case CMDLINE_BLOCK:
	case CMDLINE_UNBLOCK:
		CHECK(c->addr >= GW_ADDR_MIN && c->addr <= GW_ADDR_MAX);
		CHECK(c->out >= 1 && c->out <= 4);
		break;
	default:
		CHECK(c->kind >= CMDLINE_EMPTY && c->kind <= CMDLINE_UNBLOCK);
		break;
	}
}

static void line(struct gw_settings *s, const char *text)
{
	struct gw_settings before = *s;
	struct cmdline c;
	char err[256], out[4096];
	enum console_result r;
	int rc;

	memset(err, 0x5a, sizeof err);
	rc = cmdline_parse(text, &c, err, sizeof err);
	if (rc == AMR_OK)
		check_parsed(&c);
	else
		CHECK(rc == AMR_EINVAL && memchr(err, '\0', sizeof err) && err[0] != '\0');

	memset(out, 0x5a, sizeof out);
	memset(&pend, 0, sizeof pend);
	r = console_run(s, &ops, text, out, sizeof out, on_done, &pend);
	CHECK(memchr(out, '\0', sizeof out) != NULL);
	CHECK(r >= CONSOLE_OK && r <= CONSOLE_RESTART);
	if (r == CONSOLE_ERROR || rc != AMR_OK || !cmdline_changes(c.kind))
		CHECK(!memcmp(&before, s, sizeof before));
	if (r == CONSOLE_PENDING) {
		CHECK(rc == AMR_OK && pend.done != NULL);
		pend.done(pend.arg, true, "done");
		CHECK(pend.answers == 1);
	} else {
		CHECK(pend.done == NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct telnet t;
	struct telnet_out o;
	struct gw_settings s;

	CHECK(settings_factory(&s, &defs) == AMR_OK);
	memset(&o, 0, sizeof o);
	telnet_start(&t, &o);
	for (size_t i = 0; i < size; i++) {
		enum telnet_event ev;

		/* a read of 16 bytes at most, as a slow client sends them */
		ev = telnet_byte(&t, data[i], &o);
		CHECK(o.len <= sizeof o.buf);
		CHECK(t.len < TELNET_LINE_MAX && memchr(t.line, '\0', sizeof t.line));
		if (ev == TELNET_LINE) {
			CHECK(strlen(t.line) == t.len);
			CHECK(!strpbrk(t.line, "\r\n"));
			line(&s, t.line);
		}
		if (i % 16 == 15 || i + 1 == size)
			(void)telnet_idle(&t);
		if (o.len > sizeof o.buf / 2)
			o.len = 0; /* sent */
	}
	return 0;
}
