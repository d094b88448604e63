/*
 * lwm2m/log.h: the one log of the daemon, for the core and plugins alike.
 *
 * Messages go to stderr or syslog depending on the daemon's configuration.
 * A plugin should prefix nothing: lw_plugin_log() adds the plugin's name.
 * Safe to call from any thread (worker jobs included); a line is written whole.
 */
#ifndef LWM2M_LOG_H
#define LWM2M_LOG_H

#include <stdarg.h>

#include "lwm2m/api.h"

enum lw_log_level {
	LW_LOG_ERROR = 0,
	LW_LOG_WARN = 1,
	LW_LOG_INFO = 2,
	LW_LOG_DEBUG = 3,
};

/* Logs one line (no trailing newline needed) if level is enabled. */
LW_API void lw_log(int level, const char *fmt, ...) LW_PRINTF(2, 3);
LW_API void lw_vlog(int level, const char *fmt, va_list ap);
/* Whether a level is enabled: lets callers skip formatting costly debug lines. */
LW_API int lw_log_enabled(int level);

#endif
