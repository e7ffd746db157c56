/*
 * Unit tests of the archive's gap rule (services/archive/store.c) against
 * real LMDB files: a batch whose "prev" is above the object's high-water
 * mark follows a batch the archive never got; it is refused and not
 * acknowledged until the gap is filled, or until the gap wait is over.
 * Time is the "now" given to store_commit(): no test sleeps.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "test_archive_fixture.h"

#define C11 BATCH_CHAN(1, 1)
#define T0  1736000000LL /* reading times */
#define NOW 1763600000LL /* the archive's clock at the first commit */

static struct fx f;

static void setup(void)
{
	fx_open(&f);
}

static void teardown(void)
{
	fx_close(&f);
}

/* A batch of object obj with one reading of C11 at total; prev < 0: none.
 * The gateway's delta is total - 100 (its first total), which the archive
 * only uses for the first reading. */
static struct batch *gb(uint16_t obj, uint64_t seq, long long prev, uint32_t total)
{
	uint32_t r[] = { C11, total, 0 };
	struct batch *b = fx_batch(obj, seq, T0 + 60 * (int64_t)seq, 1, r);

	b->has_prev = prev >= 0;
	b->prev = prev >= 0 ? (uint64_t)prev : 0;
	return b;
}

/* Commit b[0..n) at time now, free them, return the outcome. */
static struct store_outcome commit_at(int64_t now, struct batch **b, size_t n)
{
	struct store_outcome o;

	ck_assert_int_eq(store_commit(f.s, b, n, now, &o), 0);
	for (size_t i = 0; i < n; i++)
		batch_free(b[i]);
	return o;
}

/* Commit one batch of obj at time now. */
static struct store_outcome send1(int64_t now, uint16_t obj, uint64_t seq, long long prev,
				  uint32_t total)
{
	struct batch *b = gb(obj, seq, prev, total);

	return commit_at(now, &b, 1);
}

/* The ack of obj in o, or -1 when o acknowledges nothing for obj. */
static long long ack_of(const struct store_outcome *o, uint16_t obj)
{
	for (size_t i = 0; i < o->nacks; i++)
		if (o->acks[i].obj == obj)
			return (long long)o->acks[i].seq;
	return -1;
}

static uint64_t pulses(uint16_t obj)
{
	return fx_rollup_sum(&f, TB_HOUR, obj, C11, 0, T0 * 2);
}

START_TEST(prev_at_or_below_the_mark_is_stored)
{
	struct store_outcome o;

	o = send1(NOW, 1, 1, 0, 100);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_int_eq(ack_of(&o, 1), 1);
	store_outcome_free(&o);
	o = send1(NOW + 10, 1, 2, 1, 110);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_int_eq(ack_of(&o, 1), 2);
	store_outcome_free(&o);
	/* a merged batch: 3 and 4 became one, seq 4 with prev 2 = the mark */
	o = send1(NOW + 20, 1, 4, 2, 125);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_uint_eq(o.ngaps, 0);
	ck_assert_int_eq(ack_of(&o, 1), 4);
	store_outcome_free(&o);
	/* a renumbered spool: its first batch names a prev below the mark */
	o = send1(NOW + 30, 1, 9, 1, 130);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_uint_eq(o.ngaps, 0);
	store_outcome_free(&o);
	ck_assert_uint_eq(fx_hwm(&f, 1), 9);
	ck_assert_uint_eq(pulses(1), 30);
}
END_TEST

START_TEST(gap_is_refused_and_not_acknowledged_until_filled)
{
	struct store_outcome o;
	struct batch *g[3];

	o = send1(NOW, 1, 1, 0, 100);
	store_outcome_free(&o);
	o = send1(NOW, 1, 2, 1, 110);
	store_outcome_free(&o);
	/* 3 was lost by the broker; 4 comes, and another object's batch with it */
	g[0] = gb(1, 4, 3, 140);
	g[1] = gb(2, 1, 0, 500);
	o = commit_at(NOW + 10, g, 2);
	ck_assert_uint_eq(o.batches, 1); /* only object 2's */
	ck_assert_uint_eq(o.gaps_refused, 1);
	ck_assert_uint_eq(o.gaps_given_up, 0);
	ck_assert_uint_eq(o.ngaps, 1);
	ck_assert_uint_eq(o.gaps[0].obj, 1);
	ck_assert_uint_eq(o.gaps[0].mark, 2);
	ck_assert_uint_eq(o.gaps[0].prev, 3);
	ck_assert_uint_eq(o.gaps[0].seq, 4);
	ck_assert_int_eq(o.gaps[0].since, NOW + 10);
	ck_assert(!o.gaps[0].given_up);
	ck_assert_int_eq(ack_of(&o, 1), -1); /* no ack at all for object 1 */
	ck_assert_int_eq(ack_of(&o, 2), 1);
	store_outcome_free(&o);
	ck_assert_uint_eq(fx_hwm(&f, 1), 2);
	ck_assert_uint_eq(pulses(1), 10); /* 4's pulses not counted yet */
	/* a newer batch is refused as well, its gap timed from the first refusal */
	o = send1(NOW + 20, 1, 5, 4, 150);
	ck_assert_uint_eq(o.batches, 0);
	ck_assert_uint_eq(o.gaps_refused, 1);
	ck_assert_int_eq(o.gaps[0].since, NOW + 10);
	ck_assert_uint_eq(o.nacks, 0);
	store_outcome_free(&o);
	/* the gateway sends every unacknowledged batch again, oldest first */
	g[0] = gb(1, 3, 2, 125);
	g[1] = gb(1, 4, 3, 140);
	g[2] = gb(1, 5, 4, 150);
	o = commit_at(NOW + 40, g, 3);
	ck_assert_uint_eq(o.batches, 3);
	ck_assert_uint_eq(o.ngaps, 0);
	ck_assert_int_eq(ack_of(&o, 1), 5);
	store_outcome_free(&o);
	/* conservation, and the pulses in the hours they were counted */
	ck_assert_uint_eq(pulses(1), 150 - 100);
	ck_assert_uint_eq(fx_hwm(&f, 1), 5);
}
END_TEST

START_TEST(batch_filling_the_gap_later_in_the_same_commit)
{
	struct store_outcome o;
	struct batch *g[3];

	o = send1(NOW, 1, 1, 0, 100);
	store_outcome_free(&o);
	/* out of order within one group: 3 is refused, 2 stored; 3 resent */
	g[0] = gb(1, 3, 2, 120);
	g[1] = gb(1, 2, 1, 110);
	o = commit_at(NOW + 10, g, 2);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_uint_eq(o.gaps_refused, 1);
	ck_assert_int_eq(ack_of(&o, 1), 2);
	store_outcome_free(&o);
	o = send1(NOW + 40, 1, 3, 2, 120);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_int_eq(ack_of(&o, 1), 3);
	store_outcome_free(&o);
	ck_assert_uint_eq(pulses(1), 20);
}
END_TEST

START_TEST(gap_is_given_up_after_the_gap_wait)
{
	struct store_outcome o;

	store_gap_wait_set(f.s, 90);
	o = send1(NOW, 1, 1, 0, 100);
	store_outcome_free(&o);
	o = send1(NOW, 1, 2, 1, 110);
	store_outcome_free(&o);
	/* 3..6 are gone for good (say the archive was restored from a backup
	 * taken at 2): the gateway's batches keep coming, each refused */
	for (int64_t t = 0; t < 90; t += 30) {
		o = send1(NOW + 100 + t, 1, 7 + (uint64_t)t / 30, 6 + t / 30, 170);
		ck_assert_uint_eq(o.batches, 0);
		ck_assert_uint_eq(o.gaps_refused, 1);
		ck_assert_int_eq(o.gaps[0].since, NOW + 100);
		ck_assert_uint_eq(o.nacks, 0);
		store_outcome_free(&o);
	}
	/* one second before the wait is over: still refused */
	o = send1(NOW + 189, 1, 7, 6, 170);
	ck_assert_uint_eq(o.gaps_refused, 1);
	ck_assert_uint_eq(fx_hwm(&f, 1), 2);
	store_outcome_free(&o);
	/* 90 s after the first refusal the gap (2, 6] is given up */
	o = send1(NOW + 190, 1, 7, 6, 170);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_uint_eq(o.gaps_refused, 0);
	ck_assert_uint_eq(o.gaps_given_up, 1);
	ck_assert_uint_eq(o.ngaps, 1);
	ck_assert(o.gaps[0].given_up);
	ck_assert_uint_eq(o.gaps[0].mark, 2);
	ck_assert_uint_eq(o.gaps[0].prev, 6);
	ck_assert_int_eq(o.gaps[0].since, NOW + 100);
	ck_assert_int_eq(ack_of(&o, 1), 7);
	store_outcome_free(&o);
	/* no pulse lost: the totals carry them, only their time is coarse */
	ck_assert_uint_eq(pulses(1), 170 - 100);
	/* the next batches go on normally... */
	o = send1(NOW + 200, 1, 8, 7, 180);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_uint_eq(o.ngaps, 0);
	store_outcome_free(&o);
	/* ...and a new gap is timed from its own first refusal */
	o = send1(NOW + 210, 1, 10, 9, 200);
	ck_assert_uint_eq(o.gaps_refused, 1);
	ck_assert_int_eq(o.gaps[0].since, NOW + 210);
	store_outcome_free(&o);
	o = send1(NOW + 299, 1, 10, 9, 200);
	ck_assert_uint_eq(o.gaps_refused, 1);
	store_outcome_free(&o);
	o = send1(NOW + 300, 1, 10, 9, 200);
	ck_assert_uint_eq(o.gaps_given_up, 1);
	ck_assert_int_eq(ack_of(&o, 1), 10);
	store_outcome_free(&o);
	ck_assert_uint_eq(pulses(1), 200 - 100);
}
END_TEST

START_TEST(gap_wait_zero_never_refuses)
{
	struct store_outcome o;

	store_gap_wait_set(f.s, 0);
	o = send1(NOW, 1, 1, 0, 100);
	store_outcome_free(&o);
	o = send1(NOW + 10, 1, 4, 3, 130);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_uint_eq(o.gaps_refused, 0);
	ck_assert_uint_eq(o.gaps_given_up, 1); /* still reported */
	ck_assert_int_eq(ack_of(&o, 1), 4);
	store_outcome_free(&o);
	ck_assert_uint_eq(pulses(1), 30);
}
END_TEST

/*
 * No mark stored: a new gateway, or an archive wiped, or one killed before
 * it committed the object's first batches (the broker had them, the
 * archive's MQTT client had acknowledged them). A first batch that names
 * an earlier one (prev > 0) waits for it like any gap: acknowledged, it
 * would tell the gateway that every batch up to it is stored, and the
 * gateway would let the earlier ones go. A gateway's very first batch
 * (prev 0 or none) goes in at once.
 */
START_TEST(unknown_gateway_waits_for_what_its_prev_names)
{
	struct store_outcome o;

	store_gap_wait_set(f.s, 90);
	o = send1(NOW, 3, 500, 499, 100);
	ck_assert_uint_eq(o.batches, 0);
	ck_assert_uint_eq(o.gaps_refused, 1);
	ck_assert_int_eq(ack_of(&o, 3), -1); /* no ack: 1..499 stay in the spool */
	store_outcome_free(&o);
	/* the gateway sends the missing ones again: all go in, in order */
	{
		struct batch *b[] = { gb(3, 499, 498, 99), gb(3, 500, 499, 100) };

		o = commit_at(NOW + 5, b, 2);
		ck_assert_uint_eq(o.batches, 0); /* 499 names 498: still a gap */
		store_outcome_free(&o);
	}
	/* a wiped archive: nothing will come, the gap is given up after the wait */
	o = send1(NOW + 91, 3, 500, 499, 100);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_uint_eq(o.gaps_given_up, 1);
	ck_assert_int_eq(ack_of(&o, 3), 500);
	store_outcome_free(&o);
	o = send1(NOW + 100, 3, 501, 500, 104);
	ck_assert_uint_eq(o.batches, 1);
	store_outcome_free(&o);
	ck_assert_uint_eq(fx_hwm(&f, 3), 501);
	ck_assert_uint_eq(pulses(3), 4);
	/* a fresh gateway's first batch is taken at once */
	o = send1(NOW + 100, 6, 1, 0, 100);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_int_eq(ack_of(&o, 6), 1);
	store_outcome_free(&o);
	o = send1(NOW + 100, 7, 1, -1, 100);
	ck_assert_uint_eq(o.batches, 1);
	store_outcome_free(&o);
}
END_TEST

/*
 * The first batch of an object (a new gateway, a new object number, a
 * wiped archive) is held to the seq leap too, from 0: a fresh gateway
 * starts at seq 1, so a first batch above 2^32 is broken or forged. Taken,
 * its mark would make the gateway renumber above it, out of what ingest
 * accepts once near 2^53, and stop the object for ever.
 */
START_TEST(first_batch_of_an_object_leaps_no_further)
{
	struct store_outcome o;

	o = send1(NOW, 4, 9007199254740991ULL, 9007199254740990LL, 100);
	ck_assert_uint_eq(o.batches, 0);
	ck_assert_uint_eq(o.jumps_refused, 1);
	ck_assert_uint_eq(o.ngaps, 1);
	ck_assert(o.gaps[0].jump);
	ck_assert_uint_eq(o.gaps[0].mark, 0);
	ck_assert_int_eq(ack_of(&o, 4), -1); /* no ack: the gateway's numbers stay */
	store_outcome_free(&o);
	o = send1(NOW, 4, STORE_SEQ_JUMP + 1, -1, 100);
	ck_assert_uint_eq(o.jumps_refused, 1);
	store_outcome_free(&o);
	ck_assert_uint_eq(fx_hwm(&f, 4), 0);
	/* the gateway's own first batch goes in */
	o = send1(NOW + 10, 4, 1, 0, 100);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_int_eq(ack_of(&o, 4), 1);
	store_outcome_free(&o);
	o = send1(NOW + 20, 4, 2, 1, 104);
	ck_assert_uint_eq(o.batches, 1);
	store_outcome_free(&o);
	ck_assert_uint_eq(pulses(4), 4);
	/* a first batch up to 2^32 is a gateway's (one that counted long) */
	o = send1(NOW + 30, 5, STORE_SEQ_JUMP, -1, 100);
	ck_assert_uint_eq(o.batches, 1);
	store_outcome_free(&o);
	ck_assert_uint_eq(fx_hwm(&f, 5), STORE_SEQ_JUMP);
}
END_TEST

START_TEST(batches_without_prev_keep_the_old_rule)
{
	struct store_outcome o;

	o = send1(NOW, 1, 1, -1, 100);
	store_outcome_free(&o);
	o = send1(NOW, 1, 2, -1, 110);
	store_outcome_free(&o);
	/* seq 3 never comes: 4 is stored, its pulses counted from the totals */
	o = send1(NOW + 10, 1, 4, -1, 140);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_uint_eq(o.ngaps, 0);
	ck_assert_int_eq(ack_of(&o, 1), 4);
	store_outcome_free(&o);
	/* 3 arrives late: at or below the mark, a duplicate, acknowledged */
	o = send1(NOW + 20, 1, 3, -1, 120);
	ck_assert_uint_eq(o.batches, 0);
	ck_assert_uint_eq(o.duplicates, 1);
	ck_assert_int_eq(ack_of(&o, 1), 4);
	store_outcome_free(&o);
	ck_assert_uint_eq(pulses(1), 40);
	ck_assert_uint_eq(fx_hwm(&f, 1), 4);
}
END_TEST

START_TEST(repeat_below_the_mark_is_acknowledged_whatever_its_prev)
{
	struct store_outcome o;
	struct batch *g[2];

	o = send1(NOW, 1, 1, 0, 100);
	store_outcome_free(&o);
	o = send1(NOW, 1, 2, 1, 110);
	store_outcome_free(&o);
	/* a repeat of 2 and a batch after a gap in one group: the repeat is
	 * acknowledged (at the mark), the other refused */
	g[0] = gb(1, 2, 1, 110);
	g[1] = gb(1, 5, 4, 150);
	o = commit_at(NOW + 10, g, 2);
	ck_assert_uint_eq(o.duplicates, 1);
	ck_assert_uint_eq(o.gaps_refused, 1);
	ck_assert_int_eq(ack_of(&o, 1), 2);
	store_outcome_free(&o);
	ck_assert_uint_eq(fx_hwm(&f, 1), 2);
}
END_TEST

START_TEST(parse_reads_prev)
{
	static const struct {
		const char *json;
		int rc;
		long long prev; /* -1: none */
		const char *err;
	} cases[] = {
		{ "{\"obj\":1,\"seq\":3,\"prev\":2,\"rx\":1736000000,\"ts\":1736000000,\"readings\":[]}",
		  AMR_OK, 2, NULL },
		{ "{\"obj\":1,\"seq\":3,\"prev\":0,\"rx\":1736000000,\"ts\":1736000000,\"readings\":[]}",
		  AMR_OK, 0, NULL },
		{ "{\"obj\":1,\"seq\":3,\"rx\":1736000000,\"ts\":1736000000,\"readings\":[]}",
		  AMR_OK, -1, NULL },
		{ "{\"obj\":1,\"seq\":3,\"prev\":3,\"rx\":1736000000,\"ts\":1736000000,\"readings\":[]}",
		  AMR_EINVAL, 0, "prev: 3 is out of range 0..2" },
		{ "{\"obj\":1,\"seq\":3,\"prev\":-1,\"rx\":1736000000,\"ts\":1736000000,\"readings\":[]}",
		  AMR_EINVAL, 0, "prev: -1 is out of range 0..2" },
		{ "{\"obj\":1,\"seq\":3,\"prev\":\"2\",\"rx\":1736000000,\"ts\":1736000000,\"readings\":[]}",
		  AMR_EINVAL, 0, "prev: expected an integer" },
		{ "{\"obj\":1,\"seq\":0,\"prev\":0,\"rx\":1736000000,\"ts\":1736000000,\"readings\":[]}",
		  AMR_EINVAL, 0, "seq: 0 is out of range" }, /* seq 1 at least, as ingest */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct jv_err err = { "" };
		struct batch *b = NULL;
		int rc = batch_parse(cases[i].json, strlen(cases[i].json), &fx_clock, 1, &b, &err);

		ck_assert_msg(rc == cases[i].rc, "case %zu: rc %d (%s)", i, rc, err.msg);
		if (rc == AMR_OK) {
			ck_assert_int_eq(b->has_prev, cases[i].prev >= 0);
			if (cases[i].prev >= 0)
				ck_assert_uint_eq(b->prev, (uint64_t)cases[i].prev);
		} else {
			ck_assert_msg(strncmp(err.msg, cases[i].err, strlen(cases[i].err)) == 0,
				      "case %zu: \"%s\"", i, err.msg);
		}
		batch_free(b);
	}
}
END_TEST

Suite *archive_gap_suite(void)
{
	Suite *s = suite_create("archive_gap");
	TCase *tc = tcase_create("gap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, prev_at_or_below_the_mark_is_stored);
	tcase_add_test(tc, gap_is_refused_and_not_acknowledged_until_filled);
	tcase_add_test(tc, batch_filling_the_gap_later_in_the_same_commit);
	tcase_add_test(tc, gap_is_given_up_after_the_gap_wait);
	tcase_add_test(tc, gap_wait_zero_never_refuses);
	tcase_add_test(tc, unknown_gateway_waits_for_what_its_prev_names);
	tcase_add_test(tc, first_batch_of_an_object_leaps_no_further);
	tcase_add_test(tc, batches_without_prev_keep_the_old_rule);
	tcase_add_test(tc, repeat_below_the_mark_is_acknowledged_whatever_its_prev);
	tcase_add_test(tc, parse_reads_prev);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_gap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
