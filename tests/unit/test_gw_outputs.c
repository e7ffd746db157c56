/* Unit tests of what the gateway knows of the UO-4 outputs: changes seen
 * in coil reads, the round robin of the low-rate reads, and the "outputs"
 * field of a batch's device entry (written, omitted, kept by a merge). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../firmware/gateway/outputs.h"
#include "../../firmware/gateway/upbatch.h"

START_TEST(test_first_read_is_no_change)
{
	struct outputs o = { 0 };
	const uint8_t coils[4] = { 0, 1, 0, 0 };
	bool first = false;

	ck_assert_uint_eq(outputs_take(&o, coils, &first), 0);
	ck_assert(first);
	ck_assert(o.known);
	ck_assert_mem_eq(o.coils, coils, 4);
	/* the same state again: nothing changed, not the first any more */
	ck_assert_uint_eq(outputs_take(&o, coils, &first), 0);
	ck_assert(!first);
}
END_TEST

START_TEST(test_changes_are_bits)
{
	struct outputs o = { 0 };
	bool first;

	outputs_take(&o, (const uint8_t[4]){ 0, 1, 0, 0 }, &first);
	/* output 2 released and output 4 blocked by someone else */
	ck_assert_uint_eq(outputs_take(&o, (const uint8_t[4]){ 0, 0, 0, 1 }, &first),
			  (1u << 1) | (1u << 3));
	ck_assert(!first);
	ck_assert_uint_eq(o.coils[1], 0);
	ck_assert_uint_eq(o.coils[3], 1);
	/* libmodbus may give any nonzero value for a set coil */
	ck_assert_uint_eq(outputs_take(&o, (const uint8_t[4]){ 0, 0, 0, 0xff }, &first), 0);
	ck_assert_uint_eq(o.coils[3], 1);
	/* a device reset releases everything */
	ck_assert_uint_eq(outputs_take(&o, (const uint8_t[4]){ 0, 0, 0, 0 }, &first), 1u << 3);
}
END_TEST

static bool eligible_set[128];
static unsigned asked;

static bool eligible(void *ctx, unsigned addr)
{
	ck_assert_ptr_eq(ctx, &asked);
	ck_assert(addr >= 1 && addr <= 127);
	asked++;
	return eligible_set[addr];
}

START_TEST(test_round_robin)
{
	unsigned cursor = 0;

	memset(eligible_set, 0, sizeof eligible_set);
	asked = 0;
	ck_assert_uint_eq(outputs_next(&cursor, eligible, &asked), 0);
	ck_assert_uint_eq(cursor, 0);
	ck_assert_uint_eq(asked, 127); /* each address asked once, no more */
	eligible_set[3] = eligible_set[5] = eligible_set[127] = true;
	ck_assert_uint_eq(outputs_next(&cursor, eligible, &asked), 3);
	ck_assert_uint_eq(outputs_next(&cursor, eligible, &asked), 5);
	ck_assert_uint_eq(outputs_next(&cursor, eligible, &asked), 127);
	ck_assert_uint_eq(outputs_next(&cursor, eligible, &asked), 3); /* wraps */
	/* a device that left: skipped, the others keep their turn */
	eligible_set[5] = false;
	ck_assert_uint_eq(outputs_next(&cursor, eligible, &asked), 127);
	/* only one device: it every time */
	eligible_set[3] = eligible_set[127] = false;
	eligible_set[64] = true;
	ck_assert_uint_eq(outputs_next(&cursor, eligible, &asked), 64);
	ck_assert_uint_eq(outputs_next(&cursor, eligible, &asked), 64);
	/* a cursor out of range starts at 1 */
	cursor = 500;
	eligible_set[1] = true;
	ck_assert_uint_eq(outputs_next(&cursor, eligible, &asked), 1);
}
END_TEST

static char *device_text(const json_t *b, size_t i)
{
	return json_dumps(json_array_get(json_object_get(b, "devices"), i), JSON_COMPACT);
}

START_TEST(test_batch_device_outputs)
{
	json_t *b = upbatch_new(1000);
	const uint8_t coils[4] = { 0, 0, 1, 0 };
	char *t;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(upbatch_add_device(b, 5, true, true, 3010, coils), 0);
	ck_assert_int_eq(upbatch_add_device(b, 6, true, false, 2900, NULL), 0);
	ck_assert_int_eq(upbatch_add_device(b, 7, false, false, 0, coils), 0);
	t = device_text(b, 0);
	ck_assert_str_eq(t, "{\"addr\":5,\"ok\":true,\"mains\":true,\"batt_mv\":3010,"
			    "\"outputs\":[0,0,1,0]}");
	free(t);
	t = device_text(b, 1); /* not known yet: omitted */
	ck_assert_str_eq(t, "{\"addr\":6,\"ok\":true,\"mains\":false,\"batt_mv\":2900}");
	free(t);
	t = device_text(b, 2); /* silent: no state invented */
	ck_assert_str_eq(t, "{\"addr\":7,\"ok\":false}");
	free(t);
	json_decref(b);
}
END_TEST

START_TEST(test_merge_keeps_newer_outputs)
{
	json_t *older = upbatch_new(1000), *newer = upbatch_new(1010), *m;
	char *t;

	ck_assert_int_eq(
		upbatch_add_device(older, 5, true, true, 3010, (const uint8_t[4]){ 0, 0, 0, 0 }),
		0);
	ck_assert_int_eq(
		upbatch_add_device(older, 6, true, true, 3010, (const uint8_t[4]){ 1, 0, 0, 0 }),
		0);
	ck_assert_int_eq(
		upbatch_add_device(newer, 5, true, true, 3010, (const uint8_t[4]){ 0, 1, 0, 0 }),
		0);
	m = upbatch_merge(older, newer);
	ck_assert_ptr_nonnull(m);
	t = device_text(m, 0);
	ck_assert_str_eq(t, "{\"addr\":5,\"ok\":true,\"mains\":true,\"batt_mv\":3010,"
			    "\"outputs\":[0,1,0,0]}");
	free(t);
	t = device_text(m, 1);
	ck_assert_str_eq(t, "{\"addr\":6,\"ok\":true,\"mains\":true,\"batt_mv\":3010,"
			    "\"outputs\":[1,0,0,0]}");
	free(t);
	json_decref(m);
	json_decref(older);
	json_decref(newer);
}
END_TEST

static Suite *outputs_suite(void)
{
	Suite *s = suite_create("gw_outputs");
	TCase *tc = tcase_create("outputs");

	tcase_add_test(tc, test_first_read_is_no_change);
	tcase_add_test(tc, test_changes_are_bits);
	tcase_add_test(tc, test_round_robin);
	tcase_add_test(tc, test_batch_device_outputs);
	tcase_add_test(tc, test_merge_keeps_newer_outputs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(outputs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
