/*
 * report_file.c - a report as a file: its table rendered by tabout
 * (CSV, XLSX, PDF) on a filejob worker and handed out in chunks
 * (rpc_file.h). The table handed to the worker leaves out "made", the
 * time of the request: the file is named by what it shows, so the
 * requests for its next chunks find the one kept (filejob.h), and its
 * creation date is the time it was rendered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reportint.h"
#include "rpc_file.h"
#include "tabout.h"

/* t as tabout.h takes it: its own fields only, the rows' and the
 * totals' cells of the columns only (the extras are for programs reading
 * the JSON). A new value, NULL when out of memory. */
static json_t *for_file(const json_t *t)
{
	static const char *const fields[] = { "title",	"subtitle", "columns",	   "rows",
					      "totals", "chart",    "orientation", NULL };
	json_t *out = json_object(), *keys = json_object(), *rows = json_array(), *c, *r;
	const char *k;
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(t, "columns"), i, c)
		json_object_set(keys, json_string_value(json_object_get(c, "key")), json_true());
	for (i = 0; out && fields[i]; i++)
		if (json_object_get(t, fields[i]))
			json_object_set(out, fields[i], json_object_get(t, fields[i]));
	json_array_foreach(json_object_get(t, "rows"), i, r) {
		json_t *o = json_object();

		json_object_foreach((json_t *)r, k, v)
			if (json_object_get(keys, k))
				json_object_set(o, k, v);
		json_array_append_new(rows, o);
	}
	if (json_object_get(t, "totals")) {
		json_t *o = json_object();

		json_object_foreach(json_object_get(t, "totals"), k, v)
			if (json_object_get(keys, k))
				json_object_set(o, k, v);
		json_object_set_new(out, "totals", o);
	}
	json_decref(keys);
	if (!out || !rows || json_object_set_new(out, "rows", rows)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The file's name: the report, what it covers, the format's extension
 * ("turnover-2026-10-01-2026-10-31.csv"). */
static void file_name(const char *kind, const json_t *t, enum tabout_format f, char *buf,
		      size_t size)
{
	const json_t *p = json_object_get(t, "params");
	const char *period = json_string_value(json_object_get(p, "period"));
	const char *from = json_string_value(json_object_get(p, "from"));
	const char *date = json_string_value(json_object_get(p, "date"));

	if (period)
		snprintf(buf, size, "%s-%s.%s", kind, period, tabout_ext(f));
	else if (from)
		snprintf(buf, size, "%s-%s-%s.%s", kind, from,
			 json_string_value(json_object_get(p, "to")) ?: "", tabout_ext(f));
	else if (date)
		snprintf(buf, size, "%s-%s.%s", kind, date, tabout_ext(f));
	else
		snprintf(buf, size, "%s.%s", kind, tabout_ext(f));
}

/* filejob_render for reports: in is the table, opt the tabout format. */
static amr_err render(const json_t *in, int opt, unsigned char **data, size_t *size,
		      struct jv_err *err)
{
	struct tabout_buf b = { 0 };
	amr_err rc = tabout_render(in, (enum tabout_format)opt, &b, err);

	if (rc == AMR_EINVAL) { /* a table tabout refuses is our fault, not the caller's */
		char msg[sizeof err->msg];

		snprintf(msg, sizeof msg, "%s", err->msg);
		jv_fail(err, "the report's table: %s", msg);
		return AMR_EIO;
	}
	if (!rc) {
		*data = b.data;
		*size = b.size;
	}
	return rc;
}

int report__file(report *r, rpc_req *req, const char *kind, const json_t *t, const json_t *args,
		 const char *format, struct jv_err *err)
{
	struct filejob_file file = { render, 0, NULL, NULL, NULL };
	enum tabout_format f;
	json_t *clean;
	char name[128];

	if (!tabout_format_parse(format, &f))
		return jv_fail(err, "format: %s is not a file format", format);
	if (!(clean = for_file(t)))
		return AMR_ENOMEM;
	file_name(kind, t, f, name, sizeof name);
	file = (struct filejob_file){ render, (int)f, name, tabout_type(f), "report" };
	filejob_serve(r->fj, req, args, clean, &file);
	return AMR_OK;
}
