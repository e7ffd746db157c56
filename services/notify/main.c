/*
 * amr-notify - Alarm rules and delivery by email, SMS and webhook (rules arrive with their issue).
 *
 * Today the daemon joins the system like every service: it reads its
 * options, connects to the broker, publishes amr/v1/svc/notify/status (retained,
 * with a last will) and answers notify/ping, notify/metrics and notify/help.
 */
#include "svc.h"

int main(int argc, char **argv)
{
	struct svc s;
	int rc = svc_init(
		&s, "notify",
		"amr-notify: Alarm rules and delivery by email, SMS and webhook (rules arrive with their issue).",
		argc, argv, NULL, 0, NULL);

	if (rc != SVC_CONTINUE)
		return rc;
	rc = svc_run(&s);
	svc_fini(&s);
	return rc ? 1 : 0;
}
