/*
 * web.h - the parts of amr-web, wired together by main.c and handed to
 * every handler as its context.
 */
#ifndef AMR_WEB_WEB_H
#define AMR_WEB_WEB_H

#include <stdbool.h>

#include <sodium.h>

#include "auth.h"
#include "metrics.h"
#include "ratelimit.h"
#include "sse.h"
#include "svc.h"
#include "users.h"
#include "view.h"

typedef struct http http;

struct web_opts {
	const char *data_dir;	    /* LMDB environment of users */
	const char *bind;	    /* listen address */
	long long port;		    /* listen port */
	const char *www_dir;	    /* static files */
	const char *chart_dir;	    /* Chart.js files, served under /vendor/chart.js/ */
	const char *tls_cert;	    /* PEM certificate: TLS when set */
	const char *tls_key;	    /* PEM key */
	bool trust_proxy;	    /* take the client address from X-Forwarded-For */
	long long threads;	    /* HTTP thread pool */
	long long max_conns;	    /* connections at once */
	long long max_conns_ip;	    /* connections at once per address */
	long long conn_timeout;	    /* idle connection timeout, s */
	long long max_body;	    /* largest JSON body, bytes */
	long long rpc_timeout_ms;   /* RPC answer deadline */
	long long session_idle;	    /* session idle timeout, s */
	long long session_max;	    /* session lifetime, s */
	long long max_sessions;	    /* sessions at once */
	long long login_fails_user; /* failed sign-ins per user in a window */
	long long login_fails_ip;   /* failed sign-ins per address in a window */
	long long login_window;	    /* window, s */
	long long fresh_s;	    /* data older than this is stale */
	long long sse_max;	    /* stream clients at once */
	long long sse_per_user;	    /* streams of one user at once */
	long long sse_queue;	    /* bytes queued per stream client */
	long long heartbeat_s;	    /* stream heartbeat */
	long long tenant_refresh_s; /* tenants' views asked again in any case */
	const char *tz;		    /* the site's time zone (the archive's) */
};

struct web_metrics {
	metric *req[6];	       /* amr_web_http_requests_total{class="1xx".."5xx", "other"} */
	metric *login_ok;      /* amr_web_logins_total{result="ok"} */
	metric *login_failed;  /* {result="failed"} */
	metric *login_limited; /* {result="limited"} */
	metric *unavailable;   /* amr_web_unavailable_total: 503 from a silent service */
	metric *sse_clients;   /* amr_web_sse_clients */
	metric *sessions;      /* amr_web_sessions */
	metric *audit;	       /* amr_web_audit_total */
	metric *tscope_ok;     /* amr_web_tenant_scopes_total{result="ok"} */
	metric *tscope_failed; /* {result="failed"} */
	metric *alarms;	       /* amr_web_alarms_open: notify's open alarms kept */
};

struct web {
	struct svc *svc;      /* loop, broker, RPC, metrics */
	struct web_opts o;    /* options */
	users *users;	      /* accounts (LMDB) */
	auth *auth;	      /* sessions */
	rl *rl_user;	      /* failed sign-ins per user */
	rl *rl_ip;	      /* failed sign-ins per address */
	view *view;	      /* state from the broker (loop thread) */
	sse *hub;	      /* live stream clients */
	http *http;	      /* the HTTP server */
	struct web_metrics m; /* counters */
	bool seeded;	      /* registry and latest values loaded from the archive */
	bool seeding;	      /* a seed is on its way */
	uint64_t seed_timer;  /* retry timer of the seed */
	char seed_after[24];  /* registry page cursor: the last id read */
	long long seed_obj;   /* latest page cursor: the next object */
	size_t seed_chans;    /* channels seeded so far */
	/* seals the registry's page cursors for limited users (random at start) */
	unsigned char cursor_key[crypto_secretbox_KEYBYTES];
};

/* Publish an audit record {"ts","actor","action","target","detail"} on
 * amr/v1/audit (detail taken). Any thread. */
void web_audit(struct web *w, const char *actor, const char *action, const char *target,
	       json_t *detail);

#endif
