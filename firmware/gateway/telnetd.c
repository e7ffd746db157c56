#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmdline.h"
#include "err.h"
#include "log.h"
#include "telnet.h"
#include "telnetd.h"

#define OUT_MAX		   (64 * 1024)
#define MAX_PASSWORD_TRIES 3

enum mode {
	MODE_PASSWORD, /* waiting for the password */
	MODE_COMMAND,  /* at the prompt */
	MODE_BUSY,     /* a device command is running */
	MODE_CLOSING,  /* flush, then close */
};

struct session {
	int fd;	     /* -1 when the slot is free */
	uint64_t id; /* identifies the session for late answers */
	enum mode mode;
	struct telnet tn; /* protocol state */
	char *out;	  /* bytes waiting to be sent */
	size_t outlen;
	int tries;		     /* wrong passwords */
	bool restart_after;	     /* restart once the answer is flushed */
	uint64_t active_ms;	     /* opened or last line, loop_now_ms() */
	char peer[INET6_ADDRSTRLEN]; /* the client's address, for the audit */
};

struct telnetd {
	struct telnetd_opts o;
	int lfd; /* listening socket */
	struct session s[TELNETD_MAX_SESSIONS];
	uint64_t next_id;
	uint64_t sweep; /* timer closing idle sessions */
};

/* The client's IP address as text ("?" when it has none). */
static void peer_text(const struct sockaddr_storage *a, char *buf, size_t size)
{
	const void *addr = a->ss_family == AF_INET
				   ? (const void *)&((const struct sockaddr_in *)a)->sin_addr
			   : a->ss_family == AF_INET6
				   ? (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr
				   : NULL;

	if (!addr || !inet_ntop(a->ss_family, addr, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

static void close_session(telnetd *t, struct session *s)
{
	loop_fd_del(t->o.l, s->fd);
	close(s->fd);
	free(s->out);
	if (s->restart_after)
		t->o.restart(t->o.ctx);
	*s = (struct session){ .fd = -1 };
}

static void on_session(void *ctx, int fd, short revents);

/* Send what is buffered; watch POLLOUT while anything is left. */
static void flush(telnetd *t, struct session *s)
{
	while (s->outlen) {
		ssize_t n = send(s->fd, s->out, s->outlen, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			close_session(t, s);
			return;
		}
		memmove(s->out, s->out + n, s->outlen - (size_t)n);
		s->outlen -= (size_t)n;
	}
	if (s->outlen == 0 && s->mode == MODE_CLOSING) {
		close_session(t, s);
		return;
	}
	if (loop_fd_add(t->o.l, s->fd, (short)(POLLIN | (s->outlen ? POLLOUT : 0)), on_session,
			t) != AMR_OK) {
		/* Unwatched, the session would wait for ever. */
		log_error("console: session %llu not watched (out of memory), closed",
			  (unsigned long long)s->id);
		close_session(t, s);
	}
}

/* Queue raw bytes. */
static void queue(struct session *s, const void *b, size_t n)
{
	char *p;

	if (n == 0 || s->outlen + n > OUT_MAX)
		return; /* a client that reads nothing loses output, not memory */
	p = realloc(s->out, s->outlen + n);
	if (!p)
		return;
	s->out = p;
	memcpy(s->out + s->outlen, b, n);
	s->outlen += n;
}

/* Queue text, doubling IAC bytes. */
static void say(struct session *s, const char *text)
{
	struct telnet_out o;
	size_t len = strlen(text);

	while (len) {
		size_t chunk = len > 200 ? 200 : len;

		o.len = 0;
		telnet_put(&o, text, chunk);
		queue(s, o.buf, o.len);
		text += chunk;
		len -= chunk;
	}
}

static struct session *by_id(telnetd *t, uint64_t id)
{
	for (int i = 0; i < TELNETD_MAX_SESSIONS; i++)
		if (t->s[i].fd >= 0 && t->s[i].id == id)
			return &t->s[i];
	return NULL;
}

struct late {
	telnetd *t;
	uint64_t id;
	char line[TELNET_LINE_MAX]; /* the command, for the audit */
};

/* Report a command that changed something and succeeded. */
static void audit(telnetd *t, const struct session *s, const char *line)
{
	struct cmdline c;
	char err[8];

	if (t->o.audit && cmdline_parse(line, &c, err, sizeof err) == AMR_OK &&
	    cmdline_changes(c.kind))
		t->o.audit(t->o.ctx, s->peer, line);
}

/* A device command answered: print it and the prompt. */
static void on_done(void *arg, bool ok, const char *text)
{
	struct late *lt = arg;
	struct session *s = by_id(lt->t, lt->id);

	if (s && ok)
		audit(lt->t, s, lt->line);
	if (s && s->mode == MODE_BUSY) {
		say(s, text);
		say(s, CONSOLE_PROMPT);
		s->mode = MODE_COMMAND;
		flush(lt->t, s);
	}
	free(lt);
}

static void command(telnetd *t, struct session *s)
{
	static char out[8192];
	struct late *lt = malloc(sizeof *lt);
	enum console_result r;

	if (s->tn.overflow) {
		free(lt);
		say(s, "Bad command: line too long\r\n" CONSOLE_PROMPT);
		return;
	}
	if (!lt) {
		say(s, "Error: out of memory\r\n" CONSOLE_PROMPT);
		return;
	}
	*lt = (struct late){ t, s->id, "" };
	snprintf(lt->line, sizeof lt->line, "%s", s->tn.line);
	r = console_run(t->o.settings, t->o.ops, s->tn.line, out, sizeof out, on_done, lt);
	if (r == CONSOLE_OK || r == CONSOLE_RESTART)
		audit(t, s, lt->line);
	if (r != CONSOLE_PENDING)
		free(lt);
	say(s, out);
	switch (r) {
	case CONSOLE_PENDING:
		s->mode = MODE_BUSY;
		break;
	case CONSOLE_EXIT:
		s->mode = MODE_CLOSING;
		break;
	case CONSOLE_RESTART:
		s->mode = MODE_CLOSING;
		s->restart_after = true;
		break;
	default:
		say(s, CONSOLE_PROMPT);
		break;
	}
}

static bool password_ok(const char *want, const char *got)
{
	size_t a = strlen(want), b = strlen(got);
	unsigned char diff = (unsigned char)(a != b);

	/* Same time whatever the first wrong character. */
	for (size_t i = 0; i < b; i++)
		diff |= (unsigned char)(got[i] ^ want[a ? i % a : 0]);
	return diff == 0;
}

static void password(telnetd *t, struct session *s)
{
	s->tn.hide = false;
	if (password_ok(t->o.password, s->tn.line)) {
		s->mode = MODE_COMMAND;
		say(s, CONSOLE_GREETING CONSOLE_PROMPT);
		return;
	}
	log_warn("console: wrong password from session %llu", (unsigned long long)s->id);
	if (++s->tries >= MAX_PASSWORD_TRIES) {
		say(s, "Wrong password\r\n");
		s->mode = MODE_CLOSING;
		return;
	}
	say(s, "Wrong password\r\nPassword: ");
	s->tn.hide = true;
}

/* True when line holds more than blanks: what counts as activity. */
static bool typed(const char *line)
{
	for (; *line; line++)
		if (*line != ' ' && *line != '\t')
			return true;
	return false;
}

static void handle_bytes(telnetd *t, struct session *s, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n && s->mode != MODE_CLOSING; i++) {
		struct telnet_out o = { .len = 0 };
		enum telnet_event e = telnet_byte(&s->tn, b[i], &o);

		queue(s, o.buf, o.len);
		if (e == TELNET_LINE && typed(s->tn.line))
			s->active_ms = loop_now_ms(); /* an empty line keeps nothing open */
		if (e == TELNET_ESC) {
			say(s, "Bye!\r\n");
			s->mode = MODE_CLOSING;
		} else if (e == TELNET_LINE && s->mode == MODE_PASSWORD) {
			password(t, s);
		} else if (e == TELNET_LINE && s->mode == MODE_COMMAND) {
			command(t, s);
		}
		/* MODE_BUSY: typed ahead is echoed but not run */
	}
	if (s->mode != MODE_CLOSING && telnet_idle(&s->tn) == TELNET_ESC) {
		say(s, "Bye!\r\n");
		s->mode = MODE_CLOSING;
	}
}

static void on_session(void *ctx, int fd, short revents)
{
	telnetd *t = ctx;
	struct session *s = NULL;
	uint8_t buf[512];
	ssize_t n;

	for (int i = 0; i < TELNETD_MAX_SESSIONS; i++)
		if (t->s[i].fd == fd)
			s = &t->s[i];
	if (!s)
		return;
	if (revents & POLLIN) {
		n = recv(fd, buf, sizeof buf, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			close_session(t, s);
			return;
		}
		if (n > 0)
			handle_bytes(t, s, buf, (size_t)n);
	} else if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		close_session(t, s);
		return;
	}
	flush(t, s);
}

static void on_accept(void *ctx, int fd, short revents)
{
	telnetd *t = ctx;
	struct session *s = NULL;
	struct telnet_out o = { .len = 0 };
	struct sockaddr_storage peer;
	socklen_t plen = sizeof peer;
	char addr[INET6_ADDRSTRLEN];
	int same = 0; /* sessions of this address */
	int c = accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)revents;
	if (c < 0)
		return;
	peer_text(&peer, addr, sizeof addr);
	for (int i = 0; i < TELNETD_MAX_SESSIONS; i++) {
		if (t->s[i].fd < 0 && !s)
			s = &t->s[i];
		else if (t->s[i].fd >= 0 && !strcmp(t->s[i].peer, addr))
			same++;
	}
	if (!s || same >= TELNETD_MAX_PER_PEER) {
		static const char busy[] = "Busy: too many console sessions\r\n";
		static const char mine[] = "Busy: too many console sessions from your address\r\n";
		const char *say_ = s ? mine : busy;

		if (send(c, say_, strlen(say_), MSG_NOSIGNAL) < 0)
			log_debug("console: refusal not sent");
		log_info("console: %s refused (%s)", addr,
			 s ? "its sessions" : "every session busy");
		close(c);
		return;
	}
	*s = (struct session){ .fd = c, .id = ++t->next_id, .active_ms = loop_now_ms() };
	snprintf(s->peer, sizeof s->peer, "%s", addr);
	telnet_start(&s->tn, &o);
	queue(s, o.buf, o.len);
	if (t->o.password && t->o.password[0]) {
		s->mode = MODE_PASSWORD;
		s->tn.hide = true;
		say(s, "Password: ");
	} else {
		s->mode = MODE_COMMAND;
		say(s, CONSOLE_GREETING CONSOLE_PROMPT);
	}
	log_info("console: session %llu opened", (unsigned long long)s->id);
	flush(t, s);
}

/* Every few seconds: close the sessions idle past idle_s (not one whose
 * command waits for a device). */
static void sweep(void *arg)
{
	telnetd *t = arg;
	uint64_t now = loop_now_ms();

	for (int i = 0; i < TELNETD_MAX_SESSIONS; i++) {
		struct session *s = &t->s[i];

		if (s->fd < 0 || s->mode == MODE_BUSY || s->mode == MODE_CLOSING ||
		    now - s->active_ms < (uint64_t)t->o.idle_s * 1000)
			continue;
		log_info("console: session %llu idle for %u s, closed", (unsigned long long)s->id,
			 t->o.idle_s);
		say(s, "\r\nIdle too long: bye!\r\n");
		s->mode = MODE_CLOSING;
		flush(t, s);
	}
}

int telnetd_create(telnetd **out, const struct telnetd_opts *o)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o->port) };
	telnetd *t;
	int one = 1, rc;

	if (inet_pton(AF_INET, o->bind, &sa.sin_addr) != 1) {
		log_error("console: bad bind address %s", o->bind);
		return AMR_EINVAL;
	}
	t = calloc(1, sizeof *t);
	if (!t)
		return AMR_ENOMEM;
	t->o = *o;
	if (!t->o.idle_s)
		t->o.idle_s = 300;
	for (int i = 0; i < TELNETD_MAX_SESSIONS; i++)
		t->s[i].fd = -1;
	t->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->lfd < 0 || setsockopt(t->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(t->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(t->lfd, 4) != 0) {
		log_error("console: cannot listen on %s:%d: %s", o->bind, o->port, strerror(errno));
		rc = AMR_EIO;
		goto out_close;
	}
	if ((rc = loop_fd_add(o->l, t->lfd, POLLIN, on_accept, t)) != AMR_OK)
		goto out_close;
	if (!(t->sweep = loop_timer_add(o->l, t->o.idle_s < 10 ? 500 : 5000, true, sweep, t))) {
		loop_fd_del(o->l, t->lfd);
		rc = AMR_ENOMEM;
		goto out_close;
	}
	*out = t;
	return AMR_OK;

out_close:
	if (t->lfd >= 0)
		close(t->lfd);
	free(t);
	return rc;
}

void telnetd_destroy(telnetd *t)
{
	if (!t)
		return;
	for (int i = 0; i < TELNETD_MAX_SESSIONS; i++) {
		if (t->s[i].fd >= 0) {
			t->s[i].restart_after = false;
			close_session(t, &t->s[i]);
		}
	}
	loop_timer_cancel(t->o.l, t->sweep);
	loop_fd_del(t->o.l, t->lfd);
	close(t->lfd);
	free(t);
}
