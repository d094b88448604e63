/*
 * lwm2m/metrics.h: counters and gauges a plugin publishes at GET /metrics
 * (Prometheus text format), beside the daemon's own.
 *
 * Threads: loop thread only. Ownership: the daemon owns each metric and frees
 * it when the plugin is unloaded; name and help are copied. A metric name is
 * [a-z_][a-z0-9_]* and should start with the plugin's area (lwm2md_storage_).
 */
#ifndef LWM2M_METRICS_H
#define LWM2M_METRICS_H

#include <stdint.h>

#include "lwm2m/api.h"
#include "lwm2m/plugin.h"

enum lw_metric_type {
	LW_METRIC_COUNTER = 1, /* only grows */
	LW_METRIC_GAUGE = 2,   /* goes up and down */
};

typedef struct lw_metric lw_metric;

/* NULL for a bad name or type, a name already taken, or out of memory. */
LW_API lw_metric *lw_metric_new(lw_plugin *self, int type, const char *name, const char *help);
LW_API void lw_metric_add(lw_metric *m, double v);
LW_API void lw_metric_set(lw_metric *m, double v);

#endif
