/*
 * remote.h - commands from the server on amr/v1/gw/{obj}/cmd.
 *
 *   {"id":"..","cmd":"block","addr":5,"out":2,"expires":T}
 *   {"id":"..","cmd":"unblock","addr":5,"out":2}
 *   {"id":"..","cmd":"zero","addr":5,"ch":1}
 *   {"id":"..","cmd":"console","line":"show addr"}
 *
 * Each is answered on .../cmd/result with {"id","ok":true,"output":".."} or
 * {"id","ok":false,"error":".."}. A command past its "expires" is refused;
 * an id already executed gets the recorded answer again (cmdlog.h) and is
 * not executed twice. Block and unblock answer after the output was read
 * back from the device. Unknown fields and bad values are refused.
 */
#ifndef GW_REMOTE_H
#define GW_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cmdlog.h"
#include "console.h"
#include "settings.h"

typedef struct remote remote;

struct remote_opts {
	cmdlog *log;					 /* executed ids (borrowed) */
	struct gw_settings *settings;			 /* borrowed */
	const struct console_ops *ops;			 /* borrowed */
	int (*publish)(void *ctx, const json_t *answer); /* on .../cmd/result */
	void (*restart)(void *ctx);			 /* after a "reset" was answered */
	int64_t (*now)(void);				 /* Unix seconds */
	void *ctx;
};

int remote_create(remote **out, const struct remote_opts *o);
void remote_destroy(remote *r);

/* Handle one message payload. */
void remote_handle(remote *r, const char *payload, size_t len);

#endif
