/*
 * tests/integration/test_lifecycle.c: the daemon's life as a service manager
 * sees it: SIGTERM ends it cleanly (exit 0, "stopped" logged, plugins told),
 * SIGHUP follows a rotated log file, and without -f it detaches only once it
 * is ready, so that the start command's status means "it serves".
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coap/message.h"
#include "daemon.h"

static struct lwd d;
static pid_t detached; /* the daemon of the detach test, once found */

static void setup(void)
{
	cr_assert_eq(lwd_init(&d), 0);
}

static void teardown(void)
{
	if (detached > 0) {
		kill(detached, SIGKILL);
		waitpid(detached, NULL, 0);
		detached = 0;
	}
	lwd_cleanup(&d);
}

TestSuite(lifecycle, .init = setup, .fini = teardown, .timeout = 30);

static void expect_exit_0(int status)
{
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "lwm2md did not exit 0 (wait status 0x%x)", status);
}

Test(lifecycle, sigterm_stops_cleanly_and_plugins_see_it)
{
	cr_assert_eq(lwd_start(&d, NULL), 0);
	expect_exit_0(lwd_stop(&d));

	char *log = lw_slurp(d.err);
	cr_assert(log);
	cr_expect(strstr(log, "ready"), "no \"ready\" in the log:\n%s", log);
	cr_expect(strstr(log, "SIGTERM"), "no SIGTERM line in the log:\n%s", log);
	cr_expect(strstr(log, "stopped"), "no \"stopped\" in the log:\n%s", log);
	free(log);

	/* The example plugin logs every event of the bus, in order. */
	char path[400];
	snprintf(path, sizeof(path), "%s/events.jsonl", d.state);
	char *ev = lw_slurp(path);
	cr_assert(ev, "%s was not written", path);
	char *started = strstr(ev, "\"event\":\"started\"");
	char *stopping = strstr(ev, "\"event\":\"stopping\"");
	cr_expect(started, "no started event:\n%s", ev);
	cr_expect(stopping, "no stopping event:\n%s", ev);
	cr_expect(!started || !stopping || started < stopping, "stopping before started:\n%s", ev);
	free(ev);
}

Test(lifecycle, sigint_stops_cleanly)
{
	cr_assert_eq(lwd_start(&d, NULL), 0);
	expect_exit_0(lwd_signal_wait(&d, SIGINT, 10000));
	cr_expect_eq(lw_wait_for_text(d.err, "stopped", 0), 0, "no \"stopped\" in the log");
}

Test(lifecycle, sighup_reopens_the_log_file)
{
	char logf[400], rotated[400], extra[600];
	snprintf(logf, sizeof(logf), "%s/lwm2md.log", d.dir);
	snprintf(rotated, sizeof(rotated), "%s/lwm2md.log.1", d.dir);
	snprintf(extra, sizeof(extra), "[log]\ntarget = file\nfile = %s\n", logf);
	struct lwd_opts o = {.extra_conf = extra};
	cr_assert_eq(lwd_start(&d, &o), 0);
	cr_assert_eq(lw_wait_for_text(logf, "ready", 3000), 0, "no \"ready\" in %s", logf);

	/* What logrotate does: move the file away, then SIGHUP. */
	cr_assert_eq(rename(logf, rotated), 0);
	kill(d.pid, SIGHUP);
	/* The SIGHUP line is written just before the reopen, so it ends the old file. */
	cr_assert_eq(lw_wait_for_text(rotated, "SIGHUP", 3000), 0, "SIGHUP not logged");
	uint64_t end = lw_now_ms() + 3000;
	while (access(logf, F_OK) != 0 && lw_now_ms() < end)
		usleep(10000);
	cr_assert_eq(access(logf, F_OK), 0, "SIGHUP did not create a new %s", logf);

	expect_exit_0(lwd_stop(&d));
	char *now = lw_slurp(logf), *old = lw_slurp(rotated);
	cr_assert(now && old);
	cr_expect(strstr(now, "SIGTERM") && strstr(now, "stopped"),
	          "the later lines are not in the new file:\n%s", now);
	cr_expect(!strstr(old, "stopped"), "later lines went to the rotated file:\n%s", old);
	cr_expect(strstr(old, "ready"), "the rotated file lost the early lines:\n%s", old);
	/* With a log file, nothing goes to stderr. */
	char *err = lw_slurp(d.err);
	cr_expect(err && !strstr(err, "ready"), "log lines went to stderr:\n%s", err);
	free(err);
	free(now);
	free(old);
}

/* The pid of the process whose command line has conf in it, or 0. */
static pid_t find_by_cmdline(const char *conf)
{
	DIR *dir = opendir("/proc");
	if (!dir)
		return 0;
	pid_t found = 0;
	struct dirent *de;
	while (!found && (de = readdir(dir))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		char path[64], buf[4096];
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		/* Arguments are NUL-separated: look at each one. */
		for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
			buf[n] = '\0';
			if (strcmp(buf + i, conf) == 0) {
				found = (pid_t)pid;
				break;
			}
		}
	}
	closedir(dir);
	return found;
}

Test(lifecycle, detaches_once_ready)
{
	/* Become the detached daemon's parent once its first parent exits, so
	 * that its exit status can still be checked. */
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	int port = lw_free_udp_port();
	char logf[400], extra[600];
	snprintf(logf, sizeof(logf), "%s/lwm2md.log", d.dir);
	snprintf(extra, sizeof(extra), "[log]\ntarget = file\nfile = %s\n", logf);
	cr_assert_eq(lwd_write_config(&d, port, extra), 0);

	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[] = {bin, "-c", d.conf, NULL};
	char *out = NULL, *err = NULL;
	int rc = lw_run(argv, 10000, &out, &err);
	detached = find_by_cmdline(d.conf);
	cr_assert_eq(rc, 0, "lwm2md returned %d; stderr:\n%s", rc, err ? err : "");
	free(out);
	free(err);
	cr_assert_gt(detached, 0, "no process runs with %s after detaching", d.conf);

	/* Ready means ready: it answers at once. */
	cr_assert_eq(lw_coap_ping(d.port, 1000), 0, "the detached daemon does not answer");
	int fd = lw_udp_connect(d.port);
	cr_assert_geq(fd, 0);
	uint8_t req[64], ans[512];
	struct lw_coap_builder b;
	lw_coap_build_start(&b, req, sizeof(req), LW_COAP_CON, LW_COAP_GET, 0x4242, NULL, 0);
	lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, "/.well-known/core");
	size_t len;
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);
	cr_assert_eq(send(fd, req, len, 0), (ssize_t)len);
	ssize_t n = lw_udp_recv(fd, ans, sizeof(ans), 2000);
	close(fd);
	struct lw_coap_msg m;
	cr_assert_gt(n, 0, "no answer from the detached daemon");
	cr_assert_eq(lw_coap_parse(&m, ans, (size_t)n), 0);
	cr_expect_eq(m.code, LW_COAP_CONTENT);

	/* It is its own session leader, not the process lw_run started. */
	cr_expect_eq(getsid(detached), detached, "the detached daemon did not setsid()");

	kill(detached, SIGTERM);
	int status = lw_wait_timeout(detached, 10000);
	cr_assert_neq(status, -1, "the detached daemon ignores SIGTERM");
	detached = 0;
	expect_exit_0(status);
	cr_expect_eq(lw_wait_for_text(logf, "stopped", 0), 0, "no \"stopped\" in %s", logf);
}

Test(lifecycle, detach_reports_start_failure)
{
	/* The port is taken: the parent must say so with status 1, not 0. */
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	int fd = lw_udp_connect(9); /* any socket; we only need its local port */
	cr_assert_geq(fd, 0);
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	int port = ntohs(sin.sin_port);
	cr_assert_eq(lwd_write_config(&d, port, NULL), 0);

	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[] = {bin, "-c", d.conf, NULL};
	char *err = NULL;
	int rc = lw_run(argv, 10000, NULL, &err);
	close(fd);
	/* The child reports before it cleans up: give it a moment to go. */
	uint64_t end = lw_now_ms() + 3000;
	while ((detached = find_by_cmdline(d.conf)) > 0 && lw_now_ms() < end) {
		waitpid(-1, NULL, WNOHANG);
		usleep(10000);
	}
	cr_expect_eq(detached, 0, "a daemon still runs after a failed start");
	cr_expect_eq(rc, 1, "exit status %d, expected 1; stderr:\n%s", rc, err ? err : "");
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	cr_expect(err && strstr(err, p), "stderr does not name port %d:\n%s", port,
	          err ? err : "");
	free(err);
}
