/*
 * test_jflat.c - the streaming batch reader: what it reads must be what
 * jansson reads, and everything outside its subset must be declined.
 */
#include <string.h>

#include <check.h>

#include "err.h"
#include "jflat.h"

static const char *const fields[] = { "a", "b", "c", NULL };

struct got {
	long long vals[8][3];
	unsigned present[8];
	size_t n;
	size_t refuse_at; /* row index the callback refuses, or SIZE_MAX */
};

static int on_row(void *ctx, size_t i, const long long *vals, unsigned present)
{
	struct got *g = ctx;

	ck_assert_uint_eq(i, g->n);
	if (i == g->refuse_at)
		return 1;
	if (i < 8) {
		memcpy(g->vals[i], vals, sizeof g->vals[i]);
		g->present[i] = present;
	}
	g->n++;
	return 0;
}

static int read_text(const char *text, struct got *g, struct jflat_out *out)
{
	const struct jflat_rows rows = { "rows", fields, NULL, on_row, g };

	memset(g, 0, sizeof *g);
	g->refuse_at = (size_t)-1;
	return jflat_read(text, strlen(text), &rows, out);
}

/* The head is jansson's tree without the rows member; rows come in order. */
START_TEST(test_reads_like_jansson)
{
	static const char text[] =
		"{\"seq\":9007199254740991,\"neg\":-5,\"t\":true,\"f\":false,\"n\":null,"
		"\"s\":\"x y\",\"rows\":[{\"a\":1,\"b\":-2},{\"c\":3,\"a\":4},{}],"
		"\"devices\":[{\"addr\":5,\"ok\":true,\"outputs\":[0,1,0,0]},{\"e\":\"z\"}],"
		"\"o\":{\"k\":{\"l\":[[1],[]]}},\"empty\":[]}\r\n";
	struct jflat_out out;
	struct got g;
	json_t *want;

	ck_assert_int_eq(read_text(text, &g, &out), AMR_OK);
	want = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	ck_assert_ptr_nonnull(want);
	json_object_del(want, "rows");
	ck_assert(json_equal(out.head, want));
	/* same key order as jansson's, which the tree path reports in */
	ck_assert_str_eq(json_object_iter_key(json_object_iter(out.head)), "seq");
	ck_assert(out.rows_seen);
	ck_assert_uint_eq(out.nrows, 3);
	ck_assert_uint_eq(g.n, 3);
	ck_assert_uint_eq(g.present[0], 3);
	ck_assert_int_eq(g.vals[0][0], 1);
	ck_assert_int_eq(g.vals[0][1], -2);
	ck_assert_uint_eq(g.present[1], 5);
	ck_assert_int_eq(g.vals[1][0], 4);
	ck_assert_int_eq(g.vals[1][2], 3);
	ck_assert_uint_eq(g.present[2], 0);
	json_decref(want);
	json_decref(out.head);
}
END_TEST

START_TEST(test_no_rows_member)
{
	struct jflat_out out;
	struct got g;

	ck_assert_int_eq(read_text("{\"seq\":1}", &g, &out), AMR_OK);
	ck_assert(!out.rows_seen);
	ck_assert_uint_eq(out.nrows, 0);
	json_decref(out.head);
}
END_TEST

/* Each of these is declined, valid JSON or not: jansson decides. */
static const char *const declined[] = {
	"",
	"   ",
	"[1,2]",
	"5",
	"{\"a\":1} {\"a\":2}",
	"{\"a\":1} x",
	"{\"a\":1}\"", /* an unterminated string after it (found by fuzz_batch) */
	"{\"a\":1}\t\"abc",
	"{\"a\":1,}",
	"{\"a\":01}",
	"{\"a\":1.5}",
	"{\"a\":1e3}",
	"{\"a\":99999999999999999999}",
	"{\"a\":1,\"a\":2}",		  /* duplicate key */
	"{\"d\":[{\"x\":1,\"x\":1}]}",	  /* duplicate, nested */
	"{\"rows\":[],\"rows\":[]}",	  /* duplicate rows member */
	"{\"rows\":[{\"a\":1,\"a\":1}]}", /* duplicate row field */
	"{\"rows\":[{\"z\":1}]}",	  /* not a row field */
	"{\"rows\":[{\"a\":\"1\"}]}",	  /* not an integer */
	"{\"rows\":[{\"a\":true}]}",
	"{\"rows\":[{\"a\":null}]}",
	"{\"rows\":[{\"a\":{}}]}",
	"{\"rows\":[{\"a\":[]}]}",
	"{\"rows\":[1]}", /* not an object */
	"{\"rows\":[[]]}",
	"{\"rows\":{}}", /* not an array */
	"{\"rows\":5}",
	"{\"a\":[[[[[[[[]]]]]]]]}", /* too deep */
	"{\"a\":[{\"b\":{\"c\":[{\"d\":{\"e\":[[1]]}}]}}]}",
	"{\"a\":\"\\u0041\"}", /* an escape */
	"{\"a\\n\":1}",
	"{\"a\":\"\xc3\xa9\"}", /* UTF-8 */
	"{\"a\":\"\xff\"}",
	"{\"a\":\"x\ty\"}", /* control character in a string */
	"{\"a\":1}\f",	    /* white space yajl accepts, jansson not */
	"{\"a\":1}\v",
	"{\"a\":1 /* c */}",
	"{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1}",
	"{\"a\":tru}",
	"{\"a\":1",
};

START_TEST(test_declines)
{
	const char *text = declined[_i];
	struct jflat_out out;
	struct got g;

	ck_assert_msg(read_text(text, &g, &out) == AMR_EINVAL, "accepted: %s", text);
	ck_assert_ptr_null(out.head);
}
END_TEST

/* An embedded NUL byte is not the end of the text. */
START_TEST(test_declines_nul)
{
	static const char text[] = "{\"a\":1}\0{\"b\":2}";
	const struct jflat_rows rows = { "rows", fields, NULL, on_row, NULL };
	struct jflat_out out;

	ck_assert_int_eq(jflat_read(text, sizeof text - 1, &rows, &out), AMR_EINVAL);
	ck_assert_ptr_null(out.head);
}
END_TEST

/* A byte outside the plain set is seen wherever it is (the check reads
 * eight bytes at a time). */
START_TEST(test_declines_at_any_position)
{
	static const unsigned char odd[] = { '\\', 0x7f, 0x80, 0xff, 0x01, 0x0c, 0x00 };
	const struct jflat_rows rows = { "rows", fields, NULL, NULL, NULL };
	char text[] = "{\"key\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}";
	const size_t first = 8, last = sizeof text - 4;
	struct jflat_out out;

	ck_assert_int_eq(jflat_read(text, sizeof text - 1, &rows, &out), AMR_OK);
	json_decref(out.head);
	for (size_t pos = first; pos <= last; pos++)
		for (size_t k = 0; k < sizeof odd; k++) {
			text[pos] = (char)odd[k];
			ck_assert_msg(jflat_read(text, sizeof text - 1, &rows, &out) == AMR_EINVAL,
				      "byte 0x%02x at %zu accepted", odd[k], pos);
			ck_assert_ptr_null(out.head);
			text[pos] = 'a';
		}
}
END_TEST

/* The row callback can refuse; nothing is handed back. */
START_TEST(test_row_refused)
{
	static const char text[] = "{\"rows\":[{\"a\":1},{\"a\":2},{\"a\":3}]}";
	const struct jflat_rows rows = { "rows", fields, NULL, on_row, NULL };
	struct jflat_out out;
	struct got g = { .refuse_at = 1 };
	struct jflat_rows r = rows;

	r.ctx = &g;
	ck_assert_int_eq(jflat_read(text, sizeof text - 1, &r, &out), AMR_EINVAL);
	ck_assert_ptr_null(out.head);
	ck_assert_uint_eq(g.n, 1);
}
END_TEST

Suite *jflat_suite(void)
{
	Suite *s = suite_create("jflat");
	TCase *tc = tcase_create("read");

	tcase_add_test(tc, test_reads_like_jansson);
	tcase_add_test(tc, test_no_rows_member);
	tcase_add_loop_test(tc, test_declines, 0, (int)(sizeof declined / sizeof declined[0]));
	tcase_add_test(tc, test_declines_nul);
	tcase_add_test(tc, test_declines_at_any_position);
	tcase_add_test(tc, test_row_refused);
	suite_add_tcase(s, tc);
	return s;
}
