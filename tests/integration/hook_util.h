/*
 * hook_util.h - the webhook receiver of the delivery tests:
 * hook-catcher.py on a free loopback port, started with harness_spawn()
 * (so harness_stop() stops it). It stores POST n as <dir>/hooks/n.body
 * and n.json ({"path","headers"}).
 */
#ifndef AMR_TEST_HOOK_UTIL_H
#define AMR_TEST_HOOK_UTIL_H

#include <jansson.h>

#include "harness.h"

struct hooks {
	struct harness *h;
	char dir[300];
	int port;
};

/* Start it, answering 503 to the first fail_first POSTs, and wait until
 * it listens. */
void hooks_start(struct hooks *k, struct harness *h, int fail_first);

/* How many POSTs it got. */
int hooks_count(const struct hooks *k);

/* POST n (waits up to 10 s for it) as {"path","headers","body"} (new);
 * body the text as it came. */
json_t *hooks_read(const struct hooks *k, int n);

#endif
