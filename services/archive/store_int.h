/*
 * store_int.h - the store's handle, shared by store.c (write path),
 * store_scan.c (reads, quarantine, retention), store_cover.c (coverage),
 * store_import.c (historical readings) and store_meta.c (schema and zone).
 * Not for other modules: its functions carry a double underscore
 * (store__load_state).
 */
#ifndef AMR_ARCHIVE_STORE_INT_H
#define AMR_ARCHIVE_STORE_INT_H

#include "store.h"

#define STATE_ENTRY 20 /* chan 2, flags 1, spare 1, total 4, period 4, ts 8 */
#define RAW_ENTRY   16 /* chan 2, flags 1, spare 1, total 4, delta 4, period 4 */
#define ROLL_ENTRY  10 /* chan 2, pulses 8 */
#define QUAR_VALUE  16 /* total 4, last total 4, delta 4, state 4 */
/* chan 2, readings 2, quarantined 2, first 2, last 2, flags 1, spare 1,
 * lumped pulses 4 */
#define COVER_ENTRY 16
#define IMPORT_HEAD 20 /* to 8, hours 4, pulses 8; the source's text follows */

/* The archive's schema: "1" before coverage, "2" with hcover and import. */
#define STORE_SCHEMA "2"

/* Bits of a coverage entry's flags. */
enum {
	COVER_IMPORTED = 1, /* the hour's pulses came by archive/import */
};

/* What one hour of one channel adds to its coverage (one COVER_ENTRY). */
struct cov {
	uint16_t chan;	      /* channel */
	uint16_t readings;    /* readings in the hour */
	uint16_t quarantined; /* of them quarantined */
	uint16_t first, last; /* seconds into the hour of the first and last */
	uint8_t flags;	      /* COVER_ */
	uint32_t lumped;      /* pulses of readings after an outage */
};

/* Bits of a quarantine record's state. */
enum {
	QUAR_RESOLVED = 1, /* rebased by an operator */
	QUAR_CLAIM = 2,	   /* STORE_QUAR_DELTA (else STORE_QUAR_DECREASED) */
};

struct upd {
	uint16_t chan;	 /* channel */
	uint64_t pulses; /* to add */
};

/* An object whose batches are refused for a gap, since when (UTC s). */
struct gap_rec {
	uint16_t obj;  /* object */
	int64_t since; /* first refusal */
};

struct gap_set {
	struct gap_rec *v; /* unsorted: few objects are ever in a gap */
	size_t n, cap;
};

struct store {
	kv *k;	       /* environment, borrowed */
	registry *reg; /* registry, borrowed */
	audit *aud;    /* audit trail, borrowed */
	MDB_dbi meta, hwm, state, raw, roll[4], quar, hcover, imp, manual;
	int64_t cover_from; /* hours from here on have coverage (meta) */
	/* scratch of the write path, reused between batches */
	struct store_chan *st; /* decoded state of one object */
	size_t nst, capst;
	uint8_t *buf; /* encoded rollup values */
	size_t capbuf;
	uint8_t *rawbuf; /* encoded raw readings of one batch */
	size_t caprawbuf;
	struct upd *upd; /* rollup additions of one batch */
	size_t capupd;
	struct cov *cov; /* coverage of one batch's readings */
	size_t capcov;
	uint8_t *covbuf; /* encoded coverage values */
	size_t capcovbuf;
	/* gaps being timed: as committed, and the commit in progress's copy */
	struct gap_set gaps, wgaps;
	int64_t gap_wait; /* seconds before a gap is given up, 0 never refuse */
	/* the commit in progress */
	struct batch *const *b;
	size_t n;
	int64_t now;
	struct store_outcome *out;
};

/* Grow *p to hold n elements of size sz; returns 0 or AMR_ENOMEM. */
int store__reserve(void *p, size_t *cap, size_t n, size_t sz);

/* Add s->upd[0..n) (sorted by chan, unique) to the rollup of step holding
 * ts. Returns 0 or an MDB_/AMR_ code. */
int store__add_rollup(store *s, MDB_txn *txn, enum tb_step step, uint16_t obj, int64_t ts,
		      size_t n);

/* Merge u[0..n) (sorted by chan, unique) into object obj's coverage of the
 * UTC hour starting at hour. Returns 0 or an MDB_/AMR_ code. */
int store__cover_add(store *s, MDB_txn *txn, uint16_t obj, int64_t hour, const struct cov *u,
		     size_t n);

/* Walk keys obj | u64 in [from, to) of dbi: cb(ctx, key, value) until it
 * returns non-zero. Returns AMR_OK or AMR_EDB. */
int store__range_scan(MDB_txn *txn, MDB_dbi dbi, uint16_t obj, int64_t from, int64_t to,
		      int (*cb)(void *ctx, const uint8_t *key, const MDB_val *v), void *ctx);

/* Read or set up the schema (upgrading "1"), s->cover_from, and check the
 * zone tz against the archive's. Returns AMR_OK, AMR_EINVAL or AMR_EDB. */
amr_err store__meta_open(store *s, const char *tz);

/* Decode one STATE_ENTRY. */
void store__decode_state(const uint8_t *p, struct store_chan *c);

/* Load object obj's state into s->st / s->nst; returns 0 or an MDB_ code. */
int store__load_state(store *s, MDB_txn *txn, uint16_t obj);

/* Write s->st back as object obj's state; returns 0 or an MDB_ code. */
int store__save_state(store *s, MDB_txn *txn, uint16_t obj);

#endif
