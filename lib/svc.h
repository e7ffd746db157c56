/*
 * svc.h - what every daemon of the system does the same way.
 *
 * svc_init() reads the option table (the program's rows plus the common
 * broker and logging rows), sets up logging, the loop, the MQTT client
 * (client id "amr-<name>", persistent session, last will
 * {"online":false} retained on amr/v1/svc/<name>/status), the RPC endpoint
 * and the metrics registry. svc_run() publishes {"online":true,...} on every
 * (re)connect, serves <name>/ping, <name>/metrics and <name>/help beside the
 * service's own methods, and runs the loop until SIGINT or SIGTERM;
 * svc_fini() publishes {"online":false} and frees everything.
 *
 * A daemon's main.c then only wires: svc_init, open its store, subscribe,
 * svc_serve, svc_run, close, svc_fini.
 */
#ifndef AMR_SVC_H
#define AMR_SVC_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "loop.h"
#include "metrics.h"
#include "mq.h"
#include "rpc.h"

#define SVC_MAX_OPTS 64

struct svc {
	const char *name;	       /* "archive": topics and client id derive from it */
	const char *version;	       /* release version string */
	int64_t started;	       /* Unix seconds at start */
	struct config_common common;   /* broker and log options */
	loop *loop;		       /* the service's one thread */
	mq *mq;			       /* broker connection */
	rpc *rpc;		       /* request/response endpoint */
	metrics *metrics;	       /* counters for /metrics */
	void (*on_connect)(void *ctx); /* optional: after each (re)connect */
	void *ctx;		       /* passed to on_connect */
	char status_topic[128];	       /* amr/v1/svc/<name>/status */
	char client_id[64];	       /* amr-<name> unless overridden */
	char prog[64];		       /* amr-<name>, shown on log lines */
	char problem[200];	       /* what stops it doing its job, "" none */
};

#define SVC_CONTINUE (-1)

/*
 * Parse options (opts[0..n) plus the common rows), then create the loop,
 * MQTT client, RPC endpoint and metrics. client_id may be NULL for
 * "amr-<name>". Returns SVC_CONTINUE to go on, or the exit code the program
 * should return at once (0 after --help, 2 for a bad option, 1 for a start
 * failure); then nothing needs freeing.
 *
 *   int rc = svc_init(&s, "archive", ...);
 *   if (rc != SVC_CONTINUE)
 *           return rc;
 */
int svc_init(struct svc *s, const char *name, const char *summary, int argc, char **argv,
	     const struct config_opt *opts, size_t n, const char *client_id);

/* Serve the service's methods (table borrowed) beside ping/metrics/help. */
amr_err svc_serve(struct svc *s, const struct rpc_method *methods, size_t n, void *ctx);

/* Run until SIGINT/SIGTERM. Returns AMR_OK or the loop's error. */
amr_err svc_run(struct svc *s);

/* Publish offline status, disconnect, free. */
void svc_fini(struct svc *s);

/*
 * Say what stops the service doing its job (why, e.g. "store: disk full,
 * batches refused"), or that it can again (NULL or ""). While set, the
 * retained status and the ping answer carry "problem":why; the status is
 * published again on each change. A service that refuses work says so here
 * as well as in its log and metrics, so an operator sees it on the status
 * topic without reading the log.
 */
void svc_set_problem(struct svc *s, const char *why);

/* Current Unix time in seconds. */
int64_t svc_now(void);

#define SVC_DATA_DIR_DEFAULT "./var" /* when AMR_DATA_DIR is unset or empty */

/*
 * The default place of a program's files: $AMR_DATA_DIR/<leaf>, or
 * ./var/<leaf> when AMR_DATA_DIR is unset or empty (never /<leaf>), into
 * buf. Creates the parent directory if it is missing (a failure is logged
 * and left to whoever opens the path). Returns AMR_OK, or AMR_EINVAL when
 * the path does not fit in size bytes.
 */
amr_err svc_data_dir(char *buf, size_t size, const char *leaf);

#endif
