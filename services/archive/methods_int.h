/*
 * methods_int.h - what the archive's RPC files (methods.c,
 * methods_registry.c) share and nothing else uses. Its names carry a
 * double underscore (methods__reply_rc), as Mosquitto marks a module's
 * internal names, so a use from outside the module shows.
 */
#ifndef AMR_ARCHIVE_METHODS_INT_H
#define AMR_ARCHIVE_METHODS_INT_H

#include <jansson.h>

#include "jv.h"
#include "registry.h"
#include "rpc.h"

#define METHODS__MAX_TIME (1LL << 40) /* bound of every time argument, UTC s */

/* Answer req with the error of rc, its code from lib/rpc_code.h's table
 * (rpc_reply_rc()), the message from err when it has one; what names the
 * call. */
void methods__reply_rc(rpc_req *req, int rc, const struct jv_err *err, const char *what);

/* The channel id in args' field (required, obj.addr.ch) into *k. */
int methods__channel_arg(const json_t *args, const char *field, struct proto_id *k,
			 struct jv_err *err);

/* Publish rec (borrowed), an audit record already stored, on amr/v1/audit;
 * a failure is logged (the record is stored). */
struct methods;
void methods__publish_audit(struct methods *a, const json_t *rec);

#endif
