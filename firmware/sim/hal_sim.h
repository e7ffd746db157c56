/*
 * hal_sim.h - the host port of the UO-4 HAL (firmware/hal/hal.h).
 *
 * One struct hal per simulated device. The simulator sets the clocks and
 * the inputs before each uo4_poll(), pushes received bytes with their line
 * times, and receives what the device transmits through a callback. The NV
 * memory is a file mapped into memory (MAP_SHARED), so every byte the
 * firmware writes is in the kernel's page cache at once: a kill -9 of the
 * simulator loses nothing the device had stored.
 */
#ifndef SIM_HAL_SIM_H
#define SIM_HAL_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../hal/hal.h"

#define HAL_SIM_RX_MAX	 1024 /* bytes buffered per device between polls */
#define HAL_SIM_NVM_SIZE 4096u

/* Called with what the device transmits; buf is borrowed for the call. */
typedef void (*hal_sim_tx_fn)(void *ctx, struct hal *h, const uint8_t *buf, size_t n);

struct hal_sim_byte {
	uint8_t b;     /* the byte */
	uint32_t t_us; /* line time at its end */
};

struct hal {
	uint32_t clock_ms;			/* device time, set by the simulator */
	uint32_t line_us;			/* line timer, set by the simulator */
	uint32_t baud;				/* line speed */
	struct hal_sim_byte rx[HAL_SIM_RX_MAX]; /* ring of received bytes */
	uint16_t rx_head;			/* oldest byte */
	uint16_t rx_len;			/* bytes in the ring */
	hal_sim_tx_fn tx;			/* where transmitted frames go */
	void *tx_ctx;				/* first argument of tx */
	uint8_t *nvm;				/* mapped NV file */
	uint32_t nvm_size;			/* its size */
	int nvm_fd;				/* the file, -1 when closed */
	uint8_t inputs;				/* raw input levels */
	uint8_t outputs;			/* as the firmware drives them */
	bool jumper;				/* reset jumper fitted */
	bool led;				/* LED state */
	bool mains;				/* 12 V present */
	uint16_t battery_mv;			/* battery voltage */
};

/*
 * Set up h with defaults (mains on, 3100 mV, no jumper) and map the NV file
 * at path, creating it (zero-filled, HAL_SIM_NVM_SIZE bytes) if missing.
 * *created tells whether it was new. Returns 0, or -1 with errno set (the
 * error is logged).
 */
int hal_sim_open(struct hal *h, const char *path, uint32_t baud, hal_sim_tx_fn tx, void *tx_ctx,
		 bool *created);

/* Flush the NV file to disk and unmap it. Accepts a closed h. */
void hal_sim_close(struct hal *h);

/* msync the NV file (on shutdown and now and then). */
void hal_sim_flush(struct hal *h);

/* Queue one received byte; dropped when the ring is full (as a UART
 * overrun drops it). */
void hal_sim_rx_push(struct hal *h, uint8_t b, uint32_t t_us);

/* Forget buffered bytes (device unplugged or unpowered). */
void hal_sim_rx_clear(struct hal *h);

#endif
