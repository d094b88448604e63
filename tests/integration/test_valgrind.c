/*
 * tests/integration/test_valgrind.c: one whole life of the daemon under
 * valgrind's memcheck: start with its plugin, serve a few requests (good,
 * unknown, malformed), stop on SIGTERM. Any memory error or leak turns the
 * exit status into 99.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coap/message.h"
#include "daemon.h"

#ifndef LW_SANITIZERS
#define LW_SANITIZERS "no"
#endif

static struct lwd d;

static void teardown(void)
{
	lwd_cleanup(&d);
}

TestSuite(valgrind, .fini = teardown, .timeout = 60);

/* Is prog an executable in PATH? */
static int on_path(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path)
		return 0;
	char *copy = strdup(path);
	int found = 0;
	for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char full[4096];
		snprintf(full, sizeof(full), "%s/%s", *dir ? dir : ".", prog);
		found = access(full, X_OK) == 0;
	}
	free(copy);
	return found;
}

static void get(int fd, uint16_t mid, const char *path, uint8_t expect)
{
	uint8_t req[128], ans[2048];
	struct lw_coap_builder b;
	uint8_t tok[4] = {0xde, 0xad, (uint8_t)(mid >> 8), (uint8_t)mid};
	lw_coap_build_start(&b, req, sizeof(req), LW_COAP_CON, LW_COAP_GET, mid, tok, sizeof(tok));
	lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, path);
	size_t len;
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);
	cr_assert_eq(send(fd, req, len, 0), (ssize_t)len);
	ssize_t n = lw_udp_recv(fd, ans, sizeof(ans), 5000);
	cr_assert_gt(n, 0, "no answer to GET %s under valgrind", path);
	struct lw_coap_msg m;
	cr_assert_eq(lw_coap_parse(&m, ans, (size_t)n), 0);
	cr_expect_eq(m.code, expect, "GET %s: %d.%02d", path, m.code >> 5, m.code & 31);
}

Test(valgrind, no_leak_no_error_over_a_life)
{
	if (strcmp(LW_SANITIZERS, "yes") == 0)
		cr_skip("built with sanitizers: valgrind cannot run an ASan binary");
	if (!on_path("valgrind"))
		cr_skip("valgrind is not on PATH: memcheck of the daemon skipped");
	/* Only now: a skipped test gets no fini to remove the folder. */
	cr_assert_eq(lwd_init(&d), 0);

	static const char *const wrapper[] = {
		"valgrind", "--quiet", "--leak-check=full",
		"--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
		"--child-silent-after-fork=yes", NULL,
	};
	static const char *const args[] = {"--log-level", "debug", NULL};
	struct lwd_opts o = {.wrapper = wrapper, .args = args, .ready_ms = 30000};
	cr_assert_eq(lwd_start(&d, &o), 0, "lwm2md did not start under valgrind");
	/* Make sure what answers is the daemon inside memcheck, not a bare one. */
	char link[64], exe[4096];
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)d.pid);
	ssize_t n = readlink(link, exe, sizeof(exe) - 1);
	cr_assert_gt(n, 0);
	exe[n] = '\0';
	cr_assert(strstr(exe, "memcheck"), "the daemon runs as %s, not under memcheck", exe);

	int fd = lw_udp_connect(d.port);
	cr_assert_geq(fd, 0);
	get(fd, 1, "/.well-known/core", LW_COAP_CONTENT);
	get(fd, 2, "/nothing", LW_COAP_NOT_FOUND);
	get(fd, 1, "/nothing", LW_COAP_CONTENT); /* mid 1 again: from the cache */
	uint8_t bad[] = {0x4f, 0x01, 0x00, 0x03}; /* token length 15 */
	cr_assert_eq(send(fd, bad, sizeof(bad), 0), (ssize_t)sizeof(bad));
	uint8_t ans[64];
	cr_expect_eq(lw_udp_recv(fd, ans, sizeof(ans), 5000), 4, "no RST for a malformed CON");
	cr_expect(ans[0] == 0x70 && ans[2] == 0 && ans[3] == 3, "not an RST for mid 3");
	close(fd);
	cr_assert_eq(lw_coap_ping(d.port, 5000), 0);

	int status = lwd_signal_wait(&d, SIGTERM, 30000);
	char *log = lw_slurp(d.err);
	cr_assert(WIFEXITED(status), "lwm2md under valgrind did not exit (status 0x%x):\n%s",
	          status, log ? log : "");
	cr_assert_eq(WEXITSTATUS(status), 0, "valgrind found problems (exit %d):\n%s",
	             WEXITSTATUS(status), log ? log : "");
	free(log);
}
