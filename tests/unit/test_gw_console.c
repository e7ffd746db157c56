/* Unit tests of the console interpreter: what each command does to the
 * settings in memory and what it answers, with the rest of the gateway
 * replaced by a recording fake. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../firmware/gateway/console.h"
#include "err.h"

struct fake {
	bool responding[GW_ADDR_MAX + 1];
	int saves, disconnects, buttons, poll_changes, devices;
	int save_rc;
	struct gw_settings saved;
	struct cmdline last;
	console_done_fn done;
	void *arg;
};

static struct fake fk;
static struct gw_settings st;
static const struct gw_defaults defs = { 1, 5, "1-4" };

static bool f_responding(void *ctx, unsigned addr)
{
	(void)ctx;
	return fk.responding[addr];
}
static void f_lcd(void *ctx, char l1[13], char l2[13])
{
	(void)ctx;
	strcpy(l1, "UO-4  3/4");
	strcpy(l2, "Server: on");
}
static void f_button(void *ctx)
{
	(void)ctx;
	fk.buttons++;
}
static void f_server(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	snprintf(buf, len, "localhost:1883, connected");
}
static void f_disconnect(void *ctx)
{
	(void)ctx;
	fk.disconnects++;
}
static int f_save(void *ctx, const struct gw_settings *s)
{
	(void)ctx;
	fk.saves++;
	if (fk.save_rc == AMR_OK)
		fk.saved = *s;
	return fk.save_rc;
}
static void f_factory(void *ctx, struct gw_settings *s)
{
	(void)ctx;
	settings_factory(s, &defs);
}
static void f_poll_changed(void *ctx)
{
	(void)ctx;
	fk.poll_changes++;
}
static int f_device(void *ctx, const struct cmdline *c, console_done_fn done, void *arg, char *err,
		    size_t errlen)
{
	(void)ctx;
	if (c->addr == 99) {
		snprintf(err, errlen, "the RS-485 queue is full");
		return AMR_EFULL;
	}
	fk.devices++;
	fk.last = *c;
	fk.done = done;
	fk.arg = arg;
	return AMR_OK;
}

static const struct console_ops ops = {
	NULL,	      f_responding, f_lcd,     f_button,       f_server,
	f_disconnect, f_save,	    f_factory, f_poll_changed, f_device,
};

static char out[4096];

static enum console_result run(const char *line)
{
	return console_run(&st, &ops, line, out, sizeof out, NULL, NULL);
}

static void setup(void)
{
	memset(&fk, 0, sizeof fk);
	ck_assert_int_eq(settings_factory(&st, &defs), AMR_OK);
	fk.responding[1] = fk.responding[2] = fk.responding[4] = true;
}

START_TEST(test_settings_change_in_memory_only)
{
	ck_assert_int_eq(run("objnum=77"), CONSOLE_OK);
	ck_assert_uint_eq(st.objnum, 77);
	ck_assert_ptr_nonnull(strstr(out, "77"));
	ck_assert_int_eq(run("serv=10.1.2.3"), CONSOLE_OK);
	ck_assert_str_eq(st.serv, "10.1.2.3");
	ck_assert_int_eq(run("port=2020"), CONSOLE_OK);
	ck_assert_uint_eq(st.port, 2020);
	ck_assert_int_eq(run("dev=10.0.0.9"), CONSOLE_OK);
	ck_assert_int_eq(st.dev[3], 9);
	ck_assert_int_eq(run("net=255.255.0.0"), CONSOLE_OK);
	ck_assert_int_eq(st.net[2], 0);
	ck_assert_int_eq(run("gate=10.0.0.1"), CONSOLE_OK);
	ck_assert_int_eq(st.gate[0], 10);
	ck_assert_int_eq(run("mac=0004A3010388"), CONSOLE_OK);
	ck_assert_int_eq(st.mac[5], 0x88);
	ck_assert_int_eq(run("RS485 timeout=30"), CONSOLE_OK);
	ck_assert_uint_eq(st.rs485_timeout, 30);
	ck_assert_int_eq(run("RS485 timeout"), CONSOLE_OK);
	ck_assert_ptr_nonnull(strstr(out, "30 s"));
	ck_assert_int_eq(fk.saves, 0);
}
END_TEST

START_TEST(test_errors_change_nothing)
{
	static const char *const bad[] = { "objnum=0",	    "serv=1.2.3",      "port=99999",
					   "mac=xyz",	    "RS485 timeout=0", "add addr=001",
					   "del addr=100",  "bogus",	       "zero ch=9 addr=001",
					   "ch addr=1 to 2" };
	struct gw_settings before = st;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(run(bad[i]) == CONSOLE_ERROR, "%s accepted", bad[i]);
		ck_assert_msg(memcmp(&st, &before, sizeof st) == 0, "%s changed settings", bad[i]);
		ck_assert_msg(strlen(out) > 2 && strstr(out, "\r\n") == out + strlen(out) - 2,
			      "%s: not one line: %s", bad[i], out);
	}
	ck_assert_int_eq(fk.poll_changes, 0);
	ck_assert_int_eq(fk.devices, 0);
}
END_TEST

START_TEST(test_poll_list)
{
	ck_assert_int_eq(run("add addr=010"), CONSOLE_OK);
	ck_assert(settings_polled(&st, 10));
	ck_assert_int_eq(run("del addr=2"), CONSOLE_OK);
	ck_assert(!settings_polled(&st, 2));
	ck_assert_int_eq(fk.poll_changes, 2);
	ck_assert_int_eq(run("show addr"), CONSOLE_OK);
	ck_assert_str_eq(out, "001+ 003- 004+ 010-\r\n");
}
END_TEST

START_TEST(test_show_addr_rows)
{
	ck_assert_int_eq(settings_poll_parse(&st, "1-9"), AMR_OK);
	ck_assert_int_eq(run("show addr"), CONSOLE_OK);
	ck_assert_str_eq(out, "001+ 002+ 003- 004+ 005- 006- 007- 008-\r\n009-\r\n");
	ck_assert_int_eq(settings_poll_parse(&st, ""), AMR_OK);
	ck_assert_int_eq(run("show addr"), CONSOLE_OK);
	ck_assert_ptr_nonnull(strstr(out, "empty"));
}
END_TEST

START_TEST(test_save)
{
	ck_assert_int_eq(run("objnum=77"), CONSOLE_OK);
	ck_assert_int_eq(run("save all"), CONSOLE_OK);
	ck_assert_int_eq(fk.saves, 1);
	ck_assert_uint_eq(fk.saved.objnum, 77);
	fk.save_rc = AMR_EIO;
	ck_assert_int_eq(run("save all"), CONSOLE_ERROR);
	ck_assert_int_eq(run("save all and reset"), CONSOLE_ERROR);
	fk.save_rc = AMR_OK;
	ck_assert_int_eq(run("save all and reset"), CONSOLE_RESTART);
	ck_assert_int_eq(run("reset"), CONSOLE_RESTART);
	ck_assert_int_eq(fk.saves, 4);
}
END_TEST

START_TEST(test_reset_defaults)
{
	ck_assert_int_eq(run("objnum=77"), CONSOLE_OK);
	ck_assert_int_eq(run("dev=10.0.0.5"), CONSOLE_OK);
	ck_assert_int_eq(run("reset -d"), CONSOLE_RESTART);
	ck_assert_int_eq(fk.saves, 1);
	ck_assert_uint_eq(fk.saved.objnum, 1);
	ck_assert_int_eq(fk.saved.dev[0], 192);
	ck_assert_int_eq(fk.saved.dev[3], 186);
	ck_assert_int_eq(fk.saved.mac[2], 0xA3);
	ck_assert_uint_eq(st.objnum, 1);
}
END_TEST

START_TEST(test_ipconfig)
{
	ck_assert_int_eq(run("ipconfig"), CONSOLE_OK);
	ck_assert_ptr_nonnull(strstr(out, "Object number: 1\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "IP address: 192.168.10.186\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "Subnet mask: 255.255.255.0\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "Gateway: 192.168.10.1\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "DNS: 192.168.10.1, 8.8.8.8\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "MAC: 00:04:A3:01:03:83\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "localhost:1883, connected"));
}
END_TEST

START_TEST(test_device_commands_pending)
{
	ck_assert_int_eq(run("zero ch=2 addr=004"), CONSOLE_PENDING);
	ck_assert_int_eq(fk.last.kind, CMDLINE_ZERO);
	ck_assert_uint_eq(fk.last.addr, 4);
	ck_assert_uint_eq(fk.last.ch, 2);
	ck_assert_int_eq(run("ch addr=126 to 005"), CONSOLE_PENDING);
	ck_assert_int_eq(fk.last.kind, CMDLINE_CHADDR);
	/* address 004 answers: moving a device onto it is refused */
	ck_assert_int_eq(run("ch addr=126 to 004"), CONSOLE_ERROR);
	ck_assert_ptr_nonnull(strstr(out, "004"));
	ck_assert_int_eq(run("block addr=001 out=3"), CONSOLE_PENDING);
	ck_assert_int_eq(fk.last.kind, CMDLINE_BLOCK);
	ck_assert_int_eq(run("zero ch=1 addr=099"), CONSOLE_ERROR);
	ck_assert_ptr_nonnull(strstr(out, "queue is full"));
	ck_assert_int_eq(fk.devices, 3);
}
END_TEST

START_TEST(test_misc)
{
	ck_assert_int_eq(run("help"), CONSOLE_OK);
	ck_assert_ptr_nonnull(strstr(out, "SUPPORTED COMMANDS"));
	ck_assert_int_eq(run("exit"), CONSOLE_EXIT);
	ck_assert_int_eq(run("disconnect server"), CONSOLE_OK);
	ck_assert_int_eq(fk.disconnects, 1);
	ck_assert_int_eq(run("lcd"), CONSOLE_OK);
	ck_assert_ptr_nonnull(strstr(out, "|UO-4  3/4   |\r\n|Server: on  |"));
	ck_assert_int_eq(run("lcd button"), CONSOLE_OK);
	ck_assert_int_eq(fk.buttons, 1);
	ck_assert_int_eq(run(""), CONSOLE_OK);
	ck_assert_str_eq(out, "");
}
END_TEST

static Suite *console_suite(void)
{
	Suite *s = suite_create("gw_console");
	TCase *tc = tcase_create("run");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_settings_change_in_memory_only);
	tcase_add_test(tc, test_errors_change_nothing);
	tcase_add_test(tc, test_poll_list);
	tcase_add_test(tc, test_show_addr_rows);
	tcase_add_test(tc, test_save);
	tcase_add_test(tc, test_reset_defaults);
	tcase_add_test(tc, test_ipconfig);
	tcase_add_test(tc, test_device_commands_pending);
	tcase_add_test(tc, test_misc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(console_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
