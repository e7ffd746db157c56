#include "bus.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

uint64_t bus_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Raw 8N1 on the slave side, so that bytes pass untouched even before the
 * master sets its own modes. */
static int make_raw(const char *slave)
{
	struct termios t;
	int fd = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	int rc = -1;

	if (fd < 0) {
		log_error("bus: open %s: %s", slave, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &t) != 0) {
		log_error("bus: tcgetattr %s: %s", slave, strerror(errno));
		goto out_close;
	}
	cfmakeraw(&t);
	t.c_cflag &= (tcflag_t) ~(CSTOPB | PARENB);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	cfsetispeed(&t, B9600);
	cfsetospeed(&t, B9600);
	if (tcsetattr(fd, TCSANOW, &t) != 0) {
		log_error("bus: tcsetattr %s: %s", slave, strerror(errno));
		goto out_close;
	}
	rc = 0;
out_close:
	close(fd);
	return rc;
}

int bus_open(struct bus *b, const char *path, uint32_t baud, bool wire_timing)
{
	struct stat st;
	const char *name;

	memset(b, 0, sizeof *b);
	b->master = -1;
	b->baud = baud;
	b->wire_timing = wire_timing;
	if (strlen(path) >= sizeof b->link) {
		log_error("bus: path too long: %s", path);
		return -1;
	}
	b->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (b->master < 0) {
		log_error("bus: posix_openpt: %s", strerror(errno));
		return -1;
	}
	if (grantpt(b->master) != 0 || unlockpt(b->master) != 0 || !(name = ptsname(b->master))) {
		log_error("bus: pty setup: %s", strerror(errno));
		goto out_close;
	}
	snprintf(b->slave, sizeof b->slave, "%s", name);
	if (make_raw(b->slave) != 0)
		goto out_close;
	if (lstat(path, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			log_error("bus: %s exists and is not a link; not replacing it", path);
			goto out_close;
		}
		unlink(path);
	}
	if (symlink(b->slave, path) != 0) {
		log_error("bus: symlink %s -> %s: %s", path, b->slave, strerror(errno));
		goto out_close;
	}
	snprintf(b->link, sizeof b->link, "%s", path);
	log_info("bus: %s -> %s, %u bd, wire timing %s", path, b->slave, baud,
		 wire_timing ? "on" : "off");
	return 0;

out_close:
	close(b->master);
	b->master = -1;
	return -1;
}

void bus_close(struct bus *b)
{
	if (b->link[0]) {
		unlink(b->link);
		b->link[0] = '\0';
	}
	if (b->master >= 0) {
		close(b->master);
		b->master = -1;
	}
}

bool bus_check_open(struct bus *b)
{
	struct pollfd p = { .fd = b->master, .events = POLLIN };

	if (b->master < 0 || poll(&p, 1, 0) < 0)
		return false;
	b->open_by_master = !(p.revents & POLLHUP);
	return b->open_by_master;
}

size_t bus_read(struct bus *b, uint8_t *buf, size_t cap)
{
	ssize_t n;

	if (b->master < 0)
		return 0;
	n = read(b->master, buf, cap);
	if (n < 0) {
		/* EIO: the last user of the slave closed it. */
		if (errno != EAGAIN && errno != EINTR)
			b->open_by_master = false;
		return 0;
	}
	return (size_t)n;
}

void bus_send(struct bus *b, const uint8_t *buf, size_t n, uint64_t now_us)
{
	uint64_t wire_us = b->wire_timing ? (uint64_t)n * 10u * 1000000u / b->baud : 0;
	bool collided = b->wire_timing && now_us < b->busy_until_us;
	struct bus_frame *f;

	if (n == 0 || n > sizeof b->txq[0].data)
		return;
	if (b->txn == BUS_TXQ) {
		b->dropped++;
		return;
	}
	f = &b->txq[b->txn++];
	memcpy(f->data, buf, n);
	f->n = n;
	f->due_us = now_us + wire_us;
	if (collided) {
		/* Two drivers on the wire at once: the master hears noise in
		 * both frames. */
		b->collisions++;
		for (int i = 0; i < b->txn; i++)
			if (b->txq[i].due_us > now_us)
				b->txq[i].data[b->txq[i].n / 2] ^= 0x5A;
		if (f->due_us < b->busy_until_us)
			f->due_us = b->busy_until_us;
	}
	if (f->due_us > b->busy_until_us)
		b->busy_until_us = f->due_us;
}

void bus_flush(struct bus *b, uint64_t now_us)
{
	int kept = 0;

	for (int i = 0; i < b->txn; i++) {
		struct bus_frame *f = &b->txq[i];

		if (f->due_us > now_us) {
			b->txq[kept++] = *f;
			continue;
		}
		/* Nobody listening: the bytes are gone, as on a real wire.
		 * Writing them would leave them in the pty for the next opener. */
		if (!b->open_by_master || write(b->master, f->data, f->n) != (ssize_t)f->n)
			b->dropped++;
	}
	b->txn = kept;
}

uint64_t bus_next_due(const struct bus *b)
{
	uint64_t t = UINT64_MAX;

	for (int i = 0; i < b->txn; i++)
		if (b->txq[i].due_us < t)
			t = b->txq[i].due_us;
	return t;
}
