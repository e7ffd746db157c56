#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "err.h"

static void say(char *out, size_t outlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
}

static void ipconfig(const struct gw_settings *s, const struct console_ops *ops, char *out,
		     size_t outlen)
{
	char server[128], a[16], b[16], c[16], d[16], e[16];

	ops->server(ops->ctx, server, sizeof server);
	say(out, outlen,
	    "Object number: %u\r\nServer: %s\r\nIP address: %s\r\nSubnet mask: %s\r\n"
	    "Gateway: %s\r\nDNS: %s, %s\r\nMAC: %02X:%02X:%02X:%02X:%02X:%02X\r\n",
	    s->objnum, server, settings_ip_format(s->dev, a), settings_ip_format(s->net, b),
	    settings_ip_format(s->gate, c), settings_ip_format(s->dns1, d),
	    settings_ip_format(s->dns2, e), s->mac[0], s->mac[1], s->mac[2], s->mac[3], s->mac[4],
	    s->mac[5]);
}

/* "001+ 002- ..." eight to a line. */
static void show_addr(const struct gw_settings *s, const struct console_ops *ops, char *out,
		      size_t outlen)
{
	size_t used = 0;
	unsigned n = 0;

	out[0] = '\0';
	for (unsigned a = GW_ADDR_MIN; a <= GW_ADDR_MAX && used + 8 < outlen; a++) {
		if (!settings_polled(s, a))
			continue;
		used += (size_t)snprintf(out + used, outlen - used, "%03u%c%s", a,
					 ops->responding(ops->ctx, a) ? '+' : '-',
					 ++n % 8 ? " " : "\r\n");
	}
	if (n == 0)
		say(out, outlen, "Polling list is empty\r\n");
	else if (n % 8)
		snprintf(out + used - 1, outlen - used + 1, "\r\n");
}

static enum console_result settings_cmd(struct gw_settings *s, const struct cmdline *c,
					const struct console_ops *ops, char *out, size_t outlen)
{
	char ip[16];

	switch (c->kind) {
	case CMDLINE_OBJNUM:
		s->objnum = c->num;
		say(out, outlen, "Object number: %u\r\n", s->objnum);
		break;
	case CMDLINE_SERV:
		settings_ip_format(c->ip, s->serv);
		say(out, outlen, "Server IP: %s\r\n", s->serv);
		break;
	case CMDLINE_PORT:
		s->port = c->num;
		say(out, outlen, "Server port: %u\r\n", s->port);
		break;
	case CMDLINE_DEV:
		memcpy(s->dev, c->ip, 4);
		say(out, outlen, "Device IP: %s (\"save all and reset\" to apply)\r\n",
		    settings_ip_format(s->dev, ip));
		break;
	case CMDLINE_NET:
		memcpy(s->net, c->ip, 4);
		say(out, outlen, "Subnet mask: %s\r\n", settings_ip_format(s->net, ip));
		break;
	case CMDLINE_GATE:
		memcpy(s->gate, c->ip, 4);
		say(out, outlen, "Gateway IP: %s\r\n", settings_ip_format(s->gate, ip));
		break;
	case CMDLINE_MAC:
		memcpy(s->mac, c->mac, 6);
		say(out, outlen, "MAC: %02X:%02X:%02X:%02X:%02X:%02X\r\n", s->mac[0], s->mac[1],
		    s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
		break;
	case CMDLINE_TIMEOUT_SET:
		s->rs485_timeout = c->num;
		say(out, outlen, "RS485 timeout: %u s\r\n", s->rs485_timeout);
		break;
	case CMDLINE_ADD:
		if (settings_polled(s, c->addr)) {
			say(out, outlen, "Error: address %03u is already in the polling list\r\n",
			    c->addr);
			return CONSOLE_ERROR;
		}
		settings_poll_set(s, c->addr, true);
		ops->poll_changed(ops->ctx);
		say(out, outlen, "Address %03u added to the polling list\r\n", c->addr);
		break;
	case CMDLINE_DEL:
		if (!settings_polled(s, c->addr)) {
			say(out, outlen, "Error: address %03u is not in the polling list\r\n",
			    c->addr);
			return CONSOLE_ERROR;
		}
		settings_poll_set(s, c->addr, false);
		ops->poll_changed(ops->ctx);
		say(out, outlen, "Address %03u deleted from the polling list\r\n", c->addr);
		break;
	default:
		say(out, outlen, "Error: not a settings command\r\n");
		return CONSOLE_ERROR;
	}
	return CONSOLE_OK;
}

enum console_result console_run(struct gw_settings *s, const struct console_ops *ops,
				const char *line, char *out, size_t outlen, console_done_fn done,
				void *arg)
{
	struct cmdline c;
	char err[160], l1[13], l2[13];
	int rc;

	out[0] = '\0';
	if (cmdline_parse(line, &c, err, sizeof err) != AMR_OK) {
		say(out, outlen, "%s\r\n", err);
		return CONSOLE_ERROR;
	}
	switch (c.kind) {
	case CMDLINE_EMPTY:
		return CONSOLE_OK;
	case CMDLINE_HELP:
		say(out, outlen, "%s", cmdline_help());
		return CONSOLE_OK;
	case CMDLINE_EXIT:
		say(out, outlen, "Bye!\r\n");
		return CONSOLE_EXIT;
	case CMDLINE_IPCONFIG:
		ipconfig(s, ops, out, outlen);
		return CONSOLE_OK;
	case CMDLINE_SHOWADDR:
		show_addr(s, ops, out, outlen);
		return CONSOLE_OK;
	case CMDLINE_TIMEOUT_SHOW:
		say(out, outlen, "RS485 timeout: %u s\r\n", s->rs485_timeout);
		return CONSOLE_OK;
	case CMDLINE_LCD_BUTTON:
		ops->lcd_button(ops->ctx);
		__attribute__((fallthrough)); /* show what the press brought up */
	case CMDLINE_LCD:
		ops->lcd(ops->ctx, l1, l2);
		say(out, outlen, "+------------+\r\n|%-12s|\r\n|%-12s|\r\n+------------+\r\n", l1,
		    l2);
		return CONSOLE_OK;
	case CMDLINE_DISCONNECT:
		ops->disconnect(ops->ctx);
		say(out, outlen, "Disconnected from server; reconnecting after a pause\r\n");
		return CONSOLE_OK;
	case CMDLINE_SAVE:
	case CMDLINE_SAVE_RESET:
		if (ops->save(ops->ctx, s) != AMR_OK) {
			say(out, outlen, "Error: cannot write the settings to flash\r\n");
			return CONSOLE_ERROR;
		}
		if (c.kind == CMDLINE_SAVE) {
			say(out, outlen, "All options saved\r\n");
			return CONSOLE_OK;
		}
		say(out, outlen, "All options saved, resetting...\r\n");
		return CONSOLE_RESTART;
	case CMDLINE_RESET:
		say(out, outlen, "Resetting...\r\n");
		return CONSOLE_RESTART;
	case CMDLINE_RESET_DEFAULTS: {
		struct gw_settings f;

		ops->factory(ops->ctx, &f);
		if (ops->save(ops->ctx, &f) != AMR_OK) {
			say(out, outlen, "Error: cannot write the settings to flash\r\n");
			return CONSOLE_ERROR;
		}
		*s = f;
		say(out, outlen, "Factory options restored, resetting...\r\n");
		return CONSOLE_RESTART;
	}
	case CMDLINE_ZERO:
	case CMDLINE_CHADDR:
	case CMDLINE_BLOCK:
	case CMDLINE_UNBLOCK:
		/* Any address on the bus: a new UO-4 answers at 126 before it
		 * is in the list (the seed's first setup). */
		if (c.kind == CMDLINE_CHADDR && settings_polled(s, c.to) &&
		    ops->responding(ops->ctx, c.to)) {
			say(out, outlen, "Error: address %03u is taken by a responding device\r\n",
			    c.to);
			return CONSOLE_ERROR;
		}
		rc = ops->device(ops->ctx, &c, done, arg, err, sizeof err);
		if (rc != AMR_OK) {
			say(out, outlen, "Error: %s\r\n", err);
			return CONSOLE_ERROR;
		}
		return CONSOLE_PENDING;
	default:
		return settings_cmd(s, &c, ops, out, outlen);
	}
}
