#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "tzone.h"

static char zone[64] = "UTC";

amr_err tzone_set(const char *tz)
{
	char path[160];
	FILE *f;

	if (strlen(tz) >= sizeof zone || strstr(tz, "..")) {
		log_error("time zone %.80s: not a zone name", tz);
		return AMR_EINVAL;
	}
	if (strcmp(tz, "UTC") != 0 && strcmp(tz, "Etc/UTC") != 0) {
		snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
		if (!(f = fopen(path, "r"))) {
			log_error("time zone %s: not in /usr/share/zoneinfo", tz);
			return AMR_EINVAL;
		}
		fclose(f);
	}
	if (setenv("TZ", tz, 1) != 0) {
		log_error("time zone %s: cannot set TZ", tz);
		return AMR_EINVAL;
	}
	tzset();
	snprintf(zone, sizeof zone, "%s", tz);
	return AMR_OK;
}

const char *tzone_name(void)
{
	return zone;
}

char *tzone_iso(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	long off;

	if (!localtime_r(&tt, &tm)) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	off = tm.tm_gmtoff;
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
		 labs(off) / 3600, labs(off) % 3600 / 60);
	return buf;
}
