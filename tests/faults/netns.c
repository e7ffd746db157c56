#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "netns.h"

/* Run a shell command line; its exit status, 0 for success. */
static int sh(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "netns: failed (status %d): %s\n", st, cmd);
		return st == -1 ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : 128);
	}
	return 0;
}

int netns_sh(const struct netns *n, bool gw, const char *fmt, ...)
{
	char line[800], cmd[1000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, "ip netns exec %s sh -c '%s'", gw ? n->gw : n->srv, line);
	return sh(cmd);
}

int netns_create(struct netns *n)
{
	unsigned pid = (unsigned)getpid();
	/* a subnet per runner's pid: only one fault runner runs at a time,
	 * but a stale pair of an earlier runner must not share it */
	unsigned net = 1 + pid % 250;
	char cmd[800];

	snprintf(n->srv, sizeof n->srv, "amrf%us", pid);
	snprintf(n->gw, sizeof n->gw, "amrf%ug", pid);
	snprintf(n->veth_srv, sizeof n->veth_srv, "vf%us", pid);
	snprintf(n->veth_gw, sizeof n->veth_gw, "vf%ug", pid);
	snprintf(n->srv_addr, sizeof n->srv_addr, "10.201.%u.1", net);
	snprintf(n->gw_addr, sizeof n->gw_addr, "10.201.%u.2", net);
	snprintf(cmd, sizeof cmd,
		 "ip netns add %s && ip netns add %s && "
		 "ip link add %s netns %s type veth peer name %s netns %s && "
		 "ip -n %s addr add %s/24 dev %s && ip -n %s addr add %s/24 dev %s && "
		 "ip -n %s link set lo up && ip -n %s link set lo up && "
		 "ip -n %s link set %s up && ip -n %s link set %s up",
		 n->srv, n->gw, n->veth_srv, n->srv, n->veth_gw, n->gw, n->srv, n->srv_addr,
		 n->veth_srv, n->gw, n->gw_addr, n->veth_gw, n->srv, n->gw, n->srv, n->veth_srv,
		 n->gw, n->veth_gw);
	if (sh(cmd)) {
		netns_destroy(n);
		return -1;
	}
	return 0;
}

void netns_destroy(struct netns *n)
{
	char cmd[200];

	if (!n->srv[0])
		return;
	snprintf(cmd, sizeof cmd, "ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null",
		 n->srv, n->gw);
	if (system(cmd) == -1)
		fprintf(stderr, "netns: cannot run: %s\n", cmd);
	n->srv[0] = '\0';
}

int netns_enter(const struct netns *n, bool gw)
{
	char path[64];
	int fd, rc;

	snprintf(path, sizeof path, "/run/netns/%s", gw ? n->gw : n->srv);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "netns: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = setns(fd, CLONE_NEWNET);
	if (rc)
		fprintf(stderr, "netns: setns %s: %s\n", path, strerror(errno));
	close(fd);
	return rc;
}

pid_t netns_spawn_gw(const struct netns *n, struct harness *h, const char *name,
		     const char *const *args)
{
	pid_t pid;

	/* The fork happens in this thread: the child starts in the gateway's
	 * namespace, then this thread goes back. */
	if (netns_enter(n, true))
		return -1;
	pid = harness_spawn(h, name, args);
	if (netns_enter(n, false)) {
		fprintf(stderr, "netns: the test process is stuck in %s\n", n->gw);
		abort();
	}
	return pid;
}
