/*
 * tests/integration/test_libcoap.c: the running daemon read by libcoap's
 * client library (coapc.c): libcoap does the message layer, so a wrong
 * message type, id or token from the daemon shows up as a missing answer.
 */
#include <coap3/coap.h>
#include <criterion/criterion.h>
#include <string.h>
#include <sys/wait.h>

#include "coapc.h"
#include "daemon.h"

static struct lwd d;

static void setup(void)
{
	cr_assert_eq(lwd_init(&d), 0);
	cr_assert_eq(lwd_start(&d, NULL), 0, "lwm2md did not start (see stderr above)");
}

static void teardown(void)
{
	lwd_cleanup(&d);
}

TestSuite(libcoap, .init = setup, .fini = teardown, .timeout = 30);

static void stop_cleanly(void)
{
	int status = lwd_stop(&d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "lwm2md did not exit 0 on SIGTERM (wait status 0x%x)", status);
}

Test(libcoap, ping_gets_reset)
{
	struct coapc_reply r;
	cr_assert_eq(coapc_ping(d.port, 3000, &r), 0, "no pong for the CoAP ping");
	cr_expect_eq(r.type, COAP_MESSAGE_RST, "pong of type %d, expected RST", r.type);
	cr_expect_eq(r.code, 0, "pong with code %d, expected an empty message", r.code);
	cr_expect_eq(r.mid, r.sent_mid, "pong mid %d for ping mid %d", r.mid, r.sent_mid);
	stop_cleanly();
}

Test(libcoap, con_get_well_known_core)
{
	struct coapc_reply r;
	cr_assert_eq(coapc_get(d.port, "/.well-known/core", 1, 3000, &r), 0, "no response");
	cr_expect_eq(r.type, COAP_MESSAGE_ACK, "response of type %d, expected a piggybacked ACK",
	             r.type);
	cr_expect_eq(r.mid, r.sent_mid, "ACK mid %d for request mid %d", r.mid, r.sent_mid);
	cr_expect_eq(r.code, COAP_RESPONSE_CODE(205), "code %d.%02d, expected 2.05",
	             r.code >> 5, r.code & 31);
	cr_expect_eq(r.content_format, COAP_MEDIATYPE_APPLICATION_LINK_FORMAT,
	             "Content-Format %d, expected 40", r.content_format);
	stop_cleanly();
}

Test(libcoap, non_get_gets_non_answer)
{
	struct coapc_reply r;
	cr_assert_eq(coapc_get(d.port, "/nothing", 0, 3000, &r), 0, "no response");
	/* RFC 7252 5.2.3: a NON request is answered with a NON response. */
	cr_expect_eq(r.type, COAP_MESSAGE_NON, "response of type %d, expected NON", r.type);
	cr_expect_eq(r.code, COAP_RESPONSE_CODE(404), "code %d.%02d, expected 4.04",
	             r.code >> 5, r.code & 31);
	stop_cleanly();
}
