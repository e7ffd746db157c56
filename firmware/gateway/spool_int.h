/*
 * spool_int.h - the spool's state, shared by spool.c (batches, chains,
 * acks, merges) and spool_base.c (each channel's baseline and zero mark).
 * Not for callers: they use spool.h.
 */
#ifndef GW_SPOOL_INT_H
#define GW_SPOOL_INT_H

#include <stdint.h>

#include <lmdb.h>

#include "kv.h"

#define KEY   10 /* batch key: obj u16, seq u64 */
#define CHAIN 24 /* chain value: next, acked, sent (u64 each) */

/* One object's batches: in memory as on flash ("chains"). */
struct chain {
	uint16_t obj;	  /* object number */
	uint64_t next;	  /* next seq to give */
	uint64_t acked;	  /* highest ack */
	uint64_t sent;	  /* sent mark */
	unsigned pending; /* batches stored */
};

struct spool {
	kv *k;		      /* environment (borrowed) */
	MDB_dbi batches;      /* [obj u16, seq u64] -> batch JSON text */
	MDB_dbi base;	      /* [addr, ch] -> u32 baseline total; [addr, ch, 'z'] ->
				 empty: a zero under way (spool_zeroing) */
	MDB_dbi meta;	      /* "obj" -> u16 object of the last batch stored */
	MDB_dbi chains;	      /* obj u16 -> next, acked, sent (u64 each) */
	unsigned capacity;    /* most batches kept */
	unsigned pending;     /* batches stored, every object */
	uint16_t obj;	      /* object of new batches */
	uint16_t last_obj;    /* object of the last batch stored, 0 if none */
	struct chain *ch;     /* every object with a chain; ch[0] is obj's */
	size_t nch;	      /* entries */
	unsigned long merges; /* merges since open */
};

#endif
