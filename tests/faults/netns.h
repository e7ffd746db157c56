/*
 * netns.h - two network namespaces joined by a veth pair, for the link
 * fault runners (docs/reliability.md, "Faults: link and broker").
 *
 *   amrf<pid>s   the server side: the broker, amr-ingest, amr-archive and
 *                the test process itself, on its own lo and 10.201.N.1
 *   amrf<pid>g   the gateway alone, on its own lo and 10.201.N.2
 *
 * The test process enters the server namespace before harness_start(), so
 * the harness's broker on 127.0.0.1 and its clients work unchanged; the
 * broker also listens on 10.201.N.1 (AMR_TEST_BROKER_ADDR), which the
 * gateway, spawned in the gateway namespace, is pointed at. The gateway
 * reaches amr-sim through the bus's path (a pty), which namespaces do not
 * separate. Cutting the link (ip link set down), losing packets (iptables'
 * statistic match) touch only the gateway's namespace: no other traffic of
 * the machine goes through them.
 *
 * netns_create() runs in the runner's main process, netns_destroy() at its
 * end (and atexit), so a failed test, whose forked child exits at the
 * failed assertion, leaves nothing behind either.
 */
#ifndef AMR_FAULTS_NETNS_H
#define AMR_FAULTS_NETNS_H

#include <stdbool.h>
#include <sys/types.h>

struct harness;

struct netns {
	char srv[24], gw[24];		/* namespace names */
	char veth_srv[16], veth_gw[16]; /* the veth ends */
	char srv_addr[16], gw_addr[16]; /* 10.201.N.1, 10.201.N.2 */
};

/* Make both namespaces, the veth pair, addresses, links up (lo too).
 * Returns 0 or -1 (with the failing command on stderr). */
int netns_create(struct netns *n);

/* Delete both namespaces (the veth pair goes with them). */
void netns_destroy(struct netns *n);

/* Move the calling thread into the server (gw false) or gateway namespace;
 * what it forks and the sockets it makes from then on are there. 0 or -1. */
int netns_enter(const struct netns *n, bool gw);

/* Run a shell command line inside the gateway (gw true) or server
 * namespace; returns its exit status (0 for success). */
int netns_sh(const struct netns *n, bool gw, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* harness_spawn() of name with args inside the gateway namespace. */
pid_t netns_spawn_gw(const struct netns *n, struct harness *h, const char *name,
		     const char *const *args);

#endif
