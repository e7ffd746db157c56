/* Unit tests of lib/kv.c against real LMDB files in a temporary directory. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
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
	kv_usage(k, &map, &used);
	kv_close(k);

	/* Reopened with a larger initial size than the one recorded (a limit
	 * raised), it starts at that size, not at the recorded one. */
	o.map_size = map * 2;
	ck_assert_int_eq(kv_open(&k, dir, &o), AMR_OK);
	kv_usage(k, &o.map_size, &used);
	ck_assert_uint_eq(o.map_size, map * 2);
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

/* A write function that fails with the code it is given. */
static int fail_with(MDB_txn *txn, void *arg)
{
	(void)txn;
	return *(int *)arg;
}

/* One put, committed by kv_write. */
static int put_one(MDB_txn *txn, void *arg)
{
	MDB_dbi *dbi = arg;
	MDB_val k = { 3, "key" }, v = { 5, "value" };

	return mdb_put(txn, *dbi, &k, &v, 0);
}

/* Our codes never share a value with errno's or LMDB's: an errno value or
 * an LMDB code that reaches kv_write comes back as the amr_err it means
 * (a commit's EIO used to come back as AMR_EEXIST, "already exists"). */
START_TEST(errors_keep_their_domain)
{
	static const struct {
		int in;
		int out;
	} cases[] = {
		{ EIO, AMR_EIO },
		{ ENOSPC, AMR_EIO },
		{ ENOMEM, AMR_ENOMEM },
		{ EINVAL, AMR_EDB },
		{ MDB_NOTFOUND, AMR_ENOTFOUND },
		{ MDB_KEYEXIST, AMR_EEXIST },
		{ MDB_CORRUPTED, AMR_EDB },
		{ AMR_EEXIST, AMR_EEXIST },
		{ AMR_ETIMEDOUT, AMR_ETIMEDOUT },
	};
	MDB_dbi dbi;
	int ro, fd;
	kv *k;

	for (int e = 1; e < 4096; e++)
		ck_assert_msg(!amr_is_err(e), "errno %d is taken for an amr_err", e);
	for (int e = MDB_KEYEXIST; e <= MDB_LAST_ERRCODE; e++)
		ck_assert_msg(!amr_is_err(e), "LMDB code %d is taken for an amr_err", e);
	ck_assert(amr_is_err(AMR_OK) && amr_is_err(AMR_ENOMEM) && amr_is_err(AMR_EPROTO));
	ck_assert_str_eq(amr_strerror(AMR_EIO), "input/output error");
	ck_assert_str_eq(amr_strerror(EIO), "unknown error");

	ck_assert_int_eq(kv_open(&k, dir, NULL), AMR_OK);
	ck_assert_int_eq(kv_dbi(k, "t", 0, &dbi), AMR_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int in = cases[i].in, rc = kv_write(k, fail_with, &in);

		ck_assert_msg(rc == cases[i].out, "%d came back as %d (%s)", in, rc,
			      amr_strerror(rc));
	}

	/* A commit the disk refuses: LMDB's file descriptor made read-only, so
	 * its write fails with an errno value (EBADF). */
	ck_assert_int_eq(mdb_env_get_fd(kv_env(k), &fd), 0);
	ck_assert_int_ge(ro = open("/dev/null", O_RDONLY), 0);
	ck_assert_int_eq(dup2(ro, fd), fd);
	close(ro);
	ck_assert_int_eq(kv_write(k, put_one, &dbi), AMR_EIO);
	kv_close(k);
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
	tcase_add_test(tc, errors_keep_their_domain);
	tcase_add_test(tc, big_endian_keys_sort_numerically);
	tcase_add_test(tc, backup_is_a_usable_copy);
	tcase_add_test(tc, open_refuses_an_unusable_path);
	suite_add_tcase(s, tc);
	return s;
}
