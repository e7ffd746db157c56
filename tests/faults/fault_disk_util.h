/*
 * fault_disk_util.h - the pipeline of the disk and power fault runners
 * (fault_disk.c, fault_battery.c): amr-sim -> amr-gateway -> Mosquitto ->
 * amr-ingest -> amr-archive with real programs, as test_pipeline.c runs it,
 * and the check that ends every case: for every channel, the pulses the
 * archive holds equal the change of the simulator's own counter (`totals`),
 * nothing lost and nothing counted twice (DESIGN.md 4.3).
 *
 * Every function asserts (Check) on failure instead of returning an error.
 */
#ifndef AMR_FAULT_DISK_UTIL_H
#define AMR_FAULT_DISK_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

#include "harness.h"

#define FP_MAXDEV 8

struct fpipe {
	struct harness *h;		      /* borrowed */
	int devices;			      /* 1..FP_MAXDEV, addresses 1..devices */
	char bus[300], sock[300], state[300]; /* the simulator's paths */
	long long t0[FP_MAXDEV + 1][4];	      /* its counters before the gateway */
	unsigned turn;			      /* fp_pulse()'s next channel */
};

void fp_init(struct fpipe *p, struct harness *h, int devices);

/* Start amr-sim with --profile profile (none: injected pulses only) and
 * --speed speed (text), wait for its bus and control socket. */
pid_t fp_start_sim(struct fpipe *p, const char *profile, const char *speed);

/* Record the simulator's counters as the start of the count (before the
 * gateway reads them first), then start amr-gateway (object 1, a batch a
 * second, resend after 3 s) and wait for the archive's first ack. */
pid_t fp_start_gateway(struct fpipe *p);

/* One control command; the answer (up to "." when multi) in buf. */
void fp_sim_ctl(struct fpipe *p, const char *cmd, char *buf, size_t len);

/* The simulator's counters: t[addr][ch-1]. */
void fp_totals(struct fpipe *p, long long t[FP_MAXDEV + 1][4]);

/* A few pulses into one input, the next channel at each call. Returns
 * true, to be used inside a HARNESS_POLL_UNTIL() condition. */
bool fp_pulse(struct fpipe *p);

/* Inject pulses while the gateway makes n more batches (30 s at most). */
void fp_consume(struct fpipe *p, int n);

/* Pulses the archive holds per channel (archive/consumption over all
 * time): got[addr][ch-1]. Returns 0, or -1 when the archive did not
 * answer. */
int fp_archived(struct fpipe *p, long long got[FP_MAXDEV + 1][4]);

/* Wait up to ms until every channel's archived pulses equal the change of
 * its counter, then assert it channel by channel; returns the pulses
 * moved. The counters must have stopped moving (no generators running,
 * nothing injected meanwhile). */
long long fp_check_conservation(struct fpipe *p, int ms);

#endif
