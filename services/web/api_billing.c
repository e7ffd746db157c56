/*
 * api_billing.c - the accountant's route (loop thread): POST
 * /api/v1/billing/{method} hands its JSON body to amr-billing's method
 * billing/<method> over RPC, for the roles the method's row below allows
 * (docs/web.md, "Billing"). A method that changes money or records gets
 * the signed-in user as its "actor", so that amr-billing's audit trail
 * names the person; a body that names an actor of its own is refused.
 * amr-billing checks everything else and its refusals come back as they
 * are (400 with the field named, 404, 409).
 */
#include <stdio.h>
#include <string.h>

#include "api.h"

#define BILLING_TIMEOUT_MS 120000 /* a run of a large building, a building's receipts */

/* A method of amr-billing the portal may call. */
struct bmethod {
	const char *name; /* "debtors", or a suffix ".create" for every kind */
	unsigned roles;	  /* who may */
	bool actor;	  /* it changes something: the user is its actor */
};

#define ROLES_MONEY (ROLE_ADMIN | ROLE_ACCOUNTANT)

/* The record kinds of billing's model: K.create, K.update, K.get, K.list. */
static const char *const kinds[] = { "org",   "building", "premises", "account",	"service",
				     "meter", "group",	  "tariff",   "tariff.version", "calendar",
				     "rate",  NULL };

static const struct bmethod per_kind[] = {
	{ ".create", ROLES_MONEY, true },
	{ ".update", ROLES_MONEY, true },
	{ ".get", ROLES_MONEY, false },
	{ ".list", ROLES_MONEY, false },
};

static const struct bmethod methods[] = {
	{ "run.draft", ROLES_MONEY, true },
	{ "run.issue", ROLES_MONEY, true },
	{ "run.get", ROLES_MONEY, false },
	{ "run.list", ROLES_MONEY, false },
	{ "invoice.get", ROLES_MONEY, false },
	{ "invoice.list", ROLES_MONEY, false },
	{ "invoice.adjust", ROLES_MONEY, true },
	{ "building.balance", ROLES_MONEY, false },
	{ "payment.create", ROLES_MONEY, true },
	{ "payment.import", ROLES_MONEY, true },
	{ "payment.reverse", ROLES_MONEY, true },
	{ "suspense.list", ROLES_MONEY, false },
	{ "suspense.assign", ROLES_MONEY, true },
	{ "account.opening", ROLES_MONEY, true },
	{ "account.balance", ROLES_MONEY, false },
	{ "account.statement", ROLES_MONEY, false },
	/* an operator approves a restriction for debt: he sees the debt */
	{ "account.debt", ROLES_MONEY | ROLE_OPERATOR, false },
	{ "debtors", ROLES_MONEY | ROLE_OPERATOR, false },
	{ "report", ROLES_MONEY, false },
	{ "receipt", ROLES_MONEY, false },
	{ "receipts", ROLES_MONEY, false },
};

/* The row of method name, or NULL. */
static const struct bmethod *bmethod_find(const char *name)
{
	for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
		if (!strcmp(methods[i].name, name))
			return &methods[i];
	for (size_t k = 0; kinds[k]; k++) {
		size_t n = strlen(kinds[k]);

		if (strncmp(name, kinds[k], n))
			continue;
		for (size_t i = 0; i < sizeof per_kind / sizeof *per_kind; i++)
			if (!strcmp(name + n, per_kind[i].name))
				return &per_kind[i];
	}
	return NULL;
}

void api_billing(void *ctx, struct call *c)
{
	struct web *w = ctx;
	const char *name = c->m.params[0];
	const struct bmethod *m = bmethod_find(name);
	char method[96];
	json_t *args;

	if (!m) {
		call_error(c, 404, "not_found",
			   "method: \"%.40s\" is not a billing method of the portal (docs/web.md, "
			   "\"Billing\")",
			   name);
		return;
	}
	if (!(c->role & m->roles)) {
		call_error(c, 403, "forbidden", "billing/%s: not for the role %s", name,
			   route_role_name(c->role));
		return;
	}
	if (!json_is_object(c->body)) {
		call_error(c, 400, "bad_request",
			   "body: expected a JSON object of the method's "
			   "arguments");
		return;
	}
	if (json_object_get(c->body, "actor")) {
		call_error(c, 400, "bad_request",
			   "actor: not a field here; the signed-in user is the actor");
		return;
	}
	if (!(args = json_deep_copy(c->body))) {
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	if (m->actor)
		json_object_set_new(args, "actor", json_string(c->user));
	snprintf(method, sizeof method, "billing/%s", name);
	api_rpc(w, c, method, args, BILLING_TIMEOUT_MS, NULL);
}
