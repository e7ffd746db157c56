/*
 * recdraw_int.h - what the files of recdraw share: a receipt as read
 * from its JSON (recdraw_read.c), its words and numbers as printed
 * (recdraw_text.c) and its QR code (recdraw_qr.c). Not for other modules.
 */
#ifndef AMR_BILLING_RECDRAW_INT_H
#define AMR_BILLING_RECDRAW_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairo.h>
#include <jansson.h>

#include "calendar.h"
#include "money.h"
#include "recdraw.h"

#define RECDRAW__PATH_MAX 96 /* "receipts[999].lines[199].readings[7].serial" and room */

enum recdraw__lang {
	RECDRAW__RU,
	RECDRAW__EN,
	RECDRAW__LANGS
};

/* A line's basis, in the order of recdraw__basis_names. */
enum recdraw__basis {
	RECDRAW__METER,
	RECDRAW__AVERAGE,
	RECDRAW__NORM,
	RECDRAW__HOUSE,
	RECDRAW__ODN,
	RECDRAW__FIXED,
	RECDRAW__RECALC,
	RECDRAW__ADJUST,
	RECDRAW__PENALTY,
	RECDRAW__BENEFIT,
	RECDRAW__SUBSIDY,
	RECDRAW__INSTALMENT,
	RECDRAW__BASES
};

extern const char *const recdraw__basis_names[]; /* "meter".."instalment", NULL */

/* An optional amount: absent or null is has = false. */
struct recdraw__money {
	bool has;	 /* it was given */
	money_kop value; /* kopecks */
};

struct recdraw__reading {
	const char *serial;	/* the meter's number, or NULL */
	struct money_qty start; /* the reading before ("пред."); dec < 0: none */
	struct money_qty end;	/* the reading now ("тек."); dec < 0: none */
};

/* An instalment's line: the amount it spreads, or one of its parts. */
struct recdraw__instalment {
	bool has;	    /* the line is an instalment's */
	int from_y, from_m; /* its first month */
	long long months;   /* its parts */
	money_kop amount;   /* what it spreads */
	int32_t rate;	    /* interest, 1/100 % a year */
	long long part;	    /* this part, 1..months; -1: the line spreads the amount */
	money_kop interest; /* of the part's amount */
	money_kop left;	    /* owed after the part */
	bool early;	    /* the part pays everything left (the account leaves) */
};

struct recdraw__line {
	const char *name;	   /* the service */
	const char *unit;	   /* "m3".. (recdraw__unit), or NULL */
	const char *zone;	   /* the tariff's line ("day", "over_norm"), or NULL */
	const char *reason;	   /* a note under the line, or NULL */
	int month_y, month_m;	   /* the month a recalculation corrects (0: none) */
	enum recdraw__basis basis; /* how it was billed */
	bool has_qty;		   /* quantity given */
	struct money_qty qty;	   /* the quantity */
	bool has_price;		   /* price given */
	int64_t price;		   /* kopecks x 10^4 a unit */
	money_kop amount;	   /* the line's amount */
	size_t nreadings;	   /* readings[0..nreadings) */
	struct recdraw__reading readings[RECDRAW_READINGS_MAX];
	int32_t percent;		 /* a benefit's, 1/100 %; -1: none */
	struct recdraw__instalment inst; /* an instalment's terms */
};

struct recdraw__premises {
	const char *number;    /* the flat's number, or NULL */
	const char *address;   /* or NULL */
	bool has_area;	       /* area given */
	struct money_qty area; /* m² */
	long long residents;   /* registered residents; < 0: not given */
	const char *share;     /* the account's share ("1/2"), or NULL */
	cal_day from, to;      /* the days held [from, to); CAL_DAY_NONE: not given */
	long long days;	       /* how many; < 0: not given */
};

/* The payee's fields, in the order of struct recdraw__receipt's payee. */
enum recdraw__payee {
	RECDRAW__P_NAME,
	RECDRAW__P_INN,
	RECDRAW__P_KPP,
	RECDRAW__P_ACCOUNT,
	RECDRAW__P_BANK,
	RECDRAW__P_BIK,
	RECDRAW__P_CORR,
	RECDRAW__P_ADDRESS,
	RECDRAW__P_PHONE,
	RECDRAW__P_EMAIL,
	RECDRAW__P_WEBSITE,
	RECDRAW__P_FIELDS
};

/* One receipt; the strings are borrowed from its JSON. */
struct recdraw__receipt {
	const char *id;			      /* the invoice's id */
	int period_y, period_m;		      /* the period billed */
	enum recdraw__lang lang;	      /* the labels' language */
	const char *payee[RECDRAW__P_FIELDS]; /* by enum recdraw__payee, NULL when absent */
	const char *number, *holder;	      /* the account: лицевой счёт, ФИО */
	const char *email, *phone;	      /* the account's, or NULL */
	size_t npremises;		      /* premises[0..npremises) */
	struct recdraw__premises premises[RECDRAW_PREMISES_MAX];
	size_t nlines; /* lines[0..nlines) */
	struct recdraw__line lines[RECDRAW_LINES_MAX];
	cal_day opening_date, due; /* CAL_DAY_NONE: not given */
	struct recdraw__money opening, paid, charged, recalculated, adjustments, penalties;
	money_kop total;    /* what the receipt says to pay */
	const char *notice; /* a warning in a framed box, or NULL */
	const char *qr;	    /* the QR code's text */
	bool to_pay;	    /* false: nothing to pay */
};

/*
 * Read receipt i (borrowed) into *r (its strings borrowed from it).
 * Returns AMR_OK or AMR_EINVAL naming the field ("receipts[2].lines[0].
 * amount: ..."); *r is then partly written.
 */
amr_err recdraw__read(const json_t *v, size_t i, struct recdraw__receipt *r, struct jv_err *err);

/* The labels drawn, in the order of the table in recdraw_text.c. */
enum recdraw__label {
	RECDRAW__L_TITLE,
	RECDRAW__L_INN,
	RECDRAW__L_KPP,
	RECDRAW__L_ACCOUNT,
	RECDRAW__L_IN_BANK,
	RECDRAW__L_BIK,
	RECDRAW__L_CORR,
	RECDRAW__L_ADDRESS,
	RECDRAW__L_PHONE,
	RECDRAW__L_EMAIL,
	RECDRAW__L_SITE,
	RECDRAW__L_PERS_ACC,
	RECDRAW__L_PAYER,
	RECDRAW__L_FLAT,
	RECDRAW__L_AREA,
	RECDRAW__L_RESIDENTS,
	RECDRAW__L_PERSONS,
	RECDRAW__L_SHARE,
	RECDRAW__L_HELD,
	RECDRAW__L_DAYS,
	RECDRAW__L_COL_SERVICE,
	RECDRAW__L_COL_BASIS,
	RECDRAW__L_COL_METER,
	RECDRAW__L_COL_PREV,
	RECDRAW__L_COL_CUR,
	RECDRAW__L_COL_QTY,
	RECDRAW__L_COL_PRICE,
	RECDRAW__L_COL_AMOUNT,
	RECDRAW__L_ODN_SECTION,
	RECDRAW__L_OPENING,
	RECDRAW__L_ON,
	RECDRAW__L_PAID,
	RECDRAW__L_CHARGED,
	RECDRAW__L_RECALCULATED,
	RECDRAW__L_ADJUSTMENTS,
	RECDRAW__L_PENALTIES,
	RECDRAW__L_TOTAL,
	RECDRAW__L_NOTHING,
	RECDRAW__L_OVERPAID,
	RECDRAW__L_DUE,
	RECDRAW__L_QR,
	RECDRAW__L_DOC,
	RECDRAW__L_PAGE,
	RECDRAW__L_OF,
	RECDRAW__L_GOES_ON,
	RECDRAW__L_FOR,
	RECDRAW__L_INST_OVER,
	RECDRAW__L_INST_MONTHS,
	RECDRAW__L_INST_RATE,
	RECDRAW__L_INST_PART,
	RECDRAW__L_INST_INTEREST,
	RECDRAW__L_INST_LEFT,
	RECDRAW__L_INST_EARLY,
	RECDRAW__LABELS
};

/* The label l in lang (static). */
const char *recdraw__label(enum recdraw__lang lang, enum recdraw__label l);

/* How basis b reads in lang (static): "по счётчику", "ОДН". */
const char *recdraw__basis(enum recdraw__lang lang, enum recdraw__basis b);

/* A unit's symbol in lang (static): "m3" -> "м³"; NULL when unit is not
 * one of m3, m2, kWh, MWh, Gcal, GJ, person, month. */
const char *recdraw__unit(enum recdraw__lang lang, const char *unit);

/* A tariff line's name in lang (static): "day" -> "день"; other names as
 * they are. */
const char *recdraw__zone(enum recdraw__lang lang, const char *zone);

#define RECDRAW__NUM_MAX RECDRAW_MONEY_MAX /* a printed number with its separators */

/* Amount v as "-1 234,56" (space between thousands, decimal comma) into
 * buf (RECDRAW__NUM_MAX bytes). Returns buf. */
char *recdraw__money_text(money_kop v, char *buf);

/* A quantity, "1 234,567", into buf (RECDRAW__NUM_MAX bytes). */
char *recdraw__qty_text(const struct money_qty *q, char *buf);

/* A price (kopecks x 10^4), "1 234,5678", into buf (RECDRAW__NUM_MAX). */
char *recdraw__price_text(int64_t price, char *buf);

/* printf into buf (size bytes), cut to fit; returns buf. */
char *recdraw__fmt(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Day d as "01.10.2026" into buf (CAL_DATE_LEN bytes). */
char *recdraw__date_text(cal_day d, char *buf);

/* The month as it titles a receipt ("октябрь 2026", "October 2026"), into
 * buf (64 bytes). */
char *recdraw__month_text(enum recdraw__lang lang, int y, int m, char *buf);

/*
 * Draw text's QR code (8-bit mode, error correction M, a quiet zone of 4
 * modules) on cr as one filled path of dark rectangles, the whole code
 * with its quiet zone a square of side at (x, y). Returns AMR_OK, AMR_ENOMEM,
 * or AMR_EIO when libqrencode refused (err says so).
 */
amr_err recdraw__qr(cairo_t *cr, const char *text, double x, double y, double side,
		    struct jv_err *err);

#endif
