/*
 * uo4.h - the UO-4 end device: 4 pulse inputs, 4 block outputs, a Modbus
 * RTU slave on RS-485, counters in non-volatile memory.
 *
 * struct uo4 is the caller's memory (static on the MCU, an array in the
 * simulator); every call borrows it, and uo4_boot() keeps the HAL handle
 * (borrowed) for the calls after it. Nothing here allocates, blocks or uses
 * an OS. A port's main loop is:
 *
 *   uo4_boot(&dev, hal);            at power-up
 *   for (;;) uo4_poll(&dev);        at least at every change of an input
 *                                   and every few hundred microseconds
 *                                   while a frame may be on the line
 *
 * Power behaviour: while mains is present the saved block states drive the
 * outputs and the device answers on RS-485. On battery every output is
 * released, the device counts but stays silent, and the status flag
 * "counted on battery" is set by the first pulse counted; it stays set
 * (across power cycles too) until the status register has been read.
 */
#ifndef UO4_UO4_H
#define UO4_UO4_H

#include <stdbool.h>
#include <stdint.h>

#include "../hal/hal.h"
#include "counter.h"
#include "journal.h"
#include "modbus.h"
#include "uo4_map.h"

#define UO4_VERSION 0x0100u /* UO4_IN_VERSION: 1.0, major high byte, minor low byte */

struct uo4 {
	struct hal *hal;		 /* port handle, borrowed */
	struct journal jr;		 /* NV layout state */
	struct journal_cfg cfg;		 /* persisted settings: address, blocks, debounce */
	struct counter ch[HAL_CHANNELS]; /* inputs 1..4 */
	struct mb_rtu rtu;		 /* RS-485 receiver */
	struct mb_map map;		 /* register map (regs.c) */
	uint8_t flags;			 /* persisted JOURNAL_FLAG_* */
	bool mains;			 /* mains present at the last poll */
	bool nvm_error;			 /* an NV read/write failed or data was lost */
	bool cfg_dirty;			 /* settings changed, not yet stored */
	bool counts_dirty;		 /* totals or flags changed, not yet stored */
	uint32_t last_ms;		 /* device time of the last poll */
	uint32_t up_s;			 /* uptime, whole seconds */
	uint32_t up_ms;			 /* uptime, milliseconds past up_s */
	uint32_t led_ms;		 /* device time the LED last changed */
	uint8_t led_blinks;		 /* LED toggles left of the reset signal */
	bool led;			 /* LED is on */
	bool led_steady;		 /* on after the reset signal until the first reply */
	uint32_t frames;		 /* frames addressed to us (incl. broadcast) */
	uint32_t replies;		 /* replies sent */
	uint8_t tx[MB_FRAME_MAX];	 /* reply being sent */
};

/*
 * Power-up: read the settings and counters from NV memory (defaults on a
 * blank part), restore the factory address 126 if the reset jumper is
 * fitted, drive the outputs for the present supply. Returns the journal's
 * mount result (JOURNAL_OK, JOURNAL_EBLANK for a new part, or an error, in
 * which case the NVM error status bit is set); the device runs in every
 * case.
 */
int uo4_boot(struct uo4 *d, struct hal *h);

/* One pass of the main loop: supply, inputs, RS-485, LED. */
void uo4_poll(struct uo4 *d);

/* Pulse total of input ch (0..3), as the device holds it. */
uint32_t uo4_total(const struct uo4 *d, unsigned ch);

/* Status bits (enum uo4_status_bit) without clearing anything. */
uint16_t uo4_status(const struct uo4 *d);

/* Current Modbus address. */
uint8_t uo4_address(const struct uo4 *d);

/* Block mask of the outputs as saved (bit i: output i+1 blocks). */
uint8_t uo4_blocks(const struct uo4 *d);

/*
 * Zero the counter of input ch (0..3) and store it, as the zero command
 * (holding register 2) does. Returns 0, or -1 for a bad ch or when the
 * store failed (then the NVM error bit is set; the counter is zero in RAM).
 */
int uo4_zero(struct uo4 *d, unsigned ch);

/*
 * Move the device to address addr (1..127) and store it, as a write of
 * holding register 0 does. Returns 0 or -1 (bad address: nothing changes;
 * failed store: the NVM error bit is set).
 */
int uo4_set_address(struct uo4 *d, uint8_t addr);

/*
 * Store what the register handlers marked dirty (settings, counters) and
 * drive the outputs from the settings. Returns 0, or -1 if NV memory
 * failed (the NVM error bit is then set). Used by regs.c and power.c.
 */
int uo4_commit(struct uo4 *d);

#endif
