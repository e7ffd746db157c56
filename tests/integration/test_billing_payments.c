/*
 * amr-billing's payments with a real Mosquitto and a real amr-archive: a
 * payment entered and reversed once; an opening balance; a bank registry
 * (Windows-1251) previewed without a change, applied, and applied again
 * without a change; its suspense line assigned; a registry in parts, and
 * through amrctl; statements whose sums are their entries'; and a kill -9
 * during an import leaving all of it or nothing.
 */
#include <check.h>
#include <iconv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>
#include <sodium.h>

#include "archive_util.h"
#include "billing_util.h"
#include "harness.h"

static struct harness h;
static pid_t billing; /* amr-billing's pid */

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
	ck_assert_int_eq(sodium_init() < 0, 0);
	arc_start(&h, NULL);
	billing = bil_start(&h, NULL);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* An organisation (1) with a building, two flats and their accounts
 * 100001 (1) and 100002 (2). */
static void world(void)
{
	char buf[1024];

	ck_assert_int_eq(bil_create(&h, "org", BIL_ORG), 1);
	bil_create(&h, "building",
		   "\"org\":1,\"address\":\"ул. Ленина, 5\",\"tz\":\"Europe/Moscow\"");
	for (int i = 1; i <= 2; i++) {
		snprintf(buf, sizeof buf,
			 "\"building\":1,\"number\":\"%d\",\"kind\":\"flat\",\"area\":\"54.3\","
			 "\"residents\":2",
			 i);
		bil_create(&h, "premises", buf);
		snprintf(buf, sizeof buf,
			 "\"org\":1,\"number\":\"10000%d\",\"holder\":{\"type\":\"person\","
			 "\"name\":\"Жилец %d\"},\"premises\":[{\"premises\":%d,\"from\":"
			 "\"2025-01-01\"}]",
			 i, i, i);
		ck_assert_int_eq(bil_create(&h, "account", buf), i);
	}
}

/* account's balance at the end of date (NULL: today). */
static char *balance(int account, const char *date)
{
	static char out[64];
	char args[128];
	json_t *r;

	snprintf(args, sizeof args, "{\"account\":%d%s%s%s}", account, date ? ",\"date\":\"" : "",
		 date ? date : "", date ? "\"" : "");
	r = bil_call(&h, "account.balance", args, NULL, NULL, 0);
	snprintf(out, sizeof out, "%s", json_string_value(json_object_get(r, "balance")));
	json_decref(r);
	return out;
}

/* Kopecks of an amount as amr-billing writes it ("-1520.30"). */
static long long kop(const char *s)
{
	long long r = 0, c = 0;
	int neg = *s == '-';

	ck_assert_int_eq(sscanf(s + neg, "%lld.%2lld", &r, &c), 2);
	return (neg ? -1 : 1) * (r * 100 + c);
}

/* The statement of account over [from, to] (NULL: open), checked: its
 * sums are its entries' and the closing balance is the opening one plus
 * them. Returns it (new). */
static json_t *statement(int account, const char *from, const char *to)
{
	static const char *const sums[][2] = {
		{ "charges", "charge" },     { "payments", "payment" },
		{ "reversals", "reversal" }, { "adjustments", "adjustment" },
		{ "penalties", "penalty" },  { "openings", "opening" },
	};
	char args[256];
	long long total = 0;
	json_t *r, *e;
	size_t i;

	snprintf(args, sizeof args, "{\"account\":%d%s%s%s%s%s%s}", account,
		 from ? ",\"from\":\"" : "", from ? from : "", from ? "\"" : "",
		 to ? ",\"to\":\"" : "", to ? to : "", to ? "\"" : "");
	r = bil_call(&h, "account.statement", args, NULL, NULL, 0);
	for (size_t k = 0; k < sizeof sums / sizeof sums[0]; k++) {
		long long sum = 0;

		json_array_foreach(json_object_get(r, "entries"), i, e)
			if (!strcmp(json_string_value(json_object_get(e, "kind")), sums[k][1]))
				sum += kop(json_string_value(json_object_get(e, "amount")));
		ck_assert_int_eq(kop(json_string_value(json_object_get(r, sums[k][0]))), sum);
		total += sum;
	}
	ck_assert_int_eq(kop(json_string_value(json_object_get(r, "opening_balance"))) + total,
			 kop(json_string_value(json_object_get(r, "closing_balance"))));
	return r;
}

START_TEST(payment_entered_and_reversed_once)
{
	char *rec;
	json_t *r;

	world();
	r = bil_call(&h, "payment.create",
		     "{\"actor\":\"accountant\",\"account\":1,\"date\":\"2026-11-05\",\"amount\":"
		     "\"1520.30\",\"period\":\"2026-10\",\"penalties_first\":true,\"reference\":"
		     "\"ПП-17\",\"payer\":\"Иванова М. П.\"}",
		     NULL, NULL, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "seq")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "kind")), "payment");
	ck_assert_str_eq(json_string_value(json_object_get(r, "amount")), "-1520.30");
	ck_assert_str_eq(json_string_value(json_object_get(r, "period")), "2026-10");
	ck_assert_str_eq(json_string_value(json_object_get(r, "payment")), "ПП-17");
	ck_assert(json_is_true(json_object_get(r, "penalties_first")));
	json_decref(r);
	/* by the лицевой счёт's number in the organisation */
	r = bil_call(&h, "payment.create",
		     "{\"actor\":\"accountant\",\"org\":1,\"number\":\"100002\",\"date\":"
		     "\"2026-11-06\",\"amount\":\"100\"}",
		     NULL, NULL, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "account")), 2);
	json_decref(r);
	rec = harness_wait_message(&h, "amr/v1/audit", "\"action\":\"payment.create\"", 10000);
	ck_assert_ptr_nonnull(rec);
	ck_assert_ptr_nonnull(strstr(rec, "\"target\":\"billing/account/1\""));
	ck_assert_ptr_nonnull(strstr(rec, "\"actor\":\"accountant\""));
	free(rec);

	/* refused, naming the field; nothing written */
	bil_refused(&h, "payment.create",
		    "{\"actor\":\"a\",\"account\":1,\"date\":\"2099-01-01\",\"amount\":\"1\"}",
		    "bad_request", "date: 2099-01-01 is after today");
	bil_refused(&h, "payment.create",
		    "{\"actor\":\"a\",\"account\":1,\"date\":\"2026-11-05\",\"amount\":\"0\"}",
		    "bad_request", "amount: 0.00: a payment is more than zero");
	bil_refused(&h, "payment.create",
		    "{\"actor\":\"a\",\"account\":1,\"date\":\"2026-11-05\",\"amount\":\"-5\"}",
		    "bad_request", "amount: ");
	bil_refused(&h, "payment.create",
		    "{\"actor\":\"a\",\"account\":1,\"date\":\"2026-11-05\",\"amount\":\"1.005\"}",
		    "bad_request", "amount: \"1.005\" has more than 2 decimals");
	bil_refused(&h, "payment.create",
		    "{\"actor\":\"a\",\"account\":99,\"date\":\"2026-11-05\",\"amount\":\"1\"}",
		    "not_found", "account: there is no account 99");
	bil_refused(&h, "payment.create",
		    "{\"actor\":\"a\",\"org\":1,\"number\":\"999\",\"date\":\"2026-11-05\","
		    "\"amount\":\"1\"}",
		    "not_found", "number: organisation 1 has no account 999");
	bil_refused(&h, "payment.create",
		    "{\"actor\":\"a\",\"account\":1,\"date\":\"2026-11-05\",\"amount\":\"1\","
		    "\"period\":\"2026-13\"}",
		    "bad_request", "period: \"2026-13\" is not a month");
	ck_assert_str_eq(balance(1, NULL), "-1520.30");
	ck_assert_str_eq(balance(1, "2026-11-04"), "0.00");

	/* сторно: once, of a payment only, never a deletion */
	bil_refused(&h, "payment.reverse", "{\"seq\":1,\"actor\":\"a\"}", "bad_request",
		    "reason: missing");
	bil_refused(&h, "payment.reverse",
		    "{\"seq\":1,\"actor\":\"a\",\"reason\":\"r\",\"date\":\"2026-11-01\"}",
		    "bad_request", "date: 2026-11-01 is before the payment's date 2026-11-05");
	r = bil_call(&h, "payment.reverse",
		     "{\"seq\":1,\"actor\":\"accountant\",\"reason\":\"paid to the wrong account\","
		     "\"date\":\"2026-11-10\"}",
		     NULL, NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "kind")), "reversal");
	ck_assert_str_eq(json_string_value(json_object_get(r, "amount")), "1520.30");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "reverses")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "seq")), 3);
	json_decref(r);
	bil_refused(&h, "payment.reverse", "{\"seq\":1,\"actor\":\"a\",\"reason\":\"again\"}",
		    "conflict", "seq: payment 1 is reversed already (by entry 3)");
	bil_refused(&h, "payment.reverse", "{\"seq\":3,\"actor\":\"a\",\"reason\":\"r\"}",
		    "bad_request", "seq: entry 3 is a reversal, not a payment");
	bil_refused(&h, "payment.reverse", "{\"seq\":99,\"actor\":\"a\",\"reason\":\"r\"}",
		    "not_found", "seq: there is no entry 99");
	ck_assert_str_eq(balance(1, "2026-11-09"), "-1520.30");
	ck_assert_str_eq(balance(1, NULL), "0.00");

	/* both stay in the statement */
	r = statement(1, NULL, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r, "entries")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(r, "payments")), "-1520.30");
	ck_assert_str_eq(json_string_value(json_object_get(r, "reversals")), "1520.30");
	ck_assert_str_eq(json_string_value(json_object_get(r, "closing_balance")), "0.00");
	json_decref(r);
	rec = harness_wait_message(&h, "amr/v1/audit", "\"action\":\"payment.reverse\"", 10000);
	ck_assert_ptr_nonnull(rec);
	ck_assert_ptr_nonnull(strstr(rec, "\"reason\":\"paid to the wrong account\""));
	free(rec);
	ck_assert_int_eq(bil_metric(&h, "amr_billing_payments_total{source=\"manual\"}"), 2);
	/* the archive holds the records of account 1: its creation, the
	 * payment and its reversal */
	r = bil_audit_records(&h, "billing/account/1", 3);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 3);
	json_decref(r);
}
END_TEST

START_TEST(opening_balance)
{
	json_t *r;

	world();
	bil_refused(&h, "account.opening",
		    "{\"account\":1,\"actor\":\"a\",\"reason\":\"r\",\"date\":\"2026-09-30\","
		    "\"items\":[{\"period\":\"2026-10\",\"amount\":\"1.00\"}]}",
		    "bad_request",
		    "items[0].period: 2026-10 is after the opening's date 2026-09-30");
	bil_refused(&h, "account.opening",
		    "{\"account\":1,\"actor\":\"a\",\"reason\":\"r\",\"date\":\"2026-09-30\","
		    "\"items\":[{\"period\":\"2026-07\",\"amount\":\"0\"}]}",
		    "bad_request", "items[0].amount: 0.00: an item is a debt");
	r = bil_call(&h, "account.opening",
		     "{\"account\":1,\"actor\":\"accountant\",\"reason\":\"moved over from 1С\","
		     "\"date\":\"2026-09-30\",\"items\":[{\"period\":\"2026-07\",\"amount\":"
		     "\"1200.00\"},{\"period\":\"2026-08\",\"amount\":\"800.50\"},{\"period\":"
		     "\"2026-09\",\"amount\":\"-100.00\"}]}",
		     NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "entries")), 3);
	json_decref(r);
	ck_assert_str_eq(balance(1, "2026-09-29"), "0.00");
	ck_assert_str_eq(balance(1, "2026-09-30"), "1900.50");
	/* one opening a month: a repeat is refused, not doubled */
	bil_refused(&h, "account.opening",
		    "{\"account\":1,\"actor\":\"a\",\"reason\":\"r\",\"date\":\"2026-09-30\","
		    "\"items\":[{\"period\":\"2026-06\",\"amount\":\"5.00\"},{\"period\":"
		    "\"2026-07\",\"amount\":\"1200.00\"}]}",
		    "conflict",
		    "items[1].period: account 1 has an opening balance for 2026-07 already");
	ck_assert_str_eq(balance(1, NULL), "1900.50");
	/* after a payment, no opening on or after its date */
	json_decref(bil_call(&h, "payment.create",
			     "{\"actor\":\"a\",\"account\":1,\"date\":\"2026-10-05\",\"amount\":"
			     "\"900.50\"}",
			     NULL, NULL, 0));
	bil_refused(&h, "account.opening",
		    "{\"account\":1,\"actor\":\"a\",\"reason\":\"r\",\"date\":\"2026-10-31\","
		    "\"items\":[{\"period\":\"2026-10\",\"amount\":\"1.00\"}]}",
		    "bad_request",
		    "date: account 1 has a payment of 2026-10-05 (entry 4), on or before");
	r = statement(1, "2026-10-01", "2026-10-31");
	ck_assert_str_eq(json_string_value(json_object_get(r, "opening_balance")), "1900.50");
	ck_assert_int_eq(json_array_size(json_object_get(r, "entries")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "closing_balance")), "1000.00");
	json_decref(r);
	r = statement(1, NULL, "2026-09-30");
	ck_assert_str_eq(json_string_value(json_object_get(r, "openings")), "1900.50");
	json_decref(r);
	bil_refused(&h, "account.statement",
		    "{\"account\":1,\"from\":\"2026-10-02\",\"to\":"
		    "\"2026-10-01\"}",
		    "bad_request", "to: 2026-10-01 is before from 2026-10-02");
}
END_TEST

/* text (UTF-8) converted to Windows-1251, base64, into a new string. */
static char *cp1251_base64(const char *text)
{
	size_t n = strlen(text), left = n * 2, in_left = n, b64_len;
	char *buf = malloc(n * 2), *in = (char *)text, *out = buf, *b64;
	iconv_t cd = iconv_open("WINDOWS-1251", "UTF-8");

	ck_assert(cd != (iconv_t)-1);
	ck_assert_uint_ne(iconv(cd, &in, &in_left, &out, &left), (size_t)-1);
	iconv_close(cd);
	b64_len = sodium_base64_ENCODED_LEN(n * 2 - left, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(b64_len);
	sodium_bin2base64(b64, b64_len, (unsigned char *)buf, n * 2 - left,
			  sodium_base64_VARIANT_ORIGINAL);
	free(buf);
	return b64;
}

/* payment.import of text (UTF-8, sent as Windows-1251) by org 1's bank
 * sber: the answer (new). */
static json_t *import(const char *text, bool apply)
{
	char *b64 = cp1251_base64(text), *args;
	json_t *r;

	ck_assert_int_ge(asprintf(&args,
				  "{\"actor\":\"accountant\",\"org\":1,\"bank\":\"sber\",\"name\":"
				  "\"reestr.txt\",\"apply\":%s,\"text\":\"%s\"}",
				  apply ? "true" : "false", b64),
			 0);
	r = bil_call(&h, "payment.import", args, NULL, NULL, 0);
	free(args);
	free(b64);
	return r;
}

/* An audit record holding needle came on amr/v1/audit. */
static void audited(const char *needle)
{
	char *rec = harness_wait_message(&h, "amr/v1/audit", needle, 10000);

	ck_assert_msg(rec != NULL, "no audit record with %s", needle);
	free(rec);
}

static long long count(const json_t *r, const char *what)
{
	return json_integer_value(json_object_get(r, what));
}

#define REGISTRY                                                                                \
	"Дата;Номер;ЛС;Сумма;Период;Плательщик;Адрес\r\n"  \
	"05.11.2026;R1;100001;1000,00;102026;Жилец 1;ул. Ленина, 5-1\r\n"          \
	"05.11.2026;R2;100002;250,50;;Жилец 2;ул. Ленина, 5-2\r\n"                 \
	"06.11.2026;R3;100009;300,00;102026;Неизвестный;ул. Ленина, 5-9\r\n" \
	"06.11.2026;R4;100001;12,345;102026;Жилец 1;ул. Ленина, 5-1\r\n"

START_TEST(registry_imported_once)
{
	json_t *r, *l;
	char msg[512];

	world();
	/* a preview: every line's fate, and nothing changed */
	r = import(REGISTRY, false);
	ck_assert_int_eq(count(r, "lines"), 4);
	ck_assert_int_eq(count(r, "taken"), 2);
	ck_assert_int_eq(count(r, "suspense"), 1);
	ck_assert_int_eq(count(r, "skipped"), 0);
	ck_assert(json_is_null(json_object_get(r, "import")));
	ck_assert_str_eq(json_string_value(json_object_get(r, "encoding")), "windows-1251");
	ck_assert_str_eq(json_string_value(json_object_get(r, "sum_taken")), "1250.50");
	ck_assert_int_eq(json_array_size(json_object_get(r, "entries")), 3);
	l = json_array_get(json_object_get(r, "refused"), 0);
	ck_assert_int_eq(count(l, "line"), 5);
	ck_assert_str_eq(json_string_value(json_object_get(l, "reason")),
			 "amount: \"12,345\" has more than 2 decimals");
	json_decref(r);
	ck_assert_str_eq(balance(1, NULL), "0.00");
	r = bil_call(&h, "suspense.list", "{\"org\":1}", NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 0);
	json_decref(r);

	/* applied: one transaction */
	r = import(REGISTRY, true);
	ck_assert_int_eq(count(r, "taken"), 2);
	ck_assert_int_eq(count(r, "suspense"), 1);
	ck_assert_int_eq(count(r, "import"), 1);
	json_decref(r);
	ck_assert_str_eq(balance(1, NULL), "-1000.00");
	ck_assert_str_eq(balance(2, NULL), "-250.50");
	r = bil_call(&h, "suspense.list", "{\"org\":1,\"state\":\"open\"}", NULL, NULL, 0);
	l = json_array_get(json_object_get(r, "records"), 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(l, "account")), "100009");
	ck_assert_str_eq(json_string_value(json_object_get(l, "amount")), "300.00");
	ck_assert_str_eq(json_string_value(json_object_get(l, "payer")), "Неизвестный");
	json_decref(r);
	audited("\"target\":\"billing/import/1\"");

	/* the same file again: every line it took is skipped, nothing changes */
	r = import(REGISTRY, true);
	ck_assert_int_eq(count(r, "skipped"), 3);
	ck_assert_int_eq(count(r, "taken"), 0);
	ck_assert_int_eq(count(r, "suspense"), 0);
	ck_assert(json_is_null(json_object_get(r, "import")));
	json_decref(r);
	ck_assert_str_eq(balance(1, NULL), "-1000.00");
	ck_assert_str_eq(balance(2, NULL), "-250.50");
	ck_assert_int_eq(bil_metric(&h, "amr_billing_payment_lines_total{result=\"taken\"}"), 2);
	ck_assert_int_eq(bil_metric(&h, "amr_billing_payment_lines_total{result=\"skipped\"}"), 3);
	ck_assert_int_eq(bil_metric(&h, "amr_billing_payment_lines_total{result=\"refused\"}"), 2);
	ck_assert_int_eq(bil_metric(&h, "amr_billing_suspense_open"), 1);
	ck_assert_int_eq(bil_metric(&h, "amr_billing_payments_total{source=\"registry\"}"), 2);

	/* the refused line fixed: only it is new */
	r = import(REGISTRY "06.11.2026;R5;100001;12,34;102026;Жилец 1;\r\n", true);
	ck_assert_int_eq(count(r, "taken"), 1);
	ck_assert_int_eq(count(r, "skipped"), 3);
	json_decref(r);
	ck_assert_str_eq(balance(1, NULL), "-1012.34");

	/* the suspense line to the account the payer meant */
	bil_refused(&h, "suspense.assign", "{\"id\":1,\"account\":2,\"actor\":\"a\"}",
		    "bad_request", "reason: missing");
	r = bil_call(&h, "suspense.assign",
		     "{\"id\":1,\"number\":\"100002\",\"actor\":\"accountant\",\"reason\":\"the "
		     "payer phoned: flat 2\"}",
		     NULL, NULL, 0);
	l = json_object_get(r, "entry");
	ck_assert_str_eq(json_string_value(json_object_get(l, "date")), "2026-11-06");
	ck_assert_str_eq(json_string_value(json_object_get(l, "amount")), "-300.00");
	ck_assert_int_eq(count(l, "account"), 2);
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(r, "suspense"), "state")),
		"assigned");
	json_decref(r);
	ck_assert_str_eq(balance(2, NULL), "-550.50");
	bil_refused(&h, "suspense.assign",
		    "{\"id\":1,\"account\":1,\"actor\":\"a\",\"reason\":\"r\"}", "conflict",
		    "id: suspense line 1 is assigned already (to account 2");
	bil_refused(&h, "suspense.assign",
		    "{\"id\":9,\"account\":1,\"actor\":\"a\",\"reason\":\"r\"}", "not_found",
		    "id: there is no suspense line 9");
	r = bil_call(&h, "suspense.list", "{\"org\":1,\"state\":\"open\"}", NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 0);
	json_decref(r);
	ck_assert_int_eq(bil_metric(&h, "amr_billing_suspense_open"), 0);
	audited("\"target\":\"billing/suspense/1\"");

	/* refused whole, naming the line or the field; nothing changed */
	r = NULL;
	{
		char *b64 = cp1251_base64("05.11.2026;R9;100001;1,00\n=2;1,00\n"), *args;

		ck_assert_int_ge(asprintf(&args,
					  "{\"actor\":\"a\",\"org\":1,\"bank\":\"sber\",\"name\":"
					  "\"x\",\"apply\":true,\"text\":\"%s\"}",
					  b64),
				 0);
		r = bil_call(&h, "payment.import", args, "bad_request", msg, sizeof msg);
		ck_assert_str_eq(msg, "line 2: the control line says 2 payments of 1.00; the file "
				      "has 1 of 1.00");
		free(args);
		free(b64);
	}
	bil_refused(&h, "payment.import",
		    "{\"actor\":\"a\",\"org\":1,\"bank\":\"sber\",\"name\":\"x\",\"text\":\"@@\"}",
		    "bad_request", "text: not base64");
	bil_refused(
		&h, "payment.import",
		"{\"actor\":\"a\",\"org\":1,\"bank\":\"Sber\",\"name\":\"x\",\"text\":\"MQ==\"}",
		"bad_request", "bank: \"Sber\"");
	bil_refused(&h, "payment.import",
		    "{\"actor\":\"a\",\"org\":9,\"bank\":\"sber\",\"name\":\"x\",\"text\":"
		    "\"MDUuMTEuMjAyNjtSOTsxMDAwMDE7MSwwMAo=\"}",
		    "not_found", "org: there is no org 9");
	ck_assert_str_eq(balance(1, NULL), "-1012.34");
	r = statement(2, NULL, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r, "payments")), "-550.50");
	json_decref(r);
}
END_TEST

/* A registry of n lines for accounts 100001 and 100002 (odd, even), each
 * k roubles on line k, paid on day k % 28 + 1 of October; its total in
 * kopecks into *sum. New text. */
static char *big_registry(int n, long long *sum)
{
	size_t cap = (size_t)n * 80 + 64, len = 0;
	char *s = malloc(cap);

	*sum = 0;
	len += (size_t)snprintf(s, cap, "date;reference;account;amount\n");
	for (int k = 1; k <= n; k++) {
		len += (size_t)snprintf(s + len, cap - len,
					"%02d.10.2026;SBER-2026-10-%08d;10000%d;%d,00;;Жилец\n",
					k % 28 + 1, k, k % 2 ? 1 : 2, k);
		*sum += 100LL * k;
	}
	return s;
}

/* Write text to a file in the test's directory: its path (static). */
static const char *file_of(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", h.dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Both accounts' balances added, in kopecks. */
static long long paid(void)
{
	return -(kop(balance(1, NULL)) + kop(balance(2, NULL)));
}

START_TEST(registry_in_parts_and_through_amrctl)
{
	char cmd[1024], *out;
	long long sum;
	int status = -1;
	char *text = big_registry(14000, &sum);
	const char *path = file_of("reestr-big.txt", text);
	json_t *r;

	world();
	ck_assert_uint_gt(strlen(text), 737280); /* more than one message: two parts */
	/* parts by hand: in order, a part sent again taken once */
	bil_refused(&h, "payment.import",
		    "{\"actor\":\"a\",\"org\":1,\"bank\":\"sber\",\"name\":\"p\",\"text\":\"MDEu\","
		    "\"upload\":\"u1\",\"part\":2,\"parts\":3}",
		    "not_found", "upload: no file \"u1\" is coming in parts");
	for (int k = 1; k <= 2; k++) {
		r = bil_call(&h, "payment.import",
			     "{\"actor\":\"a\",\"org\":1,\"bank\":\"sber\",\"name\":\"p\",\"text\":"
			     "\"MDEuMTEu\",\"upload\":\"u1\",\"part\":1,\"parts\":3}",
			     NULL, NULL, 0);
		ck_assert_int_eq(count(r, "received"), 6);
		json_decref(r);
	}
	bil_refused(&h, "payment.import",
		    "{\"actor\":\"a\",\"org\":1,\"bank\":\"sber\",\"name\":\"p\",\"text\":\"MDEu\","
		    "\"upload\":\"u1\",\"part\":3,\"parts\":3}",
		    "bad_request", "part: 3 is not the next part of upload u1 (1 of 3 received)");
	json_decref(bil_call(&h, "payment.import",
			     "{\"actor\":\"a\",\"org\":1,\"bank\":\"sber\",\"name\":\"p\",\"text\":"
			     "\"MjAyNjtQ\",\"upload\":\"u1\",\"part\":2,\"parts\":3}",
			     NULL, NULL, 0));
	r = bil_call(
		&h, "payment.import", /* "01.11.2026;P1;100001;7,00\n" in three parts */
		"{\"actor\":\"a\",\"org\":1,\"bank\":\"sber\",\"name\":\"p\",\"text\":"
		"\"MTsxMDAwMDE7NywwMAo=\",\"upload\":\"u1\",\"part\":3,\"parts\":3,\"apply\":true}",
		NULL, NULL, 0);
	json_decref(r);

	/* amrctl splits a big file itself: a preview, then applied, then again */
	snprintf(cmd, sizeof cmd, "amrctl billing payments import --org 1 --bank sber %s", path);
	out = harness_run(&h, cmd, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(strstr(out, "a preview: nothing changed"));
	free(out);
	ck_assert_str_eq(balance(2, NULL), "0.00");
	snprintf(cmd, sizeof cmd,
		 "amrctl --compact=yes billing payments import --org 1 --bank sber --apply %s",
		 path);
	out = harness_run(&h, cmd, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(r = json_loads(out, 0, NULL));
	ck_assert_int_eq(count(r, "taken"), 14000);
	json_decref(r);
	free(out);
	ck_assert_int_eq(paid(), sum + 700);
	out = harness_run(&h, cmd, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(r = json_loads(out, 0, NULL));
	ck_assert_int_eq(count(r, "skipped"), 14000);
	json_decref(r);
	free(out);
	ck_assert_int_eq(paid(), sum + 700);

	/* statement and balance by the account's number; a refused line table */
	out = harness_run(&h, "amrctl --compact=yes billing balance 100002 --org 1", &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(strstr(out, "\"account\":2"));
	free(out);
	out = harness_run(&h, "amrctl billing statement 1 --from 2026-10-28 --to 2026-10-28",
			  &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(strstr(out, "SBER-2026-10-00013999"));
	free(out);
	/* 7000 entries are more than one answer carries: a shorter span */
	free(harness_run(&h, "amrctl billing statement 1 2>/dev/null", &status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	path = file_of("reestr-bad.txt", "05.11.2026;B1;100001;1,234\n");
	snprintf(cmd, sizeof cmd, "amrctl billing payments import --org 1 --bank sber %s", path);
	out = harness_run(&h, cmd, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(strstr(out, "     1  amount: \"1,234\" has more than 2 decimals"));
	free(out);
	free(harness_run(&h, "amrctl billing payments import --org 1 x 2>/dev/null", &status));
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	free(text);
}
END_TEST

START_TEST(kill_during_import_all_or_nothing)
{
	long long sum, got;
	char *text = big_registry(6000, &sum), *b64, *req;
	size_t n = strlen(text), b64_len;

	world();
	b64_len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(b64_len);
	sodium_bin2base64(b64, b64_len, (unsigned char *)text, n, sodium_base64_VARIANT_ORIGINAL);
	ck_assert_int_ge(asprintf(&req,
				  "{\"id\":\"k1\",\"reply\":\"amr/v1/rpc/reply/killed\",\"args\":{"
				  "\"actor\":\"a\",\"org\":1,\"bank\":\"sber\",\"name\":\"k\","
				  "\"apply\":true,\"text\":\"%s\"}}",
				  b64),
			 0);
	/* the import is sent, and amr-billing killed while it works on it */
	ck_assert_int_eq(harness_publish(&h, "amr/v1/rpc/billing/payment.import", req, 1, false),
			 0);
	ck_assert_int_eq(harness_sync(&h, 5000), 0);
	harness_kill(&h, billing, SIGKILL);
	bil_start(&h, NULL);
	got = paid();
	ck_assert_msg(got == 0 || got == sum, "after the kill %lld of %lld kopecks", got, sum);
	/* and applied again, all of it is there once */
	harness_publish(&h, "amr/v1/rpc/billing/payment.import", req, 1, false);
	HARNESS_POLL_UNTIL(paid() == sum, 30000);
	ck_assert_int_eq(paid(), sum);
	free(req);
	free(b64);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("billing_payments");
	TCase *tc = tcase_create("payments");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, payment_entered_and_reversed_once);
	tcase_add_test(tc, opening_balance);
	tcase_add_test(tc, registry_imported_once);
	tcase_add_test(tc, registry_in_parts_and_through_amrctl);
	tcase_add_test(tc, kill_during_import_all_or_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
