/*
 * outbox_int.h - the outbox's state, shared by outbox.c (the queue, the
 * sender) and outbox_read.c (the delivery log and the channels' health).
 * Not for other modules: outbox.h is the interface.
 */
#ifndef AMR_NOTIFY_OUTBOX_INT_H
#define AMR_NOTIFY_OUTBOX_INT_H

#include <pthread.h>

#include "outbox.h"

#define WHY_LEN 200 /* bytes of a try's reason */

struct outbox {
	kv *k;
	loop *l;
	MDB_dbi box, due, ref;
	void (*done)(const json_t *rec, void *arg); /* told each outcome, may be NULL */
	void *done_arg;
	struct transport t[OUTBOX_CHANNELS];
	size_t n;
	struct outbox_opts o;
	uint64_t timer;	  /* the next due message's, 0 none */
	int64_t timer_at; /* when it fires */
	bool busy;	  /* a job is with the sender */
	pthread_t th;	  /* the sender */
	bool started;	  /* th runs */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *slot; /* the job handed over, under lock */
	bool stop;	  /* under lock */
	metric *m_sent, *m_retry, *m_failed, *m_queued, *m_resent;
	struct chstat { /* each channel's tries since the start (loop thread) */
		unsigned long sent, retried, failed;
		int64_t last_ok, last_error;
		char why[WHY_LEN]; /* the last error's reason */
	} st[OUTBOX_CHANNELS];
};

#endif
