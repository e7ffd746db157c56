/*
 * test_ingest_validate.c - the telemetry batch check of amr-ingest, driven
 * by the case table in tests/unit/ingest_cases/ (jansson's style):
 *
 *   <case>/input    the payload received on amr/v1/gw/7/up
 *   <case>/expect   "ok" or "reject <reason>" on the first line; for a
 *                   rejection the second line is a part of the detail; for
 *                   "ok", each "dropped <reason> <detail part>" line is one
 *                   entry removed from devices/events, in order
 *   <case>/output   (optional) the exact canonical text
 *
 * Every case runs at now = 1763600000 with a 45-day horizon, 300 s ahead,
 * a 2048-byte payload limit and at most 16 entries per array.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "err.h"
#include "validate.h"

#define NOW	  1763600000
#define OBJ	  7
#define MAX_CASES 256

static const struct validate_opts opts = {
	.max_payload = 2048,
	.max_entries = 16,
	.horizon_s = 45 * 86400,
	.ahead_s = 300,
};

static char *case_names[MAX_CASES];
static int ncases;
static char cases_dir[512];

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the case directories once, before the suite is built. */
static void load_case_names(void)
{
	const char *src = getenv("AMR_SRC_DIR");
	struct dirent *de;
	DIR *d;

	snprintf(cases_dir, sizeof cases_dir, "%s/tests/unit/ingest_cases", src ? src : ".");
	d = opendir(cases_dir);
	if (!d) {
		fprintf(stderr, "cannot open %s (set AMR_SRC_DIR)\n", cases_dir);
		return;
	}
	while ((de = readdir(d)) && ncases < MAX_CASES) {
		if (de->d_name[0] == '.')
			continue;
		case_names[ncases++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(case_names, (size_t)ncases, sizeof case_names[0], cmp_names);
}

/* Read <case>/<file>; returns a malloc'd, NUL-terminated buffer or NULL. */
static char *read_case_file(const char *name, const char *file, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof path, "%s/%s/%s", cases_dir, name, file);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/*
 * The canonical text must be exactly the validated tree (which holds
 * everything but the readings) plus obj and rx, and its readings those of
 * the input (readings are never dropped).
 */
static void check_canonical_matches_tree(const char *name, const char *input, size_t len,
					 const struct validate_result *r)
{
	json_error_t je;
	json_t *c = json_loadb(r->canonical, r->canonical_len, JSON_REJECT_DUPLICATES, &je);
	json_t *in = json_loadb(input, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	json_t *want = json_deep_copy(r->batch);
	json_t *readings;

	ck_assert_msg(c != NULL, "%s: canonical text does not parse: %s", name, je.text);
	ck_assert_ptr_nonnull(in);
	ck_assert_msg(!json_object_get(r->batch, "readings"), "%s: readings left in the tree",
		      name);
	readings = json_object_get(c, "readings");
	ck_assert_msg(json_equal(readings, json_object_get(in, "readings")) ||
			      (!readings && !json_object_get(in, "readings")),
		      "%s: canonical readings differ from the input's", name);
	ck_assert_uint_eq(r->readings, json_array_size(readings));
	json_object_del(c, "readings");
	json_object_set_new(want, "obj", json_integer(OBJ));
	json_object_set_new(want, "rx", json_integer(NOW));
	ck_assert_msg(json_equal(c, want), "%s: canonical text differs from the tree", name);
	ck_assert_uint_eq(strlen(r->canonical), r->canonical_len);
	json_decref(c);
	json_decref(in);
	json_decref(want);
}

/*
 * validate_batch() (streaming first) and validate_batch_tree() (the
 * reference) must give the same answer for every case, to the byte.
 */
static void check_same_as_tree(const char *name, const char *input, size_t len, int rc,
			       const struct validate_result *r)
{
	struct validate_result t = { 0 };

	ck_assert_int_eq(validate_batch_tree(&opts, OBJ, NOW, input, len, &t), rc);
	ck_assert(!t.fast);
	ck_assert_msg((r->reason == NULL) == (t.reason == NULL) &&
			      (!r->reason || strcmp(r->reason, t.reason) == 0),
		      "%s: reasons differ", name);
	ck_assert_str_eq(r->detail, t.detail);
	ck_assert_int_eq(r->seq, t.seq);
	ck_assert_int_eq(r->prev, t.prev);
	ck_assert_int_eq(r->ts, t.ts);
	ck_assert_uint_eq(r->readings, t.readings);
	ck_assert_uint_eq(r->canonical_len, t.canonical_len);
	if (r->canonical)
		ck_assert_mem_eq(r->canonical, t.canonical, r->canonical_len);
	ck_assert_msg(json_equal(r->batch, t.batch) || (!r->batch && !t.batch), "%s: trees differ",
		      name);
	ck_assert_msg(json_equal(r->dropped, t.dropped) || (!r->dropped && !t.dropped),
		      "%s: dropped entries differ", name);
	validate_result_clear(&t);
}

/* No backslash, no byte outside printable ASCII but tab, LF, CR (jflat.h). */
static bool plain_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c > 0x7e || (c < 0x20 && c != '\t' && c != '\n' && c != '\r'))
			return false;
	}
	return true;
}

static void check_dropped(const char *name, const struct validate_result *r, char *lines)
{
	size_t want = 0;
	char *save = NULL;

	for (char *line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char reason[32];
		const char *part;
		json_t *d;

		ck_assert_msg(sscanf(line, "dropped %31s", reason) == 1, "%s: bad expect line",
			      name);
		part = line + strlen("dropped ") + strlen(reason) + 1;
		d = json_array_get(r->dropped, want);
		ck_assert_msg(d != NULL, "%s: entry %zu was not dropped", name, want);
		ck_assert_str_eq(json_string_value(json_object_get(d, "reason")), reason);
		ck_assert_msg(strstr(json_string_value(json_object_get(d, "detail")), part),
			      "%s: dropped detail \"%s\" lacks \"%s\"", name,
			      json_string_value(json_object_get(d, "detail")), part);
		ck_assert_ptr_nonnull(json_object_get(d, "entry"));
		want++;
	}
	ck_assert_msg(json_array_size(r->dropped) == want, "%s: %zu entries dropped, want %zu",
		      name, json_array_size(r->dropped), want);
}

START_TEST(test_case)
{
	const char *name = case_names[_i];
	size_t len;
	char *input = read_case_file(name, "input", &len);
	char *expect = read_case_file(name, "expect", NULL);
	char *output = read_case_file(name, "output", NULL);
	struct validate_result r = { 0 };
	char *nl;
	int rc;

	ck_assert_msg(input && expect, "%s: input or expect missing", name);
	rc = validate_batch(&opts, OBJ, NOW, input, len, &r);
	nl = strchr(expect, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	if (strcmp(expect, "ok") == 0) {
		ck_assert_msg(rc == AMR_OK, "%s: rejected: %s: %s", name, r.reason, r.detail);
		ck_assert_ptr_null(r.reason);
		ck_assert_ptr_nonnull(r.batch);
		ck_assert_int_gt(r.seq, 0);
		check_canonical_matches_tree(name, input, len, &r);
		/* The streaming path takes every accepted batch of plain
		 * ASCII without escapes unless an entry was dropped. */
		ck_assert_msg(r.fast == (r.dropped == NULL && plain_ascii(input, len)),
			      "%s: fast %d with%s dropped entries", name, r.fast,
			      r.dropped ? "" : "out");
		check_dropped(name, &r, nl + 1);
		if (output) {
			size_t olen = strlen(output);
			if (olen && output[olen - 1] == '\n')
				output[olen - 1] = '\0';
			ck_assert_str_eq(r.canonical, output);
		}
	} else {
		char *detail = nl + 1, *end = strchr(detail, '\n');

		if (end)
			*end = '\0';
		ck_assert_msg(strncmp(expect, "reject ", 7) == 0, "%s: bad expect file", name);
		ck_assert_msg(rc == AMR_EINVAL, "%s: accepted, want %s", name, expect + 7);
		ck_assert_str_eq(r.reason, expect + 7);
		ck_assert_msg(strstr(r.detail, detail), "%s: detail \"%s\" lacks \"%s\"", name,
			      r.detail, detail);
		ck_assert_ptr_null(r.batch);
		ck_assert_ptr_null(r.canonical);
		ck_assert_ptr_null(r.dropped);
		ck_assert(!r.fast);
	}
	check_same_as_tree(name, input, len, rc, &r);
	validate_result_clear(&r);
	free(input);
	free(expect);
	free(output);
}
END_TEST

START_TEST(test_case_table_present)
{
	/* A missing table must fail, not pass with zero cases. */
	ck_assert_int_ge(ncases, 60);
}
END_TEST

/* A payload with a NUL byte inside is malformed, not cut short. */
START_TEST(test_embedded_nul)
{
	static const char text[] = "{\"seq\":1,\"ts\":1763600000}\0{\"x\":1}";
	struct validate_result r = { 0 };

	ck_assert_int_eq(validate_batch(&opts, OBJ, NOW, text, sizeof text - 1, &r), AMR_EINVAL);
	ck_assert_str_eq(r.reason, "bad_json");
	validate_result_clear(&r);
}
END_TEST

/* The result of a good batch carries seq, ts and readings for the caller. */
START_TEST(test_result_fields)
{
	static const char text[] =
		"{\"seq\":77,\"ts\":1763599000,\"readings\":[{\"addr\":1,\"ch\":1,"
		"\"total\":5,\"delta\":1},{\"addr\":1,\"ch\":2,\"total\":5,\"delta\":1}]}";
	struct validate_result r = { 0 };

	ck_assert_int_eq(validate_batch(&opts, OBJ, NOW, text, sizeof text - 1, &r), AMR_OK);
	ck_assert_int_eq(r.seq, 77);
	ck_assert_int_eq(r.prev, -1); /* absent */
	ck_assert_int_eq(r.ts, 1763599000);
	ck_assert_uint_eq(r.readings, 2);
	ck_assert_ptr_null(r.dropped);
	validate_result_clear(&r);
	ck_assert_ptr_null(r.batch);
	validate_result_clear(&r); /* clearing twice is harmless */
}
END_TEST

/* prev is passed on in the canonical batch and reported to the caller. */
START_TEST(test_result_prev)
{
	static const char text[] = "{\"seq\":9,\"prev\":8,\"ts\":1763599000}";
	struct validate_result r = { 0 };
	json_t *c;

	ck_assert_int_eq(validate_batch(&opts, OBJ, NOW, text, sizeof text - 1, &r), AMR_OK);
	ck_assert_int_eq(r.seq, 9);
	ck_assert_int_eq(r.prev, 8);
	c = json_loadb(r.canonical, r.canonical_len, 0, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "prev")), 8);
	json_decref(c);
	validate_result_clear(&r);
}
END_TEST

static Suite *validate_suite(void)
{
	Suite *s = suite_create("ingest_validate");
	TCase *tc = tcase_create("cases");

	load_case_names();
	tcase_add_test(tc, test_case_table_present);
	tcase_add_loop_test(tc, test_case, 0, ncases);
	tcase_add_test(tc, test_embedded_nul);
	tcase_add_test(tc, test_result_fields);
	tcase_add_test(tc, test_result_prev);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(validate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (int i = 0; i < ncases; i++)
		free(case_names[i]);
	return failed ? 1 : 0;
}
