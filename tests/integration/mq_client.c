/*
 * mq_client.c - the tests' own MQTT client (mq_client.h).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mq_client.h"

void mqc_on_up(void *ctx)
{
	struct client *c = ctx;

	c->up = true;
	c->wake = true;
}

void mqc_on_msg(void *ctx, const struct mq_msg *msg)
{
	struct client *c = ctx;

	if (c->got++ == 0)
		snprintf(c->first, sizeof c->first, "%s", msg->payload);
	snprintf(c->last, sizeof c->last, "%s", msg->payload);
	c->wake = true;
}

/* Every 50 ms of RUN_UNTIL: also wake Paho's receive thread, which a
 * client connecting next to the probe otherwise waits for (harness_poke). */
void mqc_wake_up(void *arg)
{
	((struct client *)arg)->wake = true;
	harness_poke(((struct client *)arg)->h);
}

/* Connect; sub, when given, is subscribed before the loop first runs, so
 * messages queued for a persistent session find their handler. */
void client_open(struct client *c, struct harness *h, const char *id, bool clean, const char *will,
		 const char *sub)
{
	struct mq_opts o = { 0 };

	memset(c, 0, sizeof *c);
	c->h = h;
	o.host = "127.0.0.1";
	o.port = h->mqtt_port;
	o.client_id = id;
	o.clean_session = clean;
	o.will_topic = will ? "t/will" : NULL;
	o.will_payload = will;
	o.will_retain = true;
	o.keepalive = 2;
	o.on_connect = mqc_on_up;
	o.ctx = c;
	ck_assert_int_eq(loop_create(&c->l), AMR_OK);
	ck_assert_int_eq(mq_create(&c->m, c->l, &o), AMR_OK);
	if (sub)
		ck_assert_int_eq(mq_subscribe(c->m, sub, 1, mqc_on_msg, c), AMR_OK);
	RUN_UNTIL(c, c->up, 10000);
	ck_assert_msg(c->up, "client %s did not connect", id);
}

/* Wait until the broker has c's subscription to topic: a message c
 * publishes there comes back. It goes at QoS 0, so no later session of c
 * gets it again; then it is forgotten. */
void client_sync(struct client *c, const char *topic)
{
	ck_assert_int_eq(mq_publish(c->m, topic, "{\"sync\":1}", 10, 0, false), AMR_OK);
	RUN_UNTIL(c, c->got > 0, 5000);
	ck_assert_msg(c->got > 0, "no subscription to %s", topic);
	c->got = 0;
	c->first[0] = c->last[0] = '\0';
}

void client_close(struct client *c)
{
	rpc_destroy(c->r);
	mq_destroy(c->m);
	loop_destroy(c->l);
}
