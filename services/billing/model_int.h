/*
 * model_int.h - what model.c's tables and model_fields.c's checks share:
 * the types of a field, a kind's table, and the checks of a table.
 * Internal to amr-billing's model.
 */
#ifndef AMR_BILLING_MODEL_INT_H
#define AMR_BILLING_MODEL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

enum ftype {
	F_STR,	 /* a string of min..max bytes */
	F_INT,	 /* an integer in min..max */
	F_BOOL,	 /* true or false */
	F_ENUM,	 /* one of choices */
	F_DATE,	 /* "YYYY-MM-DD" */
	F_REF,	 /* the id of a record of kind ref */
	F_AREA,	 /* m2 to 0.01, > 0 */
	F_PRICE, /* roubles with up to 6 decimals, not negative */
	F_QTY,	 /* a non-negative decimal */
	F_ANY,	 /* checked by the kind's own rule */
};

struct field {
	const char *name;	    /* the JSON member */
	enum ftype type;	    /* what it holds */
	bool required;		    /* must be present */
	long long min, max;	    /* bounds (length for strings) */
	const char *const *choices; /* F_ENUM */
	enum model_kind ref;	    /* F_REF */
};

struct kind {
	const char *name;						 /* as methods spell it */
	const struct field *fields;					 /* its table */
	size_t n;							 /* rows */
	amr_err (*rule)(json_t *, struct model_refs *, struct jv_err *); /* NULL: none */
};

/* Note a reference to record k id found at field. Returns AMR_OK or
 * AMR_EINVAL (too many references). */
amr_err model__add_ref(struct model_refs *refs, enum model_kind k, long long id, const char *field,
		       struct jv_err *err);

/* Check obj against fields[0..n): every member known, every field good;
 * prefix names obj in messages ("" for a record itself). */
amr_err model__check_table(json_t *obj, const struct field *fields, size_t n, const char *prefix,
			   struct model_refs *refs, struct jv_err *err);

/* Check each element of the array field name of rec (at most max) against
 * fields[0..n). */
amr_err model__check_items(json_t *rec, const char *name, size_t max, const struct field *fields,
			   size_t n, struct model_refs *refs, struct jv_err *err);

/* from < to when both are there; path names obj in messages. */
amr_err model__period_ok(const json_t *obj, const char *path, struct jv_err *err);

/* from and to of obj (when there) are first days of months, from before
 * to; why ends the message ("a relief holds for whole months"). */
amr_err model__whole_months(const json_t *obj, const char *path, const char *why,
			    struct jv_err *err);

/* An account's benefits and instalments (model_relief.c). */
amr_err model__reliefs_ok(json_t *rec, struct model_refs *refs, struct jv_err *err);

#endif
