/*
 * billpay.c - amr-billing's money at a terminal: a bank registry imported
 * (previewed, or applied with --apply; in parts when it does not fit one
 * message), an account's statement and balance, a payment entered, the
 * suspense list and its assignment, the debtors and an account's debt. Tables for people; --compact prints
 * the answers as JSON for scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "billpay.h"
#include "rpc_file.h"
#include "subcmd.h"

#define FILE_MAX	  (16u << 20) /* bytes of a registry amr-billing takes */
#define IMPORT_TIMEOUT_MS 120000      /* a big registry is one long transaction */

static const char *str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static long long num(const json_t *o, const char *name)
{
	return (long long)json_integer_value(json_object_get(o, name));
}

/* The account a word names: its id, or with --org its number there. */
static int account_args(const struct ctl *c, const char *word, json_t *args)
{
	char *end;
	long long id;

	if (c->org) {
		json_object_set_new(args, "org", json_integer(c->org));
		json_object_set_new(args, "number", json_string(word));
		return 0;
	}
	id = strtoll(word, &end, 10);
	if (end == word || *end || id < 1 || id > 4000000000LL) {
		fprintf(stderr,
			"amrctl: billing: \"%s\" is not an account id; for a лицевой счёт give "
			"its organisation with --org\n",
			word);
		return -1;
	}
	json_object_set_new(args, "account", json_integer(id));
	return 0;
}

/* Read path (at most FILE_MAX bytes) into a new buffer. */
static unsigned char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = f ? malloc(FILE_MAX + 1) : NULL;

	if (!buf) {
		perror(path);
		if (f)
			fclose(f);
		return NULL;
	}
	*size = fread(buf, 1, FILE_MAX + 1, f);
	if (ferror(f) || *size > FILE_MAX) {
		fprintf(stderr, "amrctl: %s: %s\n", path,
			ferror(f) ? "cannot be read" : "over 16 MiB; a registry is at most that");
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* What became of a registry, for a person. */
static void import_print(const json_t *res)
{
	const json_t *refused = json_object_get(res, "refused"), *r;
	long long lines = num(res, "lines"), taken = num(res, "taken"),
		  skipped = num(res, "skipped"), susp = num(res, "suspense");
	size_t i;

	printf("%s (%s, %lld lines)\n", str(res, "name"), str(res, "encoding"), lines);
	printf("  taken     %6lld  %s\n", taken, str(res, "sum_taken"));
	printf("  skipped   %6lld  (imported before)\n", skipped);
	printf("  suspense  %6lld  %s (no account has the number)\n", susp,
	       str(res, "sum_suspense"));
	printf("  refused   %6lld\n", lines - taken - skipped - susp);
	if (!json_is_true(json_object_get(res, "applied")))
		printf("a preview: nothing changed; --apply takes what it says\n");
	else if (json_is_integer(json_object_get(res, "import")))
		printf("applied: import %lld\n", num(res, "import"));
	else
		printf("applied: nothing new, nothing changed\n");
	if (!json_array_size(refused))
		return;
	printf("\nrefused lines (fix them in the file and import it again: only what is "
	       "new is taken)\n%6s  %s\n",
	       "line", "reason");
	json_array_foreach(refused, i, r)
		printf("%6lld  %s\n", num(r, "line"), str(r, "reason"));
	if (num(res, "refused_left_off"))
		printf("        ... and %lld more\n", num(res, "refused_left_off"));
}

/* One request of an import: the whole file, or part k of parts. */
static json_t *import_args(const struct ctl *c, const char *name, const unsigned char *data,
			   size_t len, const char *sha, const char *upload, size_t k, size_t parts)
{
	size_t b64_len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64_len);
	json_t *args;

	if (!b64)
		return NULL;
	sodium_bin2base64(b64, b64_len, data, len, sodium_base64_VARIANT_ORIGINAL);
	args = json_pack("{s:s, s:I, s:s, s:s, s:s, s:b, s:s}", "actor", ctl_actor(), "org",
			 (json_int_t)c->org, "bank", c->bank, "name", name, "text", b64, "apply",
			 c->apply, "sha256", sha);
	free(b64);
	if (args && c->reason)
		json_object_set_new(args, "reason", json_string(c->reason));
	if (args && parts > 1) {
		json_object_set_new(args, "upload", json_string(upload));
		json_object_set_new(args, "part", json_integer((json_int_t)k));
		json_object_set_new(args, "parts", json_integer((json_int_t)parts));
	}
	return args;
}

/* payments import FILE: a preview, or with --apply the file applied; in
 * parts of one chunk each when it is bigger than one. */
static int cmd_import(struct ctl *c, int argc, char **argv)
{
	const char *path = argv[3], *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char sha[RPC_FILE_SHA256_HEX], upload[64];
	size_t size = 0, parts;
	json_t *res = NULL;
	unsigned char *data;
	int rc = 0;

	if (argc != 4 || strcmp(argv[2], "import")) {
		fprintf(stderr, "amrctl: usage: amrctl billing payments import --org ORG --bank "
				"BANK [--apply] FILE\n");
		return AMRCTL_USAGE;
	}
	if (!c->org || !c->bank) {
		fprintf(stderr, "amrctl: billing payments import: whose and from which bank: "
				"--org ORG --bank BANK (e.g. sber)\n");
		return AMRCTL_USAGE;
	}
	if (sodium_init() < 0 || !(data = slurp(path, &size)))
		return AMRCTL_FAILED;
	if (ctl_connect(c)) {
		free(data);
		return AMRCTL_FAILED;
	}
	if (c->timeout_ms < IMPORT_TIMEOUT_MS)
		c->timeout_ms = IMPORT_TIMEOUT_MS;
	rpc_file_sha256(data, size, sha);
	snprintf(upload, sizeof upload, "amrctl-%ld-%ld", (long)getpid(), (long)time(NULL));
	parts = size ? (size + RPC_FILE_CHUNK_MAX - 1) / RPC_FILE_CHUNK_MAX : 1;
	for (size_t k = 1; k <= parts && !rc; k++) {
		size_t off = (k - 1) * RPC_FILE_CHUNK_MAX;
		size_t len = size - off < RPC_FILE_CHUNK_MAX ? size - off : RPC_FILE_CHUNK_MAX;
		json_t *args = import_args(c, name, data + off, len, sha, upload, k, parts);

		json_decref(res);
		res = NULL;
		rc = args ? ctl_call(c, "billing/payment.import", args, &res) : AMRCTL_FAILED;
	}
	free(data);
	if (!rc && c->compact)
		ctl_print(c, res);
	else if (!rc)
		import_print(res);
	json_decref(res);
	return rc;
}

/* Connect and call method with args (taken): 0 and its result (new) in
 * *res, or the exit status, the error said. */
static int ask(struct ctl *c, const char *method, json_t *args, json_t **res)
{
	if (ctl_connect(c)) {
		json_decref(args);
		return AMRCTL_FAILED;
	}
	return ctl_call(c, method, args, res);
}

/* The request args (taken) to method, its answer printed as JSON. */
static int call_print(struct ctl *c, const char *method, json_t *args)
{
	json_t *res = NULL;
	int rc = ask(c, method, args, &res);

	if (!rc)
		ctl_print(c, res);
	json_decref(res);
	return rc;
}

/* statement ACCOUNT [--from D] [--to D]: the entries and the sums. */
static int cmd_statement(struct ctl *c, int argc, char **argv)
{
	static const char *const sums[] = { "charges",	 "payments", "reversals", "adjustments",
					    "penalties", "openings", NULL };
	json_t *args = json_object(), *res = NULL, *e;
	size_t i;
	int rc;

	if (argc != 3 || account_args(c, argv[2], args)) {
		json_decref(args);
		return AMRCTL_USAGE;
	}
	if (c->from)
		json_object_set_new(args, "from", json_string(c->from));
	if (c->to)
		json_object_set_new(args, "to", json_string(c->to));
	if ((rc = ask(c, "billing/account.statement", args, &res)))
		return rc;
	if (c->compact) {
		ctl_print(c, res);
		json_decref(res);
		return 0;
	}
	printf("account %lld, %s .. %s\n", num(res, "account"),
	       str(res, "from") ? str(res, "from") : "the first entry",
	       str(res, "to") ? str(res, "to") : "the last");
	printf("%-10s  %-10s  %14s  %-7s  %6s  %s\n", "date", "kind", "amount", "period", "entry",
	       "");
	printf("%-10s  %-10s  %14s\n", "", "opening", str(res, "opening_balance"));
	json_array_foreach(json_object_get(res, "entries"), i, e)
		printf("%-10s  %-10s  %14s  %-7s  %6lld  %s\n", str(e, "date"), str(e, "kind"),
		       str(e, "amount"), str(e, "period") ? str(e, "period") : "", num(e, "seq"),
		       str(e, "payment")  ? str(e, "payment")
		       : str(e, "reason") ? str(e, "reason")
					  : "");
	printf("%-10s  %-10s  %14s\n", "", "closing", str(res, "closing_balance"));
	for (i = 0; sums[i]; i++)
		printf("%s%s %s", i ? "  " : "", sums[i], str(res, sums[i]));
	printf("\n");
	json_decref(res);
	return 0;
}

/* WORD ACCOUNT [--date D]: method asked of one account at a date. */
static int account_at(struct ctl *c, int argc, char **argv, const char *method)
{
	json_t *args = json_object();

	if (argc != 3 || account_args(c, argv[2], args)) {
		json_decref(args);
		return AMRCTL_USAGE;
	}
	if (c->date)
		json_object_set_new(args, "date", json_string(c->date));
	return call_print(c, method, args);
}

/* balance ACCOUNT [--date D] */
static int cmd_balance(struct ctl *c, int argc, char **argv)
{
	return account_at(c, argc, argv, "billing/account.balance");
}

/* pay ACCOUNT AMOUNT [--date D] [--period P] [--reason R] */
static int cmd_pay(struct ctl *c, int argc, char **argv)
{
	json_t *args = json_object();
	char today[16];
	time_t now = time(NULL);
	struct tm tm;

	if (argc != 4 || account_args(c, argv[2], args)) {
		json_decref(args);
		return AMRCTL_USAGE;
	}
	localtime_r(&now, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	json_object_set_new(args, "actor", json_string(ctl_actor()));
	json_object_set_new(args, "amount", json_string(argv[3]));
	json_object_set_new(args, "date", json_string(c->date ? c->date : today));
	if (c->period)
		json_object_set_new(args, "period", json_string(c->period));
	if (c->reason)
		json_object_set_new(args, "reason", json_string(c->reason));
	return call_print(c, "billing/payment.create", args);
}

/* suspense [--org ORG]: the open lines; suspense assign ID ACCOUNT --reason R */
static int cmd_suspense(struct ctl *c, int argc, char **argv)
{
	json_t *args = json_object(), *res = NULL, *l;
	long long id;
	char *end;
	size_t i;
	int rc;

	if (argc == 5 && !strcmp(argv[2], "assign")) {
		id = strtoll(argv[3], &end, 10);
		if (end == argv[3] || *end || id < 1 || !c->reason ||
		    account_args(c, argv[4], args)) {
			fprintf(stderr, "amrctl: usage: amrctl billing suspense assign ID ACCOUNT "
					"--reason \"...\" (--org ORG: ACCOUNT is its number)\n");
			json_decref(args);
			return AMRCTL_USAGE;
		}
		json_object_del(args, "org"); /* the payment's own organisation */
		json_object_set_new(args, "id", json_integer(id));
		json_object_set_new(args, "actor", json_string(ctl_actor()));
		json_object_set_new(args, "reason", json_string(c->reason));
		return call_print(c, "billing/suspense.assign", args);
	}
	if (argc != 2 || !c->org) {
		fprintf(stderr, "amrctl: usage: amrctl billing suspense --org ORG, or billing "
				"suspense assign ID ACCOUNT --reason \"...\"\n");
		json_decref(args);
		return AMRCTL_USAGE;
	}
	json_object_set_new(args, "org", json_integer(c->org));
	json_object_set_new(args, "state", json_string("open"));
	if ((rc = ask(c, "billing/suspense.list", args, &res)))
		return rc;
	if (c->compact) {
		ctl_print(c, res);
	} else {
		printf("%6s  %-10s  %12s  %-16s  %-20s  %s\n", "id", "date", "amount", "account",
		       "reference", "payer");
		json_array_foreach(json_object_get(res, "records"), i, l)
			printf("%6lld  %-10s  %12s  %-16s  %-20s  %s\n", num(l, "id"),
			       str(l, "date"), str(l, "amount"), str(l, "account"),
			       str(l, "reference"), str(l, "payer") ? str(l, "payer") : "");
	}
	json_decref(res);
	return 0;
}

/* s in a column of width characters (not bytes: a Cyrillic letter is
 * two), cut at a character's start and padded with spaces. */
static void column(const char *s, int width)
{
	int n = 0;
	const char *p = s ? s : "";

	for (; *p && n < width; n++)
		do
			putchar(*p++);
		while ((*p & 0xC0) == 0x80);
	printf("%*s", width - n, "");
}

/* debtors --org ORG [--date D] [building=ID] [group=ID] [min=AMOUNT]: who
 * owes what past due, the largest first. */
static int cmd_debtors(struct ctl *c, int argc, char **argv)
{
	static const char *const ages[] = { "under_1m", "1_3m", "3_6m", "over_6m", NULL };
	json_t *args = json_object(), *res = NULL, *d, *p;
	size_t i, k;
	int rc;

	for (int a = 2; a < argc; a++) {
		const char *eq = strchr(argv[a], '=');
		char *end;
		long long v;

		if (eq && !strncmp(argv[a], "min=", 4)) {
			json_object_set_new(args, "min_debt", json_string(eq + 1));
			continue;
		}
		v = eq ? strtoll(eq + 1, &end, 10) : 0;
		if (!eq || end == eq + 1 || *end || v < 1 ||
		    (strncmp(argv[a], "building=", 9) && strncmp(argv[a], "group=", 6))) {
			fprintf(stderr,
				"amrctl: billing debtors: \"%s\": expected building=ID, "
				"group=ID or min=AMOUNT\n",
				argv[a]);
			json_decref(args);
			return AMRCTL_USAGE;
		}
		json_object_set_new(args, argv[a][0] == 'b' ? "building" : "group",
				    json_integer(v));
	}
	if (!c->org) {
		fprintf(stderr, "amrctl: usage: amrctl billing debtors --org ORG [--date D] "
				"[building=ID] [group=ID] [min=AMOUNT]\n");
		json_decref(args);
		return AMRCTL_USAGE;
	}
	json_object_set_new(args, "org", json_integer(c->org));
	if (c->date)
		json_object_set_new(args, "date", json_string(c->date));
	if ((rc = ask(c, "billing/debtors", args, &res)))
		return rc;
	if (c->compact) {
		ctl_print(c, res);
		json_decref(res);
		return 0;
	}
	printf("debtors of organisation %lld at %s: %lld, owing %s past due, penalties %s\n",
	       num(res, "org"), str(res, "date"), num(res, "count"), str(res, "total"),
	       str(res, "penalties"));
	printf("%-12s  %-28s  %-8s  %12s  %10s  %10s  %10s  %10s  %10s  %s\n", "account", "holder",
	       "premises", "overdue", "<1 month", "1-3", "3-6", ">6", "penalties", "last payment");
	json_array_foreach(json_object_get(res, "debtors"), i, d) {
		char prem[64] = "";
		const json_t *lp = json_object_get(d, "last_payment");

		json_array_foreach(json_object_get(d, "premises"), k, p) {
			size_t n = strlen(prem);

			snprintf(prem + n, sizeof prem - n, "%s%s", k ? "," : "", str(p, "number"));
		}
		printf("%-12s  ", str(d, "number"));
		column(str(json_object_get(d, "holder"), "name"), 28);
		printf("  %-8s  %12s", prem, str(d, "overdue"));
		for (k = 0; ages[k]; k++)
			printf("  %10s", str(json_object_get(d, "ages"), ages[k]));
		printf("  %10s  %s %s\n", str(json_object_get(d, "penalties"), "accrued"),
		       lp ? str(lp, "date") : "never", lp ? str(lp, "amount") : "");
	}
	if (json_is_true(json_object_get(res, "more")))
		printf("... more: narrow with building=, group= or min=\n");
	json_decref(res);
	return 0;
}

/* debt ACCOUNT [--date D]: the debt, its ages, penalties and what paid it. */
static int cmd_debt(struct ctl *c, int argc, char **argv)
{
	return account_at(c, argc, argv, "billing/account.debt");
}

static const struct {
	const char *word;
	int (*run)(struct ctl *c, int argc, char **argv);
} words[] = {
	{ "payments", cmd_import }, { "statement", cmd_statement }, { "balance", cmd_balance },
	{ "pay", cmd_pay },	    { "suspense", cmd_suspense },   { "debtors", cmd_debtors },
	{ "debt", cmd_debt },
};

bool billpay_is(const char *word)
{
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(words[i].word, word))
			return true;
	return false;
}

int billpay_cmd(struct ctl *c, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(words[i].word, argv[1]))
			return words[i].run(c, argc, argv);
	return AMRCTL_USAGE;
}
