#include "err.h"

static const char *const texts[AMR_ERR_END - AMR_ERR_BASE] = {
	[0] = "success",
	[AMR_ENOMEM - AMR_ERR_BASE] = "out of memory",
	[AMR_EINVAL - AMR_ERR_BASE] = "invalid argument",
	[AMR_EIO - AMR_ERR_BASE] = "input/output error",
	[AMR_ENOTFOUND - AMR_ERR_BASE] = "not found",
	[AMR_EEXIST - AMR_ERR_BASE] = "already exists",
	[AMR_ETIMEDOUT - AMR_ERR_BASE] = "timed out",
	[AMR_EMQ - AMR_ERR_BASE] = "MQTT client error",
	[AMR_EDB - AMR_ERR_BASE] = "database error",
	[AMR_EFULL - AMR_ERR_BASE] = "full",
	[AMR_ESTATE - AMR_ERR_BASE] = "not allowed in this state",
	[AMR_EPROTO - AMR_ERR_BASE] = "protocol error",
	[AMR_EPERM - AMR_ERR_BASE] = "not permitted",
};

const char *amr_strerror(int e)
{
	if (e == AMR_OK)
		return texts[0];
	if (e <= AMR_ERR_BASE || e >= AMR_ERR_END || !texts[e - AMR_ERR_BASE])
		return "unknown error";
	return texts[e - AMR_ERR_BASE];
}
