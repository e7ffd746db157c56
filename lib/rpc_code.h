/*
 * rpc_code.h - the one table between amr_err and the error codes of RPC
 * answers ({"ok":false,"error":{"code":"not_found","message":".."}}; the
 * table is listed in docs/protocol.md).
 *
 * A server that fails with an amr_err answers rpc_code_name(err)
 * (rpc_reply_rc() does it); a caller reads an answer's code back as
 * rpc_code_parse(code), the err its callback gets. Every code reads back as
 * one err; the first row of an err is the code it is sent as, later rows
 * are codes that read back as it too (unknown_method is a not_found).
 * A few codes are made by the caller itself and never travel: timeout,
 * bad_answer, shutdown, interrupted.
 */
#ifndef AMR_RPC_CODE_H
#define AMR_RPC_CODE_H

#include <stddef.h>

#include "err.h"

/* The code err is sent as (static storage, never NULL). AMR_EEXIST is sent
 * as "conflict"; an err with no row of its own (AMR_ENOMEM, AMR_EDB,
 * AMR_EMQ, and AMR_OK, which is no error) as "internal". */
const char *rpc_code_name(amr_err err);

/* The err an answer's code stands for; AMR_EPROTO for NULL or a code the
 * table does not know (the answer cannot be understood). */
amr_err rpc_code_parse(const char *code);

/* Row i of the table, for listing it (tests, help): returns its code and
 * puts its err in *err; NULL past the last row. */
const char *rpc_code_row(size_t i, amr_err *err);

#endif
