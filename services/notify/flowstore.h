/*
 * flowstore.h - the channels' flow states (flow.h) kept in amr-notify's
 * LMDB environment, so that a restart goes on where it stopped:
 *
 *   flow  obj u16 BE | addr u8 | ch u8 -> version u32 | size u32 | struct flow_state
 *
 * A record of another version or size (another build's struct) is
 * skipped: that channel learns again from its next readings. Loop thread.
 */
#ifndef AMR_NOTIFY_FLOWSTORE_H
#define AMR_NOTIFY_FLOWSTORE_H

#include <stddef.h>

#include "err.h"
#include "flow.h"
#include "kv.h"
#include "proto.h"

typedef struct flowstore flowstore;

/* The states in environment k (borrowed). Returns AMR_OK, AMR_ENOMEM or
 * AMR_EDB. */
amr_err flowstore_open(flowstore **out, kv *k);

/* Free. Accepts NULL. */
void flowstore_close(flowstore *f);

/* Call fn for every stored state of this build (borrowed for the call).
 * Returns AMR_OK or AMR_EDB. */
amr_err flowstore_each(flowstore *f,
		       void (*fn)(const struct proto_id *id, const struct flow_state *st,
				  void *arg),
		       void *arg);

/* Store the n states st[i] of channels id[i] in one transaction. Returns
 * AMR_OK, AMR_EIO, AMR_EFULL or AMR_EDB. */
amr_err flowstore_put(flowstore *f, const struct proto_id *id, const struct flow_state *const *st,
		      size_t n);

#endif
