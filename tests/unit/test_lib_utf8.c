/* utf8.c: text cut inside a character or holding stray bytes made valid. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

START_TEST(fix_in_place)
{
	char cut[] = "label: \"\xd0\xb0\xd0"; /* "а" and half of the next */
	char stray[] = "a\xff"
		       "b\xc0\xafz"; /* a stray byte and an overlong '/' */
	char fine[] = "Кв. 17, €";
	char four[] = "x\xf0\x9f\x92"; /* a 4-byte sequence cut after 3 */

	ck_assert_str_eq(utf8_fix(cut), "label: \"\xd0\xb0");
	ck_assert_str_eq(utf8_fix(stray), "a?b??z");
	ck_assert_str_eq(utf8_fix(fine), "Кв. 17, €");
	ck_assert_str_eq(utf8_fix(four), "x");
	ck_assert_uint_eq(utf8_seq("\xed\xa0\x80", 3), 0);     /* a surrogate */
	ck_assert_uint_eq(utf8_seq("\xf4\x90\x80\x80", 4), 0); /* above U+10FFFF */
	ck_assert_uint_eq(utf8_seq("\xe2\x82\xac", 3), 3);
}
END_TEST

START_TEST(clean_copy)
{
	size_t n;
	bool cut;
	char *s = utf8_clean("a\xffЖ", 4, 100, &n, &cut);

	ck_assert_str_eq(s, "a\xef\xbf\xbdЖ"); /* U+FFFD for the stray byte */
	ck_assert_uint_eq(n, strlen(s));
	ck_assert(!cut);
	free(s);
	s = utf8_clean("ЖЖЖ", 6, 5, &n, &cut); /* never cut inside a character */
	ck_assert_str_eq(s, "ЖЖ");
	ck_assert(cut);
	free(s);
}
END_TEST

Suite *utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, fix_in_place);
	tcase_add_test(tc, clean_copy);
	suite_add_tcase(s, tc);
	return s;
}
