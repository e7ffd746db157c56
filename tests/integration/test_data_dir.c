/*
 * Where each program keeps its files by default (svc_data_dir): under
 * $AMR_DATA_DIR, and under ./var when AMR_DATA_DIR is unset or empty, never
 * at the root of the file system (an empty AMR_DATA_DIR once gave /ingest
 * and /sim).
 */
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static struct harness h;
static char cwd[PATH_MAX], here[PATH_MAX];

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	ck_assert_ptr_nonnull(getcwd(here, sizeof here));
	snprintf(cwd, sizeof cwd, "%s/cwd", h.dir);
	ck_assert_int_eq(mkdir(cwd, 0750), 0);
	ck_assert_int_eq(chdir(cwd), 0);
}

static void teardown(void)
{
	ck_assert_int_eq(chdir(here), 0);
	harness_stop(&h);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Start name with env and args and wait until it has made want (relative to
 * the test's working directory); root is where the old defect put it. */
static void starts_in(const char *name, const char *const *args, const char *env, const char *want,
		      const char *root)
{
	const char *envs[] = { env, NULL };
	bool root_before = exists(root);
	pid_t pid = harness_spawn_env(&h, name, args, env ? envs : NULL);
	int waited;

	ck_assert_int_gt(pid, 0);
	for (waited = 0; waited < 20000 && !exists(want); waited += 20)
		harness_sleep_ms(20);
	harness_kill(&h, pid, SIGTERM);
	if (!root_before && exists(root)) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", root); /* undo the damage */
		ck_assert_int_eq(system(cmd), 0);
		ck_abort_msg("%s (%s) wrote %s at the root", name, env ? env : "no env", root);
	}
	if (!exists(want))
		harness_dump_logs(&h);
	ck_assert_msg(exists(want), "%s (%s) did not make %s/%s", name, env ? env : "no env", cwd,
		      want);
}

static const char *const no_args[] = { NULL };

START_TEST(empty_data_dir_is_var)
{
	const char *sim_args[] = { "--bus", "bus", "--devices", "1", NULL };

	starts_in("amr-ingest", no_args, "AMR_DATA_DIR=", "var/ingest/data.mdb", "/ingest");
	starts_in("amr-archive", no_args, "AMR_DATA_DIR=", "var/archive/data.mdb", "/archive");
	starts_in("amr-sim", sim_args, "AMR_DATA_DIR=", "var/sim", "/sim");
}
END_TEST

START_TEST(data_dir_is_used)
{
	char env[PATH_MAX + 32];
	const char *sim_args[] = { "--bus", "bus", "--devices", "1", NULL };

	snprintf(env, sizeof env, "AMR_DATA_DIR=%s/data", cwd);
	starts_in("amr-ingest", no_args, env, "data/ingest/data.mdb", "/ingest");
	starts_in("amr-sim", sim_args, env, "data/sim", "/sim");
}
END_TEST

static Suite *data_dir_suite(void)
{
	Suite *s = suite_create("data_dir");
	TCase *tc = tcase_create("data_dir");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, empty_data_dir_is_var);
	tcase_add_test(tc, data_dir_is_used);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(data_dir_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
