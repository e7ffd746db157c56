/*
 * amr-billing - Accounts, tariffs, invoices and receipts (the accounting side arrives with its issue).
 *
 * Today the daemon joins the system like every service: it reads its
 * options, connects to the broker, publishes amr/v1/svc/billing/status (retained,
 * with a last will) and answers billing/ping, billing/metrics and billing/help.
 */
#include "svc.h"

int main(int argc, char **argv)
{
	struct svc s;
	int rc = svc_init(
		&s, "billing",
		"amr-billing: Accounts, tariffs, invoices and receipts (the accounting side arrives with its issue).",
		argc, argv, NULL, 0, NULL);

	if (rc != SVC_CONTINUE)
		return rc;
	rc = svc_run(&s);
	svc_fini(&s);
	return rc ? 1 : 0;
}
