/*
 * journal.h - the UO-4's non-volatile memory layout.
 *
 * Two areas, each built so that a write cut by a power failure leaves the
 * last good value readable:
 *
 *   offset 0     settings, two 16-byte slots written alternately (A/B):
 *                  [0] magic 0x3C  [1] address  [2..5] seq (LE)
 *                  [6..7] debounce ms (LE)  [8] block mask  [9..13] zero
 *                  [14..15] CRC-16 of bytes 0..13 (LE)
 *   offset 32    counters, a ring of 24-byte records, one per write, each
 *                to the slot after the newest (wear levelling over every
 *                slot of the ring):
 *                  [0] magic 0xC4  [1] flags  [2..5] seq (LE)
 *                  [6..21] totals of inputs 1..4 (u32 LE each)
 *                  [22..23] CRC-16 of bytes 0..21 (LE)
 *
 * The newest record is the valid one (magic and CRC) with the highest
 * sequence number. A write only ever touches the oldest slot of its area,
 * so a cut write damages nothing that mount would otherwise pick. The
 * caller makes a pulse visible only after its record is written, so no
 * counted pulse is lost across a power cycle.
 *
 * With 4 KiB of NV the ring has 169 slots: an EEPROM rated for 10^6 writes
 * per cell holds 1.7*10^8 counter writes, an FRAM practically unlimited.
 */
#ifndef UO4_JOURNAL_H
#define UO4_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "../hal/hal.h"

#define JOURNAL_CFG_SIZE   16u
#define JOURNAL_REC_SIZE   24u
#define JOURNAL_REC_OFFSET (2u * JOURNAL_CFG_SIZE)

#define JOURNAL_FLAG_BATTERY 0x01u /* pulses counted on battery, not yet read */

enum journal_err {
	JOURNAL_OK = 0,
	JOURNAL_EBLANK,	  /* an area held nothing (new part): defaults used */
	JOURNAL_ECORRUPT, /* an area held data but no valid record: defaults used */
	JOURNAL_EIO,	  /* the NV part failed a read, a write or its verify */
	JOURNAL_ESIZE,	  /* the NV part is too small for the layout */
};

struct journal_cfg {
	uint8_t addr;	      /* Modbus address 1..127 */
	uint8_t blocks;	      /* bit i: output i+1 blocks its consumer */
	uint16_t debounce_ms; /* input debounce time */
};

struct journal_counts {
	uint32_t total[HAL_CHANNELS]; /* pulse totals of inputs 1..4 */
	uint8_t flags;		      /* JOURNAL_FLAG_* */
};

struct journal {
	uint32_t cfg_seq;   /* seq of the newest settings record */
	uint32_t rec_seq;   /* seq of the newest counter record */
	uint16_t rec_slot;  /* slot of the newest counter record */
	uint16_t rec_slots; /* slots in the ring */
	uint8_t cfg_slot;   /* slot (0/1) of the newest settings record */
};

/*
 * Read both areas. Fills *cfg and *cnt with the newest valid records, or
 * with the defaults already in them when an area has none. Returns the worse
 * of the two areas' results: JOURNAL_OK, JOURNAL_EBLANK, JOURNAL_ECORRUPT,
 * JOURNAL_EIO or JOURNAL_ESIZE (then nothing was read).
 */
int journal_mount(struct journal *j, struct hal *h, struct journal_cfg *cfg,
		  struct journal_counts *cnt);

/*
 * Store new settings in the older slot and read them back. Returns
 * JOURNAL_OK, or JOURNAL_EIO (the previous settings stay the newest).
 */
int journal_cfg_write(struct journal *j, struct hal *h, const struct journal_cfg *cfg);

/*
 * Append a counter record after the newest and read it back; on a failed
 * verify, try the next slot once. Returns JOURNAL_OK or JOURNAL_EIO (the
 * previous record stays the newest).
 */
int journal_counts_write(struct journal *j, struct hal *h, const struct journal_counts *cnt);

#endif
