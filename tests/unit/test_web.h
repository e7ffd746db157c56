/* The suites of the test_web runner. */
#ifndef TEST_WEB_H
#define TEST_WEB_H

#include <check.h>

Suite *web_route_suite(void);
Suite *web_auth_suite(void);
Suite *web_view_suite(void);
Suite *web_scope_suite(void);

#endif
