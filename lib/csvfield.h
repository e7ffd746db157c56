/*
 * csvfield.h - one field of a CSV line (RFC 4180), for the files people
 * open in a spreadsheet: series and the audit trail.
 */
#ifndef AMR_LIB_CSVFIELD_H
#define AMR_LIB_CSVFIELD_H

#include <stdio.h>

/* Write s (borrowed) to f, quoted when it holds a comma, quote or line
 * break, quotes doubled. */
void csvfield_put(FILE *f, const char *s);

/* As csvfield_put() for text someone typed (a reason, a user name): a field
 * that starts with = + - @ or a tab gets a leading apostrophe, so that a
 * spreadsheet shows it rather than running it as a formula (OWASP "CSV
 * injection"). */
void csvfield_put_text(FILE *f, const char *s);

#endif
