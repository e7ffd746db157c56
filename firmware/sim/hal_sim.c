#include "hal_sim.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

int hal_sim_open(struct hal *h, const char *path, uint32_t baud, hal_sim_tx_fn tx, void *tx_ctx,
		 bool *created)
{
	struct stat st;
	void *map;
	int fd, e;

	memset(h, 0, sizeof *h);
	h->nvm_fd = -1;
	h->baud = baud;
	h->tx = tx;
	h->tx_ctx = tx_ctx;
	h->mains = true;
	h->battery_mv = 3100;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		log_error("nvm %s: open: %s", path, strerror(e));
		goto out_errno;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		log_error("nvm %s: stat: %s", path, strerror(e));
		goto out_close;
	}
	*created = st.st_size == 0;
	if (st.st_size != (off_t)HAL_SIM_NVM_SIZE) {
		if (!*created) {
			/* Not ours, or cut short by a full disk: refuse rather than
			 * boot a device on half its memory. */
			e = EINVAL;
			log_error("nvm %s: size %lld, expected %u", path, (long long)st.st_size,
				  HAL_SIM_NVM_SIZE);
			goto out_close;
		}
		if (ftruncate(fd, HAL_SIM_NVM_SIZE) != 0) {
			e = errno;
			log_error("nvm %s: truncate: %s", path, strerror(e));
			goto out_close;
		}
	}
	map = mmap(NULL, HAL_SIM_NVM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		e = errno;
		log_error("nvm %s: mmap: %s", path, strerror(e));
		goto out_close;
	}
	h->nvm = map;
	h->nvm_size = HAL_SIM_NVM_SIZE;
	h->nvm_fd = fd;
	return 0;

out_close:
	close(fd);
out_errno:
	errno = e;
	return -1;
}

void hal_sim_flush(struct hal *h)
{
	if (h->nvm && msync(h->nvm, h->nvm_size, MS_SYNC) != 0)
		log_warn("nvm: msync: %s", strerror(errno));
}

void hal_sim_close(struct hal *h)
{
	if (!h->nvm)
		return;
	hal_sim_flush(h);
	munmap(h->nvm, h->nvm_size);
	close(h->nvm_fd);
	h->nvm = NULL;
	h->nvm_fd = -1;
}

void hal_sim_rx_push(struct hal *h, uint8_t b, uint32_t t_us)
{
	struct hal_sim_byte *slot;

	if (h->rx_len >= HAL_SIM_RX_MAX)
		return;
	slot = &h->rx[(h->rx_head + h->rx_len) % HAL_SIM_RX_MAX];
	slot->b = b;
	slot->t_us = t_us;
	h->rx_len++;
}

void hal_sim_rx_clear(struct hal *h)
{
	h->rx_head = 0;
	h->rx_len = 0;
}

/* ---- the contract --------------------------------------------------- */

uint32_t hal_clock_ms(struct hal *h)
{
	return h->clock_ms;
}

uint32_t hal_line_us(struct hal *h)
{
	return h->line_us;
}

uint32_t hal_uart_baud(struct hal *h)
{
	return h->baud;
}

bool hal_uart_recv(struct hal *h, uint8_t *byte, uint32_t *t_us)
{
	if (h->rx_len == 0)
		return false;
	*byte = h->rx[h->rx_head].b;
	*t_us = h->rx[h->rx_head].t_us;
	h->rx_head = (uint16_t)((h->rx_head + 1) % HAL_SIM_RX_MAX);
	h->rx_len--;
	return true;
}

void hal_uart_send(struct hal *h, const uint8_t *buf, size_t n)
{
	/* The transceiver hangs on the 12 V rail. */
	if (h->mains && h->tx)
		h->tx(h->tx_ctx, h, buf, n);
}

uint32_t hal_nvm_size(struct hal *h)
{
	return h->nvm_size;
}

int hal_nvm_read(struct hal *h, uint32_t off, void *buf, uint32_t n)
{
	if (!h->nvm || off > h->nvm_size || n > h->nvm_size - off)
		return -1;
	memcpy(buf, h->nvm + off, n);
	return 0;
}

int hal_nvm_write(struct hal *h, uint32_t off, const void *buf, uint32_t n)
{
	if (!h->nvm || off > h->nvm_size || n > h->nvm_size - off)
		return -1;
	memcpy(h->nvm + off, buf, n);
	return 0;
}

uint8_t hal_inputs_read(struct hal *h)
{
	return h->inputs;
}

void hal_outputs_write(struct hal *h, uint8_t mask)
{
	h->outputs = mask;
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
