#include <errno.h>
#include <stdlib.h>

#include "api.h"
#include "proto.h"
#include "scope.h"

/*
 * Who may do what. Staff = admin, operator, accountant; ops = admin,
 * operator; view = every role. A user with a list of objects (a tenant
 * always) reaches only those objects: http.c answers 403 for a route
 * naming another (scope_check_call) and the handlers filter lists.
 */
const struct route api_routes[] = {
	{ "GET", "/healthz", ROLES_PUBLIC, ROUTE_LOOP, api_healthz, "liveness and broker link" },
	{ "GET", "/metrics", ROLES_PUBLIC, ROUTE_LOOP, api_metrics, "Prometheus text" },
	{ "GET", "/api/v1/openapi.json", ROLES_PUBLIC, ROUTE_NOW, api_openapi,
	  "this API, OpenAPI 3" },
	{ "POST", "/api/v1/login", ROLES_PUBLIC, ROUTE_NOW, api_login, "sign in" },
	{ "POST", "/api/v1/logout", ROLES_ANY, ROUTE_NOW, api_logout, "sign out" },
	{ "GET", "/api/v1/me", ROLES_ANY, ROUTE_NOW, api_me, "who is signed in, CSRF token" },
	{ "POST", "/api/v1/me/password", ROLES_ANY, ROUTE_NOW, api_me_password,
	  "change own password" },
	{ "GET", "/api/v1/users", ROLE_ADMIN, ROUTE_NOW, api_users_list, "list users" },
	{ "POST", "/api/v1/users", ROLE_ADMIN, ROUTE_NOW, api_users_create, "create a user" },
	{ "PATCH", "/api/v1/users/{user}", ROLE_ADMIN, ROUTE_NOW, api_users_update,
	  "change role, disable" },
	{ "POST", "/api/v1/users/{user}/password", ROLE_ADMIN, ROUTE_NOW, api_users_password,
	  "reset a password" },
	{ "GET", "/api/v1/objects", ROLES_VIEW, ROUTE_LOOP, api_objects,
	  "objects with connection state" },
	{ "GET", "/api/v1/objects/{obj}", ROLES_VIEW, ROUTE_LOOP, api_object,
	  "one object: devices, channels, alarms" },
	{ "GET", "/api/v1/objects/{obj}/commands", ROLES_OPS, ROUTE_LOOP, api_commands,
	  "recent commands" },
	{ "POST", "/api/v1/objects/{obj}/commands", ROLES_OPS, ROUTE_LOOP, api_command,
	  "block, unblock, zero" },
	{ "POST", "/api/v1/objects/{obj}/console", ROLE_ADMIN, ROUTE_LOOP, api_console,
	  "gateway console line" },
	{ "GET", "/api/v1/channels", ROLES_VIEW, ROUTE_LOOP, api_channels,
	  "channels with values and rates" },
	{ "GET", "/api/v1/events", ROLES_VIEW, ROUTE_SPAN, api_events, "recent events" },
	{ "GET", "/api/v1/stream", ROLES_VIEW, ROUTE_STREAM, NULL,
	  "live updates (Server-Sent Events)" },
	{ "GET", "/api/v1/series", ROLES_VIEW, ROUTE_SPAN, api_series,
	  "archive series, JSON or CSV" },
	{ "GET", "/api/v1/consumption", ROLES_VIEW, ROUTE_SPAN, api_consumption,
	  "consumption over a span" },
	{ "GET", "/api/v1/registry", ROLES_VIEW, ROUTE_LOOP, api_registry_list,
	  "registry records" },
	{ "GET", "/api/v1/registry/{id}", ROLES_VIEW, ROUTE_LOOP, api_registry_get, "one record" },
	{ "PATCH", "/api/v1/registry/{id}", ROLE_ADMIN, ROUTE_LOOP, api_registry_set,
	  "change label, resource, weight..." },
	{ "GET", "/api/v1/audit", ROLE_ADMIN, ROUTE_LOOP, api_audit, "audit trail" },
	{ "GET", "/api/v1/services", ROLES_STAFF, ROUTE_LOOP, api_services, "services and broker" },
	/* amr-notify's; a limited user: the alarms of what it sees (api_alarms.c) */
	{ "GET", "/api/v1/alarms", ROLES_VIEW, ROUTE_LOOP, api_alarms, "alarms, newest first" },
	{ "GET", "/api/v1/alarms/{alarm}", ROLES_VIEW, ROUTE_LOOP, api_alarm, "one alarm" },
	{ "POST", "/api/v1/alarms/{alarm}/ack", ROLES_OPS, ROUTE_LOOP, api_alarm_step,
	  "acknowledge an alarm" },
	{ "POST", "/api/v1/alarms/{alarm}/clear", ROLES_OPS, ROUTE_LOOP, api_alarm_step,
	  "clear an alarm by hand" },
	{ "GET", "/api/v1/notify/contacts", ROLES_ANY, ROUTE_LOOP, api_contacts,
	  "who is told of what (a user: its own)" },
	{ "PUT", "/api/v1/notify/contacts/{name}", ROLES_ANY, ROUTE_LOOP, api_contact_set,
	  "add or change a contact" },
	{ "DELETE", "/api/v1/notify/contacts/{name}", ROLES_ANY, ROUTE_LOOP, api_contact_delete,
	  "remove a contact" },
	{ "GET", "/api/v1/notify/messages", ROLES_OPS, ROUTE_LOOP, api_messages,
	  "the delivery log" },
	{ "GET", "/api/v1/notify/channels", ROLES_STAFF, ROUTE_LOOP, api_delivery_channels,
	  "the delivery channels' state (the health page)" },
	/* the rules' parameters; a limited user: those of what it sees (api_rules.c) */
	{ "GET", "/api/v1/notify/rules", ROLES_OPS, ROUTE_LOOP, api_rules,
	  "the alarm rules' parameters per scope" },
	{ "GET", "/api/v1/notify/rules/effective/{id}", ROLES_OPS, ROUTE_LOOP, api_rule_effective,
	  "what applies to an object or a channel, and from which scope" },
	{ "PUT", "/api/v1/notify/rules/{scope}", ROLE_ADMIN, ROUTE_LOOP, api_rule_step,
	  "set a scope's parameters" },
	{ "DELETE", "/api/v1/notify/rules/{scope}", ROLE_ADMIN, ROUTE_LOOP, api_rule_step,
	  "remove a scope's parameters" },
	/* a tenant: its own accounts only (api_billing.c) */
	{ "POST", "/api/v1/billing/{method}", ROLES_ANY, ROUTE_LOOP, api_billing,
	  "amr-billing's method of that name; the user is its actor" },
	{ "POST", "/api/v1/billing/file/{method}", ROLE_ADMIN | ROLE_ACCOUNTANT | ROLE_TENANT,
	  ROUTE_LOOP, api_billing_file, "a report's or receipts' file, fetched in chunks, whole" },
};

const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];

int api_query_int(struct call *c, const char *name, long long def, long long min, long long max,
		  long long *out)
{
	const char *s = call_query(c, name);
	char *end;
	long long v;

	if (!s || !*s) {
		*out = def;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if ((*s != '-' && (*s < '0' || *s > '9')) || errno || *end || v < min || v > max) {
		call_error(c, 400, "bad_request", "%s: \"%.40s\" is not an integer in %lld..%lld",
			   name, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int api_obj_param(struct call *c, unsigned *obj)
{
	struct proto_id id;

	if (proto_id_parse(c->m.params[0], &id) != 1) {
		call_error(c, 400, "bad_request",
			   "obj: \"%.32s\" is not an object number " PROTO_OBJ_RANGE,
			   c->m.params[0]);
		return -1;
	}
	*obj = id.obj;
	return 0;
}
