/*
 * regs.h - the UO-4 register map (uo4_map.h, docs/uo4.md) behind the
 * Modbus slave: what each register reads and what a write does.
 */
#ifndef UO4_REGS_H
#define UO4_REGS_H

#include "uo4.h"

/* Point d->map at d and the handlers of this map. */
void regs_map_init(struct uo4 *d);

#endif
