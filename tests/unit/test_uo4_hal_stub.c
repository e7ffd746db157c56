#include "test_uo4_hal_stub.h"

#include <string.h>

void stub_init(struct hal *h, uint32_t size)
{
	memset(h, 0, sizeof *h);
	h->nvm_size = size;
	h->cut_after = -1;
	h->baud = 9600;
	h->mains = true;
	h->battery_mv = 3100;
}

void stub_rx(struct hal *h, const uint8_t *b, size_t n, uint32_t t_us)
{
	for (size_t i = 0; i < n && h->rx_len < STUB_RX_MAX; i++) {
		h->rx[h->rx_len] = b[i];
		h->rx_t[h->rx_len++] = t_us;
	}
}

void stub_tx_clear(struct hal *h)
{
	h->tx_n = 0;
}

uint32_t hal_clock_ms(struct hal *h)
{
	return h->ms;
}

uint32_t hal_line_us(struct hal *h)
{
	return h->us;
}

uint32_t hal_uart_baud(struct hal *h)
{
	return h->baud;
}

bool hal_uart_recv(struct hal *h, uint8_t *byte, uint32_t *t_us)
{
	if (h->rx_pos >= h->rx_len) {
		h->rx_pos = h->rx_len = 0;
		return false;
	}
	*byte = h->rx[h->rx_pos];
	*t_us = h->rx_t[h->rx_pos++];
	return true;
}

void hal_uart_send(struct hal *h, const uint8_t *buf, size_t n)
{
	if (h->tx_n >= STUB_TX_MAX || n > sizeof h->tx[0])
		return;
	memcpy(h->tx[h->tx_n], buf, n);
	h->tx_len[h->tx_n++] = n;
}

uint32_t hal_nvm_size(struct hal *h)
{
	return h->nvm_size;
}

int hal_nvm_read(struct hal *h, uint32_t off, void *buf, uint32_t n)
{
	if (off > h->nvm_size || n > h->nvm_size - off)
		return -1;
	memcpy(buf, h->nvm + off, n);
	return 0;
}

int hal_nvm_write(struct hal *h, uint32_t off, const void *buf, uint32_t n)
{
	const uint8_t *p = buf;

	if (off > h->nvm_size || n > h->nvm_size - off)
		return -1;
	h->nvm_write_calls++;
	h->slot_writes[off]++;
	if (h->fail_writes > 0) {
		h->fail_writes--;
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (h->cut)
			return 0; /* the device is dead; nothing reaches the part */
		if (h->cut_after == 0) {
			h->cut = true;
			if (h->cut_garble)
				h->nvm[off + i] = (uint8_t)(p[i] ^ 0xA5);
			return 0;
		}
		if (h->cut_after > 0)
			h->cut_after--;
		h->nvm[off + i] = p[i];
	}
	if (h->flip_writes > 0) {
		h->flip_writes--;
		h->nvm[off] ^= 0xFF;
	}
	return 0;
}

uint8_t hal_inputs_read(struct hal *h)
{
	return h->inputs;
}

void hal_outputs_write(struct hal *h, uint8_t mask)
{
	h->outputs = mask;
	h->outputs_writes++;
}

bool hal_reset_jumper(struct hal *h)
{
	return h->jumper;
}

void hal_led_set(struct hal *h, bool on)
{
	h->led = on;
}

bool hal_power_mains(struct hal *h)
{
	return h->mains;
}

uint16_t hal_power_battery_mv(struct hal *h)
{
	return h->battery_mv;
}
