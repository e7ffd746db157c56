#include <stdlib.h>
#include <string.h>

#include "kvjson.h"
#include "rulestore.h"

struct rulestore {
	kv *k;
	MDB_dbi db;
	json_t *map; /* scope -> record */
};

static amr_err load(rulestore *r)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc;

	if ((rc = kv_read_begin(r->k, &txn)))
		return rc;
	if ((rc = mdb_cursor_open(txn, r->db, &cur))) {
		mdb_txn_abort(txn);
		return kv_err(rc);
	}
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		json_t *rec = json_loadb(val.mv_data, val.mv_size, 0, NULL);
		const char *scope = json_string_value(json_object_get(rec, "scope"));

		if (scope)
			json_object_set(r->map, scope, rec);
		json_decref(rec);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? AMR_OK : kv_err(rc);
}

amr_err rulestore_open(rulestore **out, kv *k)
{
	rulestore *r = calloc(1, sizeof *r);
	amr_err rc;

	if (!r || !(r->map = json_object())) {
		free(r);
		return AMR_ENOMEM;
	}
	r->k = k;
	if ((rc = kv_dbi(k, "rules", 0, &r->db)) || (rc = load(r))) {
		rulestore_close(r);
		return rc;
	}
	*out = r;
	return AMR_OK;
}

void rulestore_close(rulestore *r)
{
	if (!r)
		return;
	json_decref(r->map);
	free(r);
}

struct step {
	rulestore *r;
	const char *scope;
	const json_t *rec; /* NULL: delete */
	struct jv_err *err;
};

static int step_txn(MDB_txn *txn, void *arg)
{
	struct step *s = arg;
	MDB_val key = { strlen(s->scope), (void *)s->scope };
	int rc;

	if (!s->rec) {
		rc = mdb_del(txn, s->r->db, &key, NULL);
		if (rc == MDB_NOTFOUND) {
			jv_fail(s->err, "scope: %s has no rules set", s->scope);
			return AMR_ENOTFOUND;
		}
		return rc;
	}
	return kv_put_json(txn, s->r->db, s->scope, strlen(s->scope), s->rec);
}

amr_err rulestore_set(rulestore *r, const char *scope, const json_t *params, const char *actor,
		      const char *reason, int64_t ts, json_t **out, struct jv_err *err)
{
	int lvl = ruleset_scope_parse(scope, NULL);
	json_t *checked = NULL, *rec;
	struct step s;
	amr_err rc;

	if (lvl < 0)
		return jv_fail(err,
			       "scope: \"%.20s\" is neither \"default\", a resource (cold_water), "
			       "an object (2) nor a channel (1.5.1)",
			       scope);
	if ((rc = ruleset_check(params, lvl, &checked, err)))
		return rc;
	if (json_object_size(r->map) >= RULESTORE_MAX && !json_object_get(r->map, scope)) {
		json_decref(checked);
		return jv_fail(err, "scope: there are %d scopes with rules already", RULESTORE_MAX),
		       AMR_EFULL;
	}
	rec = json_pack("{s:s, s:o, s:s, s:I, s:s*}", "scope", scope, "params", checked, "by",
			actor, "ts", (json_int_t)ts, "reason", reason);
	if (!rec)
		return AMR_ENOMEM;
	s = (struct step){ r, scope, rec, err };
	if ((rc = kv_write(r->k, step_txn, &s)) || json_object_set(r->map, scope, rec)) {
		json_decref(rec);
		return rc ? rc : AMR_ENOMEM;
	}
	*out = rec;
	return AMR_OK;
}

amr_err rulestore_delete(rulestore *r, const char *scope, json_t **out, struct jv_err *err)
{
	json_t *old = json_object_get(r->map, scope);
	struct step s = { r, scope, NULL, err };
	amr_err rc;

	if (!old)
		return jv_fail(err, "scope: %.20s has no rules set", scope), AMR_ENOTFOUND;
	if ((rc = kv_write(r->k, step_txn, &s)))
		return rc;
	*out = json_incref(old);
	json_object_del(r->map, scope);
	return AMR_OK;
}

static int by_scope(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "scope"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "scope"));

	return strcmp(x, y);
}

amr_err rulestore_list(rulestore *r, json_t **out)
{
	size_t n = json_object_size(r->map), i = 0;
	json_t **v = calloc(n ? n : 1, sizeof *v), *list = json_array(), *rec;
	const char *key;

	if (!v || !list) {
		free(v);
		json_decref(list);
		return AMR_ENOMEM;
	}
	json_object_foreach(r->map, key, rec)
		v[i++] = rec;
	qsort(v, n, sizeof *v, by_scope);
	for (i = 0; i < n; i++)
		json_array_append(list, v[i]);
	free(v);
	*out = json_pack("{s:o}", "rules", list);
	return *out ? AMR_OK : AMR_ENOMEM;
}

const json_t *rulestore_params(const rulestore *r, const char *scope)
{
	return r && scope ? json_object_get(json_object_get(r->map, scope), "params") : NULL;
}

/* The levels of id's scopes (borrowed) and their names (in buffers of
 * the caller's). */
static void levels_of(const rulestore *r, const struct proto_id *id, const char *res,
		      const json_t *level[RULESET_LEVELS], const char *names[RULESET_LEVELS],
		      char obj[PROTO_ID_LEN], char ch[PROTO_ID_LEN])
{
	struct proto_id o = { id->obj, 0, 0 };

	names[RULESET_DEFAULT] = "default";
	names[RULESET_RESOURCE] = res ? res : "unknown";
	names[RULESET_OBJECT] = proto_id_format(&o, obj);
	names[RULESET_CHANNEL] = proto_id_format(id, ch);
	level[RULESET_DEFAULT] = rulestore_params(r, "default");
	level[RULESET_RESOURCE] = id->ch ? rulestore_params(r, names[RULESET_RESOURCE]) : NULL;
	level[RULESET_OBJECT] = rulestore_params(r, obj);
	level[RULESET_CHANNEL] = id->ch ? rulestore_params(r, ch) : NULL;
}

void rulestore_resolve(const rulestore *r, const struct proto_id *id, const char *res,
		       const char *unit, int32_t gateway_offline_min, int32_t spool_pct,
		       struct ruleset_params *p)
{
	char obj[PROTO_ID_LEN], ch[PROTO_ID_LEN];
	const json_t *level[RULESET_LEVELS];
	const char *names[RULESET_LEVELS];

	levels_of(r, id, res, level, names, obj, ch);
	ruleset_resolve(p, level, id->ch ? res : NULL, unit, gateway_offline_min, spool_pct);
}

json_t *rulestore_sources(const rulestore *r, const struct proto_id *id, const char *res)
{
	char obj[PROTO_ID_LEN], ch[PROTO_ID_LEN];
	const json_t *level[RULESET_LEVELS];
	const char *names[RULESET_LEVELS];

	levels_of(r, id, res, level, names, obj, ch);
	return ruleset_sources(level, names);
}
