#include "counter.h"

void counter_init(struct counter *c, uint32_t total, uint32_t now_ms)
{
	c->total = total;
	c->period_ms = 0;
	c->last_pulse_ms = 0;
	c->raw_since_ms = now_ms;
	c->have_pulse = false;
	c->raw = false;
	c->stable = false;
}

/* Accept the raw level if it has held for debounce_ms as of now_ms. */
static bool settle(struct counter *c, uint32_t now_ms, uint16_t debounce_ms)
{
	if (c->raw == c->stable || (uint32_t)(now_ms - c->raw_since_ms) < debounce_ms)
		return false;
	c->stable = c->raw;
	if (!c->stable)
		return false;
	if (c->have_pulse)
		c->period_ms = c->raw_since_ms - c->last_pulse_ms;
	c->last_pulse_ms = c->raw_since_ms;
	c->have_pulse = true;
	c->total++;
	return true;
}

bool counter_sample(struct counter *c, bool level, uint32_t now_ms, uint16_t debounce_ms)
{
	/* Judge the level that held until now before taking the new one: with
	 * edge-driven sampling the end of a pulse is the first we hear of its
	 * length. */
	bool counted = settle(c, now_ms, debounce_ms);

	if (level != c->raw) {
		c->raw = level;
		c->raw_since_ms = now_ms;
	}
	/* debounce_ms == 0: a new level is good at once. */
	if (settle(c, now_ms, debounce_ms))
		counted = true;
	return counted;
}

uint32_t counter_period(const struct counter *c, uint32_t now_ms)
{
	uint32_t since;

	if (c->period_ms == 0)
		return 0;
	since = now_ms - c->last_pulse_ms;
	return since > c->period_ms ? since : c->period_ms;
}

void counter_zero(struct counter *c)
{
	c->total = 0;
	c->period_ms = 0;
	c->have_pulse = false;
}
