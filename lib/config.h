/*
 * config.h - every option of a program in one table.
 *
 * A program declares its options as an array of config_opt rows (name,
 * environment variable, default, bounds, help), then calls config_parse().
 * A value comes from the command line (--name=value or --name value), else
 * from the environment, else from the default. A value that does not parse
 * or is out of bounds stops the program at start with a message naming the
 * option. `--help` prints the table.
 *
 * Strings are borrowed from argv, the environment or the table: they live
 * as long as the process and are never freed.
 */
#ifndef AMR_CONFIG_H
#define AMR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum config_type {
	CONFIG_STR,  /* dst is const char **; min/max bound the length */
	CONFIG_INT,  /* dst is long long *; min/max bound the value */
	CONFIG_BOOL, /* dst is bool *; accepts 1/0, true/false, yes/no, on/off */
};

struct config_opt {
	const char *name;	    /* long option without "--", e.g. "mqtt-port" */
	const char *env;	    /* environment variable, or NULL */
	enum config_type type;	    /* how to parse the value */
	const char *def;	    /* default as text; NULL = unset (strings only) */
	long long min;		    /* lower bound (value or length) */
	long long max;		    /* upper bound (value or length) */
	const char *help;	    /* one line of help */
	void *dst;		    /* where the parsed value is stored */
	const char *const *choices; /* NULL, or the NULL-terminated allowed strings */
};

/* Options every program shares: broker, credentials, client limits, logging. */
struct config_common {
	const char *mqtt_host;	   /* broker host name or address */
	long long mqtt_port;	   /* broker TCP port */
	const char *mqtt_user;	   /* broker user name, NULL for anonymous */
	const char *mqtt_password; /* broker password, NULL for none */
	const char *mqtt_cafile;   /* CA certificate: connect with TLS; NULL: plain TCP */
	long long mqtt_inflight;   /* QoS 1 messages in flight at once */
	long long mqtt_buffered;   /* messages buffered while disconnected */
	const char *log_level;	   /* error, warn, info or debug */
};

/* Rows for struct config_common, to splice into a program's table. */
#define CONFIG_COMMON_ROWS(c)                                                            \
	{ "mqtt-host", "AMR_MQTT_HOST",	   CONFIG_STR,	    "localhost", 1,              \
	  255,	       "MQTT broker host", &(c)->mqtt_host, NULL },                      \
		{ "mqtt-port", "AMR_MQTT_PORT",	   CONFIG_INT,	    "1883", 1,           \
		  65535,       "MQTT broker port", &(c)->mqtt_port, NULL },              \
		{ "mqtt-user",                                                           \
		  "AMR_MQTT_USER",                                                       \
		  CONFIG_STR,                                                            \
		  NULL,                                                                  \
		  1,                                                                     \
		  255,                                                                   \
		  "MQTT user name (unset: anonymous)",                                   \
		  &(c)->mqtt_user,                                                       \
		  NULL },                                                                \
		{ "mqtt-password", "AMR_MQTT_PASSWORD", CONFIG_STR, NULL, 0, 255,        \
		  "MQTT password", &(c)->mqtt_password, NULL },                          \
		{ "mqtt-cafile",                                                         \
		  "AMR_MQTT_CAFILE",                                                     \
		  CONFIG_STR,                                                            \
		  NULL,                                                                  \
		  1,                                                                     \
		  400,                                                                   \
		  "CA certificate (PEM) of the broker: connect over TLS",                \
		  &(c)->mqtt_cafile,                                                     \
		  NULL },                                                                \
		{ "mqtt-inflight",                                                       \
		  "AMR_MQTT_INFLIGHT",                                                   \
		  CONFIG_INT,                                                            \
		  "1000",                                                                \
		  1,                                                                     \
		  65535,                                                                 \
		  "QoS 1 messages in flight at once (Paho's default is 10)",             \
		  &(c)->mqtt_inflight,                                                   \
		  NULL },                                                                \
		{ "mqtt-buffered",                                                       \
		  "AMR_MQTT_BUFFERED",                                                   \
		  CONFIG_INT,                                                            \
		  "100000",                                                              \
		  1,                                                                     \
		  10000000,                                                              \
		  "messages buffered while the broker is away (Paho's default is 100)",  \
		  &(c)->mqtt_buffered,                                                   \
		  NULL },                                                                \
	{                                                                                \
		"log-level", "AMR_LOG_LEVEL", CONFIG_STR, "info", 1, 16,                 \
			"error, warn, info or debug", &(c)->log_level, config_log_levels \
	}

extern const char *const config_log_levels[];

/* config_parse() results besides 0. */
enum {
	CONFIG_HELP = 1, /* --help was printed: exit 0 */
	CONFIG_BAD = 2,	 /* an error was printed on stderr: exit 2 */
};

/*
 * Fill every dst of opts[0..n) from argv, the environment and the defaults.
 * Arguments that are not options (no leading "--") are left in place and
 * their count returned through *npos when npos is not NULL; they are moved
 * to argv[1..*npos]. summary is printed at the top of --help.
 * Returns 0, CONFIG_HELP or CONFIG_BAD. On CONFIG_BAD the message on stderr
 * names the option and the bad value.
 */
int config_parse(const struct config_opt *opts, size_t n, int argc, char **argv,
		 const char *summary, int *npos);

/* Print the table (as --help does) on stdout. */
void config_print_help(const struct config_opt *opts, size_t n, const char *prog,
		       const char *summary);

#endif
