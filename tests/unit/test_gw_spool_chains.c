/* Unit tests of the gateway's durable spool with real LMDB files: an
 * object number changed and back (a chain per object), a spool of before
 * the chains, and a process killed with SIGKILL at random instants while
 * an "archive" counts what it received. */
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

static size_t events_of(const char *text, const char *type, long long *from)
{
	json_t *b = json_loads(text, 0, NULL), *e;
	size_t i, n = 0;

	ck_assert_ptr_nonnull(b);
	json_array_foreach(json_object_get(b, "events"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "type")), type))
			continue;
		n++;
		*from = json_integer_value(json_object_get(e, "from"));
	}
	json_decref(b);
	return n;
}

/* The deltas of a batch's text, summed into sum[0..4). */
static void add_deltas(const char *text, long long sum[4])
{
	json_t *b = json_loads(text, 0, NULL), *r;
	size_t i;

	json_array_foreach(json_object_get(b, "readings"), i, r)
		sum[json_integer_value(json_object_get(r, "ch")) - 1] += json_integer_value(
			json_object_get(r, "delta"));
	json_decref(b);
}

/*
 * objnum=12 and back to 1 (issue 12): a batch not acknowledged as object 1
 * stays object 1's; 12 starts its own seq; back at 1 the chain goes on from
 * 1's last seq, without a gap; each first batch after a change says
 * object_changed; and the deltas of both objects add up to what the
 * devices counted, once.
 */
START_TEST(test_object_change_keeps_chains)
{
	uint32_t tot[4] = { 100, 0, 0, 0 }, first[4];
	long long sum[4] = { 0 }, from = 0;
	uint64_t seq;
	unsigned others[4];
	char *text;

	/* the first batch gives the totals every count starts from */
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	memcpy(first, tot, sizeof tot);
	for (int i = 0; i < 2; i++) {
		tot[0] += 10;
		ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	}
	for (uint64_t s = 0; spool_next(sp, 1, s, &s, &text) == AMR_OK; free(text))
		if (s <= 2)
			add_deltas(text, sum);
	ck_assert_int_eq(spool_ack(sp, obj, 2), AMR_OK);
	/* objnum=12, save all, reset */
	obj = 12;
	restart(100);
	ck_assert_uint_eq(spool_obj(sp), 12);
	ck_assert_uint_eq(spool_others(sp, others, 4), 1);
	ck_assert_uint_eq(others[0], 1);
	ck_assert_uint_eq(spool_pending_of(sp, 1), 1);
	ck_assert_uint_eq(spool_last_seq(sp, 12), 0);
	tot[0] += 7;
	tot[1] += 2;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 1);
	tot[0] += 1;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 2);
	ck_assert_int_eq(spool_next(sp, 12, 0, &seq, &text), AMR_OK);
	ck_assert_ptr_nonnull(strstr(text, "\"prev\":0"));
	ck_assert_uint_eq(events_of(text, "object_changed", &from), 1);
	ck_assert_int_eq(from, 1);
	free(text);
	ck_assert_int_eq(spool_next(sp, 12, 1, &seq, &text), AMR_OK);
	ck_assert_uint_eq(events_of(text, "object_changed", &from), 0);
	free(text);
	/* 1's last batch is still 1's, delivered and acknowledged as 1 */
	ck_assert_int_eq(spool_next(sp, 1, 2, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, 3);
	add_deltas(text, sum);
	free(text);
	ck_assert_int_eq(spool_ack(sp, 1, 3), AMR_OK);
	ck_assert_uint_eq(spool_pending_of(sp, 1), 0);
	ck_assert_uint_eq(spool_others(sp, others, 4), 0);
	for (uint64_t s = 0; spool_next(sp, 12, s, &s, &text) == AMR_OK; free(text))
		add_deltas(text, sum);
	ck_assert_int_eq(spool_ack(sp, 12, 1), AMR_OK);
	/* reset -d: object 1 again, with 12's last batch not acknowledged */
	obj = 1;
	restart(100);
	ck_assert_uint_eq(spool_others(sp, others, 4), 1);
	ck_assert_uint_eq(others[0], 12);
	ck_assert_uint_eq(spool_acked(sp, 1), 3);
	tot[0] += 5;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 4);
	ck_assert_int_eq(spool_next(sp, 1, 3, &seq, &text), AMR_OK);
	ck_assert_ptr_nonnull(strstr(text, "\"prev\":3"));
	ck_assert_uint_eq(events_of(text, "object_changed", &from), 1);
	ck_assert_int_eq(from, 12);
	add_deltas(text, sum);
	free(text);
	for (int c = 0; c < 4; c++)
		ck_assert_int_eq(sum[c], tot[c] - first[c]);
	ck_assert_uint_eq(spool_pending(sp), 2);
	ck_assert_uint_eq(spool_pending_of(sp, 12), 1);
}
END_TEST

/* A spool written before objects had chains (batches keyed by seq,
 * next/acked/sent in meta) is the chain of the object it is opened for. */
START_TEST(test_spool_of_before_chains)
{
	MDB_dbi batches, meta;
	MDB_txn *txn;
	uint64_t seq;
	uint8_t key[8], v[8];
	char *text;
	long long from;
	static const char *const b[] = {
		"{\"seq\":41,\"prev\":40,\"ts\":1,\"readings\":[],\"devices\":[],\"events\":[]}",
		"{\"seq\":42,\"prev\":41,\"ts\":2,\"readings\":[],\"devices\":[],\"events\":[]}",
	};
	static const struct {
		const char *name;
		uint64_t v;
	} m[] = { { "next", 43 }, { "acked", 40 }, { "sent", 41 } };

	close_spool();
	ck_assert_int_eq(kv_open(&k, dir, &(struct kv_opts){ .map_size = 1 << 20 }), AMR_OK);
	ck_assert_int_eq(kv_dbi(k, "batches", 0, &batches), AMR_OK);
	ck_assert_int_eq(kv_dbi(k, "meta", 0, &meta), AMR_OK);
	ck_assert_int_eq(mdb_txn_begin(kv_env(k), NULL, 0, &txn), 0);
	for (int i = 0; i < 2; i++) {
		kv_pack_u64(key, 41 + (uint64_t)i);
		ck_assert_int_eq(mdb_put(txn, batches, &(MDB_val){ 8, key },
					 &(MDB_val){ strlen(b[i]), (void *)b[i] }, 0),
				 0);
	}
	for (int i = 0; i < 3; i++) {
		kv_pack_u64(v, m[i].v);
		ck_assert_int_eq(mdb_put(txn, meta,
					 &(MDB_val){ strlen(m[i].name), (void *)m[i].name },
					 &(MDB_val){ 8, v }, 0),
				 0);
	}
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	kv_close(k);
	k = NULL;
	obj = 7;
	restart(100);
	ck_assert_uint_eq(spool_pending(sp), 2);
	ck_assert_uint_eq(spool_pending_of(sp, 7), 2);
	ck_assert_uint_eq(spool_acked(sp, 7), 40);
	ck_assert_uint_eq(spool_sent(sp, 7), 41);
	ck_assert_uint_eq(spool_last_seq(sp, 7), 42);
	ck_assert_int_eq(spool_next(sp, 7, 40, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, 41);
	free(text);
	/* taken as 7's own: no object change */
	ck_assert_int_eq(make_batch((uint32_t[]){ 1, 2, 3, 4 }, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 43);
	ck_assert_int_eq(spool_next(sp, 7, 42, &seq, &text), AMR_OK);
	ck_assert_uint_eq(events_of(text, "object_changed", &from), 0);
	free(text);
	ck_assert_int_eq(spool_ack(sp, 7, 43), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 0);
}
END_TEST

/* ---- SIGKILL at random instants ---- */

struct shared {
	uint32_t tot[4]; /* the device's counters: they survive the gateway */
};

/* The gateway process: recover, resend, then count, store, publish, ack. */
static void child(struct shared *sh, const char *wire, bool finish)
{
	int fd = open(wire, O_WRONLY | O_APPEND | O_CREAT, 0600);
	uint64_t seq, sent;
	char *text;
	unsigned n = 0;

	restart(16);
	sent = spool_acked(sp, obj);
	for (;;) {
		/* publish everything not yet sent in this life */
		while (spool_next(sp, obj, sent, &seq, &text) == AMR_OK) {
			uint32_t len = (uint32_t)strlen(text);
			char *rec = malloc(4 + (size_t)len);

			/* one write: a kill cannot tear a record that a later life
			 * would append after (the reader would read on into it) */
			if (!rec)
				_exit(3);
			memcpy(rec, &len, 4);
			memcpy(rec + 4, text, len);
			if (spool_mark_sent(sp, obj, seq) != AMR_OK ||
			    write(fd, rec, 4 + (size_t)len) != (ssize_t)(4 + len))
				_exit(3);
			free(rec);
			free(text);
			sent = seq;
			/* the archive acks some of what it got, late */
			if (seq > 3 && seq % 3 == 0 && spool_ack(sp, obj, seq - 2) != AMR_OK)
				_exit(4);
		}
		if (finish && n++ == 3)
			break;
		sh->tot[n % 4] += 1 + n % 5; /* pulses arrive */
		sh->tot[(n + 1) % 4] += 1;
		if (make_batch(sh->tot, false, &seq) != AMR_OK)
			_exit(5);
	}
	if (spool_ack(sp, obj, sent) != AMR_OK)
		_exit(6);
	close_spool();
	close(fd);
	_exit(0);
}

static void read_wire(const char *wire)
{
	FILE *f = fopen(wire, "rb");
	uint32_t len;
	char *buf;

	archive_init();
	ck_assert_ptr_nonnull(f);
	while (fread(&len, 4, 1, f) == 1) {
		buf = malloc(len);
		ck_assert_ptr_nonnull(buf);
		if (fread(buf, 1, len, f) != len) { /* torn by the kill: never delivered */
			free(buf);
			break;
		}
		archive_take(buf, len);
		free(buf);
	}
	fclose(f);
}

START_TEST(test_sigkill_at_random)
{
	struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char wire[96];
	int status;
	pid_t pid;

	ck_assert_ptr_ne(sh, MAP_FAILED);
	memset(sh, 0, sizeof *sh);
	snprintf(wire, sizeof wire, "%s/wire", dir);
	close_spool();
	srand(12345);
	for (int i = 0; i < 25; i++) {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			child(sh, wire, false);
		usleep((useconds_t)(2000 + rand() % 30000));
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status), "child exited on its own: %d",
			      WEXITSTATUS(status));
	}
	pid = fork();
	if (pid == 0)
		child(sh, wire, true);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "final run failed");
	read_wire(wire);
	ck_assert_uint_gt(ar.stored, 10);
	check_conservation(sh->tot);
	open_spool(16);
	ck_assert_uint_eq(spool_pending(sp), 0);
	munmap(sh, sizeof *sh);
}
END_TEST

static Suite *chains_suite(void)
{
	Suite *s = suite_create("gw_spool_chains");
	TCase *tc = tcase_create("spool");

	tcase_add_checked_fixture(tc, spool_setup, spool_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_object_change_keeps_chains);
	tcase_add_test(tc, test_spool_of_before_chains);
	tcase_add_test(tc, test_sigkill_at_random);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(chains_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
