/* Unit tests of lib/rpc_code.c: the one table between amr_err and the RPC
 * error codes, gone round in both directions. */
#include <check.h>
#include <string.h>

#include "err.h"
#include "rpc_code.h"

/* The wire contract as docs/protocol.md lists it: what each code reads back
 * as, and whether it is the code that err is sent as. */
static const struct {
	const char *code;
	amr_err err;
	int sent_as; /* rpc_code_name(err) is this code */
} wire[] = {
	{ "bad_request", AMR_EINVAL, 1 },	/* sent */
	{ "not_found", AMR_ENOTFOUND, 1 },	/* sent */
	{ "unknown_method", AMR_ENOTFOUND, 0 }, /* sent by lib/rpc itself */
	{ "conflict", AMR_ESTATE, 1 },		/* sent, also for AMR_EEXIST */
	{ "forbidden", AMR_EPERM, 1 },		/* sent */
	{ "too_large", AMR_EFULL, 1 },		/* sent */
	{ "unavailable", AMR_ETIMEDOUT, 1 },	/* sent */
	{ "internal", AMR_EIO, 1 },		/* sent, also for any other err */
	{ "timeout", AMR_ETIMEDOUT, 0 },	/* the caller's own */
	{ "bad_answer", AMR_EPROTO, 1 },	/* the caller's own */
	{ "shutdown", AMR_ESTATE, 0 },		/* the caller's own */
	{ "interrupted", AMR_ESTATE, 0 },	/* the caller's own */
};

static const amr_err every_err[] = { AMR_ENOMEM, AMR_EINVAL,	AMR_EIO,    AMR_ENOTFOUND,
				     AMR_EEXIST, AMR_ETIMEDOUT, AMR_EMQ,    AMR_EDB,
				     AMR_EFULL,	 AMR_ESTATE,	AMR_EPROTO, AMR_EPERM };

START_TEST(every_row_goes_round)
{
	const char *code;
	size_t n = 0;
	amr_err err;

	for (size_t i = 0; (code = rpc_code_row(i, &err)); i++, n++) {
		const char *name = rpc_code_name(err);
		int first = 1;

		/* code -> err, and err -> its code -> the same err */
		ck_assert_int_eq(rpc_code_parse(code), err);
		ck_assert_int_eq(rpc_code_parse(name), err);
		/* each code once; the code err is sent as is its first row */
		for (size_t j = 0; j < i; j++) {
			amr_err e2;
			const char *c2 = rpc_code_row(j, &e2);

			ck_assert_str_ne(c2, code);
			if (e2 == err && first) {
				ck_assert_str_eq(name, c2);
				first = 0;
			}
		}
		if (first)
			ck_assert_str_eq(name, code);
	}
	ck_assert_uint_eq(n, sizeof wire / sizeof wire[0]);
}
END_TEST

START_TEST(the_wire_codes_are_the_documented_ones)
{
	for (size_t i = 0; i < sizeof wire / sizeof wire[0]; i++) {
		ck_assert_msg(rpc_code_parse(wire[i].code) == wire[i].err, "%s reads as %d",
			      wire[i].code, rpc_code_parse(wire[i].code));
		if (wire[i].sent_as)
			ck_assert_str_eq(rpc_code_name(wire[i].err), wire[i].code);
		else
			ck_assert_str_ne(rpc_code_name(wire[i].err), wire[i].code);
	}
}
END_TEST

START_TEST(every_err_has_a_code_that_reads_back)
{
	for (size_t i = 0; i < sizeof every_err / sizeof every_err[0]; i++) {
		amr_err e = every_err[i], back;
		const char *name = rpc_code_name(e);

		ck_assert_ptr_nonnull(name);
		back = rpc_code_parse(name);
		if (e == AMR_EEXIST)
			ck_assert_int_eq(back, AMR_ESTATE); /* "conflict" */
		else if (e == AMR_ENOMEM || e == AMR_EMQ || e == AMR_EDB)
			ck_assert_str_eq(name, "internal");
		else
			ck_assert_msg(back == e, "%s: %s reads back as %d", amr_strerror(e), name,
				      back);
	}
	/* The archive's "a backup is running" (AMR_ESTATE) and lib/rpc's
	 * reading of it agree now. */
	ck_assert_int_eq(rpc_code_parse(rpc_code_name(AMR_ESTATE)), AMR_ESTATE);
}
END_TEST

START_TEST(unknown_codes_and_errs)
{
	amr_err err = AMR_OK;

	ck_assert_int_eq(rpc_code_parse("frobnicated"), AMR_EPROTO);
	ck_assert_int_eq(rpc_code_parse(""), AMR_EPROTO);
	ck_assert_int_eq(rpc_code_parse(NULL), AMR_EPROTO);
	ck_assert_int_eq(rpc_code_parse("NOT_FOUND"), AMR_EPROTO); /* exact */
	ck_assert_str_eq(rpc_code_name(AMR_OK), "internal");
	ck_assert_str_eq(rpc_code_name(123456), "internal");
	ck_assert_str_eq(rpc_code_name(-5), "internal");
	ck_assert_ptr_null(rpc_code_row(1000, &err));
	ck_assert_int_eq(err, AMR_OK); /* untouched */
}
END_TEST

Suite *rpc_code_suite(void)
{
	Suite *s = suite_create("rpc_code");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, every_row_goes_round);
	tcase_add_test(tc, the_wire_codes_are_the_documented_ones);
	tcase_add_test(tc, every_err_has_a_code_that_reads_back);
	tcase_add_test(tc, unknown_codes_and_errs);
	suite_add_tcase(s, tc);
	return s;
}
