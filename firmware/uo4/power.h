/*
 * power.h - supply supervision and the block outputs.
 *
 * Mains present: the outputs follow the saved block states and the RS-485
 * side works. Mains lost: every output is released (all consumers
 * connected) and the line receiver is reset and ignored. Mains back: the
 * saved block states are driven again. The saved states themselves never
 * change with the supply.
 */
#ifndef UO4_POWER_H
#define UO4_POWER_H

#include <stdbool.h>

#include "uo4.h"

/* Read the supply; on a change, release or restore the outputs. */
void power_update(struct uo4 *d);

/* Drive the outputs for the present supply. */
void power_outputs_apply(struct uo4 *d);

/* True when the battery is below UO4_BATTERY_LOW_MV. */
bool power_battery_low(const struct uo4 *d);

#endif
