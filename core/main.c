/*
 * main.c: the lwm2md command line. Reads the config, then either checks it
 * (--check-config) or runs the daemon, in the foreground (-f) or detached
 * once everything has started, so that start-up errors still reach the
 * terminal and the exit status.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: lwm2md [-c FILE] [-f] [--log-level LEVEL] [--check-config] [--version]\n"
	        "  -c, --config FILE    read FILE (INI); without it, run on built-in defaults\n"
	        "  -f, --foreground     stay in the foreground (default: detach once started)\n"
	        "      --log-level L    error, warn, info or debug (overrides [log] level)\n"
	        "      --check-config   check the config and the plugins it names, then exit\n"
	        "      --version        print the version and exit\n"
	        "  -h, --help           this help\n"
	        "Exit status: 0 ok, 1 could not start or run, 2 bad config or usage.\n");
}

/* Forks; the parent waits until the child reports how start-up went. */
static int detach(int *report_fd)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(fds[1]);
		unsigned char status = LW_EXIT_RUNTIME;
		ssize_t n = read(fds[0], &status, 1);
		_exit(n == 1 ? status : LW_EXIT_RUNTIME);
	}
	close(fds[0]);
	setsid();
	*report_fd = fds[1];
	return 0;
}

static void report(int *fd, int status)
{
	if (*fd < 0)
		return;
	unsigned char s = (unsigned char)status;
	ssize_t n = write(*fd, &s, 1);
	(void)n;
	close(*fd);
	*fd = -1;
	if (status == LW_EXIT_OK) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			if (null > 2)
				close(null);
		}
	}
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_VERSION, OPT_LOG_LEVEL };
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"foreground", no_argument, NULL, 'f'},
		{"check-config", no_argument, NULL, OPT_CHECK},
		{"version", no_argument, NULL, OPT_VERSION},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL, *level = NULL;
	int check = 0, foreground = 0, c;
	while ((c = getopt_long(argc, argv, "c:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case OPT_CHECK: check = 1; break;
		case OPT_VERSION: printf("lwm2md %s (plugin ABI %d)\n", PACKAGE_VERSION, LW_PLUGIN_ABI); return 0;
		case OPT_LOG_LEVEL: level = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return LW_EXIT_CONFIG;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lwm2md: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return LW_EXIT_CONFIG;
	}
	if (level && lw_log_level_parse(level) < 0) {
		fprintf(stderr, "lwm2md: --log-level %s: expected error, warn, info or debug\n", level);
		return LW_EXIT_CONFIG;
	}

	struct lw_config cfg;
	char err[1024];
	lw_config_defaults(&cfg);
	if (path && lw_config_load(&cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "lwm2md: %s\n", err);
		lw_config_free(&cfg);
		return LW_EXIT_CONFIG;
	}
	lw_config_env(&cfg);
	lw_log_set_level(lw_log_level_parse(level ? level : cfg.log_level));
	struct lw_daemon d;
	if (check) {
		int rc = lw_daemon_check(&d, &cfg, err, sizeof(err));
		if (rc)
			fprintf(stderr, "lwm2md: %s\n", err);
		else
			printf("%s: configuration OK (%zu plugin%s)\n", path ? path : "defaults",
			       d.plugins.count, d.plugins.count == 1 ? "" : "s");
		lw_daemon_stop(&d);
		lw_config_free(&cfg);
		return rc;
	}

	int report_fd = -1;
	if (!foreground && detach(&report_fd) != 0) {
		fprintf(stderr, "lwm2md: cannot detach: use -f\n");
		lw_config_free(&cfg);
		return LW_EXIT_RUNTIME;
	}
	int target = strcmp(cfg.log_target, "syslog") == 0 ? LW_LOG_SYSLOG
	             : strcmp(cfg.log_target, "file") == 0 ? LW_LOG_FILE
	                                                   : LW_LOG_STDERR;
	/* Detached with stderr logging: stderr goes to /dev/null, so use syslog. */
	if (!foreground && target == LW_LOG_STDERR)
		target = LW_LOG_SYSLOG;
	if (lw_log_open(target, cfg.log_file) != 0) {
		fprintf(stderr, "lwm2md: cannot open log file %s\n", cfg.log_file);
		report(&report_fd, LW_EXIT_CONFIG);
		lw_config_free(&cfg);
		return LW_EXIT_CONFIG;
	}
	int rc = lw_daemon_start(&d, &cfg, err, sizeof(err));
	if (rc) {
		lw_log(LW_LOG_ERROR, "%s", err);
		if (target != LW_LOG_STDERR)
			fprintf(stderr, "lwm2md: %s\n", err);
	} else {
		report(&report_fd, LW_EXIT_OK);
		rc = lw_daemon_run(&d);
	}
	report(&report_fd, rc);
	lw_daemon_stop(&d);
	lw_log(LW_LOG_INFO, "lwm2md stopped");
	lw_log_close();
	lw_config_free(&cfg);
	return rc;
}
