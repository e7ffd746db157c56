/*
 * kannel_util.c - a real Kannel (bearerbox, smsbox, fakesmsc) for a
 * test, reading back what the fake SMS centre got, and a tiny HTTP
 * server for Kannel's delivery reports.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kannel_util.h"

#define START_MS 15000

/* The configuration: every port on 127.0.0.1, the logs in dir. */
static void write_conf(const struct kannel *k, const char *path, const char *get_url)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fprintf(f,
		"group = core\n"
		"admin-port = %d\n"
		"admin-interface = 127.0.0.1\n"
		"admin-password = test-admin\n"
		"smsbox-port = %d\n"
		"smsbox-interface = 127.0.0.1\n"
		"box-allow-ip = 127.0.0.1\n"
		"access-log = \"%s/kannel-access.log\"\n"
		"dlr-storage = internal\n"
		"\n"
		/* what the sendsms-user sends (forced-smsc) goes here only */
		"group = smsc\n"
		"smsc = fake\n"
		"smsc-id = mt\n"
		"allowed-smsc-id = mt\n"
		"port = %d\n"
		"our-host = 127.0.0.1\n"
		"connect-allow-ip = 127.0.0.1\n"
		"\n"
		/* the phones' side: incoming SMS, and the answers to them */
		"group = smsc\n"
		"smsc = fake\n"
		"smsc-id = mo\n"
		"allowed-smsc-id = mo\n"
		"port = %d\n"
		"our-host = 127.0.0.1\n"
		"connect-allow-ip = 127.0.0.1\n"
		"\n"
		"group = smsbox\n"
		"bearerbox-host = 127.0.0.1\n"
		"bearerbox-port = %d\n"
		"sendsms-port = %d\n"
		"sendsms-interface = 127.0.0.1\n"
		"access-log = \"%s/smsbox-access.log\"\n"
		"\n"
		"group = sendsms-user\n"
		"username = " KANNEL_USER "\n"
		"password = " KANNEL_PASSWORD "\n"
		"forced-smsc = mt\n"
		"default-sender = " KANNEL_SENDER "\n"
		"max-messages = %d\n"
		"concatenation = true\n"
		"\n",
		k->admin_port, k->box_port, k->h->dir, k->mt_port, k->mo_port, k->box_port,
		k->sendsms_port, k->h->dir, KANNEL_MAX_PARTS);
	if (get_url) /* as deploy/kannel/local.conf.in: the answer comes by sendsms */
		fprintf(f,
			"group = sms-service\n"
			"keyword = default\n"
			"catch-all = true\n"
			"max-messages = 0\n"
			"omit-empty = true\n"
			"concatenation = true\n"
			"get-url = \"%s\"\n",
			get_url);
	else
		fprintf(f, "group = sms-service\n"
			   "keyword = default\n"
			   "text = \"" KANNEL_REPLY "\"\n");
	ck_assert_int_eq(fclose(f), 0);
}

static int free_port(void)
{
	int p = harness_free_port();

	ck_assert_int_gt(p, 0);
	return p;
}

/* Wait until program name's log, after mark, says needle. */
static void wait_log(struct kannel *k, const char *name, long mark, const char *needle)
{
	HARNESS_POLL_UNTIL(harness_log_count(k->h, name, mark, needle) > 0, START_MS);
	ck_assert_msg(harness_log_count(k->h, name, mark, needle) > 0,
		      "%s never said \"%s\" (see %s.log)", name, needle, name);
}

void kannel_start(struct kannel *k, struct harness *h)
{
	kannel_start_get(k, h, NULL);
}

void kannel_start_get(struct kannel *k, struct harness *h, const char *get_url)
{
	char conf[300], mt[16];
	long bb_mark, sb_mark;

	*k = (struct kannel){ .h = h };
	k->admin_port = free_port();
	k->box_port = free_port();
	k->mt_port = free_port();
	k->mo_port = free_port();
	k->sendsms_port = free_port();
	snprintf(k->url, sizeof k->url, "http://127.0.0.1:%d/cgi-bin/sendsms", k->sendsms_port);
	snprintf(conf, sizeof conf, "%s/kannel.conf", h->dir);
	write_conf(k, conf, get_url);

	/* -v 1: INFO and worse on stderr, into <dir>/<name>.log */
	bb_mark = harness_log_mark(h, "bearerbox");
	k->bearerbox = harness_spawn(h, KANNEL_BEARERBOX,
				     (const char *[]){ "-v", "1", conf, NULL });
	ck_assert_int_gt(k->bearerbox, 0);
	ck_assert_msg(harness_wait_port(k->mt_port, START_MS) == 0,
		      "bearerbox does not listen for fakesmsc (see bearerbox.log)");

	/* -m 0: send nothing, print what arrives ("Got message n: <...>") */
	snprintf(mt, sizeof mt, "%d", k->mt_port);
	k->fakesmsc = harness_spawn(h, KANNEL_FAKESMSC,
				    (const char *[]){ "-H", "127.0.0.1", "-r", mt, "-m", "0",
						      "0 0 text unused", NULL });
	ck_assert_int_gt(k->fakesmsc, 0);
	wait_log(k, "bearerbox", bb_mark, "Fakesmsc client connected");

	sb_mark = harness_log_mark(h, "smsbox");
	k->smsbox = harness_spawn(h, KANNEL_SMSBOX, (const char *[]){ "-v", "1", conf, NULL });
	ck_assert_int_gt(k->smsbox, 0);
	ck_assert_msg(harness_wait_port(k->sendsms_port, START_MS) == 0,
		      "smsbox does not listen for sendsms (see smsbox.log)");
	wait_log(k, "smsbox", sb_mark, "Connected to bearerbox");
}

static void stop_one(struct kannel *k, pid_t *pid, int sig)
{
	if (*pid > 0)
		harness_kill(k->h, *pid, sig);
	*pid = 0;
}

void kannel_stop(struct kannel *k)
{
	if (!k->h)
		return;
	/* smsbox now and then hangs for seconds in its shutdown after
	 * SIGTERM (one run in ten here) and keeps nothing on disk: killed.
	 * bearerbox stopped together with its boxes takes seconds; alone,
	 * after them, a tenth of one. */
	stop_one(k, &k->smsbox, SIGKILL);
	stop_one(k, &k->fakesmsc, SIGTERM);
	stop_one(k, &k->fakesmsc_mo, SIGTERM);
	stop_one(k, &k->bearerbox, SIGTERM);
}

/* One hex digit's value, or -1. */
static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Kannel's url-encoding (octstr_url_encode: %XX, '+' for a space) of
 * s[0..n) decoded into out[0..max); returns the bytes written. */
static size_t url_decode(const char *s, size_t n, unsigned char *out, size_t max)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o < max; i++) {
		if (s[i] == '%' && i + 2 < n && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
			out[o++] = (unsigned char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i] == '+' ? ' ' : (unsigned char)s[i];
		}
	}
	return o;
}

/* The next word of s[*i..n), up to a space, into w (cut at size). */
static void word(const char *s, size_t n, size_t *i, char *w, size_t size)
{
	size_t start = *i, len;

	while (*i < n && s[*i] != ' ')
		(*i)++;
	len = *i - start < size - 1 ? *i - start : size - 1;
	memcpy(w, s + start, len);
	w[len] = '\0';
	if (*i < n)
		(*i)++;
}

/* "from to type [udh] data" as smsc_fake writes a message (sms_to_client). */
static void parse_sms(const char *s, size_t n, struct kannel_sms *m)
{
	size_t i = 0;
	char udh[128];

	memset(m, 0, sizeof *m);
	word(s, n, &i, m->from, sizeof m->from);
	word(s, n, &i, m->to, sizeof m->to);
	word(s, n, &i, m->type, sizeof m->type);
	if (!strcmp(m->type, "udh")) {
		char tag[8];

		word(s, n, &i, udh, sizeof udh);
		m->udh_len = url_decode(udh, strlen(udh), m->udh, sizeof m->udh);
		word(s, n, &i, tag, sizeof tag); /* "data" */
	}
	if (!strcmp(m->type, "text")) {
		m->len = n - i < sizeof m->data ? n - i : sizeof m->data;
		memcpy(m->data, s + i, m->len);
	} else {
		m->len = url_decode(s + i, n - i, m->data, sizeof m->data);
	}
}

/* The "Got message n: <...>" lines of <dir>/<name>.log from byte mark on,
 * parsed into out[0..max); returns how many there are. */
static int read_got(struct kannel *k, const char *name, long mark, struct kannel_sms *out, int max)
{
	char path[400], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.log", k->h->dir, name);
	if (!(f = fopen(path, "r")))
		return 0;
	if (mark > 0)
		fseek(f, mark, SEEK_SET);
	while ((len = getline(&line, &cap, f)) > 0) {
		char *p = strstr(line, "Got message "), *open, *close;

		/* a line fakesmsc is still writing has no "\n" yet */
		if (!p || line[len - 1] != '\n' || !(open = strstr(p, ": <")) ||
		    !(close = strrchr(line, '>')) || close < open)
			continue;
		if (n < max)
			parse_sms(open + 3, (size_t)(close - open - 3), &out[n]);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

int kannel_received(struct kannel *k, struct kannel_sms *out, int max)
{
	return read_got(k, "fakesmsc", 0, out, max);
}

void kannel_send_mo(struct kannel *k, const char *from, const char *to, const char *text)
{
	char link[400], port[16], msg[300];

	/* a link of its own name gives it a log of its own: fakesmsc-mo.log */
	snprintf(link, sizeof link, "%s/fakesmsc-mo", k->h->dir);
	if (access(link, F_OK) != 0)
		ck_assert_int_eq(symlink(KANNEL_FAKESMSC, link), 0);
	/* the fake SMS centre serves one fakesmsc at a time */
	stop_one(k, &k->fakesmsc_mo, SIGTERM);
	snprintf(port, sizeof port, "%d", k->mo_port);
	snprintf(msg, sizeof msg, "%s %s text %s", from, to, text);
	k->mo_mark = harness_log_mark(k->h, "fakesmsc-mo");
	k->fakesmsc_mo = harness_spawn(
		k->h, link,
		(const char *[]){ "-H", "127.0.0.1", "-r", port, "-m", "1", msg, NULL });
	ck_assert_int_gt(k->fakesmsc_mo, 0);
	wait_log(k, "fakesmsc-mo", k->mo_mark, "sent message 1");
}

int kannel_mo_replies(struct kannel *k, struct kannel_sms *out, int max)
{
	return read_got(k, "fakesmsc-mo", k->mo_mark, out, max);
}

int kannel_access_count(struct kannel *k, const char *needle)
{
	char path[400], *line = NULL;
	size_t cap = 0;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/kannel-access.log", k->h->dir);
	if (!(f = fopen(path, "r")))
		return 0;
	while (getline(&line, &cap, f) > 0)
		if (strstr(line, needle))
			n++;
	free(line);
	fclose(f);
	return n;
}

/* Append code point c as UTF-8. */
static size_t put_utf8(char *o, unsigned c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18);
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

char *kannel_ucs2_to_utf8(const unsigned char *p, size_t n)
{
	char *out = malloc(n * 2 + 1); /* 2 bytes become at most 3, 4 at most 4 */
	size_t o = 0;

	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; i + 1 < n; i += 2) {
		unsigned c = (unsigned)p[i] << 8 | p[i + 1];

		if (c >= 0xd800 && c <= 0xdbff && i + 3 < n) {
			unsigned lo = (unsigned)p[i + 2] << 8 | p[i + 3];

			if (lo >= 0xdc00 && lo <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		if (c >= 0xd800 && c <= 0xdfff)
			c = 0xfffd;
		o += put_utf8(out + o, c);
	}
	out[o] = '\0';
	return out;
}

/* Take one request: keep its target, answer 200, close. */
static void serve(struct kannel_dlr *d, int c)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				 "Content-Length: 3\r\nConnection: close\r\n\r\nok\n";
	struct timeval tv = { .tv_sec = 2 };
	char req[4096], *sp, *end;
	size_t len = 0;
	ssize_t r;

	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	while (len < sizeof req - 1 && (r = recv(c, req + len, sizeof req - 1 - len, 0)) > 0) {
		len += (size_t)r;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[len] = '\0';
	/* "GET /dlr?key=17.2&status=8 HTTP/1.1" */
	if ((sp = strchr(req, ' ')) && (end = strchr(sp + 1, ' '))) {
		*end = '\0';
		pthread_mutex_lock(&d->lock);
		if (d->n < KANNEL_DLR_MAX)
			d->got[d->n++] = strdup(sp + 1);
		pthread_mutex_unlock(&d->lock);
	}
	if (send(c, ok, sizeof ok - 1, MSG_NOSIGNAL) < 0)
		perror("kannel_dlr: send");
	close(c);
}

static void *dlr_thread(void *arg)
{
	struct kannel_dlr *d = arg;

	for (;;) {
		struct pollfd p = { .fd = d->fd, .events = POLLIN };
		bool stop;
		int c;

		pthread_mutex_lock(&d->lock);
		stop = d->stop;
		pthread_mutex_unlock(&d->lock);
		if (stop)
			break;
		if (poll(&p, 1, 50) <= 0)
			continue;
		if ((c = accept(d->fd, NULL, NULL)) >= 0)
			serve(d, c);
	}
	return NULL;
}

void kannel_dlr_start(struct kannel_dlr *d)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;

	*d = (struct kannel_dlr){ .fd = -1 };
	d->port = free_port();
	a.sin_port = htons((uint16_t)d->port);
	d->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(d->fd, 0);
	/* harness_free_port() leaves the port to a listener with SO_REUSEADDR */
	ck_assert_int_eq(setsockopt(d->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
	ck_assert_int_eq(bind(d->fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(d->fd, 16), 0);
	ck_assert_int_eq(pthread_mutex_init(&d->lock, NULL), 0);
	ck_assert_int_eq(pthread_create(&d->thread, NULL, dlr_thread, d), 0);
}

int kannel_dlr_count(struct kannel_dlr *d, const char *needle)
{
	int n = 0;

	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->n; i++)
		if (d->got[i] && strstr(d->got[i], needle))
			n++;
	pthread_mutex_unlock(&d->lock);
	return n;
}

void kannel_dlr_stop(struct kannel_dlr *d)
{
	if (!d->port || d->fd < 0) /* zeroed, never started, or stopped */
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	close(d->fd);
	d->fd = -1;
	for (int i = 0; i < d->n; i++)
		free(d->got[i]);
	d->n = 0;
	pthread_mutex_destroy(&d->lock);
}
