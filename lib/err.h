/*
 * err.h - the one error enum of libamr.
 *
 * Every libamr function that can fail returns an amr_err: 0 is success, the
 * rest name what went wrong. Paho, LMDB and jansson codes are converted where
 * they enter our code, and the failing function logs the detail once.
 */
#ifndef AMR_ERR_H
#define AMR_ERR_H

typedef enum amr_err {
	AMR_OK = 0,
	AMR_ENOMEM,    /* allocation failed */
	AMR_EINVAL,    /* bad argument or bad input from outside */
	AMR_EIO,       /* a read, write, fsync or socket call failed */
	AMR_ENOTFOUND, /* no such key, channel, object, method */
	AMR_EEXIST,    /* already there (duplicate id, key) */
	AMR_ETIMEDOUT, /* no answer within the deadline */
	AMR_EMQ,       /* the MQTT client library refused or failed */
	AMR_EDB,       /* LMDB failed */
	AMR_EFULL,     /* a bounded queue, spool or buffer is full */
	AMR_ESTATE,    /* not allowed in the current state (not connected, stopped) */
	AMR_EPROTO,    /* a peer broke the protocol (bad reply, bad frame) */
	AMR_ERR_MAX
} amr_err;

/* A short English description of e; never NULL, static storage. */
const char *amr_strerror(int e);

#endif
