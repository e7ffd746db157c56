/* Runner of the amr-web unit suites. */
#include <check.h>
#include <stdlib.h>

#include <sodium.h>

#include "test_web.h"

int main(void)
{
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	sr = srunner_create(web_route_suite());
	srunner_add_suite(sr, web_auth_suite());
	srunner_add_suite(sr, web_view_suite());
	srunner_add_suite(sr, web_outputs_suite());
	srunner_add_suite(sr, web_scope_suite());
	srunner_add_suite(sr, web_tscope_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
