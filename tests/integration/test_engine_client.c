/*
 * tests/integration/test_engine_client.c: the core's CoAP engine in its
 * client role, on a real loop and a real UDP socket, against libcoap's
 * coap-server: the two stacks must agree on the message layer, and the
 * engine's retransmission must recover a request lost on the way (a relay in
 * this test drops it) and give up in bounded time when nobody answers.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coap/engine.h"
#include "coap/udp.h"
#include "daemon.h"
#include "loop.h"
#include "lwm2m/error.h"

/* ---- coap-server ---- */

static pid_t server_pid;
static int server_port;

static void start_server(void)
{
	const char *bin = getenv("LW_COAP_SERVER");
	if (!bin || !*bin)
		cr_skip("LW_COAP_SERVER is empty: configure found no coap-server "
		        "(install libcoap3-bin)");
	server_pid = lw_coap_server_start(bin, NULL, &server_port);
	cr_assert_gt(server_pid, 0, "coap-server would not start");
}

static void stop_server(void)
{
	lw_stop_child(server_pid, 2000);
	server_pid = 0;
}

/* ---- the engine on its loop ---- */

struct client {
	struct lw_loop loop;
	struct lw_coap_engine *e;
	struct lw_coap_udp *udp;
	struct lw_timer guard;
	int done, guard_fired;
	int status;
	uint8_t code;
	char payload[256];
};

static struct client cl;

static void on_guard(struct lw_timer *t, void *arg)
{
	(void)t;
	struct client *c = arg;
	c->guard_fired = 1;
	lw_loop_break(&c->loop);
}

static void on_response(void *arg, int status, const struct lw_coap_msg *resp)
{
	struct client *c = arg;
	c->done++;
	c->status = status;
	if (resp) {
		c->code = resp->code;
		size_t n = resp->payload_len < sizeof(c->payload) - 1 ? resp->payload_len
		                                                     : sizeof(c->payload) - 1;
		memcpy(c->payload, resp->payload ? (const char *)resp->payload : "", n);
		c->payload[n] = '\0';
	}
	if (c->loop.base)
		lw_loop_break(&c->loop);
}

static void client_open(struct client *c, uint32_t ack_timeout_ms, uint32_t max_retransmit)
{
	memset(c, 0, sizeof(*c));
	cr_assert_eq(lw_loop_init(&c->loop), 0);
	struct lw_coap_params p;
	lw_coap_params_default(&p);
	p.ack_timeout_ms = ack_timeout_ms;
	p.max_retransmit = max_retransmit;
	c->e = malloc(sizeof(*c->e));
	cr_assert(c->e);
	cr_assert_eq(lw_coap_engine_init(c->e, &c->loop.timers, &p), 0);
	c->udp = malloc(sizeof(*c->udp));
	cr_assert(c->udp);
	char err[256];
	int rc = lw_coap_udp_open(c->udp, c->e, c->loop.base, "127.0.0.1", 0, 0, err, sizeof(err));
	cr_assert_eq(rc, 0, "lw_coap_udp_open: %s", err);
	cr_assert_gt(lw_coap_udp_port(c->udp), 0);
	lw_timer_init(&c->guard, on_guard, c);
}

static void client_close(struct client *c)
{
	if (c->udp) {
		lw_coap_udp_close(c->udp);
		free(c->udp);
	}
	if (c->e) {
		lw_coap_engine_free(c->e);
		free(c->e);
	}
	if (c->loop.base) {
		lw_timer_cancel(&c->loop.timers, &c->guard);
		lw_loop_free(&c->loop);
	}
	memset(c, 0, sizeof(*c));
}

/* GET path from 127.0.0.1:port; runs the loop until the answer (or 10 s). */
static void client_get(struct client *c, int port, const char *path, uint32_t timeout_ms)
{
	struct lw_coap_addr to;
	memset(&to, 0, sizeof(to));
	to.len = sizeof(to.u.in);
	to.u.in.sin_family = AF_INET;
	to.u.in.sin_port = htons((uint16_t)port);
	to.u.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct lw_coap_peer *peer =
		lw_coap_peer_get(&c->e->peers, &c->udp->ep, &to, lw_timers_now(&c->loop.timers));
	cr_assert(peer);

	struct lw_coap_msg req;
	memset(&req, 0, sizeof(req));
	req.type = LW_COAP_CON;
	req.code = LW_COAP_GET;
	req.n_opts = 1;
	req.opts[0].number = LW_COAP_OPT_URI_PATH;
	req.opts[0].len = (uint16_t)strlen(path);
	req.opts[0].value = (const uint8_t *)path;
	cr_assert_eq(lw_coap_request(c->e, peer, &req, timeout_ms, on_response, c, NULL), 0);
	cr_assert_eq(lw_timer_in(&c->loop.timers, &c->guard, 10000), 0);
	cr_assert_eq(lw_loop_run(&c->loop), 0);
	lw_timer_cancel(&c->loop.timers, &c->guard);
	cr_assert(!c->guard_fired, "no answer and no timeout from the engine within 10 s");
	cr_assert_eq(c->done, 1, "response callback ran %d times", c->done);
}

/* ---- a lossy relay between the engine and coap-server ---- */

struct relay {
	int front;  /* the engine sends here */
	int back;   /* connected to coap-server */
	int front_port;
	struct event *front_ev, *back_ev;
	struct sockaddr_storage engine;
	socklen_t engine_len;
	int to_drop; /* datagrams from the engine still to drop */
	int dropped, up, down;
};

static struct relay rl = {.front = -1, .back = -1};

static void relay_from_engine(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct relay *r = arg;
	uint8_t buf[4096];
	r->engine_len = sizeof(r->engine);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&r->engine,
	                     &r->engine_len);
	if (n <= 0)
		return;
	if (r->to_drop > 0) {
		r->to_drop--;
		r->dropped++;
		return;
	}
	if (send(r->back, buf, (size_t)n, 0) == n)
		r->up++;
}

static void relay_from_server(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct relay *r = arg;
	uint8_t buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n <= 0 || r->engine_len == 0)
		return;
	if (sendto(r->front, buf, (size_t)n, 0, (struct sockaddr *)&r->engine, r->engine_len) == n)
		r->down++;
}

static void relay_open(struct relay *r, struct event_base *base, int server, int drop)
{
	memset(r, 0, sizeof(*r));
	r->back = lw_udp_connect(server);
	cr_assert_geq(r->back, 0);
	r->front = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(r->front, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	cr_assert_eq(bind(r->front, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(r->front, (struct sockaddr *)&sin, &len), 0);
	r->front_port = ntohs(sin.sin_port);
	r->to_drop = drop;
	r->front_ev = event_new(base, r->front, EV_READ | EV_PERSIST, relay_from_engine, r);
	r->back_ev = event_new(base, r->back, EV_READ | EV_PERSIST, relay_from_server, r);
	cr_assert(r->front_ev && r->back_ev);
	event_add(r->front_ev, NULL);
	event_add(r->back_ev, NULL);
}

static void relay_close(struct relay *r)
{
	if (r->front_ev)
		event_free(r->front_ev);
	if (r->back_ev)
		event_free(r->back_ev);
	if (r->front >= 0)
		close(r->front);
	if (r->back >= 0)
		close(r->back);
	memset(r, 0, sizeof(*r));
	r->front = r->back = -1;
}

static void teardown(void)
{
	/* The relay's events live in the client's base: free them first. */
	relay_close(&rl);
	client_close(&cl);
	stop_server();
}

TestSuite(engine_client, .fini = teardown, .timeout = 30);

Test(engine_client, get_time_from_coap_server)
{
	start_server();
	client_open(&cl, 200, 4);
	client_get(&cl, server_port, "time", 5000);
	cr_assert_eq(cl.status, 0, "status %s", lw_strerror(cl.status));
	cr_assert_eq(cl.code, LW_COAP_CONTENT, "answer %d.%02d, expected 2.05", cl.code >> 5,
	             cl.code & 31);
	cr_expect_neq(cl.payload[0], '\0', "/time answered with no payload");
	cr_expect_eq(cl.e->stats.retransmits, 0, "%llu retransmissions on loopback",
	             cl.e->stats.retransmits);
	cr_expect_eq(cl.e->stats.requests_out, 1);
}

Test(engine_client, lost_request_is_retransmitted)
{
	start_server();
	client_open(&cl, 200, 4);
	relay_open(&rl, cl.loop.base, server_port, 1);
	uint64_t t0 = lw_now_ms();
	client_get(&cl, rl.front_port, "time", 5000);
	uint64_t took = lw_now_ms() - t0;
	cr_assert_eq(cl.status, 0, "status %s", lw_strerror(cl.status));
	cr_assert_eq(cl.code, LW_COAP_CONTENT, "answer %d.%02d, expected 2.05", cl.code >> 5,
	             cl.code & 31);
	cr_assert_eq(rl.dropped, 1);
	cr_assert_eq(rl.up, 1, "%d datagrams reached coap-server, expected 1", rl.up);
	cr_assert_eq(cl.e->stats.retransmits, 1, "%llu retransmissions, expected 1",
	             cl.e->stats.retransmits);
	/* RFC 7252 4.2: the first retransmission comes after ACK_TIMEOUT to 1.5x it. */
	cr_expect_geq(took, 200, "answered after %llu ms, before any retransmission could go",
	              (unsigned long long)took);
	cr_expect_lt(took, 2000, "answered after %llu ms", (unsigned long long)took);
}

Test(engine_client, nobody_listening_ends_in_bounded_time)
{
	int port = lw_free_udp_port();
	cr_assert_gt(port, 0);
	client_open(&cl, 100, 2);
	uint64_t t0 = lw_now_ms();
	client_get(&cl, port, "time", 5000);
	uint64_t took = lw_now_ms() - t0;
	cr_assert_neq(cl.status, 0, "a request to a closed port succeeded");
	cr_assert(cl.status == LW_ETIMEDOUT || cl.status == LW_EPROTO, "status %s",
	          lw_strerror(cl.status));
	if (cl.status == LW_ETIMEDOUT)
		cr_expect_eq(cl.e->stats.retransmits, 2, "%llu retransmissions, expected 2",
		             cl.e->stats.retransmits);
	/* 100 ms x 1.5 x (1 + 2 + 4) at most, well before the 5 s response deadline. */
	cr_expect_lt(took, 3000, "gave up after %llu ms", (unsigned long long)took);
}
