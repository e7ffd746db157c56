#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int log_threshold = LOG_LVL_INFO;
static const char *progname = "amr";

static const char *const names[] = { "error", "warn", "info", "debug" };

void log_init(const char *prog, int level)
{
	if (prog)
		progname = prog;
	log_threshold = level;
}

int log_level_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void log_write(int level, const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	size_t n;
	va_list ap;

	if (level < 0 || level > LOG_LVL_DEBUG)
		level = LOG_LVL_ERROR;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(line + n, sizeof line - n, ".%03ldZ %s[%d] %s: ", ts.tv_nsec / 1000000,
		      progname, (int)getpid(), names[level]);
	va_start(ap, fmt);
	if (n < sizeof line)
		vsnprintf(line + n, sizeof line - n, fmt, ap);
	va_end(ap);
	n = strlen(line);
	if (n >= sizeof line - 1)
		n = sizeof line - 2;
	line[n++] = '\n';
	/* One write per line, so lines from threads never interleave. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}
