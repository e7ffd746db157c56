#include <stdlib.h>
#include <string.h>

#include "../../firmware/gateway/spool.h"
#include "err.h"
#include "loop.h"
#include "mq.h"
#include "test_gw_uplink_stubs.h"

#define TIMERS_MAX 64

bool stub_timer_fail, stub_mq_fail;
unsigned stub_mq_created, stub_mq_live;

static uint64_t now_ms;

static struct timer {
	uint64_t id; /* 0: free */
	uint64_t due, period;
	loop_fn cb;
	void *arg;
} timers[TIMERS_MAX];

static uint64_t next_id;

struct mq {
	bool connected;
	struct mq_opts o;
};

static mq *newest;

void stub_reset(void)
{
	memset(timers, 0, sizeof timers);
	next_id = 1;
	now_ms = 1000000;
	stub_timer_fail = stub_mq_fail = false;
	stub_mq_created = stub_mq_live = 0;
	newest = NULL;
}

uint64_t loop_now_ms(void)
{
	return now_ms;
}

uint64_t loop_timer_add(loop *l, unsigned ms, bool repeat, loop_fn cb, void *arg)
{
	if (stub_timer_fail)
		return 0;
	for (int i = 0; i < TIMERS_MAX; i++) {
		if (timers[i].id == 0) {
			timers[i] = (struct timer){ next_id, now_ms + ms, repeat ? ms : 0, cb,
						    arg };
			return next_id++;
		}
	}
	abort(); /* the test leaks timers */
}

void loop_timer_cancel(loop *l, uint64_t id)
{
	for (int i = 0; i < TIMERS_MAX; i++)
		if (id && timers[i].id == id)
			timers[i].id = 0;
}

unsigned stub_timers_live(void)
{
	unsigned n = 0;

	for (int i = 0; i < TIMERS_MAX; i++)
		n += timers[i].id != 0;
	return n;
}

void stub_advance(uint64_t ms)
{
	uint64_t until = now_ms + ms;

	for (;;) {
		struct timer *t = NULL;

		for (int i = 0; i < TIMERS_MAX; i++)
			if (timers[i].id && timers[i].due <= until &&
			    (!t || timers[i].due < t->due))
				t = &timers[i];
		if (!t)
			break;
		now_ms = t->due;
		{
			struct timer run = *t;

			if (t->period)
				t->due += t->period;
			else
				t->id = 0;
			run.cb(run.arg);
		}
	}
	now_ms = until;
}

amr_err mq_create(mq **out, loop *l, const struct mq_opts *opts)
{
	mq *m;

	if (stub_mq_fail || !(m = calloc(1, sizeof *m)))
		return AMR_EMQ;
	m->o = *opts;
	stub_mq_created++;
	stub_mq_live++;
	newest = m;
	*out = m;
	return AMR_OK;
}

void mq_destroy(mq *m)
{
	if (!m)
		return;
	if (newest == m)
		newest = NULL;
	stub_mq_live--;
	free(m);
}

void stub_mq_connect(void)
{
	if (!newest)
		return;
	newest->connected = true;
	if (newest->o.on_connect)
		newest->o.on_connect(newest->o.ctx);
}

amr_err mq_subscribe(mq *m, const char *filter, int qos, mq_msg_cb cb, void *ctx)
{
	return AMR_OK;
}

amr_err mq_publish(mq *m, const char *topic, const void *payload, size_t len, int qos, bool retain)
{
	return m->connected ? AMR_OK : AMR_ESTATE;
}

amr_err mq_publish_json(mq *m, const char *topic, const json_t *value, int qos, bool retain)
{
	return m->connected ? AMR_OK : AMR_ESTATE;
}

bool mq_connected(const mq *m)
{
	return m->connected;
}

/* An empty spool: nothing to send, nothing acknowledged. */

int spool_ack(spool *s, unsigned obj, uint64_t seq)
{
	return AMR_OK;
}

int spool_mark_sent(spool *s, unsigned obj, uint64_t seq)
{
	return AMR_OK;
}

int spool_next(spool *s, unsigned obj, uint64_t after, uint64_t *seq, char **text)
{
	return AMR_ENOTFOUND;
}

size_t spool_others(const spool *s, unsigned *objs, size_t max)
{
	return 0;
}

unsigned spool_pending(const spool *s)
{
	return 0;
}

unsigned spool_pending_of(const spool *s, unsigned obj)
{
	return 0;
}

uint64_t spool_acked(const spool *s, unsigned obj)
{
	return 0;
}

uint64_t spool_sent(const spool *s, unsigned obj)
{
	return 0;
}

uint64_t spool_last_seq(const spool *s, unsigned obj)
{
	return 0;
}
