/* The suites of the test_web runner. */
#ifndef TEST_WEB_H
#define TEST_WEB_H

#include <check.h>

#include <jansson.h>

#include "view.h"

Suite *web_route_suite(void);
Suite *web_auth_suite(void);
Suite *web_view_suite(void);
Suite *web_scope_suite(void);
Suite *web_tscope_suite(void);
Suite *web_outputs_suite(void);

/* text parsed (the test fails when it does not parse), freed by
 * web_test_pool_free(), the suites' teardown. */
json_t *web_test_json(const char *text);
void web_test_pool_free(void);

/* A new view with the test settings (300 s fresh, 8 objects). */
view *web_test_view(void);

#endif
