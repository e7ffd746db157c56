#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <modbus/modbus.h>

#include "err.h"
#include "log.h"
#include "poller.h"

#define QUEUE_MAX 16

struct poller {
	struct poller_opts o; /* options; device is poller_create()'s copy */
	pthread_t thread;
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t wake;  /* a command came or stop */
	bool stop;
	bool list_changed;	  /* poller_set_list() since the wait began */
	uint8_t list[16];	  /* poll list */
	uint8_t coils_wanted[16]; /* read coils with the next poll */
	struct poller_cmd queue[QUEUE_MAX];
	unsigned qhead, qlen;
	modbus_t *mb; /* thread only */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool bit(const uint8_t *bits, unsigned a)
{
	return (bits[a / 8] >> (a % 8)) & 1;
}

static void deliver(void *arg);

/* Hand a copy of r to the loop thread. */
static void post(poller *p, const struct poll_result *r)
{
	struct poll_result *copy = malloc(sizeof *copy + sizeof(poller *));

	if (!copy) {
		log_error("poller: out of memory, result of %u dropped", r->addr);
		return;
	}
	*copy = *r;
	memcpy(copy + 1, &p, sizeof p);
	if (loop_post(p->o.l, deliver, copy, free) != AMR_OK)
		free(copy);
}

static void deliver(void *arg)
{
	struct poll_result *r = arg;
	poller *p;

	memcpy(&p, r + 1, sizeof p);
	p->o.on_result(p->o.ctx, r);
	free(r);
}

static bool read_regs(poller *p, unsigned addr, uint16_t *regs)
{
	modbus_set_slave(p->mb, (int)addr);
	return modbus_read_input_registers(p->mb, UO4_IN_TOTAL, UO4_IN_REGS, regs) == UO4_IN_REGS;
}

static bool read_coils(poller *p, unsigned addr, uint8_t *coils)
{
	modbus_set_slave(p->mb, (int)addr);
	return modbus_read_bits(p->mb, UO4_COIL_OF(1), UO4_COILS, coils) == UO4_COILS;
}

static void run_cmd(poller *p, const struct poller_cmd *c)
{
	struct poll_result r = { .kind = PRES_CMD, .addr = c->addr, .cmd = *c };

	switch (c->kind) {
	case PCMD_ZERO:
		if (!read_regs(p, c->addr, r.regs)) {
			snprintf(r.error, sizeof r.error, "device %03u does not answer", c->addr);
			break;
		}
		modbus_set_slave(p->mb, (int)c->addr);
		if (modbus_write_register(p->mb, UO4_HR_ZERO, (uint16_t)c->ch) != 1) {
			snprintf(r.error, sizeof r.error,
				 "device %03u refused the zero command: %s", c->addr,
				 modbus_strerror(errno));
			break;
		}
		r.has_after = read_regs(p, c->addr, r.regs_after);
		r.ok = true;
		break;
	case PCMD_CHADDR:
		if (!read_regs(p, c->addr, r.regs)) {
			snprintf(r.error, sizeof r.error, "device %03u does not answer", c->addr);
			break;
		}
		modbus_set_slave(p->mb, (int)c->addr);
		/* The device may answer from its old or new address, or not at
		 * all: whether it moved is what the read at the new one says. */
		modbus_write_register(p->mb, UO4_HR_ADDRESS, (uint16_t)c->to);
		for (int i = 0; i < 3 && !r.ok; i++)
			r.ok = read_regs(p, c->to, r.regs_after);
		r.has_after = r.ok;
		if (!r.ok)
			snprintf(r.error, sizeof r.error,
				 "device does not answer at %03u after the change", c->to);
		break;
	case PCMD_READ:
		r.ok = read_regs(p, c->addr, r.regs);
		if (!r.ok)
			snprintf(r.error, sizeof r.error, "device %03u does not answer", c->addr);
		break;
	case PCMD_OUTPUT:
		modbus_set_slave(p->mb, (int)c->addr);
		if (modbus_write_bit(p->mb, (int)UO4_COIL_OF(c->out), c->on) != 1) {
			snprintf(r.error, sizeof r.error, "device %03u: output %u not written: %s",
				 c->addr, c->out, modbus_strerror(errno));
			break;
		}
		r.has_coils = read_coils(p, c->addr, r.coils);
		if (!r.has_coils)
			snprintf(r.error, sizeof r.error, "device %03u: outputs not read back",
				 c->addr);
		else if ((r.coils[c->out - 1] != 0) != c->on)
			snprintf(r.error, sizeof r.error, "device %03u: output %u reads %s",
				 c->addr, c->out, r.coils[c->out - 1] ? "blocked" : "released");
		else
			r.ok = true;
		break;
	}
	post(p, &r);
}

/* Run queued commands; returns false when stopping. */
static bool run_queue(poller *p)
{
	for (;;) {
		struct poller_cmd c;

		pthread_mutex_lock(&p->lock);
		if (p->stop || p->qlen == 0) {
			bool stop = p->stop;

			pthread_mutex_unlock(&p->lock);
			return !stop;
		}
		c = p->queue[p->qhead];
		p->qhead = (p->qhead + 1) % QUEUE_MAX;
		p->qlen--;
		pthread_mutex_unlock(&p->lock);
		run_cmd(p, &c);
	}
}

static bool open_bus(poller *p)
{
	struct poll_result r = { .kind = PRES_BUS };

	p->mb = modbus_new_rtu(p->o.device, p->o.baud, 'N', 8, 1);
	if (p->mb && modbus_connect(p->mb) == 0) {
		modbus_set_response_timeout(p->mb, p->o.reply_ms / 1000,
					    (p->o.reply_ms % 1000) * 1000);
		modbus_set_byte_timeout(p->mb, 0, 100 * 1000);
		modbus_set_error_recovery(p->mb, MODBUS_ERROR_RECOVERY_PROTOCOL);
		r.ok = true;
		post(p, &r);
		return true;
	}
	snprintf(r.error, sizeof r.error, "cannot open %s: %s", p->o.device,
		 modbus_strerror(errno));
	if (p->mb)
		modbus_free(p->mb);
	p->mb = NULL;
	post(p, &r);
	return false;
}

/* Sleep until deadline (monotonic ms) unless a command or stop comes. */
static void wait_until(poller *p, uint64_t deadline)
{
	pthread_mutex_lock(&p->lock);
	p->list_changed = false;
	while (!p->stop && p->qlen == 0 && !p->list_changed) {
		uint64_t now = now_ms();
		struct timespec ts;

		if (now >= deadline)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)((deadline - now) / 1000);
		ts.tv_nsec += (long)((deadline - now) % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->wake, &p->lock, &ts);
	}
	pthread_mutex_unlock(&p->lock);
}

static void *run(void *arg)
{
	poller *p = arg;
	bool failed_once = false;

	while (!p->stop) {
		if (!p->mb) {
			if (!open_bus(p)) {
				if (!failed_once)
					log_warn("poller: cannot open %s, retrying every second",
						 p->o.device);
				failed_once = true;
				wait_until(p, now_ms() + 1000);
				continue;
			}
			log_info("poller: %s open at %d baud", p->o.device, p->o.baud);
		}
		uint64_t start = now_ms();
		struct poll_result cyc = { .kind = PRES_CYCLE };

		for (unsigned a = 1; a <= UO4_ADDR_MAX; a++) {
			struct poll_result r = { .kind = PRES_READ, .addr = a };
			bool listed, coils;

			if (!run_queue(p))
				return NULL;
			pthread_mutex_lock(&p->lock);
			listed = bit(p->list, a);
			coils = bit(p->coils_wanted, a);
			pthread_mutex_unlock(&p->lock);
			if (!listed)
				continue;
			cyc.devices++;
			r.ok = read_regs(p, a, r.regs);
			if (r.ok && coils) {
				r.has_coils = read_coils(p, a, r.coils);
				if (r.has_coils) {
					pthread_mutex_lock(&p->lock);
					p->coils_wanted[a / 8] &= (uint8_t) ~(1u << (a % 8));
					pthread_mutex_unlock(&p->lock);
				}
			}
			cyc.answered += r.ok;
			post(p, &r);
		}
		cyc.cycle_ms = now_ms() - start;
		if (cyc.devices)
			post(p, &cyc);
		if (!run_queue(p))
			break;
		/* An empty list must not spin; poller_set_list() wakes us. */
		wait_until(p, start + (cyc.devices || p->o.interval_ms > 200 ? p->o.interval_ms
									     : 200));
	}
	return NULL;
}

int poller_create(poller **out, const struct poller_opts *o)
{
	poller *p = calloc(1, sizeof *p);

	if (!p)
		return AMR_ENOMEM;
	p->o = *o;
	p->o.device = strdup(o->device);
	if (!p->o.device) {
		free(p);
		return AMR_ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (pthread_create(&p->thread, NULL, run, p) != 0) {
		log_error("poller: cannot start the thread");
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		free((char *)p->o.device);
		free(p);
		return AMR_EIO;
	}
	*out = p;
	return AMR_OK;
}

void poller_destroy(poller *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	if (p->mb) {
		modbus_close(p->mb);
		modbus_free(p->mb);
	}
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free((char *)p->o.device);
	free(p);
}

void poller_set_list(poller *p, const uint8_t bits[16])
{
	pthread_mutex_lock(&p->lock);
	memcpy(p->list, bits, sizeof p->list);
	p->list_changed = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

int poller_submit(poller *p, const struct poller_cmd *c)
{
	int rc = AMR_EFULL;

	pthread_mutex_lock(&p->lock);
	if (p->qlen < QUEUE_MAX) {
		p->queue[(p->qhead + p->qlen) % QUEUE_MAX] = *c;
		p->qlen++;
		pthread_cond_broadcast(&p->wake);
		rc = AMR_OK;
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void poller_want_coils(poller *p, unsigned addr)
{
	if (addr < 1 || addr > UO4_ADDR_MAX)
		return;
	pthread_mutex_lock(&p->lock);
	p->coils_wanted[addr / 8] |= (uint8_t)(1u << (addr % 8));
	pthread_mutex_unlock(&p->lock);
}
