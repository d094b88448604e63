/*
 * tests/integration/test_cmdline.c: the lwm2md command line as an operator
 * meets it: exit statuses (0 ok, 1 could not start, 2 bad config or usage)
 * and the one stderr line that must name the file, the line and the problem.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"

static struct lwd d;
static char *out, *err;

static void setup(void)
{
	cr_assert_eq(lwd_init(&d), 0);
}

static void teardown(void)
{
	free(out);
	free(err);
	out = err = NULL;
	lwd_cleanup(&d);
}

TestSuite(cmdline, .init = setup, .fini = teardown, .timeout = 30);

/* Runs lwm2md with up to 6 arguments; stdout and stderr land in out and err. */
static int lwm2md(const char *a1, const char *a2, const char *a3, const char *a4,
                  const char *a5, const char *a6)
{
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[] = {bin, a1, a2, a3, a4, a5, a6, NULL};
	free(out);
	free(err);
	int rc = lw_run(argv, 10000, &out, &err);
	cr_assert(out && err);
	return rc;
}

/* A config of the harness's shape: state, plugins of the build tree, HTTP off. */
static void write_conf(const char *text)
{
	char full[8192];
	snprintf(full, sizeof(full), text, d.state, lw_builddir());
	cr_assert_eq(lw_write_file(d.conf, full), 0);
}

/* The stderr of a refused config: exit 2, one line, "CONF:LINE:" and what. */
static void expect_config_error(int rc, int line, const char *what)
{
	char where[400];
	snprintf(where, sizeof(where), "%s:%d:", d.conf, line);
	cr_expect_eq(rc, 2, "exit status %d, expected 2; stderr:\n%s", rc, err);
	cr_expect_eq(lw_count_lines(err), 1, "expected one stderr line, got:\n%s", err);
	cr_expect(strstr(err, where), "stderr does not name %s:\n%s", where, err);
	cr_expect(strstr(err, what), "stderr does not mention \"%s\":\n%s", what, err);
}

#define HEAD \
	"[server]\n"                       /* 1 */ \
	"state_dir = %s\n"                 /* 2 */ \
	"plugin_dir = %s/stage/plugins\n"  /* 3 */ \
	"[coap]\n"                         /* 4 */ \
	"bind = 127.0.0.1\n"               /* 5 */ \
	"port = 0\n"                       /* 6 */ \
	"[http]\n"                         /* 7 */ \
	"port = 0\n"                       /* 8 */

Test(cmdline, version)
{
	int rc = lwm2md("--version", NULL, NULL, NULL, NULL, NULL);
	cr_expect_eq(rc, 0);
	cr_expect(strncmp(out, "lwm2md 0.1.0", 12) == 0, "--version printed \"%s\"", out);
	cr_expect_eq(lw_count_lines(out), 1, "--version printed \"%s\"", out);
}

Test(cmdline, check_config_good)
{
	write_conf(HEAD "[example-eventlog]\npath = events.jsonl\n");
	int rc = lwm2md("--check-config", "-c", d.conf, NULL, NULL, NULL);
	cr_expect_eq(rc, 0, "exit %d; stderr:\n%s", rc, err);
	cr_expect(strstr(out, "configuration OK"), "stdout: %s", out);
	/* Checking starts nothing: no state folder appears. */
	cr_expect_neq(access(d.state, F_OK), 0, "--check-config created %s", d.state);
}

Test(cmdline, unknown_core_key)
{
	write_conf(HEAD "[coap]\n"   /* 9 */
	                "colour = blue\n"); /* 10 */
	int rc = lwm2md("--check-config", "-c", d.conf, NULL, NULL, NULL);
	expect_config_error(rc, 10, "colour");
}

Test(cmdline, unknown_plugin_key)
{
	write_conf(HEAD "[example-eventlog]\n" /* 9 */
	                "path = e.jsonl\n"      /* 10 */
	                "colour = blue\n");     /* 11 */
	int rc = lwm2md("--check-config", "-c", d.conf, NULL, NULL, NULL);
	expect_config_error(rc, 11, "colour");
}

Test(cmdline, port_out_of_range)
{
	write_conf("[server]\n"                  /* 1 */
	           "state_dir = %s\n"            /* 2 */
	           "plugin_dir = %s/stage/plugins\n" /* 3 */
	           "\n"                          /* 4 */
	           "; a comment\n"               /* 5 */
	           "[coap]\n"                    /* 6 */
	           "port = 70000\n");            /* 7 */
	int rc = lwm2md("--check-config", "-c", d.conf, NULL, NULL, NULL);
	expect_config_error(rc, 7, "70000");
	cr_expect(strstr(err, "port"), "stderr does not name the key:\n%s", err);
}

Test(cmdline, missing_plugin)
{
	write_conf("[server]\n"                      /* 1 */
	           "state_dir = %s\n"                /* 2 */
	           "plugin_dir = %s/stage/plugins\n" /* 3 */
	           "plugins = nosuch\n"              /* 4 */
	           "[http]\n"                        /* 5 */
	           "port = 0\n");                    /* 6 */
	int rc = lwm2md("--check-config", "-c", d.conf, NULL, NULL, NULL);
	expect_config_error(rc, 4, "nosuch");
}

Test(cmdline, unknown_section)
{
	write_conf(HEAD "\n"                 /* 9 */
	                "[nosuchsection]\n"  /* 10 */
	                "foo = 1\n");        /* 11 */
	int rc = lwm2md("--check-config", "-c", d.conf, NULL, NULL, NULL);
	/* The header (10) or its first key (11): both point the operator at it. */
	char at10[400], at11[400];
	snprintf(at10, sizeof(at10), "%s:10:", d.conf);
	snprintf(at11, sizeof(at11), "%s:11:", d.conf);
	cr_expect_eq(rc, 2, "exit status %d, expected 2; stderr:\n%s", rc, err);
	cr_expect_eq(lw_count_lines(err), 1, "expected one stderr line, got:\n%s", err);
	cr_expect(strstr(err, at10) || strstr(err, at11), "stderr names no line 10/11:\n%s", err);
	cr_expect(strstr(err, "nosuchsection"), "stderr does not name the section:\n%s", err);
}

Test(cmdline, bad_config_also_refused_without_check_config)
{
	write_conf(HEAD "[coap]\n"           /* 9 */
	                "port = 70000\n");   /* 10 */
	int rc = lwm2md("-f", "-c", d.conf, NULL, NULL, NULL);
	expect_config_error(rc, 10, "70000");
}

Test(cmdline, missing_config_file)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/nosuch.ini", d.dir);
	int rc = lwm2md("--check-config", "-c", path, NULL, NULL, NULL);
	cr_expect_eq(rc, 2, "exit status %d; stderr:\n%s", rc, err);
	cr_expect_eq(lw_count_lines(err), 1, "stderr:\n%s", err);
	cr_expect(strstr(err, path), "stderr does not name the file:\n%s", err);
	/* And the daemon itself refuses to start on it, with nothing detached. */
	rc = lwm2md("-c", path, NULL, NULL, NULL, NULL);
	cr_expect_eq(rc, 2, "exit status %d without -f; stderr:\n%s", rc, err);
}

Test(cmdline, bad_log_level)
{
	write_conf(HEAD);
	int rc = lwm2md("--check-config", "-c", d.conf, "--log-level", "loud", NULL);
	cr_expect_eq(rc, 2, "exit status %d; stderr:\n%s", rc, err);
	cr_expect_eq(lw_count_lines(err), 1, "stderr:\n%s", err);
	cr_expect(strstr(err, "loud"), "stderr does not name the bad level:\n%s", err);
}

Test(cmdline, unknown_option_is_usage_error)
{
	int rc = lwm2md("--frobnicate", NULL, NULL, NULL, NULL, NULL);
	cr_expect_eq(rc, 2, "exit status %d; stderr:\n%s", rc, err);
	cr_expect(strstr(err, "Usage"), "no usage text:\n%s", err);
}

/* The port named in the single error line of a start that failed. */
static void expect_port_refused(int rc, int port)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	cr_expect_eq(rc, 1, "exit status %d, expected 1; stderr:\n%s", rc, err);
	cr_expect_eq(lw_count_lines(err), 1, "expected one stderr line, got:\n%s", err);
	cr_expect(strstr(err, p), "stderr does not name port %d:\n%s", port, err);
}

Test(cmdline, udp_port_in_use)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t len = sizeof(sin);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	int port = ntohs(sin.sin_port);
	cr_assert_eq(lwd_write_config(&d, port, NULL), 0);
	int rc = lwm2md("-f", "-c", d.conf, "--log-level", "error", NULL);
	close(fd);
	expect_port_refused(rc, port);
}

Test(cmdline, udp_port_in_use_by_another_lwm2md)
{
	/* A second daemon on the same port must not start beside the first. */
	cr_assert_eq(lwd_start(&d, NULL), 0);
	char conf2[400], state2[400], extra[600];
	snprintf(conf2, sizeof(conf2), "%s/second.ini", d.dir);
	snprintf(state2, sizeof(state2), "%s/state2", d.dir);
	snprintf(extra, sizeof(extra), "[server]\nstate_dir = %s\n", state2);
	char *first = lw_slurp(d.conf);
	cr_assert(first);
	size_t n = strlen(first) + strlen(extra) + 1;
	char *text = malloc(n);
	cr_assert(text);
	snprintf(text, n, "%s%s", first, extra);
	cr_assert_eq(lw_write_file(conf2, text), 0);
	free(first);
	free(text);

	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[] = {bin, "-f", "-c", conf2, "--log-level", "error", NULL};
	free(out);
	free(err);
	/* If it wrongly starts, it runs until killed: give it 3 s. */
	int rc = lw_run(argv, 3000, &out, &err);
	cr_assert(out && err);
	expect_port_refused(rc, d.port);
	int status = lwd_stop(&d);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "first daemon: status 0x%x",
	          status);
}

/* Runs a daemon on conf text (HEAD's two %s, then a CoAP port) until it
 * answers a ping, stops it, and says whether state_dir/events.jsonl exists. */
static int eventlog_written(const char *text)
{
	int port = lw_free_udp_port();
	cr_assert_gt(port, 0);
	char full[8192];
	snprintf(full, sizeof(full), text, d.state, lw_builddir(), port);
	cr_assert_eq(lw_write_file(d.conf, full), 0);
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[] = {bin, "-f", "-c", d.conf, NULL};
	pid_t pid = lw_spawn(argv, d.out, d.err);
	cr_assert_gt(pid, 0);
	int up = 0;
	for (int i = 0; i < 100 && !up; i++)
		up = lw_coap_ping(port, 100) == 0;
	lw_stop_child(pid, 10000);
	cr_assert(up, "lwm2md did not answer on port %d", port);
	char path[600];
	snprintf(path, sizeof(path), "%s/events.jsonl", d.state);
	return access(path, F_OK) == 0;
}

#define RUN_HEAD \
	"[server]\nstate_dir = %s\nplugin_dir = %s/stage/plugins\n" \
	"[coap]\nbind = 127.0.0.1\nport = %d\n[http]\nport = 0\n[storage]\nplugin = none\n"

Test(cmdline, example_plugins_only_when_asked)
{
	/* Every plugin of plugin_dir is loaded, but not the example that would
	 * write every event to a file nobody asked for... */
	cr_expect_not(eventlog_written(RUN_HEAD), "example-eventlog ran without its section");
	/* ...until the config gives it its section. */
	cr_expect(eventlog_written(RUN_HEAD "[example-eventlog]\n"),
	          "example-eventlog did not run with its section");
}
