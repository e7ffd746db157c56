/*
 * The archive's disk and LMDB map full (issue 18, docs/reliability.md,
 * "Faults: disk and power"), with the real pipeline: amr-sim (pulses
 * injected by the test) -> amr-gateway -> Mosquitto -> amr-ingest ->
 * amr-archive, all on the test's loopback (netstack.h).
 *
 * disk_full: the archive's data directory is a small tmpfs, filled with a
 * ballast file while the gateway sends. map_full: the archive runs with
 * --max-map-mb=1 and the test fills the map from its own process (LMDB
 * takes writers of several processes) with a ballast database.
 *
 * Either way the archive must refuse (commits fail), say so (log, the
 * gauge amr_archive_store_refusing, "problem" in its retained status),
 * acknowledge nothing it did not store, so the gateway keeps the batches
 * in its spool, and store them all once space returns (the ballast
 * deleted; a larger --max-map-mb and the archive growing its map itself).
 * Then pulse conservation against the simulator's totals.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_util.h"
#include "netstack.h"

#define DEVICES 4

static struct netstack s;
static char disk[300];		       /* the tmpfs, "" when not mounted */
static char data_dir[420], map_mb[64]; /* the archive's --data-dir, --max-map-mb */

/* Check's teardown does not run after a failed check (the forked test
 * exits), atexit handlers do: the tmpfs goes either way. Lazy, as the
 * archive may still hold its files open until it is killed. */
static void unmount(void)
{
	char cmd[400];

	if (!disk[0])
		return;
	snprintf(cmd, sizeof cmd, "umount -l '%s'", disk);
	if (system(cmd) != 0)
		fprintf(stderr, "teardown: %s failed\n", cmd);
	disk[0] = '\0';
}

static void setup(void)
{
	ck_assert_int_eq(atexit(unmount), 0);
	ns_setup(&s, NULL);
	disk[0] = '\0';
}

static void teardown(void)
{
	unmount();
	ns_teardown(&s);
}

/* The archive's options for the next ns_start() or ns_archive(): its data
 * in dir, its map at most max_map MiB. */
static void archive_in(const char *dir, const char *max_map)
{
	snprintf(data_dir, sizeof data_dir, "--data-dir=%s", dir);
	snprintf(map_mb, sizeof map_mb, "--max-map-mb=%s", max_map);
	s.arc_extra[0] = data_dir;
	s.arc_extra[1] = map_mb;
}

/* The pipeline with the archive's options set, meters of injected pulses
 * only at speed 1, the gateway's first 3 batches stored. */
static void start(void)
{
	s.profile = "none";
	ns_start(&s, DEVICES, "1");
	ns_consume(&s, 3);
}

static long long refusing(void)
{
	return harness_metric(&s.h, "archive", "amr_archive_store_refusing");
}

/* The gateway's last "gw: batch seq=N stored, P pending" log line. */
static void gw_last(unsigned long long *seq, unsigned *pending)
{
	char path[400], line[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/amr-gateway.log", s.h.dir);
	*seq = 0;
	*pending = 0;
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof line, f)) {
		const char *b = strstr(line, "gw: batch seq=");

		if (b)
			sscanf(b, "gw: batch seq=%llu stored, %u pending", seq, pending);
	}
	fclose(f);
}

/* The retained message on topic (malloc'd), as mosquitto_sub shows it. */
static char *retained(const char *topic)
{
	char cmd[300];
	int status;
	char *out;

	snprintf(cmd, sizeof cmd,
		 "mosquitto_sub -h 127.0.0.1 -p \"$AMR_MQTT_PORT\" -t '%s' -C 1 -W 5", topic);
	out = harness_run(&s.h, cmd, &status);
	ck_assert_msg(out && status == 0, "no retained message on %s", topic);
	return out;
}

/* The seq of the archive's retained ack for object 1. */
static unsigned long long retained_ack(void)
{
	unsigned long long seq = 0;
	char *out = retained("amr/v1/gw/1/ack");

	ck_assert_msg(sscanf(out, "{\"seq\":%llu}", &seq) == 1, "ack: %s", out);
	free(out);
	return seq;
}

/* The archive's retained status says it can work: no "problem". */
static void status_clear(void)
{
	char *out = retained("amr/v1/svc/archive/status");

	ck_assert_msg(strstr(out, "\"online\":true") && !strstr(out, "problem"), "status %s", out);
	free(out);
}

/* The archive refuses: wait for it while the building consumes, then
 * check it says so and acknowledges nothing while the gateway goes on. */
static void expect_refusal(long mark, const char *why)
{
	unsigned long long hwm, seq, ack;
	unsigned pending;
	long since;
	char *m;

	HARNESS_POLL_UNTIL(ns_pulse(&s) && refusing() == 1, 120000);
	ck_assert_msg(refusing() == 1, "the archive never refused a commit");
	ck_assert_int_ge(harness_log_count(&s.h, "amr-archive", mark, "store refuses writes"), 1);
	ck_assert_int_ge(harness_log_count(&s.h, "amr-archive", mark, why), 1);
	m = harness_wait_message(&s.h, "amr/v1/svc/archive/status", "\"problem\"", 10000);
	ck_assert_msg(m != NULL, "the archive's status does not say it refuses");
	fprintf(stderr, "status while refusing: %s\n", m);
	free(m);
	ck_assert_int_gt(harness_metric(&s.h, "archive", "amr_archive_commit_failures_total"), 0);
	/* While it refuses, the gateway's batches go unacknowledged and stay
	 * in its spool while it makes five more. */
	since = harness_log_mark(&s.h, "amr-archive");
	hwm = arc_hwm(&s.h, 1);
	ns_consume(&s, 5);
	ck_assert_int_eq(harness_barrier(&s.h, "archive", 5000), 0);
	gw_last(&seq, &pending);
	ack = retained_ack();
	fprintf(stderr,
		"refusing: archive mark %llu, its ack %llu, gateway at seq %llu with %u pending, "
		"%lld commits failed\n",
		hwm, ack, seq, pending,
		harness_metric(&s.h, "archive", "amr_archive_commit_failures_total"));
	ck_assert_msg(ack <= arc_hwm(&s.h, 1), "ack %llu above the stored mark", ack);
	/* a commit that fits in pages LMDB freed may go in, and is acked */
	if (harness_log_count(&s.h, "amr-archive", since, "store takes writes again") == 0) {
		ck_assert_msg(arc_hwm(&s.h, 1) == hwm, "the mark moved while refusing");
		ck_assert_uint_ge(pending, 5);
		ck_assert_uint_ge(seq, hwm + 5);
	}
}

/* Space is back: the archive takes the gateway's spool and says so. */
static void expect_recovery(long mark)
{
	HARNESS_POLL_UNTIL(ns_pulse(&s) && refusing() == 0, 60000);
	ck_assert_msg(refusing() == 0, "the archive still refuses");
	ns_consume(&s, 3);
	ck_assert_int_eq(harness_barrier(&s.h, "archive", 5000), 0);
	ck_assert_int_eq(refusing(), 0);
}

/* Fill the file system of dir: a ballast file written until ENOSPC.
 * Returns the bytes written. */
static long long fill(const char *path)
{
	static char chunk[16384];
	long long total = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	memset(chunk, 0xa5, sizeof chunk);
	while ((n = write(fd, chunk, sizeof chunk)) > 0)
		total += n;
	ck_assert_msg(n < 0 && errno == ENOSPC, "ballast: %s", strerror(errno));
	/* what is left is less than a chunk: take it in bytes */
	while (write(fd, chunk, 1) == 1)
		total++;
	close(fd);
	return total;
}

START_TEST(disk_full_refuses_then_resumes_without_loss)
{
	char dir[400], ballast[400], cmd[400];
	long mark;
	long long bytes;
	int status;
	char *out;

	snprintf(disk, sizeof disk, "%s/disk", s.h.dir);
	ck_assert_int_eq(mkdir(disk, 0700), 0);
	snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=4m amr-fault-disk '%s'", disk);
	out = harness_run(&s.h, cmd, &status);
	free(out);
	if (status != 0)
		disk[0] = '\0';
	ck_assert_msg(status == 0, "%s failed (root needed)", cmd);
	snprintf(dir, sizeof dir, "%s/archive", disk);
	snprintf(ballast, sizeof ballast, "%s/ballast", disk);

	archive_in(dir, "1048576");
	start();

	mark = harness_log_mark(&s.h, "amr-archive");
	bytes = fill(ballast);
	fprintf(stderr, "ballast: %lld bytes fill the 4 MiB tmpfs\n", bytes);
	expect_refusal(mark, "No space left on device");

	mark = harness_log_mark(&s.h, "amr-archive");
	ck_assert_int_eq(unlink(ballast), 0);
	expect_recovery(mark);
	ck_assert_int_ge(harness_log_count(&s.h, "amr-archive", mark, "store takes writes again"),
			 1);
	status_clear();
	ns_conserved(&s, "disk full", 60000);
}
END_TEST

/* Fill the map of the environment in dir, as the running archive has it
 * (mapsize bytes), with a ballast database: values of shrinking size,
 * each put in its own transaction, until even the smallest does not fit.
 * Returns the bytes put. */
static long long fill_map(const char *dir, size_t mapsize)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	static char value[2048];
	long long total = 0;
	unsigned long key = 0;
	int rc;

	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_set_maxdbs(env, 64), 0);
	/* the archive's size, so that the meta the test writes keeps it */
	ck_assert_int_eq(mdb_env_set_mapsize(env, mapsize), 0);
	ck_assert_int_eq(mdb_env_open(env, dir, 0, 0640), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, "fault_ballast", MDB_CREATE, &dbi), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	memset(value, 0x5a, sizeof value);
	for (size_t len = sizeof value; len >= 16; len /= 2) {
		for (;;) {
			MDB_val k = { sizeof key, &key }, v = { len, value };

			ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
			key++;
			rc = mdb_put(txn, dbi, &k, &v, 0);
			if (rc == 0)
				rc = mdb_txn_commit(txn);
			else
				mdb_txn_abort(txn);
			if (rc == MDB_MAP_FULL)
				break;
			ck_assert_msg(rc == 0, "ballast put: %s", mdb_strerror(rc));
			total += (long long)len;
		}
	}
	mdb_env_close(env);
	return total;
}

START_TEST(map_full_refuses_then_grows_without_loss)
{
	char dir[400];
	long mark;
	long long bytes, map;

	snprintf(dir, sizeof dir, "%s/arcmap", s.h.dir);
	archive_in(dir, "1");
	start();

	mark = harness_log_mark(&s.h, "amr-archive");
	map = harness_metric(&s.h, "archive", "amr_archive_map_bytes");
	ck_assert_int_eq(map, 1 << 20);
	bytes = fill_map(dir, (size_t)map);
	fprintf(stderr, "ballast: %lld bytes fill the 1 MiB map\n", bytes);
	expect_refusal(mark, "map is full at 1048576 bytes");

	/* The operator raises the limit: the archive's map is larger at once. */
	harness_kill(&s.h, s.archive, SIGTERM);
	mark = harness_log_mark(&s.h, "amr-archive");
	archive_in(dir, "4");
	ns_archive(&s);
	expect_recovery(mark);
	ck_assert_int_gt(harness_metric(&s.h, "archive", "amr_archive_map_bytes"), 1 << 20);
	status_clear();
	ns_conserved(&s, "map full", 60000);
	fprintf(stderr, "map now %lld bytes, %lld used\n",
		harness_metric(&s.h, "archive", "amr_archive_map_bytes"),
		harness_metric(&s.h, "archive", "amr_archive_map_used_bytes"));
}
END_TEST

int main(void)
{
	Suite *su = suite_create("fault_disk");
	TCase *tc = tcase_create("full");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, disk_full_refuses_then_resumes_without_loss);
	tcase_add_test(tc, map_full_refuses_then_grows_without_loss);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
