#include <stdbool.h>
#include <string.h>

#include "csvfield.h"

/* lead, then s, quoted as a whole when s needs it. */
static void put(FILE *f, const char *lead, const char *s)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		fputc('"', f);
	fputs(lead, f);
	for (; *s; s++) {
		if (*s == '"' && quote)
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

void csvfield_put(FILE *f, const char *s)
{
	put(f, "", s);
}

void csvfield_put_text(FILE *f, const char *s)
{
	put(f, *s && strchr("=+-@\t\r", *s) ? "'" : "", s);
}
