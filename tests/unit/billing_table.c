/*
 * billing_table.c - reads billing's case tables. See billing_table.h.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "billing_table.h"

void billing_table_run(const char *name, void (*fn)(const json_t *c), int min)
{
	const char *src = getenv("AMR_SRC_DIR");
	char path[512], *line = NULL;
	size_t cap = 0;
	int cases = 0, lineno = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/unit/billing_cases/%s", src ? src : ".", name);
	ck_assert_msg((f = fopen(path, "r")) != NULL, "cannot open %s (set AMR_SRC_DIR)", path);
	while (getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *c;

		lineno++;
		if (line[0] != '{')
			continue;
		c = json_loads(line, 0, &je);
		ck_assert_msg(c != NULL, "%s:%d: %s", path, lineno, je.text);
		fn(c);
		json_decref(c);
		cases++;
	}
	free(line);
	fclose(f);
	ck_assert_int_ge(cases, min);
}

const char *billing_table_name(const json_t *c)
{
	const char *s = json_string_value(json_object_get(c, "case"));

	return s ? s : "?";
}
