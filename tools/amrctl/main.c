/*
 * amrctl - the command line of the metering system.
 *
 *   amrctl rpc <service>/<method> ['<json args>']   one request, print the answer
 *   amrctl get <service>/<method> ['<json args>'] -o FILE   a file, in chunks
 *   amrctl status | ping S | latest [OBJ] | series CH | block ... (--help)
 *
 * The broker is found like every program finds it (AMR_MQTT_HOST,
 * AMR_MQTT_PORT, AMR_MQTT_USER, AMR_MQTT_PASSWORD). Answers go to stdout;
 * errors are one line on stderr with exit status 1 (2 for a usage error),
 * so scripts can rely on both.
 */
#include <stdio.h>
#include <string.h>

#include "subcmd.h"
#include "ctl.h"
#include "log.h"

static const char *const steps[] = { "raw", "hour", "day", "month", NULL };
static const char *const formats[] = { "json", "csv", "xlsx", "pdf", NULL };
static const char *const langs[] = { "ru", "en", NULL };

int main(int argc, char **argv)
{
	struct ctl c = { 0 };
	struct config_opt opts[] = {
		{ "timeout", "AMR_RPC_TIMEOUT", CONFIG_INT, "5000", 100, 600000,
		  "milliseconds to wait for an answer", &c.timeout_ms, NULL },
		{ "compact", NULL, CONFIG_BOOL, "no", 0, 1, "print JSON on one line", &c.compact,
		  NULL },
		{ "csv", NULL, CONFIG_BOOL, "no", 0, 1, "series: print CSV instead of JSON", &c.csv,
		  NULL },
		{ "step", NULL, CONFIG_STR, "hour", 1, 8, "series: raw, hour, day or month",
		  &c.step, steps },
		{ "from", NULL, CONFIG_STR, NULL, 1, 32,
		  "series: start, Unix seconds, now, or -30m/-6h/-7d (default -24h); billing "
		  "statement: the first day, YYYY-MM-DD",
		  &c.from, NULL },
		{ "to", NULL, CONFIG_STR, NULL, 1, 32,
		  "series: end, as --from (default now); billing statement: the last day", &c.to,
		  NULL },
		{ "reason", NULL, CONFIG_STR, NULL, 1, 200, "why: recorded in the audit trail",
		  &c.reason, NULL },
		{ "org", NULL, CONFIG_INT, "0", 0, 4000000000LL,
		  "billing: the organisation (then an ACCOUNT is its лицевой счёт number)", &c.org,
		  NULL },
		{ "bank", NULL, CONFIG_STR, NULL, 1, 32, "billing payments import: the bank (sber)",
		  &c.bank, NULL },
		{ "apply", NULL, CONFIG_BOOL, "no", 0, 1,
		  "billing payments import: apply the registry (without: a preview)", &c.apply,
		  NULL },
		{ "date", NULL, CONFIG_STR, NULL, 10, 10,
		  "billing: a payment's date, a balance's (YYYY-MM-DD; default today)", &c.date,
		  NULL },
		{ "period", NULL, CONFIG_STR, NULL, 7, 7,
		  "billing pay: the month it pays; run, issue, invoice: the month (YYYY-MM)",
		  &c.period, NULL },
		{ "building", NULL, CONFIG_INT, "0", 0, 4000000000LL,
		  "billing run, issue, receipts: the building", &c.building, NULL },
		{ "format", NULL, CONFIG_STR, NULL, 1, 8,
		  "billing report: json (a table), csv, xlsx or pdf (a file: -o FILE)", &c.format,
		  formats },
		{ "lang", NULL, CONFIG_STR, NULL, 2, 2,
		  "billing receipt, receipts, report: the language, ru (default) or en", &c.lang,
		  langs },
		{ "source", NULL, CONFIG_STR, NULL, 1, 64,
		  "archive import: where the readings come from (e.g. old-system)", &c.source,
		  NULL },
		{ "actor", NULL, CONFIG_STR, NULL, 1, 100,
		  "archive import: who, for the audit trail (default amrctl:<user>)", &c.actor,
		  NULL },
		CONFIG_COMMON_ROWS(&c.common),
	};
	const struct subcmd *cmd;
	int npos = 0, rc;

	rc = config_parse(opts, sizeof opts / sizeof opts[0], argc, argv,
			  "amrctl: command line of the metering system\n"
			  "usage: amrctl [options] COMMAND [ARGS]  (commands: amrctl --help)",
			  &npos);
	if (rc == CONFIG_HELP) {
		putchar('\n');
		subcmd_usage(stdout);
		return 0;
	}
	if (rc == CONFIG_BAD)
		return 2;
	/* Library chatter (connected, ...) only when asked for with debug. */
	rc = log_level_parse(c.common.log_level);
	log_init("amrctl", rc == LOG_LVL_DEBUG ? rc : LOG_LVL_ERROR);
	if (npos < 1) {
		fprintf(stderr, "amrctl: a command is needed\n");
		subcmd_usage(stderr);
		return 2;
	}
	cmd = subcmd_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "amrctl: unknown command \"%s\"\n", argv[1]);
		subcmd_usage(stderr);
		return 2;
	}
	if (npos - 1 < cmd->min_args || npos - 1 > cmd->max_args) {
		fprintf(stderr, "amrctl: usage: amrctl %s %s\n", cmd->name, cmd->args);
		return 2;
	}
	rc = cmd->run(&c, npos, argv + 1);
	ctl_close(&c);
	return rc;
}
