/*
 * ctl.h - where control commands come from: a unix stream socket (any
 * number of clients, one command per line) and stdin when it is a terminal.
 * Each line goes to cmd_exec(); the answer goes back on the same stream.
 */
#ifndef SIM_CTL_H
#define SIM_CTL_H

#include <poll.h>
#include <stdbool.h>

#include "sim.h"

#define CTL_CLIENTS 16
#define CTL_LINE    512

struct ctl_client {
	int fd;		     /* -1 when the slot is free */
	char line[CTL_LINE]; /* partial line */
	size_t len;	     /* bytes in line */
};

struct ctl {
	int listen_fd;				/* -1 when no socket */
	char path[108];				/* socket path, to unlink */
	bool use_stdin;				/* stdin is a terminal */
	struct ctl_client stdin_client;		/* stdin's line buffer (fd 0) */
	struct ctl_client clients[CTL_CLIENTS]; /* connected clients */
};

/*
 * Listen on path (NULL: no socket; a stale socket file is replaced) and
 * take stdin when it is a terminal. Returns 0, or -1 (logged).
 */
int ctl_open(struct ctl *c, const char *path);

/* Close every client and the socket, and unlink it. */
void ctl_close(struct ctl *c);

/* Append this ctl's descriptors to fds (at most 2 + CTL_CLIENTS);
 * returns how many were added. */
int ctl_fill(struct ctl *c, struct pollfd *fds);

/* Serve the descriptors that poll() found ready. */
void ctl_serve(struct ctl *c, struct sim *s, const struct pollfd *fds, int n);

#endif
