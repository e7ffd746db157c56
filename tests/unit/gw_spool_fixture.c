/*
 * gw_spool_fixture.c - the spool suites' shared fixture (gw_spool_fixture.h).
 */
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

char dir[64];
kv *k;
spool *sp;
unsigned obj = 1; /* the object number the spool is opened for */

struct archive ar;

void archive_init(void)
{
	memset(&ar, 0, sizeof ar);
	for (int i = 0; i < 8; i++)
		ar.first[i] = -1;
}

void archive_take(const char *text, size_t len)
{
	json_t *b = json_loadb(text, len, 0, NULL), *r;
	uint64_t seq;
	size_t i;

	ck_assert_ptr_nonnull(b);
	seq = (uint64_t)json_integer_value(json_object_get(b, "seq"));
	/* the chain has no hole: the predecessor is stored */
	ck_assert_msg(seq <= ar.mark ||
			      (uint64_t)json_integer_value(json_object_get(b, "prev")) <= ar.mark,
		      "seq %llu: prev %lld above the mark %llu", (unsigned long long)seq,
		      json_integer_value(json_object_get(b, "prev")), (unsigned long long)ar.mark);
	if (seq <= ar.mark) {
		ar.dups++;
		json_decref(b);
		return;
	}
	ar.mark = seq;
	ar.stored++;
	json_array_foreach(json_object_get(b, "readings"), i, r) {
		int a = (int)json_integer_value(json_object_get(r, "addr"));
		int c = (int)json_integer_value(json_object_get(r, "ch"));
		int x = (a - 1) * 4 + c - 1;
		long long delta = json_integer_value(json_object_get(r, "delta"));

		ck_assert_int_ge(delta, 0);
		ck_assert(x >= 0 && x < 8);
		if (ar.first[x] < 0) {
			ar.first[x] = json_integer_value(json_object_get(r, "total"));
			ck_assert_int_eq(delta, 0);
		}
		ar.sum[x] += delta;
		ar.last[x] = json_integer_value(json_object_get(r, "total"));
	}
	json_decref(b);
}

void open_spool(unsigned capacity)
{
	ck_assert_int_eq(kv_open(&k, dir, &(struct kv_opts){ .map_size = 1 << 20 }), AMR_OK);
	ck_assert_int_eq(spool_open(&sp, k, capacity, obj), AMR_OK);
}

void close_spool(void)
{
	spool_close(sp);
	kv_close(k);
	sp = NULL;
	k = NULL;
}

static void load_base(void *ctx, unsigned addr, unsigned ch, uint32_t total)
{
	delta_set_base(ctx, addr, ch, total);
}

/* A zero under way at the cut: the next read tells (as gw.c does). */
static void load_zero(void *ctx, unsigned addr, unsigned ch)
{
	delta_set_zeroing(ctx, addr, ch);
}

/* A gateway's state in RAM, lost at every cut. */
struct delta dl;

void restart(unsigned capacity)
{
	if (sp)
		close_spool();
	open_spool(capacity);
	delta_init(&dl);
	ck_assert_int_eq(spool_baselines(sp, load_base, &dl), AMR_OK);
	ck_assert_int_eq(spool_zeroings(sp, load_zero, &dl), AMR_OK);
}

/* Read device totals into the tracker and store one batch. */
int make_batch(const uint32_t *tot, bool sending, uint64_t *seq)
{
	json_t *b = upbatch_new(time(NULL));
	uint32_t prev;
	int rc;

	for (unsigned ch = 1; ch <= 4; ch++)
		delta_read(&dl, 1, ch, tot[ch - 1], 100, false, &prev);
	ck_assert_int_ge(delta_take(&dl, b, false), 0);
	rc = spool_append(sp, b, sending, seq);
	if (rc == AMR_OK)
		delta_commit(&dl);
	else
		delta_abort(&dl);
	json_decref(b);
	return rc;
}

/* Publish every stored batch above after to the archive. */
uint64_t publish_from(uint64_t after)
{
	uint64_t seq = after;
	char *text;

	while (spool_next(sp, obj, seq, &seq, &text) == AMR_OK) {
		archive_take(text, strlen(text));
		free(text);
	}
	return seq;
}

void spool_setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_gw_spool.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	archive_init();
	sp = NULL;
	obj = 1;
	restart(100);
}

void spool_teardown(void)
{
	char cmd[128];

	close_spool();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

void check_conservation(const uint32_t *tot)
{
	for (int c = 0; c < 4; c++) {
		ck_assert_int_eq(ar.last[c], tot[c]);
		ck_assert_int_eq(ar.sum[c], tot[c] - ar.first[c]);
	}
}
