#include "simctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "simcmd.h"
#include "log.h"

static char answer[64 * 1024]; /* totals of 127 devices fit with room */

int simctl_open(struct simctl *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	c->listen_fd = -1;
	c->path[0] = '\0';
	for (int i = 0; i < SIMCTL_CLIENTS; i++)
		c->clients[i].fd = -1;
	c->stdin_client.fd = STDIN_FILENO;
	c->stdin_client.len = 0;
	c->use_stdin = isatty(STDIN_FILENO);
	if (!path)
		return 0;
	if (strlen(path) >= sizeof sa.sun_path) {
		log_error("control: socket path too long: %s", path);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("control: %s exists and is not a socket", path);
			return -1;
		}
		unlink(path);
	}
	strcpy(sa.sun_path, path);
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0) {
		log_error("control: socket: %s", strerror(errno));
		return -1;
	}
	if (bind(c->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(c->listen_fd, 8) != 0) {
		log_error("control: %s: %s", path, strerror(errno));
		close(c->listen_fd);
		c->listen_fd = -1;
		return -1;
	}
	strcpy(c->path, path);
	log_info("control: listening on %s", path);
	return 0;
}

static void drop(struct simctl_client *k)
{
	close(k->fd);
	k->fd = -1;
	k->len = 0;
}

void simctl_close(struct simctl *c)
{
	for (int i = 0; i < SIMCTL_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			drop(&c->clients[i]);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		c->listen_fd = -1;
		unlink(c->path);
	}
}

int simctl_fill(struct simctl *c, struct pollfd *fds)
{
	int n = 0;

	if (c->listen_fd >= 0)
		fds[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	if (c->use_stdin)
		fds[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	for (int i = 0; i < SIMCTL_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			fds[n++] = (struct pollfd){ .fd = c->clients[i].fd, .events = POLLIN };
	return n;
}

/* Write all of buf; the answers are small, so a blocking write is fine. */
static int send_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = fd == STDIN_FILENO ? write(STDOUT_FILENO, buf, n)
					       : send(fd, buf, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd == STDIN_FILENO ? STDOUT_FILENO : fd,
					    .events = POLLOUT };

			if (poll(&p, 1, 1000) <= 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read what k has; run each complete line. Returns -1 when k is done. */
static int serve(struct simctl_client *k, struct sim *s)
{
	char buf[1024];
	ssize_t n = read(k->fd, buf, sizeof buf);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	for (ssize_t i = 0; i < n; i++) {
		struct simcmd_out out = { answer, sizeof answer, 0 };

		if (buf[i] != '\n') {
			if (k->len < SIMCTL_LINE - 1)
				k->line[k->len++] = buf[i];
			continue;
		}
		k->line[k->len] = '\0';
		k->len = 0;
		simcmd_exec(s, k->line, bus_now_us(), &out);
		if (send_all(k->fd, answer, out.len) != 0)
			return -1;
	}
	return 0;
}

static void accept_client(struct simctl *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < SIMCTL_CLIENTS; i++) {
		if (c->clients[i].fd < 0) {
			c->clients[i].fd = fd;
			c->clients[i].len = 0;
			return;
		}
	}
	send_all(fd, "error: too many control clients\n", 32);
	close(fd);
}

void simctl_serve(struct simctl *c, struct sim *s, const struct pollfd *fds, int n)
{
	for (int i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == c->listen_fd) {
			accept_client(c);
		} else if (fds[i].fd == STDIN_FILENO) {
			if (serve(&c->stdin_client, s) != 0)
				c->use_stdin = false; /* end of input: keep running */
		} else {
			for (int k = 0; k < SIMCTL_CLIENTS; k++)
				if (c->clients[k].fd == fds[i].fd && serve(&c->clients[k], s) != 0)
					drop(&c->clients[k]);
		}
	}
}
