/*
 * amr-web - the REST API and the web portal (docs/web.md).
 *
 * main() only wires: options, the users' store (and the first admin), the
 * sessions, the view of the broker's topics, the HTTP server, run, stop.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "api.h"
#include "err.h"
#include "feed.h"
#include "http.h"
#include "log.h"
#include "reset.h"
#include "svc.h"
#include "tscope.h"
#include "tzone.h"

#define INSTALLED_WWW "/usr/share/amr/www"

/* The source tree's services/web/www above the executable (build/bin or
 * build/<x>/bin), else the installed copy. */
static void default_www_dir(char *buf, size_t size)
{
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	struct stat st;

	snprintf(buf, size, "%s", INSTALLED_WWW);
	if (n <= 0)
		return;
	exe[n] = '\0';
	for (int up = 0; up < 5; up++) {
		char *slash = strrchr(exe, '/');

		if (!slash || slash == exe)
			return;
		*slash = '\0';
		snprintf(probe, sizeof probe, "%s/services/web/www/index.html", exe);
		if (stat(probe, &st) == 0) {
			/* probe holds the directory followed by "/index.html" */
			probe[strlen(probe) - strlen("/index.html")] = '\0';
			snprintf(buf, size, "%.*s", (int)size - 1, probe);
			return;
		}
	}
}

/* On first start (no users at all): create "admin" with a random password
 * and print it once. */
static int first_admin(users *u)
{
	char pw[17];
	size_t n;
	int rc;

	if ((rc = users_count(u, &n)) || n)
		return rc;
	users_random_password(pw, sizeof pw);
	if ((rc = users_create(u, "admin", ROLE_ADMIN, pw, svc_now())))
		return rc;
	log_warn("first start: created user admin with password %s (change it)", pw);
	sodium_memzero(pw, sizeof pw);
	return AMR_OK;
}

static void register_metrics(struct web *w)
{
	static const char *const cls[] = { "class=\"1xx\"", "class=\"2xx\"", "class=\"3xx\"",
					   "class=\"4xx\"", "class=\"5xx\"", "class=\"other\"" };
	metrics *ms = w->svc->metrics;

	for (int i = 0; i < 6; i++)
		w->m.req[i] = metrics_get(ms, METRIC_COUNTER, "amr_web_http_requests_total", cls[i],
					  "HTTP requests answered, by status class.");
	w->m.login_ok = metrics_get(ms, METRIC_COUNTER, "amr_web_logins_total", "result=\"ok\"",
				    "Sign-in attempts by result.");
	w->m.login_failed = metrics_get(ms, METRIC_COUNTER, "amr_web_logins_total",
					"result=\"failed\"", NULL);
	w->m.login_limited = metrics_get(ms, METRIC_COUNTER, "amr_web_logins_total",
					 "result=\"limited\"", NULL);
	w->m.unavailable = metrics_get(ms, METRIC_COUNTER, "amr_web_unavailable_total", NULL,
				       "Requests answered 503 because a service did not answer.");
	w->m.sse_clients = metrics_get(ms, METRIC_GAUGE, "amr_web_sse_clients", NULL,
				       "Live stream clients connected.");
	w->m.sessions = metrics_get(ms, METRIC_GAUGE, "amr_web_sessions", NULL,
				    "Signed-in sessions.");
	w->m.audit = metrics_get(ms, METRIC_COUNTER, "amr_web_audit_total", NULL,
				 "Audit records published.");
	w->m.tscope_ok = metrics_get(ms, METRIC_COUNTER, "amr_web_tenant_scopes_total",
				     "result=\"ok\"",
				     "Tenants' views of the metering asked of amr-billing, by "
				     "result.");
	w->m.tscope_failed = metrics_get(ms, METRIC_COUNTER, "amr_web_tenant_scopes_total",
					 "result=\"failed\"", NULL);
	w->m.alarms = metrics_get(ms, METRIC_GAUGE, "amr_web_alarms_open", NULL,
				  "amr-notify's open alarms the portal shows.");
}

static bool session_alive(void *ctx, const char *sid)
{
	struct web *w = ctx;

	return auth_alive(w->auth, sid, svc_now());
}

/* Tenants' views again (a move-out whose date passed). */
static void tenant_refresh(void *arg)
{
	tscope_refresh(arg);
}

/* Keep the streams open through proxies; end those whose session expired. */
static void heartbeat(void *arg)
{
	struct web *w = arg;

	if (!w->hub)
		return;
	sse_heartbeat(w->hub);
	if (w->auth)
		sse_close_stale(w->hub, session_alive, w);
}

int main(int argc, char **argv)
{
	struct web w = { 0 };
	struct web_opts *o = &w.o;
	const char *reset_user = NULL;
	const struct config_opt opts[] = {
		{ "data-dir", "AMR_WEB_DATA_DIR", CONFIG_STR, NULL, 1, 4000,
		  "LMDB directory of users (default $AMR_DATA_DIR/web)", &o->data_dir, NULL },
		{ "bind", "AMR_HTTP_BIND", CONFIG_STR, "127.0.0.1", 2, 64,
		  "address to listen on (0.0.0.0 or :: for every interface)", &o->bind, NULL },
		{ "port", "AMR_HTTP_PORT", CONFIG_INT, "8080", 0, 65535, "HTTP port", &o->port,
		  NULL },
		{ "www-dir", "AMR_WEB_WWW", CONFIG_STR, NULL, 1, 4000,
		  "static files (default: services/web/www of the source tree above the program, "
		  "else " INSTALLED_WWW ")",
		  &o->www_dir, NULL },
		{ "chart-dir", "AMR_WEB_CHART_DIR", CONFIG_STR, "/usr/share/javascript/chart.js", 1,
		  4000, "Chart.js files (Debian libjs-chart.js), served under /vendor/chart.js/",
		  &o->chart_dir, NULL },
		{ "tls-cert", "AMR_WEB_TLS_CERT", CONFIG_STR, NULL, 1, 4000,
		  "PEM certificate (chain): serve HTTPS", &o->tls_cert, NULL },
		{ "tls-key", "AMR_WEB_TLS_KEY", CONFIG_STR, NULL, 1, 4000, "PEM private key",
		  &o->tls_key, NULL },
		{ "trust-proxy", "AMR_WEB_TRUST_PROXY", CONFIG_BOOL, "false", 0, 0,
		  "behind a reverse proxy: client address from X-Forwarded-For", &o->trust_proxy,
		  NULL },
		{ "threads", "AMR_WEB_THREADS", CONFIG_INT, "4", 1, 64, "HTTP thread pool",
		  &o->threads, NULL },
		{ "max-conns", "AMR_WEB_MAX_CONNS", CONFIG_INT, "1000", 8, 100000,
		  "connections at once", &o->max_conns, NULL },
		{ "max-conns-ip", "AMR_WEB_MAX_CONNS_IP", CONFIG_INT, "64", 1, 100000,
		  "connections at once from one address", &o->max_conns_ip, NULL },
		{ "conn-timeout", "AMR_WEB_CONN_TIMEOUT", CONFIG_INT, "60", 5, 3600,
		  "idle connection timeout, s", &o->conn_timeout, NULL },
		{ "max-body", "AMR_WEB_MAX_BODY", CONFIG_INT, "65536", 256, 16777216,
		  "largest JSON body accepted, bytes", &o->max_body, NULL },
		{ "rpc-timeout-ms", "AMR_WEB_RPC_TIMEOUT_MS", CONFIG_INT, "3000", 100, 60000,
		  "how long a service may take to answer before 503", &o->rpc_timeout_ms, NULL },
		{ "session-idle", "AMR_WEB_SESSION_IDLE", CONFIG_INT, "28800", 60, 2592000,
		  "a session ends after this many idle seconds", &o->session_idle, NULL },
		{ "session-max", "AMR_WEB_SESSION_MAX", CONFIG_INT, "86400", 60, 2592000,
		  "a session ends this many seconds after sign-in", &o->session_max, NULL },
		{ "max-sessions", "AMR_WEB_MAX_SESSIONS", CONFIG_INT, "10000", 1, 1000000,
		  "sessions at once (the oldest goes)", &o->max_sessions, NULL },
		{ "login-fails-user", "AMR_WEB_LOGIN_FAILS_USER", CONFIG_INT, "5", 1, 1000,
		  "failed sign-ins of one user in a window before refusing", &o->login_fails_user,
		  NULL },
		{ "login-fails-ip", "AMR_WEB_LOGIN_FAILS_IP", CONFIG_INT, "20", 1, 100000,
		  "failed sign-ins from one address in a window before refusing",
		  &o->login_fails_ip, NULL },
		{ "login-window", "AMR_WEB_LOGIN_WINDOW", CONFIG_INT, "900", 1, 86400,
		  "sign-in failure window, s", &o->login_window, NULL },
		{ "fresh-s", "AMR_WEB_FRESH_S", CONFIG_INT, "900", 10, 2592000,
		  "data older than this is shown as stale, s", &o->fresh_s, NULL },
		{ "sse-max", "AMR_WEB_SSE_MAX", CONFIG_INT, "500", 1, 100000,
		  "live stream clients at once", &o->sse_max, NULL },
		{ "sse-per-user", "AMR_WEB_SSE_PER_USER", CONFIG_INT, "16", 1, 100000,
		  "live streams of one user at once (browser tabs)", &o->sse_per_user, NULL },
		{ "sse-queue", "AMR_WEB_SSE_QUEUE", CONFIG_INT, "1048576", 4096, 1073741824,
		  "bytes queued for one slow stream client before it is cut off", &o->sse_queue,
		  NULL },
		{ "heartbeat-s", "AMR_WEB_HEARTBEAT_S", CONFIG_INT, "15", 1, 300,
		  "stream heartbeat, s", &o->heartbeat_s, NULL },
		{ "tenant-refresh-s", "AMR_WEB_TENANT_REFRESH_S", CONFIG_INT, "300", 10, 86400,
		  "ask amr-billing again for every signed-in tenant's meters this often, s (a "
		  "move-out date passing; a change is asked at once)",
		  &o->tenant_refresh_s, NULL },
		{ "tz", "AMR_TZ", CONFIG_STR, "Europe/Moscow", 1, 60,
		  "site time zone, the archive's --tz: the portal's times and days, the audit CSV",
		  &o->tz, NULL },
		{ "reset-password", NULL, CONFIG_STR, NULL, 1, USERS_MAX_NAME,
		  "set a new random password for USER (a lost admin password), print it once, "
		  "audit it and exit",
		  &reset_user, NULL },
	};
	char client_id[64];
	struct view_opts vo;
	struct svc s;
	char data_dir[4096], www[4096];
	uint64_t hb = 0, tr = 0;
	int rc;

	/* a reset runs beside a running amr-web: its own MQTT session */
	snprintf(client_id, sizeof client_id, "amr-web-reset-%ld", (long)getpid());
	rc = svc_init(&s, "web", "amr-web: REST API and web portal", argc, argv, opts,
		      sizeof opts / sizeof opts[0], reset_requested(argc, argv) ? client_id : NULL);

	if (rc != SVC_CONTINUE)
		return rc;
	rc = 1;
	w.svc = &s;
	if (sodium_init() < 0) {
		log_error("libsodium cannot start");
		goto out_fini;
	}
	crypto_secretbox_keygen(w.cursor_key);
	if (tzone_set(o->tz))
		goto out_fini;
	if (o->data_dir)
		snprintf(data_dir, sizeof data_dir, "%s", o->data_dir);
	else if (svc_data_dir(data_dir, sizeof data_dir, "web"))
		goto out_fini;
	if (!o->www_dir) {
		default_www_dir(www, sizeof www);
		o->www_dir = www;
	}
	if (mkdir(data_dir, 0750) != 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", data_dir, strerror(errno));
		goto out_fini;
	}
	if (reset_user) {
		rc = users_open(&w.users, data_dir) ? 1 : reset_password(&w, reset_user);
		goto out_close;
	}
	vo = (struct view_opts){ (unsigned)o->fresh_s, 500 };
	register_metrics(&w);
	if (users_open(&w.users, data_dir) || first_admin(w.users) ||
	    auth_create(&w.auth, (size_t)o->max_sessions, (unsigned)o->session_idle,
			(unsigned)o->session_max) ||
	    rl_create(&w.rl_user, 4096, (unsigned)o->login_fails_user, (unsigned)o->login_window) ||
	    rl_create(&w.rl_ip, 4096, (unsigned)o->login_fails_ip, (unsigned)o->login_window) ||
	    view_create(&w.view, &vo) || feed_start(&w) ||
	    http_start(&w.http, &w, api_routes, api_nroutes)) {
		log_error("cannot start (users in %s)", data_dir);
		goto out_close;
	}
	if (!(hb = loop_timer_add(s.loop, (unsigned)o->heartbeat_s * 1000, true, heartbeat, &w))) {
		log_error("cannot start: no heartbeat timer (out of memory)");
		goto out_close;
	}
	if (!(tr = loop_timer_add(s.loop, (unsigned)o->tenant_refresh_s * 1000, true,
				  tenant_refresh, &w))) {
		log_error("cannot start: no tenants' refresh timer (out of memory)");
		goto out_close;
	}
	log_info("users in %s, sessions in memory, portal http%s://%s:%d/", data_dir,
		 o->tls_cert ? "s" : "", o->bind, http_port(w.http));
	rc = svc_run(&s) ? 1 : 0;
	loop_timer_cancel(s.loop, hb);
	loop_timer_cancel(s.loop, tr);

out_close:
	http_stop(w.http);
	feed_stop(&w);
	view_destroy(w.view);
	rl_destroy(w.rl_ip);
	rl_destroy(w.rl_user);
	auth_destroy(w.auth);
	users_close(w.users);
out_fini:
	svc_fini(&s);
	return rc;
}
