/*
 * billrun.c - `amrctl billing run|issue|invoice`: the monthly billing run
 * for people at a terminal. run and issue print the run's summary as a
 * few lines of text (invoices, total, lines by basis, the house meters'
 * balance and ОДН, warnings); invoice prints the invoices as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billrun.h"
#include "subcmd.h"

static int need_building_period(const struct ctl *c, const char *cmd)
{
	if (c->building < 1 || !c->period) {
		fprintf(stderr, "amrctl: billing %s: give --building N and --period YYYY-MM\n",
			cmd);
		return -1;
	}
	return 0;
}

static const char *s(const json_t *o, const char *name)
{
	const char *v = json_string_value(json_object_get(o, name));

	return v ? v : "";
}

/* The run's summary for a person. */
static void print_run(const json_t *run)
{
	json_t *lines = json_object_get(run, "lines"), *v, *b;
	json_t *amounts = json_object_get(run, "amounts");
	const char *key;
	size_t i;

	printf("building %lld, %s (%s): %s, %lld invoices, total %s\n",
	       (long long)json_integer_value(json_object_get(run, "building")), s(run, "period"),
	       s(run, "tz"), s(run, "state"),
	       (long long)json_integer_value(json_object_get(run, "invoices")), s(run, "total"));
	printf("lines:");
	json_object_foreach(lines, key, v)
		printf(" %s %lld (%s)", key, (long long)json_integer_value(v), s(amounts, key));
	printf("\n");
	json_array_foreach(json_object_get(run, "balance"), i, b)
		printf("%s: house %s, premises %s, difference %s (%s %%), ОДН %s, not billed %s%s\n",
		       s(b, "resource"), s(b, "house"), s(b, "premises"), s(b, "difference"),
		       json_is_string(json_object_get(b, "difference_pct")) ? s(b, "difference_pct")
									    : "-",
		       s(b, "odn"), s(b, "odn_excess"),
		       json_is_true(json_object_get(b, "negative")) ? " (negative)" : "");
	if (json_array_size(json_object_get(run, "recalculated")))
		printf("recalculated: %zu months of premises\n",
		       json_array_size(json_object_get(run, "recalculated")));
	if (json_integer_value(json_object_get(run, "warnings_total")))
		printf("warnings (%lld):\n",
		       (long long)json_integer_value(json_object_get(run, "warnings_total")));
	json_array_foreach(json_object_get(run, "warnings"), i, v)
		printf("  %s\n", json_string_value(v));
}

static int run_call(struct ctl *c, const char *method, json_t *args)
{
	json_t *res = NULL;
	int rc;

	if (ctl_connect(c)) {
		json_decref(args);
		return AMRCTL_FAILED;
	}
	rc = ctl_call(c, method, args, &res);
	if (rc == 0) {
		if (c->compact)
			ctl_print(c, res);
		else
			print_run(res);
	}
	json_decref(res);
	return rc;
}

int billrun_run(struct ctl *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1 || need_building_period(c, "run"))
		return AMRCTL_USAGE;
	return run_call(c, "billing/run.draft",
			json_pack("{s:I, s:s, s:s}", "building", (json_int_t)c->building, "period",
				  c->period, "actor", ctl_actor()));
}

int billrun_issue(struct ctl *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1 || need_building_period(c, "issue"))
		return AMRCTL_USAGE;
	if (!c->reason) {
		fprintf(stderr, "amrctl: billing issue: an issue is recorded with its reason: say "
				"why with --reason \"...\"\n");
		return AMRCTL_USAGE;
	}
	return run_call(c, "billing/run.issue",
			json_pack("{s:I, s:s, s:s, s:s}", "building", (json_int_t)c->building,
				  "period", c->period, "actor", ctl_actor(), "reason", c->reason));
}

int billrun_invoice(struct ctl *c, int argc, char **argv)
{
	json_t *args, *res = NULL;
	char *end;
	long long account;
	int rc;

	if (argc != 2 || (account = strtoll(argv[1], &end, 10)) < 1 || *end) {
		fprintf(stderr, "amrctl: billing invoice: give an account id, e.g. billing invoice "
				"17 --period 2026-10\n");
		return AMRCTL_USAGE;
	}
	args = json_pack("{s:I}", "account", (json_int_t)account);
	if (c->period)
		json_object_set_new(args, "period", json_string(c->period));
	if (c->building > 0)
		json_object_set_new(args, "building", json_integer(c->building));
	if (ctl_connect(c)) {
		json_decref(args);
		return AMRCTL_FAILED;
	}
	rc = ctl_call(c, "billing/invoice.list", args, &res);
	if (rc == 0)
		ctl_print(c, res);
	json_decref(res);
	return rc;
}

int billrun_adjust(struct ctl *c, int argc, char **argv)
{
	json_t *args, *res = NULL;
	int rc;

	if (argc != 3 || !c->reason) {
		fprintf(stderr,
			"amrctl: billing adjust: give the invoice, the amount and why, e.g. "
			"billing adjust 2026-10/1/17 -150.00 --reason \"a leak, checked\"\n");
		return AMRCTL_USAGE;
	}
	args = json_pack("{s:s, s:s, s:s, s:s}", "invoice", argv[1], "amount", argv[2], "actor",
			 ctl_actor(), "reason", c->reason);
	if (ctl_connect(c)) {
		json_decref(args);
		return AMRCTL_FAILED;
	}
	rc = ctl_call(c, "billing/invoice.adjust", args, &res);
	if (rc == 0)
		ctl_print(c, res);
	json_decref(res);
	return rc;
}
