/*
 * fuzz_bankreg.c - libFuzzer target: a bank's payment registry
 * (services/billing/bankreg.c, docs/billing.md "Bank registry files";
 * docs/reliability.md).
 *
 * Any bytes as an uploaded registry, read for 2026-11-05. Checked besides
 * the sanitizers: a refused file says why and leaves *out alone; a read
 * one has 1..BANKREG_LINES_MAX payment lines in file order, its refused
 * count is the lines with a reason, its text is UTF-8 in one of the two
 * encodings; a good line has a date "YYYY-MM-DD" not after the day, an
 * amount above 0 that reads back from its own spelling "R,KK", a period
 * "YYYY-MM" or none, and fields within bankreg.h's lengths.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bankreg.h"
#include "money.h"
#include "utf8.h"

#define TODAY "2026-11-05"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool utf8_text(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0, k; i < n; i += k)
		if (!(k = utf8_seq(s + i, n - i)))
			return false;
	return true;
}

static void check_line(const struct bankreg_line *l)
{
	char buf[MONEY_STR_MAX + 8];
	money_kop back = -1;
	struct jv_err e = { "" };

	CHECK(strlen(l->date) == 10 && digits(l->date, 4) && l->date[4] == '-' &&
	      digits(l->date + 5, 2) && l->date[7] == '-' && digits(l->date + 8, 2));
	CHECK(strcmp(l->date, TODAY) <= 0);
	CHECK(l->amount > 0 && l->amount <= MONEY_MAX);
	snprintf(buf, sizeof buf, "%lld,%02lld", (long long)(l->amount / 100),
		 (long long)(l->amount % 100));
	CHECK(bankreg_amount(buf, "amount", &back, &e) == AMR_OK && back == l->amount);
	CHECK(l->period[0] == '\0' || (strlen(l->period) == 7 && digits(l->period, 4) &&
				       l->period[4] == '-' && digits(l->period + 5, 2)));
	CHECK(l->reference && *l->reference && strlen(l->reference) <= BANKREG_REF_MAX);
	CHECK(l->account && strlen(l->account) <= BANKREG_ACCOUNT_MAX);
	CHECK(l->payer && strlen(l->payer) <= BANKREG_TEXT_MAX);
	CHECK(l->address && strlen(l->address) <= BANKREG_TEXT_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bankreg *r = (struct bankreg *)&r; /* must stay as it is on refusal */
	struct bankreg *const before = r;
	struct jv_err e = { "" };
	size_t refused = 0;
	amr_err rc;

	rc = bankreg_parse(data, size, TODAY, &r, &e);
	if (rc != AMR_OK) {
		CHECK(rc == AMR_EINVAL && r == before && e.msg[0] != '\0');
		return 0;
	}
	CHECK(r->n >= 1 && r->n <= BANKREG_LINES_MAX);
	CHECK(!strcmp(r->encoding, "utf-8") || !strcmp(r->encoding, "windows-1251"));
	CHECK(r->text && utf8_text(r->text));
	for (size_t i = 0; i < r->n; i++) {
		const struct bankreg_line *l = &r->lines[i];

		CHECK(l->line >= 1 && (i == 0 || l->line > r->lines[i - 1].line));
		if (l->refused) {
			CHECK(l->refused[0] != '\0');
			refused++;
		} else {
			check_line(l);
		}
	}
	CHECK(refused == r->refused);
	bankreg_free(r);
	return 0;
}
