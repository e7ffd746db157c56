/*
 * api_int.h - what the archive's RPC files (api.c, api_registry.c) share.
 */
#ifndef AMR_ARCHIVE_API_INT_H
#define AMR_ARCHIVE_API_INT_H

#include <jansson.h>

#include "jv.h"
#include "registry.h"
#include "rpc.h"

#define API_MAX_TIME (1LL << 40) /* bound of every time argument, UTC s */

/* Answer req with the error of rc (bad_request, not_found, conflict or
 * internal), the message from err when it has one; what names the call. */
void api_reply_rc(rpc_req *req, int rc, const struct jv_err *err, const char *what);

/* The channel id in args' field (required, obj.addr.ch) into *k. */
int api_channel_arg(const json_t *args, const char *field, struct proto_id *k, struct jv_err *err);

#endif
