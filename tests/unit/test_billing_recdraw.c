/*
 * Unit tests of services/billing/recdraw*.c: receipts drawn and read back
 * the way a payer and a bank read them. The three receipts of
 * tests/unit/billing_cases/receipts.json (readings, ОДН and a
 * recalculation; nothing to pay; English) are drawn into a PDF, and
 *   - pdfinfo says 3 A4 pages;
 *   - pdftotext -layout shows on each page what recdraw_pages.jsonl says;
 *   - each page rendered at 150 dpi (pdftoppm) gives zbarimg the
 *     receipt's QR text byte for byte (-Sbinary: the bytes as coded,
 *     no guess at their character set);
 * a long receipt goes on over pages; drawing again gives the same text;
 * bad receipts are refused naming the field (recdraw.jsonl).
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "billing_table.h"
#include "recdraw.h"

#define MADE "2026-11-01T09:00:00Z"

static char dir[64];	 /* the test's temporary directory */
static json_t *fixture;	 /* receipts.json */
static char *pages_text; /* pdftotext of the fixture drawn, for the table */

/* The directory, once for all the tests (unchecked: its teardown runs
 * even after a test failed). */
static void dir_setup(void)
{
	strcpy(dir, "/tmp/amr-recdraw-XXXXXX");
	if (!mkdtemp(dir))
		abort();
}

static void dir_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		abort();
}

static void setup(void)
{
	const char *src = getenv("AMR_SRC_DIR");
	char path[512];
	json_error_t je;

	snprintf(path, sizeof path, "%s/tests/unit/billing_cases/receipts.json", src ? src : ".");
	fixture = json_load_file(path, 0, &je);
	ck_assert_msg(fixture != NULL, "%s: %s (set AMR_SRC_DIR)", path, je.text);
}

static void teardown(void)
{
	json_decref(fixture);
}

/* What cmd writes to its stdout (new, NUL-ended; *len its bytes); the
 * command must succeed. */
static char *run(const char *cmd, size_t *len)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0, cap = 1 << 16;
	char *buf = malloc(cap);

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(buf);
	for (size_t got; (got = fread(buf + n, 1, cap - n - 1, p)) > 0;) {
		n += got;
		if (cap - n - 1 == 0)
			ck_assert_ptr_nonnull(buf = realloc(buf, cap *= 2));
	}
	buf[n] = '\0';
	ck_assert_msg(pclose(p) == 0, "failed: %s", cmd);
	if (len)
		*len = n;
	return buf;
}

/* Draw receipts into dir/name.pdf; returns its path (static). */
static const char *draw(const json_t *receipts, const char *name)
{
	static char path[128];
	struct recdraw_buf b = { 0 };
	struct jv_err err = { "" };
	FILE *f;

	ck_assert_msg(recdraw_pdf(receipts, MADE, &b, &err) == AMR_OK, "%s", err.msg);
	ck_assert_uint_gt(b.size, 1000);
	ck_assert(!memcmp(b.data, "%PDF-", 5));
	snprintf(path, sizeof path, "%s/%s.pdf", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(b.data, 1, b.size, f), b.size);
	ck_assert_int_eq(fclose(f), 0);
	recdraw_buf_free(&b);
	ck_assert_ptr_null(b.data);
	return path;
}

static char *pdf_text(const char *pdf)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' -", pdf);
	return run(cmd, NULL);
}

/* Page p (1..) of a pdftotext text, pages parted by form feeds (new). */
static char *page_of(const char *text, int p)
{
	const char *s = text, *e;

	for (int i = 1; i < p && s; i++)
		if ((s = strchr(s, '\f')))
			s++;
	ck_assert_msg(s && *s, "no page %d", p);
	e = strchr(s, '\f');
	return strndup(s, e ? (size_t)(e - s) : strlen(s));
}

static int pages_of(const char *pdf)
{
	char cmd[256], *info, *at;
	int n = 0;

	snprintf(cmd, sizeof cmd, "pdfinfo '%s'", pdf);
	info = run(cmd, NULL);
	ck_assert_ptr_nonnull(at = strstr(info, "Pages:"));
	ck_assert_int_eq(sscanf(at, "Pages: %d", &n), 1);
	ck_assert_msg(strstr(info, "Page size:       595.276 x 841.89 pts (A4)"), "%s", info);
	free(info);
	return n;
}

/* The QR code zbarimg reads on page p of pdf (new; *len its bytes). */
static char *qr_of(const char *pdf, int p, size_t *len)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd,
		 "pdftoppm -r 150 -png -f %d -l %d -singlefile '%s' '%s/page' && "
		 "zbarimg --raw -q -Sbinary '%s/page.png' 2>/dev/null",
		 p, p, pdf, dir, dir);
	return run(cmd, len);
}

static void page_case(const json_t *c)
{
	char *page = page_of(pages_text, (int)json_integer_value(json_object_get(c, "page")));
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(c, "has"), i, v)
		ck_assert_msg(strstr(page, json_string_value(v)), "%s: no \"%s\" in\n%s",
			      billing_table_name(c), json_string_value(v), page);
	json_array_foreach(json_object_get(c, "lacks"), i, v)
		ck_assert_msg(!strstr(page, json_string_value(v)), "%s: \"%s\" in\n%s",
			      billing_table_name(c), json_string_value(v), page);
	free(page);
}

START_TEST(pages_show_their_receipts)
{
	const char *pdf = draw(fixture, "three");

	ck_assert_int_eq(pages_of(pdf), 3);
	pages_text = pdf_text(pdf);
	billing_table_run("recdraw_pages.jsonl", page_case, 3);
	free(pages_text);
}
END_TEST

START_TEST(qr_codes_read_back_byte_for_byte)
{
	const char *pdf = draw(fixture, "three");

	for (int p = 1; p <= 3; p++) {
		const char *want = json_string_value(
			json_object_get(json_array_get(fixture, (size_t)p - 1), "qr"));
		size_t len;
		char *got = qr_of(pdf, p, &len);

		ck_assert_msg(len == strlen(want) && !memcmp(got, want, len),
			      "page %d:\n got %s\nwant %s", p, got, want);
		free(got);
	}
}
END_TEST

/* With `made` given, the same receipts give the same text, and the same
 * bytes. */
START_TEST(drawn_again_the_same)
{
	struct recdraw_buf a = { 0 }, b = { 0 };
	struct jv_err err = { "" };
	char *t1 = pdf_text(draw(fixture, "one")), *t2 = pdf_text(draw(fixture, "two"));

	ck_assert_str_eq(t1, t2);
	ck_assert_int_eq(recdraw_pdf(fixture, MADE, &a, &err), AMR_OK);
	ck_assert_int_eq(recdraw_pdf(fixture, MADE, &b, &err), AMR_OK);
	ck_assert_uint_eq(a.size, b.size);
	ck_assert(!memcmp(a.data, b.data, a.size));
	recdraw_buf_free(&a);
	recdraw_buf_free(&b);
	free(t1);
	free(t2);
}
END_TEST

/* A drawing on a thread of its own. */
struct drawing {
	pthread_t t;
	struct recdraw_buf b;
	amr_err rc;
};

static void *draw_thread(void *arg)
{
	struct drawing *dr = arg;
	struct jv_err err = { "" };

	dr->rc = recdraw_pdf(fixture, MADE, &dr->b, &err);
	return NULL;
}

/* Calls on several threads at once draw what one alone draws. */
START_TEST(threads_draw_at_once)
{
	struct drawing dr[3] = { 0 };
	struct recdraw_buf alone = { 0 };
	struct jv_err err = { "" };

	ck_assert_int_eq(recdraw_pdf(fixture, MADE, &alone, &err), AMR_OK);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pthread_create(&dr[i].t, NULL, draw_thread, &dr[i]), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(pthread_join(dr[i].t, NULL), 0);
		ck_assert_int_eq(dr[i].rc, AMR_OK);
		ck_assert_uint_eq(dr[i].b.size, alone.size);
		ck_assert(!memcmp(dr[i].b.data, alone.data, alone.size));
		recdraw_buf_free(&dr[i].b);
	}
	recdraw_buf_free(&alone);
}
END_TEST

/* Receipt 0 with its first lines repeated up to n lines. */
static json_t *long_receipt(size_t n)
{
	json_t *r = json_deep_copy(json_array_get(fixture, 0)), *a = json_array();
	json_t *lines = json_object_get(r, "lines");
	size_t have = json_array_size(lines);

	for (size_t i = have; i < n; i++)
		json_array_append_new(lines, json_deep_copy(json_array_get(lines, i % have)));
	json_array_append_new(a, r);
	return a;
}

/* 25 lines (meters, zones, ОДН, a recalculation) fit one page. */
START_TEST(twenty_five_lines_fit_a_page)
{
	json_t *a = long_receipt(25);
	const char *pdf = draw(a, "25");
	char *text = pdf_text(pdf);

	ck_assert_int_eq(pages_of(pdf), 1);
	ck_assert_ptr_nonnull(strstr(text, "стр. 1 из 1"));
	ck_assert_ptr_nonnull(strstr(text, "Уведомление"));
	free(text);
	json_decref(a);
}
END_TEST

/* 80 lines go on over pages, each with the header; the totals and the QR
 * code are on the last. */
START_TEST(a_long_receipt_goes_on)
{
	json_t *a = long_receipt(80);
	const char *pdf = draw(a, "80");
	char *text = pdf_text(pdf), *qr, want[32];
	int n = pages_of(pdf);
	size_t len;

	ck_assert_int_ge(n, 2);
	for (int p = 1; p <= n; p++) {
		char *page = page_of(text, p);

		ck_assert_ptr_nonnull(strstr(page, "ТСЖ «Садовая, 12»"));
		ck_assert_ptr_nonnull(strstr(page, "Плательщик: Егоров Павел Андреевич"));
		ck_assert_ptr_nonnull(strstr(page, "6 827,05 ₽"));
		snprintf(want, sizeof want, "стр. %d из %d", p, n);
		ck_assert_msg(strstr(page, want), "no \"%s\" on page %d", want, p);
		ck_assert_int_eq(!strstr(page, "Продолжение на следующей странице"), p == n);
		ck_assert_int_eq(!strstr(page, "Начислено за октябрь 2026"), p < n);
		free(page);
	}
	qr = qr_of(pdf, n, &len);
	ck_assert_str_eq(qr, json_string_value(json_object_get(json_array_get(a, 0), "qr")));
	free(qr);
	free(text);
	json_decref(a);
}
END_TEST

/* Set (value given) or remove the field at `at` ("[0].lines[1].amount")
 * of root; returns the input to draw (new). */
static json_t *patched(const char *at, const json_t *value)
{
	json_t *root = json_deep_copy(fixture), *cur = root;
	const char *p = at;

	if (!*at) {
		json_decref(root);
		return json_deep_copy(value);
	}
	while (*p) {
		char key[64];
		size_t idx = 0;
		bool is_idx = *p == '[';
		int n = 0;

		if (is_idx)
			ck_assert_int_eq(sscanf(p, "[%zu]%n", &idx, &n), 1);
		else
			ck_assert_int_eq(sscanf(p, ".%63[a-z_]%n", key, &n), 1);
		p += n;
		if (*p) {
			cur = is_idx ? json_array_get(cur, idx) : json_object_get(cur, key);
			ck_assert_msg(cur != NULL, "%s: no such place", at);
		} else if (is_idx) {
			ck_assert_int_eq(value ? json_array_set(cur, idx, (json_t *)value)
					       : json_array_remove(cur, idx),
					 0);
		} else {
			ck_assert_int_eq(value ? json_object_set(cur, key, (json_t *)value)
					       : json_object_del(cur, key),
					 0);
		}
	}
	return root;
}

static void refusal_case(const json_t *c)
{
	json_t *in = patched(json_string_value(json_object_get(c, "at")),
			     json_object_get(c, "value"));
	const char *want = json_string_value(json_object_get(c, "error"));
	struct recdraw_buf out = { (unsigned char *)"untouched", 9 };
	struct jv_err err = { "" };

	ck_assert_msg(recdraw_pdf(in, MADE, &out, &err) == AMR_EINVAL, "%s: drawn",
		      billing_table_name(c));
	ck_assert_msg(!strncmp(err.msg, want, strlen(want)), "%s:\n got %s\nwant %s...",
		      billing_table_name(c), err.msg, want);
	ck_assert_str_eq((const char *)out.data, "untouched");
	ck_assert_uint_eq(out.size, 9);
	json_decref(in);
}

START_TEST(refusals_name_the_field)
{
	billing_table_run("recdraw.jsonl", refusal_case, 30);
}
END_TEST

START_TEST(made_is_a_utc_time)
{
	static const char *const bad[] = { "2026-11-01 09:00:00Z", "2026-11-01T09:00:00",
					   "2026-02-30T09:00:00Z", "2026-11-01T24:00:00Z",
					   "2026-11-01T09:00:0xZ" };
	json_t *none = json_array();
	struct recdraw_buf out = { 0 };
	struct jv_err err = { "" };

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_int_eq(recdraw_pdf(fixture, bad[i], &out, &err), AMR_EINVAL);
		ck_assert_msg(!strncmp(err.msg, "made: ", 6), "%s", err.msg);
		ck_assert_ptr_null(out.data);
	}
	/* no date: cairo's now */
	ck_assert_int_eq(recdraw_pdf(fixture, NULL, &out, &err), AMR_OK);
	ck_assert_uint_gt(out.size, 1000);
	recdraw_buf_free(&out);
	recdraw_buf_free(NULL);
	/* no receipts: an empty document */
	ck_assert_int_eq(recdraw_pdf(none, MADE, &out, &err), AMR_OK);
	json_decref(none);
	recdraw_buf_free(&out);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("billing_recdraw");
	TCase *tc = tcase_create("recdraw");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pages_show_their_receipts);
	tcase_add_test(tc, qr_codes_read_back_byte_for_byte);
	tcase_add_test(tc, drawn_again_the_same);
	tcase_add_test(tc, threads_draw_at_once);
	tcase_add_test(tc, twenty_five_lines_fit_a_page);
	tcase_add_test(tc, a_long_receipt_goes_on);
	tcase_add_test(tc, refusals_name_the_field);
	tcase_add_test(tc, made_is_a_utc_time);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
