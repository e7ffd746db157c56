/*
 * svc_dir.c - where a program keeps its files by default.
 *
 * Apart from svc.c so that programs without a broker connection (amr-sim)
 * link it without the MQTT client.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "log.h"
#include "svc.h"

amr_err svc_data_dir(char *buf, size_t size, const char *leaf)
{
	const char *base = getenv("AMR_DATA_DIR");
	int n;

	if (!base || !*base)
		base = SVC_DATA_DIR_DEFAULT;
	if (mkdir(base, 0750) != 0 && errno != EEXIST)
		log_warn("cannot create %s: %s", base, strerror(errno));
	n = snprintf(buf, size, "%s/%s", base, leaf);
	if (n < 0 || (size_t)n >= size) {
		log_error("data directory %s/%s: path too long", base, leaf);
		return AMR_EINVAL;
	}
	return AMR_OK;
}
