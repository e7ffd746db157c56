/*
 * main.c - the UO-4 on its MCU: one device, static memory, a poll loop.
 *
 * The core sleeps between interrupts (SysTick every ms, a received byte,
 * a pin change) and runs one pass of the firmware after each.
 */
#include "../uo4.h"
#include "hal_m0.h"

static struct uo4 device;

int main(void)
{
	struct hal *h = hal_m0_init();

	uo4_boot(&device, h);
	for (;;) {
		uo4_poll(&device);
		hal_m0_sleep(h);
	}
}
