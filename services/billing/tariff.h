/*
 * tariff.h - the kinds of tariff and the arithmetic of each
 * (docs/billing.md, "Tariffs").
 *
 * A tariff has a kind and a service; its prices are in effective-dated
 * versions, [from, to) in local dates, which never overlap. The
 * arithmetic of a version is a pure function: the month's quantities in,
 * invoice lines out, each line's amount price x quantity rounded once
 * (money_line()). Kinds:
 *
 *   per_unit      price per unit of the metered quantity
 *   per_area      price per m2 of the premises' area, per month
 *   per_resident  price per registered resident, per month
 *   fixed         price per premises, per month
 *   tou2          time of use, zones day and night, a price each
 *   tou3          time of use, zones peak, half_peak and night
 *   tiered        a social norm: the first norm x residents units at
 *                 price, the rest at price_over
 *   wastewater    price per m3 of the premises' cold plus hot water
 *
 * Zone hours are whole hours of the building's local time, as
 * archive/zones takes them; a zone may have several spans (peak is
 * morning and evening), and the spans of a version cover every hour of
 * the day exactly once.
 */
#ifndef AMR_BILLING_TARIFF_H
#define AMR_BILLING_TARIFF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "money.h"

enum tariff_kind {
	TARIFF_PER_UNIT,
	TARIFF_PER_AREA,
	TARIFF_PER_RESIDENT,
	TARIFF_FIXED,
	TARIFF_TOU2,
	TARIFF_TOU3,
	TARIFF_TIERED,
	TARIFF_WASTEWATER,
	TARIFF_KIND_END,
};

#define TARIFF_ZONES_MAX 3  /* zones of a time-of-use tariff */
#define TARIFF_SPANS_MAX 24 /* spans of hours over all zones */
#define TARIFF_LINES_MAX 3  /* invoice lines one version makes */

struct tariff_span {
	int zone;   /* index into the kind's zone names */
	int from_h; /* first local hour, 0..23 */
	int to_h;   /* the hour it ends at, 1..24; may be below from_h (wraps) */
};

struct tariff_version {
	enum tariff_kind kind;			    /* the tariff's kind */
	int64_t price;				    /* kop x 10^4 per unit (not tou) */
	int64_t price_over;			    /* tiered: above the norm */
	struct money_qty norm;			    /* tiered: units per resident per month */
	int64_t zone_price[TARIFF_ZONES_MAX];	    /* tou: per zone */
	size_t nspans;				    /* tou: spans of hours */
	struct tariff_span spans[TARIFF_SPANS_MAX]; /* tou: which hour is which zone */
};

/* What one premises used and is in a month. */
struct tariff_input {
	struct money_qty qty;			     /* per_unit, tiered: the quantity */
	struct money_qty zone_qty[TARIFF_ZONES_MAX]; /* tou: per zone, in the kind's order */
	struct money_qty cold, hot;		     /* wastewater: the water volumes */
	int64_t area;				     /* per_area: m2 x 100 */
	int64_t residents;			     /* per_resident, tiered */
};

struct tariff_line {
	const char *name;     /* "" for a kind's one line; a zone; "norm", "over_norm" */
	struct money_qty qty; /* the quantity billed */
	int64_t price;	      /* kop x 10^4 per unit */
	money_kop amount;     /* money_line(price, qty) */
};

/* The kind of name ("per_unit"...), or -1 (NULL too: a record without
 * "kind"). Its name, or NULL. */
int tariff_kind_parse(const char *name);
const char *tariff_kind_name(enum tariff_kind k);

/* The zones of a time-of-use kind, NULL-ended ("day", "night"), or NULL
 * for a kind without zones. */
const char *const *tariff_zone_names(enum tariff_kind k);

/*
 * Read the prices of a version record (borrowed; the shape already checked
 * by model_check) for a tariff of kind k into *out: the fields the kind
 * needs must be there and no others ("price_over: a per_unit tariff has
 * none"). Returns AMR_OK or AMR_EINVAL naming the field.
 */
amr_err tariff_version_parse(enum tariff_kind k, const json_t *rec, struct tariff_version *out,
			     struct jv_err *err);

/*
 * The invoice lines of version v for in: lines[0..*n), *n <= TARIFF_LINES_MAX.
 * Returns AMR_OK, or AMR_EINVAL when an amount would leave MONEY_MAX.
 */
amr_err tariff_charge(const struct tariff_version *v, const struct tariff_input *in,
		      struct tariff_line *lines, size_t *n);

/* The zones of v as archive/zones takes them: a new JSON array
 * [{"name":"day","from":"07:00","to":"23:00"},..], NULL when out of memory. */
json_t *tariff_archive_zones(const struct tariff_version *v);

#endif
