#include "uo4.h"

#include "power.h"
#include "regs.h"

#define LED_BLINK_MS 100u /* half period of the reset signal */
#define LED_FLASH_MS 50u  /* flash on each frame addressed to us */
#define RESET_BLINKS 10u  /* the seed: "10 quick flashes" */

int uo4_commit(struct uo4 *d)
{
	int rc = 0;

	if (d->cfg_dirty) {
		d->cfg_dirty = false;
		if (journal_cfg_write(&d->jr, d->hal, &d->cfg) != JOURNAL_OK)
			rc = -1;
		power_outputs_apply(d);
	}
	if (d->counts_dirty) {
		struct journal_counts c;

		d->counts_dirty = false;
		for (unsigned i = 0; i < HAL_CHANNELS; i++)
			c.total[i] = d->ch[i].total;
		c.flags = d->flags;
		if (journal_counts_write(&d->jr, d->hal, &c) != JOURNAL_OK)
			rc = -1;
	}
	if (rc != 0)
		d->nvm_error = true;
	return rc;
}

int uo4_boot(struct uo4 *d, struct hal *h)
{
	struct journal_counts c = { { 0 }, 0 };
	uint32_t now = hal_clock_ms(h);
	int rc;

	*d = (struct uo4){ 0 };
	d->hal = h;
	d->cfg.addr = UO4_FACTORY_ADDR;
	d->cfg.debounce_ms = UO4_DEBOUNCE_DEFAULT;
	d->cfg.blocks = 0;
	rc = journal_mount(&d->jr, h, &d->cfg, &c);
	d->nvm_error = rc != JOURNAL_OK && rc != JOURNAL_EBLANK;

	/* Settings from a part written by something else: fall back to what a
	 * new device has rather than run with an address nobody can reach. */
	if (d->cfg.addr < 1 || d->cfg.addr > UO4_ADDR_MAX)
		d->cfg.addr = UO4_FACTORY_ADDR;
	if (d->cfg.debounce_ms > UO4_DEBOUNCE_MAX)
		d->cfg.debounce_ms = UO4_DEBOUNCE_DEFAULT;
	d->cfg.blocks &= (uint8_t)((1u << HAL_CHANNELS) - 1u);

	if (hal_reset_jumper(h)) {
		d->cfg.addr = UO4_FACTORY_ADDR;
		d->cfg_dirty = true;
		d->led_blinks = 2u * RESET_BLINKS;
	}
	for (unsigned i = 0; i < HAL_CHANNELS; i++)
		counter_init(&d->ch[i], c.total[i], now);
	d->flags = c.flags;
	d->last_ms = now;
	d->led_ms = now;
	d->mains = hal_power_mains(h);
	mb_rtu_init(&d->rtu, hal_uart_baud(h));
	regs_map_init(d);
	power_outputs_apply(d);
	if (d->cfg_dirty)
		uo4_commit(d);
	return rc;
}

static void tick_uptime(struct uo4 *d, uint32_t now)
{
	d->up_ms += now - d->last_ms;
	d->last_ms = now;
	d->up_s += d->up_ms / 1000u;
	d->up_ms %= 1000u;
}

/* Sample the inputs; store the totals before anyone can read them. */
static void count_inputs(struct uo4 *d, uint32_t now)
{
	uint8_t levels = hal_inputs_read(d->hal);
	bool counted = false;

	for (unsigned i = 0; i < HAL_CHANNELS; i++)
		if (counter_sample(&d->ch[i], (levels >> i) & 1u, now, d->cfg.debounce_ms))
			counted = true;
	if (!counted)
		return;
	if (!d->mains)
		d->flags |= JOURNAL_FLAG_BATTERY;
	d->counts_dirty = true;
	uo4_commit(d);
}

static void handle_frame(struct uo4 *d, const uint8_t *f, size_t n, uint32_t now)
{
	size_t out;

	if (n >= 1 && (f[0] == d->cfg.addr || f[0] == MB_BROADCAST))
		d->frames++;
	out = mb_slave_handle(&d->map, d->cfg.addr, f, n, d->tx);
	if (out == 0)
		return;
	hal_uart_send(d->hal, d->tx, out);
	d->replies++;
	if (d->led_blinks == 0) {
		d->led_steady = false;
		d->led = true;
		d->led_ms = now;
		hal_led_set(d->hal, true);
	}
}

static void serve_line(struct uo4 *d, uint32_t now)
{
	const uint8_t *f;
	uint32_t t;
	uint8_t b;
	size_t n;

	while (hal_uart_recv(d->hal, &b, &t)) {
		/* On battery the transceiver is unpowered: whatever the port
		 * buffered is noise. */
		if (!d->mains)
			continue;
		if ((n = mb_rtu_frame(&d->rtu, t, &f)) > 0)
			handle_frame(d, f, n, now);
		mb_rtu_rx(&d->rtu, b, t);
	}
	if (d->mains && (n = mb_rtu_frame(&d->rtu, hal_line_us(d->hal), &f)) > 0)
		handle_frame(d, f, n, now);
}

/* Ten quick flashes after a reset to the factory address, then steady on
 * until the device is first polled (the seed's signal that the reset
 * worked); otherwise a short flash per reply. Off on battery to save it. */
static void update_led(struct uo4 *d, uint32_t now)
{
	uint32_t held = now - d->led_ms;

	if (d->led_blinks > 0) {
		if (held < LED_BLINK_MS)
			return;
		d->led_blinks--;
		d->led = d->led_blinks == 0 ? true : !d->led;
		d->led_steady = d->led_blinks == 0;
		d->led_ms = now;
		hal_led_set(d->hal, d->led);
		return;
	}
	if (d->led && (!d->mains || (!d->led_steady && held >= LED_FLASH_MS))) {
		d->led = false;
		hal_led_set(d->hal, false);
	}
}

void uo4_poll(struct uo4 *d)
{
	uint32_t now = hal_clock_ms(d->hal);

	tick_uptime(d, now);
	power_update(d);
	count_inputs(d, now);
	serve_line(d, now);
	update_led(d, now);
	if (d->counts_dirty || d->cfg_dirty)
		uo4_commit(d);
}

uint32_t uo4_total(const struct uo4 *d, unsigned ch)
{
	return ch < HAL_CHANNELS ? d->ch[ch].total : 0;
}

uint16_t uo4_status(const struct uo4 *d)
{
	uint16_t s = 0;

	if (d->mains)
		s |= UO4_ST_MAINS;
	if (power_battery_low(d))
		s |= UO4_ST_BATT_LOW;
	if (d->nvm_error)
		s |= UO4_ST_NVM_ERROR;
	if (d->flags & JOURNAL_FLAG_BATTERY)
		s |= UO4_ST_ON_BATTERY;
	return s;
}

uint8_t uo4_address(const struct uo4 *d)
{
	return d->cfg.addr;
}

uint8_t uo4_blocks(const struct uo4 *d)
{
	return d->cfg.blocks;
}

int uo4_zero(struct uo4 *d, unsigned ch)
{
	if (ch >= HAL_CHANNELS)
		return -1;
	counter_zero(&d->ch[ch]);
	d->counts_dirty = true;
	return uo4_commit(d);
}

int uo4_set_address(struct uo4 *d, uint8_t addr)
{
	if (addr < 1 || addr > UO4_ADDR_MAX)
		return -1;
	d->cfg.addr = addr;
	d->cfg_dirty = true;
	return uo4_commit(d);
}
