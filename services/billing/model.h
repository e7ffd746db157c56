/*
 * model.h - the records amr-billing keeps, and the check of each
 * (docs/billing.md, "The model").
 *
 * A record is a JSON object. Each kind has a table of fields (name, type,
 * bounds, required); model_check() checks a whole record against its
 * kind's table and the kind's own rules (an ИНН's check digits, an account
 * number against its БИК, a period's end after its start), normalises what
 * has more than one spelling (an area "54.3" becomes "54.30") and collects
 * the references to other records, which the caller looks up inside its
 * transaction. Pure: no I/O, no clock.
 *
 * Dates are local calendar dates "YYYY-MM-DD"; a period is [from, to): from
 * is its first day, to (optional: open-ended) the first day it no longer
 * holds, so periods that follow each other share a date and never
 * overlap.
 */
#ifndef AMR_BILLING_MODEL_H
#define AMR_BILLING_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"

enum model_kind {
	MODEL_ORG = 1,	      /* the organisation: the payee */
	MODEL_BUILDING,	      /* a building it serves */
	MODEL_PREMISES,	      /* a flat or non-residential premises */
	MODEL_ACCOUNT,	      /* a лицевой счёт */
	MODEL_SERVICE,	      /* what is billed: a resource or a fixed service */
	MODEL_METER,	      /* a premises' service measured by an archive channel */
	MODEL_GROUP,	      /* a named list of premises and accounts */
	MODEL_TARIFF,	      /* a tariff: kind and service; prices in versions */
	MODEL_TARIFF_VERSION, /* a tariff's prices for a period */
	MODEL_CALENDAR,	      /* a holiday or a working Saturday of an organisation */
	MODEL_RATE,	      /* a key rate, a moratorium or a rate cap (rates.h) */
	MODEL_KIND_END,
};

#define MODEL_ID_MAX   4000000000u /* ids are 1..MODEL_ID_MAX */
#define MODEL_REFS_MAX 96	   /* references checked per record */
#define MODEL_DATE_LEN 11	   /* "YYYY-MM-DD" and its NUL */

/* An account's reliefs (docs/billing.md, "Benefits, subsidies and
 * instalments"): at most MODEL_RELIEFS_MAX benefits and as many
 * instalments, each of 2..60 months. */
#define MODEL_RELIEFS_MAX	    16
#define MODEL_INSTALMENT_MONTHS_MIN 2
#define MODEL_INSTALMENT_MONTHS_MAX 60

/* A reference from one record to another, to be looked up. */
struct model_ref {
	enum model_kind kind; /* what it names */
	uint32_t id;	      /* its id */
	char field[96];	      /* where it was, for the message: "premises[1].premises" */
};

struct model_refs {
	size_t n;			    /* how many */
	struct model_ref r[MODEL_REFS_MAX]; /* the references */
};

/* The kind's name as methods spell it ("premises", "tariff.version"), or
 * NULL. */
const char *model_kind_name(enum model_kind k);

/*
 * Check rec (borrowed, changed in place: normalised) as a record of kind
 * k. Every field must be in the kind's table; "id", "created" and
 * "updated" are the store's and are skipped. On success refs holds what
 * rec refers to. Returns AMR_OK, or AMR_EINVAL with a message naming the
 * field ("premises[0].from: \"2026-02-30\" is not a date (YYYY-MM-DD)").
 */
amr_err model_check(enum model_kind k, json_t *rec, struct model_refs *refs, struct jv_err *err);

/*
 * The key that must be unique for rec of kind k, into buf ("account
 * 1:100234": a лицевой счёт within its organisation), and a description
 * of it for messages into what. Returns false when the kind has none.
 */
bool model_unique_key(enum model_kind k, const json_t *rec, char *buf, size_t size,
		      const char **what);

/* True when s is a calendar date "YYYY-MM-DD" (years 1900..2999). */
bool model_date_ok(const char *s);

/* True when the periods [af, at) and [bf, bt) share a day; NULL at is open. */
bool model_periods_overlap(const char *af, const char *at, const char *bf, const char *bt);

/* The resources an archive channel or a service may measure (NULL-ended):
 * cold_water, hot_water, electricity, heat, gas (lib's registry names). */
extern const char *const model_resources[];

#endif
