/*
 * Unit tests of services/billing/journal.c against real LMDB files: entries
 * come back in date order whatever order they were written in, balances
 * at a date, lookups by number, and malformed entries are refused whole.
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

static char dir[64];
static kv *k;
static journal *j;

static int rm_entry(const char *p, const struct stat *st, int f, struct FTW *w)
{
	(void)st;
	(void)f;
	(void)w;
	return remove(p);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/amr-journal-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(kv_open(&k, dir, NULL), AMR_OK);
	ck_assert_int_eq(journal_open(&j, k), AMR_OK);
}

static void teardown(void)
{
	journal_close(j);
	kv_close(k);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

struct add {
	const char *text; /* the entry's JSON */
	uint64_t seq;	  /* the number it got */
};

static int add_fn(MDB_txn *txn, void *arg)
{
	struct add *a = arg;
	json_t *e = json_loads(a->text, 0, NULL);
	int rc;

	ck_assert_ptr_nonnull(e);
	rc = journal_add(j, txn, e, &a->seq);
	json_decref(e);
	return rc;
}

/* Add the entry text; returns its seq, or 0 when it was refused. */
static uint64_t add(const char *text)
{
	struct add a = { text, 0 };

	return kv_write(k, add_fn, &a) == AMR_OK ? a.seq : 0;
}

struct seen {
	char order[256]; /* "seq:date:amount " per entry */
};

static int seen_fn(const struct journal_entry *e, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->order);

	snprintf(s->order + n, sizeof s->order - n, "%llu:%s:%lld ", (unsigned long long)e->seq,
		 e->date, (long long)e->amount);
	return 0;
}

static const char *scan(uint32_t account, const char *from, const char *to)
{
	static struct seen s;
	MDB_txn *txn;

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(kv_read_begin(k, &txn), AMR_OK);
	ck_assert_int_eq(journal_scan(j, txn, account, from, to, seen_fn, &s), 0);
	mdb_txn_abort(txn);
	return s.order;
}

static money_kop balance(uint32_t account, const char *date)
{
	MDB_txn *txn;
	money_kop b = -1;

	ck_assert_int_eq(kv_read_begin(k, &txn), AMR_OK);
	ck_assert_int_eq(journal_balance(j, txn, account, date, &b), 0);
	mdb_txn_abort(txn);
	return b;
}

START_TEST(date_order_and_balances)
{
	ck_assert_uint_eq(add("{\"account\":2,\"date\":\"2026-11-01\",\"kind\":\"charge\","
			      "\"amount\":\"1500.00\",\"period\":\"2026-10\"}"),
			  1);
	ck_assert_uint_eq(add("{\"account\":2,\"date\":\"2026-09-30\",\"kind\":\"opening\","
			      "\"amount\":\"300.50\"}"),
			  2);
	ck_assert_uint_eq(add("{\"account\":3,\"date\":\"2026-10-15\",\"kind\":\"payment\","
			      "\"amount\":\"-10.00\"}"),
			  3);
	ck_assert_uint_eq(add("{\"account\":2,\"date\":\"2026-11-01\",\"kind\":\"payment\","
			      "\"amount\":\"-1000.00\",\"payment\":\"BANK-1\"}"),
			  4);
	/* written out of order, read in date order; one account only */
	ck_assert_str_eq(scan(2, NULL, NULL), "2:2026-09-30:30050 1:2026-11-01:150000 "
					      "4:2026-11-01:-100000 ");
	ck_assert_str_eq(scan(2, "2026-10-01", "2026-11-01"), "");
	ck_assert_str_eq(scan(2, "2026-11-01", NULL), "1:2026-11-01:150000 4:2026-11-01:-100000 ");
	ck_assert_str_eq(scan(3, NULL, NULL), "3:2026-10-15:-1000 ");
	ck_assert_str_eq(scan(1, NULL, NULL), "");
	ck_assert_int_eq(balance(2, "2026-09-29"), 0);
	ck_assert_int_eq(balance(2, "2026-10-31"), 30050);
	ck_assert_int_eq(balance(2, "2026-11-01"), 80050);
	ck_assert_int_eq(balance(2, NULL), 80050);
	ck_assert_int_eq(balance(3, NULL), -1000);
}
END_TEST

START_TEST(get_by_seq)
{
	MDB_txn *txn;
	json_t *e = NULL;

	ck_assert_uint_eq(add("{\"account\":7,\"date\":\"2026-01-31\",\"kind\":\"penalty\","
			      "\"amount\":\"12.34\",\"actor\":\"accountant\"}"),
			  1);
	ck_assert_int_eq(kv_read_begin(k, &txn), AMR_OK);
	ck_assert_int_eq(journal_get(j, txn, 1, &e), AMR_OK);
	ck_assert_str_eq(json_string_value(json_object_get(e, "actor")), "accountant");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "seq")), 1);
	json_decref(e);
	ck_assert_int_eq(journal_get(j, txn, 2, &e), AMR_ENOTFOUND);
	mdb_txn_abort(txn);
}
END_TEST

START_TEST(malformed_refused)
{
	static const char *const bad[] = {
		"{\"date\":\"2026-01-31\",\"kind\":\"charge\",\"amount\":\"1.00\"}",
		"{\"account\":0,\"date\":\"2026-01-31\",\"kind\":\"charge\",\"amount\":\"1.00\"}",
		"{\"account\":1,\"date\":\"2026-02-30\",\"kind\":\"charge\",\"amount\":\"1.00\"}",
		"{\"account\":1,\"date\":\"2026-01-31\",\"kind\":\"gift\",\"amount\":\"1.00\"}",
		"{\"account\":1,\"date\":\"2026-01-31\",\"kind\":\"charge\",\"amount\":\"1.001\"}",
		"{\"account\":1,\"date\":\"2026-01-31\",\"kind\":\"charge\",\"amount\":\"0.00\"}",
		"{\"account\":1,\"date\":\"2026-01-31\",\"kind\":\"charge\",\"amount\":1}",
		"{\"account\":1,\"date\":\"2026-01-31\",\"kind\":\"charge\",\"amount\":\"1.00\","
		"\"period\":\"2026-13\"}",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(add(bad[i]) == 0, "taken: %s", bad[i]);
	ck_assert_str_eq(scan(1, NULL, NULL), "");
	/* numbering goes on from where it was: nothing was taken */
	ck_assert_uint_eq(add("{\"account\":1,\"date\":\"2026-01-31\",\"kind\":\"charge\","
			      "\"amount\":\"1.00\"}"),
			  1);
}
END_TEST

START_TEST(kind_names)
{
	for (int kk = 1; kk < JOURNAL_KIND_END; kk++)
		ck_assert_int_eq(journal_kind_parse(journal_kind_name(kk)), kk);
	ck_assert_int_eq(journal_kind_parse("Charge"), -1);
	ck_assert_int_eq(journal_kind_parse(NULL), -1);
	ck_assert_ptr_null(journal_kind_name(JOURNAL_KIND_END));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("billing_journal");
	TCase *tc = tcase_create("journal");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, date_order_and_balances);
	tcase_add_test(tc, get_by_seq);
	tcase_add_test(tc, malformed_refused);
	tcase_add_test(tc, kind_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
