/*
 * err.h - the one error enum of libamr.
 *
 * Every libamr function that can fail returns an amr_err: 0 is success, the
 * rest name what went wrong. The codes live in their own range, above
 * AMR_ERR_BASE, so that none can be mistaken for an errno value (positive,
 * below 4096) or an LMDB code (negative): LMDB also returns errno values,
 * and a commit's EIO once came back as "already exists". Paho, LMDB, errno
 * and jansson codes are converted where they enter our code (kv_err() for
 * LMDB and errno), and the failing function logs the detail once.
 */
#ifndef AMR_ERR_H
#define AMR_ERR_H

#include <stdbool.h>

#define AMR_ERR_BASE 10000

typedef enum amr_err {
	AMR_OK = 0,
	AMR_ENOMEM = AMR_ERR_BASE + 1, /* allocation failed */
	AMR_EINVAL,		       /* bad argument or bad input from outside */
	AMR_EIO,		       /* a read, write, fsync or socket call failed */
	AMR_ENOTFOUND,		       /* no such key, channel, object, method */
	AMR_EEXIST,		       /* already there (duplicate id, key) */
	AMR_ETIMEDOUT,		       /* no answer within the deadline */
	AMR_EMQ,		       /* the MQTT client library refused or failed */
	AMR_EDB,		       /* LMDB failed */
	AMR_EFULL,		       /* a bounded queue, spool or buffer is full */
	AMR_ESTATE, /* not allowed in the current state (not connected, stopped) */
	AMR_EPROTO, /* a peer broke the protocol (bad reply, bad frame) */
	AMR_EPERM,  /* not permitted for this caller (role, scope) */
	AMR_ERR_END /* one past the last code */
} amr_err;

/* True when rc is one of ours (AMR_OK included), not errno's or LMDB's. */
static inline bool amr_is_err(int rc)
{
	return rc == AMR_OK || (rc > AMR_ERR_BASE && rc < AMR_ERR_END);
}

/* A short English description of e (an amr_err; anything else is "unknown
 * error"); never NULL, static storage. */
const char *amr_strerror(int e);

#endif
