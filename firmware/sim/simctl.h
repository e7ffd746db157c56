/*
 * simctl.h - where control commands come from: a unix stream socket (any
 * number of clients, one command per line) and stdin when it is a terminal.
 * Each line goes to simcmd_exec(); the answer goes back on the same stream.
 */
#ifndef SIM_SIMCTL_H
#define SIM_SIMCTL_H

#include <poll.h>
#include <stdbool.h>

#include "sim.h"

#define SIMCTL_CLIENTS 16
#define SIMCTL_LINE    512

struct simctl_client {
	int fd;			/* -1 when the slot is free */
	char line[SIMCTL_LINE]; /* partial line */
	size_t len;		/* bytes in line */
};

struct simctl {
	int listen_fd;				      /* -1 when no socket */
	char path[108];				      /* socket path, to unlink */
	bool use_stdin;				      /* stdin is a terminal */
	struct simctl_client stdin_client;	      /* stdin's line buffer (fd 0) */
	struct simctl_client clients[SIMCTL_CLIENTS]; /* connected clients */
};

/*
 * Listen on path (NULL: no socket; a stale socket file is replaced) and
 * take stdin when it is a terminal. Returns 0, or -1 (logged).
 */
int simctl_open(struct simctl *c, const char *path);

/* Close every client and the socket, and unlink it. */
void simctl_close(struct simctl *c);

/* Append the descriptors of c to fds (at most 2 + SIMCTL_CLIENTS);
 * returns how many were added. */
int simctl_fill(struct simctl *c, struct pollfd *fds);

/* Serve the descriptors that poll() found ready. */
void simctl_serve(struct simctl *c, struct sim *s, const struct pollfd *fds, int n);

#endif
