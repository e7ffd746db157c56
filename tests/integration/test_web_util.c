#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "test_web_util.h"

static char *read_log(const struct webt *t)
{
	char path[512];
	FILE *f;
	char *buf = calloc(1, 1 << 20);
	size_t n;

	snprintf(path, sizeof path, "%s/amr-web.log", t->h.dir);
	if (!buf || !(f = fopen(path, "r")))
		return buf;
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A self-signed certificate and key for 127.0.0.1 in the test's directory. */
static void make_cert(struct webt *t)
{
	char cmd[2048], *out;
	int status;

	snprintf(t->cacert, sizeof t->cacert, "%s/web.crt", t->h.dir);
	snprintf(cmd, sizeof cmd,
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
		 "-nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
		 "-keyout %s/web.key -out %s 2>&1",
		 t->h.dir, t->cacert);
	out = harness_run(&t->h, cmd, &status);
	ck_assert_msg(status == 0, "openssl req failed: %s", out ? out : "");
	free(out);
}

/* Spawn amr-web on t->http_port with the www dir, TLS when t->cacert is
 * set, and web_args; wait until it answers /healthz seeded. */
static void spawn_web(struct webt *t, const char *const *web_args)
{
	const char *args[40];
	char port[16], www[512], cert[600], key[600];
	const char *src = getenv("AMR_SRC_DIR");
	int n = 0;

	snprintf(port, sizeof port, "%d", t->http_port);
	snprintf(www, sizeof www, "--www-dir=%s/services/web/www", src ? src : ".");
	args[n++] = "--port";
	args[n++] = port;
	args[n++] = www;
	if (t->cacert[0]) {
		snprintf(cert, sizeof cert, "--tls-cert=%s", t->cacert);
		snprintf(key, sizeof key, "--tls-key=%s/web.key", t->h.dir);
		args[n++] = cert;
		args[n++] = key;
	}
	for (int i = 0; web_args && web_args[i] && n < 38; i++)
		args[n++] = web_args[i];
	args[n] = NULL;
	t->web = harness_spawn(&t->h, "amr-web", args);
	ck_assert(t->web > 0);
	/* up, and seeded from the archive (which therefore answers too) */
	for (int i = 0; i < 600; i++) {
		struct webc c;
		struct webr r;
		bool ready;

		webc_init(&c, t);
		r = webc_req(&c, "GET", "/healthz", NULL, NULL, NULL);
		ready = r.status == 200 && r.body && strstr(r.body, "\"seeded\":true");
		webc_free(&c);
		webr_free(&r);
		if (ready)
			return;
		harness_sleep_ms(50);
	}
	ck_abort_msg("amr-web was not seeded within 30 s (/healthz)");
}

static void start(struct webt *t, const char *const *web_args, bool tls)
{
	memset(t, 0, sizeof *t);
	ck_assert_int_eq(harness_start(&t->h), 0);
	t->archive = harness_spawn(&t->h, "amr-archive", (const char *[]){ NULL });
	t->ingest = harness_spawn(&t->h, "amr-ingest", (const char *[]){ NULL });
	/* the one alarm engine: the portal shows its alarms (docs/notify.md) */
	t->notify = harness_spawn(&t->h, "amr-notify", (const char *[]){ NULL });
	ck_assert(t->archive > 0 && t->ingest > 0 && t->notify > 0);
	t->http_port = harness_free_port();
	if (tls)
		make_cert(t);
	spawn_web(t, web_args);
	for (int i = 0; i < 50 && !t->admin_pw[0]; i++) {
		char *log = read_log(t),
		     *p = log ? strstr(log, "created user admin with password ") : NULL;

		if (p)
			sscanf(p + strlen("created user admin with password "), "%63s",
			       t->admin_pw);
		free(log);
		if (!t->admin_pw[0])
			harness_sleep_ms(100);
	}
	ck_assert_msg(t->admin_pw[0], "no first-start password in amr-web.log");
}

void webt_restart_web(struct webt *t, const char *const *web_args)
{
	harness_kill(&t->h, t->web, SIGTERM);
	spawn_web(t, web_args);
}

void webt_start(struct webt *t, const char *const *web_args)
{
	start(t, web_args, false);
}

void webt_start_tls(struct webt *t, const char *const *web_args)
{
	start(t, web_args, true);
}

void webt_stop(struct webt *t)
{
	harness_stop(&t->h);
}

void webc_init(struct webc *c, const struct webt *t)
{
	memset(c, 0, sizeof *c);
	c->curl = curl_easy_init();
	ck_assert_ptr_nonnull(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_COOKIEFILE, ""); /* in-memory cookies */
	snprintf(c->base, sizeof c->base, "%s://127.0.0.1:%d", t->cacert[0] ? "https" : "http",
		 t->http_port);
	snprintf(c->cacert, sizeof c->cacert, "%s", t->cacert);
	if (c->cacert[0])
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->cacert);
}

void webc_free(struct webc *c)
{
	curl_easy_cleanup(c->curl);
	c->curl = NULL;
}

struct buf {
	char *p;
	size_t n;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t len = size * nmemb;
	char *q = realloc(b->p, b->n + len + 1);

	if (!q)
		return 0;
	memcpy(q + b->n, data, len);
	b->n += len;
	q[b->n] = '\0';
	b->p = q;
	return len;
}

struct webr webc_req(struct webc *c, const char *method, const char *path, const char *body,
		     const char *ctype, const char *extra_header)
{
	struct webr r = { 0 };
	struct buf b = { calloc(1, 1), 0 }, h = { calloc(1, 1), 0 };
	struct curl_slist *hl = NULL;
	char url[8192], hdr[256];
	CURL *cu = c->curl;

	snprintf(url, sizeof url, "%s%s", c->base, path);
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(cu, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
	if (body)
		curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(cu, CURLOPT_HTTPGET, body ? 0L : 1L);
	curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
	snprintf(hdr, sizeof hdr, "Content-Type: %s", ctype ? ctype : "application/json");
	hl = curl_slist_append(hl, hdr);
	if (c->csrf[0]) {
		snprintf(hdr, sizeof hdr, "X-CSRF-Token: %s", c->csrf);
		hl = curl_slist_append(hl, hdr);
	}
	if (extra_header)
		hl = curl_slist_append(hl, extra_header);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, 15000L);
	if (curl_easy_perform(cu) == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(cu, CURLINFO_TOTAL_TIME, &r.secs);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, NULL); /* hl and body are freed next */
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, NULL);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, NULL);
	curl_slist_free_all(hl);
	r.body = b.p;
	r.len = b.n;
	r.headers = h.p;
	r.json = r.body && r.len ? json_loadb(r.body, r.len, 0, NULL) : NULL;
	return r;
}

void webr_free(struct webr *r)
{
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

long webc_login(struct webc *c, const char *user, const char *pw)
{
	json_t *j = json_pack("{s:s, s:s}", "user", user, "password", pw);
	char *text = json_dumps(j, JSON_COMPACT);
	struct webr r = webc_req(c, "POST", "/api/v1/login", text, NULL, NULL);
	long status = r.status;
	const char *csrf = json_string_value(json_object_get(r.json, "csrf"));

	if (status == 200 && csrf)
		snprintf(c->csrf, sizeof c->csrf, "%s", csrf);
	webr_free(&r);
	free(text);
	json_decref(j);
	return status;
}

const char *webr_code(const struct webr *r)
{
	const char *code = json_string_value(
		json_object_get(json_object_get(r->json, "error"), "code"));

	return code ? code : "";
}

size_t sse_collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sse_read *s = arg;
	size_t len = size * nmemb;

	if (s->n + len < sizeof s->buf) {
		memcpy(s->buf + s->n, data, len);
		s->buf[s->n + len] = '\0';
		__atomic_store_n(&s->n, s->n + len, __ATOMIC_SEQ_CST);
	}
	if (s->until && strstr(s->buf, s->until))
		return 0;
	return len;
}

int sse_wait_open(struct sse_read *s, int ms)
{
	for (int waited = 0; waited < ms; waited += 10) {
		if (__atomic_load_n(&s->n, __ATOMIC_SEQ_CST) > 0)
			return 0;
		harness_sleep_ms(10);
	}
	return -1;
}

/* GET path as c; the body (malloc'd) after checking the status. */
char *webc_body(struct webc *c, const char *path, long want)
{
	struct webr r = webc_req(c, "GET", path, NULL, NULL, NULL);
	char *body;

	ck_assert_msg(r.status == want, "GET %s: %ld %s", path, r.status, r.body ? r.body : "");
	body = strdup(r.body ? r.body : "");
	webr_free(&r);
	return body;
}

/* c's live stream into s while publish (a thread, given s) sends what
 * it should carry; until s->until came or 15 s passed. */
void webc_stream(struct webc *c, struct sse_read *s, void *(*publish)(void *))
{
	char url[160];
	pthread_t th;

	snprintf(url, sizeof url, "%s/api/v1/stream", c->base);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, sse_collect);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 15000L);
	pthread_create(&th, NULL, publish, s);
	curl_easy_perform(c->curl);
	pthread_join(th, NULL);
}

/* True when GET path as c answers 200 with both texts in its body. */
bool webc_shows(struct webc *c, const char *path, const char *one, const char *two)
{
	struct webr r = webc_req(c, "GET", path, NULL, NULL, NULL);
	bool both = r.status == 200 && strstr(r.body, one) && strstr(r.body, two);

	webr_free(&r);
	return both;
}

struct webr webc_wait_for(struct webc *c, const char *path, const char *needle)
{
	uint64_t end = harness_now_ms() + 5000;

	for (;;) {
		struct webr r = webc_req(c, "GET", path, NULL, NULL, NULL);

		if ((r.status == 200 && strstr(r.body, needle)) || harness_now_ms() >= end)
			return r;
		webr_free(&r);
		harness_sleep_ms(100);
	}
}

struct webc webt_admin(const struct webt *t)
{
	struct webc a;

	webc_init(&a, t);
	ck_assert_int_eq(webc_login(&a, "admin", t->admin_pw), 200);
	return a;
}

/* A new user of role (objects: a JSON array or NULL); its password into pw. */
void webt_user(struct webc *a, const char *name, const char *role, const char *objects, char *pw,
	       size_t size)
{
	char body[256];
	struct webr r;

	snprintf(body, sizeof body, "{\"user\":\"%s\",\"role\":\"%s\"%s%s}", name, role,
		 objects ? ",\"objects\":" : "", objects ? objects : "");
	r = webc_req(a, "POST", "/api/v1/users", body, NULL, NULL);
	ck_assert_msg(r.status == 201, "create %s: %ld %s", name, r.status, r.body);
	snprintf(pw, size, "%s", json_string_value(json_object_get(r.json, "password")));
	webr_free(&r);
}

/* A live stream of user c read on a handle of its own (c's cookies
 * copied), so that c can go on with other requests. */
struct stream_run {
	struct webc *c;	   /* whose session */
	struct sse_read s; /* what came */
	CURLcode rc;	   /* how the transfer ended */
	double secs;	   /* how long it lasted */
};

static void *stream_thread(void *arg)
{
	struct stream_run *r = arg;
	struct curl_slist *cookies = NULL;
	char url[160];
	CURL *h = curl_easy_init();
	struct timespec t0, t1;

	curl_easy_getinfo(r->c->curl, CURLINFO_COOKIELIST, &cookies);
	for (struct curl_slist *k = cookies; k; k = k->next)
		curl_easy_setopt(h, CURLOPT_COOKIELIST, k->data);
	curl_slist_free_all(cookies);
	snprintf(url, sizeof url, "%s/api/v1/stream", r->c->base);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sse_collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->rc = curl_easy_perform(h);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	curl_easy_cleanup(h);
	return NULL;
}

/* Open c's stream, then as a: method path body; check the server ends
 * the stream at once rather than at the 20 s transfer timeout. */
void webt_stream_ends_when(struct webc *a, struct webc *c, const char *method, const char *path,
			   const char *body)
{
	struct stream_run run = { .c = c, .s = { "", 0, NULL } };
	pthread_t th;
	struct webr r;

	pthread_create(&th, NULL, stream_thread, &run);
	ck_assert_msg(sse_wait_open(&run.s, 10000) == 0, "%s %s: the stream did not open", method,
		      path);
	r = webc_req(a, method, path, body, NULL, NULL);
	ck_assert_msg(r.status == 200, "%s %s: %ld %s", method, path, r.status, r.body);
	webr_free(&r);
	pthread_join(th, NULL);
	ck_assert_msg(run.rc == CURLE_OK && run.secs < 10,
		      "%s %s %s: the stream went on (%s after %.1f s): %.300s", method, path,
		      body ? body : "", curl_easy_strerror(run.rc), run.secs, run.s.buf);
}

/* A batch of building 33: flats 16 and 17 (devices 16 and 17, channels
 * 1 and 3 each), flat 16's counters at t16, flat 17's at t17; with only
 * flat 17's reading when t16 is 0. */
void webt_publish_flats(struct webt *t, long long seq, long long t16, long long t17)
{
	long long now = (long long)time(NULL);
	char msg[1024], f16[256] = "";

	if (t16)
		snprintf(f16, sizeof f16,
			 "{\"addr\":16,\"ch\":1,\"total\":%lld,\"delta\":1,\"period_ms\":1000},"
			 "{\"addr\":16,\"ch\":3,\"total\":%lld,\"delta\":1,\"period_ms\":1000},",
			 t16, t16 + 1);
	snprintf(msg, sizeof msg,
		 "{\"seq\":%lld,\"ts\":%lld,\"readings\":[%s"
		 "{\"addr\":17,\"ch\":1,\"total\":%lld,\"delta\":1,\"period_ms\":1000},"
		 "{\"addr\":17,\"ch\":3,\"total\":%lld,\"delta\":1,\"period_ms\":1000}],"
		 "\"devices\":[%s{\"addr\":17,\"ok\":true,\"mains\":true,\"batt_mv\":3000}],"
		 "\"events\":[],\"obj\":33,\"rx\":%lld}",
		 seq, now, f16, t17, t17 + 1,
		 t16 ? "{\"addr\":16,\"ok\":true,\"mains\":false,\"batt_mv\":2100,"
		       "\"outputs\":[true,false,false,false]},"
		     : "",
		 now);
	ck_assert_int_eq(harness_publish(&t->h, "amr/v1/readings/33", msg, 1, false), 0);
}

/* Nothing of flat 16 in text: no id 33.16.x, no device 16, no total. */
void webt_no_flat16(const char *where, const char *text)
{
	ck_assert_msg(!strstr(text, "33.16") && !strstr(text, "\"addr\":16") &&
			      !strstr(text, "\"total\":716") && !strstr(text, "\"flat\":16"),
		      "%s shows flat 16: %.2000s", where, text);
}
