#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "netproxy.h"

#define CHUNK	  16384
#define QUEUE_MAX (1 << 20) /* a side stops reading while this much waits */

struct netproxy_chunk {
	struct netproxy_chunk *next;
	uint64_t due_ms; /* when it may be passed on */
	size_t len, off;
	char data[CHUNK];
};

static int get(const int *v)
{
	return __atomic_load_n(v, __ATOMIC_SEQ_CST);
}

static void side_close(struct netproxy_side *s)
{
	struct netproxy_chunk *c, *next;

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	for (c = s->head; c; c = next) {
		next = c->next;
		free(c);
	}
	s->head = s->tail = NULL;
	s->queued = 0;
}

static void pair_close(struct netproxy *p, int i)
{
	side_close(&p->pair[i].s[0]);
	side_close(&p->pair[i].s[1]);
	p->pair[i].cut_at = 0;
}

static uint64_t cut_time(struct netproxy *p)
{
	int span = p->flap_max_ms - p->flap_min_ms;

	if (p->flap_max_ms <= 0)
		return 0;
	return harness_now_ms() + (uint64_t)p->flap_min_ms +
	       (uint64_t)(span > 0 ? rand_r(&p->seed) % (span + 1) : 0);
}

static int dial_upstream(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    fcntl(fd, F_SETFL, O_NONBLOCK) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

static void take_connection(struct netproxy *p)
{
	int c = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), up, i;

	if (c < 0)
		return;
	for (i = 0; i < NETPROXY_PAIRS && p->pair[i].s[0].fd >= 0; i++)
		;
	if (i == NETPROXY_PAIRS || (up = dial_upstream(p->upstream_port)) < 0) {
		close(c);
		return;
	}
	p->pair[i].s[0].fd = c;
	p->pair[i].s[1].fd = up;
	p->pair[i].cut_at = get(&p->flapping) ? cut_time(p) : 0;
	__atomic_add_fetch(&p->accepted, 1, __ATOMIC_SEQ_CST);
}

/* Read what from has into the queue of to; false when from is closed. */
static bool pull(struct netproxy_side *from, struct netproxy_side *to, int delay_ms)
{
	struct netproxy_chunk *c = malloc(sizeof *c);
	ssize_t n;

	if (!c)
		return true;
	n = read(from->fd, c->data, CHUNK);
	if (n <= 0) {
		free(c);
		return n < 0 && (errno == EAGAIN || errno == EINTR);
	}
	c->len = (size_t)n;
	c->off = 0;
	c->next = NULL;
	c->due_ms = harness_now_ms() + (uint64_t)delay_ms;
	if (to->tail)
		to->tail->next = c;
	else
		to->head = c;
	to->tail = c;
	to->queued += (size_t)n;
	return true;
}

/* Write what is due in s's queue to s; false when s is closed. */
static bool push(struct netproxy *p, struct netproxy_side *s, uint64_t now)
{
	while (s->head && s->head->due_ms <= now) {
		struct netproxy_chunk *c = s->head;
		ssize_t n = write(s->fd, c->data + c->off, c->len - c->off);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->off += (size_t)n;
		s->queued -= (size_t)n;
		__atomic_add_fetch(&p->bytes, (unsigned long long)n, __ATOMIC_SEQ_CST);
		if (c->off < c->len)
			return true;
		s->head = c->next;
		if (!s->head)
			s->tail = NULL;
		free(c);
	}
	return true;
}

static void *run(void *arg)
{
	struct netproxy *p = arg;

	while (!get(&p->stop)) {
		struct pollfd fds[1 + 2 * NETPROXY_PAIRS];
		uint64_t now = harness_now_ms();
		int n = 1, timeout = 50;

		fds[0] = (struct pollfd){ p->listen_fd, POLLIN, 0 };
		for (int i = 0; i < NETPROXY_PAIRS; i++) {
			for (int k = 0; k < 2; k++) {
				struct netproxy_side *s = &p->pair[i].s[k];
				struct netproxy_side *other = &p->pair[i].s[1 - k];

				fds[n] = (struct pollfd){ s->fd, 0, 0 };
				if (s->fd >= 0 && other->queued < QUEUE_MAX)
					fds[n].events |= POLLIN;
				if (s->fd >= 0 && s->head && s->head->due_ms <= now)
					fds[n].events |= POLLOUT;
				if (s->head && s->head->due_ms > now &&
				    (int)(s->head->due_ms - now) < timeout)
					timeout = (int)(s->head->due_ms - now);
				n++;
			}
		}
		if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR)
			break;
		now = harness_now_ms();
		if (fds[0].revents & POLLIN)
			take_connection(p);
		for (int i = 0; i < NETPROXY_PAIRS; i++) {
			bool ok = true;

			if (p->pair[i].s[0].fd < 0)
				continue;
			for (int k = 0; k < 2 && ok; k++) {
				short ev = fds[1 + 2 * i + k].revents;

				if (ev & (POLLIN | POLLHUP | POLLERR))
					ok = pull(&p->pair[i].s[k], &p->pair[i].s[1 - k],
						  p->delay_ms);
				if (ok)
					ok = push(p, &p->pair[i].s[k], now);
			}
			if (ok && p->pair[i].cut_at && now >= p->pair[i].cut_at &&
			    get(&p->flapping)) {
				__atomic_add_fetch(&p->cuts, 1, __ATOMIC_SEQ_CST);
				ok = false;
			}
			if (!ok)
				pair_close(p, i);
		}
	}
	for (int i = 0; i < NETPROXY_PAIRS; i++)
		pair_close(p, i);
	return NULL;
}

int netproxy_start(struct netproxy *p, const char *bind_addr, int upstream_port, int delay_ms,
		   int flap_min_ms, int flap_max_ms, unsigned seed)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int one = 1;

	memset(p, 0, sizeof *p);
	for (int i = 0; i < NETPROXY_PAIRS; i++)
		p->pair[i].s[0].fd = p->pair[i].s[1].fd = -1;
	p->upstream_port = upstream_port;
	p->delay_ms = delay_ms;
	p->flap_min_ms = flap_min_ms;
	p->flap_max_ms = flap_max_ms;
	p->flapping = flap_max_ms > 0;
	p->seed = seed;
	if (inet_pton(AF_INET, bind_addr, &a.sin_addr) != 1)
		return -1;
	p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->listen_fd < 0 ||
	    setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(p->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    getsockname(p->listen_fd, (struct sockaddr *)&a, &len) != 0 ||
	    listen(p->listen_fd, 8) != 0) {
		fprintf(stderr, "netproxy: listen on %s: %s\n", bind_addr, strerror(errno));
		if (p->listen_fd >= 0)
			close(p->listen_fd);
		return -1;
	}
	p->port = ntohs(a.sin_port);
	if (pthread_create(&p->thread, NULL, run, p) != 0) {
		close(p->listen_fd);
		return -1;
	}
	return 0;
}

void netproxy_flap(struct netproxy *p, bool on)
{
	__atomic_store_n(&p->flapping, on ? 1 : 0, __ATOMIC_SEQ_CST);
}

void netproxy_stop(struct netproxy *p)
{
	__atomic_store_n(&p->stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(p->thread, NULL);
	close(p->listen_fd);
}
