/*
 * tests/integration/test_coap_tools.c: the running daemon against libcoap's
 * own command-line client, an independent CoAP stack: what it sees on the
 * wire (its -v 7 dump of each PDU) must be what RFC 7252 asks for.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon.h"

static struct lwd d;

static const char *client(void);

static void setup(void)
{
	/* Skip before making anything: a skipped test gets no fini. */
	client();
	cr_assert_eq(lwd_init(&d), 0);
}

static void teardown(void)
{
	lwd_cleanup(&d);
}

TestSuite(coap_tools, .init = setup, .fini = teardown, .timeout = 30);

static const char *client(void)
{
	const char *c = getenv("LW_COAP_CLIENT");
	if (!c || !*c)
		cr_skip("LW_COAP_CLIENT is empty: configure found no coap-client "
		        "(install libcoap3-bin)");
	return c;
}

/*
 * Runs coap-client GET on path with one extra option (or none) and returns
 * its stdout and stderr together: the PDU dump goes to one, errors to the other.
 */
static char *coap_get(const char *path, const char *option)
{
	char uri[256];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d%s", d.port, path);
	const char *argv[] = {client(), "-v", "7", "-B", "5", "-m", "get", uri, NULL, NULL, NULL};
	if (option) {
		argv[7] = "-O";
		argv[8] = option;
		argv[9] = uri;
	}
	char *out = NULL, *err = NULL;
	int rc = lw_run(argv, 10000, &out, &err);
	cr_assert_eq(rc, 0, "coap-client exited %d:\n%s%s", rc, out ? out : "", err ? err : "");
	size_t n = strlen(out) + strlen(err) + 1;
	char *all = malloc(n);
	cr_assert(all);
	snprintf(all, n, "%s%s", out, err);
	free(out);
	free(err);
	return all;
}

static void stop_cleanly(void)
{
	int status = lwd_stop(&d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "lwm2md did not exit 0 on SIGTERM (wait status 0x%x)", status);
}

Test(coap_tools, well_known_core_is_content_in_link_format)
{
	cr_assert_eq(lwd_start(&d, NULL), 0);
	char *all = coap_get("/.well-known/core", NULL);
	/* The piggybacked answer to coap-client's CON. */
	cr_expect(strstr(all, "t:ACK c:2.05"), "no 2.05 piggybacked on the ACK:\n%s", all);
	cr_expect(strstr(all, "Content-Format:application/link-format"),
	          "no Content-Format 40 in the answer:\n%s", all);
	free(all);
	stop_cleanly();
}

Test(coap_tools, unknown_path_is_not_found)
{
	cr_assert_eq(lwd_start(&d, NULL), 0);
	char *all = coap_get("/nothing", NULL);
	cr_expect(strstr(all, "t:ACK c:4.04"), "no 4.04 for /nothing:\n%s", all);
	cr_expect(!strstr(all, "c:2.05"), "2.05 for /nothing:\n%s", all);
	free(all);
	stop_cleanly();
}

Test(coap_tools, unknown_critical_option_is_bad_option)
{
	cr_assert_eq(lwd_start(&d, NULL), 0);
	/* 2049 is odd, hence critical, and unassigned (RFC 7252 5.4.1). */
	char *all = coap_get("/.well-known/core", "2049,x");
	cr_expect(strstr(all, "t:ACK c:4.02"), "no 4.02 for option 2049:\n%s", all);
	cr_expect(!strstr(all, "c:2.05"), "2.05 despite option 2049:\n%s", all);
	free(all);
	stop_cleanly();
}
