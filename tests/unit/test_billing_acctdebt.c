/*
 * Unit tests of services/billing/acctdebt.c against real LMDB files: an
 * account's journal (a charge, a part payment, a payment reversed, an
 * opening debt) read with its organisation's due day and key rate, and
 * the debt, penalties and ages worked by hand.
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acctdebt.h"

static char dir[64];
static ledger *l;
static journal *j;

static int rm_entry(const char *p, const struct stat *st, int f, struct FTW *w)
{
	(void)st;
	(void)f;
	(void)w;
	return remove(p);
}

struct put {
	const char *text; /* a record's or an entry's JSON */
	enum model_kind k;
	uint32_t id; /* 0: a journal entry */
};

static int put_fn(MDB_txn *txn, void *arg)
{
	const struct put *p = arg;
	json_t *v = json_loads(p->text, 0, NULL);
	uint64_t seq;
	int rc;

	ck_assert_ptr_nonnull(v);
	rc = p->id ? ledger_put(l, txn, p->k, p->id, v) : journal_add(j, txn, v, &seq);
	json_decref(v);
	return rc;
}

static void put(enum model_kind k, uint32_t id, const char *text)
{
	struct put p = { text, k, id };

	ck_assert_int_eq(kv_write(ledger_kv(l), put_fn, &p), AMR_OK);
}

static void entry(const char *text)
{
	put(MODEL_ORG, 0, text);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/amr-acctdebt-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ledger_open(&l, dir), AMR_OK);
	ck_assert_int_eq(journal_open(&j, ledger_kv(l)), AMR_OK);
	put(MODEL_ORG, 1, "{\"name\":\"ТСЖ\"}"); /* due on the 10th, the default */
	put(MODEL_RATE, 1,
	    "{\"org\":1,\"kind\":\"key_rate\",\"from\":\"2024-01-01\",\"rate\":\"16.00\"}");
	put(MODEL_RATE, 2,
	    "{\"org\":2,\"kind\":\"key_rate\",\"from\":\"2024-01-01\",\"rate\":\"99.00\"}");
	/* the 10th of March 2026 is a Tuesday; make it a holiday */
	put(MODEL_CALENDAR, 1, "{\"org\":1,\"date\":\"2026-03-10\",\"working\":false}");
}

static void teardown(void)
{
	journal_close(j);
	ledger_close(l);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The debt of account 7 at date as JSON (pieces included). */
static json_t *debt_at(const char *date)
{
	struct acctdebt_tables t;
	struct acctdebt d;
	struct jv_err err = { "" };
	MDB_txn *txn;
	cal_day at;
	json_t *o;

	ck_assert(cal_day_parse(date, &at));
	ck_assert_int_eq(kv_read_begin(ledger_kv(l), &txn), AMR_OK);
	ck_assert_int_eq(acctdebt_tables_load(l, txn, 1, &t), 0);
	ck_assert_int_eq(t.nrates, 1); /* only its own organisation's */
	ck_assert_int_eq(t.nex, 1);
	ck_assert_msg(acctdebt_compute(j, txn, 7, &t, at, &d, &err) == 0, "%s", err.msg);
	mdb_txn_abort(txn);
	o = acctdebt_json(&d, true);
	ck_assert_ptr_nonnull(o);
	acctdebt_free(&d);
	acctdebt_tables_free(&t);
	return o;
}

static const char *s_at(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

/*
 * January's 1000.00 is due on 2026-02-10 (a Tuesday). 400.00 paid on
 * 2026-03-20; 100.00 paid on 2026-04-01 and reversed on 2026-04-05.
 * Day 1 of delay is 02-11, day 31 is 03-13. At 2026-04-30, all at 16 %
 * and 1/300 (day 79 at most):
 *   400 unpaid 03-13..03-20, 8 days:   400 x 16 % / 300 x 8  =  1.706666..
 *   600 unpaid 03-13..04-30, 49 days:  600 x 16 % / 300 x 49 = 15.68
 *   the piece's penalty, rounded once: 17.386666.. -> 17.39
 * Due + 1 month is 03-10, + 3 months 05-10: the 600 is 1 to 3 months old.
 */
START_TEST(charge_part_payment_and_reversal)
{
	json_t *o;

	entry("{\"account\":7,\"date\":\"2026-02-01\",\"kind\":\"charge\",\"amount\":\"1000.00\","
	      "\"period\":\"2026-01\"}");
	entry("{\"account\":7,\"date\":\"2026-03-20\",\"kind\":\"payment\",\"amount\":\"-400.00\"}");
	entry("{\"account\":7,\"date\":\"2026-04-01\",\"kind\":\"payment\",\"amount\":\"-100.00\"}");
	entry("{\"account\":7,\"date\":\"2026-04-05\",\"kind\":\"reversal\",\"amount\":\"100.00\","
	      "\"reverses\":3}");
	/* another account's entries are not this one's */
	entry("{\"account\":8,\"date\":\"2026-02-01\",\"kind\":\"charge\",\"amount\":\"5.00\"}");

	o = debt_at("2026-04-30");
	ck_assert_str_eq(s_at(o, "balance", NULL), "600.00");
	ck_assert_str_eq(s_at(o, "overdue", NULL), "600.00");
	ck_assert_str_eq(s_at(o, "ages", "1_3m"), "600.00");
	ck_assert_str_eq(s_at(o, "ages", "under_1m"), "0.00");
	ck_assert_str_eq(s_at(o, "penalties", "accrued"), "17.39");
	ck_assert_str_eq(s_at(o, "penalties", "not_charged"), "17.39");
	/* the reversed payment is not the last payment */
	ck_assert_str_eq(s_at(o, "last_payment", "date"), "2026-03-20");
	ck_assert_str_eq(s_at(o, "last_payment", "amount"), "400.00");
	ck_assert_str_eq(s_at(json_array_get(json_object_get(o, "pieces"), 0), "due", NULL),
			 "2026-02-10");
	json_decref(o);

	/* before the payment was reversed it stood: 500 unpaid at 04-03 */
	o = debt_at("2026-04-03");
	ck_assert_str_eq(s_at(o, "overdue", NULL), "500.00");
	ck_assert_str_eq(s_at(o, "last_payment", "amount"), "100.00");
	json_decref(o);

	/* on day 30 (03-12) nothing has accrued yet */
	o = debt_at("2026-03-12");
	ck_assert_str_eq(s_at(o, "penalties", "accrued"), "0.00");
	json_decref(o);
}
END_TEST

/*
 * February's due date, 2026-03-10, is a holiday in the organisation's
 * calendar: it moves to Wednesday 03-11. An opening debt without a period
 * is due on its "due". A penalty the journal charged counts as charged.
 */
START_TEST(due_dates_opening_and_charged_penalties)
{
	json_t *o, *pieces;

	entry("{\"account\":7,\"date\":\"2026-01-31\",\"kind\":\"opening\",\"amount\":\"300.00\","
	      "\"due\":\"2025-12-10\"}");
	entry("{\"account\":7,\"date\":\"2026-03-01\",\"kind\":\"charge\",\"amount\":\"200.00\","
	      "\"period\":\"2026-02\"}");
	entry("{\"account\":7,\"date\":\"2026-03-01\",\"kind\":\"penalty\",\"amount\":\"1.50\","
	      "\"period\":\"2026-02\"}");
	o = debt_at("2026-03-11");
	pieces = json_object_get(o, "pieces");
	ck_assert_int_eq(json_array_size(pieces), 3);
	ck_assert_str_eq(s_at(json_array_get(pieces, 0), "period", NULL), "opening");
	ck_assert_str_eq(s_at(json_array_get(pieces, 0), "due", NULL), "2025-12-10");
	ck_assert_str_eq(s_at(json_array_get(pieces, 1), "due", NULL), "2026-03-11");
	/* February is not overdue on its due day; the opening debt is */
	ck_assert_str_eq(s_at(o, "overdue", NULL), "300.00");
	ck_assert_str_eq(s_at(o, "balance", NULL), "501.50");
	ck_assert_str_eq(s_at(o, "penalties", "charged"), "1.50");
	json_decref(o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("billing_acctdebt");
	TCase *tc = tcase_create("acctdebt");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, charge_part_payment_and_reversal);
	tcase_add_test(tc, due_dates_opening_and_charged_penalties);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
