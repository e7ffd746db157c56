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
	/* an operator approves a restriction for debt: he sees the debt, and
	 * picks the organisation on the debtors page */
	{ "org.list", ROLES_MONEY | ROLE_OPERATOR, false },
	{ "account.debt", ROLES_MONEY | ROLE_OPERATOR, false },
	{ "debtors", ROLES_MONEY | ROLE_OPERATOR, false },
	/* restriction for debt (docs/restrictions.md): the accountant proposes
	 * and records the notice, an operator approves and moves outputs */
	{ "restriction.propose", ROLES_MONEY, true },
	{ "restriction.notice", ROLES_MONEY, true },
	{ "restriction.cancel", ROLES_MONEY, true },
	{ "restriction.approve", ROLE_ADMIN | ROLE_OPERATOR, true },
	{ "restriction.lift", ROLE_ADMIN | ROLE_OPERATOR, true },
	{ "restriction.retry", ROLE_ADMIN | ROLE_OPERATOR, true },
	{ "restriction.get", ROLES_MONEY | ROLE_OPERATOR, false },
	{ "restriction.list", ROLES_MONEY | ROLE_OPERATOR, false },
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
