/* Unit tests of the console's Telnet protocol: negotiation bytes from real
 * clients, line ends, editing keys, Esc. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../firmware/gateway/telnet.h"

static struct telnet t;
static struct telnet_out o;

/* Feed bytes; collect the lines (joined by '|') and count Esc events. */
static int feed(const void *bytes, size_t n, char *lines, size_t cap)
{
	const uint8_t *b = bytes;
	int escs = 0;

	lines[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		enum telnet_event e = telnet_byte(&t, b[i], &o);

		if (e == TELNET_LINE) {
			strncat(lines, t.line, cap - strlen(lines) - 2);
			strcat(lines, "|");
		} else if (e == TELNET_ESC) {
			escs++;
		}
	}
	if (telnet_idle(&t) == TELNET_ESC)
		escs++;
	return escs;
}

static void setup(void)
{
	memset(&o, 0, sizeof o);
	telnet_start(&t, &o);
}

START_TEST(test_offer)
{
	static const uint8_t want[] = { 255, 251, 1, 255, 251, 3 };

	ck_assert_uint_eq(o.len, sizeof want);
	ck_assert_mem_eq(o.buf, want, sizeof want);
	ck_assert(!t.echo);
}
END_TEST

START_TEST(test_debian_telnet_negotiation)
{
	/* What inetutils telnet sends on connect, then a line in char mode. */
	static const uint8_t in[] = {
		255, 253, 1,  /* DO ECHO: answers our WILL, no reply */
		255, 253, 3,  /* DO SGA: answers our WILL, no reply */
		255, 251, 24, /* WILL TTYPE -> DONT */
		255, 251, 31, /* WILL NAWS -> DONT */
		255, 251, 3,  /* WILL SGA -> DO once */
		255, 253, 5,  /* DO STATUS -> WONT */
		255, 251, 33, /* WILL LFLOW -> DONT */
		255, 250, 31,  0,   80,	 0,   24,  255, 240, /* SB NAWS ... SE skipped */
		255, 252, 24,				     /* WONT TTYPE: an answer, no reply */
		's', 'h', 'o', 'w', ' ', 'a', 'd', 'd', 'r', '\r', '\0',
	};
	static const uint8_t replies[] = {
		255, 254, 24, 255, 254, 31, 255, 253, 3, 255, 252, 5, 255, 254, 33,
	};
	char lines[256];

	o.len = 0;
	ck_assert_int_eq(feed(in, sizeof in, lines, sizeof lines), 0);
	ck_assert_str_eq(lines, "show addr|");
	ck_assert(t.echo);
	ck_assert_uint_ge(o.len, sizeof replies);
	ck_assert_mem_eq(o.buf, replies, sizeof replies);
	/* the rest is the echo of the line and CR LF */
	ck_assert_uint_eq(o.len, sizeof replies + 9 + 2);
	ck_assert_mem_eq(o.buf + sizeof replies, "show addr\r\n", 11);
}
END_TEST

START_TEST(test_no_negotiation_loop)
{
	char lines[64];

	o.len = 0;
	/* A client that answers our DONT with WONT and our DO with WILL. */
	feed("\xff\xfc\x18\xff\xfb\x03\xff\xfb\x03\xff\xfe\x05", 12, lines, sizeof lines);
	/* Only one DO SGA goes out, nothing for WONT/DONT of unused options. */
	ck_assert_uint_eq(o.len, 3);
	ck_assert_mem_eq(o.buf, "\xff\xfd\x03", 3);
}
END_TEST

START_TEST(test_line_ends)
{
	char lines[128];

	feed("a\r\nb\r\0c\nd\re", 12, lines, sizeof lines);
	ck_assert_str_eq(lines, "a|b|c|d|");
	ck_assert_str_eq(t.line, "e");
	/* no echo: the client never agreed (nc, scripts) */
	ck_assert_uint_eq(o.len, 6);
}
END_TEST

START_TEST(test_backspace_and_iac)
{
	char lines[128];

	feed("\xff\xfd\x01", 3, lines, sizeof lines);
	o.len = 0;
	{
		static const char typed[] = "objnxy\b\x7f"
					    "um=7\xff\xf7"
					    "77\r\n";

		feed(typed, sizeof typed - 1, lines, sizeof lines);
		ck_assert_str_eq(lines, "objnum=77|");
		ck_assert_ptr_nonnull(memmem(o.buf, o.len, "\b \b", 3));
		/* IAC IAC is the byte 255 (not printable, kept in the line) */
		feed("x\xff\xffy\r\n", 6, lines, sizeof lines);
		ck_assert_str_eq(lines, "x\xffy|");
	}
}
END_TEST

START_TEST(test_esc_and_cursor_keys)
{
	char lines[128];

	/* cursor keys arrive as Esc [ A in one read: not an exit */
	ck_assert_int_eq(feed("ab\x1b[Ac\r\n", 8, lines, sizeof lines), 0);
	ck_assert_str_eq(lines, "abc|");
	ck_assert_int_eq(feed("\x1bOB", 3, lines, sizeof lines), 0);
	/* Esc alone is the Esc key */
	ck_assert_int_eq(feed("\x1b", 1, lines, sizeof lines), 1);
	/* Esc then a letter in the same read: still Esc */
	ck_assert_int_eq(feed("\x1bq", 2, lines, sizeof lines), 1);
	/* line mode clients send it with the line */
	ck_assert_int_eq(feed("\x1b\r\n", 3, lines, sizeof lines), 1);
}
END_TEST

START_TEST(test_password_hidden_and_overflow)
{
	char lines[512], big[300];

	feed("\xff\xfd\x01", 3, lines, sizeof lines);
	t.hide = true;
	o.len = 0;
	feed("pw\r\n", 4, lines, sizeof lines);
	ck_assert_str_eq(lines, "pw|");
	ck_assert_mem_eq(o.buf, "**\r\n", 4);
	t.hide = false;
	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = '\r';
	feed(big, sizeof big, lines, sizeof lines);
	ck_assert(t.overflow);
	ck_assert_uint_eq(strlen(t.line), TELNET_LINE_MAX - 1);
	feed("ok\r\n", 4, lines, sizeof lines);
	ck_assert(!t.overflow);
	ck_assert_str_eq(lines, "ok|");
}
END_TEST

START_TEST(test_put_doubles_iac)
{
	struct telnet_out x = { .len = 0 };

	ck_assert(telnet_put(&x,
			     "a\xff"
			     "b",
			     3));
	ck_assert_uint_eq(x.len, 4);
	ck_assert_mem_eq(x.buf,
			 "a\xff\xff"
			 "b",
			 4);
}
END_TEST

static Suite *telnet_suite(void)
{
	Suite *s = suite_create("gw_telnet");
	TCase *tc = tcase_create("protocol");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_offer);
	tcase_add_test(tc, test_debian_telnet_negotiation);
	tcase_add_test(tc, test_no_negotiation_loop);
	tcase_add_test(tc, test_line_ends);
	tcase_add_test(tc, test_backspace_and_iac);
	tcase_add_test(tc, test_esc_and_cursor_keys);
	tcase_add_test(tc, test_password_hidden_and_overflow);
	tcase_add_test(tc, test_put_doubles_iac);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(telnet_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
