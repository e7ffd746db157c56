/*
 * log.h - one line per event on stderr.
 *
 * The level is checked before the arguments are formatted, so a disabled
 * debug line costs one comparison (as Redis's serverLog does). Lines look like
 *
 *   2026-11-20T10:00:00.123Z amr-archive[1234] info: stored seq=42 obj=1
 *
 * Put the ids needed to follow an event (obj, seq, request id) in the line.
 */
#ifndef AMR_LOG_H
#define AMR_LOG_H

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

extern int log_threshold; /* lines above this level are not formatted */

/* Set the program name shown on each line and the threshold. */
void log_init(const char *prog, int level);

/* Parse "error", "warn", "info" or "debug"; -1 for anything else. */
int log_level_parse(const char *s);

/* Format and write one line; use the macros below instead. */
void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_at(lvl, ...)                               \
	do {                                           \
		if ((lvl) <= log_threshold)            \
			log_write((lvl), __VA_ARGS__); \
	} while (0)
#define log_error(...) log_at(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_at(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_at(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
