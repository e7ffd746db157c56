/*
 * model_fields.c - the checks of a record's fields against its kind's
 * table (model_int.h): types, bounds, references, periods.
 */
#include <stdio.h>
#include <string.h>

#include "bankcheck.h"
#include "calendar.h"
#include "model_int.h"
#include "money.h"
#include "proto.h"
#include "rates.h"

amr_err model__add_ref(struct model_refs *refs, enum model_kind k, long long id, const char *field,
		       struct jv_err *err)
{
	struct model_ref *r;

	if (refs->n >= MODEL_REFS_MAX)
		return jv_fail(err, "%s: more than %d references in one record", field,
			       MODEL_REFS_MAX);
	r = &refs->r[refs->n++];
	r->kind = k;
	r->id = (uint32_t)id;
	snprintf(r->field, sizeof r->field, "%s", field);
	return AMR_OK;
}

/* Check one field f of obj; path is its name in messages. */
static amr_err check_field(json_t *obj, const struct field *f, const char *path,
			   struct model_refs *refs, struct jv_err *err)
{
	json_t *v = json_object_get(obj, f->name);
	const char *s;
	long long i;
	bool b;
	int e;

	if (!v || json_is_null(v)) {
		if (v)
			json_object_del(obj, f->name); /* null: the field is taken away */
		return f->required ? jv_fail(err, "%s: missing", path) : AMR_OK;
	}
	switch (f->type) {
	case F_STR:
		if (jv_str(obj, f->name, true, NULL, (size_t)f->min, (size_t)f->max, &s, err))
			goto out_rename;
		return AMR_OK;
	case F_INT:
		if (jv_int(obj, f->name, true, 0, f->min, f->max, &i, err))
			goto out_rename;
		return AMR_OK;
	case F_BOOL:
		if (jv_bool(obj, f->name, true, false, &b, err))
			goto out_rename;
		return AMR_OK;
	case F_ENUM:
		if (jv_enum(obj, f->name, true, 0, f->choices, &e, err))
			goto out_rename;
		return AMR_OK;
	case F_REF:
		if (jv_int(obj, f->name, true, 0, 1, MODEL_ID_MAX, &i, err))
			goto out_rename;
		return model__add_ref(refs, f->ref, i, path, err);
	case F_DATE:
		if (jv_str(obj, f->name, true, NULL, 0, 40, &s, err))
			goto out_rename;
		if (!model_date_ok(s))
			return jv_fail(err, "%s: \"%s\" is not a date (YYYY-MM-DD)", path, s);
		return AMR_OK;
	case F_AREA: {
		struct money_qty q;
		char buf[MONEY_STR_MAX];

		if (jv_str(obj, f->name, true, NULL, 1, 20, &s, err))
			goto out_rename;
		if (money_qty_parse(s, path, &q, err))
			return AMR_EINVAL;
		if (q.dec > 2)
			return jv_fail(err, "%s: \"%s\" has more than 2 decimals (m2 to 0.01)",
				       path, s);
		if (q.v == 0)
			return jv_fail(err, "%s: an area is above 0", path);
		q.v *= q.dec == 0 ? 100 : q.dec == 1 ? 10 : 1;
		q.dec = 2;
		if (q.v > 10000000)
			return jv_fail(err, "%s: %s m2 is above 100000", path, s);
		json_object_set_new(obj, f->name, json_string(money_qty_format(&q, buf)));
		return AMR_OK;
	}
	case F_PRICE: {
		int64_t p;
		char buf[MONEY_STR_MAX];

		if (jv_str(obj, f->name, true, NULL, 1, 40, &s, err))
			goto out_rename;
		if (money_price_parse(s, path, &p, err))
			return AMR_EINVAL;
		json_object_set_new(obj, f->name, json_string(money_price_format(p, buf)));
		return AMR_OK;
	}
	case F_QTY: {
		struct money_qty q;

		if (jv_str(obj, f->name, true, NULL, 1, 40, &s, err))
			goto out_rename;
		return money_qty_parse(s, path, &q, err);
	}
	case F_ANY:
		return AMR_OK;
	}
	return AMR_OK;
out_rename:
	/* jv names the member; a nested one is named by its whole path */
	if (strcmp(path, f->name)) {
		struct jv_err inner = *err;
		const char *rest = strncmp(inner.msg, f->name, strlen(f->name))
					   ? inner.msg
					   : inner.msg + strlen(f->name);

		jv_fail(err, "%s%s", path, rest);
	}
	return AMR_EINVAL;
}

/* Check obj against fields[0..n): every member known, every field good. */
amr_err model__check_table(json_t *obj, const struct field *fields, size_t n, const char *prefix,
			   struct model_refs *refs, struct jv_err *err)
{
	const char *key;
	json_t *v;
	char path[96];

	if (!json_is_object(obj))
		return jv_fail(err, "%s: expected an object", prefix);
	json_object_foreach(obj, key, v) {
		size_t i;

		if (!*prefix &&
		    (!strcmp(key, "id") || !strcmp(key, "created") || !strcmp(key, "updated")))
			continue;
		for (i = 0; i < n && strcmp(fields[i].name, key); i++)
			;
		if (i == n)
			return jv_fail(err, "%s%s%s: unknown field", prefix, *prefix ? "." : "",
				       key);
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", fields[i].name);
		if (check_field(obj, &fields[i], path, refs, err))
			return AMR_EINVAL;
	}
	return AMR_OK;
}

/* Check each element of the array field name of rec against fields. */
amr_err model__check_items(json_t *rec, const char *name, size_t max, const struct field *fields,
			   size_t n, struct model_refs *refs, struct jv_err *err)
{
	json_t *arr, *item;
	size_t i;
	char path[64];

	if (jv_array(rec, name, false, max, &arr, err))
		return AMR_EINVAL;
	json_array_foreach(arr, i, item) {
		snprintf(path, sizeof path, "%s[%zu]", name, i);
		if (model__check_table(item, fields, n, path, refs, err))
			return AMR_EINVAL;
	}
	return AMR_OK;
}

/* from < to when both are there. */
amr_err model__period_ok(const json_t *obj, const char *path, struct jv_err *err)
{
	const char *from = json_string_value(json_object_get(obj, "from"));
	const char *to = json_string_value(json_object_get(obj, "to"));

	if (from && to && strcmp(to, from) <= 0)
		return jv_fail(err, "%s%sto: %s is not after from %s (a period is [from, to))",
			       path, *path ? "." : "", to, from);
	return AMR_OK;
}
