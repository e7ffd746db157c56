#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "err.h"
#include "log.h"
#include "reset.h"

#define RESET_WAIT_MS 5000

bool reset_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--reset-password") ||
		    !strncmp(argv[i], "--reset-password=", 17))
			return true;
	return false;
}

struct wait {
	struct web *w;
	const char *user;
	uint64_t deadline; /* loop_now_ms() when we give up */
	bool sent;	   /* audit record handed to the client */
	bool done;	   /* stop the loop */
};

static void tick(void *arg)
{
	struct wait *wt = arg;

	if (wt->sent || loop_now_ms() >= wt->deadline) {
		wt->done = true; /* one more tick after sending: let it go out */
		return;
	}
	if (!mq_connected(wt->w->svc->mq))
		return;
	web_audit(wt->w, "amr-web", "user.password", wt->user, json_pack("{s:s}", "by", "reset"));
	wt->sent = true;
}

int reset_password(struct web *w, const char *user)
{
	char pw[17];
	json_t *rec = users_get(w->users, user);
	struct wait wt = { w, user, loop_now_ms() + RESET_WAIT_MS, false, false };
	uint64_t timer;
	int rc;

	if (!rec) {
		fprintf(stderr, "amr-web: no user \"%s\"\n", user);
		return 1;
	}
	json_decref(rec);
	users_random_password(pw, sizeof pw);
	if ((rc = users_set_password(w->users, user, pw, svc_now())) ||
	    (rc = users_update(w->users, user, 0, 0, svc_now()))) {
		fprintf(stderr, "amr-web: cannot store the new password: %s\n", amr_strerror(rc));
		sodium_memzero(pw, sizeof pw);
		return 1;
	}
	printf("new password of %s: %s\n", user, pw);
	fflush(stdout);
	sodium_memzero(pw, sizeof pw);
	log_warn("password of %s reset from the command line", user);
	/* without its timer the wait would never end: then do not wait */
	if ((timer = loop_timer_add(w->svc->loop, 200, true, tick, &wt))) {
		loop_run_until(w->svc->loop, &wt.done);
		loop_timer_cancel(w->svc->loop, timer);
	}
	if (!wt.sent)
		log_warn("broker not reachable: the reset of %s is not in the audit trail", user);
	/* leave without svc_fini's "offline" status: the running amr-web owns it */
	rpc_destroy(w->svc->rpc);
	w->svc->rpc = NULL;
	mq_destroy(w->svc->mq);
	w->svc->mq = NULL;
	return 0;
}
