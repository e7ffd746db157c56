/*
 * test_ingest_db.c - amr-ingest's LMDB store (services/ingest/ingestdb.c)
 * on real LMDB files in a temporary directory.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "err.h"
#include "ingestdb.h"

#define NOW 1763600000

static char dir[64];
static ingestdb *st;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/amr-ingest-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ingestdb_open(&st, dir, NOW), AMR_OK);
}

static void teardown(void)
{
	ingestdb_close(st);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void new_cmd(struct cmd *c, unsigned obj, int addr)
{
	memset(c, 0, sizeof *c);
	c->obj = obj;
	c->kind = CMD_BLOCK;
	c->addr = addr;
	c->out = 1;
	snprintf(c->actor, sizeof c->actor, "op");
	snprintf(c->reason, sizeof c->reason, "debt");
	c->state = CMD_QUEUED;
	c->created = NOW;
	c->expires = NOW + 60;
	ck_assert_int_eq(ingestdb_cmd_add(st, c), AMR_OK);
}

static int count_open(void *ctx, const struct cmd *c)
{
	json_array_append_new(ctx, json_string(c->id));
	return 0;
}

START_TEST(test_ids_and_roundtrip)
{
	struct cmd a, b, got;

	new_cmd(&a, 7, 5);
	new_cmd(&b, 7, 6);
	ck_assert_str_eq(a.id, "c1763600000000");
	ck_assert_str_eq(b.id, "c1763600000001");
	ck_assert_int_eq(ingestdb_cmd_get(st, a.id, &got), AMR_OK);
	ck_assert_mem_eq(&got, &a, sizeof a);
	ck_assert_int_eq(ingestdb_cmd_get(st, "c1", &got), AMR_ENOTFOUND);
	ck_assert_int_eq(ingestdb_cmd_get(st, "nonsense", &got), AMR_ENOTFOUND);

	/* Ids go on after a reopen, whatever the clock says. */
	ingestdb_close(st);
	ck_assert_int_eq(ingestdb_open(&st, dir, NOW - 500), AMR_OK);
	new_cmd(&a, 7, 7);
	ck_assert_str_eq(a.id, "c1763600000002");
	ck_assert_int_eq(ingestdb_cmd_get(st, b.id, &got), AMR_OK);
	ck_assert_int_eq(got.addr, 6);
}
END_TEST

START_TEST(test_open_set_follows_state)
{
	struct cmd a, b, c;
	json_t *ids = json_array();

	new_cmd(&a, 1, 1);
	new_cmd(&b, 1, 2);
	new_cmd(&c, 2, 3);
	cmd_mark_sent(&b, NOW + 1);
	ck_assert_int_eq(ingestdb_cmd_put(st, &b), AMR_OK);
	cmd_finish(&a, true, "ok", NOW + 2);
	ck_assert_int_eq(ingestdb_cmd_put(st, &a), AMR_OK);
	ck_assert_int_eq(ingestdb_cmd_open_each(st, count_open, ids), AMR_OK);
	ck_assert_uint_eq(json_array_size(ids), 2);
	ck_assert_str_eq(json_string_value(json_array_get(ids, 0)), b.id);
	ck_assert_str_eq(json_string_value(json_array_get(ids, 1)), c.id);
	json_decref(ids);

	/* An id that was never given is refused, not created. */
	snprintf(c.id, sizeof c.id, "c5");
	ck_assert_int_eq(ingestdb_cmd_put(st, &c), AMR_ENOTFOUND);
	snprintf(c.id, sizeof c.id, "bad");
	ck_assert_int_eq(ingestdb_cmd_put(st, &c), AMR_EINVAL);
}
END_TEST

START_TEST(test_list_newest_first_by_obj)
{
	struct cmd c[5];
	json_t *items;

	new_cmd(&c[0], 3, 1);
	new_cmd(&c[1], 4, 1);
	new_cmd(&c[2], 3, 2);
	new_cmd(&c[3], 65000, 1);
	new_cmd(&c[4], 3, 3);
	ck_assert_int_eq(ingestdb_cmd_list(st, 0, 100, &items), AMR_OK);
	ck_assert_uint_eq(json_array_size(items), 5);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")),
			 c[4].id);
	json_decref(items);

	ck_assert_int_eq(ingestdb_cmd_list(st, 3, 100, &items), AMR_OK);
	ck_assert_uint_eq(json_array_size(items), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")),
			 c[4].id);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 2), "id")),
			 c[0].id);
	json_decref(items);

	ck_assert_int_eq(ingestdb_cmd_list(st, 3, 2, &items), AMR_OK);
	ck_assert_uint_eq(json_array_size(items), 2);
	json_decref(items);
	ck_assert_int_eq(ingestdb_cmd_list(st, 65000, 100, &items), AMR_OK);
	ck_assert_uint_eq(json_array_size(items), 1);
	json_decref(items);
	ck_assert_int_eq(ingestdb_cmd_list(st, 5, 100, &items), AMR_OK);
	ck_assert_uint_eq(json_array_size(items), 0);
	json_decref(items);
}
END_TEST

START_TEST(test_prune_removes_only_old_finished)
{
	struct cmd old, recent, open;
	json_t *items;
	size_t removed;

	new_cmd(&old, 3, 1);
	new_cmd(&recent, 3, 2);
	new_cmd(&open, 3, 3);
	cmd_finish(&old, true, "", NOW + 10);
	cmd_finish(&recent, true, "", NOW + 1000);
	ck_assert_int_eq(ingestdb_cmd_put(st, &old), AMR_OK);
	ck_assert_int_eq(ingestdb_cmd_put(st, &recent), AMR_OK);
	ck_assert_int_eq(ingestdb_cmd_prune(st, NOW + 500, 100, &removed), AMR_OK);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(ingestdb_cmd_get(st, old.id, &old), AMR_ENOTFOUND);
	ck_assert_int_eq(ingestdb_cmd_list(st, 3, 100, &items), AMR_OK);
	ck_assert_uint_eq(json_array_size(items), 2);
	json_decref(items);
}
END_TEST

static int collect_presence(void *ctx, unsigned obj, bool online)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%u:%d", obj, online);
	json_array_append_new(ctx, json_string(buf));
	return 0;
}

START_TEST(test_presence_survives_reopen)
{
	json_t *seen = json_array();

	ck_assert_int_eq(ingestdb_presence_set(st, 12, true), AMR_OK);
	ck_assert_int_eq(ingestdb_presence_set(st, 3, true), AMR_OK);
	ck_assert_int_eq(ingestdb_presence_set(st, 12, false), AMR_OK);
	ingestdb_close(st);
	ck_assert_int_eq(ingestdb_open(&st, dir, NOW), AMR_OK);
	ck_assert_int_eq(ingestdb_presence_each(st, collect_presence, seen), AMR_OK);
	ck_assert_uint_eq(json_array_size(seen), 2);
	ck_assert_str_eq(json_string_value(json_array_get(seen, 0)), "3:1");
	ck_assert_str_eq(json_string_value(json_array_get(seen, 1)), "12:0");
	json_decref(seen);
}
END_TEST

static Suite *ingestdb_suite(void)
{
	Suite *s = suite_create("ingestdb");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ids_and_roundtrip);
	tcase_add_test(tc, test_open_set_follows_state);
	tcase_add_test(tc, test_list_newest_first_by_obj);
	tcase_add_test(tc, test_prune_removes_only_old_finished);
	tcase_add_test(tc, test_presence_survives_reopen);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ingestdb_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
