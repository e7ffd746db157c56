/*
 * billing.c - `amrctl billing KIND [ID] [FIELD=ID ...]`: amr-billing's
 * records for people at a terminal. With an ID, the record
 * (billing/KIND.get); without, every record of the kind, page after page
 * (billing/KIND.list), filtered by org=, building=, premises=, service=
 * or tariff=. The words of money (payments, statement, balance, pay,
 * suspense) go to billpay.c, `report` to billreport.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing.h"
#include "billrec.h"
#include "billpay.h"
#include "billreport.h"
#include "billrun.h"

static const char *const kinds[] = { "org",   "building", "premises", "account",	"service",
				     "meter", "group",	  "tariff",   "tariff.version", "calendar",
				     "rate",  NULL };

/* The kind named by word: "account" or "accounts" (premises as it is). */
static const char *kind_of(const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; kinds[i]; i++)
		if (!strcmp(kinds[i], word) || (n == strlen(kinds[i]) + 1 && word[n - 1] == 's' &&
						!strncmp(kinds[i], word, n - 1)))
			return kinds[i];
	return NULL;
}

static int whole(const char *s, long long *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || *end || v < 1 || v > 4000000000LL)
		return -1;
	*out = v;
	return 0;
}

/* Every page of KIND.list with the filters in args (taken). */
static int list_all(struct ctl *c, const char *method, json_t *args)
{
	json_t *all = json_array(), *res = NULL;
	int rc = 0;

	for (;;) {
		json_t *next;

		if ((rc = ctl_call(c, method, json_incref(args), &res)))
			break;
		json_array_extend(all, json_object_get(res, "records"));
		next = json_object_get(res, "next");
		if (!json_is_integer(next)) {
			json_decref(res);
			break;
		}
		json_object_set(args, "after", next);
		json_decref(res);
	}
	if (rc == 0) {
		json_t *out = json_pack("{s:O}", "records", all);

		ctl_print(c, out);
		json_decref(out);
	}
	json_decref(all);
	json_decref(args);
	return rc;
}

/* The words after `billing` that are commands of their own, not kinds. */
static const struct {
	const char *word;
	int (*run)(struct ctl *c, int argc, char **argv);
} subs[] = {
	{ "run", billrun_run },		  { "issue", billrun_issue },
	{ "invoice", billrun_invoice },	  { "adjust", billrun_adjust },
	{ "report", billreport_cmd },	  { "receipt", billrec_receipt },
	{ "receipts", billrec_receipts },
};

int billing_cmd(struct ctl *c, int argc, char **argv)
{
	const char *kind;

	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (!strcmp(argv[1], subs[i].word))
			return subs[i].run(c, argc - 1, argv + 1);
	kind = kind_of(argv[1]);
	json_t *args = json_object(), *res = NULL;
	char method[64];
	long long id = 0;
	int rc;

	if (billpay_is(argv[1])) {
		json_decref(args);
		return billpay_cmd(c, argc, argv);
	}
	if (!kind) {
		fprintf(stderr, "amrctl: billing: \"%s\" is not a kind of record (", argv[1]);
		for (size_t i = 0; kinds[i]; i++)
			fprintf(stderr, "%s%s", i ? ", " : "", kinds[i]);
		fprintf(stderr, ")\n");
		json_decref(args);
		return AMRCTL_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		long long v;

		if (!eq && i == 2 && whole(argv[i], &id) == 0)
			continue;
		if (!eq || whole(eq + 1, &v)) {
			fprintf(stderr,
				"amrctl: billing: \"%s\": expected an id or FIELD=ID (org=, "
				"building=, premises=, service=, tariff=)\n",
				argv[i]);
			json_decref(args);
			return AMRCTL_USAGE;
		}
		*eq = 0;
		json_object_set_new(args, argv[i], json_integer(v));
		*eq = '=';
	}
	if (ctl_connect(c)) {
		json_decref(args);
		return AMRCTL_FAILED;
	}
	snprintf(method, sizeof method, "billing/%s.%s", kind, id ? "get" : "list");
	if (!id)
		return list_all(c, method, args);
	json_object_set_new(args, "id", json_integer(id));
	rc = ctl_call(c, method, args, &res);
	if (rc == 0)
		ctl_print(c, res);
	json_decref(res);
	return rc;
}
