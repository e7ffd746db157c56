#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "proto.h"
#include "registry.h"
#include "weights.h"

struct registry {
	kv *k;	     /* environment, borrowed */
	MDB_dbi dbi; /* "registry" */
};

amr_err registry_open(registry **out, kv *k)
{
	registry *r = calloc(1, sizeof *r);

	if (!r)
		return AMR_ENOMEM;
	r->k = k;
	if (kv_dbi(k, "registry", 0, &r->dbi)) {
		free(r);
		return AMR_EDB;
	}
	*out = r;
	return AMR_OK;
}

void registry_close(registry *r)
{
	free(r);
}

static void pack_key(const struct proto_id *key, uint8_t p[4])
{
	kv_pack_u16(p, key->obj);
	p[2] = key->addr;
	p[3] = key->ch;
}

amr_err registry_parse_id(const char *s, struct proto_id *key, struct jv_err *err)
{
	if (!proto_id_parse(s, key))
		return jv_fail(
			err,
			"\"%.60s\" is not an object, device or channel id (" PROTO_ID_FORMS ")", s);
	return AMR_OK;
}

static json_t *default_record(const struct proto_id *key, int64_t now)
{
	char id[PROTO_ID_LEN];
	json_t *rec;

	proto_id_format(key, id);
	if (!key->ch)
		return json_pack("{s:s, s:s, s:I}", "id", id, "label", "", "first_seen",
				 (json_int_t)now);
	rec = json_pack("{s:s, s:s, s:s, s:s, s:[{s:i, s:i, s:i}], s:s, s:s, s:s, s:i, s:I, s:I}",
			"id", id, "label", "", "resource", "unknown", "unit", "pulse", "weights",
			"num", 1, "den", 1, "valid_from", 0, "serial", "", "verification_due", "",
			"initial_reading", "0", "initial_total", 0, "first_seen", (json_int_t)now,
			"updated", (json_int_t)now);
	return rec;
}

static int put_json(registry *r, MDB_txn *txn, const struct proto_id *key, const json_t *rec)
{
	uint8_t kb[4];
	char *text = json_dumps(rec, JSON_COMPACT);
	MDB_val k = { sizeof kb, kb }, v;
	int rc;

	if (!text)
		return AMR_ENOMEM;
	pack_key(key, kb);
	v.mv_size = strlen(text);
	v.mv_data = text;
	rc = mdb_put(txn, r->dbi, &k, &v, 0);
	free(text);
	return rc;
}

/* 0 and *rec (new ref), MDB_NOTFOUND, or another MDB_ code. */
static int get_json(registry *r, MDB_txn *txn, const struct proto_id *key, json_t **rec)
{
	uint8_t kb[4];
	MDB_val k = { sizeof kb, kb }, v;
	int rc;

	pack_key(key, kb);
	if ((rc = mdb_get(txn, r->dbi, &k, &v)))
		return rc;
	*rec = json_loadb(v.mv_data, v.mv_size, 0, NULL);
	if (!*rec) {
		log_error("registry: record %u.%u.%u is not JSON", key->obj, key->addr, key->ch);
		return MDB_CORRUPTED;
	}
	return 0;
}

static int ensure_one(registry *r, MDB_txn *txn, const struct proto_id *key, int64_t now,
		      bool *created)
{
	uint8_t kb[4];
	MDB_val k = { sizeof kb, kb }, v;
	json_t *rec;
	int rc;

	*created = false;
	pack_key(key, kb);
	rc = mdb_get(txn, r->dbi, &k, &v);
	if (rc != MDB_NOTFOUND)
		return rc;
	if (!(rec = default_record(key, now)))
		return AMR_ENOMEM;
	rc = put_json(r, txn, key, rec);
	json_decref(rec);
	*created = rc == 0;
	return rc;
}

/* A record left by a device that moved away ("moved_to") is in use again:
 * another device answers at its address. 0 or an MDB_ code. */
static int reuse_one(registry *r, MDB_txn *txn, const struct proto_id *key, int64_t now)
{
	json_t *rec = NULL;
	int rc = get_json(r, txn, key, &rec);

	if (rc)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if (json_object_get(rec, "moved_to")) {
		json_object_del(rec, "moved_to");
		json_object_set_new(rec, "updated", json_integer(now));
		rc = put_json(r, txn, key, rec);
	}
	json_decref(rec);
	return rc;
}

int registry_ensure(registry *r, MDB_txn *txn, uint16_t obj, uint8_t addr, uint8_t ch, int64_t now,
		    bool *created)
{
	struct proto_id o = { obj, 0, 0 }, d = { obj, addr, 0 }, c = { obj, addr, ch };
	bool dummy;
	int rc;

	if ((rc = ensure_one(r, txn, &c, now, created)))
		return rc;
	if (!*created) /* known: a device at an address another one left? */
		return (rc = reuse_one(r, txn, &c, now)) ? rc : reuse_one(r, txn, &d, now);
	if ((rc = ensure_one(r, txn, &d, now, &dummy)))
		return rc;
	return ensure_one(r, txn, &o, now, &dummy);
}

/* One record of a move: from -> to; *moved is incremented. */
static int move_one(registry *r, MDB_txn *txn, const struct proto_id *from,
		    const struct proto_id *to, int64_t now, json_t *replaced, size_t *moved)
{
	char fid[PROTO_ID_LEN], tid[PROTO_ID_LEN];
	json_t *rec = NULL, *old = NULL, *copy;
	int rc = get_json(r, txn, from, &rec);

	if (rc)
		return rc == MDB_NOTFOUND ? 0 : rc;
	proto_id_format(from, fid);
	proto_id_format(to, tid);
	if ((rc = get_json(r, txn, to, &old)) == 0)
		json_object_set_new(replaced, tid, old);
	else if (rc != MDB_NOTFOUND)
		goto out;
	rc = AMR_ENOMEM;
	if (!(copy = json_deep_copy(rec)))
		goto out;
	json_object_del(copy, "moved_to");
	if (json_object_set_new(copy, "id", json_string(tid)) ||
	    json_object_set_new(copy, "moved_from", json_string(fid)) ||
	    json_object_set_new(copy, "updated", json_integer(now)) ||
	    (rc = put_json(r, txn, to, copy))) {
		json_decref(copy);
		goto out;
	}
	json_decref(copy);
	rc = AMR_ENOMEM;
	if (json_object_set_new(rec, "label", json_string("")) ||
	    (from->ch && json_object_set_new(rec, "serial", json_string(""))) ||
	    json_object_set_new(rec, "moved_to", json_string(tid)) ||
	    json_object_set_new(rec, "updated", json_integer(now)))
		goto out;
	if ((rc = put_json(r, txn, from, rec)) == 0)
		(*moved)++;
out:
	json_decref(rec);
	return rc;
}

int registry_move(registry *r, MDB_txn *txn, uint16_t obj, uint8_t from, uint8_t to, int64_t now,
		  json_t *replaced, size_t *moved)
{
	int rc = 0;

	*moved = 0;
	for (uint8_t ch = 0; !rc && ch <= PROTO_CH_MAX; ch++)
		rc = move_one(r, txn, &(struct proto_id){ obj, from, ch },
			      &(struct proto_id){ obj, to, ch }, now, replaced, moved);
	return rc;
}

amr_err registry_get(registry *r, MDB_txn *txn, const struct proto_id *key, json_t **out)
{
	int rc = get_json(r, txn, key, out);

	if (rc == MDB_NOTFOUND)
		return AMR_ENOTFOUND;
	return rc ? AMR_EDB : AMR_OK;
}

amr_err registry_conv(registry *r, MDB_txn *txn, const struct proto_id *key, struct reg_conv *out)
{
	json_t *rec = NULL, *w;
	struct jv_err err;
	const char *s;
	int rc;

	memset(out, 0, sizeof *out);
	snprintf(out->unit, sizeof out->unit, "pulse");
	out->nw = 1;
	out->w[0] = (struct units_weight){ 1, 1, 0 };
	rc = get_json(r, txn, key, &rec);
	if (rc == MDB_NOTFOUND)
		goto out_done;
	if (rc)
		return AMR_EDB;
	out->known = true;
	if ((s = json_string_value(json_object_get(rec, "unit"))) && units_unit_decimals(s) >= 0)
		snprintf(out->unit, sizeof out->unit, "%s", s);
	if ((s = json_string_value(json_object_get(rec, "label"))))
		snprintf(out->label, sizeof out->label, "%s", s);
	if ((w = json_object_get(rec, "weights")) && weights_parse(w, out->w, &out->nw, &err)) {
		log_error("registry: channel %u.%u.%u has bad weights (%s); using 1/1", key->obj,
			  key->addr, key->ch, err.msg);
		out->nw = 1;
		out->w[0] = (struct units_weight){ 1, 1, 0 };
	}
	json_decref(rec);
out_done:
	out->dec = units_channel_decimals(out->unit, out->w, out->nw);
	return AMR_OK;
}

bool registry_retired(registry *r, MDB_txn *txn, const struct proto_id *key)
{
	json_t *rec = NULL;
	bool retired;

	if (get_json(r, txn, key, &rec))
		return false;
	retired = json_is_true(json_object_get(rec, "retired"));
	json_decref(rec);
	return retired;
}

amr_err registry_list(registry *r, MDB_txn *txn, uint16_t obj, bool channels_only,
		      const struct proto_id *after, size_t limit, json_t **out, bool *more)
{
	uint8_t kb[4] = { 0 }, from[4] = { 0 };
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor *cur;
	json_t *arr = json_array();
	int rc, op = MDB_SET_RANGE;

	*more = false;
	if (!arr)
		return AMR_ENOMEM;
	kv_pack_u16(kb, obj);
	if (after)
		pack_key(after, from);
	if (after && memcmp(from, kb, sizeof kb) >= 0)
		memcpy(kb, from, sizeof kb); /* start at after, skip it below */
	else
		after = NULL;
	if ((rc = mdb_cursor_open(txn, r->dbi, &cur)))
		goto out_free_array;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		const uint8_t *p = k.mv_data;
		json_t *rec;

		op = MDB_NEXT;
		if (k.mv_size != 4 || (obj && kv_unpack_u16(p) != obj))
			break;
		if ((channels_only && !p[3]) || (after && !memcmp(p, from, sizeof from)))
			continue;
		if (json_array_size(arr) == limit) {
			*more = true;
			break;
		}
		if ((rec = json_loadb(v.mv_data, v.mv_size, 0, NULL)))
			json_array_append_new(arr, rec);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		goto out_free_array;
	*out = arr;
	return AMR_OK;
out_free_array:
	json_decref(arr);
	return AMR_EDB;
}

static bool valid_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;
	char tail;

	if (*s == '\0')
		return true;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' ||
	    s[7] != '-')
		return false;
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

/* Insert or replace (same valid_from) one weight period. */
static int upsert_weight(const json_t *one, struct units_weight *w, size_t *n, struct jv_err *err)
{
	json_t *arr = json_array();
	struct units_weight nw;
	size_t m = 0, i;
	int rc;

	if (!arr)
		return AMR_ENOMEM;
	json_array_append(arr, (json_t *)one);
	rc = weights_parse(arr, &nw, &m, err);
	json_decref(arr);
	if (rc) {
		memmove(err->msg + 7, err->msg, sizeof err->msg - 8);
		memcpy(err->msg, "weight.", 7);
		err->msg[sizeof err->msg - 1] = '\0';
		return rc;
	}
	for (i = 0; i < *n && w[i].valid_from < nw.valid_from; i++)
		;
	if (i < *n && w[i].valid_from == nw.valid_from) {
		w[i] = nw;
		return AMR_OK;
	}
	if (*n >= UNITS_MAX_WEIGHTS)
		return jv_fail(err, "weight: a channel has at most %d weight periods",
			       UNITS_MAX_WEIGHTS);
	memmove(&w[i + 1], &w[i], (*n - i) * sizeof *w);
	w[i] = nw;
	(*n)++;
	return AMR_OK;
}

static int update_channel(json_t *rec, const json_t *args, uint32_t total_now, struct jv_err *err)
{
	static const char *const fields[] = { "id",
					      "actor",
					      "reason",
					      "label",
					      "resource",
					      "unit",
					      "serial",
					      "verification_due",
					      "initial_reading",
					      "initial_total",
					      "weight",
					      "weights",
					      NULL };
	struct units_weight w[UNITS_MAX_WEIGHTS];
	const char *label, *serial, *due, *initial, *unit;
	json_t *one, *all, *old = json_object_get(rec, "weights");
	int resource;
	size_t n = 0;
	units_u128 dummy;
	long long itotal;

	if (jv_only(args, fields, err) ||
	    jv_int(args, "initial_total", false, total_now, 0, UINT32_MAX, &itotal, err) ||
	    jv_str(args, "label", false, NULL, 0, 127, &label, err) ||
	    jv_enum(args, "resource", false, -1, proto_resources, &resource, err) ||
	    jv_str(args, "unit", false, NULL, 1, 7, &unit, err) ||
	    jv_str(args, "serial", false, NULL, 0, 64, &serial, err) ||
	    jv_str(args, "verification_due", false, NULL, 0, 10, &due, err) ||
	    jv_str(args, "initial_reading", false, NULL, 1, 30, &initial, err) ||
	    jv_object(args, "weight", false, &one, err) ||
	    jv_array(args, "weights", false, UNITS_MAX_WEIGHTS, &all, err))
		return AMR_EINVAL;
	if (unit && units_unit_decimals(unit) < 0)
		return jv_fail(err, "unit: \"%s\" is not one of m3, kWh, MWh, Gcal, GJ, l, pulse",
			       unit);
	if (due && !valid_date(due))
		return jv_fail(err, "verification_due: \"%s\" is not a date YYYY-MM-DD", due);
	if (one && all)
		return jv_fail(err, "weight: give either weight (one period) or weights (all)");
	if (all) {
		if (weights_parse(all, w, &n, err))
			return AMR_EINVAL;
	} else {
		if (!old || weights_parse(old, w, &n, err))
			n = 1, w[0] = (struct units_weight){ 1, 1, 0 };
		if (one && upsert_weight(one, w, &n, err))
			return AMR_EINVAL;
	}
	if (!unit)
		unit = json_string_value(json_object_get(rec, "unit"));
	if (!unit || units_unit_decimals(unit) < 0)
		unit = "pulse";
	if (initial && units_parse(initial, units_channel_decimals(unit, w, n), &dummy))
		return jv_fail(err,
			       "initial_reading: \"%s\" is not a decimal number with "
			       "at most %d decimals",
			       initial, units_channel_decimals(unit, w, n));
	if (!initial && json_object_get(args, "initial_total"))
		return jv_fail(err, "initial_total: give it with the initial_reading it "
				    "belongs to");
	if (label)
		json_object_set_new(rec, "label", json_string(label));
	if (resource >= 0)
		json_object_set_new(rec, "resource", json_string(proto_resources[resource]));
	json_object_set_new(rec, "unit", json_string(unit));
	if (serial)
		json_object_set_new(rec, "serial", json_string(serial));
	if (due)
		json_object_set_new(rec, "verification_due", json_string(due));
	if (initial) {
		json_object_set_new(rec, "initial_reading", json_string(initial));
		json_object_set_new(rec, "initial_total", json_integer(itotal));
	}
	json_object_set_new(rec, "weights", weights_json(w, n));
	return AMR_OK;
}

/* "retired" of an object's or a device's update: true takes it out of the
 * live views and alarms from now (its data stays), false brings it back. */
static void set_retired(json_t *rec, bool retired, int64_t now)
{
	if (!retired) {
		json_object_del(rec, "retired");
		json_object_del(rec, "retired_at");
	} else if (!json_is_true(json_object_get(rec, "retired"))) {
		json_object_set_new(rec, "retired", json_true());
		json_object_set_new(rec, "retired_at", json_integer(now));
	}
}

/*
 * The "outputs" of a device's update, {"1":{"label":"Кран ХВС","resource":
 * "cold_water"},..}: what each output drives. Every entry is checked before
 * any is applied; then each given field replaces the stored one, output by
 * output, so a label can change without repeating the others. Returns
 * AMR_OK, AMR_EINVAL (err names the output and field) or AMR_ENOMEM.
 */
static int update_outputs(json_t *rec, const json_t *outs, struct jv_err *err)
{
	static const char *const fields[] = { "label", "resource", NULL };
	json_t *all = json_object_get(rec, "outputs"), *one, *cur;
	const char *name, *label;
	int resource;

	json_object_foreach((json_t *)outs, name, one) {
		if (strlen(name) != 1 || name[0] < '1' || name[0] > '0' + PROTO_OUT_MAX)
			return jv_fail(err, "outputs: \"%.20s\" is not an output 1..%d", name,
				       PROTO_OUT_MAX);
		if (!json_is_object(one))
			return jv_fail(err, "outputs.%s: not an object {label, resource}", name);
		if (jv_only(one, fields, err) ||
		    jv_str(one, "label", false, NULL, 0, 127, &label, err) ||
		    jv_enum(one, "resource", false, -1, proto_resources, &resource, err)) {
			char msg[sizeof err->msg];

			snprintf(msg, sizeof msg, "%s", err->msg);
			return jv_fail(err, "outputs.%s.%s", name, msg);
		}
	}
	if (!json_is_object(all)) {
		if (!(all = json_object()) || json_object_set_new(rec, "outputs", all))
			return AMR_ENOMEM;
	}
	json_object_foreach((json_t *)outs, name, one) {
		jv_str(one, "label", false, NULL, 0, 127, &label, err);
		jv_enum(one, "resource", false, -1, proto_resources, &resource, err);
		if (!json_is_object(cur = json_object_get(all, name))) {
			if (!(cur = json_pack("{s:s, s:s}", "label", "", "resource", "unknown")) ||
			    json_object_set_new(all, name, cur))
				return AMR_ENOMEM;
		}
		if (label)
			json_object_set_new(cur, "label", json_string(label));
		if (resource >= 0)
			json_object_set_new(cur, "resource",
					    json_string(proto_resources[resource]));
	}
	return AMR_OK;
}

/* A device's update: its label (the flat), its outputs, and retired. */
static int update_device(json_t *rec, const json_t *args, int64_t now, struct jv_err *err)
{
	static const char *const fields[] = { "id",	 "actor",   "reason", "label",
					      "outputs", "retired", NULL };
	const char *label;
	bool retired;
	json_t *outs;
	int rc;

	if (jv_only(args, fields, err) || jv_str(args, "label", false, NULL, 0, 127, &label, err) ||
	    jv_object(args, "outputs", false, &outs, err) ||
	    jv_bool(args, "retired", false, false, &retired, err))
		return AMR_EINVAL;
	if (outs && (rc = update_outputs(rec, outs, err)))
		return rc;
	if (label)
		json_object_set_new(rec, "label", json_string(label));
	if (json_object_get(args, "retired"))
		set_retired(rec, retired, now);
	return AMR_OK;
}

amr_err registry_update(registry *r, MDB_txn *txn, const struct proto_id *key, const json_t *args,
			uint32_t total_now, int64_t now, json_t **before, json_t **after,
			struct jv_err *err)
{
	static const char *const fields[] = { "id", "actor", "reason", "label", "retired", NULL };
	json_t *rec = NULL;
	const char *label = NULL;
	bool retired;
	int rc;

	if (key->ch && json_object_get(args, "retired")) {
		char dev[PROTO_ID_LEN];
		struct proto_id d = { key->obj, key->addr, 0 };

		return jv_fail(err,
			       "retired: a channel is not retired on its own; retire its device "
			       "%s or its object %u",
			       proto_id_format(&d, dev), key->obj);
	}

	rc = get_json(r, txn, key, &rec);
	if (rc == MDB_NOTFOUND) {
		if (key->addr) {
			char id[PROTO_ID_LEN];

			jv_fail(err,
				"id: %s is not registered (a device or channel is "
				"registered when its first reading arrives)",
				proto_id_format(key, id));
			return AMR_ENOTFOUND;
		}
		*before = json_null();
		if (!(rec = default_record(key, now)))
			return AMR_ENOMEM;
	} else if (rc) {
		return rc;
	} else {
		*before = json_deep_copy(rec);
	}
	if (key->ch) {
		rc = update_channel(rec, args, total_now, err);
	} else if (key->addr) {
		rc = update_device(rec, args, now, err);
	} else {
		rc = jv_only(args, fields, err) ||
				     jv_str(args, "label", false, NULL, 0, 127, &label, err) ||
				     jv_bool(args, "retired", false, false, &retired, err)
			     ? AMR_EINVAL
			     : AMR_OK;
		if (!rc && label)
			json_object_set_new(rec, "label", json_string(label));
		if (!rc && json_object_get(args, "retired"))
			set_retired(rec, retired, now);
	}
	if (!rc) {
		json_object_set_new(rec, "updated", json_integer(now));
		rc = put_json(r, txn, key, rec);
	}
	if (rc) {
		json_decref(*before);
		json_decref(rec);
		*before = NULL;
		return rc;
	}
	*after = rec;
	return AMR_OK;
}
