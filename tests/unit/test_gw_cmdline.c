/* Unit tests of the gateway console parser: every command of DESIGN.md
 * section 5 in its accepted forms, and malformed forms of each. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../firmware/gateway/cmdline.h"
#include "err.h"

struct good {
	const char *line;
	enum cmdline_kind kind;
	unsigned num, addr, to, ch, out;
};

static const struct good goods[] = {
	{ "", CMDLINE_EMPTY, 0, 0, 0, 0, 0 },
	{ "   ", CMDLINE_EMPTY, 0, 0, 0, 0, 0 },
	{ "ipconfig", CMDLINE_IPCONFIG, 0, 0, 0, 0, 0 },
	{ "IPCONFIG", CMDLINE_IPCONFIG, 0, 0, 0, 0, 0 },
	{ "disconnect server", CMDLINE_DISCONNECT, 0, 0, 0, 0, 0 },
	{ "  disconnect   server  ", CMDLINE_DISCONNECT, 0, 0, 0, 0, 0 },
	{ "objnum=1", CMDLINE_OBJNUM, 1, 0, 0, 0, 0 },
	{ "objnum=65000", CMDLINE_OBJNUM, 65000, 0, 0, 0, 0 },
	{ "objnum = 77", CMDLINE_OBJNUM, 77, 0, 0, 0, 0 },
	{ "port=1883", CMDLINE_PORT, 1883, 0, 0, 0, 0 },
	{ "port=65535", CMDLINE_PORT, 65535, 0, 0, 0, 0 },
	{ "serv=10.0.0.1", CMDLINE_SERV, 0, 0, 0, 0, 0 },
	{ "dev=192.168.10.186", CMDLINE_DEV, 0, 0, 0, 0, 0 },
	{ "net=255.255.255.0", CMDLINE_NET, 0, 0, 0, 0, 0 },
	{ "gate=192.168.10.1", CMDLINE_GATE, 0, 0, 0, 0, 0 },
	{ "mac=0004A3010384", CMDLINE_MAC, 0, 0, 0, 0, 0 },
	{ "mac=0004a3010384", CMDLINE_MAC, 0, 0, 0, 0, 0 },
	{ "zero ch=1 addr=123", CMDLINE_ZERO, 0, 123, 0, 1, 0 },
	{ "zero ch=4 addr=005", CMDLINE_ZERO, 0, 5, 0, 4, 0 },
	{ "zero addr=5 ch=2", CMDLINE_ZERO, 0, 5, 0, 2, 0 },
	{ "ch addr=126 to 005", CMDLINE_CHADDR, 0, 126, 5, 0, 0 },
	{ "ch addr=001 to 127", CMDLINE_CHADDR, 0, 1, 127, 0, 0 },
	/* an address reads as in zero, block, add and del: 1 to 3 digits */
	{ "ch addr=5 to 006", CMDLINE_CHADDR, 0, 5, 6, 0, 0 },
	{ "ch addr=005 to 6", CMDLINE_CHADDR, 0, 5, 6, 0, 0 },
	{ "zero ch=1 addr=5", CMDLINE_ZERO, 0, 5, 0, 1, 0 },
	{ "block addr=05 out=1", CMDLINE_BLOCK, 0, 5, 0, 0, 1 },
	{ "show addr", CMDLINE_SHOWADDR, 0, 0, 0, 0, 0 },
	{ "add addr=123", CMDLINE_ADD, 0, 123, 0, 0, 0 },
	{ "add addr=7", CMDLINE_ADD, 0, 7, 0, 0, 0 },
	{ "del addr=001", CMDLINE_DEL, 0, 1, 0, 0, 0 },
	{ "RS485 timeout", CMDLINE_TIMEOUT_SHOW, 0, 0, 0, 0, 0 },
	{ "rs485 timeout", CMDLINE_TIMEOUT_SHOW, 0, 0, 0, 0, 0 },
	{ "RS485 timeout=1", CMDLINE_TIMEOUT_SET, 1, 0, 0, 0, 0 },
	{ "RS485 timeout=240", CMDLINE_TIMEOUT_SET, 240, 0, 0, 0, 0 },
	{ "save all", CMDLINE_SAVE, 0, 0, 0, 0, 0 },
	{ "save all and reset", CMDLINE_SAVE_RESET, 0, 0, 0, 0, 0 },
	{ "reset", CMDLINE_RESET, 0, 0, 0, 0, 0 },
	{ "reset -d", CMDLINE_RESET_DEFAULTS, 0, 0, 0, 0, 0 },
	{ "exit", CMDLINE_EXIT, 0, 0, 0, 0, 0 },
	{ "help", CMDLINE_HELP, 0, 0, 0, 0, 0 },
	{ "Help", CMDLINE_HELP, 0, 0, 0, 0, 0 },
	{ "?", CMDLINE_HELP, 0, 0, 0, 0, 0 },
	{ "\\?", CMDLINE_HELP, 0, 0, 0, 0, 0 },
	{ "lcd", CMDLINE_LCD, 0, 0, 0, 0, 0 },
	{ "lcd button", CMDLINE_LCD_BUTTON, 0, 0, 0, 0, 0 },
	{ "block addr=005 out=2", CMDLINE_BLOCK, 0, 5, 0, 0, 2 },
	{ "unblock out=4 addr=127", CMDLINE_UNBLOCK, 0, 127, 0, 0, 4 },
};

/* Each bad line with a piece of the message it must give. */
static const struct {
	const char *line, *msg;
} bads[] = {
	{ "foo", "Unknown command" },
	{ "ipconfig now", "Unknown command" },
	{ "disconnect", "Unknown command" },
	{ "disconnect client", "Unknown command" },
	{ "objnum=0", "1...65000" },
	{ "objnum=65001", "1...65000" },
	{ "objnum=", "1...65000" },
	{ "objnum=abc", "1...65000" },
	{ "objnum=-5", "1...65000" },
	{ "objnum=1x", "1...65000" },
	{ "objnum=999999", "1...65000" },
	{ "port=0", "1...65535" },
	{ "port=65536", "1...65535" },
	{ "port=80a", "1...65535" },
	{ "serv=1.2.3", "XXX.XXX.XXX.XXX" },
	{ "serv=1.2.3.256", "XXX.XXX.XXX.XXX" },
	{ "serv=1.2.3.4.5", "XXX.XXX.XXX.XXX" },
	{ "serv=a.b.c.d", "XXX.XXX.XXX.XXX" },
	{ "dev=", "XXX.XXX.XXX.XXX" },
	{ "net=255.255.255.0x", "XXX.XXX.XXX.XXX" },
	{ "gate=1..2.3", "XXX.XXX.XXX.XXX" },
	{ "mac=0004A301038", "12 hex" },
	{ "mac=0004A30103888", "12 hex" },
	{ "mac=0004A301038G", "12 hex" },
	{ "mac=FFFFFFFFFFFF", "unicast" },
	{ "mac=010000000000", "unicast" },
	{ "mac=000000000000", "unicast" },
	{ "net=1.2.3.4", "ones then zeros" },
	{ "net=255.0.255.0", "ones then zeros" },
	{ "net=0.0.0.0", "ones then zeros" },
	{ "zero ch=5 addr=001", "1...4" },
	{ "zero ch=0 addr=001", "1...4" },
	{ "zero ch=1 addr=128", "1...127" },
	{ "zero ch=1 addr=000", "1...127" },
	{ "zero ch=1 addr=1234", "1...127" },
	{ "zero ch=1", "Unknown command" },
	{ "zero ch=1 foo=1", "addr=XXX" },
	{ "zero x=1 addr=1", "ch=X" },
	{ "ch addr=005 to 128", "1...127" },
	{ "ch addr=000 to 005", "1...127" },
	{ "ch addr=0005 to 006", "1...127" },
	{ "ch addr=5 to 5", "the old one" },
	{ "ch addr=+5 to 6", "1...127" },
	{ "ch addr=005 to 005", "the old one" },
	{ "ch adr=005 to 006", "ch addr=XXX to XXX" },
	{ "ch addr=005 into 006", "Unknown command" },
	{ "show", "Unknown command" },
	{ "show address", "Unknown command" },
	{ "add addr=0", "1...127" },
	{ "add addr=128", "1...127" },
	{ "add addr=", "1...127" },
	{ "add 5", "addr=XXX" },
	{ "del addr=abc", "1...127" },
	{ "RS485 timeout=0", "1...240" },
	{ "RS485 timeout=241", "1...240" },
	{ "RS485 timeout=5s", "1...240" },
	{ "RS485 time", "Unknown command" },
	{ "save", "Unknown command" },
	{ "save some", "Unknown command" },
	{ "save all and", "Unknown command" },
	{ "save all and restart", "Unknown command" },
	{ "reset -x", "Unknown command" },
	{ "block addr=5 out=5", "1...4" },
	{ "a b c d e f g", "Unknown command" },
	{ "ipconfig\x01", "not printable" },
};

START_TEST(test_good)
{
	const struct good *g = &goods[_i];
	struct cmdline c;
	char err[160] = "";

	ck_assert_msg(cmdline_parse(g->line, &c, err, sizeof err) == AMR_OK, "\"%s\" refused: %s",
		      g->line, err);
	ck_assert_msg(c.kind == g->kind, "\"%s\": kind %d, expected %d", g->line, c.kind, g->kind);
	ck_assert_uint_eq(c.num, g->num);
	ck_assert_uint_eq(c.addr, g->addr);
	ck_assert_uint_eq(c.to, g->to);
	ck_assert_uint_eq(c.ch, g->ch);
	ck_assert_uint_eq(c.out, g->out);
}
END_TEST

START_TEST(test_bad)
{
	struct cmdline c;
	char err[160] = "";

	ck_assert_msg(cmdline_parse(bads[_i].line, &c, err, sizeof err) == AMR_EINVAL,
		      "\"%s\" accepted", bads[_i].line);
	ck_assert_msg(strstr(err, bads[_i].msg) != NULL, "\"%s\": message \"%s\" lacks \"%s\"",
		      bads[_i].line, err, bads[_i].msg);
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(test_values)
{
	struct cmdline c;
	char err[160];

	ck_assert_int_eq(cmdline_parse("serv=10.20.30.40", &c, err, sizeof err), AMR_OK);
	ck_assert_int_eq(c.ip[0], 10);
	ck_assert_int_eq(c.ip[3], 40);
	ck_assert_int_eq(cmdline_parse("mac=0004A30103FE", &c, err, sizeof err), AMR_OK);
	ck_assert_int_eq(c.mac[0], 0x00);
	ck_assert_int_eq(c.mac[2], 0xA3);
	ck_assert_int_eq(c.mac[5], 0xFE);
}
END_TEST

START_TEST(test_too_long)
{
	char line[400], err[160];
	struct cmdline c;

	memset(line, 'a', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	ck_assert_int_eq(cmdline_parse(line, &c, err, sizeof err), AMR_EINVAL);
}
END_TEST

START_TEST(test_help_lists_every_command)
{
	const char *h = cmdline_help();
	static const char *const words[] = { "ipconfig",
					     "disconnect server",
					     "objnum=",
					     "serv=",
					     "port=",
					     "dev=",
					     "net=",
					     "gate=",
					     "mac=",
					     "zero ch=X addr=XXX",
					     "ch addr=XXX to XXX",
					     "show addr",
					     "add addr=XXX",
					     "del addr=XXX",
					     "RS485 timeout",
					     "RS485 timeout=X",
					     "save all",
					     "save all and reset",
					     "\"reset\"",
					     "reset -d",
					     "exit",
					     "help" };

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		ck_assert_msg(strstr(h, words[i]), "help lacks %s", words[i]);
}
END_TEST

/* What the audit trail hears of: every line that changes something, and
 * none that only shows something. */
START_TEST(test_changes)
{
	static const struct {
		const char *line;
		bool changes;
	} cases[] = {
		{ "zero ch=1 addr=005", true },
		{ "ch addr=005 to 006", true },
		{ "objnum=12", true },
		{ "save all", true },
		{ "save all and reset", true },
		{ "reset", true },
		{ "reset -d", true },
		{ "add addr=007", true },
		{ "del addr=007", true },
		{ "RS485 timeout=9", true },
		{ "serv=10.0.0.1", true },
		{ "port=1884", true },
		{ "mac=0004A3010301", true },
		{ "disconnect server", true },
		{ "show addr", false },
		{ "ipconfig", false },
		{ "RS485 timeout", false },
		{ "help", false },
		{ "lcd", false },
		{ "exit", false },
		{ "", false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cmdline c;
		char err[128];

		ck_assert_msg(cmdline_parse(cases[i].line, &c, err, sizeof err) == AMR_OK, "%s: %s",
			      cases[i].line, err);
		ck_assert_msg(cmdline_changes(c.kind) == cases[i].changes, "\"%s\"", cases[i].line);
	}
}
END_TEST

static Suite *cmdline_suite(void)
{
	Suite *s = suite_create("gw_cmdline");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_good, 0, sizeof goods / sizeof goods[0]);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bads / sizeof bads[0]);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_changes);
	tcase_add_test(tc, test_too_long);
	tcase_add_test(tc, test_help_lists_every_command);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cmdline_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
