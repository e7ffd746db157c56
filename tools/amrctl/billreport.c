/*
 * billreport.c - `amrctl billing report KIND [KEY=VALUE ..] [--format F]
 * [-o FILE]`: an accounting report (billing/report, docs/reports.md).
 * As JSON it is printed as a text table (the title, the columns, the
 * rows, the totals), or its JSON with --compact; as a file (csv, xlsx,
 * pdf) it is fetched in chunks into FILE, checked as `amrctl get` does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billreport.h"
#include "subcmd.h"

/* Fields whose value is an id: sent as a JSON integer. */
static bool id_field(const char *key, const char *v)
{
	static const char *const ids[] = { "org",     "building", "group", "account",
					   "service", "premises", NULL };
	bool digits = *v != 0;

	for (const char *p = v; *p; p++)
		digits &= *p >= '0' && *p <= '9';
	for (size_t i = 0; digits && ids[i]; i++)
		if (!strcmp(ids[i], key))
			return true;
	return false;
}

/* Characters (not bytes) of UTF-8 text s. */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The text of a cell: its string, or its integer. */
static const char *text_of(const json_t *row, const char *key, char *buf, size_t size)
{
	const json_t *v = json_object_get(row, key);

	if (json_is_integer(v)) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return json_is_string(v) ? json_string_value(v) : "";
}

static void print_cell(const char *s, size_t w, bool right, bool last)
{
	size_t pad = w > width(s) ? w - width(s) : 0;

	if (right)
		printf("%*s%s", (int)pad, "", s);
	else
		printf("%s%*s", s, last ? 0 : (int)pad, "");
	printf("%s", last ? "\n" : "  ");
}

static void print_row(const json_t *cols, const json_t *row, const size_t *w, bool head)
{
	size_t i, n = json_array_size(cols);
	json_t *c;
	char buf[32];

	json_array_foreach(cols, i, c) {
		const char *key = json_string_value(json_object_get(c, "key"));
		const char *type = json_string_value(json_object_get(c, "type")) ?: "text";
		const char *s = head ? json_string_value(json_object_get(c, "title"))
				     : text_of(row, key, buf, sizeof buf);

		print_cell(s ? s : "", w[i], strcmp(type, "text") && strcmp(type, "date"),
			   i + 1 == n);
	}
}

/* The report for a person: title, subtitle, a table with its totals. */
static void print_table(const json_t *t)
{
	const json_t *cols = json_object_get(t, "columns"), *rows = json_object_get(t, "rows");
	const json_t *totals = json_object_get(t, "totals");
	size_t n = json_array_size(cols), i, k, *w = calloc(n ? n : 1, sizeof *w);
	json_t *c, *r;
	char buf[32];

	if (!w)
		return;
	printf("%s\n%s\n\n", json_string_value(json_object_get(t, "title")) ?: "",
	       json_string_value(json_object_get(t, "subtitle")) ?: "");
	json_array_foreach(cols, i, c) {
		const char *key = json_string_value(json_object_get(c, "key"));

		w[i] = width(json_string_value(json_object_get(c, "title")) ?: "");
		json_array_foreach(rows, k, r)
			if (width(text_of(r, key, buf, sizeof buf)) > w[i])
				w[i] = width(text_of(r, key, buf, sizeof buf));
		if (totals && width(text_of(totals, key, buf, sizeof buf)) > w[i])
			w[i] = width(text_of(totals, key, buf, sizeof buf));
	}
	print_row(cols, NULL, w, true);
	json_array_foreach(rows, k, r)
		print_row(cols, r, w, false);
	if (totals)
		print_row(cols, totals, w, false);
	free(w);
}

/* The format a file name's extension says, or NULL. */
static const char *format_of(const char *file)
{
	static const char *const exts[] = { "csv", "xlsx", "pdf", NULL };
	const char *dot = strrchr(file, '.');

	for (size_t i = 0; dot && exts[i]; i++)
		if (!strcmp(dot + 1, exts[i]))
			return exts[i];
	return NULL;
}

int billreport_cmd(struct ctl *c, int argc, char **argv)
{
	const char *out = NULL, *format = c->format;
	json_t *args, *res = NULL;
	int rc;

	if (argc < 2) {
		fprintf(stderr,
			"amrctl: billing report: give a report (turnover, charges, "
			"payments, debtors, balance, readings) and its KEY=VALUE arguments\n");
		return AMRCTL_USAGE;
	}
	if (!(args = json_pack("{s:s}", "report", argv[1])))
		return AMRCTL_FAILED;
	for (int i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!strcmp(argv[i], "-o") && i + 1 < argc && !out) {
			out = argv[++i];
			continue;
		}
		if (!eq || eq == argv[i]) {
			fprintf(stderr,
				"amrctl: billing report: \"%s\": expected KEY=VALUE (org=1, "
				"from=2026-10-01, period=2026-10 ...) or -o FILE\n",
				argv[i]);
			json_decref(args);
			return AMRCTL_USAGE;
		}
		*eq = 0;
		json_object_set_new(args, argv[i],
				    id_field(argv[i], eq + 1) ? json_integer(atoll(eq + 1))
							      : json_string(eq + 1));
		*eq = '=';
	}
	if (!format && out)
		format = format_of(out);
	if (format && strcmp(format, "json") && !out) {
		fprintf(stderr, "amrctl: billing report: a %s file needs -o FILE (-o -: stdout)\n",
			format);
		json_decref(args);
		return AMRCTL_USAGE;
	}
	if (out && (!format || !strcmp(format, "json"))) {
		fprintf(stderr, "amrctl: billing report: -o FILE needs --format csv, xlsx or pdf "
				"(or a FILE ending in one)\n");
		json_decref(args);
		return AMRCTL_USAGE;
	}
	if (format)
		json_object_set_new(args, "format", json_string(format));
	if (c->lang && !json_object_get(args, "lang"))
		json_object_set_new(args, "lang", json_string(c->lang));
	if (out)
		return ctl_get_file(c, "billing/report", args, out);
	if (ctl_connect(c)) {
		json_decref(args);
		return AMRCTL_FAILED;
	}
	rc = ctl_call(c, "billing/report", args, &res);
	if (rc == 0) {
		if (c->compact)
			ctl_print(c, res);
		else
			print_table(res);
	}
	json_decref(res);
	return rc;
}
