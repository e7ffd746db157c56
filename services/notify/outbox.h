/*
 * outbox.h - the messages amr-notify owes, kept in its LMDB environment
 * until a channel's server took them (docs/notify.md, "Delivery"):
 *
 *   outbox  id u64 -> the message's JSON
 *   due     next try u64, id u64 -> "" (the queued ones, soonest first)
 *   ref     a caller's ref -> id u64 (a message another service asked for,
 *           notify/send: its idempotency key)
 *
 * A message is written "queued" in the write transaction of the alarm it
 * tells (outbox_put_txn), so an alarm is never stored without its
 * messages. Only the loop thread touches LMDB; one sender thread does the
 * network. The loop takes the soonest due message, marks it "sending"
 * (committed) and hands a copy to the sender, which calls the channel
 * (transport.h) and posts the outcome back; the loop records it: "sent";
 * queued again after a refusal that may pass (retry_s, then doubling up
 * to an hour, at most max_attempts tries in all); "failed" with the
 * reason. A message found "sending" when the outbox opens was cut off by
 * a crash between the hand-over and the record: it is sent again (at
 * least once; its key makes a duplicate recognisable). One message is
 * with the sender at a time.
 *
 *   {"id":3,"alarm":17,"channel":"email","contact":"ivan","to":"..",
 *    "subject":"..","body":"..","key":"17.3","state":"queued"|"sending"|
 *    "sent"|"failed","attempts":1,"next":T,"why":"..","created":T,"done":T,
 *    "ref"?:"billing/restriction/12/email","attachment"?:{"name","type",
 *    "data"},"delivery"?:{"status","code","ts"},"in"?:"STATUS 1"}
 */
#ifndef AMR_NOTIFY_OUTBOX_H
#define AMR_NOTIFY_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "kv.h"
#include "loop.h"
#include "metrics.h"
#include "transport.h"

#define OUTBOX_CHANNELS 4 /* channels an outbox drives */

typedef struct outbox outbox;

struct outbox_opts {
	unsigned max_attempts; /* tries of one message before it fails */
	unsigned retry_s;      /* the first wait after a refusal that may pass */
};

/*
 * The outbox in environment k on loop l over channels t[0..n) (all
 * borrowed; n at most OUTBOX_CHANNELS; a message names its channel by
 * name): requeues what a crash left "sending", starts the sender and
 * sends what is due. Returns AMR_OK, AMR_EINVAL (too many channels),
 * AMR_ENOMEM, AMR_EDB or AMR_EIO (no thread).
 */
amr_err outbox_open(outbox **out, kv *k, loop *l, const struct transport *t, size_t n,
		    const struct outbox_opts *o, metrics *ms);

/* Stop the sender (a send under way finishes first), free. Accepts NULL. */
void outbox_close(outbox *b);

/* True when the outbox drives channel name. */
bool outbox_has(const outbox *b, const char *name);

/*
 * Inside the caller's write transaction txn: queue msg ({"alarm",
 * "channel","contact"?,"to","subject"?,"body","next"?,"ref"?,
 * "attachment"?}, borrowed) to be
 * sent at once, or not before "next"; its id into *id. Returns 0, AMR_EINVAL (a channel the outbox does
 * not drive), AMR_ENOMEM or an LMDB code for kv_write(). Call
 * outbox_kick() once the transaction is committed.
 */
int outbox_put_txn(outbox *b, MDB_txn *txn, const json_t *msg, uint64_t *id);

/* outbox_put_txn() in a transaction of its own, and kick: a message of
 * its own (notify/send). Returns AMR_OK, AMR_EINVAL, AMR_ENOMEM, AMR_EDB,
 * AMR_EIO. */
amr_err outbox_put(outbox *b, const json_t *msg, uint64_t *id);

/* Send what is due now (after outbox_put_txn's commit). */
void outbox_kick(outbox *b);

/* What a list keeps. */
struct outbox_filter {
	uint32_t alarm;	 /* of this alarm; 0: of any */
	const char *ref; /* whose ref starts so; NULL: any */
	unsigned limit;	 /* at most this many (0: 100) */
};

/* The messages f keeps, newest first, as {"messages":[..]} into *out
 * (new). Returns AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err outbox_list(outbox *b, const struct outbox_filter *f, json_t **out);

/* The message queued with ref into *out (new). Returns AMR_OK,
 * AMR_ENOTFOUND, AMR_ENOMEM or AMR_EDB. */
amr_err outbox_get_ref(outbox *b, const char *ref, json_t **out);

/* Have fn(rec, arg) told of each outcome once it is recorded (rec the
 * message as stored, borrowed), on the loop thread. */
void outbox_on_done(outbox *b, void (*fn)(const json_t *rec, void *arg), void *arg);

/*
 * A delivery report (docs/notify.md, "Delivery reports") of the message
 * whose key is key: status one of Kannel's 1 delivered, 2 undelivered,
 * 4 queued, 8 accepted, 16 rejected, recorded at ts on the message as
 * "delivery":{"status":"delivered","code":1,"ts":T}; a final state (1, 2,
 * 16) is kept over a later 4 or 8. The record as stored into *out (new).
 * Returns AMR_OK; AMR_ENOTFOUND (no message has that key); AMR_ESTATE
 * (a late 4 or 8: nothing changed); AMR_EINVAL (not a status);
 * AMR_ENOMEM, AMR_EIO, AMR_EDB.
 */
amr_err outbox_report(outbox *b, const char *key, int status, int64_t ts, json_t **out);

/*
 * What the health page shows of the channels (new, NULL when out of
 * memory): {"channels":[{"channel","sent","retried","failed","last_ok"?,
 * "last_error"?:{"ts","why"}}], "queued", "next_due"?}: each channel's
 * tries since the start, and the messages owed with the time the first
 * is due. Loop thread.
 */
json_t *outbox_health(outbox *b);

#endif
