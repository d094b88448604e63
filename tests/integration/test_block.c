/*
 * tests/integration/test_block.c: block-wise transfer (RFC 7959) between the
 * core's CoAP engine and libcoap, over real UDP on loopback.
 *
 * Client role: the engine PUTs 20 KiB to libcoap's coap-server (which keeps
 * dynamically created resources, -d) as Block1 chunks, then GETs it back,
 * which coap-server serves with Block2; the body must come back byte for
 * byte. Server role: libcoap's coap-client uploads 20 KiB to a resource of
 * the engine (Block1, reassembled before the handler runs) and reads a
 * 20 KiB answer (served with Block2). Two independent implementations must
 * agree, which the unit tests' scripted peers cannot show.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coap/block.h"
#include "coap/engine.h"
#include "coap/resource.h"
#include "coap/udp.h"
#include "daemon.h"
#include "loop.h"
#include "lwm2m/error.h"

#define BODY_LEN (20 * 1024 + 77)

static uint8_t body[BODY_LEN];

static void fill_body(void)
{
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < sizeof(body); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		body[i] = (uint8_t)x;
	}
}

/* ---- coap-server ---- */

static pid_t server_pid;
static int server_port;

static void start_server(void)
{
	const char *bin = getenv("LW_COAP_SERVER");
	if (!bin || !*bin)
		cr_skip("LW_COAP_SERVER is empty: configure found no coap-server");
	const char *extra[] = {"-d", "10", NULL};
	server_pid = lw_coap_server_start(bin, extra, &server_port);
	cr_assert_gt(server_pid, 0, "coap-server would not start");
}

static void stop_server(void)
{
	lw_stop_child(server_pid, 2000);
	server_pid = 0;
}

/* ---- the engine on a real loop ---- */

struct client {
	struct lw_loop loop;
	struct lw_coap_engine *e;
	struct lw_coap_udp *udp;
	struct lw_timer guard;
	int done, guard_fired, status;
	uint8_t code;
	uint8_t *payload;
	size_t payload_len;
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
	free(c->payload);
	c->payload = NULL;
	c->payload_len = 0;
	if (resp) {
		c->code = resp->code;
		c->payload = malloc(resp->payload_len + 1);
		cr_assert(c->payload);
		if (resp->payload_len)
			memcpy(c->payload, resp->payload, resp->payload_len);
		c->payload_len = resp->payload_len;
	}
	lw_loop_break(&c->loop);
}

static void engine_open(struct client *c)
{
	memset(c, 0, sizeof(*c));
	cr_assert_eq(lw_loop_init(&c->loop), 0);
	struct lw_coap_params p;
	lw_coap_params_default(&p);
	p.ack_timeout_ms = 500;
	c->e = malloc(sizeof(*c->e));
	cr_assert(c->e);
	cr_assert_eq(lw_coap_engine_init(c->e, &c->loop.timers, &p), 0);
	c->udp = malloc(sizeof(*c->udp));
	cr_assert(c->udp);
	char err[256];
	int rc = lw_coap_udp_open(c->udp, c->e, c->loop.base, "127.0.0.1", 0, 0, err, sizeof(err));
	cr_assert_eq(rc, 0, "lw_coap_udp_open: %s", err);
	lw_timer_init(&c->guard, on_guard, c);
}

static void engine_close(struct client *c)
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
	free(c->payload);
	memset(c, 0, sizeof(*c));
}

static void fini(void)
{
	engine_close(&cl);
	stop_server();
}

/* Sends code /path (with payload) to coap-server and runs the loop until the answer. */
static void request(struct client *c, uint8_t code, const char *path, const uint8_t *payload,
                    size_t len)
{
	struct lw_coap_addr to;
	memset(&to, 0, sizeof(to));
	to.len = sizeof(to.u.in);
	to.u.in.sin_family = AF_INET;
	to.u.in.sin_port = htons((uint16_t)server_port);
	to.u.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct lw_coap_peer *peer =
		lw_coap_peer_get(&c->e->peers, &c->udp->ep, &to, lw_timers_now(&c->loop.timers));
	cr_assert(peer);
	struct lw_coap_msg req;
	memset(&req, 0, sizeof(req));
	req.type = LW_COAP_CON;
	req.code = code;
	req.n_opts = 1;
	req.opts[0].number = LW_COAP_OPT_URI_PATH;
	req.opts[0].len = (uint16_t)strlen(path);
	req.opts[0].value = (const uint8_t *)path;
	req.payload = len ? payload : NULL;
	req.payload_len = len;
	c->done = 0;
	cr_assert_eq(lw_coap_request(c->e, peer, &req, 10000, on_response, c, NULL), 0);
	cr_assert_eq(lw_timer_in(&c->loop.timers, &c->guard, 15000), 0);
	cr_assert_eq(lw_loop_run(&c->loop), 0);
	lw_timer_cancel(&c->loop.timers, &c->guard);
	cr_assert(!c->guard_fired, "no answer and no timeout from the engine within 15 s");
	cr_assert_eq(c->done, 1, "response callback ran %d times", c->done);
}

Test(block_libcoap, put_20k_then_get_it_back, .fini = fini)
{
	fill_body();
	start_server();
	engine_open(&cl);
	request(&cl, LW_COAP_PUT, "blk", body, sizeof(body));
	cr_assert_eq(cl.status, 0, "PUT: %s", lw_strerror(cl.status));
	cr_assert(cl.code == LW_COAP_CREATED || cl.code == LW_COAP_CHANGED, "PUT answered %u.%02u",
	          cl.code >> 5, cl.code & 31);
	request(&cl, LW_COAP_GET, "blk", NULL, 0);
	cr_assert_eq(cl.status, 0, "GET: %s", lw_strerror(cl.status));
	cr_assert_eq(cl.code, LW_COAP_CONTENT);
	cr_assert_eq(cl.payload_len, sizeof(body), "got %zu bytes back", cl.payload_len);
	cr_assert_arr_eq(cl.payload, body, sizeof(body));
}

/* ---- server role: libcoap's coap-client against the engine ---- */

struct store {
	int posts;
	uint8_t *data;
	size_t len;
};

static struct store st;

static void store_handler(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                          const struct lw_coap_msg *req, struct lw_coap_response *resp, void *arg)
{
	(void)e;
	(void)peer;
	struct store *s = arg;
	if (req->code == LW_COAP_GET) {
		resp->msg.code = LW_COAP_CONTENT;
		resp->msg.payload = body;
		resp->msg.payload_len = sizeof(body);
		return;
	}
	s->posts++;
	free(s->data);
	s->data = malloc(req->payload_len + 1);
	cr_assert(s->data);
	memcpy(s->data, req->payload, req->payload_len);
	s->len = req->payload_len;
	resp->msg.code = LW_COAP_CHANGED;
}

/* A child process watched from the loop: the loop runs until it exits. */
struct child {
	pid_t pid;
	int status, exited;
	uint64_t end;
	struct lw_timer poll;
};

static void poll_child(struct lw_timer *t, void *arg)
{
	struct child *ch = arg;
	if (waitpid(ch->pid, &ch->status, WNOHANG) == ch->pid) {
		ch->exited = 1;
		lw_loop_break(&cl.loop);
		return;
	}
	if (lw_now_ms() >= ch->end) {
		lw_loop_break(&cl.loop);
		return;
	}
	lw_timer_in(&cl.loop.timers, t, 20);
}

/* Runs coap-client with args, serving the engine's loop until it exits. */
static int run_client(const char *const *argv)
{
	struct child ch = {.end = lw_now_ms() + 15000};
	ch.pid = lw_spawn(argv, NULL, NULL);
	cr_assert_gt(ch.pid, 0);
	lw_timer_init(&ch.poll, poll_child, &ch);
	cr_assert_eq(lw_timer_in(&cl.loop.timers, &ch.poll, 20), 0);
	cr_assert_eq(lw_loop_run(&cl.loop), 0);
	lw_timer_cancel(&cl.loop.timers, &ch.poll);
	if (!ch.exited) {
		kill(ch.pid, SIGKILL);
		waitpid(ch.pid, NULL, 0);
		cr_assert_fail("coap-client did not finish in 15 s");
	}
	return WIFEXITED(ch.status) ? WEXITSTATUS(ch.status) : -1;
}

static void server_fini(void)
{
	engine_close(&cl);
	free(st.data);
	memset(&st, 0, sizeof(st));
}

Test(block_libcoap, coap_client_uploads_and_reads_20k, .fini = server_fini)
{
	const char *bin = getenv("LW_COAP_CLIENT");
	if (!bin || !*bin)
		cr_skip("LW_COAP_CLIENT is empty: configure found no coap-client");
	fill_body();
	engine_open(&cl);
	cr_assert_eq(lw_coap_resource_add(cl.e, "/store", NULL,
	                                  LW_COAP_METHOD(LW_COAP_PUT) | LW_COAP_METHOD(LW_COAP_GET),
	                                  store_handler, &st),
	             0);
	char dir[] = "/tmp/lw-block-XXXXXX";
	cr_assert(mkdtemp(dir));
	char in[64], out[64], uri[96];
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d/store", lw_coap_udp_port(cl.udp));
	FILE *f = fopen(in, "wb");
	cr_assert(f);
	cr_assert_eq(fwrite(body, 1, sizeof(body), f), sizeof(body));
	fclose(f);

	const char *put[] = {bin, "-m", "put", "-b", "1024", "-f", in, uri, NULL};
	cr_assert_eq(run_client(put), 0);
	cr_assert_eq(st.posts, 1, "the handler ran %d times", st.posts);
	cr_assert_eq(st.len, sizeof(body));
	cr_assert_arr_eq(st.data, body, sizeof(body));
	cr_assert_eq(lw_coap_block_uploads(cl.e, NULL), 0);

	const char *get[] = {bin, "-m", "get", "-b", "1024", "-o", out, uri, NULL};
	cr_assert_eq(run_client(get), 0);
	static uint8_t back[BODY_LEN + 16];
	f = fopen(out, "rb");
	cr_assert(f);
	size_t n = fread(back, 1, sizeof(back), f);
	fclose(f);
	cr_assert_eq(n, sizeof(body), "coap-client wrote %zu bytes", n);
	cr_assert_arr_eq(back, body, sizeof(body));
	unlink(in);
	unlink(out);
	rmdir(dir);
}
