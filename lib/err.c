#include "err.h"

static const char *const texts[AMR_ERR_MAX] = {
	[AMR_OK] = "success",
	[AMR_ENOMEM] = "out of memory",
	[AMR_EINVAL] = "invalid argument",
	[AMR_EIO] = "input/output error",
	[AMR_ENOTFOUND] = "not found",
	[AMR_EEXIST] = "already exists",
	[AMR_ETIMEDOUT] = "timed out",
	[AMR_EMQ] = "MQTT client error",
	[AMR_EDB] = "database error",
	[AMR_EFULL] = "full",
	[AMR_ESTATE] = "not allowed in this state",
	[AMR_EPROTO] = "protocol error",
};

const char *amr_strerror(int e)
{
	if (e < 0 || e >= AMR_ERR_MAX || !texts[e])
		return "unknown error";
	return texts[e];
}
