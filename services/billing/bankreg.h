/*
 * bankreg.h - a bank's payment registry (реестр платежей) read line by line
 * (docs/billing.md, "Bank registry files").
 *
 * The file is semicolon-separated text, one payment a line:
 *
 *   date;reference;account;amount[;period[;payer[;address]]]
 *   05.11.2026;4711;100001;1520,30;102026;Иванова М. П.;ул. Ленина, 5-1
 *
 * in UTF-8 (a BOM is dropped) or, when it is not valid UTF-8, in
 * Windows-1251; lines end in LF or CRLF. The first line that is not empty
 * is a header when its first field does not start with a digit; a last
 * line "=COUNT;SUM" carries the bank's control totals. Fields are trimmed
 * of spaces and tabs; there is no quoting (a field never holds ';').
 *
 * A line that breaks a rule is refused with its number and the reason, and
 * the others are read; a file that cannot be read as a whole (in neither
 * encoding, NUL bytes, no payment line, control totals that do not match
 * its lines) is refused whole. Pure: no I/O, no clock (the caller says what
 * day it is).
 */
#ifndef AMR_BILLING_BANKREG_H
#define AMR_BILLING_BANKREG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "jv.h"
#include "model.h"
#include "money.h"

#define BANKREG_SIZE_MAX    (16u << 20) /* bytes of a file */
#define BANKREG_LINES_MAX   200000	/* payment lines of a file */
#define BANKREG_REF_MAX	    64		/* bytes of a reference */
#define BANKREG_ACCOUNT_MAX 40		/* bytes of an account as written */
#define BANKREG_TEXT_MAX    500		/* bytes of a payer or an address */
#define BANKREG_FIELDS	    7		/* columns of a line, at most */

/* One payment line. The strings are borrowed from the registry. */
struct bankreg_line {
	unsigned line;		   /* its number in the file, from 1 */
	char date[MODEL_DATE_LEN]; /* "YYYY-MM-DD" */
	const char *reference;	   /* the bank's unique reference */
	const char *account;	   /* the лицевой счёт as written, "" if none */
	money_kop amount;	   /* more than 0 */
	char period[8];		   /* "YYYY-MM", or "" when not said */
	const char *payer;	   /* as written, "" if none */
	const char *address;	   /* as written, "" if none */
	char *refused;		   /* NULL: a good line; else why it is refused */
};

/* A file as read: its payment lines in file order, refused ones too. */
struct bankreg {
	const char *encoding;	    /* "utf-8" or "windows-1251" */
	size_t n;		    /* payment lines */
	struct bankreg_line *lines; /* [n] */
	size_t refused;		    /* how many of them are refused */
	bool control;		    /* the file ended with a control line */
	char *text;		    /* the UTF-8 text the lines point into */
};

/*
 * Read data[0..size) as a registry; lines dated after today ("YYYY-MM-DD")
 * are refused. On success *out is a new registry (bankreg_free()). Returns
 * AMR_OK, AMR_ENOMEM, or AMR_EINVAL with the reason the whole file is
 * refused in err ("text: ..." or "line 12: ..."); then *out is unchanged.
 */
amr_err bankreg_parse(const void *data, size_t size, const char *today, struct bankreg **out,
		      struct jv_err *err);

/* Free. Accepts NULL. */
void bankreg_free(struct bankreg *r);

/*
 * Read an amount as banks write it, "1520,30", "1520.30", "1520,3" or
 * "1520": roubles, a comma or a point and at most two decimals. Returns
 * AMR_OK with kopecks in *out, or AMR_EINVAL with the reason in err, naming
 * field and quoting s as written.
 */
amr_err bankreg_amount(const char *s, const char *field, money_kop *out, struct jv_err *err);

#endif
