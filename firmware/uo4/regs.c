#include "regs.h"

_Static_assert(UO4_INPUTS == HAL_CHANNELS && UO4_OUTPUTS == HAL_CHANNELS,
	       "the register map has a counter and a coil per channel of the hardware");

static uint16_t hi(uint32_t v)
{
	return (uint16_t)(v >> 16);
}

static uint16_t lo(uint32_t v)
{
	return (uint16_t)v;
}

/* The half of a u32 that register a holds: high word at even offsets. */
static uint16_t half(uint32_t v, uint16_t offset)
{
	return (offset % 2u == 0) ? hi(v) : lo(v);
}

static bool coil_get(void *ctx, uint16_t a)
{
	const struct uo4 *d = ctx;

	return (d->cfg.blocks >> a) & 1u;
}

static void coil_set(void *ctx, uint16_t a, bool on)
{
	struct uo4 *d = ctx;
	uint8_t blocks = on ? (uint8_t)(d->cfg.blocks | 1u << a)
			    : (uint8_t)(d->cfg.blocks & ~(1u << a));

	if (blocks != d->cfg.blocks) {
		d->cfg.blocks = blocks;
		d->cfg_dirty = true;
	}
}

static uint16_t input_get(void *ctx, uint16_t a)
{
	struct uo4 *d = ctx;
	uint32_t now = hal_clock_ms(d->hal);
	uint16_t v;

	if (a < UO4_IN_PERIOD)
		return half(d->ch[a / 2].total, a);
	if (a < UO4_IN_STATUS) {
		uint16_t o = (uint16_t)(a - UO4_IN_PERIOD);

		return half(counter_period(&d->ch[o / 2], now), o);
	}
	switch (a) {
	case UO4_IN_STATUS:
		v = uo4_status(d);
		/* "Until read": the master has now seen it. Stored lazily by
		 * uo4_poll; if power fails first the flag is shown again. */
		if (d->flags & JOURNAL_FLAG_BATTERY) {
			d->flags &= (uint8_t)~JOURNAL_FLAG_BATTERY;
			d->counts_dirty = true;
		}
		return v;
	case UO4_IN_BATTERY:
		return hal_power_battery_mv(d->hal);
	case UO4_IN_VERSION:
		return UO4_VERSION;
	default:
		return half(d->up_s, (uint16_t)(a - UO4_IN_UPTIME));
	}
}

static uint16_t holding_get(void *ctx, uint16_t a)
{
	const struct uo4 *d = ctx;

	switch (a) {
	case UO4_HR_ADDRESS:
		return d->cfg.addr;
	case UO4_HR_DEBOUNCE:
		return d->cfg.debounce_ms;
	default:
		return 0; /* the zero command has no state */
	}
}

static uint8_t holding_check(void *ctx, uint16_t a, uint16_t v)
{
	bool ok;

	(void)ctx;
	switch (a) {
	case UO4_HR_ADDRESS:
		ok = v >= 1 && v <= UO4_ADDR_MAX;
		break;
	case UO4_HR_DEBOUNCE:
		ok = v <= UO4_DEBOUNCE_MAX;
		break;
	default:
		ok = v >= 1 && v <= UO4_INPUTS;
		break;
	}
	return ok ? MB_EX_NONE : MB_EX_ILLEGAL_VALUE;
}

static void holding_set(void *ctx, uint16_t a, uint16_t v)
{
	struct uo4 *d = ctx;

	switch (a) {
	case UO4_HR_ADDRESS:
		d->cfg.addr = (uint8_t)v;
		d->cfg_dirty = true;
		break;
	case UO4_HR_DEBOUNCE:
		d->cfg.debounce_ms = v;
		d->cfg_dirty = true;
		break;
	default:
		counter_zero(&d->ch[v - 1]);
		d->counts_dirty = true;
		break;
	}
}

static uint8_t commit(void *ctx)
{
	return uo4_commit(ctx) == 0 ? MB_EX_NONE : MB_EX_DEVICE_FAILURE;
}

void regs_map_init(struct uo4 *d)
{
	d->map.ctx = d;
	d->map.coils = UO4_COILS;
	d->map.inputs = UO4_IN_REGS;
	d->map.holdings = UO4_HR_REGS;
	d->map.coil_get = coil_get;
	d->map.coil_set = coil_set;
	d->map.input_get = input_get;
	d->map.holding_get = holding_get;
	d->map.holding_check = holding_check;
	d->map.holding_set = holding_set;
	d->map.commit = commit;
}
