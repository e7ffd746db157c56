/*
 * Unit tests of the SMS command parser (services/notify/smscmd.c), from a
 * table: each text, what it is read as, and for what is not understood
 * the reason. Every field of the result is compared, so a stray field
 * fails too.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "smscmd.h"

struct want {
	const char *text;
	enum smscmd_kind kind;
	unsigned obj;
	uint32_t alarm;
	const char *comment; /* ACK */
	const char *account; /* BALANCE */
	const char *channel; /* READ */
	const char *value;   /* READ */
	const char *why;     /* UNKNOWN: a part of the reason */
};

static const struct want cases[] = {
	{ "STATUS 1", SMSCMD_STATUS, .obj = 1 },
	{ "status 65000", SMSCMD_STATUS, .obj = 65000 },
	{ "  Status\t12 \r\n", SMSCMD_STATUS, .obj = 12 },
	{ "СТАТУС 7", SMSCMD_STATUS, .obj = 7 },
	{ "статус 7", SMSCMD_STATUS, .obj = 7 },
	{ "СтАтУс 7", SMSCMD_STATUS, .obj = 7 },
	{ "STATUS 0", SMSCMD_UNKNOWN, .why = "STATUS: an object number" },
	{ "STATUS 65001", SMSCMD_UNKNOWN, .why = "STATUS: an object number" },
	{ "STATUS 01", SMSCMD_UNKNOWN, .why = "STATUS: an object number" },
	{ "STATUS -1", SMSCMD_UNKNOWN, .why = "STATUS: an object number" },
	{ "STATUS", SMSCMD_UNKNOWN, .why = "STATUS: an object number" },
	{ "STATUS 1 2", SMSCMD_UNKNOWN, .why = "STATUS: too many words" },
	{ "STATUS 1.5", SMSCMD_UNKNOWN, .why = "STATUS: an object number" },
	{ "ACK 17", SMSCMD_ACK, .alarm = 17, .comment = "" },
	{ "ack 17 выехали на место", SMSCMD_ACK, .alarm = 17, .comment = "выехали на место" },
	{ "ACK 4294967295  on\nmy way  ", SMSCMD_ACK, .alarm = 4294967295u,
	  .comment = "on my way" },
	{ "принять 3 ok", SMSCMD_ACK, .alarm = 3, .comment = "ok" },
	{ "ACK 4294967296", SMSCMD_UNKNOWN, .why = "ACK: an alarm number" },
	{ "ACK x", SMSCMD_UNKNOWN, .why = "ACK: an alarm number" },
	{ "ACK 1 "
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	  SMSCMD_UNKNOWN, .why = "ACK: the comment is over 200 bytes" },
	{ "BALANCE 42", SMSCMD_BALANCE, .account = "42" },
	{ "баланс 1001", SMSCMD_BALANCE, .account = "1001" },
	{ "BALANCE", SMSCMD_UNKNOWN, .why = "BALANCE: an account number" },
	{ "BALANCE 42a", SMSCMD_UNKNOWN, .why = "BALANCE: an account number" },
	{ "BALANCE 1234567890123456789", SMSCMD_UNKNOWN, .why = "BALANCE: an account number" },
	{ "BALANCE 42 43", SMSCMD_UNKNOWN, .why = "BALANCE: too many words" },
	{ "READ 1.5.1 123.456", SMSCMD_READ, .channel = "1.5.1", .value = "123.456" },
	{ "read 1.5.1 123,456", SMSCMD_READ, .channel = "1.5.1", .value = "123.456" },
	{ "Показ 2.7.4 0", SMSCMD_READ, .channel = "2.7.4", .value = "0" },
	{ "READ 1.5.1 007.500", SMSCMD_READ, .channel = "1.5.1", .value = "7.500" },
	{ "READ 1.5.1 999999999999.999999", SMSCMD_READ, .channel = "1.5.1",
	  .value = "999999999999.999999" },
	{ "READ 1.5.1 1.2345678", SMSCMD_UNKNOWN, .why = "READ: a value" },
	{ "READ 1.5.1 1e3", SMSCMD_UNKNOWN, .why = "READ: a value" },
	{ "READ 1.5.1 -1", SMSCMD_UNKNOWN, .why = "READ: a value" },
	{ "READ 1.5.1 .5", SMSCMD_UNKNOWN, .why = "READ: a value" },
	{ "READ 1.5.1 5.", SMSCMD_UNKNOWN, .why = "READ: a value" },
	{ "READ 1.5.1 1.2.3", SMSCMD_UNKNOWN, .why = "READ: a value" },
	{ "READ 1.5.1 1234567890123", SMSCMD_UNKNOWN, .why = "READ: a value" },
	{ "READ 1.5.1", SMSCMD_UNKNOWN, .why = "READ: a value" },
	{ "READ 1.5 10", SMSCMD_UNKNOWN, .why = "READ: a channel obj.addr.ch" },
	{ "READ 1.5.9 10", SMSCMD_UNKNOWN, .why = "READ: a channel obj.addr.ch" },
	{ "READ 1.05.1 10", SMSCMD_UNKNOWN, .why = "READ: a channel obj.addr.ch" },
	{ "READ", SMSCMD_UNKNOWN, .why = "READ: a channel" },
	{ "READ 1.5.1 10 m3", SMSCMD_UNKNOWN, .why = "READ: too many words" },
	{ "HELP", SMSCMD_HELP, .obj = 0 },
	{ "help me", SMSCMD_HELP, .obj = 0 },
	{ "помощь", SMSCMD_HELP, .obj = 0 },
	{ "?", SMSCMD_HELP, .obj = 0 },
	{ "", SMSCMD_UNKNOWN, .why = "empty message" },
	{ " \r\n\t", SMSCMD_UNKNOWN, .why = "empty message" },
	{ "hello", SMSCMD_UNKNOWN, .why = "unknown command" },
	{ "STATUS1", SMSCMD_UNKNOWN, .why = "unknown command" },
	{ "ЫЕФЕГЫ 1", SMSCMD_UNKNOWN, .why = "unknown command" },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 1", SMSCMD_UNKNOWN,
	  .why = "unknown command" },
};

static const char *s(const char *p)
{
	return p ? p : "";
}

START_TEST(each_text_is_read_as_the_table_says)
{
	const struct want *w = &cases[_i];
	struct smscmd c;

	memset(&c, 0x5a, sizeof c); /* what the parser leaves is seen */
	smscmd_parse(w->text, strlen(w->text), &c);
	ck_assert_msg(c.kind == w->kind, "\"%s\": kind %d, not %d (%s)", w->text, c.kind, w->kind,
		      c.why);
	ck_assert_uint_eq(c.obj, w->obj);
	ck_assert_uint_eq(c.alarm, w->alarm);
	ck_assert_str_eq(c.comment, s(w->comment));
	ck_assert_str_eq(c.account, s(w->account));
	ck_assert_str_eq(c.channel, s(w->channel));
	ck_assert_str_eq(c.value, s(w->value));
	if (w->why)
		ck_assert_msg(strstr(c.why, w->why) == c.why, "\"%s\": why \"%s\", not \"%s..\"",
			      w->text, c.why, w->why);
	else
		ck_assert_str_eq(c.why, "");
	/* a Russian reason for every English one, with the same command */
	ck_assert_int_eq(c.why[0] == '\0', c.why_ru[0] == '\0');
	if (strchr(c.why, ':'))
		ck_assert_int_eq(strncmp(c.why, c.why_ru, (size_t)(strchr(c.why, ':') - c.why)), 0);
}
END_TEST

/* The length is what counts, not a NUL: a text cut in a word. */
START_TEST(only_len_bytes_are_read)
{
	struct smscmd c;

	smscmd_parse("STATUS 12345", 9, &c);
	ck_assert_int_eq(c.kind, SMSCMD_STATUS);
	ck_assert_uint_eq(c.obj, 12);
	smscmd_parse("HELPX", 4, &c);
	ck_assert_int_eq(c.kind, SMSCMD_HELP);
	smscmd_parse(NULL, 0, &c);
	ck_assert_int_eq(c.kind, SMSCMD_UNKNOWN);
}
END_TEST

START_TEST(the_help_names_every_command)
{
	const char *langs[] = { "ru", "en", NULL };

	for (int i = 0; i < 3; i++) {
		const char *h = smscmd_help(langs[i]);

		ck_assert_ptr_nonnull(strstr(h, "STATUS"));
		ck_assert_ptr_nonnull(strstr(h, "ACK"));
		ck_assert_ptr_nonnull(strstr(h, "BALANCE"));
		ck_assert_ptr_nonnull(strstr(h, "READ"));
		ck_assert_ptr_nonnull(strstr(h, "HELP"));
		ck_assert_ptr_null(strchr(h, '\n'));
	}
	ck_assert_ptr_nonnull(strstr(smscmd_help("ru"), "Команды"));
}
END_TEST

/* Random bytes and random mixes of the command words: every result is
 * well-formed (a kind, terminated strings, a reason exactly when not
 * understood, a READ value that is an exact decimal). */
START_TEST(any_text_gives_a_well_formed_result)
{
	static const char *const bits[] = {
		"STATUS", "ack", "БАЛАНС", "READ", "help", " ",	    "1", "1.5.1",	 "0",
		",",	  ".",	 "\xd0",   "\xff", "\n",   "65001", "-", "9999999999999"
	};
	unsigned seed = 12345;
	char text[300];
	struct smscmd c;

	for (int i = 0; i < 50000; i++) {
		size_t n = 0;

		seed = seed * 1103515245u + 12345u;
		if (i % 2) {
			n = seed % sizeof text;
			for (size_t j = 0; j < n; j++) {
				seed = seed * 1103515245u + 12345u;
				text[j] = (char)(seed >> 16);
			}
		} else {
			for (int w = 0; w < (int)(seed % 6); w++) {
				const char *b;

				seed = seed * 1103515245u + 12345u;
				b = bits[(seed >> 16) % (sizeof bits / sizeof bits[0])];
				if (n + strlen(b) >= sizeof text)
					break;
				memcpy(text + n, b, strlen(b));
				n += strlen(b);
			}
		}
		smscmd_parse(text, n, &c);
		ck_assert_int_le(c.kind, SMSCMD_READ);
		ck_assert_ptr_nonnull(memchr(c.why, 0, sizeof c.why));
		ck_assert_ptr_nonnull(memchr(c.why_ru, 0, sizeof c.why_ru));
		ck_assert_ptr_nonnull(memchr(c.comment, 0, sizeof c.comment));
		ck_assert_ptr_nonnull(memchr(c.value, 0, sizeof c.value));
		ck_assert_int_eq(c.kind == SMSCMD_UNKNOWN, c.why[0] != '\0');
		if (c.kind == SMSCMD_READ) {
			size_t d = strspn(c.value, "0123456789");

			ck_assert_uint_gt(d, 0);
			ck_assert(c.value[d] == '\0' ||
				  (c.value[d] == '.' && strspn(c.value + d + 1, "0123456789") ==
								strlen(c.value + d + 1)));
		}
		if (c.kind == SMSCMD_STATUS)
			ck_assert(c.obj >= 1 && c.obj <= 65000);
	}
}
END_TEST

int main(void)
{
	Suite *su = suite_create("notify_smscmd");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, each_text_is_read_as_the_table_says, 0,
			    (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, only_len_bytes_are_read);
	tcase_add_test(tc, the_help_names_every_command);
	tcase_add_test(tc, any_text_gives_a_well_formed_result);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
