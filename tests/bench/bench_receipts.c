/*
 * bench_receipts - a building's receipts drawn into one PDF in one
 * thread: pages a second and bytes.
 *
 *   bench_receipts [receipts] [runs]
 *
 * Builds `receipts` synthetic receipts (default 1000) of one building,
 * each with 12 lines as a flat with meters has them (cold and hot water
 * with their readings, wastewater, electricity on two zones with theirs,
 * heat by the norm, maintenance, waste, two ОДН lines, a recalculation),
 * the money box and the QR code's text (qrpay.c), a notice on every tenth,
 * then times recdraw_pdf() over all of them, `runs` times (default 3).
 * Building the JSON is not timed. Figures and the command:
 * docs/benchmarks.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "money.h"
#include "qrpay.h"
#include "recdraw.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A line of quantity q (thousandths) at price p (kopecks); adds its amount
 * to *sum. */
static json_t *line(const char *name, const char *unit, const char *basis, int64_t q, int64_t p,
		    money_kop *sum)
{
	struct money_qty qty = { q, 3 };
	char qb[MONEY_STR_MAX], pb[MONEY_STR_MAX], ab[MONEY_STR_MAX];
	money_kop amount = 0;

	money_line(p * MONEY_PRICE_SCALE, &qty, &amount);
	*sum += amount;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", name, "unit", unit, "basis",
			 basis, "quantity", money_qty_format(&qty, qb), "price",
			 money_price_format(p * MONEY_PRICE_SCALE, pb), "amount",
			 money_format(amount, ab));
}

static json_t *readings(const char *serial, int64_t start, int64_t used)
{
	struct money_qty a = { start, 3 }, b = { start + used, 3 };
	char sa[MONEY_STR_MAX], sb[MONEY_STR_MAX];

	return json_pack("[{s:s, s:s, s:s}]", "serial", serial, "start", money_qty_format(&a, sa),
			 "end", money_qty_format(&b, sb));
}

static json_t *receipt(int i)
{
	char number[16], holder[64], address[96], purpose[96], serial[32], qr[QRPAY_MAX];
	char t[MONEY_STR_MAX], c[MONEY_STR_MAX], rc[MONEY_STR_MAX];
	money_kop sum = 0, recalc = 0;
	json_t *lines = json_array(), *l, *r;
	int64_t w = 3000 + (i * 37) % 4000, e = 100000 + (i * 91) % 150000;
	struct jv_err err = { "" };
	struct qrpay q = { .name = "ТСЖ «Большой дом»",
			   .personal_acc = "40703810338000012012",
			   .bank_name = "ПАО Сбербанк",
			   .bic = "044525225",
			   .corresp_acc = "30101810400000000225",
			   .payee_inn = "7707083893",
			   .kpp = "773601001",
			   .period_year = 2026,
			   .period_month = 10,
			   .has_sum = true };

	snprintf(number, sizeof number, "%06d", 100000 + i);
	snprintf(holder, sizeof holder, "Жилец-%d Иван Петрович", i);
	snprintf(address, sizeof address, "г. Москва, ул. Большая, д. 1, кв. %d", i + 1);
	snprintf(purpose, sizeof purpose, "Оплата ЖКУ за 10.2026, л/с %s", number);
	l = line("Холодное водоснабжение", "m3", "meter", w, 4230, &sum);
	snprintf(serial, sizeof serial, "ХВ-%d", 10000 + i);
	json_object_set_new(l, "readings", readings(serial, 123456 + i, w));
	json_array_append_new(lines, l);
	l = line("Горячее водоснабжение", "m3", "meter", w / 2, 20515, &sum);
	snprintf(serial, sizeof serial, "ГВ-%d", 20000 + i);
	json_object_set_new(l, "readings", readings(serial, 45100 + i, w / 2));
	json_array_append_new(lines, l);
	json_array_append_new(lines, line("Водоотведение", "m3", "meter", w + w / 2, 3520, &sum));
	l = line("Электроснабжение", "kWh", "meter", e, 643, &sum);
	snprintf(serial, sizeof serial, "ЭЛ-%d T1", 30000 + i);
	json_object_set_new(l, "line", json_string("day"));
	json_object_set_new(l, "readings", readings(serial, 1200000 + i, e));
	json_array_append_new(lines, l);
	l = line("Электроснабжение", "kWh", "meter", e / 2, 263, &sum);
	snprintf(serial, sizeof serial, "ЭЛ-%d T2", 30000 + i);
	json_object_set_new(l, "line", json_string("night"));
	json_object_set_new(l, "readings", readings(serial, 500000 + i, e / 2));
	json_array_append_new(lines, l);
	json_array_append_new(lines, line("Отопление", "Gcal", "norm", 1234, 250000, &sum));
	json_array_append_new(
		lines, line("Содержание жилого помещения", "m2", "fixed", 54300, 2500, &sum));
	json_array_append_new(lines, line("Обращение с ТКО", "person", "fixed", 2000, 12000, &sum));
	json_array_append_new(lines, line("Холодная вода на содержание общего имущества", "m3",
					  "odn", 250, 4230, &sum));
	json_array_append_new(lines, line("Электроэнергия на содержание общего имущества", "kWh",
					  "odn", 12500, 643, &sum));
	l = line("Холодное водоснабжение", "m3", "recalculation", 1500, 4230, &recalc);
	json_object_set_new(l, "month", json_string("2026-08"));
	json_object_set_new(l, "reason", json_string("перерасчёт за 2026-08 по показаниям"));
	json_array_append_new(lines, l);
	json_array_append_new(lines, line("Вывоз снега", "month", "fixed", 1000, 5000, &sum));
	q.pers_acc = number;
	q.last_name = holder;
	q.payer_address = address;
	q.purpose = purpose;
	q.sum = sum + recalc;
	if (qrpay_payload(&q, qr, sizeof qr, &err)) {
		fprintf(stderr, "qrpay: %s\n", err.msg);
		exit(1);
	}
	r = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s},"
		      " s:{s:s, s:s}, s:[{s:s, s:s, s:s, s:i, s:s, s:s, s:i}], s:o,"
		      " s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:b}",
		      "id", number, "period", "2026-10", "lang", "ru", "payee", "name", q.name,
		      "inn", q.payee_inn, "kpp", q.kpp, "account", q.personal_acc, "bank",
		      q.bank_name, "bik", q.bic, "corr_account", q.corresp_acc, "address",
		      "г. Москва, ул. Большая, д. 1", "phone", "+7 495 000-00-00", "account",
		      "number", number, "holder", holder, "premises", "number", number, "address",
		      address, "area", "54.30", "residents", 1 + i % 4, "from", "2026-10-01", "to",
		      "2026-11-01", "days", 31, "lines", lines, "money", "opening_date",
		      "2026-10-01", "opening", "0.00", "paid", "0.00", "charged",
		      money_format(sum, c), "recalculated", money_format(recalc, rc), "total",
		      money_format(sum + recalc, t), "qr", qr, "to_pay", 1);
	if (r && i % 10 == 0)
		json_object_set_new(r, "notice",
				    json_string("Уведомление: при непогашении задолженности "
						"будет ограничена подача горячей воды"));
	return r;
}

/* Pages of a PDF that cairo wrote: its page objects. */
static int pages_of(const struct recdraw_buf *b)
{
	const char *key = "/Type /Page";
	size_t k = strlen(key);
	int n = 0;

	for (size_t i = 0; i + k < b->size; i++)
		if (!memcmp(b->data + i, key, k) && b->data[i + k] != 's')
			n++;
	return n;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, runs = argc > 2 ? atoi(argv[2]) : 3;
	json_t *all = json_array();

	for (int i = 0; i < n; i++)
		if (json_array_append_new(all, receipt(i))) {
			fprintf(stderr, "bench_receipts: receipt %d not built\n", i);
			return 1;
		}
	for (int run = 1; run <= runs; run++) {
		struct recdraw_buf b = { 0 };
		struct jv_err err = { "" };
		double t0 = now(), dt;
		int pages;

		if (recdraw_pdf(all, "2026-11-01T09:00:00Z", &b, &err)) {
			fprintf(stderr, "bench_receipts: %s\n", err.msg);
			return 1;
		}
		dt = now() - t0;
		pages = pages_of(&b);
		printf("run %d: %d receipts, %d pages in %.2f s: %.0f pages/s, %zu bytes (%.1f KB a "
		       "page)\n",
		       run, n, pages, dt, pages / dt, b.size, (double)b.size / 1024 / pages);
		recdraw_buf_free(&b);
	}
	json_decref(all);
	return 0;
}
