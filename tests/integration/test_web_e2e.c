/*
 * The portal end to end in a real browser: Mosquitto, amr-archive,
 * amr-ingest, amr-web, amr-sim (4 UO-4) and amr-gateway (object 1), then
 * deploy/demo-registry.sh describes the demo building (labels, m3, kWh)
 * once the archive has its channels, and tests/e2e/portal.test.js drives
 * headless chromium (playwright-core) through every page (sign-in, the
 * demo building's status with a live value change from the simulator, its
 * archive chart and the downloaded CSV, on-line view, registry rename, gateway console, services, users, English,
 * the operator's role, an operator blocking and unblocking output 1 of a
 * simulated UO-4, the audit trail) and saves screenshots in
 * $AMR_BIN_DIR/../e2e/.
 *
 * Needs chromium and node (deploy/install-deps.sh) and the npm packages of
 * tests/e2e (installed here with `npm ci` when node_modules is missing).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "test_web_util.h"

static struct webt t;

START_TEST(portal_in_chromium)
{
	const char *src = getenv("AMR_SRC_DIR") ? getenv("AMR_SRC_DIR") : ".";
	const char *bin = getenv("AMR_BIN_DIR") ? getenv("AMR_BIN_DIR") : "build/bin";
	char cmd[4096], bus[600], sim_state[600], ctl[600], port[16], out[600];
	char *output;
	int status;

	ck_assert_msg(access("/usr/bin/chromium", X_OK) == 0,
		      "chromium is missing: deploy/install-deps.sh");
	snprintf(cmd, sizeof cmd,
		 "test -d %s/tests/e2e/node_modules/playwright-core || "
		 "npm ci --prefix %s/tests/e2e --no-audit --no-fund >/dev/null 2>&1; "
		 "test -d %s/tests/e2e/node_modules/playwright-core",
		 src, src, src);
	output = harness_run(&t.h, cmd, &status);
	free(output);
	ck_assert_msg(status == 0, "npm ci in tests/e2e failed (node and npm needed)");

	snprintf(bus, sizeof bus, "%s/bus", t.h.dir);
	snprintf(sim_state, sizeof sim_state, "%s/sim", t.h.dir);
	snprintf(ctl, sizeof ctl, "%s/sim.sock", t.h.dir);
	ck_assert(harness_spawn(&t.h, "amr-sim",
				(const char *[]){ "--bus", bus, "--devices", "4", "--speed", "60",
						  "--control", ctl, "--state", sim_state, NULL }) >
		  0);
	for (int i = 0; i < 50 && access(bus, F_OK) != 0; i++)
		harness_sleep_ms(100);
	snprintf(port, sizeof port, "%d", harness_free_port());
	ck_assert(harness_spawn(&t.h, "amr-gateway",
				(const char *[]){ "--obj", "1", "--serial", bus, "--poll", "1-4",
						  "--batch-interval", "1", "--console-port", port,
						  NULL }) > 0);
	free(harness_wait_message(&t.h, "amr/v1/gw/1/status", "\"online\":true", 10000));
	/* billing as make run starts it (notify runs in every web stack,
	 * test_web_util.c): the services page says what each serves */
	/* restrictions: a paid debt is looked at every 2 s, not 10 */
	ck_assert(harness_spawn(&t.h, "amr-billing",
				(const char *[]){ "--restrict-poll", "2", NULL }) > 0);
	/* the demo registry once the archive has stored readings of every device */
	for (int i = 0; i < 4; i++) {
		char needle[32];

		snprintf(needle, sizeof needle, "\"addr\":%d,", i + 1);
		free(harness_wait_message(&t.h, "amr/v1/readings/1", needle, 15000)
			     ?: (ck_abort_msg("no readings of device %d of object 1", i + 1),
				 NULL));
	}
	/* ... and has registered their channels, which the script describes */
	for (int a = 1; a <= 4; a++) {
		for (int c = 1; c <= 4; c++) {
			char args[48], *ans = NULL;

			snprintf(args, sizeof args, "{\"id\":\"1.%d.%d\"}", a, c);
			for (int i = 0; i < 100; i++) {
				free(ans);
				ans = harness_rpc(&t.h, "archive/registry.get", args, 5000);
				if (ans && strstr(ans, "\"ok\":true"))
					break;
				harness_sleep_ms(100);
			}
			ck_assert_msg(ans && strstr(ans, "\"ok\":true"), "channel 1.%d.%d: %s", a,
				      c, ans ? ans : "no answer");
			free(ans);
		}
	}
	snprintf(cmd, sizeof cmd, "AMRCTL=%s/amrctl %s/deploy/demo-registry.sh 4 2>&1", bin, src);
	output = harness_run(&t.h, cmd, &status);
	ck_assert_msg(status == 0, "demo-registry.sh: %s", output ? output : "");
	free(output);

	snprintf(out, sizeof out, "%s/../e2e", bin);
	snprintf(
		cmd, sizeof cmd,
		"cd %s && AMR_WEB_URL=http://127.0.0.1:%d AMR_ADMIN_PASSWORD='%s' "
		"AMR_MQTT_PORT=%d AMR_E2E_OUT='%s' AMR_SIM_CTL='%s' AMR_DEMO_OBJ=1 timeout 200 node "
		"tests/e2e/portal.test.js 2>&1",
		src, t.http_port, t.admin_pw, t.h.mqtt_port, out, ctl);
	output = harness_run(&t.h, cmd, &status);
	fprintf(stderr, "%s", output ? output : "");
	if (status != 0)
		harness_dump_logs(&t.h);
	ck_assert_msg(status == 0, "portal.test.js failed:\n%s", output ? output : "");
	free(output);
}
END_TEST

static void setup(void)
{
	webt_start(&t, NULL);
}

static void teardown(void)
{
	webt_stop(&t);
}

int main(void)
{
	Suite *s = suite_create("web_e2e");
	TCase *tc = tcase_create("browser");
	SRunner *sr;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, portal_in_chromium);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
