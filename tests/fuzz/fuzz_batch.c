/*
 * fuzz_batch.c - libFuzzer target: the telemetry batch readers, checked
 * against each other (docs/reliability.md).
 *
 * Any bytes, as the payload of amr/v1/gw/{obj}/up, go through:
 *  - lib/jflat.c, the streaming reader (yajl), with the readings' fields
 *    and bounds of lib/telemetry.c: when it accepts, jansson must accept
 *    the same text with JSON_REJECT_DUPLICATES and give the same values,
 *    the head being jansson's tree without "readings" (jflat.h);
 *  - amr-ingest's validate_batch() (streaming first, the tree when the
 *    stream declines) and validate_batch_tree() (the tree alone): the same
 *    answer to the byte, reason, detail, canonical text, dropped entries;
 *  - amr-archive's batch_parse() of the input, and of the canonical text
 *    when ingest accepted it: the archive must accept what ingest wrote,
 *    with the same seq, prev, ts and readings (telemetry.h: what one
 *    accepts the other accepts).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "jflat.h"
#include "telemetry.h"
#include "validate.h"

#define NOW 1763600000
#define OBJ 7

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static const struct validate_opts opts = {
	.max_payload = 16384,
	.max_entries = 64,
	.horizon_s = 45 * 86400,
	.ahead_s = 300,
};

struct rows {
	size_t n;
	long long v[64][TELEMETRY_FIELDS];
	unsigned present[64];
};

static int on_row(void *ctx, size_t index, const long long *vals, unsigned present)
{
	struct rows *r = ctx;

	CHECK(index == r->n);
	if (r->n == 64)
		return 1;
	memcpy(r->v[r->n], vals, sizeof r->v[0]);
	r->present[r->n++] = present;
	return 0;
}

/* jflat_read() accepts only what jansson accepts, with jansson's values. */
static void check_jflat(const char *text, size_t len)
{
	static struct rows rows;
	struct jflat_rows spec = {
		.name = "readings",
		.fields = telemetry_reading_fields,
		.bounds = telemetry_reading_bounds,
		.row = on_row,
		.ctx = &rows,
	};
	struct jflat_out out = { 0 };
	json_error_t je;
	json_t *tree, *readings;

	rows.n = 0;
	if (jflat_read(text, len, &spec, &out) != AMR_OK) {
		CHECK(out.head == NULL);
		return;
	}
	tree = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	CHECK(tree != NULL);
	CHECK(out.nrows == rows.n);
	readings = json_object_get(tree, "readings");
	CHECK(out.rows_seen == (readings != NULL));
	if (readings) {
		CHECK(json_is_array(readings) && json_array_size(readings) == rows.n);
		for (size_t i = 0; i < rows.n; i++) {
			json_t *item = json_array_get(readings, i);

			CHECK(json_is_object(item));
			for (int f = 0; f < TELEMETRY_FIELDS; f++) {
				json_t *v = json_object_get(item, telemetry_reading_fields[f]);

				CHECK(!!v == !!(rows.present[i] & (1u << f)));
				CHECK(!v || (json_is_integer(v) &&
					     json_integer_value(v) == rows.v[i][f]));
			}
		}
		json_object_del(tree, "readings");
	}
	CHECK(json_equal(tree, out.head));
	json_decref(tree);
	json_decref(out.head);
}

static bool same_json(const json_t *a, const json_t *b)
{
	return (!a && !b) || json_equal(a, b);
}

/* The archive reads what ingest wrote, with the same values. */
static void check_archive(const struct validate_result *r)
{
	struct batch_clock clk = {
		.now = NOW, .window = { .horizon_s = opts.horizon_s, .ahead_s = opts.ahead_s }
	};
	struct batch *b = NULL;
	struct jv_err e = { 0 };
	json_t *c, *readings;
	json_error_t je;

	CHECK(batch_parse(r->canonical, r->canonical_len, &clk, OBJ, &b, &e) == AMR_OK);
	CHECK(b->obj == OBJ && b->rx == NOW && b->seq == (uint64_t)r->seq && b->ts == r->ts);
	CHECK(b->has_prev == (r->prev >= 0));
	CHECK(!b->has_prev || b->prev == (uint64_t)r->prev);
	CHECK(b->n == r->readings);
	c = json_loadb(r->canonical, r->canonical_len, JSON_REJECT_DUPLICATES, &je);
	CHECK(c != NULL);
	readings = json_object_get(c, "readings");
	for (size_t i = 0; i < b->n; i++) {
		json_t *item = json_array_get(readings, i);
		json_t *p = json_object_get(item, "period_ms");

		CHECK(b->r[i].chan == BATCH_CHAN(json_integer_value(json_object_get(item, "addr")),
						 json_integer_value(json_object_get(item, "ch"))));
		CHECK(b->r[i].total == json_integer_value(json_object_get(item, "total")));
		CHECK(b->r[i].delta == json_integer_value(json_object_get(item, "delta")));
		CHECK(b->r[i].period_ms == (p ? json_integer_value(p) : 0));
	}
	json_decref(c);
	batch_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct validate_result r = { 0 }, t = { 0 };
	struct batch_clock clk = {
		.now = NOW, .window = { .horizon_s = opts.horizon_s, .ahead_s = opts.ahead_s }
	};
	struct batch *b = NULL;
	struct jv_err e = { 0 };
	int rc, rt;

	check_jflat(text, size);

	rc = validate_batch(&opts, OBJ, NOW, text, size, &r);
	rt = validate_batch_tree(&opts, OBJ, NOW, text, size, &t);
	CHECK(rc == rt && !t.fast);
	CHECK((rc == AMR_OK) == (r.reason == NULL) && (rt == AMR_OK) == (t.reason == NULL));
	CHECK(!r.reason || !strcmp(r.reason, t.reason));
	CHECK(!strcmp(r.detail, t.detail));
	CHECK(r.seq == t.seq && r.prev == t.prev && r.ts == t.ts && r.readings == t.readings);
	CHECK(r.canonical_len == t.canonical_len);
	CHECK((r.canonical == NULL) == (t.canonical == NULL));
	CHECK(!r.canonical || !memcmp(r.canonical, t.canonical, r.canonical_len));
	CHECK(!r.canonical || strlen(r.canonical) == r.canonical_len);
	CHECK(same_json(r.batch, t.batch) && same_json(r.dropped, t.dropped));
	if (rc == AMR_OK)
		check_archive(&r);
	validate_result_clear(&r);
	validate_result_clear(&t);

	/* The archive's own reading of outside text: no invariant but the
	 * sanitizers' and an error that names something. */
	if (batch_parse(text, size, &clk, OBJ, &b, &e) == AMR_OK)
		batch_free(b);
	else
		CHECK(b == NULL && e.msg[0] != '\0');
	return 0;
}
