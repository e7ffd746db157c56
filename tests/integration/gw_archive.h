/*
 * gw_archive.h - a test subscriber that acknowledges gateway batches as the
 * archive does (DESIGN.md 4.3): stores a batch once (by seq), sums the
 * deltas per channel, then publishes {"seq":mark} retained on .../ack.
 * A batch whose "prev" is above the mark is refused (a gap: the broker lost
 * its predecessor), as the archive must. Shared by the gateway tests.
 */
#ifndef TEST_GW_ARCHIVE_H
#define TEST_GW_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>

#define GWA_ADDRS 128

struct gw_archive_sums {
	uint64_t mark;			 /* highest seq stored */
	unsigned stored, dups, negative; /* batches stored, repeats, bad deltas */
	unsigned reordered;		 /* first seen below the mark: lost */
	unsigned gaps;			 /* refused: predecessor missing */
	long long first[GWA_ADDRS][4];	 /* total of the first reading, -1 */
	long long last[GWA_ADDRS][4];	 /* latest total */
	long long sum[GWA_ADDRS][4];	 /* deltas after the first reading */
};

struct harness;

/* Connect to h's broker, subscribe amr/v1/gw/{obj}/up; keep says whether
 * the sums of an earlier run go on (a restarted archive). Returns 0 once
 * subscribed, or -1. */
int gw_archive_start(struct harness *h, unsigned obj, bool keep);

/* Copy the sums (under the lock). */
void gw_archive_get(struct gw_archive_sums *out);

void gw_archive_stop(void);

/* How many batches amr-gateway's log in h says it stored after mark
 * (harness_log_mark()); the gateway says so at --log-level debug. */
int gw_batches_stored(struct harness *h, long mark);

/* Send one line to amr-sim's control socket; the answer (up to "." for
 * multi-line answers when multi) goes into buf. Returns 0 or -1. */
int gw_sim_ctl(const char *sock, const char *cmd, bool multi, char *buf, size_t len);

#endif
