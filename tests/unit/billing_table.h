/*
 * billing_table.h - the table-driven cases of billing's unit tests: one
 * JSON object a line in tests/unit/billing_cases/<name> (lines not
 * starting with '{' are comments), each handed to a function that asserts.
 */
#ifndef AMR_TEST_BILLING_TABLE_H
#define AMR_TEST_BILLING_TABLE_H

#include <jansson.h>

/* Run fn on every case of tests/unit/billing_cases/<name> (under
 * $AMR_SRC_DIR); asserts the file opens and has at least min cases. */
void billing_table_run(const char *name, void (*fn)(json_t *c), int min);

/* The case's "case" text, for messages (borrowed). */
const char *billing_table_name(const json_t *c);

#endif
