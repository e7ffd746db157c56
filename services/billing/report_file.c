/*
 * report_file.c - a report as a file: its table rendered by tabout
 * (CSV, XLSX, PDF) and handed out in chunks (rpc_file.h). The last file
 * made is kept for a while, so that the chunks after the first (which
 * carry its sha256) are cut from the same bytes, not from a file
 * rendered again with another "made".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reportint.h"
#include "rpc_file.h"
#include "tabout.h"

#define FILE_KEEP_S 600 /* seconds a file is kept for its next chunks */

/* t as tabout.h takes it: its own fields only, the rows' and the
 * totals' cells of the columns only (the extras are for programs reading
 * the JSON). A new value, NULL when out of memory. */
static json_t *for_file(const json_t *t)
{
	static const char *const fields[] = { "title", "subtitle",    "columns", "rows", "totals",
					      "chart", "orientation", "made",	 NULL };
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

void report__file_forget(report *r)
{
	tabout_buf_free(&r->file.buf);
	free(r->file.key);
	memset(&r->file, 0, sizeof r->file);
}

/* What a file is made of: args without the chunk's fields, as text
 * (new), NULL when out of memory. */
static char *file_key(const json_t *args)
{
	json_t *copy = json_deep_copy(args);
	char *key;

	if (!copy)
		return NULL;
	json_object_del(copy, "offset");
	json_object_del(copy, "max");
	json_object_del(copy, "sha256");
	key = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	return key;
}

int report__file(report *r, rpc_req *req, const char *kind, const json_t *t, const json_t *args,
		 const char *format, struct jv_err *err)
{
	const char *sha = json_string_value(json_object_get(args, "sha256"));
	enum tabout_format f;
	struct tabout_buf b = { 0 };
	json_t *clean;
	char *key;
	int rc;

	if (!tabout_format_parse(format, &f))
		return jv_fail(err, "format: %s is not a file format", format);
	if (!(key = file_key(args)))
		return AMR_ENOMEM;
	/* a next chunk of the file kept: the same bytes */
	if (sha && r->file.key && !strcmp(r->file.key, key) && !strcmp(r->file.sha, sha) &&
	    svc_now() - r->file.at < FILE_KEEP_S) {
		free(key);
		rpc_file_reply(req,
			       &(struct rpc_file){ .data = r->file.buf.data,
						   .size = r->file.buf.size,
						   .name = r->file.name,
						   .type = tabout_type(f),
						   .sha256 = r->file.sha },
			       args);
		return AMR_OK;
	}
	if (!(clean = for_file(t))) {
		free(key);
		return AMR_ENOMEM;
	}
	rc = tabout_render(clean, f, &b, err);
	json_decref(clean);
	if (rc) {
		free(key);
		return rc == AMR_EINVAL ? AMR_EIO : rc; /* a table tabout refuses is our fault */
	}
	report__file_forget(r);
	r->file.key = key;
	r->file.buf = b;
	r->file.at = svc_now();
	rpc_file_sha256(b.data, b.size, r->file.sha);
	file_name(kind, t, f, r->file.name, sizeof r->file.name);
	rpc_file_reply(req,
		       &(struct rpc_file){ .data = b.data,
					   .size = b.size,
					   .name = r->file.name,
					   .type = tabout_type(f),
					   .sha256 = r->file.sha },
		       args);
	return AMR_OK;
}
