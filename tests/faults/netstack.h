/*
 * netstack.h - the pipeline every fault runner breaks: amr-sim (its
 * meters running, or pulses injected by the runner) -> amr-gateway ->
 * Mosquitto -> amr-ingest -> amr-archive, the gateway in its own network
 * namespace when the runner has one (netns.h), the archive where the
 * runner puts it (a small tmpfs, a small map), and the check every case
 * ends with: pulse conservation against the simulator's own counters.
 *
 * Every function asserts (Check) on failure.
 */
#ifndef AMR_FAULTS_NETSTACK_H
#define AMR_FAULTS_NETSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"
#include "netns.h"

#define NS_DEVICES_MAX 8

struct netstack {
	struct harness h;
	const struct netns *ns; /* NULL: the gateway on the test's own lo */
	int devices;
	char bus[300], sock[300];
	char gw_host[32];			 /* the broker as the gateway sees it */
	int gw_port;				 /* its port (a proxy's, maybe) */
	const char *gw_extra[12];		 /* more gateway options */
	const char *arc_extra[8];		 /* archive options (ns_archive) */
	const char *profile;			 /* amr-sim --profile, NULL: mixed */
	unsigned turn;				 /* ns_pulse()'s next channel */
	long long t0[NS_DEVICES_MAX + 1][4];	 /* device counters at the start */
	long long zeroed[NS_DEVICES_MAX + 1][4]; /* counted before zero commands */
	pid_t archive, ingest, gateway;
	uint64_t started_ms;
};

/* Setup: into the server namespace (ns may be NULL), harness_start(). */
void ns_setup(struct netstack *s, const struct netns *ns);
void ns_teardown(struct netstack *s);

/*
 * amr-archive (ns_archive), amr-ingest, amr-sim with devices UO-4 of
 * s->profile at speed (meters paused), then the gateway (ns_gateway) with
 * s->gw_extra; once the archive acknowledged its first batch, the counters
 * are read into t0 and the meters resume: every channel's count starts
 * from there.
 */
void ns_start(struct netstack *s, int devices, const char *speed);

/* (Re)spawn amr-archive with s->arc_extra (its --data-dir, --max-map-mb:
 * the runner's), wait until it is online. */
pid_t ns_archive(struct netstack *s);

/* (Re)spawn amr-gateway, in the gateway namespace if there is one, to
 * s->gw_host:s->gw_port with batches every second, resend after 3 s (a
 * "--resend=" in s->gw_extra instead). */
pid_t ns_gateway(struct netstack *s);

/* A command to amr-sim's control socket; its answer must be "ok". */
void ns_sim(struct netstack *s, const char *cmd);

/* The same, its answer (a line, e.g. of "status 2") in buf. */
void ns_sim_ask(struct netstack *s, const char *cmd, char *buf, size_t len);

/* A few pulses injected into one input, the next channel at each call.
 * Returns true, to be used inside a HARNESS_POLL_UNTIL() condition. */
bool ns_pulse(struct netstack *s);

/* Inject pulses while the gateway stores n more batches (30 s at most). */
void ns_consume(struct netstack *s, int n);

/* The simulator's counters (the ground truth). */
void ns_totals(struct netstack *s, long long t[NS_DEVICES_MAX + 1][4]);

/* Pulses the archive holds per channel of object 1, over all time. */
void ns_archived(struct netstack *s, long long p[NS_DEVICES_MAX + 1][4]);

/* The sum over every channel of what the archive holds. */
long long ns_archived_sum(struct netstack *s);

/* Wait up to ms until the archive holds more than n pulses. */
void ns_wait_archived(struct netstack *s, long long n, int ms);

/* The gateway's retained status on amr/v1/gw/1/status ({"spool":{...}}):
 * the spool's pending batches of the latest one that holds needle, or -1
 * when none came within ms. */
int ns_gw_pending(struct netstack *s, const char *needle, int ms);

/*
 * The end of every case: meters paused, wait up to ms until every
 * channel's archived pulses equal the change of its device counter since
 * t0 (plus what was zeroed), then assert it channel by channel, that the
 * run moved something and that the archive quarantined nothing; prints
 * the figures (pulses, batches, duplicates, gaps) as "name: ...".
 * Returns the pulses moved.
 */
long long ns_conserved(struct netstack *s, const char *name, int ms);

#endif
