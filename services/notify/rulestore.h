/*
 * rulestore.h - the rules' parameters people set, per scope (ruleset.h),
 * kept in amr-notify's LMDB environment and in memory:
 *
 *   rules  scope -> {"scope","params":{..},"by","ts","reason"?}
 *
 * A rule.set replaces the scope's params whole (a parameter left out
 * comes from the less specific scopes again). Loop thread.
 */
#ifndef AMR_NOTIFY_RULESTORE_H
#define AMR_NOTIFY_RULESTORE_H

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "kv.h"
#include "ruleset.h"

#define RULESTORE_MAX 10000 /* scopes with params */

typedef struct rulestore rulestore;

/* The rules of environment k (borrowed), read into memory. Returns
 * AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err rulestore_open(rulestore **out, kv *k);

/* Free. Accepts NULL. */
void rulestore_close(rulestore *r);

/* Check and store params (borrowed) of scope as set by actor at ts for
 * reason (may be NULL); the stored record into *out (new). Returns AMR_OK;
 * AMR_EINVAL naming the field in err; AMR_EFULL; AMR_ENOMEM, AMR_EIO,
 * AMR_EDB. Nothing changes on an error. */
amr_err rulestore_set(rulestore *r, const char *scope, const json_t *params, const char *actor,
		      const char *reason, int64_t ts, json_t **out, struct jv_err *err);

/* Remove scope's params; the removed record into *out (new). Returns
 * AMR_OK, AMR_ENOTFOUND (err says so), or as rulestore_set(). */
amr_err rulestore_delete(rulestore *r, const char *scope, json_t **out, struct jv_err *err);

/* Every scope's record, by scope, as {"rules":[..]} into *out (new). */
amr_err rulestore_list(rulestore *r, json_t **out);

/* The params of scope (borrowed until the next set or delete), NULL when
 * it has none. */
const json_t *rulestore_params(const rulestore *r, const char *scope);

/* The parameters of channel or object id (ch 0: the object's) of
 * resource res and unit (NULL: unknown), over the built-in defaults. */
void rulestore_resolve(const rulestore *r, const struct proto_id *id, const char *res,
		       const char *unit, int32_t gateway_offline_min, int32_t spool_pct,
		       struct ruleset_params *p);

/* Which scope each of id's parameters comes from (ruleset_sources();
 * new, NULL when out of memory). */
json_t *rulestore_sources(const rulestore *r, const struct proto_id *id, const char *res);

#endif
