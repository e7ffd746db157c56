#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

const char *const config_log_levels[] = { "error", "warn", "info", "debug", NULL };

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* Parse text and, if store, put it into opt's destination. Prints the
 * error; returns 0 or -1. */
static int set_value(const struct config_opt *o, const char *text, const char *from, bool store)
{
	switch (o->type) {
	case CONFIG_INT: {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(text, &end, 10);
		if (errno || end == text || *end != '\0') {
			fprintf(stderr, "option %s (%s): \"%s\" is not a whole number\n", o->name,
				from, text);
			return -1;
		}
		if (v < o->min || v > o->max) {
			fprintf(stderr, "option %s (%s): %lld is out of range %lld..%lld\n",
				o->name, from, v, o->min, o->max);
			return -1;
		}
		if (store)
			*(long long *)o->dst = v;
		return 0;
	}
	case CONFIG_BOOL: {
		static const char *const yes[] = { "1", "true", "yes", "on" };
		static const char *const no[] = { "0", "false", "no", "off" };

		for (size_t i = 0; i < 4; i++) {
			if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
				if (store)
					*(bool *)o->dst = strcasecmp(text, yes[i]) == 0;
				return 0;
			}
		}
		fprintf(stderr, "option %s (%s): \"%s\" is not a yes/no value\n", o->name, from,
			text);
		return -1;
	}
	case CONFIG_STR: {
		long long len = (long long)strlen(text);

		if (len < o->min || len > o->max) {
			fprintf(stderr, "option %s (%s): length %lld is out of range %lld..%lld\n",
				o->name, from, len, o->min, o->max);
			return -1;
		}
		if (o->choices) {
			size_t i;

			for (i = 0; o->choices[i]; i++)
				if (strcmp(o->choices[i], text) == 0)
					break;
			if (!o->choices[i]) {
				fprintf(stderr, "option %s (%s): \"%s\" is not one of:", o->name,
					from, text);
				for (i = 0; o->choices[i]; i++)
					fprintf(stderr, " %s", o->choices[i]);
				fputc('\n', stderr);
				return -1;
			}
		}
		if (store)
			*(const char **)o->dst = text;
		return 0;
	}
	}
	return -1;
}

void config_print_help(const struct config_opt *opts, size_t n, const char *prog,
		       const char *summary)
{
	printf("usage: %s [--option=value ...]\n", basename_of(prog));
	if (summary)
		printf("%s\n", summary);
	printf("\n%-22s %-28s %-12s %-18s %s\n", "option", "environment", "default", "bounds",
	       "meaning");
	for (size_t i = 0; i < n; i++) {
		const struct config_opt *o = &opts[i];
		char bounds[48];

		if (o->type == CONFIG_INT)
			snprintf(bounds, sizeof bounds, "%lld..%lld", o->min, o->max);
		else if (o->type == CONFIG_BOOL)
			snprintf(bounds, sizeof bounds, "yes|no");
		else if (o->choices)
			snprintf(bounds, sizeof bounds, "one of the list");
		else
			snprintf(bounds, sizeof bounds, "%lld..%lld chars", o->min, o->max);
		printf("--%-20s %-28s %-12s %-18s %s\n", o->name, o->env ? o->env : "-",
		       o->def ? o->def : "(unset)", bounds, o->help);
	}
}

static const struct config_opt *find(const struct config_opt *opts, size_t n, const char *name,
				     size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

int config_parse(const struct config_opt *opts, size_t n, int argc, char **argv,
		 const char *summary, int *npos)
{
	const char *given[n ? n : 1];
	int pos = 0;

	memset(given, 0, sizeof given);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *val;
		const struct config_opt *o;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			config_print_help(opts, n, argv[0], summary);
			return CONFIG_HELP;
		}
		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				argv[++pos] = argv[i];
			break;
		}
		if (strncmp(a, "--", 2) != 0) {
			argv[++pos] = argv[i];
			continue;
		}
		a += 2;
		eq = strchr(a, '=');
		o = find(opts, n, a, eq ? (size_t)(eq - a) : strlen(a));
		if (!o) {
			fprintf(stderr, "unknown option --%.*s (try --help)\n",
				(int)(eq ? eq - a : (long)strlen(a)), a);
			return CONFIG_BAD;
		}
		if (eq) {
			val = eq + 1;
		} else if (o->type == CONFIG_BOOL) {
			val = "yes";
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "option --%s needs a value\n", o->name);
			return CONFIG_BAD;
		}
		given[o - opts] = val;
	}
	if (npos)
		*npos = pos;

	/* Check every value first, then store: a bad value changes nothing. */
	for (int store = 0; store < 2; store++) {
		for (size_t i = 0; i < n; i++) {
			const struct config_opt *o = &opts[i];
			const char *v = given[i], *from = "command line";

			/* An empty environment variable counts as unset. */
			if (!v && o->env && (v = getenv(o->env)) != NULL && *v == '\0')
				v = NULL;
			if (v && !given[i])
				from = o->env;
			if (!v) {
				v = o->def;
				from = "default";
			}
			if (!v) {
				if (o->type == CONFIG_STR && store)
					*(const char **)o->dst = NULL;
				continue;
			}
			if (set_value(o, v, from, store) < 0)
				return CONFIG_BAD;
		}
	}
	return 0;
}
