/*
 * Unit tests of services/billing/tabout*.c: a report's table as CSV byte
 * for byte; as XLSX read back by openpyxl, its chart too
 * (tests/unit/tabout_xlsx_check.py, Debian's /usr/bin/python3); as PDF
 * read back by pdftotext and, for its chart, pdftoppm's pixels; 5000
 * rows to PDF and XLSX; the same bytes twice; several renders at once on
 * threads; and every refusal of tests/unit/billing_cases/tabout.jsonl.
 */
#include <check.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>

#include "billing_table.h"
#include "tabout.h"

static char dir[256]; /* this test's temporary directory */

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/tabout-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static json_t *parse(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	ck_assert_msg(j != NULL, "bad test JSON: %s", je.text);
	return j;
}

/* Render r as f, asserting success; the bytes into *b (new). */
static void render(const json_t *r, enum tabout_format f, struct tabout_buf *b)
{
	struct jv_err err = { "" };

	ck_assert_msg(tabout_render(r, f, b, &err) == AMR_OK, "render: %s", err.msg);
	ck_assert_ptr_nonnull(b->data);
	ck_assert_uint_gt(b->size, 0);
}

/* b into dir/name; returns the path (static). */
static const char *save(const struct tabout_buf *b, const char *name)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(b->data, 1, b->size, f), b->size);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* The whole of file path, NUL-ended (new). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t n = 0;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(getdelim(&s, &n, '\0', f) >= 0, 1);
	fclose(f);
	return s;
}

/* Run a shell command; asserts it exits 0. */
static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

/* The PDF's text as pdftotext -layout reads it (new). */
static char *pdf_text(const struct tabout_buf *b)
{
	char path[512];

	snprintf(path, sizeof path, "%s", save(b, "r.pdf"));
	run("pdftotext -layout '%s' '%s/r.txt'", path, dir);
	snprintf(path, sizeof path, "%s/r.txt", dir);
	return slurp(path);
}

static const char *const small =
	"{\"title\":\"Т\",\"columns\":["
	"{\"key\":\"n\",\"title\":\"Счёт\",\"type\":\"text\"},"
	"{\"key\":\"m\",\"title\":\"Сумма, ₽\",\"type\":\"money\"},"
	"{\"key\":\"q\",\"title\":\"Объём\",\"type\":\"decimal\"},"
	"{\"key\":\"p\",\"title\":\"Доля; %\",\"type\":\"percent\"},"
	"{\"key\":\"d\",\"title\":\"Дата\",\"type\":\"date\"},"
	"{\"key\":\"c\",\"title\":\"Кол-во\",\"type\":\"int\"}],"
	"\"rows\":[{\"n\":\"100001\",\"m\":\"1234.56\",\"q\":\"12.345\",\"p\":\"12.50\","
	"\"d\":\"2026-10-05\",\"c\":3},"
	"{\"n\":\"ООО \\\"Ромашка\\\"; офис\",\"m\":\"-0.01\",\"q\":\"0.5\",\"p\":null,"
	"\"d\":\"2026-02-28\",\"c\":-2},"
	"{\"n\":\"две\\r\\nстроки\",\"m\":\"1000000.00\"},"
	"{\"n\":\"=1+2\",\"q\":\"7\"}],"
	"\"totals\":{\"n\":\"Итого\",\"m\":\"1001234.55\",\"c\":1}}";

START_TEST(csv_bytes)
{
	static const char want[] =
		"\xEF\xBB\xBF"
		"Счёт;Сумма, ₽;Объём;\"Доля; %\";Дата;Кол-во\r\n"
		"100001;1234,56;12,345;12,50;05.10.2026;3\r\n"
		"\"ООО \"\"Ромашка\"\"; офис\";-0,01;0,5;;28.02.2026;-2\r\n"
		"\"две\r\nстроки\";1000000,00;;;;\r\n"
		"'=1+2;;7;;;\r\n"
		"Итого;1001234,55;;;;1\r\n";
	json_t *r = parse(small);
	struct tabout_buf b = { 0 };

	render(r, TABOUT_CSV, &b);
	ck_assert_msg(b.size == sizeof want - 1 && !memcmp(b.data, want, b.size),
		      "got %zu bytes:\n%.*s", b.size, (int)b.size, (char *)b.data);
	tabout_buf_free(&b);
	tabout_buf_free(&b); /* emptied: a second free is harmless */
	tabout_buf_free(NULL);
	json_decref(r);
}
END_TEST

/* A table of days carries its totals' label under its dates, as text in
 * every format; the dates themselves stay dates. */
START_TEST(totals_label_under_dates)
{
	static const char want[] = "\xEF\xBB\xBF"
				   "День;Объём, м³\r\n"
				   "01.11.2026;1,250\r\n"
				   "02.11.2026;0,750\r\n"
				   "Итого;2,000\r\n";
	json_t *r = parse("{\"title\":\"Потребление\",\"columns\":["
			  "{\"key\":\"time\",\"title\":\"День\",\"type\":\"date\"},"
			  "{\"key\":\"q\",\"title\":\"Объём, м³\",\"type\":\"decimal\"}],"
			  "\"rows\":[{\"time\":\"2026-11-01\",\"q\":\"1.250\"},"
			  "{\"time\":\"2026-11-02\",\"q\":\"0.750\"}],"
			  "\"totals\":{\"time\":\"Итого\",\"q\":\"2.000\"},"
			  "\"chart\":{\"kind\":\"line\",\"x\":\"time\",\"y\":[\"q\"]}}");
	struct tabout_buf b = { 0 };
	char *text;

	render(r, TABOUT_CSV, &b);
	ck_assert_msg(b.size == sizeof want - 1 && !memcmp(b.data, want, b.size),
		      "got %zu bytes:\n%.*s", b.size, (int)b.size, (char *)b.data);
	tabout_buf_free(&b);
	render(r, TABOUT_XLSX, &b);
	tabout_buf_free(&b);
	render(r, TABOUT_PDF, &b);
	text = pdf_text(&b);
	ck_assert_msg(strstr(text, "Итого") && strstr(text, "02.11.2026"), "%s", text);
	free(text);
	tabout_buf_free(&b);
	json_decref(r);
}
END_TEST

/* A report of n accounts, every type, a chart of kind (NULL: none). */
static json_t *accounts(size_t n, const char *kind, const char *orientation)
{
	json_t *r = parse(
		"{\"title\":\"Оборотно-сальдовая ведомость\","
		"\"subtitle\":\"ТСЖ «Садовая, 12», 01.10.2026 - 31.10.2026\","
		"\"made\":\"2026-11-03T10:00:00Z\",\"columns\":["
		"{\"key\":\"number\",\"title\":\"Лицевой счёт\",\"type\":\"text\"},"
		"{\"key\":\"holder\",\"title\":\"Собственник\",\"type\":\"text\"},"
		"{\"key\":\"opening\",\"title\":\"Сальдо на начало, ₽\",\"type\":\"money\"},"
		"{\"key\":\"quantity\",\"title\":\"Объём, м³\",\"type\":\"decimal\"},"
		"{\"key\":\"share\",\"title\":\"Доля, %\",\"type\":\"percent\"},"
		"{\"key\":\"date\",\"title\":\"Дата\",\"type\":\"date\"},"
		"{\"key\":\"count\",\"title\":\"Платежей\",\"type\":\"int\"}],"
		"\"rows\":[],\"totals\":{\"number\":\"Итого\",\"opening\":\"9876543.21\","
		"\"count\":12345}}");
	json_t *rows = json_object_get(r, "rows");
	char num[32], money[32], qty[32], share[32], day[16];

	for (size_t i = 0; i < n; i++) {
		/* values of every shape: negative, long, short, empty */
		snprintf(num, sizeof num, "%zu", 100001 + i);
		snprintf(money, sizeof money, "%s%zu.%02zu", i % 7 == 3 ? "-" : "",
			 (i * 7919) % 2000000, i % 100);
		snprintf(qty, sizeof qty, "%zu.%0*zu", i % 40, (int)(1 + i % 4), (i * 37) % 10);
		snprintf(share, sizeof share, "%zu.%02zu", i % 100, (i * 3) % 100);
		snprintf(day, sizeof day, "2026-%02zu-%02zu", 1 + i % 12, 1 + i % 28);
		json_array_append_new(rows,
				      json_pack("{ss ss ss ss ss ss sI}", "number", num, "holder",
						i % 5 == 2 ? "ООО «Управляющая компания "
							     "„Садовое кольцо“ и партнёры»"
							   : "Егоров Павел Андреевич",
						"opening", money, "quantity", qty, "share", share,
						"date", day, "count", (json_int_t)(i % 9)));
		if (i % 11 == 5)
			json_object_set_new(json_array_get(rows, i), "quantity", json_null());
	}
	if (kind)
		json_object_set_new(r, "chart",
				    json_pack("{ss ss s[s] ss}", "kind", kind, "x", "number", "y",
					      !strcmp(kind, "line") ? "quantity" : "opening",
					      "title", "Сальдо по счетам"));
	if (orientation)
		json_object_set_new(r, "orientation", json_string(orientation));
	return r;
}

/* The workbook read back by openpyxl matches the report cell for cell;
 * its chart (of kind) is over the series' cells. */
static void xlsx_check(size_t n, const char *kind)
{
	json_t *r = accounts(n, kind, NULL);
	struct tabout_buf b = { 0 };
	char json[512], xlsx[512], out[512], *said;

	render(r, TABOUT_XLSX, &b);
	snprintf(xlsx, sizeof xlsx, "%s", save(&b, "r.xlsx"));
	snprintf(json, sizeof json, "%s/r.json", dir);
	ck_assert_int_eq(json_dump_file(r, json, 0), 0);
	snprintf(out, sizeof out, "%s/check.txt", dir);
	run("/usr/bin/python3 '%s/tests/unit/tabout_xlsx_check.py' '%s' '%s' >'%s' 2>&1 || "
	    "{ cat '%s'; false; }",
	    getenv("AMR_SRC_DIR") ? getenv("AMR_SRC_DIR") : ".", xlsx, json, out, out);
	said = slurp(out);
	ck_assert_int_eq(atoi(said + 3), (int)n + 1);
	free(said);
	tabout_buf_free(&b);
	json_decref(r);
}

START_TEST(xlsx_read_back)
{
	xlsx_check(40, "bar");
}
END_TEST

START_TEST(xlsx_5000_rows)
{
	xlsx_check(5000, "line");
}
END_TEST

/* Every row's values are in the text, written as print writes them. */
static void pdf_rows_in(const json_t *r, const char *text)
{
	const json_t *rows = json_object_get(r, "rows"), *row;
	static const char *const keys[] = { "number", "opening", "quantity", "share", "date" };
	size_t i;

	json_array_foreach(rows, i, row) {
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			const char *s = json_string_value(json_object_get(row, keys[k]));
			char want[64], *o = want;
			size_t digits;

			if (!s)
				continue;
			if (k == 4) {
				snprintf(want, sizeof want, "%.2s.%.2s.%.4s", s + 8, s + 5, s);
			} else if (k == 0) {
				snprintf(want, sizeof want, "%s", s);
			} else {
				if (*s == '-')
					*o++ = *s++;
				digits = strcspn(s, ".");
				for (size_t d = 0; d < digits; d++) {
					if (d && (digits - d) % 3 == 0)
						*o++ = ' ';
					*o++ = s[d];
				}
				snprintf(o, sizeof want - (size_t)(o - want), ",%s",
					 s + digits + 1);
			}
			ck_assert_msg(strstr(text, want), "rows[%zu].%s: no \"%s\" in the PDF", i,
				      keys[k], want);
		}
	}
}

START_TEST(pdf_text_and_pages)
{
	json_t *r = accounts(120, NULL, NULL);
	struct tabout_buf b = { 0 };
	char *text;

	render(r, TABOUT_PDF, &b);
	ck_assert(!memcmp(b.data, "%PDF-", 5));
	text = pdf_text(&b);
	ck_assert_ptr_nonnull(strstr(text, "Оборотно-сальдовая ведомость"));
	ck_assert_ptr_nonnull(strstr(text, "ТСЖ «Садовая, 12», 01.10.2026 - 31.10.2026"));
	pdf_rows_in(r, text);
	ck_assert_ptr_nonnull(strstr(text, "9 876 543,21")); /* the totals */
	ck_assert_ptr_nonnull(strstr(text, "12 345"));
	/* 120 rows with wrapped holders take three pages, each numbered */
	ck_assert_msg(strstr(text, "стр. 1 из 3") && strstr(text, "стр. 2 из 3") &&
			      strstr(text, "стр. 3 из 3") && !strstr(text, "стр. 4"),
		      "%s", text);
	/* the header is on every page */
	ck_assert_ptr_nonnull(strstr(strstr(text, "стр. 2 из 3"), "Сальдо на"));
	free(text);
	tabout_buf_free(&b);
	json_decref(r);
}
END_TEST

START_TEST(pdf_5000_rows)
{
	json_t *r = accounts(5000, "bar", "landscape");
	struct tabout_buf b = { 0 };
	char *text, *last;
	int pages = 0;

	render(r, TABOUT_PDF, &b);
	text = pdf_text(&b);
	pdf_rows_in(r, text);
	ck_assert_ptr_nonnull(last = strstr(text, "стр. 1 из "));
	pages = atoi(last + strlen("стр. 1 из "));
	ck_assert_int_gt(pages, 100);
	{
		char want[64];

		snprintf(want, sizeof want, "стр. %d из %d", pages, pages);
		ck_assert_ptr_nonnull(strstr(text, want));
	}
	free(text);
	tabout_buf_free(&b);
	json_decref(r);
}
END_TEST

/* Pixels of the page's PNG near the colour of the chart's first series
 * (0.31, 0.47, 0.65), in the box x0..x1, y0..y1 (fractions of the page). */
static long series_pixels(const char *png, double x0, double y0, double x1, double y1)
{
	cairo_surface_t *s = cairo_image_surface_create_from_png(png);
	int w, h, stride;
	unsigned char *d;
	long n = 0;

	ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	w = cairo_image_surface_get_width(s);
	h = cairo_image_surface_get_height(s);
	stride = cairo_image_surface_get_stride(s);
	d = cairo_image_surface_get_data(s);
	for (int y = (int)(y0 * h); y < (int)(y1 * h); y++)
		for (int x = (int)(x0 * w); x < (int)(x1 * w); x++) {
			uint32_t px = *(uint32_t *)(d + y * stride + x * 4);
			int r = (px >> 16) & 0xff, g = (px >> 8) & 0xff, b = px & 0xff;

			n += abs(r - 79) < 16 && abs(g - 120) < 16 && abs(b - 166) < 16;
		}
	cairo_surface_destroy(s);
	return n;
}

/* The chart's page: bars, lines or slices in the series' colour where
 * the chart goes, its title and the labels of x as text. */
static void chart_page(const char *kind, long least)
{
	json_t *r = accounts(30, kind, NULL);
	struct tabout_buf b = { 0 };
	char pdf[512], png[512], *text;
	long top, bottom;

	render(r, TABOUT_PDF, &b);
	snprintf(pdf, sizeof pdf, "%s", save(&b, "chart.pdf"));
	text = pdf_text(&b);
	ck_assert_ptr_nonnull(strstr(text, "Сальдо по счетам"));
	ck_assert_ptr_nonnull(strstr(text, "стр. 2 из 2"));
	run("pdftoppm -r 60 -png -f 2 -l 2 -singlefile '%s' '%s/chart'", pdf, dir);
	snprintf(png, sizeof png, "%s/chart.png", dir);
	top = series_pixels(png, 0.05, 0.08, 0.95, 0.5);
	bottom = series_pixels(png, 0.05, 0.75, 0.95, 0.95);
	ck_assert_msg(top >= least && bottom == 0, "%s: %ld pixels in the chart, %ld under it",
		      kind, top, bottom);
	free(text);
	tabout_buf_free(&b);
	json_decref(r);
}

START_TEST(pdf_chart_bar)
{
	chart_page("bar", 3000);
}
END_TEST

START_TEST(pdf_chart_line)
{
	chart_page("line", 150);
}
END_TEST

START_TEST(pdf_chart_pie)
{
	chart_page("pie", 1000);
}
END_TEST

/* With "made" the same report gives the same bytes, PDF and XLSX. */
START_TEST(same_bytes_twice)
{
	json_t *r = accounts(50, "pie", NULL);
	enum tabout_format fs[] = { TABOUT_PDF, TABOUT_XLSX, TABOUT_CSV };

	for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
		struct tabout_buf a = { 0 }, b = { 0 };

		render(r, fs[i], &a);
		render(r, fs[i], &b);
		ck_assert_msg(a.size == b.size && !memcmp(a.data, b.data, a.size),
			      "%s: %zu and %zu bytes differ", tabout_ext(fs[i]), a.size, b.size);
		tabout_buf_free(&a);
		tabout_buf_free(&b);
	}
	json_decref(r);
}
END_TEST

struct job {
	const json_t *r;      /* the report (borrowed) */
	enum tabout_format f; /* as what */
	struct tabout_buf b;  /* the result (new) */
	amr_err rc;	      /* and its code */
};

static void *worker(void *arg)
{
	struct job *j = arg;
	struct jv_err err = { "" };

	j->rc = tabout_render(j->r, j->f, &j->b, &err);
	return NULL;
}

/* Renders on threads at once give what one alone gives. */
START_TEST(threads_at_once)
{
	json_t *r = accounts(200, "bar", NULL);
	struct job jobs[6];
	pthread_t t[6];
	struct tabout_buf want[2] = { { 0 } };

	render(r, TABOUT_PDF, &want[0]);
	render(r, TABOUT_XLSX, &want[1]);
	for (int i = 0; i < 6; i++) {
		jobs[i] = (struct job){ r, i % 2 ? TABOUT_XLSX : TABOUT_PDF, { 0 }, AMR_EIO };
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &jobs[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		const struct tabout_buf *w = &want[i % 2];

		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(jobs[i].rc, AMR_OK);
		ck_assert_msg(jobs[i].b.size == w->size &&
				      !memcmp(jobs[i].b.data, w->data, w->size),
			      "thread %d: other bytes", i);
		tabout_buf_free(&jobs[i].b);
	}
	tabout_buf_free(&want[0]);
	tabout_buf_free(&want[1]);
	json_decref(r);
}
END_TEST

START_TEST(formats)
{
	enum tabout_format f = TABOUT_PDF;

	ck_assert(tabout_format_parse("csv", &f) && f == TABOUT_CSV);
	ck_assert(tabout_format_parse("xlsx", &f) && f == TABOUT_XLSX);
	ck_assert(tabout_format_parse("pdf", &f) && f == TABOUT_PDF);
	ck_assert(!tabout_format_parse("PDF", &f) && !tabout_format_parse("", &f) &&
		  !tabout_format_parse(NULL, &f) && f == TABOUT_PDF);
	ck_assert_str_eq(tabout_ext(TABOUT_XLSX), "xlsx");
	ck_assert_str_eq(tabout_type(TABOUT_CSV), "text/csv; charset=utf-8");
	ck_assert_str_eq(tabout_type(TABOUT_XLSX),
			 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
	ck_assert_str_eq(tabout_type(TABOUT_PDF), "application/pdf");
}
END_TEST

/* A refusal: the case's "merge" over a good report (or its "report"
 * whole), refused in every format with the error's start, *out
 * untouched. */
static void refused(const json_t *c)
{
	json_t *r = json_object_get(c, "report") ? json_incref(json_object_get(c, "report"))
						 : accounts(3, "bar", NULL);
	const char *want = json_string_value(json_object_get(c, "error"));
	enum tabout_format fs[] = { TABOUT_CSV, TABOUT_XLSX, TABOUT_PDF };

	ck_assert_msg(want != NULL, "%s: no error", billing_table_name(c));
	if (json_object_get(c, "merge"))
		json_object_update(r, json_object_get(c, "merge"));
	for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
		unsigned char mark;
		struct tabout_buf b = { &mark, 7 };
		struct jv_err err = { "" };

		ck_assert_msg(tabout_render(r, fs[i], &b, &err) == AMR_EINVAL, "%s: taken",
			      billing_table_name(c));
		ck_assert_msg(!strncmp(err.msg, want, strlen(want)),
			      "%s:\n got \"%s\"\nwant \"%s\"", billing_table_name(c), err.msg,
			      want);
		ck_assert(b.data == &mark && b.size == 7);
	}
	json_decref(r);
}

START_TEST(refusals_from_the_table)
{
	billing_table_run("tabout.jsonl", refused, 25);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("billing_tabout");
	TCase *tc = tcase_create("tabout");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, formats);
	tcase_add_test(tc, csv_bytes);
	tcase_add_test(tc, totals_label_under_dates);
	tcase_add_test(tc, refusals_from_the_table);
	tcase_add_test(tc, xlsx_read_back);
	tcase_add_test(tc, pdf_text_and_pages);
	tcase_add_test(tc, pdf_chart_bar);
	tcase_add_test(tc, pdf_chart_line);
	tcase_add_test(tc, pdf_chart_pie);
	tcase_add_test(tc, same_bytes_twice);
	tcase_add_test(tc, threads_at_once);
	tcase_add_test(tc, xlsx_5000_rows);
	tcase_add_test(tc, pdf_5000_rows);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
