/* A connect() that sets TCP_NODELAY first; see tcp_nodelay.h for why. */
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcp_nodelay.h"

/* glibc declares connect() with __CONST_SOCKADDR_ARG (a transparent union
 * under _GNU_SOURCE); the definition below must match it. */
typedef int (*connect_fn)(int, __CONST_SOCKADDR_ARG, socklen_t);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static connect_fn real_connect; /* the next connect() after ours */
static bool enabled;		/* AMR_TCP_NODELAY is not "0" */

static void init_once(void)
{
	const char *e = getenv("AMR_TCP_NODELAY");

	real_connect = (connect_fn)dlsym(RTLD_NEXT, "connect");
	enabled = !(e && strcmp(e, "0") == 0);
}

bool tcp_nodelay_init(void)
{
	pthread_once(&once, init_once);
	return enabled;
}

/* True for a TCP socket over IPv4 or IPv6. */
static bool is_tcp(int fd)
{
	int domain, type, proto;
	socklen_t len = sizeof domain;

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) || len != sizeof domain ||
	    (domain != AF_INET && domain != AF_INET6))
		return false;
	len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_STREAM)
		return false;
	len = sizeof proto;
	return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 && proto == IPPROTO_TCP;
}

int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	int one = 1;

	if (tcp_nodelay_init() && is_tcp(fd))
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (!real_connect) {
		errno = ENOSYS; /* no C library connect(): cannot happen with glibc */
		return -1;
	}
	/* errno is the real connect()'s: it sets it on every failure. */
	return real_connect(fd, addr, len);
}
