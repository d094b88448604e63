/*
 * tests/integration/test_udp_raw.c: the running daemon fed hand-built
 * datagrams from a plain UDP socket, for what no well-behaved CoAP library
 * would send: a reused message id with a different request (RFC 7252 4.5
 * says the cached answer is repeated), malformed headers, and a flood.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coap/message.h"
#include "daemon.h"

static struct lwd d;
static int fd = -1;

static void setup(void)
{
	cr_assert_eq(lwd_init(&d), 0);
	cr_assert_eq(lwd_start(&d, NULL), 0, "lwm2md did not start (see stderr above)");
	fd = lw_udp_connect(d.port);
	cr_assert_geq(fd, 0);
}

static void teardown(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
	lwd_cleanup(&d);
}

TestSuite(udp_raw, .init = setup, .fini = teardown, .timeout = 30);

static void stop_cleanly(void)
{
	int status = lwd_stop(&d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "lwm2md did not exit 0 on SIGTERM (wait status 0x%x)", status);
}

/* A GET of path with a 2-byte token, built with the core's own builder. */
static size_t build_get(uint8_t *buf, size_t cap, uint8_t type, uint16_t mid, uint16_t token,
                        const char *path)
{
	uint8_t tok[2] = {(uint8_t)(token >> 8), (uint8_t)token};
	struct lw_coap_builder b;
	lw_coap_build_start(&b, buf, cap, type, LW_COAP_GET, mid, tok, sizeof(tok));
	lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, path);
	size_t len = 0;
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);
	return len;
}

static void send_all(const uint8_t *buf, size_t len)
{
	cr_assert_eq(send(fd, buf, len, 0), (ssize_t)len, "send failed");
}

static size_t exchange(const uint8_t *req, size_t len, uint8_t *ans, size_t cap)
{
	send_all(req, len);
	ssize_t n = lw_udp_recv(fd, ans, cap, 3000);
	cr_assert_gt(n, 0, "no answer within 3 s");
	return (size_t)n;
}

static struct lw_coap_msg parse_answer(const uint8_t *buf, size_t len)
{
	struct lw_coap_msg m;
	cr_assert_eq(lw_coap_parse(&m, buf, len), 0, "the daemon sent a malformed message");
	return m;
}

Test(udp_raw, duplicate_con_is_answered_from_the_cache)
{
	uint8_t req[128], a1[2048], a2[2048], a3[2048];
	uint16_t mid = 0x5a17;

	size_t len = build_get(req, sizeof(req), LW_COAP_CON, mid, 0x0101, "/.well-known/core");
	size_t n1 = exchange(req, len, a1, sizeof(a1));
	struct lw_coap_msg m1 = parse_answer(a1, n1);
	cr_assert_eq(m1.type, LW_COAP_ACK);
	cr_assert_eq(m1.mid, mid);
	cr_assert_eq(m1.code, LW_COAP_CONTENT, "first answer %d.%02d, expected 2.05",
	             m1.code >> 5, m1.code & 31);

	/* Same message id, another request: to the daemon it is a retransmission. */
	len = build_get(req, sizeof(req), LW_COAP_CON, mid, 0x0202, "/nothing");
	size_t n2 = exchange(req, len, a2, sizeof(a2));
	struct lw_coap_msg m2 = parse_answer(a2, n2);
	cr_expect_eq(m2.code, LW_COAP_CONTENT, "duplicate answered %d.%02d, not from the cache",
	             m2.code >> 5, m2.code & 31);
	cr_assert_eq(n2, n1, "cached answer is %zu bytes, first answer was %zu", n2, n1);
	cr_assert_eq(memcmp(a1, a2, n1), 0, "cached answer differs from the first one");

	/* A new message id is a new request. */
	len = build_get(req, sizeof(req), LW_COAP_CON, (uint16_t)(mid + 1), 0x0303, "/nothing");
	size_t n3 = exchange(req, len, a3, sizeof(a3));
	struct lw_coap_msg m3 = parse_answer(a3, n3);
	cr_expect_eq(m3.type, LW_COAP_ACK);
	cr_expect_eq(m3.mid, (uint16_t)(mid + 1));
	cr_expect_eq(m3.code, LW_COAP_NOT_FOUND, "new request answered %d.%02d, expected 4.04",
	             m3.code >> 5, m3.code & 31);
	cr_expect_eq(m3.token_len, 2);
	cr_expect(m3.token[0] == 3 && m3.token[1] == 3, "4.04 does not echo the new token");
	stop_cleanly();
}

Test(udp_raw, malformed_con_gets_reset)
{
	/* Token length 9 is a message format error (RFC 7252 3). */
	uint8_t bad[] = {0x49, LW_COAP_GET, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	uint8_t ans[64];
	size_t n = exchange(bad, sizeof(bad), ans, sizeof(ans));
	uint8_t rst[] = {0x70, 0x00, 0x12, 0x34};
	cr_assert_eq(n, sizeof(rst), "answer of %zu bytes, expected a 4-byte RST", n);
	cr_assert_eq(memcmp(ans, rst, sizeof(rst)), 0,
	             "expected RST mid 0x1234, got %02x %02x %02x %02x", ans[0], ans[1], ans[2],
	             ans[3]);

	/* The same error in a NON is silently ignored (RFC 7252 4.3). */
	bad[0] = 0x59;
	send_all(bad, sizeof(bad));
	cr_expect_lt(lw_udp_recv(fd, ans, sizeof(ans), 300), 0, "a malformed NON was answered");
	cr_assert_eq(lw_coap_ping(d.port, 2000), 0, "the daemon stopped answering");
	stop_cleanly();
}

Test(udp_raw, flood_of_requests_all_answered)
{
	enum { N = 1000 };
	/* Room for every answer even if we fall behind reading them. */
	int big = 4 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));

	static uint8_t seen[N];
	uint16_t base = 0x8000;
	int answered = 0, stray = 0;
	uint8_t req[64], ans[2048];
	for (int i = 0; i < N; i++) {
		size_t len = build_get(req, sizeof(req), LW_COAP_CON, (uint16_t)(base + i),
		                       (uint16_t)i, i % 2 ? "/nothing" : "/.well-known/core");
		send_all(req, len);
		/* Drain what is already there without ever waiting. */
		ssize_t n;
		while ((n = recv(fd, ans, sizeof(ans), MSG_DONTWAIT)) > 0) {
			struct lw_coap_msg m;
			int k = lw_coap_parse(&m, ans, (size_t)n) == 0 ? (uint16_t)(m.mid - base) : N;
			if (k < N && m.type == LW_COAP_ACK && !seen[k]) {
				seen[k] = 1;
				answered++;
			} else {
				stray++;
			}
		}
	}
	uint64_t end = lw_now_ms() + 5000;
	while (answered < N && lw_now_ms() < end) {
		ssize_t n = lw_udp_recv(fd, ans, sizeof(ans), (int)(end - lw_now_ms()));
		if (n <= 0)
			break;
		struct lw_coap_msg m;
		int k = lw_coap_parse(&m, ans, (size_t)n) == 0 ? (uint16_t)(m.mid - base) : N;
		if (k < N && m.type == LW_COAP_ACK && !seen[k]) {
			seen[k] = 1;
			answered++;
		} else {
			stray++;
		}
	}
	cr_expect_eq(stray, 0, "%d answers that match no request", stray);
	cr_assert_eq(answered, N, "%d of %d requests answered", answered, N);
	stop_cleanly();
}
