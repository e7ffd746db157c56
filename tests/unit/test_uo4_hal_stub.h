/*
 * test_uo4_hal_stub.h - a settable fake of firmware/hal/hal.h for the UO-4
 * unit tests: clocks, inputs and supply are plain fields; received bytes
 * are queued by the test; transmitted frames are recorded; the NV memory is
 * an array that can be cut short ("power fails after k more bytes") or made
 * to fail.
 */
#ifndef TEST_UO4_HAL_STUB_H
#define TEST_UO4_HAL_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../firmware/hal/hal.h"

#define STUB_NVM_MAX 4096
#define STUB_RX_MAX  1024
#define STUB_TX_MAX  16

struct hal {
	uint32_t ms;		   /* hal_clock_ms */
	uint32_t us;		   /* hal_line_us */
	uint32_t baud;		   /* hal_uart_baud */
	uint8_t nvm[STUB_NVM_MAX]; /* NV contents */
	uint32_t nvm_size;	   /* hal_nvm_size */
	long cut_after;		   /* >= 0: power fails after this many more bytes */
	bool cut;		   /* the cut happened: later writes are lost */
	bool cut_garble;	   /* the byte at the cut is garbled, not kept */
	int fail_writes;	   /* this many writes return -1 */
	int flip_writes;	   /* this many writes store a flipped byte (verify fails) */
	uint32_t nvm_write_calls;  /* writes attempted */
	uint32_t slot_writes[STUB_NVM_MAX]; /* writes starting at each offset */
	uint8_t rx[STUB_RX_MAX];	    /* bytes queued for hal_uart_recv */
	uint32_t rx_t[STUB_RX_MAX];	    /* their times */
	size_t rx_len;			    /* queued */
	size_t rx_pos;			    /* taken */
	uint8_t tx[STUB_TX_MAX][256];	    /* frames sent */
	size_t tx_len[STUB_TX_MAX];	    /* their lengths */
	int tx_n;			    /* frames sent */
	uint8_t inputs;			    /* hal_inputs_read */
	uint8_t outputs;		    /* last hal_outputs_write */
	int outputs_writes;		    /* calls of hal_outputs_write */
	bool jumper;			    /* hal_reset_jumper */
	bool led;			    /* last hal_led_set */
	bool mains;			    /* hal_power_mains */
	uint16_t battery_mv;		    /* hal_power_battery_mv */
};

/* Blank NV (zeros) of size bytes, mains on, 3100 mV, 9600 bd, time 0. */
void stub_init(struct hal *h, uint32_t size);

/* Queue n bytes received at line time t_us. */
void stub_rx(struct hal *h, const uint8_t *b, size_t n, uint32_t t_us);

/* Forget recorded frames. */
void stub_tx_clear(struct hal *h);

#endif
