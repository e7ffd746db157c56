/*
 * billrec.c - `amrctl billing receipt|receipts`: an issued period's
 * receipts fetched as one PDF (billing/receipt, billing/receipts), in
 * --lang, to -o FILE (default the name the service gives).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billrec.h"
#include "subcmd.h"

/* The words after the command: optional "-o FILE", and up to want others
 * into words[]. Returns 0, or -1 for anything else. */
static int words(int argc, char **argv, const char **out, const char **word, int want)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc && !*out)
			*out = argv[++i];
		else if (n < want)
			word[n++] = argv[i];
		else
			return -1;
	}
	return n == want ? 0 : -1;
}

static json_t *with_lang(const struct ctl *c, json_t *args)
{
	if (args && c->lang)
		json_object_set_new(args, "lang", json_string(c->lang));
	return args;
}

int billrec_receipt(struct ctl *c, int argc, char **argv)
{
	const char *out = NULL, *acc = NULL;
	char name[96], *end;
	long long account = 0;
	json_t *args;

	if (words(argc, argv, &out, &acc, 1) || !c->period ||
	    (!c->org && ((account = strtoll(acc, &end, 10)) < 1 || *end))) {
		fprintf(stderr, "amrctl: billing receipt: give an account id (or with --org its "
				"number) and the month, e.g. billing receipt 17 --period 2026-10 "
				"[-o FILE]\n");
		return AMRCTL_USAGE;
	}
	if (c->org)
		args = json_pack("{s:I, s:s, s:s}", "org", (json_int_t)c->org, "number", acc,
				 "period", c->period);
	else
		args = json_pack("{s:I, s:s}", "account", (json_int_t)account, "period", c->period);
	if (c->building > 0)
		json_object_set_new(args, "building", json_integer(c->building));
	if (!out) {
		snprintf(name, sizeof name, "receipt-%s-%s.pdf", c->period, acc);
		out = name;
	}
	return ctl_get_file(c, "billing/receipt", with_lang(c, args), out);
}

int billrec_receipts(struct ctl *c, int argc, char **argv)
{
	const char *out = NULL;
	char name[96];

	if (words(argc, argv, &out, NULL, 0) || c->building < 1 || !c->period) {
		fprintf(stderr, "amrctl: billing receipts: give the building and the month, e.g. "
				"billing receipts --building 1 --period 2026-10 [-o FILE]\n");
		return AMRCTL_USAGE;
	}
	if (!out) {
		snprintf(name, sizeof name, "receipts-%s-building-%lld.pdf", c->period,
			 c->building);
		out = name;
	}
	return ctl_get_file(c, "billing/receipts",
			    with_lang(c, json_pack("{s:I, s:s}", "building",
						   (json_int_t)c->building, "period", c->period)),
			    out);
}
