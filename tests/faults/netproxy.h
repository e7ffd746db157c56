/*
 * netproxy.h - a TCP proxy between the gateway and the broker, in a thread
 * of the test process: every byte waits delay_ms before it is passed on
 * (each way), and while flapping each connection is cut (both sides
 * closed, what was still waiting dropped) at a random instant between
 * flap_min_ms and flap_max_ms after it was accepted. The gateway sees a
 * slow link that drops and comes back again and again; the broker sees
 * the gateway's connections end without DISCONNECT.
 */
#ifndef AMR_FAULTS_NETPROXY_H
#define AMR_FAULTS_NETPROXY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define NETPROXY_PAIRS 4

struct netproxy_chunk;

struct netproxy_side {
	int fd;			     /* -1: closed */
	struct netproxy_chunk *head; /* bytes read from the other side, oldest first */
	struct netproxy_chunk *tail;
	size_t queued; /* bytes waiting in the queue */
};

struct netproxy {
	int listen_fd, port; /* where the gateway connects */
	int upstream_port;   /* the broker, on 127.0.0.1 */
	int delay_ms;
	int flap_min_ms, flap_max_ms; /* 0: no cuts */
	unsigned seed;
	pthread_t thread;
	int stop;		  /* atomic */
	int flapping;		  /* atomic: cut connections */
	unsigned accepted, cuts;  /* atomic */
	unsigned long long bytes; /* atomic: bytes passed on */
	struct {
		struct netproxy_side s[2]; /* [0] the gateway's, [1] the broker's */
		uint64_t cut_at;	   /* ms of the monotonic clock, 0: never */
	} pair[NETPROXY_PAIRS];
};

/* Listen on bind_addr, a free port (p->port), pass on to 127.0.0.1:
 * upstream_port; flapping from the start when flap_max_ms > 0. 0 or -1. */
int netproxy_start(struct netproxy *p, const char *bind_addr, int upstream_port, int delay_ms,
		   int flap_min_ms, int flap_max_ms, unsigned seed);

/* Stop or resume cutting connections (the delay stays). */
void netproxy_flap(struct netproxy *p, bool on);

/* Stop the thread, close everything. */
void netproxy_stop(struct netproxy *p);

#endif
