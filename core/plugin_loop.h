/* plugin_loop.h: the core's side of lwm2m/loop.h and lwm2m/metrics.h. */
#ifndef LW_CORE_PLUGIN_LOOP_H
#define LW_CORE_PLUGIN_LOOP_H

#include <stdio.h>

#include "lwm2m/plugin.h"

/* Frees the watches and timers owner left behind (plugin unload). */
void lw_plugin_loop_release(const lw_plugin *owner);

/* Writes every plugin metric in the Prometheus text format. */
void lw_plugin_metrics_write(FILE *f);
/* Frees the metrics of owner (plugin unload). */
void lw_plugin_metrics_release(const lw_plugin *owner);

#endif
