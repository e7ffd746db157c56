/*
 * gw_console.c - what the console's commands do to the gateway: the
 * console_ops the Telnet console and server "console" commands call
 * (console.h), over the state in gw_int.h.
 */
#include <stdio.h>

#include "err.h"
#include "gw_int.h"
#include "lcd.h"
#include "log.h"
#include "settings.h"

static bool op_responding(void *ctx, unsigned addr)
{
	gw *g = ctx;

	return addr >= GW_ADDR_MIN && addr <= GW_ADDR_MAX && devstate_online(&g->dev[addr].st);
}

static void op_lcd(void *ctx, char l1[13], char l2[13])
{
	gw__lcd_lines(ctx, l1, l2);
}

static void op_button(void *ctx)
{
	gw *g = ctx;

	g->screen = (g->screen + 1) % LCD_SCREENS;
	g->screen_since = loop_now_ms();
}

static void op_server(void *ctx, char *buf, size_t len)
{
	gw *g = ctx;

	uplink_describe(g->up, buf, len);
}

static void op_disconnect(void *ctx)
{
	gw *g = ctx;

	uplink_reconnect(g->up, 5000);
}

static int op_save(void *ctx, const struct gw_settings *s)
{
	gw *g = ctx;
	int rc = settings_save(s, g->settings_path);

	if (rc == AMR_OK)
		log_info("gw: settings saved to %s", g->settings_path);
	return rc;
}

static void op_factory(void *ctx, struct gw_settings *s)
{
	gw *g = ctx;

	settings_factory(s, &g->o.defaults);
}

static void op_poll_changed(void *ctx)
{
	gw *g = ctx;

	for (unsigned a = GW_ADDR_MIN; a <= GW_ADDR_MAX; a++)
		if (!settings_polled(&g->set, a))
			g->dev[a] = (struct gw__dev){ 0 };
	poller_set_list(g->poll, g->set.poll);
}

static int op_device(void *ctx, const struct cmdline *c, console_done_fn done, void *arg, char *err,
		     size_t errlen)
{
	gw *g = ctx;
	struct gw__pending_cmd *pc = gw__find_cmd(g, 0);
	struct poller_cmd pcmd = { .addr = c->addr, .ch = c->ch, .to = c->to, .out = c->out };

	if (!pc) {
		snprintf(err, errlen, "too many device commands waiting");
		return AMR_EFULL;
	}
	switch (c->kind) {
	case CMDLINE_ZERO:
		/* first the totals, stored before the zero (gw.c, zero_ready) */
		pcmd.kind = PCMD_READ;
		break;
	case CMDLINE_CHADDR:
		pcmd.kind = PCMD_CHADDR;
		break;
	case CMDLINE_BLOCK:
	case CMDLINE_UNBLOCK:
		pcmd.kind = PCMD_OUTPUT;
		pcmd.on = c->kind == CMDLINE_BLOCK;
		break;
	default:
		snprintf(err, errlen, "not a device command");
		return AMR_EINVAL;
	}
	pcmd.cookie = ++g->next_cookie;
	if (!g->bus_ok) {
		snprintf(err, errlen, "the RS-485 line %s is not open", g->o.serial);
		return AMR_ESTATE;
	}
	if (poller_submit(g->poll, &pcmd) != AMR_OK) {
		snprintf(err, errlen, "the RS-485 queue is full");
		return AMR_EFULL;
	}
	*pc = (struct gw__pending_cmd){ pcmd.cookie, done, arg };
	return AMR_OK;
}

void gw__console_ops_init(gw *g)
{
	g->ops = (struct console_ops){ g,	  op_responding, op_lcd,
				       op_button, op_server,	 op_disconnect,
				       op_save,	  op_factory,	 op_poll_changed,
				       op_device };
}
