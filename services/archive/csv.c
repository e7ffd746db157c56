/* csv.c - a series answer as CSV text (csv.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "csvfield.h"
#include "tzone.h"

char *csv_series(const json_t *series, const tzone_rules *z)
{
	const json_t *points = json_object_get(series, "points"), *pt;
	const char *chan = json_string_value(json_object_get(series, "channel"));
	const char *unit = json_string_value(json_object_get(series, "unit"));
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;

	if (!json_is_array(points) || !chan || !unit)
		return NULL;
	if (!(f = open_memstream(&text, &len)))
		return NULL;
	fputs("channel,unit,t,time_utc,time_local,pulses,quantity\n", f);
	json_array_foreach(points, i, pt) {
		json_int_t t = json_integer_value(json_object_get(pt, "t"));
		const char *q = json_string_value(json_object_get(pt, "quantity"));
		time_t tt = (time_t)t;
		char iso[32], local[TZONE_ISO_LEN];
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
		csvfield_put(f, chan);
		fputc(',', f);
		csvfield_put(f, unit);
		fprintf(f, ",%lld,%s,%s,%lld,", (long long)t, iso,
			tzone_iso_in(z, t, local, sizeof local),
			(long long)json_integer_value(json_object_get(pt, "pulses")));
		csvfield_put(f, q ? q : "");
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
