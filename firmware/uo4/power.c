#include "power.h"

void power_outputs_apply(struct uo4 *d)
{
	hal_outputs_write(d->hal, d->mains ? d->cfg.blocks : 0);
}

void power_update(struct uo4 *d)
{
	bool mains = hal_power_mains(d->hal);

	if (mains == d->mains)
		return;
	d->mains = mains;
	/* A frame half received when the transceiver lost power is garbage;
	 * one that arrives as it comes back starts clean. */
	mb_rtu_init(&d->rtu, hal_uart_baud(d->hal));
	power_outputs_apply(d);
}

bool power_battery_low(const struct uo4 *d)
{
	return hal_power_battery_mv(d->hal) < UO4_BATTERY_LOW_MV;
}
