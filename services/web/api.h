/*
 * api.h - the REST API of amr-web: its route table and handlers.
 *
 * Every route is in api_routes (api.c), with the roles that may call it
 * and the thread its handler runs on; openapi.json in the www directory
 * describes the same routes (tests/unit/test_web_route.c compares them).
 * Handlers take the service (struct web) as ctx and answer the call once
 * (call.h). A handler that answers later (after an RPC) holds its own
 * reference (call_ref) until it has answered.
 *
 * Billing routes (accounts, tariffs, invoices, receipts) join this table
 * with their own handler file, roles and an entry in the portal's menu.
 */
#ifndef AMR_WEB_API_H
#define AMR_WEB_API_H

#include <stddef.h>

#include "call.h"
#include "route.h"
#include "web.h"

extern const struct route api_routes[];
extern const size_t api_nroutes;

/* api_auth.c: sign-in, sessions, users (HTTP thread) */
void api_login(void *ctx, struct call *c);
void api_logout(void *ctx, struct call *c);
void api_me(void *ctx, struct call *c);
void api_me_password(void *ctx, struct call *c);
void api_users_list(void *ctx, struct call *c);
void api_users_create(void *ctx, struct call *c);
void api_users_update(void *ctx, struct call *c);
void api_users_password(void *ctx, struct call *c);
void api_healthz(void *ctx, struct call *c);
void api_metrics(void *ctx, struct call *c);
void api_openapi(void *ctx, struct call *c);

/* api_view.c: the in-memory view (loop thread) */
void api_objects(void *ctx, struct call *c);
void api_object(void *ctx, struct call *c);
void api_channels(void *ctx, struct call *c);
void api_events(void *ctx, struct call *c);
void api_services(void *ctx, struct call *c);
void api_billing(void *ctx, struct call *c);
void api_billing_file(void *ctx, struct call *c);

/* api_rpc.c: the archive over RPC (loop thread) */
void api_series(void *ctx, struct call *c);
void api_consumption(void *ctx, struct call *c);
void api_registry_list(void *ctx, struct call *c);
void api_registry_get(void *ctx, struct call *c);
void api_registry_set(void *ctx, struct call *c);

/* api_audit.c: the audit trail (loop thread) */
void api_audit(void *ctx, struct call *c);

/* api_alarms.c: notify's alarms, contacts and delivery log (loop thread) */
void api_alarms(void *ctx, struct call *c);
void api_alarm(void *ctx, struct call *c);
void api_alarm_step(void *ctx, struct call *c);
void api_contacts(void *ctx, struct call *c);
void api_contact_set(void *ctx, struct call *c);
void api_contact_delete(void *ctx, struct call *c);
void api_messages(void *ctx, struct call *c);
void api_delivery_channels(void *ctx, struct call *c);
/* api_rules.c: notify's alarm rules (loop thread) */
void api_rules(void *ctx, struct call *c);
void api_rule_step(void *ctx, struct call *c);
void api_rule_effective(void *ctx, struct call *c);
/* api_ops.c: commands and console (loop thread) */
void api_command(void *ctx, struct call *c);
void api_commands(void *ctx, struct call *c);
void api_console(void *ctx, struct call *c);

/*
 * Call service/method (args taken) for call c with timeout_ms; on success
 * on_ok(w, c, result) answers (NULL: answer the result as it is), on
 * failure the call gets call_rpc_error(). A service whose status says it
 * is offline is not asked: 503 at once. Loop thread.
 */
void api_rpc(struct web *w, struct call *c, const char *method, json_t *args, unsigned timeout_ms,
	     void (*on_ok)(struct web *w, struct call *c, json_t *result));

/* An on_ok of api_rpc for a limited user: the answer cut to its scope
 * (scope_filter; the route's {obj}, when it has one, is the object of
 * elements naming none). */
void api_scoped(struct web *w, struct call *c, json_t *result);

/* Parse an integer query argument in min..max (def when absent): decimal
 * digits with an optional '-', nothing else. Answers 400 and returns -1
 * when malformed. */
int api_query_int(struct call *c, const char *name, long long def, long long min, long long max,
		  long long *out);

/* The route's {obj} segment (proto_id_parse: one spelling, 1..PROTO_OBJ_MAX).
 * Answers 400 and returns -1 when it is not one. */
int api_obj_param(struct call *c, unsigned *obj);

#endif
