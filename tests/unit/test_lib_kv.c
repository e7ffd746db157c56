/* Unit tests of lib/kv.c against real LMDB files in a temporary directory. */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "kv.h"

static char dir[64];

static int rm_entry(const char *p, const struct stat *st, int f, struct FTW *w)
{
	(void)st;
	(void)f;
	(void)w;
	return remove(p);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/amr-kv-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

struct fill {
	MDB_dbi dbi;	  /* target database */
	unsigned from, n; /* keys from..from+n */
	unsigned runs;	  /* how often fn ran */
};

static int fill_fn(MDB_txn *txn, void *arg)
{
	struct fill *f = arg;
	char value[1024];

	f->runs++;
	memset(value, 'v', sizeof value);
	for (unsigned i = f->from; i < f->from + f->n; i++) {
		uint8_t key[4];
		MDB_val k = { 4, key }, v = { sizeof value, value };
		int rc;

		kv_pack_u32(key, i);
		if ((rc = mdb_put(txn, f->dbi, &k, &v, 0)) != 0)
			return rc == MDB_MAP_FULL ? rc : AMR_EDB;
	}
	return 0;
}

START_TEST(map_grows_when_full)
{
	struct kv_opts o = { .map_size = 1 << 20 }; /* 1 MiB: too small */
	struct fill f = { 0, 0, 4000, 0 };
	size_t map, used;
	MDB_txn *txn;
	MDB_stat st;
	kv *k;

	ck_assert_int_eq(kv_open(&k, dir, &o), AMR_OK);
	ck_assert_int_eq(kv_dbi(k, "t", 0, &f.dbi), AMR_OK);
	ck_assert_int_eq(kv_write(k, fill_fn, &f), AMR_OK);
	ck_assert_uint_gt(f.runs, 1); /* it had to retry after growing */
	kv_usage(k, &map, &used);
	ck_assert_uint_gt(map, 4u << 20);
	ck_assert_int_eq(kv_read_begin(k, &txn), AMR_OK);
	mdb_stat(txn, f.dbi, &st);
	ck_assert_uint_eq(st.ms_entries, 4000); /* nothing twice, nothing lost */
	mdb_txn_abort(txn);
	kv_close(k);

	/* Reopened with the small initial size, the grown file is adopted. */
	ck_assert_int_eq(kv_open(&k, dir, &o), AMR_OK);
	ck_assert_int_eq(kv_dbi(k, "t", 0, &f.dbi), AMR_OK);
	ck_assert_int_eq(kv_read_begin(k, &txn), AMR_OK);
	mdb_stat(txn, f.dbi, &st);
	ck_assert_uint_eq(st.ms_entries, 4000);
	mdb_txn_abort(txn);
	kv_close(k);
}
END_TEST

static int fail_fn(MDB_txn *txn, void *arg)
{
	MDB_dbi *dbi = arg;
	MDB_val k = { 1, "a" }, v = { 1, "b" };

	mdb_put(txn, *dbi, &k, &v, 0);
	return AMR_EINVAL;
}

START_TEST(failed_write_changes_nothing)
{
	MDB_dbi dbi;
	MDB_txn *txn;
	MDB_val k = { 1, "a" }, v;
	kv *k_;

	ck_assert_int_eq(kv_open(&k_, dir, NULL), AMR_OK);
	ck_assert_int_eq(kv_dbi(k_, "t", 0, &dbi), AMR_OK);
	ck_assert_int_eq(kv_write(k_, fail_fn, &dbi), AMR_EINVAL);
	ck_assert_int_eq(kv_read_begin(k_, &txn), AMR_OK);
	ck_assert_int_eq(mdb_get(txn, dbi, &k, &v), MDB_NOTFOUND);
	mdb_txn_abort(txn);
	kv_close(k_);
}
END_TEST

START_TEST(big_endian_keys_sort_numerically)
{
	uint8_t a[8], b[8];

	kv_pack_u64(a, 255);
	kv_pack_u64(b, 256);
	ck_assert_int_lt(memcmp(a, b, 8), 0);
	ck_assert_uint_eq(kv_unpack_u64(b), 256);
	kv_pack_u32(a, 0xdeadbeef);
	ck_assert_uint_eq(kv_unpack_u32(a), 0xdeadbeef);
	ck_assert_uint_eq(a[0], 0xde);
	kv_pack_u16(a, 0x1234);
	ck_assert_uint_eq(kv_unpack_u16(a), 0x1234);
}
END_TEST

START_TEST(backup_is_a_usable_copy)
{
	struct fill f = { 0, 10, 5, 0 };
	char copy[128];
	MDB_txn *txn;
	MDB_stat st;
	kv *k, *b;

	snprintf(copy, sizeof copy, "%s/backup", dir);
	ck_assert_int_eq(kv_open(&k, dir, NULL), AMR_OK);
	ck_assert_int_eq(kv_dbi(k, "t", 0, &f.dbi), AMR_OK);
	ck_assert_int_eq(kv_write(k, fill_fn, &f), AMR_OK);
	ck_assert_int_eq(kv_backup(k, copy), AMR_OK);
	kv_close(k);
	ck_assert_int_eq(kv_open(&b, copy, NULL), AMR_OK);
	ck_assert_int_eq(kv_dbi(b, "t", 0, &f.dbi), AMR_OK);
	ck_assert_int_eq(kv_read_begin(b, &txn), AMR_OK);
	mdb_stat(txn, f.dbi, &st);
	ck_assert_uint_eq(st.ms_entries, 5);
	mdb_txn_abort(txn);
	kv_close(b);
}
END_TEST

START_TEST(open_refuses_an_unusable_path)
{
	kv *k = NULL;

	ck_assert_int_eq(kv_open(&k, "/proc/amr-no/such", NULL), AMR_EIO);
	ck_assert_ptr_null(k);
}
END_TEST

Suite *kv_suite(void)
{
	Suite *s = suite_create("kv");
	TCase *tc = tcase_create("lmdb");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, map_grows_when_full);
	tcase_add_test(tc, failed_write_changes_nothing);
	tcase_add_test(tc, big_endian_keys_sort_numerically);
	tcase_add_test(tc, backup_is_a_usable_copy);
	tcase_add_test(tc, open_refuses_an_unusable_path);
	suite_add_tcase(s, tc);
	return s;
}
