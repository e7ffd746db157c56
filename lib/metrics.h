/*
 * metrics.h - counters and gauges in Prometheus text format.
 *
 * A service registers its metrics at start and updates them from any
 * thread (values are atomic). metrics_render() writes the exposition text
 * (version 0.0.4): one HELP and TYPE line per family, then one sample per
 * label set, e.g.
 *
 *   # HELP amr_deadletter_total Messages rejected by ingest.
 *   # TYPE amr_deadletter_total counter
 *   amr_deadletter_total{reason="bad_json"} 3
 */
#ifndef AMR_METRICS_H
#define AMR_METRICS_H

#include <stdint.h>

#include "err.h"

typedef struct metrics metrics;
typedef struct metric metric;

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
};

/* Create an empty registry. Returns AMR_OK or AMR_ENOMEM. */
amr_err metrics_create(metrics **out);

/* Free the registry and its metrics. Accepts NULL. */
void metrics_destroy(metrics *ms);

/*
 * Find or register the metric name{labels}. labels is NULL or a label list
 * such as `reason="bad_json"` (the caller escapes values). help is used for
 * the first metric of a family. Returns a borrowed handle (the registry
 * frees it at metrics_destroy), or NULL when out of memory.
 */
metric *metrics_get(metrics *ms, enum metric_type type, const char *name, const char *labels,
		    const char *help);

/* Add n to a counter or gauge. Any thread. NULL is ignored. */
void metric_add(metric *m, int64_t n);

/* Set a gauge. Any thread. NULL is ignored. */
void metric_set(metric *m, int64_t v);

/* Current value. */
int64_t metric_value(const metric *m);

/* Render every metric. Returns a new string (the caller frees it) or NULL. */
char *metrics_render(metrics *ms);

#endif
