/*
 * uo4_map.h - the UO-4's Modbus register map and status bits: the contract
 * between the device (firmware/uo4/regs.c serves it) and its masters (the
 * gateway's poller reads it, amr-sim runs the device). docs/uo4.md
 * describes every entry with the same names.
 *
 * Constants only, no code and no includes, so that the MCU build
 * (freestanding C11), the simulator and the gateway (Linux, libmodbus)
 * all include this one file. Addresses are the protocol's, 0-based; a
 * 32-bit value takes two registers, high word first.
 */
#ifndef UO4_MAP_H
#define UO4_MAP_H

#define UO4_INPUTS  4u /* pulse inputs 1..4 */
#define UO4_OUTPUTS 4u /* block outputs 1..4 */

/* Input registers (read with 0x04). */
enum uo4_input_reg {
	UO4_IN_TOTAL = 0,    /* pulse totals of inputs 1..4, u32 each */
	UO4_IN_PERIOD = 8,   /* ms between the last pulses of inputs 1..4, u32 each; 0 = none yet */
	UO4_IN_STATUS = 16,  /* enum uo4_status_bit; reading it clears UO4_ST_ON_BATTERY */
	UO4_IN_BATTERY = 17, /* battery voltage, mV */
	UO4_IN_VERSION = 18, /* firmware version: major in the high byte, minor in the low */
	UO4_IN_UPTIME = 19,  /* seconds since power-up, u32 */
};

#define UO4_IN_REGS 21u /* input registers 0..20: one read gets them all */

/* The first of the two registers of the total / period of input ch (1..4). */
#define UO4_IN_TOTAL_OF(ch)  (UO4_IN_TOTAL + 2u * ((ch)-1u))
#define UO4_IN_PERIOD_OF(ch) (UO4_IN_PERIOD + 2u * ((ch)-1u))

/* Coils (0x01, 0x05, 0x0F): one per output, 1 = consumer blocked, kept in
 * NV memory; the coil of output out (1..4). */
#define UO4_COIL_OF(out) ((out)-1u)
#define UO4_COILS	 UO4_OUTPUTS

/* Holding registers (0x03, 0x06, 0x10). */
enum uo4_holding_reg {
	UO4_HR_ADDRESS = 0,  /* own address 1..UO4_ADDR_MAX; the reply comes from the old one */
	UO4_HR_DEBOUNCE = 1, /* debounce of the inputs, 0..UO4_DEBOUNCE_MAX ms */
	UO4_HR_ZERO = 2,     /* zero command: write 1..4 to zero that input's total; reads 0 */
};

#define UO4_HR_REGS 3u /* holding registers 0..2 */

/* Bits of UO4_IN_STATUS. */
enum uo4_status_bit {
	UO4_ST_MAINS = 1u << 0,	     /* 12 V mains present */
	UO4_ST_BATT_LOW = 1u << 1,   /* battery below UO4_BATTERY_LOW_MV */
	UO4_ST_NVM_ERROR = 1u << 2,  /* NV memory failed or was found corrupt */
	UO4_ST_ON_BATTERY = 1u << 3, /* counted on battery since the status was last read */
};

#define UO4_FACTORY_ADDR     126u  /* address after the reset jumper */
#define UO4_ADDR_MAX	     127u  /* addresses are 1..127 */
#define UO4_DEBOUNCE_DEFAULT 20u   /* ms */
#define UO4_DEBOUNCE_MAX     1000u /* ms */
#define UO4_BATTERY_LOW_MV   2700u /* below: UO4_ST_BATT_LOW */

#endif
