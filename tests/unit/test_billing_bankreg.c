/*
 * Unit tests of services/billing/bankreg.c, a bank's payment registry:
 * every line of tests/unit/billing_cases/bankreg_lines.txt read (good lines
 * field by field, refused lines with their number and reason), in UTF-8
 * and converted to Windows-1251; a BOM, CRLF, the header and the control
 * line; and the files refused whole.
 */
#include <check.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bankreg.h"

#define TODAY  "2026-11-05"
#define HEADER "date;reference;account;amount;period;payer;address\n"

struct cases {
	char file[65536];   /* the header and every case's line */
	size_t len;	    /* bytes of file */
	char want[64][512]; /* what each case is */
	unsigned line[64];  /* its line number in file */
	size_t n;	    /* cases */
};

static struct cases cases;

/* Read billing_cases/bankreg_lines.txt into cases. */
static void cases_load(void)
{
	const char *src = getenv("AMR_SRC_DIR");
	char path[4096], row[2048];
	FILE *f;

	memset(&cases, 0, sizeof cases);
	snprintf(path, sizeof path, "%s/tests/unit/billing_cases/bankreg_lines.txt",
		 src ? src : ".");
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	cases.len = (size_t)snprintf(cases.file, sizeof cases.file, "%s", HEADER);
	while (fgets(row, sizeof row, f)) {
		char *arrow = strstr(row, " => ");

		row[strcspn(row, "\n")] = '\0';
		if (row[0] == '#' || !row[0])
			continue;
		ck_assert_msg(arrow != NULL, "no \" => \" in %s", row);
		ck_assert_uint_lt(cases.n, 64);
		*arrow = '\0';
		snprintf(cases.want[cases.n], sizeof cases.want[0], "%s", arrow + 4);
		cases.line[cases.n] = (unsigned)cases.n + 2;
		cases.len += (size_t)snprintf(cases.file + cases.len, sizeof cases.file - cases.len,
					      "%s\n", row);
		cases.n++;
	}
	fclose(f);
}

/* What line l is, in the table's words. */
static void describe(const struct bankreg_line *l, char *out, size_t size)
{
	if (l->refused)
		snprintf(out, size, "refused %s", l->refused);
	else
		snprintf(out, size, "ok %s|%s|%s|%lld|%s|%s|%s", l->date, l->reference, l->account,
			 (long long)l->amount, l->period, l->payer, l->address);
}

/* Every case of the table as file data[0..len) says. */
static void check_cases(const char *data, size_t len, const char *encoding)
{
	struct jv_err err = { "" };
	struct bankreg *r = NULL;
	size_t refused = 0;

	ck_assert_msg(bankreg_parse(data, len, TODAY, &r, &err) == AMR_OK, "%s", err.msg);
	ck_assert_str_eq(r->encoding, encoding);
	ck_assert_uint_eq(r->n, cases.n);
	ck_assert(!r->control);
	for (size_t i = 0; i < cases.n; i++) {
		char got[1024];

		describe(&r->lines[i], got, sizeof got);
		ck_assert_uint_eq(r->lines[i].line, cases.line[i]);
		ck_assert_msg(!strcmp(got, cases.want[i]), "line %u:\n got  %s\n want %s",
			      cases.line[i], got, cases.want[i]);
		refused += !strncmp(cases.want[i], "refused ", 8);
	}
	ck_assert_uint_eq(r->refused, refused);
	bankreg_free(r);
}

/* s[0..n) converted from UTF-8 to Windows-1251 into out; its length. */
static size_t to_cp1251(const char *s, size_t n, char *out, size_t size)
{
	iconv_t cd = iconv_open("WINDOWS-1251", "UTF-8");
	char *in = (char *)s, *o = out;
	size_t in_left = n, out_left = size;

	ck_assert(cd != (iconv_t)-1);
	ck_assert_uint_ne(iconv(cd, &in, &in_left, &o, &out_left), (size_t)-1);
	iconv_close(cd);
	return size - out_left;
}

START_TEST(every_line_of_the_table)
{
	static char cp[65536];
	size_t n;

	cases_load();
	check_cases(cases.file, cases.len, "utf-8");
	n = to_cp1251(cases.file, cases.len, cp, sizeof cp);
	ck_assert_uint_lt(n, cases.len); /* Cyrillic letters are one byte there */
	check_cases(cp, n, "windows-1251");
}
END_TEST

/* Parse text; returns the registry (the caller frees) or NULL with err. */
static struct bankreg *parse(const char *text, size_t len, struct jv_err *err)
{
	struct bankreg *r = NULL;

	err->msg[0] = '\0';
	if (bankreg_parse(text, len, TODAY, &r, err) != AMR_OK)
		return NULL;
	return r;
}

START_TEST(bom_crlf_header_and_bytes)
{
	/* Windows-1251 written as bytes: "Иванов" */
	static const char cp[] = "05.11.2026;1;100001;10,00;;\xC8\xE2\xE0\xED\xEE\xE2\r\n";
	static const char bom[] = "\xEF\xBB\xBF"
				  "Дата;Номер;ЛС;Сумма\r\n"
				  "05.11.2026;1;100001;10,00\r\n"
				  "\r\n"
				  "04.11.2026;2;100002;20,50";
	static const char bare[] = "05.11.2026;1;100001;10,00\n";
	struct jv_err err;
	struct bankreg *r;

	ck_assert_ptr_nonnull(r = parse(cp, sizeof cp - 1, &err));
	ck_assert_str_eq(r->encoding, "windows-1251");
	ck_assert_str_eq(r->lines[0].payer, "Иванов");
	bankreg_free(r);

	/* the BOM goes, so the header is seen; CRs go; an empty line is no
	 * payment; the last line needs no line end */
	ck_assert_ptr_nonnull(r = parse(bom, sizeof bom - 1, &err));
	ck_assert_str_eq(r->encoding, "utf-8");
	ck_assert_uint_eq(r->n, 2);
	ck_assert_uint_eq(r->lines[0].line, 2);
	ck_assert_str_eq(r->lines[0].account, "100001");
	ck_assert_uint_eq(r->lines[1].line, 4);
	ck_assert_int_eq(r->lines[1].amount, 2050);
	ck_assert_ptr_null(r->lines[1].refused);
	bankreg_free(r);

	/* without a header the first line is a payment */
	ck_assert_ptr_nonnull(r = parse(bare, sizeof bare - 1, &err));
	ck_assert_uint_eq(r->n, 1);
	ck_assert_uint_eq(r->lines[0].line, 1);
	bankreg_free(r);
}
END_TEST

START_TEST(control_line)
{
	static const char *const good[] = {
		HEADER "05.11.2026;1;100001;10,00\n05.11.2026;2;100002;20,50\n=2;30,50\n",
		/* a refused line still counts, with the amount it says */
		HEADER "05.11.2026;1;100001;10,00\n06.11.2026;2;100002;20,50\r\n=2;30.50\r\n\r\n",
	};
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{ HEADER "05.11.2026;1;100001;10,00\n=2;10,00\n",
		  "line 3: the control line says 2 payments of 10.00; the file has 1 of 10.00" },
		{ HEADER "05.11.2026;1;100001;10,00\n=1;10,01\n",
		  "line 3: the control line says 1 payments of 10.01; the file has 1 of 10.00" },
		/* an amount that cannot be read is not summed: the totals fail */
		{ HEADER "05.11.2026;1;100001;10,00\n05.11.2026;2;100001;1x\n=2;11,00\n",
		  "line 4: the control line says 2 payments of 11.00; the file has 2 of 10.00" },
		{ HEADER "=1;10,00\n05.11.2026;1;100001;10,00\n",
		  "line 2: a control line (=COUNT;SUM) must be the last line of the file" },
		{ HEADER "05.11.2026;1;100001;10,00\n=one;10,00\n",
		  "line 3: the control line is not =COUNT;SUM (e.g. =3;4500,00)" },
		{ HEADER "05.11.2026;1;100001;10,00\n=1;10,001\n",
		  "line 3: the control line is not =COUNT;SUM (e.g. =3;4500,00): sum: \"10,001\" "
		  "has more than 2 decimals" },
		{ HEADER "=0;0\n", "text: no payment lines" },
	};
	struct jv_err err;
	struct bankreg *r;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		ck_assert_msg((r = parse(good[i], strlen(good[i]), &err)) != NULL, "%zu: %s", i,
			      err.msg);
		ck_assert(r->control);
		ck_assert_uint_eq(r->n, 2);
		bankreg_free(r);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_ptr_null(parse(bad[i].text, strlen(bad[i].text), &err));
		ck_assert_msg(!strncmp(err.msg, bad[i].why, strlen(bad[i].why)),
			      "%zu:\n got  %s\n want %s", i, err.msg, bad[i].why);
	}
}
END_TEST

START_TEST(refused_whole)
{
	static const struct {
		const char *text;
		size_t len;
		const char *why;
	} bad[] = {
		{ "", 0, "text: the file is empty" },
		{ HEADER, sizeof HEADER - 1, "text: no payment lines" },
		{ "\n \n\t\n", 5, "text: no payment lines" },
		{ "05.11.2026;1;1;1,00\n\0", 21,
		  "text: a NUL byte at offset 20; a registry is text" },
		/* 0x98 is no letter of Windows-1251, and alone no UTF-8 */
		{ "05.11.2026;1;1;1,00;;\x98\n", 23,
		  "text: neither UTF-8 nor Windows-1251: byte 0x98 at offset 21" },
	};
	struct jv_err err;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_ptr_null(parse(bad[i].text, bad[i].len, &err));
		ck_assert_msg(!strncmp(err.msg, bad[i].why, strlen(bad[i].why)),
			      "%zu:\n got  %s\n want %s", i, err.msg, bad[i].why);
	}
}
END_TEST

START_TEST(long_fields_and_control_characters)
{
	static char text[4096];
	struct jv_err err;
	struct bankreg *r;
	char payer[BANKREG_TEXT_MAX + 2];
	int n;

	memset(payer, 'a', sizeof payer - 1);
	payer[sizeof payer - 1] = '\0';
	n = snprintf(text, sizeof text,
		     "05.11.2026;1;100001;1,00;;%s\n"
		     "05.11.2026;2;100001;1,00;;;%s\n"
		     "05.11.2026;3;100001;1,00;;%.*s\n"
		     "05.11.2026;4;100001;1,00;;a\x01z\n"
		     "05.11.2026;5;100001;1,00;;a\rz\n",
		     payer, payer, BANKREG_TEXT_MAX, payer);
	ck_assert_ptr_nonnull(r = parse(text, (size_t)n, &err));
	ck_assert_uint_eq(r->n, 5);
	ck_assert_str_eq(r->lines[0].refused, "payer: longer than 500 bytes");
	ck_assert_str_eq(r->lines[1].refused, "address: longer than 500 bytes");
	ck_assert_ptr_null(r->lines[2].refused);
	ck_assert_str_eq(r->lines[3].refused, "text: a control character (0x01) in the line");
	ck_assert_str_eq(r->lines[4].refused, "text: a control character (0x0d) in the line");
	ck_assert_uint_eq(r->refused, 4);
	bankreg_free(r);
}
END_TEST

START_TEST(amounts_as_banks_write_them)
{
	static const struct {
		const char *s;
		money_kop v; /* -1: refused */
	} t[] = {
		{ "1520,30", 152030 },
		{ "1520.30", 152030 },
		{ "1520,3", 152030 },
		{ "1520", 152000 },
		{ "0,01", 1 },
		{ "007,00", 700 },
		{ "10000000000000", MONEY_MAX },
		{ "12,345", -1 },
		{ ",50", -1 },
		{ "12,", -1 },
		{ "1 520", -1 },
		{ "+5", -1 },
		{ "1e3", -1 },
		{ "", -1 },
		{ "100000000000000", -1 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct jv_err err = { "" };
		money_kop v = 777;
		amr_err rc = bankreg_amount(t[i].s, "amount", &v, &err);

		if (t[i].v < 0) {
			ck_assert_msg(rc == AMR_EINVAL, "%s taken", t[i].s);
			ck_assert_int_eq(v, 777);
			ck_assert_msg(!strncmp(err.msg, "amount: ", 8), "%s", err.msg);
		} else {
			ck_assert_msg(rc == AMR_OK, "%s: %s", t[i].s, err.msg);
			ck_assert_int_eq(v, t[i].v);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("billing_bankreg");
	TCase *tc = tcase_create("bankreg");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, every_line_of_the_table);
	tcase_add_test(tc, bom_crlf_header_and_bytes);
	tcase_add_test(tc, control_line);
	tcase_add_test(tc, refused_whole);
	tcase_add_test(tc, long_fields_and_control_characters);
	tcase_add_test(tc, amounts_as_banks_write_them);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
