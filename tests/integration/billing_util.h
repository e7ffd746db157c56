/*
 * billing_util.h - what the amr-billing integration tests share: starting
 * amr-billing, calling its methods over the harness's probe, refusals
 * checked by code and message, its metrics and the archive's audit
 * records of a target.
 *
 * Every function asserts (Check) on failure instead of returning an error.
 */
#ifndef AMR_TEST_BILLING_UTIL_H
#define AMR_TEST_BILLING_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "harness.h"

/* The fields of an organisation whose ИНН, КПП and accounts are right. */
#define BIL_ORG                                                                                            \
	"\"name\":\"ТСЖ «Берёзка»\",\"inn\":\"7707083893\",\"kpp\":\"773601001\","             \
	"\"account\":\"40703810538000001234\",\"bank\":\"ПАО Сбербанк\",\"bik\":\"044525225\"," \
	"\"corr_account\":\"30101810400000000225\""

/* Spawn amr-billing with args (NULL-terminated, may be NULL) and wait for
 * its online status (the inbox is cleared first). Returns its pid. */
pid_t bil_start(struct harness *h, const char *const *args);

/* billing/<method> with args (JSON text): the result (new), or NULL with
 * the error's message in msg (when not NULL); when want_code is given the
 * call must fail with that code, else it must succeed. */
json_t *bil_call(struct harness *h, const char *method, const char *args, const char *want_code,
		 char *msg, size_t size);

/* Create a record of kind with fields (JSON members, without braces) by
 * "accountant": its id. */
long long bil_create(struct harness *h, const char *kind, const char *fields);

/* The call is refused with code and a message starting with want. */
void bil_refused(struct harness *h, const char *method, const char *args, const char *code,
		 const char *want);

/* The sample of metric name (with its labels, if any) in billing/metrics;
 * -1 when absent. */
long long bil_metric(struct harness *h, const char *name);

/* The archive's audit records of target once it holds n of them (or what
 * it holds after 5 s): a new {"records":[..]}. */
json_t *bil_audit_records(struct harness *h, const char *target, size_t n);

#endif
