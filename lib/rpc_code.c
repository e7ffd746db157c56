#include <string.h>

#include "err.h"
#include "rpc_code.h"

static const struct row {
	const char *code; /* on the wire */
	amr_err err;	  /* what it reads back as */
} rows[] = {
	{ "bad_request", AMR_EINVAL },	     /* the arguments; the message names the field */
	{ "not_found", AMR_ENOTFOUND },	     /* no such channel, object, command */
	{ "unknown_method", AMR_ENOTFOUND }, /* the service has no such method */
	{ "conflict", AMR_ESTATE },	     /* not now: exists, running, changed */
	{ "forbidden", AMR_EPERM },	     /* not for this caller */
	{ "too_large", AMR_EFULL },	     /* the answer would not fit a message */
	{ "unavailable", AMR_ETIMEDOUT },    /* a service this one needs is silent */
	{ "internal", AMR_EIO },	     /* the server failed */
	/* Made by the caller, never sent. */
	{ "timeout", AMR_ETIMEDOUT },  /* no answer within the caller's timeout */
	{ "bad_answer", AMR_EPROTO },  /* the answer could not be read */
	{ "shutdown", AMR_ESTATE },    /* the caller stopped waiting: it is closing */
	{ "interrupted", AMR_ESTATE }, /* a waiting call was stopped by a signal */
};

#define NROWS (sizeof rows / sizeof rows[0])

const char *rpc_code_name(amr_err err)
{
	if (err == AMR_EEXIST)
		err = AMR_ESTATE;
	for (size_t i = 0; i < NROWS; i++)
		if (rows[i].err == err)
			return rows[i].code;
	return "internal";
}

amr_err rpc_code_parse(const char *code)
{
	for (size_t i = 0; code && i < NROWS; i++)
		if (strcmp(rows[i].code, code) == 0)
			return rows[i].err;
	return AMR_EPROTO;
}

const char *rpc_code_row(size_t i, amr_err *err)
{
	if (i >= NROWS)
		return NULL;
	*err = rows[i].err;
	return rows[i].code;
}
