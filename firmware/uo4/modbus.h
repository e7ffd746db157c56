/*
 * modbus.h - Modbus RTU slave: framing, CRC, request decoding, replies.
 *
 * Pure: frames come in as bytes with line-timer timestamps, replies go out
 * as a buffer; the data model is reached through a struct mb_map the caller
 * fills in (regs.c holds the UO-4's). Nothing here touches the hardware.
 *
 * Framing (Modbus over serial line V1.02, 2.5.1.1): a frame ends when the
 * line has been silent for 3.5 character times; a silence of more than 1.5
 * character times inside a frame makes the frame bad and it is dropped. A
 * character is 11 bit times as the specification counts it; above 19200 bd
 * the fixed 750 us / 1750 us apply.
 *
 * Replies (mb_slave_handle): silence for a frame with a bad CRC, too short,
 * or for another address; address 0 is broadcast: write requests (05, 06,
 * 0F, 10) are carried out and never answered, other requests are ignored.
 * Checks in the order of the specification: function (exception 01),
 * quantity and layout (03), address range (02), value (03), execution (04).
 */
#ifndef UO4_MODBUS_H
#define UO4_MODBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB_FRAME_MAX 256 /* RTU frame: address, PDU of up to 253, CRC */
#define MB_BROADCAST 0

enum mb_exception {
	MB_EX_NONE = 0,
	MB_EX_ILLEGAL_FUNCTION = 1,
	MB_EX_ILLEGAL_ADDRESS = 2,
	MB_EX_ILLEGAL_VALUE = 3,
	MB_EX_DEVICE_FAILURE = 4,
};

enum mb_function {
	MB_FC_READ_COILS = 0x01,
	MB_FC_READ_HOLDING = 0x03,
	MB_FC_READ_INPUT = 0x04,
	MB_FC_WRITE_COIL = 0x05,
	MB_FC_WRITE_REGISTER = 0x06,
	MB_FC_WRITE_COILS = 0x0F,
	MB_FC_WRITE_REGISTERS = 0x10,
};

/* Receiver state of one RTU line. */
struct mb_rtu {
	uint8_t buf[MB_FRAME_MAX]; /* bytes of the frame being received */
	uint16_t len;		   /* bytes in buf */
	bool bad;		   /* a 1.5-char gap or an overflow: drop the frame */
	uint32_t last_us;	   /* line time of the last byte */
	uint32_t t15_us;	   /* 1.5 character times */
	uint32_t t35_us;	   /* 3.5 character times */
};

/*
 * The data model behind the slave. Counts bound the valid addresses
 * (0..count-1). Getters and setters are only called with valid addresses.
 * holding_check() must not change anything; the slave checks every value of
 * a request before it sets any, so a bad value changes nothing. commit() is
 * called once after a write request's values were set (to persist them);
 * it returns MB_EX_NONE or MB_EX_DEVICE_FAILURE.
 */
struct mb_map {
	void *ctx;	   /* passed to every call */
	uint16_t coils;	   /* coils 0..coils-1 */
	uint16_t inputs;   /* input registers */
	uint16_t holdings; /* holding registers */
	bool (*coil_get)(void *ctx, uint16_t a);
	void (*coil_set)(void *ctx, uint16_t a, bool on);
	uint16_t (*input_get)(void *ctx, uint16_t a);
	uint16_t (*holding_get)(void *ctx, uint16_t a);
	uint8_t (*holding_check)(void *ctx, uint16_t a, uint16_t v);
	void (*holding_set)(void *ctx, uint16_t a, uint16_t v);
	uint8_t (*commit)(void *ctx);
};

/* Reset the receiver for a line at baud bits per second. */
void mb_rtu_init(struct mb_rtu *r, uint32_t baud);

/*
 * Take one received byte and the line time at its end. Call
 * mb_rtu_frame(r, t_us) first, so that a frame ended by silence before this
 * byte is not merged with it.
 */
void mb_rtu_rx(struct mb_rtu *r, uint8_t byte, uint32_t t_us);

/*
 * If the line has been silent for 3.5 characters at now_us and a frame was
 * received, point *frame at it (borrowed: valid until the next
 * mb_rtu_rx()) and return its length; the receiver is then ready for the
 * next frame. Returns 0 when no frame is complete; a bad frame is dropped
 * and 0 returned.
 */
size_t mb_rtu_frame(struct mb_rtu *r, uint32_t now_us, const uint8_t **frame);

/*
 * Handle one received frame for a slave at address own (1..247). Writes
 * the reply frame (with CRC) into out (MB_FRAME_MAX bytes) and returns its
 * length, or 0 when the slave must stay silent.
 */
size_t mb_slave_handle(const struct mb_map *m, uint8_t own, const uint8_t *req, size_t len,
		       uint8_t *out);

#endif
