/* Unit tests of the gateway's durable spool with real LMDB files: seq never
 * repeats, a cut between store and ack loses and doubles nothing, duplicate
 * and out-of-order acks, and a full spool merging. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../firmware/gateway/upbatch.h"
#include "err.h"
#include "gw_spool_fixture.h"
#include "kv.h"
#include "proto.h"

START_TEST(test_seq_never_repeats)
{
	uint32_t tot[4] = { 1, 2, 3, 4 };
	uint64_t seq, last = 0;

	for (int r = 0; r < 5; r++) {
		for (int i = 0; i < 3; i++) {
			tot[i % 4] += 5;
			ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
			ck_assert_uint_gt(seq, last);
			last = seq;
		}
		ck_assert_int_eq(spool_ack(sp, obj, seq), AMR_OK);
		restart(100);
		ck_assert_uint_eq(spool_last_seq(sp, obj), last);
		ck_assert_uint_eq(spool_pending(sp), 0);
	}
}
END_TEST

START_TEST(test_cut_between_store_and_ack)
{
	uint32_t tot[4] = { 100, 200, 300, 400 };
	uint64_t seq;

	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	publish_from(0);
	ck_assert_int_eq(spool_ack(sp, obj, seq), AMR_OK);
	tot[0] += 7;
	tot[2] += 3;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	/* the archive stored it, but the ack never came back */
	publish_from(spool_acked(sp, obj));
	tot[0] += 1;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	/* power cut: RAM lost; the device kept counting */
	restart(100);
	ck_assert_uint_eq(spool_pending(sp), 2);
	tot[1] += 50;
	/* after the reconnect every unacknowledged batch goes out again */
	publish_from(spool_acked(sp, obj));
	ck_assert_uint_eq(ar.dups, 1);
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	publish_from(spool_acked(sp, obj));
	ck_assert_int_eq(spool_ack(sp, obj, seq), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 0);
	check_conservation(tot);
}
END_TEST

START_TEST(test_cut_before_store_counts_later)
{
	uint32_t tot[4] = { 10, 10, 10, 10 };
	uint64_t seq;

	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	tot[3] += 9;
	/* read but never stored: the cut comes first */
	{
		uint32_t prev;

		delta_read(&dl, 1, 4, tot[3], 0, false, &prev);
	}
	restart(100);
	tot[3] += 1;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	publish_from(0);
	check_conservation(tot);
}
END_TEST

/* A cut between a zero and the batch after it (docs/gateway.md, "Counters
 * that go down"): the pulses before the zero were stored with the zero's
 * mark, so the total read after the restart, below the baseline, counts
 * from the zero; without the mark it would be a counter that fell. */
START_TEST(test_cut_after_zero_counts_from_it)
{
	uint32_t tot[4] = { 10, 10, 10, 10 };
	uint64_t seq;

	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	tot[2] += 5;
	/* the zero's first step: the pulses before it stored, then the mark */
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert_int_eq(spool_zeroing(sp, 1, 3, true), AMR_OK);
	tot[2] = 0; /* zeroed, then 4 pulses, then the cut */
	tot[2] += 4;
	restart(100);
	ck_assert(delta_zeroing(&dl, 1, 3));
	ck_assert(!delta_zeroing(&dl, 1, 2));
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert(!delta_zeroing(&dl, 1, 3)); /* that read told */
	publish_from(0);
	ck_assert_int_eq(ar.sum[2], 5 + 4);
	ck_assert_int_eq(ar.last[2], 4);

	/* a mark whose zero never happened: a total at or above the
	 * baseline is consumption, and the mark goes with spool_forget() */
	ck_assert_int_eq(spool_zeroing(sp, 1, 1, true), AMR_OK);
	restart(100);
	tot[0] += 2;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	publish_from(seq - 1);
	ck_assert_int_eq(ar.sum[0], 2);
	ck_assert_int_eq(spool_zeroing(sp, 1, 3, true), AMR_OK);
	ck_assert_int_eq(spool_zeroing(sp, 1, 3, false), AMR_OK);
	ck_assert_int_eq(spool_forget(sp, 1), AMR_OK);
	restart(100);
	ck_assert(!delta_zeroing(&dl, 1, 1));
	ck_assert(!delta_zeroing(&dl, 1, 3));
}
END_TEST

START_TEST(test_acks_duplicate_and_out_of_order)
{
	uint32_t tot[4] = { 0, 0, 0, 0 };
	uint64_t seq;

	for (int i = 0; i < 6; i++) {
		tot[0]++;
		ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	}
	ck_assert_uint_eq(spool_pending(sp), 6);
	ck_assert_int_eq(spool_ack(sp, obj, 4), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 2);
	ck_assert_int_eq(spool_ack(sp, obj, 4), AMR_OK);
	ck_assert_int_eq(spool_ack(sp, obj, 2), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 2);
	ck_assert_uint_eq(spool_acked(sp, obj), 4);
	restart(100);
	ck_assert_uint_eq(spool_pending(sp), 2);
	ck_assert_uint_eq(spool_acked(sp, obj), 4);
	ck_assert_int_eq(spool_ack(sp, obj, 6), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 0);
}
END_TEST

START_TEST(test_ack_above_every_seq_renumbers)
{
	uint32_t tot[4] = { 5, 5, 5, 5 };
	uint64_t seq;
	char *text;

	for (int i = 0; i < 3; i++) {
		tot[1] += 2;
		ck_assert_int_eq(make_batch(tot, false, &seq), AMR_OK);
	}
	/* the archive remembers seq 1000 from an earlier spool */
	ck_assert_int_eq(spool_ack(sp, obj, 1000), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 3);
	ck_assert_int_eq(spool_next(sp, obj, 1000, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, 1001);
	ck_assert_ptr_nonnull(strstr(text, "\"seq\":1001"));
	free(text);
	ar.mark = 1000;
	publish_from(1000);
	ck_assert_uint_eq(ar.stored, 3);
	tot[1] += 1;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 1004);
	publish_from(1003);
	check_conservation(tot);
}
END_TEST

/* An ack from an archive that stored a forged batch near 2^53 (issue 13):
 * renumbering above it would give seqs past the 2^53-1 ingest accepts, and
 * every batch of the object would be refused for ever. Such an ack is
 * refused: the batches keep their seqs and go out as they are. */
START_TEST(test_ack_past_what_ingest_accepts_is_refused)
{
	uint32_t tot[4] = { 5, 5, 5, 5 };
	uint64_t seq;
	char *text;

	for (int i = 0; i < 3; i++) {
		tot[1] += 2;
		ck_assert_int_eq(make_batch(tot, false, &seq), AMR_OK);
	}
	/* 3 batches above 2^53-4 would be 2^53-3 .. 2^53-1, the next 2^53 */
	ck_assert_int_eq(spool_ack(sp, obj, (uint64_t)PROTO_SEQ_MAX - 3), AMR_EINVAL);
	ck_assert_int_eq(spool_ack(sp, obj, (uint64_t)PROTO_SEQ_MAX), AMR_EINVAL);
	ck_assert_uint_eq(spool_acked(sp, obj), 0);
	ck_assert_uint_eq(spool_pending(sp), 3);
	ck_assert_uint_eq(spool_last_seq(sp, obj), 3);
	ck_assert_int_eq(spool_next(sp, obj, 0, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, 1);
	free(text);
	/* one seq short of that is still an archive's mark to follow */
	ck_assert_int_eq(spool_ack(sp, obj, (uint64_t)PROTO_SEQ_MAX - 4), AMR_OK);
	ck_assert_int_eq(spool_next(sp, obj, (uint64_t)PROTO_SEQ_MAX - 4, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, (uint64_t)PROTO_SEQ_MAX - 3);
	free(text);
	/* the spool reopened says the same */
	restart(100);
	ck_assert_uint_eq(spool_last_seq(sp, obj), (uint64_t)PROTO_SEQ_MAX - 1);
}
END_TEST

START_TEST(test_full_spool_merges_unsent)
{
	uint32_t tot[4] = { 1000, 0, 0, 0 };
	uint64_t seq;
	char *text;

	restart(4);
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	publish_from(0);
	/* link down: nothing more is sent; 20 batches into a spool of 4 */
	for (int i = 0; i < 20; i++) {
		tot[i % 4] += (uint32_t)(i + 1);
		ck_assert_int_eq(make_batch(tot, false, &seq), AMR_OK);
		ck_assert_uint_le(spool_pending(sp), 4);
	}
	ck_assert_uint_eq(spool_pending(sp), 4);
	ck_assert_uint_ge(spool_merges(sp), 17);
	/* the one sent batch is never merged: it may be in the archive */
	ck_assert_int_eq(spool_next(sp, obj, 0, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, 1);
	free(text);
	restart(4);
	publish_from(0);
	ck_assert_uint_eq(ar.dups, 1);
	check_conservation(tot);
}
END_TEST

START_TEST(test_full_of_sent_batches)
{
	uint32_t tot[4] = { 0, 0, 0, 0 };
	uint64_t seq;

	restart(4);
	for (int i = 0; i < 4; i++) {
		tot[0]++;
		ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	}
	publish_from(0);
	tot[0] += 10;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_EFULL);
	/* the pulses wait in the tracker */
	ck_assert_uint_eq(delta_pending(&dl, 1, 1), 10);
	ck_assert_int_eq(spool_ack(sp, obj, 2), AMR_OK);
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 5);
	publish_from(4);
	check_conservation(tot);
}
END_TEST

START_TEST(test_merge_keeps_events_and_devices)
{
	json_t *a = json_pack("{s:I,s:I,s:[{s:i,s:i,s:I,s:I,s:I}],s:[{s:i,s:b}],s:[{s:s,s:i,s:I}]}",
			      "seq", (json_int_t)5, "ts", (json_int_t)100, "readings", "addr", 1,
			      "ch", 1, "total", (json_int_t)10, "delta", (json_int_t)4, "period_ms",
			      (json_int_t)50, "devices", "addr", 1, "ok", 0, "events", "type",
			      "device_offline", "addr", 1, "ts", (json_int_t)90);
	json_t *b = json_pack(
		"{s:I,s:I,s:[{s:i,s:i,s:I,s:I,s:I},{s:i,s:i,s:I,s:I,s:I}],s:[{s:i,s:b,s:b,s:i}],s:[{s:s,s:i,s:I}]}",
		"seq", (json_int_t)6, "ts", (json_int_t)200, "readings", "addr", 1, "ch", 1,
		"total", (json_int_t)13, "delta", (json_int_t)3, "period_ms", (json_int_t)40,
		"addr", 1, "ch", 2, "total", (json_int_t)7, "delta", (json_int_t)0, "period_ms",
		(json_int_t)0, "devices", "addr", 1, "ok", 1, "mains", 1, "batt_mv", 3000, "events",
		"type", "device_online", "addr", 1, "ts", (json_int_t)190);
	json_t *m = upbatch_merge(a, b), *r;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "seq")), 6);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "ts")), 200);
	r = json_array_get(json_object_get(m, "readings"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "delta")), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "total")), 13);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "period_ms")), 40);
	ck_assert_uint_eq(json_array_size(json_object_get(m, "readings")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(m, "devices")), 1);
	ck_assert(json_is_true(
		json_object_get(json_array_get(json_object_get(m, "devices"), 0), "ok")));
	ck_assert_uint_eq(json_array_size(json_object_get(m, "events")), 2);
	ck_assert_ptr_null(upbatch_merge(a, json_object_get(a, "readings")));
	json_decref(a);
	json_decref(b);
	json_decref(m);
}
END_TEST

static Suite *spool_suite(void)
{
	Suite *s = suite_create("gw_spool");
	TCase *tc = tcase_create("spool");

	tcase_add_checked_fixture(tc, spool_setup, spool_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_seq_never_repeats);
	tcase_add_test(tc, test_cut_between_store_and_ack);
	tcase_add_test(tc, test_cut_before_store_counts_later);
	tcase_add_test(tc, test_acks_duplicate_and_out_of_order);
	tcase_add_test(tc, test_ack_above_every_seq_renumbers);
	tcase_add_test(tc, test_ack_past_what_ingest_accepts_is_refused);
	tcase_add_test(tc, test_cut_after_zero_counts_from_it);
	tcase_add_test(tc, test_full_spool_merges_unsent);
	tcase_add_test(tc, test_full_of_sent_batches);
	tcase_add_test(tc, test_merge_keeps_events_and_devices);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(spool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
