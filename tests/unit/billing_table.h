/*
 * billing_table.h - the table-driven cases of billing's unit tests: one
 * JSON object a line in tests/unit/billing_cases/<name> (lines not
 * starting with '{' are comments, so a table can carry its working by
 * hand), each handed to a function that asserts. The one reader of those
 * tables; billing_cases.h reads the values of the debt arithmetic's cases.
 */
#ifndef AMR_TEST_BILLING_TABLE_H
#define AMR_TEST_BILLING_TABLE_H

#include <jansson.h>

/* Run fn on every case (borrowed) of tests/unit/billing_cases/<name>
 * (under $AMR_SRC_DIR); asserts the file opens, each case is JSON (else
 * names the file's line) and there are at least min cases. */
void billing_table_run(const char *name, void (*fn)(const json_t *c), int min);

/* The case's "case" text, for messages (borrowed). */
const char *billing_table_name(const json_t *c);

#endif
