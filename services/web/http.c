#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "call.h"
#include "err.h"
#include "files.h"
#include "http.h"
#include "http_int.h"
#include "httpin.h"
#include "jv.h"
#include "log.h"
#include "proto.h"
#include "tscope.h"

#define CSP                                                                               \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "       \
	"form-action 'self'; frame-ancestors 'none'"

void http__security_headers(http *h, struct MHD_Response *r, bool api)
{
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", api ? "no-store" : "no-cache");
	if (h->cert)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

void http__count(http *h, unsigned status)
{
	unsigned cls = status / 100;

	metric_add(h->w->m.req[cls >= 1 && cls <= 5 ? cls - 1 : 5], 1);
}

/* Queue the buffer response of an answered call. */
static enum MHD_Result queue_call(struct conn *k)
{
	struct call *c = k->c;
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(c->out_len, c->out, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", c->ctype);
	for (int i = 0; i < c->nheaders; i++)
		MHD_add_response_header(r, c->hname[i], c->hvalue[i]);
	http__security_headers(k->h, r, true);
	if (c->status == 405)
		MHD_add_response_header(r, "Allow", "GET, POST, PUT, PATCH, DELETE");
	http__count(k->h, (unsigned)c->status);
	log_debug("%s %s %s -> %d", c->ip, c->method, c->path, c->status);
	ret = MHD_queue_response(k->mc, (unsigned)c->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* A JSON error for requests refused before they became calls. */
enum MHD_Result http__error(struct conn *k, unsigned status, const char *code, const char *message)
{
	json_t *e = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
	char *text = e ? json_dumps(e, JSON_COMPACT) : NULL;
	struct MHD_Response *r;
	enum MHD_Result ret;

	json_decref(e);
	if (!text)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (status == 405)
		MHD_add_response_header(r, "Allow", "GET, POST, PUT, PATCH, DELETE");
	http__security_headers(k->h, r, true);
	http__count(k->h, status);
	ret = MHD_queue_response(k->mc, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* call.h's finish: runs once the call is answered, on any thread. */
static void finish(struct call *c)
{
	struct conn *k = c->priv;
	http *h = k->h;
	bool resume = false;

	pthread_mutex_lock(&h->lock);
	if (k->waiting) {
		for (struct conn **pp = &h->waiting; *pp; pp = &(*pp)->next) {
			if (*pp == k) {
				*pp = k->next;
				break;
			}
		}
		k->waiting = false;
		resume = true;
	}
	pthread_mutex_unlock(&h->lock);
	if (resume)
		MHD_resume_connection(k->mc);
}

/* A tenant's call, once its items are in (or amr-billing did not answer:
 * then it sees no meters): the scope check authorize() left, the handler. */
static void run_derived(void *arg, bool ok)
{
	struct call *c = arg;
	struct conn *k = c->priv;
	char msg[160];
	int status;

	(void)ok;
	if ((status = scope_check_call(&c->scope, c, msg, sizeof msg)))
		call_error(c, status, status == 403 ? "forbidden" : "bad_request", "%s", msg);
	else
		c->m.route->fn(k->h->w, c);
	call_unref(c);
}

/* The loop side holds its own reference while the handler runs; work the
 * handler leaves pending (an RPC) takes another (api_rpc). */
static void run_on_loop(void *arg)
{
	struct call *c = arg;
	struct conn *k = c->priv;

	if (scope_pending(&c->scope)) {
		c->scope.derived = true; /* whatever the answer: checked, not asked again */
		tscope_derive(k->h->w, c->sid, &c->scope, run_derived, c);
		return;
	}
	c->m.route->fn(k->h->w, c);
	call_unref(c);
}

static void drop_on_loop(void *arg)
{
	call_error(arg, 503, "unavailable", "amr-web is shutting down");
	call_unref(arg);
}

/* Query arguments being read into c->query; the first one refused. */
struct query_read {
	struct call *c; /* whose */
	char why[96];	/* the argument refused and why, "" when none was */
};

/* MHD's iterator over the query: httpin_query_arg() for each; a refusal
 * stops the collection and the call is refused. */
static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct query_read *q = cls;

	return httpin_query_arg(q->c->query, key, value, q->why, sizeof q->why) ? MHD_YES : MHD_NO;
}

static void client_ip(http *h, struct MHD_Connection *mc, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *fwd = h->w->o.trust_proxy ? MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
									    "X-Forwarded-For")
					      : NULL;

	snprintf(buf, size, "unknown");
	if (fwd) {
		/* the last address: the one our proxy wrote. A proxy that
		 * appends ($proxy_add_x_forwarded_for) passes what the client
		 * sent before it, which would let a client name any address
		 * (another's, or loopback's) and so escape or cause a lock-out */
		const char *last = fwd + strlen(fwd);
		size_t n;

		while (last > fwd && (last[-1] == ' ' || last[-1] == ','))
			last--;
		n = (size_t)(last - fwd);
		while (last > fwd && last[-1] != ',' && last[-1] != ' ')
			last--;
		n -= (size_t)(last - fwd);
		snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), last);
		return;
	}
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, buf,
			  (socklen_t)size);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, buf,
			  (socklen_t)size);
}

static bool changes_state(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* Session, role and CSRF; answers the call when refused. */
static bool authorize(http *h, struct conn *k, const struct route *rt)
{
	struct call *c = k->c;
	struct auth_session s;
	const char *sid = MHD_lookup_connection_value(k->mc, MHD_COOKIE_KIND, AUTH_COOKIE);
	const char *token;
	char msg[160];
	int status;

	if (sid && auth_lookup(h->w->auth, sid, svc_now(), &s) == AMR_OK) {
		snprintf(c->user, sizeof c->user, "%s", s.user);
		snprintf(c->sid, sizeof c->sid, "%s", s.sid);
		c->role = s.role;
		c->scope = s.scope;
		c->scope.at = rt->where == ROUTE_SPAN ? 0 : svc_now(); /* scope.h: windows */
	}
	if (rt->roles == ROLES_PUBLIC)
		return true;
	if (!c->user[0]) {
		call_error(c, 401, "unauthorized", "sign in first");
		return false;
	}
	if (!(rt->roles & c->role)) {
		call_error(c, 403, "forbidden", "the role %s may not %s %s",
			   route_role_name(c->role), c->method, rt->pattern);
		return false;
	}
	/* a tenant's items still to come: the loop checks once they are in */
	if ((rt->where == ROUTE_NOW || !scope_pending(&c->scope)) &&
	    (status = scope_check_call(&c->scope, c, msg, sizeof msg))) {
		call_error(c, status, status == 403 ? "forbidden" : "bad_request", "%s", msg);
		return false;
	}
	token = MHD_lookup_connection_value(k->mc, MHD_HEADER_KIND, "X-CSRF-Token");
	if (changes_state(c->method) && !auth_csrf_ok(&s, token)) {
		call_error(c, 403, "csrf", "missing or wrong X-CSRF-Token header");
		return false;
	}
	return true;
}

static enum MHD_Result serve_file(struct conn *k, const char *url, const char *method)
{
	http *h = k->h;
	const char *dir = h->w->o.www_dir, *path = url;
	struct MHD_Response *r;
	enum MHD_Result ret;
	uint64_t size;
	int fd, rc;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return http__error(k, 405, "method_not_allowed", "static files answer GET only");
	if (strcmp(url, "/") == 0)
		path = "/index.html";
	else if (strncmp(url, "/vendor/chart.js/", 17) == 0) {
		dir = h->w->o.chart_dir;
		path = url + 16;
	}
	rc = files_open(dir, path, &fd, &size);
	if (rc)
		return http__error(k, 404, "not_found",
				   rc == AMR_EINVAL ? "no such file (path refused)"
						    : "no such file");
	r = MHD_create_response_from_fd64(size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", files_type(path));
	http__security_headers(h, r, false);
	http__count(h, 200);
	ret = MHD_queue_response(k->mc, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", NULL };

static bool known_method(const char *m)
{
	for (int i = 0; methods[i]; i++)
		if (strcmp(m, methods[i]) == 0)
			return true;
	return false;
}

/* Build the call of a complete request and run its handler. */
static enum MHD_Result dispatch(struct conn *k, const char *url, const char *method)
{
	http *h = k->h;
	struct route_match m;
	struct call *c;
	const char *ctype;
	struct query_read q = { NULL, "" };
	char msg[sizeof(struct jv_err)];
	int rc = route_find(h->routes, h->nroutes, strcmp(method, "HEAD") ? method : "GET", url,
			    &m);

	if (rc == ROUTE_NO_PATH && strncmp(url, "/api/", 5) != 0)
		return serve_file(k, url, method);
	if (rc == ROUTE_NO_PATH)
		return http__error(k, 404, "not_found", "no such API route");
	if (rc == ROUTE_NO_METHOD)
		return http__error(k, 405, "method_not_allowed",
				   "this route does not take that method");
	if (strlen(url) >= sizeof c->path)
		return http__error(k, 414, "uri_too_long", "path too long");
	if (!(c = calloc(1, sizeof *c)))
		return MHD_NO;
	call_init(c);
	k->c = c;
	c->finish = finish;
	c->priv = k;
	c->m = m;
	c->tls = h->cert != NULL;
	snprintf(c->method, sizeof c->method, "%s", method);
	snprintf(c->path, sizeof c->path, "%s", url);
	client_ip(h, k->mc, c->ip, sizeof c->ip);
	q.c = c;
	if (!(c->query = json_object()))
		return MHD_NO;
	MHD_get_connection_values(k->mc, MHD_GET_ARGUMENT_KIND, collect_query, &q);
	if (q.why[0]) {
		call_error(c, 400, "bad_request", "%s", q.why);
		return queue_call(k);
	}
	ctype = MHD_lookup_connection_value(k->mc, MHD_HEADER_KIND, "Content-Type");
	rc = httpin_body(ctype, k->body, k->len, changes_state(method), &c->body, msg, sizeof msg);
	if (rc) {
		call_error(c, rc, rc == 415 ? "unsupported_media_type" : "bad_json", "%s", msg);
		return queue_call(k);
	}
	if (!authorize(h, k, m.route))
		return queue_call(k);
	if (m.route->where == ROUTE_STREAM)
		return http__start_stream(k);
	if (m.route->where == ROUTE_NOW) {
		m.route->fn(h->w, c);
		if (!call_answered(c))
			call_error(c, 500, "internal", "the handler gave no answer");
		return queue_call(k);
	}
	/* ROUTE_LOOP, ROUTE_SPAN: suspend first, so the answer can never come before it. */
	MHD_suspend_connection(k->mc);
	pthread_mutex_lock(&h->lock);
	k->waiting = true;
	k->next = h->waiting;
	h->waiting = k;
	call_ref(c);
	pthread_mutex_unlock(&h->lock);
	if (loop_post(h->w->svc->loop, run_on_loop, c, drop_on_loop)) {
		call_error(c, 503, "unavailable", "amr-web is overloaded");
		call_unref(c);
	}
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	http *h = cls;
	struct conn *k = *con_cls;
	const char *clen;

	if (!k) {
		if (!(k = calloc(1, sizeof *k)))
			return MHD_NO;
		k->h = h;
		k->mc = mc;
		*con_cls = k;
		if (!known_method(method))
			k->refuse = 405;
		clen = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Length");
		if (clen && strtoull(clen, NULL, 10) > (unsigned long long)h->w->o.max_body)
			k->refuse = 413;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!k->refuse &&
		    (k->refuse = httpin_append(&k->body, &k->len, upload, *upload_size,
					       (size_t)h->w->o.max_body)) < 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (k->c) /* resumed: the answer is there */
		return queue_call(k);
	if (k->refuse == 405)
		return http__error(k, 405, "method_not_allowed", "unsupported HTTP method");
	if (k->refuse == 413) {
		char msg[96];

		snprintf(msg, sizeof msg, "the body is larger than %lld bytes", h->w->o.max_body);
		return http__error(k, 413, "too_large", msg);
	}
	return dispatch(k, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn *k = *con_cls;

	if (!k)
		return;
	call_unref(k->c);
	free(k->body);
	free(k);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	log_warn("http: %s", line);
}

static void do_suspend(void *conn)
{
	MHD_suspend_connection(conn);
}

static void do_resume(void *conn)
{
	MHD_resume_connection(conn);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && len < 1 << 20 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1))) {
		if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else {
			buf[len] = '\0';
		}
	}
	fclose(f);
	return buf;
}

amr_err http_start(http **out, struct web *w, const struct route *t, size_t n)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	struct sockaddr_in6 a6 = { 0 };
	struct sockaddr_in a4 = { 0 };
	struct sockaddr *sa;
	const union MHD_DaemonInfo *di;
	http *h = calloc(1, sizeof *h);
	int rc = AMR_EINVAL;

	if (!h)
		return AMR_ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	h->w = w;
	h->routes = t;
	h->nroutes = n;
	if (inet_pton(AF_INET, w->o.bind, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)w->o.port);
		sa = (struct sockaddr *)&a4;
	} else if (inet_pton(AF_INET6, w->o.bind, &a6.sin6_addr) == 1) {
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)w->o.port);
		sa = (struct sockaddr *)&a6;
		flags |= MHD_USE_IPv6;
	} else {
		log_error("bind: \"%s\" is not an IPv4 or IPv6 address", w->o.bind);
		goto out_free;
	}
	if (w->o.tls_cert || w->o.tls_key) {
		if (!w->o.tls_cert || !w->o.tls_key) {
			log_error("tls: give both --tls-cert and --tls-key");
			goto out_free;
		}
		if (!(h->cert = read_file(w->o.tls_cert)) || !(h->key = read_file(w->o.tls_key))) {
			log_error("tls: cannot read %s or %s", w->o.tls_cert, w->o.tls_key);
			goto out_free;
		}
		flags |= MHD_USE_TLS;
	}
	if (sse_create(&w->hub, (size_t)w->o.sse_max, (size_t)w->o.sse_queue, do_suspend,
		       do_resume)) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	sse_limit_owner(w->hub, (size_t)w->o.sse_per_user);
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
				mhd_log, h, MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE,
				(unsigned)w->o.threads, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)w->o.max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned)w->o.max_conns_ip, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)w->o.conn_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)32768, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
				/* without TLS the list ends here */
				h->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, h->cert,
				MHD_OPTION_HTTPS_MEM_KEY, h->key, MHD_OPTION_END);
	if (!h->d) {
		log_error("http: cannot listen on %s port %lld: %s", w->o.bind, w->o.port,
			  strerror(errno));
		rc = AMR_EIO;
		goto out_free;
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : (int)w->o.port;
	log_info("http: listening on %s port %d%s, static files in %s", w->o.bind, h->port,
		 h->cert ? " (TLS)" : "", w->o.www_dir);
	*out = h;
	return AMR_OK;
out_free:
	sse_destroy(w->hub);
	w->hub = NULL;
	free(h->cert);
	free(h->key);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return rc;
}

void http_stop(http *h)
{
	if (!h)
		return;
	sse_close_all(h->w->hub);
	/* Answer every suspended call; finish() unlinks and resumes it. */
	for (;;) {
		struct call *c = NULL;

		pthread_mutex_lock(&h->lock);
		h->stopping = true;
		if (h->waiting)
			c = h->waiting->c;
		pthread_mutex_unlock(&h->lock);
		if (!c)
			break;
		call_error(c, 503, "unavailable", "amr-web is shutting down");
		pthread_mutex_lock(&h->lock);
		if (h->waiting && h->waiting->c == c) /* already answered before: unlink */
			h->waiting = h->waiting->next;
		pthread_mutex_unlock(&h->lock);
	}
	/* Give resumed connections a moment to send their answers. */
	for (int i = 0; i < 20 && sse_count(h->w->hub); i++)
		usleep(10000);
	MHD_stop_daemon(h->d);
	sse_destroy(h->w->hub);
	h->w->hub = NULL;
	free(h->cert);
	free(h->key);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int http_port(const http *h)
{
	return h->port;
}
