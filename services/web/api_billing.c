/*
 * api_billing.c - the accountant's route (loop thread): POST
 * /api/v1/billing/{method} hands its JSON body to amr-billing's method
 * billing/<method> over RPC, for the roles the method's row below allows
 * (docs/web.md, "Billing"). A method that changes money or records gets
 * the signed-in user as its "actor", so that amr-billing's audit trail
 * names the person; a body that names an actor of its own is refused.
 * amr-billing checks everything else and its refusals come back as they
 * are (400 with the field named, 404, 409).
 *
 * A tenant reaches only the methods that read its own accounts (the rows
 * below naming ROLE_TENANT), and only for the accounts its user record
 * names (scope.h): the account of the call ("account", an account's "id",
 * the last part of an invoice id "2026-10/1/17") is checked here before
 * amr-billing is asked, and whatever is not one of the user's is answered
 * 404 exactly as amr-billing answers an id that does not exist, so that
 * guessing ids tells nothing about other accounts. Drafts are not shown
 * to a tenant: only an issued invoice is one the tenant has been sent.
 *
 * An operator limited to some objects (scope.h) approves, lifts or
 * retries only a restriction whose outputs are all on devices he sees:
 * the case is read first (restriction.get), and one naming another's
 * output is refused 403 before amr-billing is asked to move it; the
 * list and the case he reads hold only such cases (another's is 404, as
 * one that does not exist).
 *
 * POST /api/v1/billing/file/{method} (report, receipt, receipts) fetches
 * the file such a method hands out in chunks (docs/protocol.md, "Files
 * over RPC") with rpc_file_fetch() and answers it whole, with its media
 * type and a Content-Disposition naming it, once its SHA-256 checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "rpc_file.h"

#define BILLING_TIMEOUT_MS 120000      /* a run of a large building, a building's receipts */
#define BILLING_FILE_MAX   (64u << 20) /* bytes of a file handed out whole */

/* Where a tenant's call names the account it is about. */
enum own {
	OWN_NONE,    /* not a tenant's method */
	OWN_ACCOUNT, /* "account": the account's id */
	OWN_ID,	     /* "id": the account's id (account.get) */
	OWN_INVOICE, /* "id": an invoice id whose last part is the account */
	OWN_CASE,    /* not a tenant's; "id": a restriction case whose outputs a */
		     /* limited operator must see (case_checked) */
};

/* A method of amr-billing the portal may call. */
struct bmethod {
	const char *name; /* "debtors", or a suffix ".create" for every kind */
	unsigned roles;	  /* who may */
	bool actor;	  /* it changes something: the user is its actor */
	enum own own;	  /* for a tenant: where the account is named */
};

#define ROLES_MONEY  (ROLE_ADMIN | ROLE_ACCOUNTANT)
#define ROLES_TENANT (ROLES_MONEY | ROLE_TENANT)

/* The record kinds of billing's model: K.create, K.update, K.get, K.list. */
static const char *const kinds[] = { "org",   "building", "premises", "account",	"service",
				     "meter", "group",	  "tariff",   "tariff.version", "calendar",
				     "rate",  NULL };

static const struct bmethod per_kind[] = {
	{ ".create", ROLES_MONEY, true, OWN_NONE },
	{ ".update", ROLES_MONEY, true, OWN_NONE },
	{ ".get", ROLES_MONEY, false, OWN_NONE },
	{ ".list", ROLES_MONEY, false, OWN_NONE },
};

static const struct bmethod methods[] = {
	/* before the kinds' rows: the one record a tenant reads */
	{ "account.get", ROLES_TENANT, false, OWN_ID },
	{ "run.draft", ROLES_MONEY, true, OWN_NONE },
	{ "run.issue", ROLES_MONEY, true, OWN_NONE },
	{ "run.get", ROLES_MONEY, false, OWN_NONE },
	{ "run.list", ROLES_MONEY, false, OWN_NONE },
	{ "invoice.get", ROLES_TENANT, false, OWN_INVOICE },
	{ "invoice.list", ROLES_TENANT, false, OWN_ACCOUNT },
	{ "invoice.adjust", ROLES_MONEY, true, OWN_NONE },
	{ "building.balance", ROLES_MONEY, false, OWN_NONE },
	{ "payment.create", ROLES_MONEY, true, OWN_NONE },
	{ "payment.import", ROLES_MONEY, true, OWN_NONE },
	{ "payment.reverse", ROLES_MONEY, true, OWN_NONE },
	{ "suspense.list", ROLES_MONEY, false, OWN_NONE },
	{ "suspense.assign", ROLES_MONEY, true, OWN_NONE },
	{ "account.opening", ROLES_MONEY, true, OWN_NONE },
	{ "account.balance", ROLES_TENANT, false, OWN_ACCOUNT },
	{ "account.statement", ROLES_TENANT, false, OWN_ACCOUNT },
	/* an operator approves a restriction for debt: he sees the debt, and
	 * picks the organisation on the debtors page */
	{ "org.list", ROLES_MONEY | ROLE_OPERATOR, false, OWN_NONE },
	/* and the dispatcher's summary lists the buildings (summary.html) */
	{ "building.list", ROLES_MONEY | ROLE_OPERATOR, false, OWN_NONE },
	{ "account.debt", ROLES_TENANT | ROLE_OPERATOR, false, OWN_ACCOUNT },
	{ "debtors", ROLES_MONEY | ROLE_OPERATOR, false, OWN_NONE },
	/* restriction for debt (docs/restrictions.md): the accountant proposes
	 * and records the notice, an operator approves and moves outputs */
	{ "restriction.propose", ROLES_MONEY, true, OWN_NONE },
	{ "restriction.notice", ROLES_MONEY, true, OWN_NONE },
	{ "restriction.cancel", ROLES_MONEY, true, OWN_NONE },
	{ "restriction.send_notice", ROLES_MONEY, true, OWN_NONE },
	{ "restriction.approve", ROLE_ADMIN | ROLE_OPERATOR, true, OWN_CASE },
	{ "restriction.lift", ROLE_ADMIN | ROLE_OPERATOR, true, OWN_CASE },
	{ "restriction.retry", ROLE_ADMIN | ROLE_OPERATOR, true, OWN_CASE },
	{ "restriction.get", ROLES_MONEY | ROLE_OPERATOR, false, OWN_NONE },
	{ "restriction.list", ROLES_MONEY | ROLE_OPERATOR, false, OWN_NONE },
	/* a tenant: only its own consumption compared ("usage", JSON) */
	{ "report", ROLES_TENANT, false, OWN_ACCOUNT },
	{ "receipt", ROLES_MONEY, false, OWN_NONE },
	{ "receipts", ROLES_MONEY, false, OWN_NONE },
	/* issued receipts e-mailed through amr-notify (docs/receipts.md) */
	{ "receipts.email", ROLES_MONEY, true, OWN_NONE },
	{ "receipts.sent", ROLES_MONEY, false, OWN_NONE },
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

/* The account of invoice id "<period>/<building>/<account>", or 0. */
static long long invoice_account(const char *id)
{
	const char *p = id ? strrchr(id, '/') : NULL;
	char *end;
	long long v;

	if (!p || !p[1] || p[1] < '1' || p[1] > '9')
		return 0;
	v = strtoll(p + 1, &end, 10);
	return *end || v < 1 || v > SCOPE_ACCOUNT_ID_MAX ? 0 : v;
}

/* 404 for what a tenant may not see, worded as amr-billing words an id
 * that does not exist (acctarg.c, billrpc.c, invoice.c). */
static void not_yours(struct call *c, enum own own, const json_t *v)
{
	if (own == OWN_INVOICE)
		call_error(c, 404, "not_found", "id: there is no invoice %.40s",
			   json_string_value(v));
	else
		call_error(c, 404, "not_found", "%s: there is no account %lld",
			   own == OWN_ID ? "id" : "account", (long long)json_integer_value(v));
}

/*
 * Check a tenant's call of method m with body: the account it names must
 * be one of the user's. Returns 0 when allowed; otherwise answers (400 for
 * a malformed or missing account, 404 for another's) and returns -1.
 */
static int tenant_check(struct call *c, enum own own, const json_t *body)
{
	const char *key = own == OWN_ACCOUNT ? "account" : "id";
	const json_t *v = json_object_get(body, key);

	/* an account named by organisation and number would bypass the check */
	if (json_object_get(body, "org") || json_object_get(body, "number")) {
		call_error(c, 400, "bad_request",
			   "account: name one of your accounts by its id, not by org and number");
		return -1;
	}
	if (own == OWN_INVOICE ? !json_is_string(v) : !json_is_integer(v)) {
		call_error(c, 400, "bad_request", "%s: expected the %s of one of your accounts",
			   key, own == OWN_INVOICE ? "invoice id" : "id");
		return -1;
	}
	if (!scope_has_account(&c->scope, own == OWN_INVOICE ? invoice_account(json_string_value(v))
							     : json_integer_value(v))) {
		not_yours(c, own, v);
		return -1;
	}
	return 0;
}

/* True when invoice inv is one tenant c has been sent: issued, of one of
 * its accounts. */
static bool tenant_sees(const struct call *c, const json_t *inv)
{
	const char *state = json_string_value(json_object_get(inv, "state"));

	return state && !strcmp(state, "issued") &&
	       scope_has_account(&c->scope, json_integer_value(json_object_get(inv, "account")));
}

/* invoice.get's answer for a tenant: a draft is not there yet. */
static void tenant_invoice(struct web *w, struct call *c, json_t *result)
{
	(void)w;
	if (!tenant_sees(c, result)) {
		call_error(c, 404, "not_found", "id: there is no invoice %.40s",
			   json_string_value(json_object_get(c->body, "id")));
		json_decref(result);
		return;
	}
	call_json(c, 200, result);
}

/* invoice.list's answer for a tenant: the issued invoices only. */
static void tenant_invoices(struct web *w, struct call *c, json_t *result)
{
	json_t *arr = json_object_get(result, "invoices");
	size_t i = 0;

	(void)w;
	while (i < json_array_size(arr))
		if (tenant_sees(c, json_array_get(arr, i)))
			i++;
		else
			json_array_remove(arr, i);
	call_json(c, 200, result);
}

/* True when body asks for the one report a tenant has: its consumption
 * compared ("usage", docs/reports.md), as JSON. */
static bool tenant_report(const json_t *body)
{
	const char *kind = json_string_value(json_object_get(body, "report"));
	const json_t *f = json_object_get(body, "format");

	return kind && !strcmp(kind, "usage") &&
	       (!f || (json_is_string(f) && !strcmp(json_string_value(f), "json")));
}

static void case_seen(struct web *w, struct call *c, json_t *result);
static void cases_seen(struct web *w, struct call *c, json_t *result);

/* What a limited user is answered of method m (name): only what is his. */
static void (*answer_of(const struct call *c, const struct bmethod *m,
			const char *name))(struct web *, struct call *, json_t *)
{
	if (c->role == ROLE_TENANT)
		return m->own == OWN_INVOICE	       ? tenant_invoice
		       : !strcmp(name, "invoice.list") ? tenant_invoices
						       : NULL;
	if (!c->scope.on)
		return NULL;
	return !strcmp(name, "restriction.get")	   ? case_seen
	       : !strcmp(name, "restriction.list") ? cases_seen
						   : NULL;
}

/* Hand the call to amr-billing: its body with the user as actor when the
 * method changes something (m's row). */
static void forward(struct web *w, struct call *c, const struct bmethod *m, const char *name)
{
	char method[96];
	json_t *args = json_deep_copy(c->body);

	if (!args) {
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	if (m->actor)
		json_object_set_new(args, "actor", json_string(c->user));
	snprintf(method, sizeof method, "billing/%s", name);
	api_rpc(w, c, method, args, BILLING_TIMEOUT_MS, answer_of(c, m, name));
}

/* The first output of restriction case cs on a device c's user does not
 * see ("?" for one that is no output), NULL when he sees them all. */
static const char *case_hidden(const struct call *c, const json_t *cs)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(cs, "outputs"), i, o) {
		const char *out = json_string_value(json_object_get(o, "output"));
		struct proto_id k;

		if (!out || proto_id_parse(out, &k) != 3)
			return "?";
		if (!scope_sees(&c->scope, k.obj, k.addr, 0))
			return out;
	}
	return NULL;
}

/* restriction.get's answer for a limited operator's approve, lift or
 * retry: every output of the case must be on a device the user sees (a
 * command to another district's valve is not his to give). */
static void case_checked(struct web *w, struct call *c, json_t *result)
{
	const char *name = c->m.params[0], *out = case_hidden(c, result);

	if (out) {
		call_error(c, 403, "forbidden",
			   "outputs: %.24s of restriction %lld is not among what %s may see", out,
			   (long long)json_integer_value(json_object_get(c->body, "id")), c->user);
		json_decref(result);
		return;
	}
	json_decref(result);
	forward(w, c, bmethod_find(name), name);
}

/* restriction.get for a limited operator: another district's case is one
 * that does not exist, as amr-billing words it. */
static void case_seen(struct web *w, struct call *c, json_t *result)
{
	(void)w;
	if (case_hidden(c, result)) {
		call_error(c, 404, "not_found", "id: there is no restriction %lld",
			   (long long)json_integer_value(json_object_get(c->body, "id")));
		json_decref(result);
		return;
	}
	call_json(c, 200, result);
}

/* restriction.list for a limited operator: the cases of his devices only. */
static void cases_seen(struct web *w, struct call *c, json_t *result)
{
	json_t *arr = json_object_get(result, "restrictions");
	size_t i = 0;

	(void)w;
	while (i < json_array_size(arr))
		if (case_hidden(c, json_array_get(arr, i)))
			json_array_remove(arr, i);
		else
			i++;
	call_json(c, 200, result);
}

void api_billing(void *ctx, struct call *c)
{
	struct web *w = ctx;
	const char *name = c->m.params[0];
	const struct bmethod *m = bmethod_find(name);

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
	if (c->role == ROLE_TENANT && !strcmp(name, "report") && !tenant_report(c->body)) {
		call_error(c, 403, "forbidden",
			   "report: a tenant has only its own \"usage\", as JSON");
		return;
	}
	if (c->role == ROLE_TENANT && tenant_check(c, m->own, c->body))
		return;
	if (m->own == OWN_CASE && c->scope.on) { /* the case's outputs first */
		const json_t *id = json_object_get(c->body, "id");

		api_rpc(w, c, "billing/restriction.get",
			json_pack("{s:O}", "id", id ? id : json_null()), BILLING_TIMEOUT_MS,
			case_checked);
		return;
	}
	forward(w, c, m, name);
}

/* A file being fetched for one call. */
struct bfile {
	struct call *c; /* one reference held */
	char *buf;	/* the bytes so far (owned) */
	size_t len, cap;
};

static int bfile_sink(void *ctx, const void *data, size_t len)
{
	struct bfile *f = ctx;

	if (f->len + len > f->cap) {
		size_t cap = f->cap ? f->cap : 65536;
		char *b;

		while (cap < f->len + len)
			cap *= 2;
		if (!(b = realloc(f->buf, cap)))
			return -1;
		f->buf = b;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, data, len);
	f->len += len;
	return 0;
}

/* Content-Disposition for name: an ASCII fallback and the UTF-8 name
 * percent-encoded (RFC 6266, 5987), within size bytes. */
static void disposition(const char *name, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = (size_t)snprintf(out, size, "attachment; filename=\"");

	for (const char *p = name; *p && n + 2 < size; p++)
		out[n++] = (unsigned char)*p < 0x80 && *p != '"' && *p != '\\' ? *p : '_';
	n += (size_t)snprintf(out + n, n < size ? size - n : 0, "\"; filename*=UTF-8''");
	for (const unsigned char *p = (const unsigned char *)name; *p && n + 4 < size; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			out[n++] = (char)*p;
		} else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n < size ? n : size - 1] = '\0';
}

static void bfile_done(void *ctx, amr_err err, const struct rpc_file_info *info, const char *code,
		       const char *message)
{
	struct bfile *f = ctx;
	char cd[256];

	if (err) {
		call_rpc_error(f->c, "billing", code, message);
	} else {
		disposition(info->name, cd, sizeof cd);
		call_header(f->c, "Content-Disposition", cd);
		call_text(f->c, 200, info->type, f->buf ? f->buf : "", f->len);
	}
	call_unref(f->c);
	free(f->buf);
	free(f);
}

void api_billing_file(void *ctx, struct call *c)
{
	static const char *const files[] = { "report", "receipt", "receipts", NULL };
	struct web *w = ctx;
	const char *name = c->m.params[0], *format;
	char method[96];
	struct bfile *f;
	json_t *args;
	size_t i;

	for (i = 0; files[i] && strcmp(files[i], name); i++)
		;
	if (!files[i]) {
		call_error(c, 404, "not_found",
			   "method: \"%.40s\" hands out no file (report, receipt, receipts)", name);
		return;
	}
	if (!json_is_object(c->body) || json_object_get(c->body, "actor") ||
	    json_object_get(c->body, "offset") || json_object_get(c->body, "sha256")) {
		call_error(c, 400, "bad_request",
			   "body: a JSON object of the method's arguments, without actor, "
			   "offset or sha256");
		return;
	}
	/* a tenant's own receipt only: by its invoice id, or its account and period */
	if (c->role == ROLE_TENANT && strcmp(name, "receipt")) {
		call_error(c, 403, "forbidden", "billing/%s: not for the role tenant", name);
		return;
	}
	if (c->role == ROLE_TENANT && json_object_get(c->body, "invoice")) {
		json_t *id = json_pack("{s:O}", "id", json_object_get(c->body, "invoice"));
		int refused = id ? tenant_check(c, OWN_INVOICE, id) : -1;

		json_decref(id);
		if (refused) {
			if (!id)
				call_error(c, 500, "internal", "out of memory");
			return;
		}
		if (json_object_get(c->body, "account") || json_object_get(c->body, "building")) {
			call_error(c, 400, "bad_request",
				   "invoice: give the invoice, or the account and period");
			return;
		}
	} else if (c->role == ROLE_TENANT && tenant_check(c, OWN_ACCOUNT, c->body)) {
		return;
	}
	format = json_string_value(json_object_get(c->body, "format"));
	if (format && !strcmp(format, "json")) {
		call_error(c, 400, "bad_request",
			   "format: json is answered by POST /api/v1/billing/%s; this route "
			   "hands out files",
			   name);
		return;
	}
	if (!(f = calloc(1, sizeof *f)) || !(args = json_deep_copy(c->body))) {
		free(f);
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	f->c = call_ref(c);
	snprintf(method, sizeof method, "billing/%s", name);
	if (rpc_file_fetch(w->svc->rpc, method, args, BILLING_TIMEOUT_MS, BILLING_FILE_MAX,
			   bfile_sink, bfile_done, f)) {
		call_error(c, 503, "unavailable", "billing is not answering");
		call_unref(f->c);
		free(f);
	}
}
