/* One runner for the libamr unit suites. */
#include <check.h>
#include <stdlib.h>

Suite *config_suite(void);
Suite *jv_suite(void);
Suite *kv_suite(void);
Suite *log_suite(void);
Suite *loop_suite(void);
Suite *metrics_suite(void);
Suite *mq_suite(void);
Suite *proto_suite(void);
Suite *units_suite(void);
Suite *jflat_suite(void);
Suite *rpc_code_suite(void);
Suite *rpc_file_suite(void);
Suite *utf8_suite(void);
Suite *tzone_suite(void);
Suite *csvfield_suite(void);
Suite *telemetry_suite(void);

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_add_suite(sr, jv_suite());
	srunner_add_suite(sr, kv_suite());
	srunner_add_suite(sr, log_suite());
	srunner_add_suite(sr, loop_suite());
	srunner_add_suite(sr, metrics_suite());
	srunner_add_suite(sr, mq_suite());
	srunner_add_suite(sr, proto_suite());
	srunner_add_suite(sr, units_suite());
	srunner_add_suite(sr, jflat_suite());
	srunner_add_suite(sr, rpc_code_suite());
	srunner_add_suite(sr, rpc_file_suite());
	srunner_add_suite(sr, utf8_suite());
	srunner_add_suite(sr, tzone_suite());
	srunner_add_suite(sr, csvfield_suite());
	srunner_add_suite(sr, telemetry_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
