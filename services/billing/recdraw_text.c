/*
 * recdraw_text.c - a receipt's words in Russian and English, and its
 * numbers as a Russian reader writes them: "1 234,56" (a space between
 * thousands, a decimal comma), dates "01.10.2026". English receipts keep
 * the same numbers and dates, so that a receipt reads the same to the
 * bank whatever its language.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "recdraw_int.h"

static const char *const labels[RECDRAW__LABELS][RECDRAW__LANGS] = {
	[RECDRAW__L_TITLE] = { "Единый платёжный документ за", "Single payment document for" },
	[RECDRAW__L_INN] = { "ИНН", "INN" },
	[RECDRAW__L_KPP] = { "КПП", "KPP" },
	[RECDRAW__L_ACCOUNT] = { "р/с", "account" },
	[RECDRAW__L_IN_BANK] = { "в", "at" },
	[RECDRAW__L_BIK] = { "БИК", "BIC" },
	[RECDRAW__L_CORR] = { "к/с", "corr. account" },
	[RECDRAW__L_ADDRESS] = { "Адрес", "Address" },
	[RECDRAW__L_PHONE] = { "Тел.", "Phone" },
	[RECDRAW__L_EMAIL] = { "E-mail", "E-mail" },
	[RECDRAW__L_SITE] = { "Сайт", "Website" },
	[RECDRAW__L_PERS_ACC] = { "Лицевой счёт", "Account number" },
	[RECDRAW__L_PAYER] = { "Плательщик", "Payer" },
	[RECDRAW__L_FLAT] = { "кв.", "flat" },
	[RECDRAW__L_AREA] = { "площадь", "area" },
	[RECDRAW__L_RESIDENTS] = { "зарегистрировано", "registered" },
	[RECDRAW__L_PERSONS] = { "чел.", "pers." },
	[RECDRAW__L_SHARE] = { "доля", "share" },
	[RECDRAW__L_HELD] = { "период", "held" },
	[RECDRAW__L_DAYS] = { "дн.", "days" },
	[RECDRAW__L_COL_SERVICE] = { "Услуга", "Service" },
	[RECDRAW__L_COL_BASIS] = { "Основание", "Basis" },
	[RECDRAW__L_COL_METER] = { "Счётчик", "Meter" },
	[RECDRAW__L_COL_PREV] = { "пред.", "previous" },
	[RECDRAW__L_COL_CUR] = { "тек.", "current" },
	[RECDRAW__L_COL_QTY] = { "Объём", "Quantity" },
	[RECDRAW__L_COL_PRICE] = { "Тариф, ₽", "Price, ₽" },
	[RECDRAW__L_COL_AMOUNT] = { "Сумма, ₽", "Amount, ₽" },
	[RECDRAW__L_ODN_SECTION] = { "Содержание общего имущества (ОДН)",
				     "Common property of the house (house meters)" },
	[RECDRAW__L_OPENING] = { "Задолженность", "Owed" },
	[RECDRAW__L_ON] = { "на", "on" },
	[RECDRAW__L_PAID] = { "Оплачено", "Paid" },
	[RECDRAW__L_CHARGED] = { "Начислено за", "Charged for" },
	[RECDRAW__L_RECALCULATED] = { "Перерасчёт", "Recalculated" },
	[RECDRAW__L_ADJUSTMENTS] = { "Корректировки", "Adjustments" },
	[RECDRAW__L_PENALTIES] = { "Пени", "Penalties" },
	[RECDRAW__L_TOTAL] = { "ИТОГО К ОПЛАТЕ", "TOTAL TO PAY" },
	[RECDRAW__L_NOTHING] = { "К оплате нет", "Nothing to pay" },
	[RECDRAW__L_OVERPAID] = { "Переплата", "Overpaid" },
	[RECDRAW__L_DUE] = { "оплатить до", "pay by" },
	[RECDRAW__L_QR] = { "Оплата по QR-коду в приложении банка",
			    "Pay by the QR code in your bank's app" },
	[RECDRAW__L_DOC] = { "Документ", "Document" },
	[RECDRAW__L_PAGE] = { "стр.", "page" },
	[RECDRAW__L_OF] = { "из", "of" },
	[RECDRAW__L_GOES_ON] = { "Продолжение на следующей странице",
				 "Continued on the next page" },
	[RECDRAW__L_FOR] = { "за", "for" },
	[RECDRAW__L_INST_OVER] = { "на", "over" },
	[RECDRAW__L_INST_MONTHS] = { "мес. с", "months from" },
	[RECDRAW__L_INST_RATE] = { "% годовых", "% a year" },
	[RECDRAW__L_INST_PART] = { "платёж", "part" },
	[RECDRAW__L_INST_INTEREST] = { "в т. ч. проценты", "of which interest" },
	[RECDRAW__L_INST_LEFT] = { "остаток", "still owed" },
	[RECDRAW__L_INST_EARLY] = { "весь остаток при выезде", "all that is left, on moving out" },
};

static const char *const bases[RECDRAW__BASES][RECDRAW__LANGS] = {
	[RECDRAW__METER] = { "по счётчику", "by meter" },
	[RECDRAW__AVERAGE] = { "по среднему", "by average" },
	[RECDRAW__NORM] = { "по нормативу", "by norm" },
	[RECDRAW__HOUSE] = { "по общедомовому прибору", "by house meter" },
	[RECDRAW__ODN] = { "ОДН", "common property" },
	[RECDRAW__FIXED] = { "по тарифу", "by tariff" },
	[RECDRAW__RECALC] = { "перерасчёт", "recalculation" },
	[RECDRAW__ADJUST] = { "корректировка", "adjustment" },
	[RECDRAW__PENALTY] = { "пени", "penalty" },
	[RECDRAW__BENEFIT] = { "льгота", "benefit" },
	[RECDRAW__SUBSIDY] = { "субсидия", "subsidy" },
	[RECDRAW__INSTALMENT] = { "рассрочка", "instalment" },
};

/* A word by its key, in each language. */
struct word {
	const char *key, *text[RECDRAW__LANGS];
};

static const struct word units[] = {
	{ "m3", { "м³", "m³" } },	    { "m2", { "м²", "m²" } },
	{ "kWh", { "кВт·ч", "kWh" } },	    { "MWh", { "МВт·ч", "MWh" } },
	{ "Gcal", { "Гкал", "Gcal" } },	    { "GJ", { "ГДж", "GJ" } },
	{ "person", { "чел.", "person" } }, { "month", { "мес.", "month" } },
};

static const struct word zones[] = {
	{ "day", { "день", "day" } },
	{ "night", { "ночь", "night" } },
	{ "peak", { "пик", "peak" } },
	{ "half_peak", { "полупик", "half-peak" } },
	{ "norm", { "в пределах нормы", "within the norm" } },
	{ "over_norm", { "сверх нормы", "over the norm" } },
};

static const char *const months[RECDRAW__LANGS][12] = {
	{ "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
	  "октябрь", "ноябрь", "декабрь" },
	{ "January", "February", "March", "April", "May", "June", "July", "August", "September",
	  "October", "November", "December" },
};

const char *recdraw__label(enum recdraw__lang lang, enum recdraw__label l)
{
	return labels[l][lang];
}

const char *recdraw__basis(enum recdraw__lang lang, enum recdraw__basis b)
{
	return bases[b][lang];
}

/* key's word in lang from t (n words), or NULL. */
static const char *word(const struct word *t, size_t n, enum recdraw__lang lang, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].key, key))
			return t[i].text[lang];
	return NULL;
}

const char *recdraw__unit(enum recdraw__lang lang, const char *unit)
{
	return word(units, sizeof units / sizeof *units, lang, unit);
}

const char *recdraw__zone(enum recdraw__lang lang, const char *zone)
{
	const char *w = word(zones, sizeof zones / sizeof *zones, lang, zone);

	return w ? w : zone;
}

/* A plain decimal ("-1234.5678", what money.h prints) as a Russian one
 * ("-1 234,5678") into buf (RECDRAW__NUM_MAX bytes). */
static char *russian(const char *plain, char *buf)
{
	const char *p = plain;
	size_t n = 0, digits;

	if (*p == '-')
		buf[n++] = *p++;
	digits = strcspn(p, ".");
	for (size_t i = 0; i < digits && n < RECDRAW__NUM_MAX - 3; i++) {
		if (i > 0 && (digits - i) % 3 == 0)
			buf[n++] = ' ';
		buf[n++] = p[i];
	}
	for (p += digits; *p && n < RECDRAW__NUM_MAX - 1; p++)
		buf[n++] = *p == '.' ? ',' : *p;
	buf[n] = '\0';
	return buf;
}

char *recdraw__money_text(money_kop v, char *buf)
{
	char plain[MONEY_STR_MAX];

	return russian(money_format(v, plain), buf);
}

char *recdraw_money(money_kop v, char *buf)
{
	return recdraw__money_text(v, buf);
}

char *recdraw__qty_text(const struct money_qty *q, char *buf)
{
	char plain[MONEY_STR_MAX];

	return russian(money_qty_format(q, plain), buf);
}

char *recdraw__price_text(int64_t price, char *buf)
{
	char plain[MONEY_STR_MAX];

	return russian(money_price_format(price, plain), buf);
}

char *recdraw__fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return buf;
}

char *recdraw__date_text(cal_day d, char *buf)
{
	int y, m, dd;

	cal_ymd(d, &y, &m, &dd);
	snprintf(buf, CAL_DATE_LEN, "%02d.%02d.%04d", dd, m, y);
	return buf;
}

char *recdraw__month_text(enum recdraw__lang lang, int y, int m, char *buf)
{
	snprintf(buf, 64, "%s %d", months[lang][m - 1], y);
	return buf;
}
