#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tscope.h"

/* One derivation on its way. */
struct job {
	struct web *w;
	char sid[AUTH_HEX];
	struct scope *s; /* the caller's, or own (refresh) */
	bool own;	 /* s is this job's to free */
	tscope_fn fn;
	void *arg;
};

static void finish(struct job *j, bool ok)
{
	if (j->fn)
		j->fn(j->arg, ok);
	if (j->own)
		free(j->s);
	free(j);
}

static void on_channels(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct job *j = ctx;
	struct web *w = j->w;
	struct scope *d = calloc(1, sizeof *d);
	bool changed = false;
	int dropped;

	metric_add(err ? w->m.tscope_failed : w->m.tscope_ok, 1);
	if (err || !d || (dropped = scope_derive(result, d)) < 0) {
		if (!err)
			log_warn("billing/account.channels: %s",
				 d ? "not an answer" : "out of memory");
		else
			log_info("billing/account.channels: %s; a tenant sees no meters until "
				 "amr-billing answers",
				 message ? message : amr_strerror(err));
		free(d);
		finish(j, false);
		return;
	}
	if (dropped)
		log_warn("a tenant's accounts hold %d channels more than the %d a session keeps",
			 dropped, SCOPE_MAX);
	if (!auth_rescope(w->auth, j->sid, d, &changed) && changed &&
	    sse_close_session(w->hub, j->sid))
		log_info("a tenant's live streams ended: what it may see changed");
	j->s->on = j->s->derived = true;
	j->s->n = d->n;
	memcpy(j->s->item, d->item, sizeof d->item);
	memcpy(j->s->from, d->from, sizeof d->from);
	memcpy(j->s->to, d->to, sizeof d->to);
	memcpy(j->s->devonly, d->devonly, sizeof d->devonly);
	free(d);
	finish(j, true);
}

static void derive(struct web *w, const char *sid, struct scope *s, bool own, tscope_fn fn,
		   void *arg)
{
	struct job *j = calloc(1, sizeof *j);

	if (j) {
		*j = (struct job){ w, "", s, own, fn, arg };
		memcpy(j->sid, sid, AUTH_HEX);
	}
	if (!j || rpc_call(w->svc->rpc, "billing/account.channels",
			   json_pack("{s:o}", "accounts", scope_accounts_json(s)),
			   (unsigned)w->o.rpc_timeout_ms, on_channels, j)) { /* args taken */
		log_warn("billing/account.channels not sent");
		free(j);
		if (fn)
			fn(arg, false);
		if (own)
			free(s);
	}
}

void tscope_derive(struct web *w, const char *sid, struct scope *s, tscope_fn fn, void *arg)
{
	derive(w, sid, s, false, fn, arg);
}

void tscope_refresh(struct web *w)
{
	size_t max = auth_count(w->auth) + 1;
	char(*sid)[AUTH_HEX] = calloc(max, AUTH_HEX);
	struct scope *s = calloc(max, sizeof *s);
	size_t n = sid && s ? auth_tenant_sessions(w->auth, svc_now(), sid, s, max) : 0;

	for (size_t i = 0; i < n; i++) {
		struct scope *one = malloc(sizeof *one);

		if (!one)
			break;
		*one = s[i];
		derive(w, sid[i], one, true, NULL, NULL);
	}
	free(sid);
	free(s);
}

bool tscope_audit_matters(const char *action, const char *target)
{
	static const char *const kinds[] = { "billing/account/", "billing/premises/",
					     "billing/meter/" };

	if (!action || !target)
		return false;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strncmp(target, kinds[i], strlen(kinds[i])))
			return true;
	return false;
}
