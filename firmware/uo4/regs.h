/*
 * regs.h - the UO-4 register map (DESIGN.md 3.1) behind the Modbus slave.
 *
 *   input    0-7    pulse totals of inputs 1..4, u32, high word first
 *   input    8-15   period between the last pulses, ms, u32 (0 = none yet)
 *   input    16     status (enum uo4_status_bit); reading it clears
 *                   "counted on battery"
 *   input    17     battery voltage, mV
 *   input    18     firmware version (UO4_VERSION)
 *   input    19-20  uptime, s, u32
 *   coil     0-3    output 1..4: 1 = consumer blocked (stored in NV)
 *   holding  0      own address 1..127 (the reply comes from the old one)
 *   holding  1      debounce, 0..1000 ms
 *   holding  2      zero command: write 1..4 to zero that input; reads 0
 */
#ifndef UO4_REGS_H
#define UO4_REGS_H

#include "uo4.h"

#define REGS_INPUTS   21u
#define REGS_COILS    HAL_CHANNELS
#define REGS_HOLDINGS 3u

enum regs_input {
	REGS_IN_TOTAL = 0,  /* 2 registers per input */
	REGS_IN_PERIOD = 8, /* 2 registers per input */
	REGS_IN_STATUS = 16,
	REGS_IN_BATTERY = 17,
	REGS_IN_VERSION = 18,
	REGS_IN_UPTIME = 19, /* 2 registers */
};

enum regs_holding {
	REGS_HR_ADDRESS = 0,
	REGS_HR_DEBOUNCE = 1,
	REGS_HR_ZERO = 2,
};

/* Point d->map at d and the handlers of this map. */
void regs_map_init(struct uo4 *d);

#endif
