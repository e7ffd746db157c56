#include "modbus.h"

#include "crc16.h"

#define MAX_READ_BITS  2000u /* 0x7D0 */
#define MAX_READ_REGS  125u  /* 0x7D */
#define MAX_WRITE_BITS 1968u /* 0x7B0 */
#define MAX_WRITE_REGS 123u  /* 0x7B */

void mb_rtu_init(struct mb_rtu *r, uint32_t baud)
{
	r->len = 0;
	r->bad = false;
	r->last_us = 0;
	if (baud > 19200 || baud == 0) {
		r->t15_us = 750;
		r->t35_us = 1750;
	} else {
		/* 11 bit times per character, rounded up. */
		r->t15_us = (uint32_t)((15u * 11u * 1000000u / 10u + baud - 1) / baud);
		r->t35_us = (uint32_t)((35u * 11u * 1000000u / 10u + baud - 1) / baud);
	}
}

void mb_rtu_rx(struct mb_rtu *r, uint8_t byte, uint32_t t_us)
{
	if (r->len > 0) {
		uint32_t gap = t_us - r->last_us;

		if (gap > r->t35_us) {
			/* The caller missed the end of the last frame: start over. */
			r->len = 0;
			r->bad = false;
		} else if (gap > r->t15_us) {
			r->bad = true;
		}
	}
	if (r->len < MB_FRAME_MAX)
		r->buf[r->len++] = byte;
	else
		r->bad = true;
	r->last_us = t_us;
}

size_t mb_rtu_frame(struct mb_rtu *r, uint32_t now_us, const uint8_t **frame)
{
	size_t n = r->len;
	bool bad = r->bad;

	if (n == 0 || (uint32_t)(now_us - r->last_us) < r->t35_us)
		return 0;
	r->len = 0;
	r->bad = false;
	if (bad)
		return 0;
	*frame = r->buf;
	return n;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Record exception code in *ex; the handlers return this as "no body". */
static size_t fail(uint8_t *ex, uint8_t code)
{
	*ex = code;
	return 0;
}

/* Check that [start, start+qty) lies within count. */
static bool in_range(uint16_t start, uint16_t qty, uint16_t count)
{
	return (uint32_t)start + qty <= count;
}

static size_t read_bits(const struct mb_map *m, const uint8_t *pdu, size_t n, uint8_t *out,
			uint8_t *ex)
{
	uint16_t start, qty;
	uint8_t bytes;

	if (n != 5 || (qty = get16(pdu + 3)) < 1 || qty > MAX_READ_BITS)
		return fail(ex, MB_EX_ILLEGAL_VALUE);
	start = get16(pdu + 1);
	if (!in_range(start, qty, m->coils))
		return fail(ex, MB_EX_ILLEGAL_ADDRESS);
	bytes = (uint8_t)((qty + 7u) / 8u);
	out[0] = bytes;
	for (uint16_t i = 0; i < bytes; i++)
		out[1 + i] = 0;
	for (uint16_t i = 0; i < qty; i++)
		if (m->coil_get(m->ctx, (uint16_t)(start + i)))
			out[1 + i / 8] |= (uint8_t)(1u << (i % 8));
	return 1u + bytes;
}

static size_t read_regs(const struct mb_map *m, const uint8_t *pdu, size_t n, uint8_t *out,
			uint8_t *ex)
{
	bool input = pdu[0] == MB_FC_READ_INPUT;
	uint16_t start, qty;

	if (n != 5 || (qty = get16(pdu + 3)) < 1 || qty > MAX_READ_REGS)
		return fail(ex, MB_EX_ILLEGAL_VALUE);
	start = get16(pdu + 1);
	if (!in_range(start, qty, input ? m->inputs : m->holdings))
		return fail(ex, MB_EX_ILLEGAL_ADDRESS);
	out[0] = (uint8_t)(2u * qty);
	for (uint16_t i = 0; i < qty; i++) {
		uint16_t a = (uint16_t)(start + i);

		put16(out + 1 + 2 * i, input ? m->input_get(m->ctx, a) : m->holding_get(m->ctx, a));
	}
	return 1u + 2u * qty;
}

static size_t write_coil(const struct mb_map *m, const uint8_t *pdu, size_t n, uint8_t *out,
			 uint8_t *ex)
{
	uint16_t a, v;

	if (n != 5 || ((v = get16(pdu + 3)) != 0x0000 && v != 0xFF00))
		return fail(ex, MB_EX_ILLEGAL_VALUE);
	a = get16(pdu + 1);
	if (a >= m->coils)
		return fail(ex, MB_EX_ILLEGAL_ADDRESS);
	m->coil_set(m->ctx, a, v == 0xFF00);
	if ((*ex = m->commit(m->ctx)) != MB_EX_NONE)
		return 0;
	for (int i = 0; i < 4; i++)
		out[i] = pdu[1 + i];
	return 4;
}

static size_t write_register(const struct mb_map *m, const uint8_t *pdu, size_t n, uint8_t *out,
			     uint8_t *ex)
{
	uint16_t a, v;

	if (n != 5)
		return fail(ex, MB_EX_ILLEGAL_VALUE);
	a = get16(pdu + 1);
	v = get16(pdu + 3);
	if (a >= m->holdings)
		return fail(ex, MB_EX_ILLEGAL_ADDRESS);
	if ((*ex = m->holding_check(m->ctx, a, v)) != MB_EX_NONE)
		return 0;
	m->holding_set(m->ctx, a, v);
	if ((*ex = m->commit(m->ctx)) != MB_EX_NONE)
		return 0;
	for (int i = 0; i < 4; i++)
		out[i] = pdu[1 + i];
	return 4;
}

static size_t write_coils(const struct mb_map *m, const uint8_t *pdu, size_t n, uint8_t *out,
			  uint8_t *ex)
{
	uint16_t start, qty;

	if (n < 6)
		return fail(ex, MB_EX_ILLEGAL_VALUE);
	start = get16(pdu + 1);
	qty = get16(pdu + 3);
	if (qty < 1 || qty > MAX_WRITE_BITS || pdu[5] != (qty + 7u) / 8u || n != 6u + pdu[5])
		return fail(ex, MB_EX_ILLEGAL_VALUE);
	if (!in_range(start, qty, m->coils))
		return fail(ex, MB_EX_ILLEGAL_ADDRESS);
	for (uint16_t i = 0; i < qty; i++)
		m->coil_set(m->ctx, (uint16_t)(start + i), (pdu[6 + i / 8] >> (i % 8)) & 1u);
	if ((*ex = m->commit(m->ctx)) != MB_EX_NONE)
		return 0;
	for (int i = 0; i < 4; i++)
		out[i] = pdu[1 + i];
	return 4;
}

static size_t write_registers(const struct mb_map *m, const uint8_t *pdu, size_t n, uint8_t *out,
			      uint8_t *ex)
{
	uint16_t start, qty;

	if (n < 6)
		return fail(ex, MB_EX_ILLEGAL_VALUE);
	start = get16(pdu + 1);
	qty = get16(pdu + 3);
	if (qty < 1 || qty > MAX_WRITE_REGS || pdu[5] != 2u * qty || n != 6u + pdu[5])
		return fail(ex, MB_EX_ILLEGAL_VALUE);
	if (!in_range(start, qty, m->holdings))
		return fail(ex, MB_EX_ILLEGAL_ADDRESS);
	for (uint16_t i = 0; i < qty; i++) {
		*ex = m->holding_check(m->ctx, (uint16_t)(start + i), get16(pdu + 6 + 2 * i));
		if (*ex != MB_EX_NONE)
			return 0;
	}
	for (uint16_t i = 0; i < qty; i++)
		m->holding_set(m->ctx, (uint16_t)(start + i), get16(pdu + 6 + 2 * i));
	if ((*ex = m->commit(m->ctx)) != MB_EX_NONE)
		return 0;
	for (int i = 0; i < 4; i++)
		out[i] = pdu[1 + i];
	return 4;
}

static bool is_write(uint8_t fc)
{
	return fc == MB_FC_WRITE_COIL || fc == MB_FC_WRITE_REGISTER || fc == MB_FC_WRITE_COILS ||
	       fc == MB_FC_WRITE_REGISTERS;
}

size_t mb_slave_handle(const struct mb_map *m, uint8_t own, const uint8_t *req, size_t len,
		       uint8_t *out)
{
	const uint8_t *pdu = req + 1;
	size_t n, body;
	uint8_t fc, ex = MB_EX_NONE;
	uint16_t crc;

	if (len < 4 || len > MB_FRAME_MAX)
		return 0;
	n = len - 3; /* PDU: function code and data */
	if (crc16(req, len - 2) != (uint16_t)(req[len - 2] | req[len - 1] << 8))
		return 0;
	if (req[0] != own && req[0] != MB_BROADCAST)
		return 0;
	fc = pdu[0];
	if (req[0] == MB_BROADCAST && !is_write(fc))
		return 0;

	switch (fc) {
	case MB_FC_READ_COILS:
		body = read_bits(m, pdu, n, out + 2, &ex);
		break;
	case MB_FC_READ_HOLDING:
	case MB_FC_READ_INPUT:
		body = read_regs(m, pdu, n, out + 2, &ex);
		break;
	case MB_FC_WRITE_COIL:
		body = write_coil(m, pdu, n, out + 2, &ex);
		break;
	case MB_FC_WRITE_REGISTER:
		body = write_register(m, pdu, n, out + 2, &ex);
		break;
	case MB_FC_WRITE_COILS:
		body = write_coils(m, pdu, n, out + 2, &ex);
		break;
	case MB_FC_WRITE_REGISTERS:
		body = write_registers(m, pdu, n, out + 2, &ex);
		break;
	default:
		body = 0;
		ex = MB_EX_ILLEGAL_FUNCTION;
		break;
	}
	if (req[0] == MB_BROADCAST)
		return 0;
	out[0] = own;
	if (ex != MB_EX_NONE) {
		out[1] = (uint8_t)(fc | 0x80u);
		out[2] = ex;
		body = 1;
	} else {
		out[1] = fc;
	}
	crc = crc16(out, 2 + body);
	out[2 + body] = (uint8_t)crc;
	out[3 + body] = (uint8_t)(crc >> 8);
	return 4 + body;
}
