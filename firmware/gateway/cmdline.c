#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "err.h"
#include "proto.h"
#include "settings.h"

#define MAX_LINE  128
#define MAX_WORDS 6

static const char help_text[] =
	"---SUPPORTED COMMANDS---\r\n"
	"For saving options use command \"save all\".\r\n"
	"For saving TCP/IP options use command \"save all and reset\".\r\n"
	"1) \"ipconfig\" - TCP/IP information\r\n"
	"2) \"disconnect server\" - disconnecting from Server\r\n"
	"3) \"objnum=XXXX\" - set object number for server (1..." PROTO_STR(
		PROTO_OBJ_MAX) ")\r\n"
			       "4) \"serv=XXX.XXX.XXX.XXX\" - set server IP\r\n"
			       "5) \"port=XXXX\" - set server TCP PORT\r\n"
			       "6) \"dev=XXX.XXX.XXX.XXX\" - set device IP\r\n"
			       "7) \"net=XXX.XXX.XXX.XXX\" - set subnet mask\r\n"
			       "8) \"gate=XXX.XXX.XXX.XXX\" - set gateway IP\r\n"
			       "9) \"mac=XXXXXXXXXXXX\" - set device MAC-address\r\n"
			       "10) \"zero ch=X addr=XXX\" - zeroize value of counter X on device XXX\r\n"
			       "11) \"ch addr=XXX to XXX\" - change address (must contain 3 digits!) of device to new addr\r\n"
			       "12) \"show addr\" - list of all polling addresses (\"+\"-connected to RS485, \"-\"-disconnected)\r\n"
			       "13) \"add addr=XXX\" - add device with address XXX to polling-list\r\n"
			       "14) \"del addr=XXX\" - delete from polling-list\r\n"
			       "15) \"RS485 timeout\" - show time (in second 1...240 default 5), when devices believe disconnected\r\n"
			       "16) \"RS485 timeout=X\" - set new value of RS485-timeout (seconds)\r\n"
			       "17) \"reset\" - reset (reboot) device\r\n"
			       "18) \"reset -d\" - reset to default options\r\n"
			       "19) \"exit\" - exit from telnet (or press \"Esc\")\r\n"
			       "20) \"help\" or \"?\" - showing this text\r\n"
			       "21) \"lcd\" - show the display; \"lcd button\" - press its button\r\n";

const char *cmdline_help(void)
{
	return help_text;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return AMR_EINVAL;
}

/* Lower-case line into buf, one space between words, none around '='.
 * Returns false if the line is too long or holds control characters. */
static bool normalize(const char *line, char *buf)
{
	size_t n = 0;
	bool space = false;

	for (const char *p = line; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ' ' || c == '\t') {
			space = n > 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			return false;
		if (space && c != '=' && buf[n - 1] != '=')
			buf[n++] = ' ';
		space = false;
		if (n >= MAX_LINE - 1)
			return false;
		buf[n++] = (char)tolower(c);
	}
	buf[n] = '\0';
	return true;
}

/* Exactly digits, 1..maxdigits of them, value in min..max. */
static bool number(const char *s, unsigned maxdigits, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > maxdigits)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* "key=value" word: value after the prefix, or NULL. */
static const char *value_of(const char *word, const char *key)
{
	size_t k = strlen(key);

	if (strncmp(word, key, k) == 0 && word[k] == '=')
		return word + k + 1;
	return NULL;
}

/* ones then zeros: 255.255.255.0, 255.255.0.0 ... (not 0.0.0.0) */
static bool is_mask(const uint8_t ip[4])
{
	uint32_t m = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
	uint32_t host = ~m;

	return m && (host & (host + 1)) == 0;
}

static bool hexmac(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 12)
		return false;
	for (int i = 0; i < 12; i++) {
		int c = s[i];
		unsigned d = isdigit(c)		      ? (unsigned)(c - '0')
			     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
						      : 16;

		if (d > 15)
			return false;
		mac[i / 2] = (uint8_t)(i % 2 ? (mac[i / 2] | d) : (d << 4));
	}
	return true;
}

static int parse_addr_word(const char *word, const char *key, unsigned digits, unsigned *out,
			   char *err, size_t errlen)
{
	const char *v = value_of(word, key);

	if (!v)
		return fail(err, errlen, "Bad command: expected \"%s=XXX\"", key);
	if (!number(v, digits, GW_ADDR_MIN, GW_ADDR_MAX, out))
		return fail(err, errlen, "Bad value \"%s\": address must be 1...127", v);
	return AMR_OK;
}

/* One-word commands and settings "key=value". */
static int parse_one(const char *w, struct cmdline *c, char *err, size_t errlen)
{
	static const struct {
		const char *word;
		enum cmdline_kind kind;
	} plain[] = {
		{ "ipconfig", CMDLINE_IPCONFIG },
		{ "reset", CMDLINE_RESET },
		{ "exit", CMDLINE_EXIT },
		{ "help", CMDLINE_HELP },
		{ "?", CMDLINE_HELP },
		{ "\\?", CMDLINE_HELP },
		{ "lcd", CMDLINE_LCD },
	};
	static const struct {
		const char *key;
		enum cmdline_kind kind;
	} ips[] = {
		{ "serv", CMDLINE_SERV },
		{ "dev", CMDLINE_DEV },
		{ "net", CMDLINE_NET },
		{ "gate", CMDLINE_GATE },
	};
	const char *v;

	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		if (strcmp(w, plain[i].word) == 0) {
			c->kind = plain[i].kind;
			return AMR_OK;
		}
	}
	if ((v = value_of(w, "objnum"))) {
		c->kind = CMDLINE_OBJNUM;
		if (!number(v, 5, 1, PROTO_OBJ_MAX, &c->num))
			return fail(err, errlen,
				    "Bad value \"%s\": object number must be 1..." PROTO_STR(
					    PROTO_OBJ_MAX),
				    v);
		return AMR_OK;
	}
	if ((v = value_of(w, "port"))) {
		c->kind = CMDLINE_PORT;
		if (!number(v, 5, 1, 65535, &c->num))
			return fail(err, errlen, "Bad value \"%s\": port must be 1...65535", v);
		return AMR_OK;
	}
	if ((v = value_of(w, "mac"))) {
		c->kind = CMDLINE_MAC;
		if (!hexmac(v, c->mac))
			return fail(err, errlen, "Bad value \"%s\": MAC must be 12 hex digits", v);
		/* a device's own address: unicast (group bit clear), not zero */
		if ((c->mac[0] & 1) ||
		    !(c->mac[0] | c->mac[1] | c->mac[2] | c->mac[3] | c->mac[4] | c->mac[5]))
			return fail(err, errlen,
				    "Bad value \"%s\": MAC must be a unicast address "
				    "(an even first byte, not all zeros)",
				    v);
		return AMR_OK;
	}
	for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++) {
		if ((v = value_of(w, ips[i].key))) {
			c->kind = ips[i].kind;
			if (!settings_ip_parse(v, c->ip))
				return fail(err, errlen,
					    "Bad value \"%s\": expected XXX.XXX.XXX.XXX", v);
			if (c->kind == CMDLINE_NET && !is_mask(c->ip))
				return fail(err, errlen,
					    "Bad value \"%s\": a subnet mask is ones then "
					    "zeros, e.g. 255.255.255.0",
					    v);
			return AMR_OK;
		}
	}
	return fail(err, errlen, "Unknown command \"%s\". Type \"help\" for help.", w);
}

static int parse_two(char *const *w, struct cmdline *c, char *err, size_t errlen)
{
	const char *v;

	if (strcmp(w[0], "disconnect") == 0 && strcmp(w[1], "server") == 0)
		c->kind = CMDLINE_DISCONNECT;
	else if (strcmp(w[0], "show") == 0 && strcmp(w[1], "addr") == 0)
		c->kind = CMDLINE_SHOWADDR;
	else if (strcmp(w[0], "save") == 0 && strcmp(w[1], "all") == 0)
		c->kind = CMDLINE_SAVE;
	else if (strcmp(w[0], "reset") == 0 && strcmp(w[1], "-d") == 0)
		c->kind = CMDLINE_RESET_DEFAULTS;
	else if (strcmp(w[0], "lcd") == 0 && strcmp(w[1], "button") == 0)
		c->kind = CMDLINE_LCD_BUTTON;
	else if (strcmp(w[0], "rs485") == 0 && strcmp(w[1], "timeout") == 0)
		c->kind = CMDLINE_TIMEOUT_SHOW;
	else if (strcmp(w[0], "rs485") == 0 && (v = value_of(w[1], "timeout"))) {
		c->kind = CMDLINE_TIMEOUT_SET;
		if (!number(v, 3, 1, 240, &c->num))
			return fail(err, errlen,
				    "Bad value \"%s\": RS485 timeout must be 1...240 s", v);
	} else if (strcmp(w[0], "add") == 0 || strcmp(w[0], "del") == 0) {
		c->kind = w[0][0] == 'a' ? CMDLINE_ADD : CMDLINE_DEL;
		return parse_addr_word(w[1], "addr", 3, &c->addr, err, errlen);
	} else {
		return fail(err, errlen, "Unknown command \"%s %s\". Type \"help\" for help.", w[0],
			    w[1]);
	}
	return AMR_OK;
}

/* zero ch=X addr=XXX, block/unblock addr=XXX out=X (either order). */
static int parse_three(char *const *w, struct cmdline *c, char *err, size_t errlen)
{
	const char *key = NULL, *a, *b;
	unsigned *slot;

	if (strcmp(w[0], "zero") == 0) {
		c->kind = CMDLINE_ZERO;
		key = "ch";
		slot = &c->ch;
	} else if (strcmp(w[0], "block") == 0 || strcmp(w[0], "unblock") == 0) {
		c->kind = w[0][0] == 'b' ? CMDLINE_BLOCK : CMDLINE_UNBLOCK;
		key = "out";
		slot = &c->out;
	} else {
		return fail(err, errlen, "Unknown command \"%s\". Type \"help\" for help.", w[0]);
	}
	a = value_of(w[1], key) ? w[1] : w[2];
	b = a == w[1] ? w[2] : w[1];
	if (!value_of(a, key))
		return fail(err, errlen, "Bad command: expected \"%s=X\"", key);
	if (!number(value_of(a, key), 1, 1, GW_CHANNELS, slot))
		return fail(err, errlen, "Bad value \"%s\": %s must be 1...4", value_of(a, key),
			    key);
	return parse_addr_word(b, "addr", 3, &c->addr, err, errlen);
}

static int parse_four(char *const *w, struct cmdline *c, char *err, size_t errlen)
{
	if (strcmp(w[0], "save") == 0 && strcmp(w[1], "all") == 0 && strcmp(w[2], "and") == 0 &&
	    strcmp(w[3], "reset") == 0) {
		c->kind = CMDLINE_SAVE_RESET;
		return AMR_OK;
	}
	if (strcmp(w[0], "ch") == 0 && strcmp(w[2], "to") == 0) {
		const char *v = value_of(w[1], "addr");

		c->kind = CMDLINE_CHADDR;
		if (!v)
			return fail(err, errlen, "Bad command: expected \"ch addr=XXX to XXX\"");
		/* an address reads as in every other command: 1 to 3 digits */
		if (!number(v, 3, GW_ADDR_MIN, GW_ADDR_MAX, &c->addr))
			return fail(err, errlen, "Bad value \"%s\": address must be 1...127", v);
		if (!number(w[3], 3, GW_ADDR_MIN, GW_ADDR_MAX, &c->to))
			return fail(err, errlen, "Bad value \"%s\": address must be 1...127", w[3]);
		if (c->to == c->addr)
			return fail(err, errlen, "Bad value: the new address is the old one");
		return AMR_OK;
	}
	return fail(err, errlen, "Unknown command \"%s %s %s %s\". Type \"help\" for help.", w[0],
		    w[1], w[2], w[3]);
}

int cmdline_parse(const char *line, struct cmdline *out, char *err, size_t errlen)
{
	char buf[MAX_LINE], *words[MAX_WORDS], *save = NULL, *tok;
	size_t n = 0;

	memset(out, 0, sizeof *out);
	if (!normalize(line, buf))
		return fail(err, errlen, "Bad command: too long or not printable");
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (n == MAX_WORDS)
			return fail(err, errlen, "Unknown command. Type \"help\" for help.");
		words[n++] = tok;
	}
	switch (n) {
	case 0:
		out->kind = CMDLINE_EMPTY;
		return AMR_OK;
	case 1:
		return parse_one(words[0], out, err, errlen);
	case 2:
		return parse_two(words, out, err, errlen);
	case 3:
		return parse_three(words, out, err, errlen);
	case 4:
		return parse_four(words, out, err, errlen);
	default:
		return fail(err, errlen, "Unknown command. Type \"help\" for help.");
	}
}

bool cmdline_changes(enum cmdline_kind kind)
{
	switch (kind) {
	case CMDLINE_DISCONNECT:
	case CMDLINE_OBJNUM:
	case CMDLINE_SERV:
	case CMDLINE_PORT:
	case CMDLINE_DEV:
	case CMDLINE_NET:
	case CMDLINE_GATE:
	case CMDLINE_MAC:
	case CMDLINE_ZERO:
	case CMDLINE_CHADDR:
	case CMDLINE_ADD:
	case CMDLINE_DEL:
	case CMDLINE_TIMEOUT_SET:
	case CMDLINE_SAVE:
	case CMDLINE_SAVE_RESET:
	case CMDLINE_RESET:
	case CMDLINE_RESET_DEFAULTS:
	case CMDLINE_BLOCK:
	case CMDLINE_UNBLOCK:
		return true;
	default:
		return false;
	}
}
