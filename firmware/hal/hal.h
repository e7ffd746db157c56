/*
 * hal.h - the contract between the UO-4 firmware and its hardware.
 *
 * The firmware (firmware/uo4/) reaches the hardware only through the
 * functions below. Each target implements all of them in its own file,
 * chosen by the build:
 *
 *   firmware/sim/hal_sim.c          host port: virtual bus, NV memory in a
 *                                   file, clocks driven by the simulator
 *   firmware/uo4/port_m0/hal_m0.c   Cortex-M0+ (STM32G030) port for the
 *                                   size build
 *
 * Every function takes the instance handle the port gave to uo4_boot(), so
 * that one process can run many devices (the simulator does). struct hal is
 * defined by each port; the firmware never looks inside it.
 *
 * Rules common to every port:
 *   - No function blocks for longer than the transmission of one frame
 *     (hal_uart_send) or one NV write (hal_nvm_write).
 *   - No function allocates memory or calls back into the firmware.
 *   - Functions are called from the firmware's main loop only (uo4_poll and
 *     uo4_boot), never from an interrupt; a port that uses interrupts keeps
 *     their data in its own buffers.
 */
#ifndef UO4_HAL_H
#define UO4_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hal; /* defined by each port */

/* ---- clocks ---------------------------------------------------------- */

/*
 * Milliseconds of device time since power-up. Monotonic; wraps modulo 2^32
 * (after 49.7 days), so the firmware only ever subtracts two readings.
 * Debounce, pulse periods and uptime are measured on this clock. In the
 * simulator it is simulated time (it runs --speed times faster than real
 * time).
 */
uint32_t hal_clock_ms(struct hal *h);

/*
 * Microseconds of the serial line timer: free-running, wraps modulo 2^32,
 * on the same time base as the timestamps of hal_uart_recv(). Modbus
 * inter-frame timing (1.5 and 3.5 character times) is measured on it. In the
 * simulator it is real time, because a Modbus master's timeouts are real.
 */
uint32_t hal_line_us(struct hal *h);

/* ---- RS-485 line (UART + transceiver) ---------------------------------- */

/* Line speed in bits per second (8 data bits, no parity, 1 stop bit). */
uint32_t hal_uart_baud(struct hal *h);

/*
 * Take the oldest byte received from the line. Stores the byte in *byte and
 * the line timer (hal_line_us) at the end of its stop bit in *t_us, and
 * returns true; returns false, storing nothing, when no byte is waiting.
 * Bytes come out in the order they were received. A port whose receive
 * buffer overflowed drops the newest bytes (the frame then fails its CRC).
 */
bool hal_uart_recv(struct hal *h, uint8_t *byte, uint32_t *t_us);

/*
 * Transmit n bytes (1..256) back to back as one frame: enable the
 * transceiver's driver, send, release the line after the last stop bit.
 * buf is borrowed for the duration of the call only. Bytes the device
 * receives while it transmits are not its own echo: a port with a hardware
 * echo suppresses it.
 */
void hal_uart_send(struct hal *h, const uint8_t *buf, size_t n);

/* ---- non-volatile memory ----------------------------------------------- */

/*
 * Size of the NV memory in bytes (at least 256). The memory is byte
 * addressable and needs no erase (EEPROM or FRAM class); a blank part reads
 * as all 0x00 or all 0xFF.
 */
uint32_t hal_nvm_size(struct hal *h);

/*
 * Read n bytes at offset off into buf. Returns 0, or -1 when off + n is past
 * the end or the part did not answer (buf is then undefined).
 */
int hal_nvm_read(struct hal *h, uint32_t off, void *buf, uint32_t n);

/*
 * Write n bytes from buf at offset off. Returns 0 once the bytes are stored,
 * or -1 when off + n is past the end or the part did not answer. Bytes are
 * written in increasing address order; a write cut short by a power failure
 * leaves a prefix written, at most one byte garbled, and the rest as before.
 * The firmware's journal is built on exactly this promise.
 */
int hal_nvm_write(struct hal *h, uint32_t off, const void *buf, uint32_t n);

/* ---- discrete inputs and outputs --------------------------------------- */

#define HAL_CHANNELS 4 /* pulse inputs and block outputs */

/*
 * Raw level of the pulse inputs now, bit i for input i+1: 1 = contact
 * closed (pulse active). No filtering: debounce is the firmware's job. A
 * port that captures edges by interrupt reports, at each call, the level
 * the input had at the moment of the call.
 */
uint8_t hal_inputs_read(struct hal *h);

/*
 * Drive the open-collector outputs, bit i for output i+1: 1 = output on =
 * consumer blocked (valve closed, contactor open). Takes effect at once.
 */
void hal_outputs_write(struct hal *h, uint8_t mask);

/* True while the factory-reset jumper (J1 pins 1-2) is fitted. */
bool hal_reset_jumper(struct hal *h);

/* Switch the status LED. */
void hal_led_set(struct hal *h, bool on);

/* ---- power --------------------------------------------------------------- */

/*
 * True while the 12 V mains supply is present. When it is absent the device
 * runs from its lithium battery and the RS-485 transceiver is unpowered:
 * what hal_uart_send() sends then is lost.
 */
bool hal_power_mains(struct hal *h);

/* Battery voltage in millivolts (0 when no battery is fitted). */
uint16_t hal_power_battery_mv(struct hal *h);

#endif
