/*
 * hal_m0.h - the UO-4 HAL on an STM32G030 (Cortex-M0+, 64 KiB flash, 8 KiB
 * RAM) at 16 MHz from the internal oscillator.
 *
 * Pins: USART2 on PA2 (TX), PA3 (RX), PA1 (driver enable of the RS-485
 * transceiver, driven by the USART itself); pulse inputs PA4..PA7 with
 * pull-ups (a meter's contact pulls the input to ground); outputs PB2..PB5
 * drive the open-collector transistors; LED on PC6; reset jumper J1 on PA8
 * (fitted = low); mains sense on PA0 (12 V through a divider, high = mains);
 * battery on PB1 (ADC_IN9, halved by a divider); FRAM (FM24CL64B class,
 * first 4 KiB used) on I2C1, PB8 SCL / PB9 SDA.
 *
 * Written against the reference manual's register map for the size build;
 * not yet run on a board.
 */
#ifndef UO4_HAL_M0_H
#define UO4_HAL_M0_H

#include "../../hal/hal.h"

/* Clocks, pins, USART, I2C, ADC, SysTick; returns the one instance. */
struct hal *hal_m0_init(void);

/* Sleep until the next interrupt (SysTick wakes it every ms). */
void hal_m0_sleep(struct hal *h);

#endif
