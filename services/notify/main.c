/*
 * amr-notify - the alarm engine: alarms from the events and the gateways'
 * statuses, one per condition and target, kept in LMDB and told on
 * amr/v1/alarms/{id} (docs/notify.md), and the SMS server: commands from
 * the contacts' phones through Kannel (smsin.h, smsact.c). main() only
 * wires: options, the store, the engine, its methods, the listener.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alarm.h"
#include "config.h"
#include "contact.h"
#include "deliver.h"
#include "flowstore.h"
#include "kv.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "rulestore.h"
#include "sms.h"
#include "smsin.h"
#include "smtp.h"
#include "svc.h"
#include "tzone.h"
#include "webhook.h"

struct options {
	const char *data_dir;	    /* LMDB environment directory */
	long long registry_s;	    /* the registry read again this often */
	long long debt_s;	    /* billing's debtors asked this often */
	long long gateway_offline;  /* minutes offline before the alarm */
	long long spool_pct;	    /* % of a spool's capacity that raises spool */
	const char *tz;		    /* the site's zone: the messages' times */
	const char *lang;	    /* the messages' language */
	long long max_attempts;	    /* tries of a message */
	long long retry_s;	    /* the first wait after a refusal that may pass */
	const char *smtp_url;	    /* the mail server; unset: no e-mail */
	const char *smtp_from;	    /* the sender's address */
	const char *smtp_from_name; /* and name */
	const char *smtp_user;	    /* AUTH user, unset: none */
	const char *smtp_password;  /* its password */
	bool smtp_starttls;	    /* require STARTTLS */
	const char *smtp_cafile;    /* CA of the mail server */
	long long smtp_timeout;	    /* ms one message may take */
	const char *sms_url;	    /* Kannel's sendsms; unset: no SMS */
	const char *sms_user;	    /* its sendsms-user */
	const char *sms_password;   /* and password */
	const char *sms_from;	    /* the sender id */
	const char *sms_dlr_url;    /* where Kannel reports delivery, with %KEY% */
	long long sms_timeout;	    /* ms one message may take */
	const char *sms_listen;	    /* HOST:PORT for Kannel's incoming SMS; unset: none */
	const char *hook_secret;    /* the webhooks' HMAC key, in a file; unset: none */
	long long hook_timeout;	    /* ms one POST may take */
};

/* The first line of file path into buf (a secret: nothing of it is
 * logged). Returns false when it cannot be read or is empty. */
static bool read_secret(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	bool ok = f && fgets(buf, (int)size, f);

	if (f)
		fclose(f);
	if (!ok)
		return false;
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] != '\0';
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	const struct config_opt opts[] = {
		{ "data-dir", "AMR_NOTIFY_DATA_DIR", CONFIG_STR, NULL, 1, 4095,
		  "LMDB directory (default $AMR_DATA_DIR/notify, AMR_DATA_DIR defaults to ./var)",
		  &o.data_dir, NULL },
		{ "gateway-offline-min", "AMR_NOTIFY_GATEWAY_OFFLINE_MIN", CONFIG_INT, "10", 0,
		  1440,
		  "minutes a gateway may be offline before gateway_offline is raised (0: at once)",
		  &o.gateway_offline, NULL },
		{ "spool-pct", "AMR_NOTIFY_SPOOL_PCT", CONFIG_INT, "80", 0, 100,
		  "a gateway's spool this full (% of its capacity) raises spool; 0: never",
		  &o.spool_pct, NULL },
		{ "registry-refresh-s", "AMR_NOTIFY_REGISTRY_REFRESH_S", CONFIG_INT, "60", 1, 3600,
		  "seconds between readings of the archive's registry (labels, units, weights, "
		  "verification dates)",
		  &o.registry_s, NULL },
		{ "debt-poll-s", "AMR_NOTIFY_DEBT_POLL_S", CONFIG_INT, "600", 0, 86400,
		  "seconds between asking amr-billing for its debtors (the debt rule); 0: never",
		  &o.debt_s, NULL },
		{ "tz", "AMR_TZ", CONFIG_STR, "Europe/Moscow", 1, 60,
		  "the site's time zone: the times in the messages", &o.tz, NULL },
		{ "lang", "AMR_NOTIFY_LANG", CONFIG_STR, "ru", 2, 2,
		  "the messages' language: ru or en", &o.lang, NULL },
		{ "max-attempts", "AMR_NOTIFY_MAX_ATTEMPTS", CONFIG_INT, "10", 1, 1000,
		  "tries of one message before it is given up as failed", &o.max_attempts, NULL },
		{ "retry-s", "AMR_NOTIFY_RETRY_S", CONFIG_INT, "30", 1, 3600,
		  "seconds before a refused message is tried again (doubling up to an hour)",
		  &o.retry_s, NULL },
		{ "smtp-url", "AMR_NOTIFY_SMTP_URL", CONFIG_STR, NULL, 8, 300,
		  "the mail server, smtp://host:587 or smtps://host:465 (unset: no e-mail)",
		  &o.smtp_url, NULL },
		{ "smtp-from", "AMR_NOTIFY_SMTP_FROM", CONFIG_STR, "amr-notify@localhost", 3, 200,
		  "the messages' sender address", &o.smtp_from, NULL },
		{ "smtp-from-name", "AMR_NOTIFY_SMTP_FROM_NAME", CONFIG_STR, "Учёт энергоресурсов",
		  1, 100, "the sender's name", &o.smtp_from_name, NULL },
		{ "smtp-user", "AMR_NOTIFY_SMTP_USER", CONFIG_STR, NULL, 1, 200,
		  "the mail server's user (unset: no AUTH)", &o.smtp_user, NULL },
		{ "smtp-password", "AMR_NOTIFY_SMTP_PASSWORD", CONFIG_STR, NULL, 0, 200,
		  "its password", &o.smtp_password, NULL },
		{ "smtp-starttls", "AMR_NOTIFY_SMTP_STARTTLS", CONFIG_BOOL, "false", 0, 0,
		  "require STARTTLS on smtp:// (smtps:// is TLS from the start)", &o.smtp_starttls,
		  NULL },
		{ "smtp-cafile", "AMR_NOTIFY_SMTP_CAFILE", CONFIG_STR, NULL, 1, 400,
		  "CA certificate (PEM) of the mail server (unset: the system's)", &o.smtp_cafile,
		  NULL },
		{ "smtp-timeout-ms", "AMR_NOTIFY_SMTP_TIMEOUT_MS", CONFIG_INT, "20000", 100, 600000,
		  "milliseconds one message may take, connecting included", &o.smtp_timeout, NULL },
		{ "sms-url", "AMR_NOTIFY_SMS_URL", CONFIG_STR, NULL, 8, 300,
		  "Kannel's sendsms, http://127.0.0.1:13013/cgi-bin/sendsms (unset: no SMS)",
		  &o.sms_url, NULL },
		{ "sms-user", "AMR_NOTIFY_SMS_USER", CONFIG_STR, "amr", 1, 100,
		  "Kannel's sendsms-user", &o.sms_user, NULL },
		{ "sms-password", "AMR_NOTIFY_SMS_PASSWORD", CONFIG_STR, NULL, 1, 200,
		  "its password", &o.sms_password, NULL },
		{ "sms-from", "AMR_NOTIFY_SMS_FROM", CONFIG_STR, NULL, 1, 20,
		  "the sender id (unset: the sendsms-user's default-sender)", &o.sms_from, NULL },
		{ "sms-dlr-url", "AMR_NOTIFY_SMS_DLR_URL", CONFIG_STR, NULL, 8, 300,
		  "where Kannel reports delivery, with %KEY% for the message's key (unset: no "
		  "reports)",
		  &o.sms_dlr_url, NULL },
		{ "sms-timeout-ms", "AMR_NOTIFY_SMS_TIMEOUT_MS", CONFIG_INT, "10000", 100, 600000,
		  "milliseconds Kannel may take to take one message", &o.sms_timeout, NULL },
		{ "sms-listen", "AMR_NOTIFY_SMS_LISTEN", CONFIG_STR, NULL, 3, 60,
		  "HOST:PORT where Kannel hands over incoming SMS (/sms/in) and delivery reports "
		  "(/sms/dlr), 127.0.0.1:13080 (unset: none; needs --sms-url for the answers)",
		  &o.sms_listen, NULL },
		{ "webhook-secret-file", "AMR_NOTIFY_WEBHOOK_SECRET_FILE", CONFIG_STR, NULL, 1,
		  4095,
		  "a file whose first line is the webhooks' HMAC-SHA256 key, at least 16 bytes "
		  "(unset: no webhooks)",
		  &o.hook_secret, NULL },
		{ "webhook-timeout-ms", "AMR_NOTIFY_WEBHOOK_TIMEOUT_MS", CONFIG_INT, "10000", 100,
		  600000, "milliseconds one webhook POST may take", &o.hook_timeout, NULL },
	};
	struct transport t[OUTBOX_CHANNELS];
	struct outbox_opts oo;
	struct notify_opts no;
	size_t nt = 0;
	alarm_store *st = NULL;
	contacts *cs = NULL;
	outbox *ob = NULL;
	deliver *dl = NULL;
	rulestore *rs = NULL;
	flowstore *fs = NULL;
	notify *n = NULL;
	smsin *si = NULL;
	kv *k = NULL;
	struct svc s;
	char dir[4096];
	int rc = svc_init(
		&s, "notify",
		"amr-notify: alarms from events and gateways' statuses, one per condition "
		"and target, kept and told on amr/v1/alarms/{id}; e-mail, SMS and webhooks; "
		"SMS commands from the contacts' phones (--sms-listen)",
		argc, argv, opts, sizeof opts / sizeof opts[0], NULL);

	if (rc != SVC_CONTINUE)
		return rc;
	rc = 1;
	if (o.data_dir)
		snprintf(dir, sizeof dir, "%s", o.data_dir);
	else if (svc_data_dir(dir, sizeof dir, "notify"))
		goto out_fini;
	if (tzone_set(o.tz) || (strcmp(o.lang, "ru") && strcmp(o.lang, "en"))) {
		log_error("--lang: \"%s\" is neither ru nor en", o.lang);
		goto out_fini;
	}
	if (o.sms_listen && !o.sms_url) {
		log_error("--sms-listen: the answers go by SMS; give --sms-url too");
		goto out_fini;
	}
	if (o.smtp_url) {
		const struct smtp_conf sc = { o.smtp_url,	o.smtp_from,
					      o.smtp_from_name, o.smtp_user,
					      o.smtp_password,	o.smtp_starttls,
					      o.smtp_cafile,	(unsigned)o.smtp_timeout };

		if (smtp_global_init() || smtp_create(&t[nt], &sc)) {
			log_error("cannot start: the e-mail channel (--smtp-url %s)", o.smtp_url);
			goto out_fini;
		}
		nt++;
	}
	if (o.sms_url) {
		const struct sms_conf mc = { o.sms_url,	 o.sms_user,	o.sms_password,
					     o.sms_from, o.sms_dlr_url, (unsigned)o.sms_timeout };

		if ((!o.smtp_url && smtp_global_init()) || sms_create(&t[nt], &mc)) {
			log_error("cannot start: the SMS channel (--sms-url %s)", o.sms_url);
			goto out_channels;
		}
		nt++;
	}
	if (o.hook_secret) {
		char secret[512];
		const struct webhook_conf wc = { secret, (unsigned)o.hook_timeout };
		bool ok = read_secret(o.hook_secret, secret, sizeof secret) &&
			  (o.smtp_url || o.sms_url || !smtp_global_init()) &&
			  !webhook_create(&t[nt], &wc);

		sodium_memzero(secret, sizeof secret);
		if (!ok) {
			log_error("cannot start: the webhooks (--webhook-secret-file %s: a line of "
				  "at least %d bytes)",
				  o.hook_secret, WEBHOOK_SECRET_MIN);
			goto out_channels;
		}
		nt++;
	}
	no = (struct notify_opts){ (unsigned)o.gateway_offline,
				   (unsigned)o.spool_pct,
				   o.lang,
				   (unsigned)o.registry_s,
				   (unsigned)o.debt_s,
				   o.smtp_url,
				   o.sms_url,
				   o.sms_listen };
	oo = (struct outbox_opts){ (unsigned)o.max_attempts, (unsigned)o.retry_s };
	if (kv_open(&k, dir, NULL) || alarm_store_open(&st, k) || contacts_open(&cs, k) ||
	    outbox_open(&ob, k, s.loop, t, nt, &oo, s.metrics) ||
	    deliver_open(&dl, k, cs, ob, st, o.lang) || rulestore_open(&rs, k) ||
	    flowstore_open(&fs, k) || notify_create(&n, &s, st, cs, ob, dl, rs, fs, &no) ||
	    svc_serve(&s, notify_methods, notify_nmethods, n)) {
		log_error("cannot start (data in %s)", dir);
		goto out_close;
	}
	if (o.sms_listen &&
	    smsin_start(&si, &(struct smsin_conf){ o.sms_listen, s.loop, notify_sms_in,
						   notify_sms_dlr, n, s.metrics })) {
		log_error("cannot start: the SMS listener (--sms-listen %s)", o.sms_listen);
		goto out_close;
	}
	log_info("data in %s, %zu alarms open, e-mail %s, SMS %s, webhooks %s", dir,
		 alarm_open_count(st), o.smtp_url ? o.smtp_url : "off (--smtp-url)",
		 o.sms_url ? o.sms_url : "off (--sms-url)",
		 o.hook_secret ? "on" : "off (--webhook-secret-file)");
	rc = svc_run(&s) ? 1 : 0;
out_close:
	smsin_stop(si); /* no request reaches the engine after it */
	notify_destroy(n);
	deliver_close(dl);
	rulestore_close(rs);
	flowstore_close(fs);
	outbox_close(ob); /* its sender stopped before the channels go */
	contacts_close(cs);
	alarm_store_close(st);
	kv_close(k);
out_channels:
	for (size_t i = 0; i < nt; i++)
		if (!strcmp(t[i].name, "sms"))
			sms_destroy(&t[i]);
		else if (!strcmp(t[i].name, "webhook"))
			webhook_destroy(&t[i]);
		else
			smtp_destroy(&t[i]);
out_fini:
	svc_fini(&s);
	return rc;
}
