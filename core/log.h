/*
 * log.h: the daemon side of lwm2m/log.h: where lines go and from which level.
 * Output is stderr (with a time stamp) or syslog; reopening lets SIGHUP follow
 * a rotated log file when stderr was redirected to one by the service manager.
 */
#ifndef LW_CORE_LOG_H
#define LW_CORE_LOG_H

#include "lwm2m/log.h"

enum lw_log_target {
	LW_LOG_STDERR = 0,
	LW_LOG_SYSLOG = 1,
	LW_LOG_FILE = 2,
};

/* Parses "error", "warn", "info", "debug"; returns the level or -1. */
int lw_log_level_parse(const char *name);
void lw_log_set_level(int level);
/* target LW_LOG_FILE needs path; others ignore it. Returns 0 or LW_EIO. */
int lw_log_open(int target, const char *path);
/* Reopens a log file (after rotation); no-op for stderr and syslog. */
int lw_log_reopen(void);
void lw_log_close(void);

#endif
