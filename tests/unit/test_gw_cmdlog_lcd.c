/* Unit tests of the executed-command log (real LMDB), the LCD text and the
 * settings file (atomic save, load over the factory values). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../firmware/gateway/cmdlog.h"
#include "../../firmware/gateway/lcd.h"
#include "../../firmware/gateway/settings.h"
#include "err.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_gw_cmdlog.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_cmdlog_bounded_and_durable)
{
	kv *k;
	cmdlog *c;
	char id[16], *a;

	ck_assert_int_eq(kv_open(&k, dir, NULL), AMR_OK);
	ck_assert_int_eq(cmdlog_open(&c, k, 5), AMR_OK);
	ck_assert_int_eq(cmdlog_get(c, "x", &a), AMR_ENOTFOUND);
	ck_assert_int_eq(cmdlog_put(c, "x", CMDLOG_STARTED), AMR_OK);
	ck_assert_int_eq(cmdlog_get(c, "x", &a), AMR_OK);
	ck_assert_str_eq(a, "");
	free(a);
	ck_assert_int_eq(cmdlog_put(c, "x", "{\"id\":\"x\",\"ok\":true}"), AMR_OK);
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof id, "id%d", i);
		ck_assert_int_eq(cmdlog_put(c, id, "{}"), AMR_OK);
	}
	/* x was the oldest of six: forgotten */
	ck_assert_int_eq(cmdlog_get(c, "x", &a), AMR_ENOTFOUND);
	cmdlog_close(c);
	kv_close(k);
	ck_assert_int_eq(kv_open(&k, dir, NULL), AMR_OK);
	ck_assert_int_eq(cmdlog_open(&c, k, 5), AMR_OK);
	ck_assert_int_eq(cmdlog_get(c, "id4", &a), AMR_OK);
	ck_assert_str_eq(a, "{}");
	free(a);
	cmdlog_close(c);
	kv_close(k);
}
END_TEST

START_TEST(test_lcd)
{
	struct lcd_input in = { 32, 31, true, { 192, 168, 10, 186 } };
	char l1[13], l2[13];

	lcd_render(&in, 0, l1, l2);
	ck_assert_str_eq(l1, "UO-4 31/32");
	ck_assert_str_eq(l2, "Server: on");
	in.server = false;
	in.polled = in.responding = 127;
	lcd_render(&in, 0, l1, l2);
	ck_assert_str_eq(l1, "UO-4 127/127");
	ck_assert_str_eq(l2, "Server: off");
	lcd_render(&in, 1, l1, l2);
	ck_assert_str_eq(l1, "IP 192.168.");
	ck_assert_str_eq(l2, "10.186");
	memcpy(in.ip, (uint8_t[]){ 255, 255, 255, 255 }, 4);
	lcd_render(&in, 1, l1, l2);
	ck_assert_uint_le(strlen(l1), 12);
	ck_assert_str_eq(l2, "255.255");
}
END_TEST

START_TEST(test_settings_file)
{
	struct gw_defaults d = { 1, 5, "1-32" };
	struct gw_settings s, t;
	char path[128], poll[512];
	FILE *f;

	ck_assert_int_eq(settings_factory(&s, &d), AMR_OK);
	ck_assert_uint_eq(settings_poll_count(&s), 32);
	snprintf(path, sizeof path, "%s/settings", dir);
	ck_assert_int_eq(settings_load(&s, path), AMR_ENOTFOUND);
	s.objnum = 77;
	s.rs485_timeout = 9;
	settings_poll_set(&s, 40, true);
	settings_poll_set(&s, 2, false);
	strcpy(s.serv, "10.0.0.2");
	ck_assert_int_eq(settings_save(&s, path), AMR_OK);
	ck_assert_int_ne(access(path, F_OK), -1);
	ck_assert_int_eq(settings_factory(&t, &d), AMR_OK);
	ck_assert_int_eq(settings_load(&t, path), AMR_OK);
	ck_assert_mem_eq(&s, &t, sizeof s);
	settings_poll_format(&t, poll, sizeof poll);
	ck_assert_str_eq(poll, "1,3-32,40");
	/* a bad line is skipped, the rest is used */
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("objnum=99999\nbogus=1\nport=2020\n", f);
	fclose(f);
	ck_assert_int_eq(settings_load(&t, path), AMR_OK);
	ck_assert_uint_eq(t.objnum, 77);
	ck_assert_uint_eq(t.port, 2020);
	/* a line too long is skipped whole, its tail is no line; a NUL spoils one */
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "x=%0637dport=1\nrs485_timeout=1", 0);
	fputc('\0', f);
	fputs("9\n", f);
	fclose(f);
	ck_assert_int_eq(settings_load(&t, path), AMR_OK);
	ck_assert_uint_eq(t.port, 2020);
	ck_assert_uint_eq(t.rs485_timeout, 9);
	ck_assert_int_eq(settings_poll_parse(&t, "5-3"), AMR_EINVAL);
	ck_assert_int_eq(settings_poll_parse(&t, "0"), AMR_EINVAL);
	ck_assert_int_eq(settings_poll_parse(&t, "1,,2"), AMR_EINVAL);
	ck_assert_int_eq(settings_poll_parse(&t, "1-127"), AMR_OK);
	ck_assert_uint_eq(settings_poll_count(&t), 127);
}
END_TEST

static Suite *misc_suite(void)
{
	Suite *s = suite_create("gw_cmdlog_lcd");
	TCase *tc = tcase_create("misc");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cmdlog_bounded_and_durable);
	tcase_add_test(tc, test_lcd);
	tcase_add_test(tc, test_settings_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(misc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
