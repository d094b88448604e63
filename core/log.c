/*
 * log.c: one log for the core and plugins. Lines are formatted into a local
 * buffer and written with one write() so that lines from worker threads never
 * interleave.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "lwm2m/error.h"

static atomic_int log_level = LW_LOG_INFO;
static int log_target = LW_LOG_STDERR;
static int log_fd = STDERR_FILENO;
static char log_path[4096];

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int lw_log_level_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	if (strcmp(name, "warning") == 0)
		return LW_LOG_WARN;
	return -1;
}

void lw_log_set_level(int level)
{
	atomic_store(&log_level, level);
}

int lw_log_enabled(int level)
{
	return level <= atomic_load_explicit(&log_level, memory_order_relaxed);
}

int lw_log_open(int target, const char *path)
{
	lw_log_close();
	log_target = target;
	if (target == LW_LOG_SYSLOG) {
		openlog("lwm2md", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		return 0;
	}
	if (target == LW_LOG_FILE) {
		snprintf(log_path, sizeof(log_path), "%s", path);
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd < 0) {
			log_target = LW_LOG_STDERR;
			return LW_EIO;
		}
		log_fd = fd;
	}
	return 0;
}

int lw_log_reopen(void)
{
	if (log_target != LW_LOG_FILE)
		return 0;
	int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return LW_EIO;
	int old = log_fd;
	log_fd = fd;
	close(old);
	return 0;
}

void lw_log_close(void)
{
	if (log_target == LW_LOG_SYSLOG)
		closelog();
	if (log_target == LW_LOG_FILE && log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
	log_target = LW_LOG_STDERR;
}

void lw_vlog(int level, const char *fmt, va_list ap)
{
	if (!lw_log_enabled(level))
		return;
	if (level < 0)
		level = 0;
	if (level > 3)
		level = 3;
	char line[2048];
	if (log_target == LW_LOG_SYSLOG) {
		static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
		vsnprintf(line, sizeof(line), fmt, ap);
		syslog(prio[level], "%s", line);
		return;
	}
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
	                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	                 tm.tm_sec, ts.tv_nsec / 1000000, level_names[level]);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	int saved = errno;
	ssize_t w = write(log_fd, line, len);
	(void)w;
	errno = saved;
}

void lw_log(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lw_vlog(level, fmt, ap);
	va_end(ap);
}
