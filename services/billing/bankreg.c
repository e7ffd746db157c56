/*
 * bankreg.c - a bank's payment registry: the encoding found, the lines cut
 * into fields, every field checked, references unique within the file and
 * the control totals compared.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bankreg.h"
#include "utf8.h"

#define COLUMNS "date;reference;account;amount;period;payer;address"

void bankreg_free(struct bankreg *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->lines[i].refused);
	free(r->lines);
	free(r->text);
	free(r);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

amr_err bankreg_amount(const char *s, const char *field, money_kop *out, struct jv_err *err)
{
	money_kop v = 0;
	size_t i = 0, ints, decs = 0;

	if (!*s)
		return jv_fail(err, "%s: missing", field);
	for (; is_digit(s[i]); i++)
		if (i < 15) /* more is refused below, before v could overflow */
			v = v * 10 + (s[i] - '0');
	ints = i;
	if (s[i] == ',' || s[i] == '.')
		while (is_digit(s[++i]))
			decs++;
	if (ints && decs > 2 && !s[i])
		return jv_fail(err, "%s: \"%s\" has more than 2 decimals", field, s);
	if (!ints || s[i] || ((s[ints] == ',' || s[ints] == '.') && !decs))
		return jv_fail(err,
			       "%s: \"%s\" is not an amount (roubles with a comma or a point and "
			       "two decimals: 1520,30)",
			       field, s);
	if (ints > 14)
		return jv_fail(err, "%s: \"%s\" is more than 10000000000000 roubles", field, s);
	v *= 100;
	if (decs >= 1)
		v += (s[ints + 1] - '0') * 10;
	if (decs == 2)
		v += s[ints + 2] - '0';
	if (v > MONEY_MAX)
		return jv_fail(err, "%s: \"%s\" is more than 10000000000000 roubles", field, s);
	*out = v;
	return AMR_OK;
}

/* "DD.MM.YYYY" or "YYYY-MM-DD" as "YYYY-MM-DD" into out. */
static bool date_read(const char *s, char out[MODEL_DATE_LEN])
{
	if (strlen(s) != 10)
		return false;
	if (s[2] == '.' && s[5] == '.')
		snprintf(out, MODEL_DATE_LEN, "%.4s-%.2s-%.2s", s + 6, s + 3, s);
	else
		snprintf(out, MODEL_DATE_LEN, "%s", s);
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? out[i] != '-' : !is_digit(out[i]))
			return false;
	return model_date_ok(out);
}

/* "MMYYYY", "MM.YYYY" or "YYYY-MM" as "YYYY-MM" into out. */
static bool period_read(const char *s, char out[8])
{
	char d[MODEL_DATE_LEN];
	size_t n = strlen(s);

	if (n == 6)
		snprintf(out, 8, "%.4s-%.2s", s + 2, s);
	else if (n == 7 && s[2] == '.')
		snprintf(out, 8, "%.4s-%.2s", s + 3, s);
	else if (n == 7 && s[4] == '-')
		snprintf(out, 8, "%s", s);
	else
		return false;
	for (int i = 0; i < 7; i++)
		if (i == 4 ? out[i] != '-' : !is_digit(out[i]))
			return false;
	snprintf(d, sizeof d, "%s-01", out);
	return model_date_ok(d);
}

/* Cut s at each ';' into at most max fields, each trimmed of spaces and
 * tabs; returns how many there were (max + 1 when there are more). */
static int split(char *s, char **f, int max)
{
	int n = 0;

	for (;;) {
		char *end = strchr(s, ';'), *e;

		if (end)
			*end = '\0';
		s += strspn(s, " \t");
		for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		if (n == max)
			return max + 1;
		f[n++] = s;
		if (!end)
			return n;
		s = end + 1;
	}
}

/* The refusal of line l for the reason in err (a copy, valid UTF-8). */
static amr_err refuse(struct bankreg *r, struct bankreg_line *l, const struct jv_err *err)
{
	if (!(l->refused = strdup(err->msg)))
		return AMR_ENOMEM;
	utf8_fix(l->refused);
	r->refused++;
	return AMR_OK;
}

/*
 * Read payment line s (cut out of the text, NUL-terminated) into l; a rule
 * it breaks is its refusal. Adds what its amount says to *sum. Returns
 * AMR_OK or AMR_ENOMEM.
 */
static amr_err line_read(struct bankreg *r, struct bankreg_line *l, char *s, const char *today,
			 __int128 *sum)
{
	struct jv_err err = { "" };
	char *f[BANKREG_FIELDS];
	int n;

	l->reference = l->account = l->payer = l->address = "";
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			jv_fail(&err, "text: a control character (0x%02x) in the line",
				(unsigned char)*p);
			return refuse(r, l, &err);
		}
	n = split(s, f, BANKREG_FIELDS);
	l->reference = n >= 2 ? f[1] : "";
	l->account = n >= 3 ? f[2] : "";
	l->payer = n >= 6 && n <= BANKREG_FIELDS ? f[5] : "";
	l->address = n >= 7 && n <= BANKREG_FIELDS ? f[6] : "";
	if (n >= 4 && !bankreg_amount(f[3], "amount", &l->amount, &err))
		*sum += l->amount;
	err.msg[0] = '\0';
	if (n < 4 || n > BANKREG_FIELDS)
		jv_fail(&err, "fields: %s%d; a payment line has 4 to 7: " COLUMNS,
			n > BANKREG_FIELDS ? "more than " : "", n > BANKREG_FIELDS ? n - 1 : n);
	else if (!date_read(f[0], l->date))
		jv_fail(&err, "date: \"%s\" is not a date (DD.MM.YYYY or YYYY-MM-DD)", f[0]);
	else if (strcmp(l->date, today) > 0)
		jv_fail(&err, "date: %s is after today (%s)", f[0], today);
	else if (!*l->reference)
		jv_fail(&err, "reference: missing; every line needs the bank's reference");
	else if (strlen(l->reference) > BANKREG_REF_MAX)
		jv_fail(&err, "reference: longer than %d bytes", BANKREG_REF_MAX);
	else if (strlen(l->account) > BANKREG_ACCOUNT_MAX)
		jv_fail(&err, "account: longer than %d bytes", BANKREG_ACCOUNT_MAX);
	else if (bankreg_amount(f[3], "amount", &l->amount, &err))
		;
	else if (l->amount == 0)
		jv_fail(&err, "amount: \"%s\": a payment is more than zero", f[3]);
	else if (n >= 5 && *f[4] && !period_read(f[4], l->period))
		jv_fail(&err, "period: \"%s\" is not a month (MMYYYY, e.g. 102026)", f[4]);
	else if (strlen(l->payer) > BANKREG_TEXT_MAX)
		jv_fail(&err, "payer: longer than %d bytes", BANKREG_TEXT_MAX);
	else if (strlen(l->address) > BANKREG_TEXT_MAX)
		jv_fail(&err, "address: longer than %d bytes", BANKREG_TEXT_MAX);
	return err.msg[0] ? refuse(r, l, &err) : AMR_OK;
}

/* The bytes as UTF-8 text: a copy without its BOM, or converted from
 * Windows-1251 when they are not UTF-8. */
static amr_err decode(const char *p, size_t size, struct bankreg *r, struct jv_err *err)
{
	size_t i = 0, k, in_left, out_left;
	char *in, *out;
	iconv_t cd;

	while (i < size && (k = utf8_seq(p + i, size - i)))
		i += k;
	if (i == size) {
		r->encoding = "utf-8";
		if (size >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
			p += 3, size -= 3;
		if (!(r->text = malloc(size + 1)))
			return AMR_ENOMEM;
		memcpy(r->text, p, size);
		r->text[size] = '\0';
		return AMR_OK;
	}
	r->encoding = "windows-1251";
	if ((cd = iconv_open("UTF-8", "WINDOWS-1251")) == (iconv_t)-1)
		return jv_fail(err, "text: is not UTF-8, and Windows-1251 cannot be read here");
	if (!(r->text = malloc(3 * size + 1))) { /* a letter is at most 3 bytes */
		iconv_close(cd);
		return AMR_ENOMEM;
	}
	in = (char *)p;
	in_left = size;
	out = r->text;
	out_left = 3 * size;
	if (iconv(cd, &in, &in_left, &out, &out_left) == (size_t)-1) {
		iconv_close(cd);
		return jv_fail(err,
			       "text: neither UTF-8 nor Windows-1251: byte 0x%02x at offset %zu "
			       "is in neither",
			       (unsigned char)*in, (size_t)(in - p));
	}
	iconv_close(cd);
	*out = '\0';
	return AMR_OK;
}

static int by_reference(const void *a, const void *b)
{
	const struct bankreg_line *x = *(const struct bankreg_line *const *)a;
	const struct bankreg_line *y = *(const struct bankreg_line *const *)b;
	int c = strcmp(x->reference, y->reference);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* A reference is one payment: every line after the first that has it is
 * refused. */
static amr_err unique_references(struct bankreg *r)
{
	struct bankreg_line **by = malloc((r->n ? r->n : 1) * sizeof *by);
	size_t n = 0;
	amr_err rc = AMR_OK;

	if (!by)
		return AMR_ENOMEM;
	for (size_t i = 0; i < r->n; i++)
		if (*r->lines[i].reference)
			by[n++] = &r->lines[i];
	qsort(by, n, sizeof *by, by_reference);
	for (size_t i = 1, first = 0; i < n && !rc; i++) {
		struct jv_err err = { "" };

		if (strcmp(by[first]->reference, by[i]->reference)) {
			first = i;
			continue;
		}
		if (by[i]->refused)
			continue;
		jv_fail(&err, "reference: %s is on line %u already; a reference is one payment",
			by[i]->reference, by[first]->line);
		rc = refuse(r, by[i], &err);
	}
	free(by);
	return rc;
}

/* The control line "=COUNT;SUM" (without its '=') against what the lines
 * say. */
static amr_err control_check(char *s, unsigned line, size_t count, __int128 sum, struct jv_err *err)
{
	char *f[2], said[MONEY_STR_MAX], have[MONEY_STR_MAX], *end;
	struct jv_err why = { "" };
	money_kop total;
	unsigned long n;

	if (split(s, f, 2) != 2 || !is_digit(*f[0]) || (n = strtoul(f[0], &end, 10), *end) ||
	    bankreg_amount(f[1], "sum", &total, &why))
		return jv_fail(err,
			       "line %u: the control line is not =COUNT;SUM (e.g. =3;4500,00)%s%s",
			       line, why.msg[0] ? ": " : "", why.msg);
	if (n != count || sum != total)
		return jv_fail(err,
			       "line %u: the control line says %lu payments of %s; the file has "
			       "%zu of %s",
			       line, n, money_format(total, said), count,
			       money_format(sum > MONEY_MAX ? MONEY_MAX : (money_kop)sum, have));
	return AMR_OK;
}

/* Cut r's text into lines, NUL-terminated, a CR before the LF dropped: a
 * new array of them in *out (borrowed from the text) and their count. */
static amr_err lines_cut(struct bankreg *r, char ***out, size_t *nlines, struct jv_err *err)
{
	size_t cap = 1, n = 0;
	char **v, *s = r->text;

	for (const char *p = s; *p; p++)
		cap += *p == '\n';
	if (cap > BANKREG_LINES_MAX + 2)
		return jv_fail(err, "text: more than %d lines", BANKREG_LINES_MAX);
	if (!(v = malloc(cap * sizeof *v)))
		return AMR_ENOMEM;
	for (;;) {
		char *nl = strchr(s, '\n');

		if (nl)
			*nl = '\0';
		if (*s && s[strlen(s) - 1] == '\r')
			s[strlen(s) - 1] = '\0';
		v[n++] = s;
		if (!nl)
			break;
		s = nl + 1;
	}
	*out = v;
	*nlines = n;
	return AMR_OK;
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

/* Read the lines v[0..n) of r's text: the header, the payment lines and
 * the control line. */
static amr_err lines_read(struct bankreg *r, char **v, size_t n, const char *today,
			  struct jv_err *err)
{
	size_t last = n, first = n, count = 0;
	__int128 sum = 0;
	amr_err rc;

	for (size_t i = 0; i < n; i++)
		if (!blank(v[i])) {
			last = i;
			first = first == n ? i : first;
		}
	for (size_t i = 0; i < n; i++)
		if (i != last && v[i][strspn(v[i], " \t")] == '=')
			return jv_fail(
				err,
				"line %zu: a control line (=COUNT;SUM) must be the last line "
				"of the file",
				i + 1);
	r->control = last < n && v[last][strspn(v[last], " \t")] == '=';
	if (first < n && !is_digit(v[first][strspn(v[first], " \t")]) &&
	    !(r->control && first == last))
		first++; /* a header: column names */
	for (size_t i = first; i < n; i++)
		count += !blank(v[i]) && !(r->control && i == last);
	if (!count)
		return jv_fail(err, "text: no payment lines (" COLUMNS ")");
	if (!(r->lines = calloc(count, sizeof *r->lines)))
		return AMR_ENOMEM;
	for (size_t i = first; i < n; i++) {
		struct bankreg_line *l = &r->lines[r->n];

		if (blank(v[i]) || (r->control && i == last))
			continue;
		r->n++;
		l->line = (unsigned)i + 1;
		if ((rc = line_read(r, l, v[i], today, &sum)))
			return rc;
	}
	if ((rc = unique_references(r)))
		return rc;
	if (r->control)
		return control_check(v[last] + strspn(v[last], " \t") + 1, (unsigned)last + 1,
				     count, sum, err);
	return AMR_OK;
}

amr_err bankreg_parse(const void *data, size_t size, const char *today, struct bankreg **out,
		      struct jv_err *err)
{
	struct bankreg *r;
	const char *nul;
	char **v = NULL;
	size_t n = 0;
	amr_err rc;

	if (!size)
		return jv_fail(err, "text: the file is empty");
	if (size > BANKREG_SIZE_MAX)
		return jv_fail(err, "text: %zu bytes; a registry is at most %u bytes", size,
			       BANKREG_SIZE_MAX);
	if ((nul = memchr(data, '\0', size)))
		return jv_fail(err, "text: a NUL byte at offset %zu; a registry is text",
			       (size_t)(nul - (const char *)data));
	if (!(r = calloc(1, sizeof *r)))
		return AMR_ENOMEM;
	if ((rc = decode(data, size, r, err)) || (rc = lines_cut(r, &v, &n, err)) ||
	    (rc = lines_read(r, v, n, today, err))) {
		free(v);
		bankreg_free(r);
		return rc;
	}
	free(v);
	*out = r;
	return AMR_OK;
}
