/* Unit tests of lib/csvfield.c: quoting, and typed text kept from formulas. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "csvfield.h"

/* What put(s) writes. */
static char *written(void (*put)(FILE *, const char *), const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	put(f, s);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

START_TEST(fields_are_quoted_when_they_must_be)
{
	static const char *const cases[][3] = {
		/* input, csvfield_put, csvfield_put_text */
		{ "1.5.1", "1.5.1", "1.5.1" },
		{ "", "", "" },
		{ "a,b", "\"a,b\"", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"", "\"two\nlines\"" },
		{ "=HYPERLINK(\"x\")", "\"=HYPERLINK(\"\"x\"\")\"", "\"'=HYPERLINK(\"\"x\"\")\"" },
		{ "+7 900", "+7 900", "'+7 900" },
		{ "-1", "-1", "'-1" },
		{ "@SUM(A1)", "@SUM(A1)", "'@SUM(A1)" },
		{ "Долг за воду", "Долг за воду", "Долг за воду" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *a = written(csvfield_put, cases[i][0]),
		     *b = written(csvfield_put_text, cases[i][0]);

		ck_assert_str_eq(a, cases[i][1]);
		ck_assert_str_eq(b, cases[i][2]);
		free(a);
		free(b);
	}
}
END_TEST

Suite *csvfield_suite(void)
{
	Suite *s = suite_create("csvfield");
	TCase *tc = tcase_create("csvfield");

	tcase_add_test(tc, fields_are_quoted_when_they_must_be);
	suite_add_tcase(s, tc);
	return s;
}
