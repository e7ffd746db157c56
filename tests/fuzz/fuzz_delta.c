/*
 * fuzz_delta.c - libFuzzer target: what the gateway makes of the totals
 * it reads from the UO-4s (firmware/gateway/delta.c with upbatch.c: the
 * deltas of a batch; docs/reliability.md), checked for pulse
 * conservation.
 *
 * The input is a program of one-byte operations on 6 channels (addresses
 * 1..3, inputs 1..2) of simulated devices whose totals only the fuzzer
 * moves: pulses counted, a total read (delta_read), the zero command as
 * gw.c runs it (the total read, a batch stored with the zero's mark on
 * flash, the counter zeroed, pulses, then the total read again as zeroed,
 * or that result not seen: delta_set_zeroing), a batch taken and stored
 * (delta_take, delta_commit, and the marks of told zeros cleared) or taken
 * and lost (delta_abort), and a restart of the gateway (a new tracker
 * whose baselines are the stored ones and whose zero marks are
 * delta_set_zeroing(), as the spool keeps them on flash). After each
 * operation, for every channel read at least once (and since a restart):
 * the pulses of the stored batches plus those pending are exactly the
 * pulses the device had counted, when last read, since its first read;
 * and a batch's reading carries the total last read and the pending
 * pulses. Left out, as docs/gateway.md says they are lost: a meter that
 * counts, after a zero not yet told, as many pulses as the total before
 * it (taken as no zero).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "delta.h"
#include "upbatch.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define NCHAN 6

struct sim {
	uint32_t total;	  /* the device's counter */
	uint64_t counted; /* pulses since the first read */
	uint64_t at_read; /* counted when last read */
	bool read;	  /* read once: counting started */
	bool unread;	  /* not read since a restart */
	uint64_t stored;  /* pulses of stored batches */
	uint32_t base;	  /* total of the last stored batch (the flash) */
	bool based;	  /* a batch with it was stored */
	bool mark;	  /* the zero's mark on flash */
	bool told;	  /* the total after that zero was read */
};

static struct delta d;
static struct sim sim[NCHAN];

static unsigned addr_of(int k)
{
	return 1 + (unsigned)k / 2;
}

static unsigned ch_of(int k)
{
	return 1 + (unsigned)k % 2;
}

static void pulses(int k, unsigned n)
{
	sim[k].total += n;
	if (sim[k].read)
		sim[k].counted += n;
}

static void read_total(int k, bool zeroed)
{
	uint32_t prev = 0;

	delta_read(&d, addr_of(k), ch_of(k), sim[k].total, 1000, zeroed, &prev);
	sim[k].read = true;
	sim[k].unread = false;
	sim[k].at_read = sim[k].counted;
	sim[k].told = true; /* a zero's mark, if any, is told by this read */
}

/* Take a batch; store it (commit) or lose it (abort). */
static void batch(bool full, bool store)
{
	json_t *b = upbatch_new(1763600000), *r;
	size_t i;
	int n = delta_take(&d, b, full);

	CHECK(n >= 0 && (size_t)n == json_array_size(json_object_get(b, "readings")));
	json_array_foreach(json_object_get(b, "readings"), i, r) {
		unsigned a = (unsigned)json_integer_value(json_object_get(r, "addr"));
		unsigned ch = (unsigned)json_integer_value(json_object_get(r, "ch"));
		int k = (int)((a - 1) * 2 + ch - 1);
		json_int_t delta = json_integer_value(json_object_get(r, "delta"));

		CHECK(a >= 1 && a <= 3 && ch >= 1 && ch <= 2 && sim[k].read);
		CHECK((uint64_t)delta == delta_pending(&d, a, ch));
		CHECK((uint32_t)json_integer_value(json_object_get(r, "total")) ==
		      d.ch[a][ch - 1].latest);
		if (store) {
			sim[k].stored += (uint64_t)delta;
			sim[k].base = d.ch[a][ch - 1].latest;
			sim[k].based = true;
		}
	}
	if (store) {
		delta_commit(&d);
		for (int j = 0; j < NCHAN; j++) /* gw.c: clear_zero_marks() */
			if (sim[j].mark && sim[j].told)
				sim[j].mark = false;
	} else {
		delta_abort(&d);
	}
	json_decref(b);
}

/* The total the next read of k is compared with. */
static uint32_t ref_of(int k)
{
	const struct delta_chan *c = &d.ch[addr_of(k)][ch_of(k) - 1];

	return c->seen ? c->latest : c->base;
}

/* gw.c's zero: the totals read and stored with the mark, the zero, a few
 * pulses, and the total after it read (told) or not (unsure). */
static void zero(int k, unsigned n, bool seen)
{
	if (!sim[k].read || sim[k].unread)
		return;
	read_total(k, false);
	batch(false, true);
	sim[k].mark = true;
	sim[k].told = false;
	sim[k].total = 0;
	if (n >= ref_of(k)) /* counted past the old total: left out */
		n = 0;
	pulses(k, n);
	if (seen) {
		read_total(k, true);
		sim[k].told = true;
	} else {
		delta_set_zeroing(&d, addr_of(k), ch_of(k));
	}
}

/* A channel never stored has no baseline on flash: after the restart its
 * first read is a new starting point, and counting starts again. A
 * channel with a zero's mark has delta_set_zeroing(). */
static void restart(void)
{
	delta_init(&d);
	for (int k = 0; k < NCHAN; k++) {
		if (sim[k].based) {
			delta_set_base(&d, addr_of(k), ch_of(k), sim[k].base);
			sim[k].unread = true;
			if (sim[k].mark) {
				delta_set_zeroing(&d, addr_of(k), ch_of(k));
				sim[k].told = false;
			}
		} else {
			sim[k].read = false;
			sim[k].counted = sim[k].at_read = 0;
		}
	}
}

static void check(void)
{
	for (int k = 0; k < NCHAN; k++) {
		if (!sim[k].read || sim[k].unread)
			continue;
		CHECK(sim[k].stored + delta_pending(&d, addr_of(k), ch_of(k)) == sim[k].at_read);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(sim, 0, sizeof sim);
	delta_init(&d);
	for (size_t i = 0; i < size; i++) {
		int k = (data[i] >> 3) % NCHAN;
		bool ambiguous = false;

		switch (data[i] & 7) {
		case 0:
		case 1: /* past the old total while a zero is untold: left out */
			if (!delta_zeroing(&d, addr_of(k), ch_of(k)) ||
			    sim[k].total + 1u + (data[i] >> 3) < ref_of(k))
				pulses(k, 1u + (data[i] >> 3));
			break;
		case 2:
			read_total(k, false);
			break;
		case 3: /* the zero command */
			zero(k, (data[i] >> 6) & 1 ? 3 : 1, data[i] & 0x80);
			break;
		case 4:
			batch(data[i] & 0x80, true);
			break;
		case 5:
			batch(data[i] & 0x80, false);
			break;
		case 6: /* a mark whose meter counted past the baseline: left out */
			for (int j = 0; j < NCHAN; j++)
				ambiguous |= sim[j].mark && sim[j].total >= sim[j].base;
			if (!ambiguous)
				restart();
			break;
		default:
			for (int j = 0; j < NCHAN; j++)
				read_total(j, false);
			break;
		}
		check();
	}
	return 0;
}
