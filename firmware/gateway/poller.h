/*
 * poller.h - the RS-485 master: a thread that polls the UO-4 devices with
 * libmodbus (Modbus RTU, the register map of firmware/uo4/uo4_map.h).
 *
 * libmodbus blocks, so the bus has its own thread. Each cycle reads the
 * UO4_IN_REGS input registers (totals, periods, status, battery, firmware,
 * uptime) of every address of the poll list in one request, and the
 * outputs (coils) of a device when poller_want_coils() asked for them
 * (gw.c: when it comes online, after mains returns, one device per cycle);
 * device commands (zero, address change, output; an output command reads
 * the coils back) run between two polls. Every result is handed to the
 * loop thread with loop_post() and given to on_result there.
 *
 * Thread safety: poller_set_list() and poller_submit() may be called from
 * any thread; create/destroy from the loop thread.
 */
#ifndef GW_POLLER_H
#define GW_POLLER_H

#include <stdbool.h>
#include <stdint.h>

#include "../uo4/uo4_map.h"
#include "loop.h"

enum poller_cmd_kind {
	PCMD_ZERO,   /* read, write UO4_HR_ZERO = ch, read again */
	PCMD_CHADDR, /* read, write UO4_HR_ADDRESS = to, read at the new address */
	PCMD_OUTPUT, /* write the coil of out = on, read the coils back */
	PCMD_READ,   /* read the input registers (a zero's first step, gw.c) */
};

struct poller_cmd {
	enum poller_cmd_kind kind; /* what to do */
	unsigned addr;		   /* device address */
	unsigned ch;		   /* input 1..4 (zero) */
	unsigned to;		   /* new address (chaddr) */
	unsigned out;		   /* output 1..4 (output) */
	bool on;		   /* block (true) or release */
	uint64_t cookie;	   /* the caller's id, returned in the result */
};

enum poll_result_kind {
	PRES_READ,  /* one device polled */
	PRES_CMD,   /* a command finished */
	PRES_CYCLE, /* a cycle over the poll list ended */
	PRES_BUS,   /* the serial device opened (ok) or failed */
};

struct poll_result {
	enum poll_result_kind kind;
	unsigned addr;			  /* device (READ, CMD) */
	bool ok;			  /* the device answered / the command worked */
	uint16_t regs[UO4_IN_REGS];	  /* READ: input registers; CMD: before the command */
	bool has_after;			  /* CMD: regs_after is valid */
	uint16_t regs_after[UO4_IN_REGS]; /* CMD zero/chaddr: read after the command */
	bool has_coils;			  /* coils is valid */
	uint8_t coils[UO4_OUTPUTS];	  /* outputs 1..4 */
	struct poller_cmd cmd;		  /* CMD: what was asked */
	char error[96];			  /* CMD/BUS: what failed */
	unsigned devices;		  /* CYCLE: addresses polled */
	unsigned answered;		  /* CYCLE: of those, answering */
	uint64_t cycle_ms;		  /* CYCLE: duration */
};

typedef struct poller poller;

struct poller_opts {
	const char *device;   /* serial device (borrowed for poller_create) */
	int baud;	      /* 9600 */
	unsigned reply_ms;    /* wait for the first byte of an answer */
	unsigned interval_ms; /* least time from one cycle's start to the next */
	loop *l;	      /* where results go */
	void (*on_result)(void *ctx, const struct poll_result *r); /* loop thread; r borrowed */
	void *ctx;
};

/* Start the thread (the device is opened there, retried until it exists).
 * Returns AMR_OK, AMR_ENOMEM or AMR_EIO. */
int poller_create(poller **out, const struct poller_opts *o);

/* Stop the thread (waits for the current request) and free. Accepts NULL. */
void poller_destroy(poller *p);

/* Replace the poll list (bitmap of addresses 1..127). */
void poller_set_list(poller *p, const uint8_t bits[16]);

/* Queue a command; it runs before the next poll. Returns AMR_OK or
 * AMR_EFULL (16 waiting). */
int poller_submit(poller *p, const struct poller_cmd *c);

/* Ask for the coils of addr to be read with its next poll. */
void poller_want_coils(poller *p, unsigned addr);

#endif
