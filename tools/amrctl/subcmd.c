/*
 * subcmd.c - amrctl's subcommands: each turns its arguments into one or two
 * RPC calls and prints the answer for a person (or CSV for a spreadsheet).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "subcmd.h"
#include "archive_import.h"
#include "billing.h"
#include "jv.h"
#include "proto.h"

/* Parse a whole number argument in min..max; prints the error. */
static int number(const char *what, const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "amrctl: %s must be a whole number %lld..%lld, not \"%s\"\n", what,
			min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int call_and_print(struct ctl *c, const char *method, json_t *args)
{
	json_t *result = NULL;
	int rc;

	if (ctl_connect(c)) {
		json_decref(args);
		return 1;
	}
	rc = ctl_call(c, method, args, &result);
	if (rc == 0)
		ctl_print(c, result);
	json_decref(result);
	return rc;
}

static int cmd_rpc(struct ctl *c, int argc, char **argv)
{
	struct jv_err err = { "" };
	json_t *args = NULL;

	if (argc == 3) {
		args = jv_parse_object(argv[2], strlen(argv[2]), &err);
		if (!args) {
			fprintf(stderr, "amrctl: arguments: %s\n", err.msg);
			return 2;
		}
	}
	if (!strchr(argv[1], '/')) {
		json_decref(args);
		fprintf(stderr,
			"amrctl: method must be written SERVICE/METHOD, e.g. archive/ping\n");
		return 2;
	}
	return call_and_print(c, argv[1], args);
}

static int cmd_service(struct ctl *c, const char *verb, const char *service)
{
	char method[96];

	snprintf(method, sizeof method, "%s/%s", service, verb);
	return call_and_print(c, method, NULL);
}

static int cmd_ping(struct ctl *c, int argc, char **argv)
{
	(void)argc;
	return cmd_service(c, "ping", argv[1]);
}

static int cmd_help(struct ctl *c, int argc, char **argv)
{
	(void)argc;
	return cmd_service(c, "help", argv[1]);
}

struct status_ctx {
	json_t *all; /* service name -> status */
};

static void on_status(void *ctx, const struct mq_msg *msg)
{
	struct status_ctx *s = ctx;
	struct proto_topic_info t;
	char name[PROTO_NAME_MAX + 1];
	json_t *v = json_loadb(msg->payload, msg->len, 0, NULL);

	if (proto_topic_parse(msg->topic, &t) == PROTO_T_SVC_STATUS) {
		memcpy(name, t.name, t.name_len);
		name[t.name_len] = '\0';
		json_object_set_new(s->all, name, v ? v : json_string(msg->payload));
	} else {
		json_decref(v);
	}
}

/* The barrier came back: every retained status came before it. */
static void on_barrier(void *ctx, const struct mq_msg *msg)
{
	(void)msg;
	((struct ctl *)ctx)->wake = true;
}

static void on_no_barrier(void *arg)
{
	struct ctl *c = arg;

	if (!c->wake) {
		fprintf(stderr, "amrctl: the broker did not echo a message within 5 s; "
				"the list may be incomplete\n");
		c->wake = true;
	}
}

static int cmd_status(struct ctl *c, int argc, char **argv)
{
	struct status_ctx s = { json_object() };
	char barrier[PROTO_TOPIC_MAX];
	uint64_t timer = 0;

	(void)argc;
	(void)argv;
	if (ctl_connect(c)) {
		json_decref(s.all);
		return 1;
	}
	/* Retained statuses come right after the subscription, before any
	 * message published after it: a message of our own to our own topic
	 * (under amr/v1/rpc/, which no service reads) is the barrier. */
	snprintf(barrier, sizeof barrier, PROTO_TOPIC_RPC "amrctl/status-%ld", (long)getpid());
	c->wake = false;
	if (mq_subscribe(c->m, proto_topic_filter(PROTO_T_SVC_STATUS), 1, on_status, &s) ||
	    mq_subscribe(c->m, barrier, 1, on_barrier, c) ||
	    mq_publish(c->m, barrier, "{}", 2, 1, false) ||
	    !(timer = loop_timer_add(c->l, 5000, false, on_no_barrier, c))) {
		fprintf(stderr, "amrctl: cannot ask the broker for the statuses\n");
		json_decref(s.all);
		return 1;
	}
	loop_run_until(c->l, &c->wake);
	loop_timer_cancel(c->l, timer); /* a script's next command must not see it */
	ctl_print(c, s.all);
	json_decref(s.all);
	return 0;
}

static int cmd_latest(struct ctl *c, int argc, char **argv)
{
	json_t *args = json_object(), *result = NULL, *ch;
	long long obj;
	size_t i;
	int rc;

	if (argc == 2) {
		if (number("object", argv[1], 1, PROTO_OBJ_MAX, &obj)) {
			json_decref(args);
			return 2;
		}
		json_object_set_new(args, "obj", json_integer(obj));
	}
	if (ctl_connect(c)) {
		json_decref(args);
		return 1;
	}
	if (!c->compact)
		printf("%-12s %12s %16s %-6s %-6s %-20s %s\n", "channel", "pulses", "counter",
		       "unit", "fresh", "last read (UTC)", "label");
	/* every object: page by page (compact: one answer per line) */
	for (json_int_t next = 1, from; next;) {
		from = next;
		if (argc != 2)
			json_object_set_new(args, "from_obj", json_integer(from));
		if ((rc = ctl_call(c, "archive/latest", json_incref(args), &result))) {
			json_decref(args);
			return rc;
		}
		next = json_integer_value(json_object_get(result, "next_obj"));
		if (next <= from)
			next = 0; /* the last page (or an archive that does not page) */
		if (c->compact) {
			ctl_print(c, result);
			json_decref(result);
			continue;
		}
		json_array_foreach(json_object_get(result, "channels"), i, ch) {
			time_t ts = (time_t)json_integer_value(json_object_get(ch, "ts"));
			char when[32] = "-";
			struct tm tm;

			if (ts && gmtime_r(&ts, &tm))
				strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
			printf("%-12s %12lld %16s %-6s %-6s %-20s %s\n",
			       json_string_value(json_object_get(ch, "id")),
			       (long long)json_integer_value(json_object_get(ch, "total")),
			       json_string_value(json_object_get(ch, "quantity")) ?: "-",
			       json_string_value(json_object_get(ch, "unit")) ?: "",
			       json_is_true(json_object_get(ch, "fresh")) ? "yes" : "no", when,
			       json_string_value(json_object_get(ch, "label")) ?: "");
		}
		json_decref(result);
	}
	json_decref(args);
	return 0;
}

static int cmd_series(struct ctl *c, int argc, char **argv)
{
	int64_t now = (int64_t)time(NULL), from, to;
	json_t *args, *result = NULL;
	int rc;

	(void)argc;
	if (ctl_time(c->from ? c->from : "-24h", now, &from) ||
	    ctl_time(c->to ? c->to : "now", now, &to)) {
		fprintf(stderr,
			"amrctl: --from and --to take Unix seconds, \"now\" or -6h, -7d...\n");
		return 2;
	}
	args = json_pack("{s:s, s:I, s:I, s:s, s:s}", "channel", argv[1], "from", (json_int_t)from,
			 "to", (json_int_t)to, "step", c->step, "format", c->csv ? "csv" : "json");
	if (ctl_connect(c)) {
		json_decref(args);
		return 1;
	}
	rc = ctl_call(c, "archive/series", args, &result);
	if (rc)
		return rc;
	if (c->csv)
		fputs(json_string_value(json_object_get(result, "csv")) ?: "", stdout);
	else
		ctl_print(c, result);
	json_decref(result);
	return 0;
}

/*
 * The exit status of an ingest/command answer, said on stderr unless done:
 * 0 done, 1 failed or expired (the gateway's error), AMRCTL_PENDING queued
 * or still waiting for the gateway's answer (the command goes on: its id
 * is printed, `amrctl rpc ingest/command.get` follows it).
 */
static int outcome(long long obj, const json_t *answer)
{
	const char *state = json_string_value(json_object_get(answer, "state")) ?: "?";
	const char *id = json_string_value(json_object_get(answer, "id")) ?: "?";
	const json_t *res = json_object_get(answer, "result");

	if (!strcmp(state, "done"))
		return 0;
	if (!strcmp(state, "queued") || !strcmp(state, "sent")) {
		fprintf(stderr,
			"amrctl: command %s is %s: %s; it goes on until it expires "
			"(amrctl rpc ingest/command.get '{\"id\":\"%s\"}')\n",
			id, state,
			!strcmp(state, "queued") ? "the gateway of the object is not connected"
						 : "the gateway has not answered yet",
			id);
		return AMRCTL_PENDING;
	}
	fprintf(stderr, "amrctl: command %s on object %lld %s: %s\n", id, obj, state,
		json_string_value(json_object_get(res, "error")) ?: "no answer from the gateway");
	return 1;
}

/* block / unblock OBJ ADDR OUT, zero OBJ ADDR CH: through ingest/command. */
static int cmd_device(struct ctl *c, int argc, char **argv)
{
	const char *cmd = argv[0], *what = strcmp(cmd, "zero") == 0 ? "ch" : "out";
	json_t *result = NULL;
	long long obj, addr, n;
	int rc;

	(void)argc;
	if (number("object", argv[1], 1, PROTO_OBJ_MAX, &obj) ||
	    number("addr", argv[2], 1, PROTO_ADDR_MAX, &addr) || number(what, argv[3], 1, 4, &n))
		return 2;
	if (!c->reason) {
		fprintf(stderr,
			"amrctl: %s changes a consumer's supply or a meter's count: "
			"say why with --reason \"...\"\n",
			cmd);
		return 2;
	}
	if (ctl_connect(c))
		return 1;
	if ((rc = ctl_call(c, "ingest/command",
			   json_pack("{s:I, s:s, s:I, s:I, s:s, s:s}", "obj", (json_int_t)obj,
				     "cmd", cmd, "addr", (json_int_t)addr, what, (json_int_t)n,
				     "actor", ctl_actor(), "reason", c->reason),
			   &result)))
		return rc;
	ctl_print(c, result);
	rc = outcome(obj, result);
	json_decref(result);
	return rc;
}

static int cmd_console(struct ctl *c, int argc, char **argv)
{
	json_t *result = NULL, *res;
	long long obj;
	int rc;

	(void)argc;
	if (number("object", argv[1], 1, PROTO_OBJ_MAX, &obj))
		return 2;
	if (ctl_connect(c))
		return 1;
	rc = ctl_call(c, "ingest/command",
		      json_pack("{s:I, s:s, s:s, s:s, s:s}", "obj", (json_int_t)obj, "cmd",
				"console", "line", argv[2], "actor", ctl_actor(), "reason",
				c->reason ? c->reason : "console from amrctl"),
		      &result);
	if (rc)
		return rc;
	res = json_object_get(result, "result");
	if (json_is_true(json_object_get(res, "ok"))) {
		printf("%s\n", json_string_value(json_object_get(res, "output")) ?: "");
	} else if (res) {
		fprintf(stderr, "amrctl: gateway %lld: %s\n", obj,
			json_string_value(json_object_get(res, "error")) ?: "failed");
		rc = 1;
	} else {
		rc = outcome(obj, result);
	}
	json_decref(result);
	return rc;
}

/*
 * script: one request per line on stdin, "SERVICE/METHOD {json args}", over
 * one connection; one compact answer per line on stdout (or the error on
 * stderr). Blank lines and lines starting with # are skipped. Exit status 1
 * if any request failed, so a spreadsheet export or a provisioning script
 * can drive the system without a connection per request.
 */
static int cmd_script(struct ctl *c, int argc, char **argv)
{
	char line[65536];
	int failed = 0, lineno = 0;

	(void)argc;
	(void)argv;
	if (ctl_connect(c))
		return 1;
	c->compact = true;
	while (fgets(line, sizeof line, stdin)) {
		struct jv_err err = { "" };
		char *method = line, *args_text;
		json_t *args = NULL, *result = NULL;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		method += strspn(method, " \t");
		if (*method == '\0' || *method == '#')
			continue;
		args_text = method + strcspn(method, " \t");
		if (*args_text) {
			*args_text++ = '\0';
			args_text += strspn(args_text, " \t");
		}
		if (*args_text && !(args = jv_parse_object(args_text, strlen(args_text), &err))) {
			fprintf(stderr, "amrctl: line %d: arguments: %s\n", lineno, err.msg);
			failed = 1;
			continue;
		}
		if (!strchr(method, '/')) {
			json_decref(args);
			fprintf(stderr, "amrctl: line %d: method must be written SERVICE/METHOD\n",
				lineno);
			failed = 1;
			continue;
		}
		if (ctl_call(c, method, args, &result)) {
			failed = 1;
			continue;
		}
		ctl_print(c, result);
		json_decref(result);
	}
	return failed;
}

/*
 * retire / unretire ID: an object ("12") or a device ("1.17") leaves the
 * live views and alarms, or comes back (archive/registry.set "retired",
 * audited with --reason); its data stays. Prints the new record.
 */
static int cmd_retire(struct ctl *c, int argc, char **argv)
{
	bool retire = strcmp(argv[0], "retire") == 0;
	struct proto_id id;
	int parts = proto_id_parse(argv[1], &id);

	(void)argc;
	if (parts != 1 && parts != 2) {
		fprintf(stderr,
			"amrctl: %s takes an object (12) or a device (1.17), not \"%s\"%s\n",
			argv[0], argv[1], parts == 3 ? ": a channel goes with its device" : "");
		return 2;
	}
	if (!c->reason) {
		fprintf(stderr,
			"amrctl: %s %s the live views and alarms: say why with --reason \"...\"\n",
			argv[0], retire ? "takes it out of" : "brings it back to");
		return 2;
	}
	return call_and_print(c, "archive/registry.set",
			      json_pack("{s:s, s:b, s:s, s:s}", "id", argv[1], "retired", retire,
					"actor", ctl_actor(), "reason", c->reason));
}

static int cmd_backup(struct ctl *c, int argc, char **argv)
{
	(void)argc;
	return call_and_print(c, "archive/backup", json_pack("{s:s}", "name", argv[1]));
}

/* get's words: METHOD, maybe JSON ARGS, and -o FILE anywhere after the
 * method. Returns 0, or -1 for a usage error. */
static int get_words(int argc, char **argv, const char **method, const char **args_text,
		     const char **out)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && !*out)
			*out = argv[++i];
		else if (!*method)
			*method = argv[i];
		else if (!*args_text)
			*args_text = argv[i];
		else
			return -1;
	}
	return *method && *out && strchr(*method, '/') ? 0 : -1;
}

/*
 * get SERVICE/METHOD ['JSON ARGS'] -o FILE: fetch a file that a method
 * hands out in chunks (docs/protocol.md, "Files over RPC") into FILE,
 * checked as a whole before it is kept: the bytes go to FILE.part-<pid>,
 * renamed onto FILE only when every chunk and the sha256 agree, removed
 * otherwise. With "-o -" they go to stdout as they come (a failure then
 * leaves what was written, and exits 1). Prints what the server said of
 * the file.
 */
static int cmd_get(struct ctl *c, int argc, char **argv)
{
	const char *method = NULL, *args_text = NULL, *out = NULL;
	struct jv_err jerr = { "" };
	json_t *args = NULL;

	if (get_words(argc, argv, &method, &args_text, &out)) {
		fprintf(stderr, "amrctl: usage: amrctl get SERVICE/METHOD ['JSON ARGS'] -o FILE\n");
		return 2;
	}
	if (args_text && !(args = jv_parse_object(args_text, strlen(args_text), &jerr))) {
		fprintf(stderr, "amrctl: arguments: %s\n", jerr.msg);
		return 2;
	}
	return ctl_get_file(c, method, args, out);
}

static const struct subcmd subcmds[] = {
	{ "rpc", 1, 2, "SERVICE/METHOD ['JSON ARGS']", "send one request, print the answer",
	  cmd_rpc },
	{ "ping", 1, 1, "SERVICE", "ask a service whether it is alive", cmd_ping },
	{ "help", 1, 1, "SERVICE", "list a service's methods", cmd_help },
	{ "status", 0, 0, "", "every service's status topic", cmd_status },
	{ "latest", 0, 1, "[OBJ]", "latest value of every channel (of one object)", cmd_latest },
	{ "series", 1, 1, "CHANNEL", "consumption of 1.5.1 over --from..--to by --step (--csv)",
	  cmd_series },
	{ "block", 3, 3, "OBJ ADDR OUT", "block a consumer (--reason needed)", cmd_device },
	{ "unblock", 3, 3, "OBJ ADDR OUT", "release a consumer (--reason needed)", cmd_device },
	{ "zero", 3, 3, "OBJ ADDR CH", "zero a UO-4 counter (--reason needed)", cmd_device },
	{ "console", 2, 2, "OBJ 'LINE'", "run a console command on a gateway", cmd_console },
	{ "retire", 1, 1, "OBJ|OBJ.ADDR",
	  "take an object or a device out of the live views and alarms, data kept (--reason "
	  "needed)",
	  cmd_retire },
	{ "unretire", 1, 1, "OBJ|OBJ.ADDR",
	  "bring a retired object or device back (--reason needed)", cmd_retire },
	{ "get", 3, 4, "SERVICE/METHOD [ARGS] -o FILE",
	  "fetch a file served in chunks, checked, into FILE (-o -: stdout)", cmd_get },
	{ "backup", 1, 1, "NAME", "hot backup of the archive under its backup directory",
	  cmd_backup },
	{ "billing", 1, 16, "KIND [ID] [FIELD=ID..]",
	  "amr-billing's records: one by id, or all of a kind (org=, building=, premises=...)",
	  billing_cmd },
	/* more rows of `billing` for the usage text (subcmd_find finds the
	 * first; billing_cmd dispatches on the word after "billing") */
	{ "billing", 1, 4, "payments import FILE",
	  "a bank registry: a preview, or with --apply taken (--org, --bank)", billing_cmd },
	{ "billing", 1, 4, "statement|balance ACCOUNT",
	  "an account's entries (--from, --to) or balance (--date); --org: ACCOUNT is a number",
	  billing_cmd },
	{ "billing", 1, 4, "pay ACCOUNT AMOUNT", "a payment received (--date, --period, --reason)",
	  billing_cmd },
	{ "billing", 1, 4, "debtors [building=ID] [group=ID] [min=AMOUNT]",
	  "accounts with debt past due, the largest first (--org, --date)", billing_cmd },
	{ "billing", 1, 4, "debt ACCOUNT", "an account's debt, ages and penalties (--date)",
	  billing_cmd },
	{ "billing", 1, 4, "suspense [assign ID ACCOUNT]",
	  "payments nobody was found for (--org), or one assigned (--reason)", billing_cmd },
	{ "billing", 1, 4, "run|issue --building --period",
	  "the monthly billing run: make the draft, issue it (--reason needed)", billing_cmd },
	{ "billing", 1, 4, "invoice ACCOUNT --period", "an account's invoices of a month",
	  billing_cmd },
	{ "billing", 1, 4, "report KIND [KEY=VALUE..] [-o FILE]",
	  "an accounting report as a table, or a file with --format csv|xlsx|pdf", billing_cmd },
	{ "billing", 1, 4, "adjust INVOICE AMOUNT",
	  "a correction of an issued invoice, billed on the next run (--reason needed)",
	  billing_cmd },
	{ "billing", 1, 4, "receipt ACCOUNT --period [-o FILE]",
	  "an issued invoice's receipt with its payment QR code, as PDF (--lang)", billing_cmd },
	{ "billing", 1, 4, "receipts --building --period [-o FILE]",
	  "a building's receipts of an issued month, one PDF in premises order (--lang)",
	  billing_cmd },
	{ "archive", 2, 2, "import FILE",
	  "historical readings from a CSV file channel,t,pulses (--source, --reason needed)",
	  archive_import_cmd },
	{ "script", 0, 0, "< FILE", "one \"SERVICE/METHOD {json}\" request per line of stdin",
	  cmd_script },
};

const struct subcmd *subcmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof subcmds / sizeof subcmds[0]; i++)
		if (strcmp(subcmds[i].name, name) == 0)
			return &subcmds[i];
	return NULL;
}

void subcmd_usage(FILE *f)
{
	fprintf(f,
		"exit status: %d done, %d failed (or unreachable), %d bad command line, "
		"%d a command queued or sent but not done yet\n\n",
		AMRCTL_OK, AMRCTL_FAILED, AMRCTL_USAGE, AMRCTL_PENDING);
	fprintf(f, "commands:\n");
	for (size_t i = 0; i < sizeof subcmds / sizeof subcmds[0]; i++) {
		char head[64];

		snprintf(head, sizeof head, "%s %s", subcmds[i].name, subcmds[i].args);
		fprintf(f, "  %-34s %s\n", head, subcmds[i].help);
	}
}
