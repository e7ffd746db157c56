#include "outputs.h"

unsigned outputs_take(struct outputs *o, const uint8_t coils[OUTPUTS_N], bool *first)
{
	unsigned changed = 0;

	*first = !o->known;
	for (unsigned i = 0; i < OUTPUTS_N; i++) {
		uint8_t on = coils[i] != 0;

		if (o->known && o->coils[i] != on)
			changed |= 1u << i;
		o->coils[i] = on;
	}
	o->known = true;
	return changed;
}

unsigned outputs_next(unsigned *cursor, bool (*eligible)(void *ctx, unsigned addr), void *ctx)
{
	unsigned a = *cursor >= 1 && *cursor <= UO4_ADDR_MAX ? *cursor : UO4_ADDR_MAX;

	for (unsigned n = 0; n < UO4_ADDR_MAX; n++) {
		a = a % UO4_ADDR_MAX + 1;
		if (eligible(ctx, a)) {
			*cursor = a;
			return a;
		}
	}
	return 0;
}
