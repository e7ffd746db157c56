/*
 * fuzz_modbus.c - libFuzzer target: the UO-4's Modbus RTU slave
 * (firmware/uo4/modbus.c: framing, CRC, requests, replies;
 * docs/reliability.md).
 *
 * The first byte chooses:
 *  - even: the line. The rest is pairs (silence, byte): the silence in
 *    units of 100 us before the byte, then the byte, through mb_rtu_frame()
 *    and mb_rtu_rx() as the UART interrupt does at 9600 bd; each frame
 *    the receiver gives out goes to the slave as it is;
 *  - odd: one request. The rest is the frame without its CRC, which the
 *    target appends, so that the fuzzer reaches the functions instead of
 *    the CRC check.
 * The slave at address 7 has 10 coils, 21 input registers and 3 holding
 * registers refusing values over 1000 (as test_uo4_modbus). Checked
 * besides the sanitizers: frames and replies within MB_FRAME_MAX; the map
 * is called with valid addresses only; a reply comes only for a frame to
 * address 7 with a good CRC, carries address 7, the request's function
 * (with 0x80 and an exception 1..4 on failure) and a good CRC; a broadcast
 * is never answered; an exception or a refused value changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc16.h"
#include "modbus.h"

#define OWN 7

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static bool coils[10];
static uint16_t holding[3];
static uint8_t commit_result;

static bool coil_get(void *ctx, uint16_t a)
{
	CHECK(a < 10);
	return coils[a];
}

static void coil_set(void *ctx, uint16_t a, bool on)
{
	CHECK(a < 10);
	coils[a] = on;
}

static uint16_t input_get(void *ctx, uint16_t a)
{
	CHECK(a < 21);
	return (uint16_t)(0x100 + a);
}

static uint16_t holding_get(void *ctx, uint16_t a)
{
	CHECK(a < 3);
	return holding[a];
}

static void holding_set(void *ctx, uint16_t a, uint16_t v)
{
	CHECK(a < 3 && v <= 1000);
	holding[a] = v;
}

static uint8_t holding_check(void *ctx, uint16_t a, uint16_t v)
{
	CHECK(a < 3);
	return v > 1000 ? MB_EX_ILLEGAL_VALUE : MB_EX_NONE;
}

static uint8_t commit(void *ctx)
{
	return commit_result;
}

static const struct mb_map map = {
	NULL,	       10,	    21,	    3, coil_get, coil_set, input_get, holding_get,
	holding_check, holding_set, commit,
};

static bool crc_ok(const uint8_t *f, size_t n)
{
	uint16_t c;

	if (n < 3)
		return false;
	c = crc16(f, n - 2);
	return f[n - 2] == (c & 0xff) && f[n - 1] == (c >> 8);
}

static void handle(const uint8_t *req, size_t len)
{
	uint8_t out[MB_FRAME_MAX + 16];
	bool coils0[10];
	uint16_t holding0[3];
	size_t n;

	CHECK(len <= MB_FRAME_MAX);
	memcpy(coils0, coils, sizeof coils);
	memcpy(holding0, holding, sizeof holding);
	n = mb_slave_handle(&map, OWN, req, len, out);
	CHECK(n <= MB_FRAME_MAX);
	if (!n)
		return;
	CHECK(len >= 4 && req[0] == OWN && crc_ok(req, len));
	CHECK(n >= 5 && out[0] == OWN && crc_ok(out, n));
	if (out[1] & 0x80) {
		CHECK(out[1] == (req[1] | 0x80) && n == 5);
		CHECK(out[2] >= MB_EX_ILLEGAL_FUNCTION && out[2] <= MB_EX_DEVICE_FAILURE);
		/* execution failed (04) after the values were set; before that, nothing */
		if (out[2] != MB_EX_DEVICE_FAILURE) {
			CHECK(!memcmp(coils0, coils, sizeof coils));
			CHECK(!memcmp(holding0, holding, sizeof holding));
		}
	} else {
		CHECK(out[1] == req[1]);
	}
}

static void line(const uint8_t *data, size_t size)
{
	struct mb_rtu r;
	uint32_t t = 1000000;
	const uint8_t *frame;
	size_t n;

	mb_rtu_init(&r, 9600);
	for (size_t i = 0; i + 1 < size; i += 2) {
		t += (uint32_t)data[i] * 100;
		if ((n = mb_rtu_frame(&r, t, &frame)))
			handle(frame, n);
		mb_rtu_rx(&r, data[i + 1], t);
		CHECK(r.len <= MB_FRAME_MAX);
	}
	if ((n = mb_rtu_frame(&r, t + 100000, &frame)))
		handle(frame, n);
}

static void request(const uint8_t *data, size_t size)
{
	uint8_t req[MB_FRAME_MAX];
	uint16_t c;

	if (size + 2 > MB_FRAME_MAX)
		return;
	memcpy(req, data, size);
	c = crc16(req, size);
	req[size] = (uint8_t)(c & 0xff);
	req[size + 1] = (uint8_t)(c >> 8);
	handle(req, size + 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	memset(coils, 0, sizeof coils);
	memset(holding, 0, sizeof holding);
	commit_result = data[0] & 2 ? MB_EX_DEVICE_FAILURE : MB_EX_NONE;
	if (data[0] % 2 == 0)
		line(data + 1, size - 1);
	else
		request(data + 1, size - 1);
	return 0;
}
