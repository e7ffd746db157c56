#include <string.h>

#include "delta.h"
#include "upbatch.h"

void delta_init(struct delta *d)
{
	memset(d, 0, sizeof *d);
}

static struct delta_chan *chan(struct delta *d, unsigned addr, unsigned ch)
{
	if (addr < GW_ADDR_MIN || addr > GW_ADDR_MAX || ch < 1 || ch > GW_CHANNELS)
		return NULL;
	return &d->ch[addr][ch - 1];
}

void delta_set_base(struct delta *d, unsigned addr, unsigned ch, uint32_t total)
{
	struct delta_chan *c = chan(d, addr, ch);

	if (!c)
		return;
	c->base = total;
	c->known = true;
}

void delta_set_zeroing(struct delta *d, unsigned addr, unsigned ch)
{
	struct delta_chan *c = chan(d, addr, ch);

	if (c)
		c->zeroing = true;
}

bool delta_zeroing(const struct delta *d, unsigned addr, unsigned ch)
{
	if (addr < GW_ADDR_MIN || addr > GW_ADDR_MAX || ch < 1 || ch > GW_CHANNELS)
		return false;
	return d->ch[addr][ch - 1].zeroing;
}

enum delta_kind delta_read(struct delta *d, unsigned addr, unsigned ch, uint32_t total,
			   uint32_t period_ms, bool zeroed, uint32_t *prev)
{
	struct delta_chan *c = chan(d, addr, ch);
	enum delta_kind k;

	if (!c)
		return DELTA_SAME;
	if (!c->seen) {
		c->seen = true;
		if (!c->known) {
			/* A new channel: its total is the starting point. */
			c->latest = total;
			c->period_ms = period_ms;
			c->changed = true;
			c->zeroing = false;
			*prev = total;
			return DELTA_FIRST;
		}
		/* Counted while we were away is latest - base. */
		c->latest = c->base;
	}
	*prev = c->latest;
	if (c->zeroing && total < c->latest)
		zeroed = true;
	c->zeroing = false;
	if (zeroed) {
		c->acc += total;
		k = DELTA_ZEROED;
	} else if (total >= c->latest) {
		c->acc += total - c->latest;
		k = total == c->latest ? DELTA_SAME : DELTA_UP;
	} else {
		k = DELTA_DECREASED;
	}
	if (k != DELTA_SAME || period_ms != c->period_ms)
		c->changed = true;
	c->latest = total;
	c->period_ms = period_ms;
	return k;
}

uint64_t delta_pending(const struct delta *d, unsigned addr, unsigned ch)
{
	if (addr < GW_ADDR_MIN || addr > GW_ADDR_MAX || ch < 1 || ch > GW_CHANNELS)
		return 0;
	return d->ch[addr][ch - 1].acc;
}

int delta_take(struct delta *d, json_t *b, bool full)
{
	int n = 0;

	for (unsigned a = GW_ADDR_MIN; a <= GW_ADDR_MAX; a++) {
		for (unsigned ch = 1; ch <= GW_CHANNELS; ch++) {
			struct delta_chan *c = &d->ch[a][ch - 1];

			if (!c->seen || !(c->changed || full))
				continue;
			if (upbatch_add_reading(b, a, ch, c->latest, c->acc, c->period_ms) != 0)
				return -1;
			c->taken = true;
			n++;
		}
	}
	return n;
}

void delta_commit(struct delta *d)
{
	for (unsigned a = GW_ADDR_MIN; a <= GW_ADDR_MAX; a++) {
		for (unsigned ch = 0; ch < GW_CHANNELS; ch++) {
			struct delta_chan *c = &d->ch[a][ch];

			if (!c->taken)
				continue;
			c->taken = false;
			c->base = c->latest;
			c->known = true;
			c->acc = 0;
			c->changed = false;
		}
	}
}

void delta_abort(struct delta *d)
{
	for (unsigned a = GW_ADDR_MIN; a <= GW_ADDR_MAX; a++)
		for (unsigned ch = 0; ch < GW_CHANNELS; ch++)
			d->ch[a][ch].taken = false;
}

void delta_forget(struct delta *d, unsigned addr)
{
	if (addr < GW_ADDR_MIN || addr > GW_ADDR_MAX)
		return;
	memset(d->ch[addr], 0, sizeof d->ch[addr]);
}
