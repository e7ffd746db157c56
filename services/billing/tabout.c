/*
 * tabout.c - a report's table out as a file: the formats and the one entry.
 */
#include <stdlib.h>
#include <string.h>

#include "tabout_int.h"

static const struct {
	const char *name; /* and the file's extension */
	const char *type; /* the media type */
} formats[] = {
	[TABOUT_CSV] = { "csv", "text/csv; charset=utf-8" },
	[TABOUT_XLSX] = { "xlsx",
			  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	[TABOUT_PDF] = { "pdf", "application/pdf" },
};

bool tabout_format_parse(const char *name, enum tabout_format *out)
{
	for (size_t i = 0; name && i < sizeof formats / sizeof formats[0]; i++)
		if (!strcmp(name, formats[i].name)) {
			*out = (enum tabout_format)i;
			return true;
		}
	return false;
}

const char *tabout_ext(enum tabout_format f)
{
	return formats[f].name;
}

const char *tabout_type(enum tabout_format f)
{
	return formats[f].type;
}

amr_err tabout_render(const json_t *report, enum tabout_format f, struct tabout_buf *out,
		      struct jv_err *err)
{
	struct tabout__report *r;
	amr_err rc;

	/* the columns make it a few kilobytes: on the heap, not a worker's stack */
	if (!(r = malloc(sizeof *r))) {
		jv_fail(err, "out of memory");
		return AMR_ENOMEM;
	}
	rc = tabout__check(report, r, err);
	if (rc == AMR_OK) {
		switch (f) {
		case TABOUT_CSV:
			rc = tabout__csv(r, out, err);
			break;
		case TABOUT_XLSX:
			rc = tabout__xlsx(r, out, err);
			break;
		case TABOUT_PDF:
			rc = tabout__pdf(r, out, err);
			break;
		default:
			rc = jv_fail(err, "format: %d is not csv, xlsx or pdf", (int)f);
		}
	}
	free(r);
	return rc;
}

void tabout_buf_free(struct tabout_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->size = 0;
}
