/*
 * amr-billing - the accounting side: the organisation, its buildings,
 * premises, accounts, services, meters, groups and tariffs, in its own
 * LMDB environment, every change audited (docs/billing.md).
 *
 * main() only wires: options, ledger, audit outbox, methods, run, close.
 */
#include <stdio.h>

#include "acctchan.h"
#include "archcl.h"
#include "auditq.h"
#include "billrpc.h"
#include "debtrpc.h"
#include "filejob.h"
#include "invstore.h"
#include "journal.h"
#include "ledger.h"
#include "log.h"
#include "notecl.h"
#include "payments.h"
#include "proto.h"
#include "report.h"
#include "restr.h"
#include "recmail.h"
#include "recrpc.h"
#include "run.h"
#include "svc.h"
#include "tzone.h"

struct options {
	const char *data_dir;	   /* LMDB environment directory */
	long long audit_resend;	   /* s between publishing unconfirmed audit records again */
	bool audit_publish;	   /* false: hold audit records (tests) */
	const char *tz;		   /* the site's zone: what day it is */
	const char *sources;	   /* the metering sources file, or NULL */
	long long archive_timeout; /* ms an archive has to answer a run's request */
	long long render_threads;  /* workers drawing receipts and reports */
	long long render_keep_mb;  /* MiB of rendered files kept for their chunks */
	bool two_person;	   /* a restriction's approver is not its proposer */
	long long restrict_poll;   /* s between looks at restrictions' commands and debts */
	long long ingest_timeout;  /* ms ingest has to answer a restriction's command */
	long long notify_timeout;  /* ms amr-notify has to answer a message's ask */
};

int main(int argc, char **argv)
{
	struct options o = { 0 };
	const struct config_opt opts[] = {
		{ "data-dir", "AMR_BILLING_DATA_DIR", CONFIG_STR, NULL, 1, 4095,
		  "LMDB directory (default $AMR_DATA_DIR/billing, AMR_DATA_DIR defaults to ./var)",
		  &o.data_dir, NULL },
		{ "audit-resend", "AMR_BILLING_AUDIT_RESEND", CONFIG_INT, "10", 1, 3600,
		  "seconds before an audit record the broker has not handed back is published again",
		  &o.audit_resend, NULL },
		{ "audit-publish", "AMR_BILLING_AUDIT_PUBLISH", CONFIG_BOOL, "true", 0, 0,
		  "publish audit records; false keeps them in the outbox (only for tests of a crash "
		  "between a change and its publish)",
		  &o.audit_publish, NULL },
		{ "tz", "AMR_TZ", CONFIG_STR, "Europe/Moscow", 1, 60,
		  "the site's time zone: what day today is (no payment is dated after it)", &o.tz,
		  NULL },
		{ "sources", "AMR_BILLING_SOURCES", CONFIG_STR, NULL, 1, 4095,
		  "JSON file of the other metering systems a meter's source names (docs/billing.md, "
		  "\"Metering sources\")",
		  &o.sources, NULL },
		{ "archive-timeout", "AMR_BILLING_ARCHIVE_TIMEOUT", CONFIG_INT, "30000", 100,
		  600000, "milliseconds an archive has to answer one request of a billing run",
		  &o.archive_timeout, NULL },
		{ "render-threads", "AMR_BILLING_RENDER_THREADS", CONFIG_INT, "2", 1, 8,
		  "threads that draw receipts and reports (PDF, XLSX, CSV) beside the loop",
		  &o.render_threads, NULL },
		{ "render-keep-mb", "AMR_BILLING_RENDER_KEEP_MB", CONFIG_INT, "256", 1, 65536,
		  "MiB of rendered files kept for their chunks (each for 10 minutes after its "
		  "last chunk)",
		  &o.render_keep_mb, NULL },
		{ "two-person", "AMR_BILLING_TWO_PERSON", CONFIG_BOOL, "true", 0, 0,
		  "a restriction is approved by someone other than who proposed it "
		  "(docs/restrictions.md)",
		  &o.two_person, NULL },
		{ "restrict-poll", "AMR_BILLING_RESTRICT_POLL", CONFIG_INT, "10", 1, 3600,
		  "seconds between asking ingest after restrictions' commands and lifting those "
		  "whose debt is paid",
		  &o.restrict_poll, NULL },
		{ "ingest-timeout", "AMR_BILLING_INGEST_TIMEOUT", CONFIG_INT, "10000", 1000, 120000,
		  "milliseconds ingest has to answer a restriction's command; no answer makes its "
		  "outcome unknown",
		  &o.ingest_timeout, NULL },
		{ "notify-timeout", "AMR_BILLING_NOTIFY_TIMEOUT", CONFIG_INT, "10000", 1000, 120000,
		  "milliseconds amr-notify has to answer the ask of a notice or receipt e-mail; "
		  "one not answered is asked again later under the same ref",
		  &o.notify_timeout, NULL },
	};
	struct svc s;
	char dir[4096];
	ledger *l = NULL;
	auditq *q = NULL;
	billrpc *b = NULL;
	journal *j = NULL;
	debtrpc *d = NULL;
	payments *p = NULL;
	invstore *is = NULL;
	archcl *a = NULL;
	runsvc *run = NULL;
	report *rep = NULL;
	filejob *fj = NULL;
	recrpc *rr = NULL;
	restr *rs = NULL;
	acctchan *ac = NULL;
	notecl *nc = NULL;
	recmail *rm = NULL;
	struct restr_opts ro;
	int rc = svc_init(&s, "billing",
			  "amr-billing: the organisation, buildings, premises, accounts, services, "
			  "meters, groups and tariffs, every change audited",
			  argc, argv, opts, sizeof opts / sizeof opts[0], NULL);

	if (rc != SVC_CONTINUE)
		return rc;
	rc = 1;
	if (o.data_dir)
		snprintf(dir, sizeof dir, "%s", o.data_dir);
	else if (svc_data_dir(dir, sizeof dir, "billing"))
		goto out_fini;
	if (tzone_set(o.tz))
		goto out_fini;
	ro = (struct restr_opts){ .two_person = o.two_person,
				  .poll_s = (unsigned)o.restrict_poll,
				  .ingest_ms = (unsigned)o.ingest_timeout };
	if (ledger_open(&l, dir) || journal_open(&j, ledger_kv(l)) ||
	    auditq_create(&q, ledger_kv(l), &s, o.audit_publish, (unsigned)o.audit_resend) ||
	    billrpc_create(&b, &s, l, q) || debtrpc_create(&d, &s, l, j) ||
	    mq_subscribe(s.mq, PROTO_TOPIC_AUDIT, 1, auditq_on_audit, q) ||
	    svc_serve(&s, billrpc_methods, billrpc_nmethods, b) ||
	    svc_serve(&s, debtrpc_methods, debtrpc_nmethods, d) || acctchan_create(&ac, &s, l) ||
	    svc_serve(&s, acctchan_methods, acctchan_nmethods, ac) ||
	    payments_create(&p, &s, l, j, q) ||
	    svc_serve(&s, payments_methods, payments_nmethods, p) ||
	    invstore_open(&is, ledger_kv(l)) ||
	    archcl_create(&a, &s, o.sources, (unsigned)o.archive_timeout) ||
	    run_create(&run, &s, l, is, j, q, a) || svc_serve(&s, run_methods, run_nmethods, run) ||
	    filejob_create(&fj, &s, (unsigned)o.render_threads, (size_t)o.render_keep_mb << 20,
			   600000) ||
	    report_create(&rep, &s, l, j, is, a, fj) ||
	    svc_serve(&s, report_methods, report_nmethods, rep) ||
	    notecl_create(&nc, &s, (unsigned)o.notify_timeout) ||
	    restr_create(&rs, &s, l, j, q, nc, &ro) ||
	    svc_serve(&s, restr_methods, restr_nmethods, rs) ||
	    recrpc_create(&rr, &s, l, j, is, fj, rs) ||
	    svc_serve(&s, recrpc_methods, recrpc_nmethods, rr) ||
	    recmail_create(&rm, &s, l, is, rr, nc, q, (unsigned)o.restrict_poll) ||
	    svc_serve(&s, recmail_methods, recmail_nmethods, rm)) {
		log_error("cannot start (data in %s)", dir);
		goto out_close;
	}
	log_info("data in %s, %llu audit records waiting in the outbox", dir,
		 (unsigned long long)auditq_pending(q));
	auditq_flush(q); /* what a crash left in the outbox goes out now */
	rc = svc_run(&s) ? 1 : 0;

out_close:
	filejob_destroy(fj); /* before the loop and the rpc it answers through */
	report_destroy(rep);
	recmail_destroy(rm); /* after the renderer that tells it */
	recrpc_destroy(rr);  /* before the restrictions it reads */
	restr_destroy(rs);
	notecl_destroy(nc);
	run_destroy(run);
	archcl_destroy(a);
	invstore_close(is);
	payments_destroy(p);
	debtrpc_destroy(d);
	acctchan_destroy(ac);
	journal_close(j);
	billrpc_destroy(b);
	auditq_destroy(q);
	ledger_close(l);
out_fini:
	svc_fini(&s);
	return rc;
}
