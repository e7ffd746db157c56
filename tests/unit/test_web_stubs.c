/* Stub handlers so the route table (services/web/api.c) links without the
 * service: the unit tests look at the table, never run these. Each use ends
 * in a semicolon, which the trailing declaration takes. */
#include "api.h"

#define STUB(name)                           \
	void name(void *ctx, struct call *c) \
	{                                    \
		(void)ctx;                   \
		(void)c;                     \
	}                                    \
	struct call
STUB(api_login);
STUB(api_logout);
STUB(api_me);
STUB(api_me_password);
STUB(api_users_list);
STUB(api_users_create);
STUB(api_users_update);
STUB(api_users_password);
STUB(api_healthz);
STUB(api_metrics);
STUB(api_openapi);
STUB(api_objects);
STUB(api_object);
STUB(api_channels);
STUB(api_events);
STUB(api_services);
STUB(api_billing);
STUB(api_billing_file);
STUB(api_series);
STUB(api_consumption);
STUB(api_registry_list);
STUB(api_registry_get);
STUB(api_registry_set);
STUB(api_audit);
STUB(api_command);
STUB(api_commands);
STUB(api_console);
STUB(api_alarms);
STUB(api_alarm);
STUB(api_alarm_step);
STUB(api_contacts);
STUB(api_contact_set);
STUB(api_contact_delete);
STUB(api_messages);
STUB(api_delivery_channels);
STUB(api_rules);
STUB(api_rule_step);
STUB(api_rule_effective);
