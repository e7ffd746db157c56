/*
 * test_archive_fixture.h - a real LMDB archive in a temporary directory for
 * the archive's unit tests, and helpers to build batches.
 */
#ifndef TEST_ARCHIVE_FIXTURE_H
#define TEST_ARCHIVE_FIXTURE_H

#include <stdint.h>

#include "audit.h"
#include "batch.h"
#include "kv.h"
#include "registry.h"
#include "store.h"

struct fx {
	char dir[64]; /* temporary directory */
	kv *k;	      /* its environment */
	registry *reg;
	store *s;
	audit *aud;
};

/* Make the directory and open everything (time zone Europe/Moscow). */
void fx_open(struct fx *f);

/* Close and remove the directory. */
void fx_close(struct fx *f);

/* A batch for obj with n readings (chan, total, delta) given as triples
 * in r[0..3n); the caller frees it with batch_free(). */
struct batch *fx_batch(uint16_t obj, uint64_t seq, int64_t ts, size_t n, const uint32_t *r);

/* The clock the tests give batch_parse(): FX_NOW, with ingest's default
 * window; a batch with "rx":FX_RX and a ts near it is in time. */
#define FX_RX  1736000000LL
#define FX_NOW (FX_RX + 10)
extern const struct batch_clock fx_clock;

/* Add a counter event to b (counter_zeroed when zeroed, else
 * counter_decreased) for chan with from (-1: none). */
void fx_counter(struct batch *b, uint16_t chan, bool zeroed, int64_t from);

/* Commit one batch; returns the outcome (caller frees). */
struct store_outcome fx_commit1(struct fx *f, struct batch *b);

/* The high-water mark of obj (its highest seq stored). */
uint64_t fx_hwm(struct fx *f, uint16_t obj);

/* The state of chan on obj; fails the test when the store has none. */
struct store_chan fx_chan_state(struct fx *f, uint16_t obj, uint16_t chan);

/* Sum of a channel's rollup pulses of step over [from, to). */
uint64_t fx_rollup_sum(struct fx *f, enum tb_step step, uint16_t obj, uint16_t chan, int64_t from,
		       int64_t to);

/* registry.set of record k with the JSON text args; asserts it is taken. */
void fx_registry_set(struct fx *f, struct proto_id k, const char *args);

/* One reading of chan on obj per UTC hour of [from, from + 3600 n), at
 * half past, each hour's batch its own commit with seq from *seq + 1 on;
 * the hour's pulses are pulses(i) (the first reading's delta is 0, so hour
 * 0 counts 0). Returns the pulses stored. */
uint64_t fx_hourly(struct fx *f, uint16_t obj, uint16_t chan, int64_t from, size_t n, uint64_t *seq,
		   uint32_t (*pulses)(size_t i));

#endif
