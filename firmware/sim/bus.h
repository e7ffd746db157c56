/*
 * bus.h - the virtual RS-485 bus: a pseudo-terminal for the Modbus master.
 *
 * The simulator holds the master side of a pty; a Modbus master (libmodbus,
 * mbpoll, amr-gateway) opens the slave side through a symbolic link at a
 * path of the user's choice, as it would open /dev/ttyUSB0. Every device on
 * the bus hears what the master sends; what a device sends goes to the
 * master. With wire timing on, a reply reaches the master only after the
 * time its bytes take on a wire at the configured baud (10 bits a byte,
 * 8N1), and replies that overlap on the wire collide and arrive garbled.
 */
#ifndef SIM_BUS_H
#define SIM_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BUS_TXQ 16 /* replies in flight */

struct bus_frame {
	uint8_t data[256]; /* bytes */
	size_t n;	   /* length */
	uint64_t due_us;   /* real time its last byte leaves the wire */
};

struct bus {
	int master;		       /* pty master fd, -1 when closed */
	char link[512];		       /* the symbolic link we made */
	char slave[64];		       /* the pty slave's path */
	uint32_t baud;		       /* line speed */
	bool wire_timing;	       /* delay replies by their wire time */
	bool open_by_master;	       /* someone holds the slave open */
	uint64_t busy_until_us;	       /* the wire is in use until then */
	struct bus_frame txq[BUS_TXQ]; /* replies on their way */
	int txn;		       /* entries in txq */
	uint64_t collisions;	       /* replies that collided */
	uint64_t dropped;	       /* replies lost: nobody had the bus open */
};

/*
 * Make the pty (raw, 8N1) and the link at path (replacing a stale link, but
 * not a regular file). Returns 0, or -1 (logged).
 */
int bus_open(struct bus *b, const char *path, uint32_t baud, bool wire_timing);

/* Remove the link and close the pty. Accepts a closed bus. */
void bus_close(struct bus *b);

/* Real monotonic time in microseconds. */
uint64_t bus_now_us(void);

/*
 * Whether a master has the slave side open now; while nobody has, the
 * master fd reports a hang-up and must not be polled for input.
 */
bool bus_check_open(struct bus *b);

/* Read what the master sent (non-blocking). Returns the byte count, 0 when
 * nothing was waiting or the slave is closed. */
size_t bus_read(struct bus *b, uint8_t *buf, size_t cap);

/* A device transmits n bytes at now_us. */
void bus_send(struct bus *b, const uint8_t *buf, size_t n, uint64_t now_us);

/* Write the replies whose time has come. */
void bus_flush(struct bus *b, uint64_t now_us);

/* When the next reply is due, or UINT64_MAX. */
uint64_t bus_next_due(const struct bus *b);

#endif
