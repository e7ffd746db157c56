/* Unit tests of lib/config.c: the option table. */
#include <check.h>
#include <stdlib.h>

#include "config.h"

static const char *host;
static long long port;
static bool flag;
static const char *level;
static const char *const levels[] = { "low", "high", NULL };

static struct config_opt table[] = {
	{ "host", "T_HOST", CONFIG_STR, "localhost", 1, 20, "host", &host, NULL },
	{ "port", "T_PORT", CONFIG_INT, "1883", 1, 65535, "port", &port, NULL },
	{ "flag", NULL, CONFIG_BOOL, "no", 0, 1, "a flag", &flag, NULL },
	{ "level", "T_LEVEL", CONFIG_STR, "low", 1, 8, "level", &level, levels },
};
#define N (sizeof table / sizeof table[0])

static int parse(int argc, char **argv)
{
	return config_parse(table, N, argc, argv, "test", NULL);
}

static void setup(void)
{
	unsetenv("T_HOST");
	unsetenv("T_PORT");
	unsetenv("T_LEVEL");
}

START_TEST(defaults_apply)
{
	char *argv[] = { "prog", NULL };

	ck_assert_int_eq(parse(1, argv), 0);
	ck_assert_str_eq(host, "localhost");
	ck_assert_int_eq(port, 1883);
	ck_assert(!flag);
	ck_assert_str_eq(level, "low");
}
END_TEST

START_TEST(environment_beats_default_and_argv_beats_environment)
{
	char *argv1[] = { "prog", NULL };
	char *argv2[] = { "prog", "--port=1999", NULL };
	char *argv3[] = { "prog", "--port", "2000", "--flag", NULL };

	setenv("T_PORT", "1884", 1);
	ck_assert_int_eq(parse(1, argv1), 0);
	ck_assert_int_eq(port, 1884);
	ck_assert_int_eq(parse(2, argv2), 0);
	ck_assert_int_eq(port, 1999);
	ck_assert_int_eq(parse(4, argv3), 0);
	ck_assert_int_eq(port, 2000);
	ck_assert(flag);
}
END_TEST

START_TEST(empty_environment_counts_as_unset)
{
	char *argv[] = { "prog", NULL };

	setenv("T_HOST", "", 1);
	ck_assert_int_eq(parse(1, argv), 0);
	ck_assert_str_eq(host, "localhost");
}
END_TEST

/* Table-driven: every bad value stops the program and changes nothing. */
static const struct {
	const char *arg;
} bad[] = {
	{ "--port=0" },
	{ "--port=65536" },
	{ "--port=12a" },
	{ "--port=" },
	{ "--port=99999999999999999999" },
	{ "--flag=maybe" },
	{ "--level=mid" },
	{ "--host=" },
	{ "--host=aaaaaaaaaaaaaaaaaaaaaaaaa" },
	{ "--nosuch=1" },
	{ "--port" },
};

START_TEST(bad_values_are_refused)
{
	char *argv[] = { "prog", (char *)bad[_i].arg, NULL };

	port = 4242;
	ck_assert_int_eq(parse(2, argv), CONFIG_BAD);
	ck_assert_int_eq(port, 4242);
}
END_TEST

START_TEST(bad_environment_is_refused)
{
	char *argv[] = { "prog", NULL };

	setenv("T_PORT", "70000", 1);
	ck_assert_int_eq(parse(1, argv), CONFIG_BAD);
}
END_TEST

START_TEST(help_is_reported)
{
	char *argv[] = { "prog", "--help", NULL };

	ck_assert_int_eq(parse(2, argv), CONFIG_HELP);
}
END_TEST

START_TEST(positional_arguments_are_kept_in_order)
{
	char *argv[] = { "prog", "rpc", "--port=1", "a/b", "--", "--x", NULL };
	int npos = 0;

	ck_assert_int_eq(config_parse(table, N, 6, argv, NULL, &npos), 0);
	ck_assert_int_eq(npos, 3);
	ck_assert_str_eq(argv[1], "rpc");
	ck_assert_str_eq(argv[2], "a/b");
	ck_assert_str_eq(argv[3], "--x");
	ck_assert_int_eq(port, 1);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, defaults_apply);
	tcase_add_test(tc, environment_beats_default_and_argv_beats_environment);
	tcase_add_test(tc, empty_environment_counts_as_unset);
	tcase_add_loop_test(tc, bad_values_are_refused, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, bad_environment_is_refused);
	tcase_add_test(tc, help_is_reported);
	tcase_add_test(tc, positional_arguments_are_kept_in_order);
	suite_add_tcase(s, tc);
	return s;
}
