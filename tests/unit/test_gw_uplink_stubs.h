/*
 * test_gw_uplink_stubs.h - what uplink.c calls outside itself, faked for
 * its unit test: the loop's timers and clock, the MQTT client and an empty
 * spool, each with switches a test sets (Mosquitto's *_stubs.c).
 */
#ifndef TEST_GW_UPLINK_STUBS_H
#define TEST_GW_UPLINK_STUBS_H

#include <stdbool.h>
#include <stdint.h>

extern bool stub_timer_fail;	 /* loop_timer_add() returns 0 (out of memory) */
extern bool stub_mq_fail;	 /* mq_create() returns AMR_EMQ */
extern unsigned stub_mq_created; /* mq_create() calls that gave a client */
extern unsigned stub_mq_live;	 /* clients not destroyed yet */

/* Start again: clock at a fixed time, no timers, no clients, no failures. */
void stub_reset(void);

/* Move the clock to now + ms, running each timer when it is due, in
 * order, as the loop would. */
void stub_advance(uint64_t ms);

/* Timers not cancelled nor fired (one-shot). */
unsigned stub_timers_live(void);

/* The newest client reports its session up (calls its on_connect). */
void stub_mq_connect(void);

#endif
