/*
 * amr-web - REST API and web portal (routes arrive with their issue).
 *
 * Today the daemon joins the system like every service: it reads its
 * options, connects to the broker, publishes amr/v1/svc/web/status (retained,
 * with a last will) and answers web/ping, web/metrics and web/help.
 */
#include "svc.h"

int main(int argc, char **argv)
{
	struct svc s;
	int rc = svc_init(&s, "web", "amr-web: REST API and web portal (routes arrive with their issue).", argc, argv, NULL, 0, NULL);

	if (rc != SVC_CONTINUE)
		return rc;
	rc = svc_run(&s);
	svc_fini(&s);
	return rc ? 1 : 0;
}
