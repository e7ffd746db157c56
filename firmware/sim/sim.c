#include "sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define BATTERY_FULL_MS ((uint64_t)SIM_BATTERY_DAYS * 24u * 3600u * 1000u)

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

double sim_tz_offset_h(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return (double)tm.tm_gmtoff / 3600.0;
}

/* The firmware's transmit hook: to the master, when on the bus. */
static void dev_tx(void *ctx, struct hal *h, const uint8_t *buf, size_t n)
{
	struct sim_dev *d = ctx;

	(void)h;
	if (d->plugged && d->sim->bus)
		bus_send(d->sim->bus, buf, n, bus_now_us());
}

uint16_t sim_battery_mv(const struct sim_dev *d)
{
	return (uint16_t)(SIM_BATTERY_EMPTY_MV + (SIM_BATTERY_FULL_MV - SIM_BATTERY_EMPTY_MV) *
							 d->battery_ms / BATTERY_FULL_MS);
}

static uint32_t dev_clock(const struct sim_dev *d, uint64_t t_ms)
{
	return (uint32_t)(t_ms + d->warp_ms - d->boot_ms);
}

static void dev_poll(struct sim_dev *d, uint64_t t_ms)
{
	if (!d->powered)
		return;
	d->hal.clock_ms = dev_clock(d, t_ms);
	d->hal.line_us = (uint32_t)bus_now_us();
	d->hal.battery_mv = sim_battery_mv(d);
	uo4_poll(&d->fw);
}

static void dev_boot(struct sim *s, struct sim_dev *d)
{
	int rc;

	d->powered = true;
	d->boot_ms = s->now_ms;
	d->warp_ms = 0;
	d->hal.clock_ms = 0;
	d->hal.line_us = (uint32_t)bus_now_us();
	d->hal.battery_mv = sim_battery_mv(d);
	hal_sim_rx_clear(&d->hal);
	rc = uo4_boot(&d->fw, &d->hal);
	if (rc != JOURNAL_OK && rc != JOURNAL_EBLANK)
		log_warn("slot %d: NV memory mount result %d, status bit nvm error set", d->slot,
			 rc);
	log_info("slot %d: powered up at address %u, totals %u %u %u %u", d->slot,
		 uo4_address(&d->fw), uo4_total(&d->fw, 0), uo4_total(&d->fw, 1),
		 uo4_total(&d->fw, 2), uo4_total(&d->fw, 3));
}

static void dev_die(struct sim_dev *d)
{
	d->powered = false;
	d->hal.outputs = 0; /* an unpowered open collector lets go */
	hal_sim_rx_clear(&d->hal);
}

/* The house meters' device, in the slot after the flats'; NULL on error
 * (logged). */
static struct sim_dev *open_house(struct sim *s, const struct sim_opts *o)
{
	struct sim_dev *d;
	char path[1024];
	bool created;

	if (s->n >= (int)SIM_MAX_DEVICES) {
		log_error("no address left for the house meters (%d devices)", s->n);
		return NULL;
	}
	d = &s->dev[s->n];
	memset(d, 0, sizeof *d);
	d->sim = s;
	d->slot = s->n + 1;
	d->plugged = true;
	d->house = true;
	d->battery_ms = BATTERY_FULL_MS;
	snprintf(path, sizeof path, "%s/uo4-%03d.nvm", o->state_dir, d->slot);
	if (hal_sim_open(&d->hal, path, o->baud, dev_tx, d, &created) != 0)
		return NULL;
	s->n++;
	for (unsigned c = 0; c < HAL_CHANNELS; c++)
		sim_house_meter(&d->gen[c], c, o->kinds, o->seed, s->n - 1, s->now_ms, s->tz_h);
	dev_boot(s, d);
	if (created && uo4_set_address(&d->fw, (uint8_t)d->slot) != 0)
		log_warn("slot %d: could not store its address", d->slot);
	log_info("slot %d: the house meters, 1 pulse per %d of the flats' plus %d per mille; "
		 "input %d heat (%s)",
		 d->slot, SIM_HOUSE_RATIO, SIM_HOUSE_EXTRA_PERMILLE, SIM_HOUSE_HEAT_INPUT,
		 gen_kind_name(d->gen[SIM_HOUSE_HEAT_INPUT - 1].kind));
	return d;
}

uint64_t sim_meter_seed(uint64_t seed, int slot, unsigned c)
{
	return seed * 1000003u + (uint64_t)slot * 16u + c;
}

bool sim_house_mirrors(unsigned c)
{
	return c != SIM_HOUSE_HEAT_INPUT - 1;
}

void sim_house_meter(struct gen *g, unsigned c, const enum gen_kind *kinds, uint64_t seed,
		     int flats, uint64_t now_ms, double tz_h)
{
	bool heat = !sim_house_mirrors(c) && kinds[c] != GEN_NONE;

	gen_init(g, heat ? GEN_HEAT : GEN_NONE, sim_meter_seed(seed, flats + 1, c), now_ms, tz_h);
	if (heat)
		gen_serve(g, flats, now_ms);
}

uint64_t sim_house_share(uint32_t *acc, uint64_t n)
{
	const uint64_t whole = 1000u * SIM_HOUSE_RATIO;
	uint64_t sum = *acc + n * (1000u + SIM_HOUSE_EXTRA_PERMILLE);

	*acc = (uint32_t)(sum % whole);
	return sum / whole;
}

int sim_open(struct sim *s, const struct sim_opts *o, struct bus *bus, uint64_t real_now_us)
{
	char path[1024];

	s->n = 0;
	s->house = NULL;
	s->bus = bus;
	s->speed = o->speed;
	s->tz_h = sim_tz_offset_h();
	s->real_base_us = real_now_us;
	s->sim_base_ms = wall_ms();
	s->now_ms = s->sim_base_ms;
	s->paused = false;
	for (int i = 0; i < o->devices; i++) {
		struct sim_dev *d = &s->dev[i];
		bool created;

		memset(d, 0, sizeof *d);
		d->sim = s;
		d->slot = i + 1;
		d->plugged = true;
		d->battery_ms = BATTERY_FULL_MS;
		snprintf(path, sizeof path, "%s/uo4-%03d.nvm", o->state_dir, d->slot);
		if (hal_sim_open(&d->hal, path, o->baud, dev_tx, d, &created) != 0)
			goto out_close;
		s->n++;
		for (unsigned c = 0; c < HAL_CHANNELS; c++)
			gen_init(&d->gen[c], o->kinds[c], sim_meter_seed(o->seed, d->slot, c),
				 s->now_ms, s->tz_h);
		dev_boot(s, d);
		if (created && uo4_set_address(&d->fw, (uint8_t)d->slot) != 0)
			log_warn("slot %d: could not store its address", d->slot);
	}
	if (o->house && (s->house = open_house(s, o)) == NULL)
		goto out_close;
	return 0;

out_close:
	sim_close(s);
	return -1;
}

void sim_close(struct sim *s)
{
	for (int i = 0; i < s->n; i++)
		hal_sim_close(&s->dev[i].hal);
	s->n = 0;
}

static uint64_t next_event(const struct sim_dev *d, unsigned c)
{
	if (d->wave_i[c] < d->wave_n[c])
		return d->wave[c][d->wave_i[c]].t_ms;
	if (d->house && sim_house_mirrors(c))
		return d->house_pending[c] ? d->house_free_ms[c] : UINT64_MAX;
	return d->gen[c].next_ms;
}

/* A flat's meter on input c began a pulse at t: the house meter's share. */
static void house_feed(struct sim *s, unsigned c, uint64_t t)
{
	struct sim_dev *h = s->house;

	if (!sim_house_mirrors(c))
		return;
	h->house_in[c]++;
	if (sim_house_share(&h->house_acc[c], 1) && !h->house_pending[c]++ &&
	    h->house_free_ms[c] < t)
		h->house_free_ms[c] = t;
}

/* The house meter's next pulse on input c, at t: closed, then open. */
static void house_pulse(struct sim_dev *h, unsigned c, uint64_t t)
{
	h->house_pending[c]--;
	h->house_given[c]++;
	h->house_free_ms[c] = t + 2 * SIM_HOUSE_PULSE_MS;
	h->wave[c][0] = (struct gen_edge){ t, true };
	h->wave[c][1] = (struct gen_edge){ t + SIM_HOUSE_PULSE_MS, false };
	h->wave_n[c] = 2;
	h->wave_i[c] = 0;
}

/* One edge or pulse start on input c at t. */
static void apply_event(struct sim *s, struct sim_dev *d, unsigned c, uint64_t t)
{
	if (d->wave_i[c] < d->wave_n[c]) {
		struct gen_edge *e = &d->wave[c][d->wave_i[c]++];

		if (e->level)
			d->hal.inputs |= (uint8_t)(1u << c);
		else
			d->hal.inputs &= (uint8_t) ~(1u << c);
		dev_poll(d, t);
		return;
	}
	if (d->house && sim_house_mirrors(c)) {
		house_pulse(d, c, t);
		return;
	}
	d->wave_n[c] = (uint8_t)gen_take(&d->gen[c], d->wave[c]);
	d->wave_i[c] = 0;
	/* A closed valve or open contactor: nothing flows, nothing pulses. */
	if (s->paused || ((d->hal.outputs >> c) & 1u)) {
		if (!s->paused)
			d->blocked_pulses++;
		d->wave_n[c] = 0;
	} else if (d->house) {
		d->house_given[c]++; /* the heat meter */
	} else if (s->house) {
		house_feed(s, c, t);
	}
}

static void dev_run_to(struct sim *s, struct sim_dev *d, uint64_t t)
{
	for (;;) {
		uint64_t best = UINT64_MAX;
		unsigned which = 0;

		for (unsigned c = 0; c < HAL_CHANNELS; c++) {
			uint64_t e = next_event(d, c);

			if (e < best) {
				best = e;
				which = c;
			}
		}
		if (best > t)
			break;
		apply_event(s, d, which, best);
	}
	dev_poll(d, t);
}

void sim_advance(struct sim *s, uint64_t real_now_us)
{
	uint64_t now = s->sim_base_ms +
		       (uint64_t)((double)(real_now_us - s->real_base_us) / 1000.0 * s->speed);
	uint64_t dt;

	if (now < s->now_ms)
		now = s->now_ms;
	dt = now - s->now_ms;
	s->now_ms = now;
	for (int i = 0; i < s->n; i++) {
		struct sim_dev *d = &s->dev[i];

		if (!d->hal.mains && d->powered) {
			d->battery_ms = d->battery_ms > dt ? d->battery_ms - dt : 0;
			if (d->battery_ms == 0) {
				log_warn("slot %d: battery flat, device off until mains returns",
					 d->slot);
				dev_die(d);
			}
		}
		dev_run_to(s, d, now);
	}
}

void sim_rx(struct sim *s, const uint8_t *buf, size_t n, uint64_t real_now_us)
{
	s->last_rx_us = real_now_us;
	for (int i = 0; i < s->n; i++) {
		struct sim_dev *d = &s->dev[i];

		if (!d->plugged || !d->powered)
			continue;
		for (size_t k = 0; k < n; k++)
			hal_sim_rx_push(&d->hal, buf[k], (uint32_t)real_now_us);
	}
}

void sim_set_speed(struct sim *s, double speed, uint64_t real_now_us)
{
	sim_advance(s, real_now_us);
	s->real_base_us = real_now_us;
	s->sim_base_ms = s->now_ms;
	s->speed = speed;
}

struct sim_dev *sim_find(struct sim *s, const char *name, const char **why)
{
	struct sim_dev *found = NULL;
	bool slot = name[0] == '@';
	char *end;
	long v;

	errno = 0;
	v = strtol(name + slot, &end, 10);
	if (errno || end == name + slot || *end != '\0' || v < 1 || v > UO4_ADDR_MAX) {
		*why = "a device is an address 1..127 or @slot";
		return NULL;
	}
	for (int i = 0; i < s->n; i++) {
		struct sim_dev *d = &s->dev[i];

		if (slot ? d->slot != v : uo4_address(&d->fw) != v)
			continue;
		if (found) {
			*why = "several devices have that address; name one by @slot";
			return NULL;
		}
		found = d;
	}
	if (!found)
		*why = slot ? "no such slot" : "no device has that address";
	return found;
}

void sim_mains(struct sim *s, struct sim_dev *d, bool on)
{
	if (d->hal.mains == on)
		return;
	d->hal.mains = on;
	log_info("slot %d address %u: mains %s", d->slot, uo4_address(&d->fw), on ? "on" : "off");
	if (on && !d->powered)
		dev_boot(s, d);
	else
		dev_poll(d, s->now_ms);
}

void sim_reboot(struct sim *s, struct sim_dev *d)
{
	dev_die(d);
	dev_boot(s, d);
	dev_poll(d, s->now_ms);
}

/* Set input c to level and let the firmware see it, dt ms later. */
static void step(struct sim *s, struct sim_dev *d, unsigned c, bool level, uint32_t dt)
{
	if (level)
		d->hal.inputs |= (uint8_t)(1u << c);
	else
		d->hal.inputs &= (uint8_t) ~(1u << c);
	dev_poll(d, s->now_ms);
	d->warp_ms += dt;
	dev_poll(d, s->now_ms);
}

int sim_pulse(struct sim *s, struct sim_dev *d, unsigned ch, uint32_t n)
{
	uint32_t hold = (uint32_t)d->fw.cfg.debounce_ms + 1u;

	if (!d->powered)
		return -1;
	/* End a generated pulse under way, and start from a settled open
	 * contact. */
	d->wave_n[ch] = 0;
	d->wave_i[ch] = 0;
	step(s, d, ch, false, hold);
	for (uint32_t i = 0; i < n; i++) {
		step(s, d, ch, true, hold);
		step(s, d, ch, false, hold);
	}
	return 0;
}

void sim_leak(struct sim *s, struct sim_dev *d, unsigned ch, double hours, double rate)
{
	struct gen *g = &d->gen[ch];
	uint64_t first = s->now_ms + (uint64_t)(3600000.0 / rate);

	g->leak_until_ms = s->now_ms + (uint64_t)(hours * 3600000.0);
	g->leak_rate = rate;
	/* The meter starts turning within one leak interval, not after the
	 * pulse it had scheduled for later (at night that may be hours). */
	if (g->kind != GEN_NONE && g->next_ms > first)
		g->next_ms = first;
}
