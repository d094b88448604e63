/*
 * tests/integration/test_bootstrap.c: the Bootstrap Server end to end. The
 * real daemon with its REST API on; the device side is a bootstrap client
 * written here with libcoap (an independent CoAP stack), which sends
 * Bootstrap-Request, serves the server's Delete, Discover, Write and Finish
 * on its resources and records them, so that the tests can check the exact
 * sequence and decode every value written (SenML JSON with jansson, TLV by
 * hand): nothing of the daemon's own codecs checks the daemon.
 */
#include <arpa/inet.h>
#include <coap3/coap.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "httpc.h"

#define TOKEN "bs-token"
#define AUTH "Bearer " TOKEN

static struct lwd d;
static int http_port, bs_port, coaps_port, bss_port, tls_port;

static void setup(void)
{
	cr_assert_eq(lwd_init(&d), 0);
	unsetenv("LWM2MD_ADMIN_TOKEN");
	coap_startup();
	coap_set_log_level(LOG_EMERG);
}

static void teardown(void)
{
	/* A clean stop: leaks or UB in the daemon (sanitizer builds) show in
	 * its exit status and stderr. */
	if (d.pid > 0) {
		int status = lwd_stop(&d);
		char *log = lw_slurp(d.err);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		          "lwm2md exit status 0x%x:\n%s", status, log);
		cr_expect(!log || !strstr(log, "runtime error"), "%s", log);
		free(log);
	}
	lwd_cleanup(&d);
	coap_cleanup();
}

TestSuite(bootstrap, .init = setup, .fini = teardown, .timeout = 60);

/* The daemon with HTTP and the bootstrap server on, both on free ports. */
static void start(int session_timeout)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		http_port = httpc_free_port();
		bs_port = lw_free_udp_port();
		coaps_port = lw_free_udp_port();
		bss_port = lw_free_udp_port();
		tls_port = httpc_free_port();
		cr_assert(http_port > 0 && bs_port > 0 && coaps_port > 0 && bss_port > 0 &&
		          tls_port > 0);
		if (tls_port == http_port)
			continue;
		char extra[800];
		snprintf(extra, sizeof(extra),
		         "[http]\nbind = 127.0.0.1\nport = %d\nadmin_token = " TOKEN "\n"
		         "sse_keepalive_ms = 200\n"
		         "[coaps]\nbind = 127.0.0.1\nport = %d\n"
		         "[coap_tcp]\nport = 0\n"
		         "[coaps_tcp]\nbind = 127.0.0.1\nport = %d\n"
		         "[bootstrap]\nbind = 127.0.0.1\nport = %d\nsecure_port = %d\n"
		         "session_timeout = %d\n",
		         http_port, coaps_port, tls_port, bs_port, bss_port, session_timeout);
		struct lwd_opts o = {.extra_conf = extra};
		if (lwd_start(&d, &o) == 0)
			return;
	}
	cr_assert_fail("lwm2md did not start:\n%s", lw_slurp(d.err));
}

static void http(struct httpc_resp *r, const char *method, const char *target, const char *body)
{
	int rc = httpc_request(r, http_port, method, target, AUTH, NULL, body, 15000);
	cr_assert_eq(rc, 0, "%s %s: no whole answer:\n%s", method, target, r->raw);
}

static json_t *json_of(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	cr_assert(j, "not JSON (%s): %s", e.text, text);
	return j;
}

/* Two servers: this daemon over DTLS with a PSK, and a plain one. */
static void put_config(const char *ep)
{
	char body[1024], target[128];
	snprintf(body, sizeof(body),
	         "{\"servers\": ["
	         "{\"shortServerId\": 1, \"uri\": \"coaps://127.0.0.1:%d\", \"lifetime\": 300,"
	         " \"binding\": \"U\", \"security\": {\"mode\": \"psk\", \"identity\": \"%s-id\","
	         " \"key\": \"000102030405060708090a0b0c0d0e0f\"}},"
	         "{\"shortServerId\": 7, \"uri\": \"coap://127.0.0.1:%d\", \"lifetime\": 60,"
	         " \"binding\": \"UQ\", \"notificationStoring\": false}]}",
	         coaps_port, ep, d.port);
	snprintf(target, sizeof(target), "/api/v1/bootstrap/%s", ep);
	struct httpc_resp r;
	http(&r, "PUT", target, body);
	cr_assert_eq(r.status, 200, "PUT %s: %d %s", target, r.status, r.body);
}

/* ---- the bootstrap client ---- */

struct seen {
	int method;
	char path[32];
	int cf;
	size_t len;
	uint8_t payload[1024];
};

struct bsc {
	coap_context_t *ctx;
	coap_session_t *sess;
	int reply_code; /* to our Bootstrap-Request, 0 until it came */
	char reply_payload[2048];
	int finished;
	int discover;    /* answer Discover (1.1 client) or 4.04 (1.0 client) */
	int finish_code; /* what Finish gets */
	int write_code;  /* what Writes get (0: 2.04) */
	int reject_cf;   /* Writes in this format get 4.15 */
	struct seen seen[32];
	int n;
};

static void path_of(const coap_pdu_t *req, char *out, size_t cap)
{
	coap_string_t *p = coap_get_uri_path(req);
	snprintf(out, cap, "/%.*s", p ? (int)p->length : 0, p ? (const char *)p->s : "");
	coap_delete_string(p);
}

static void on_request(coap_resource_t *res, coap_session_t *session, const coap_pdu_t *req,
                       const coap_string_t *query, coap_pdu_t *resp)
{
	(void)res;
	(void)query;
	struct bsc *c = coap_session_get_app_data(session);
	if (c->n == 32)
		return;
	struct seen *s = &c->seen[c->n++];
	s->method = coap_pdu_get_code(req);
	path_of(req, s->path, sizeof(s->path));
	coap_opt_iterator_t it;
	coap_opt_t *o = coap_check_option(req, COAP_OPTION_CONTENT_FORMAT, &it);
	s->cf = o ? (int)coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o)) : -1;
	size_t len = 0;
	const uint8_t *data = NULL;
	if (coap_get_data(req, &len, &data) && len <= sizeof(s->payload)) {
		memcpy(s->payload, data, len);
		s->len = len;
	}
	switch (s->method) {
	case COAP_REQUEST_CODE_DELETE:
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE_DELETED);
		break;
	case COAP_REQUEST_CODE_GET:
		if (!c->discover) {
			coap_pdu_set_code(resp, COAP_RESPONSE_CODE_NOT_FOUND);
			break;
		}
		{
			/* What is left after Delete "/": the bootstrap account. */
			static const char links[] = "lwm2m=\"1.1\",</0/0>;uri=\"coap://bs.example:5783\","
			                            "</1>,</3/0>";
			uint8_t b[4];
			coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTENT);
			coap_add_option(resp, COAP_OPTION_CONTENT_FORMAT,
			                coap_encode_var_safe(b, sizeof(b), 40), b);
			coap_add_data(resp, sizeof(links) - 1, (const uint8_t *)links);
		}
		break;
	case COAP_REQUEST_CODE_PUT:
		if (c->reject_cf && s->cf == c->reject_cf)
			coap_pdu_set_code(resp, COAP_RESPONSE_CODE(415));
		else
			coap_pdu_set_code(resp, c->write_code ? (coap_pdu_code_t)c->write_code
			                                      : COAP_RESPONSE_CODE_CHANGED);
		break;
	case COAP_REQUEST_CODE_POST:
		c->finished = 1;
		coap_pdu_set_code(resp, (coap_pdu_code_t)c->finish_code);
		break;
	default:
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE_NOT_ALLOWED);
	}
}

static coap_response_t on_response(coap_session_t *session, const coap_pdu_t *sent,
                                   const coap_pdu_t *received, const coap_mid_t mid)
{
	(void)sent;
	(void)mid;
	struct bsc *c = coap_session_get_app_data(session);
	c->reply_code = coap_pdu_get_code(received);
	size_t len = 0;
	const uint8_t *data = NULL;
	if (coap_get_data(received, &len, &data) && len < sizeof(c->reply_payload))
		memcpy(c->reply_payload, data, len);
	return COAP_RESPONSE_OK;
}

static void bsc_open(struct bsc *c)
{
	memset(c, 0, sizeof(*c));
	c->discover = 1;
	c->finish_code = COAP_RESPONSE_CODE_CHANGED;
	c->ctx = coap_new_context(NULL);
	cr_assert(c->ctx);
	coap_context_set_block_mode(c->ctx, COAP_BLOCK_USE_LIBCOAP);
	coap_register_response_handler(c->ctx, on_response);
	coap_resource_t *root = coap_resource_init(NULL, 0);
	coap_register_handler(root, COAP_REQUEST_DELETE, on_request);
	coap_register_handler(root, COAP_REQUEST_GET, on_request);
	coap_add_resource(c->ctx, root);
	coap_resource_t *any = coap_resource_unknown_init2(on_request, 0);
	coap_register_handler(any, COAP_REQUEST_POST, on_request);
	coap_register_handler(any, COAP_REQUEST_DELETE, on_request);
	coap_register_handler(any, COAP_REQUEST_GET, on_request);
	coap_add_resource(c->ctx, any);
	coap_address_t dst;
	coap_address_init(&dst);
	dst.addr.sin.sin_family = AF_INET;
	dst.addr.sin.sin_port = htons((uint16_t)bs_port);
	dst.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.size = sizeof(dst.addr.sin);
	c->sess = coap_new_client_session(c->ctx, NULL, &dst, COAP_PROTO_UDP);
	cr_assert(c->sess);
	coap_session_set_app_data(c->sess, c);
}

static void bsc_close(struct bsc *c)
{
	if (c->ctx)
		coap_free_context(c->ctx);
	c->ctx = NULL;
}

/* Sends POST /bs?ep=EP[&pct=N] and waits for its answer. */
static void bsc_request(struct bsc *c, const char *ep, int pct)
{
	coap_pdu_t *pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST, c->sess);
	cr_assert(pdu);
	uint8_t tok[8];
	size_t toklen;
	coap_session_new_token(c->sess, &toklen, tok);
	coap_add_token(pdu, toklen, tok);
	coap_add_option(pdu, COAP_OPTION_URI_PATH, 2, (const uint8_t *)"bs");
	char q[300];
	int n = snprintf(q, sizeof(q), "ep=%s", ep);
	coap_add_option(pdu, COAP_OPTION_URI_QUERY, (size_t)n, (const uint8_t *)q);
	if (pct >= 0) {
		n = snprintf(q, sizeof(q), "pct=%d", pct);
		coap_add_option(pdu, COAP_OPTION_URI_QUERY, (size_t)n, (const uint8_t *)q);
	}
	cr_assert_neq(coap_send(c->sess, pdu), COAP_INVALID_MID);
	uint64_t end = lw_now_ms() + 5000;
	while (!c->reply_code && lw_now_ms() < end)
		coap_io_process(c->ctx, 50);
	cr_assert(c->reply_code, "no answer to the Bootstrap-Request");
}

/* Serves the server's requests until Finish came (and a moment after, so
 * that anything sent after Finish would be seen too). */
static void bsc_serve(struct bsc *c, int timeout_ms)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	while (!c->finished && lw_now_ms() < end)
		coap_io_process(c->ctx, 50);
	cr_assert(c->finished, "no Bootstrap-Finish; %d requests seen:\n%s", c->n,
	          lw_slurp(d.err));
	end = lw_now_ms() + 300;
	while (lw_now_ms() < end)
		coap_io_process(c->ctx, 50);
}

/* ---- decoding what was written ---- */

/* One decoded value: the bytes of strings and opaque, or a number. */
struct val {
	int found;
	long long i;
	int b;
	uint8_t bytes[256];
	size_t len;
};

static size_t b64url_decode(const char *in, uint8_t *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (; *in && *in != '='; in++) {
		const char *p = strchr(abc, *in == '+' ? '-' : *in == '/' ? '_' : *in);
		cr_assert(p, "bad base64url character %c", *in);
		acc = acc << 6 | (uint32_t)(p - abc);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

/* The value of resource name ("/0/1/3") in a SenML JSON payload. */
static struct val senml(const struct seen *s, const char *name)
{
	struct val v = {0};
	char text[1100];
	memcpy(text, s->payload, s->len);
	text[s->len] = '\0';
	json_t *a = json_of(text);
	cr_assert(json_is_array(a), "SenML JSON is an array: %s", text);
	const char *bn = "";
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		if (json_string_value(json_object_get(e, "bn")))
			bn = json_string_value(json_object_get(e, "bn"));
		const char *n = json_string_value(json_object_get(e, "n"));
		char full[64];
		snprintf(full, sizeof(full), "%s%s", bn, n ? n : "");
		if (strcmp(full, name) != 0)
			continue;
		v.found = 1;
		json_t *x;
		if ((x = json_object_get(e, "v")))
			v.i = (long long)json_number_value(x);
		if ((x = json_object_get(e, "vb")))
			v.b = json_is_true(x);
		if ((x = json_object_get(e, "vs"))) {
			v.len = strlen(json_string_value(x));
			memcpy(v.bytes, json_string_value(x), v.len);
		}
		if ((x = json_object_get(e, "vd")))
			v.len = b64url_decode(json_string_value(x), v.bytes);
	}
	json_decref(a);
	return v;
}

/* The value of resource rid in a TLV payload of one object instance (the
 * resources at top level, OMA TLV: type byte, id, length, value). */
static struct val tlv(const struct seen *s, int rid)
{
	struct val v = {0};
	size_t at = 0;
	while (at < s->len) {
		uint8_t t = s->payload[at++];
		int id_len = t & 0x20 ? 2 : 1;
		int len_len = (t >> 3) & 3;
		int id = s->payload[at];
		if (id_len == 2)
			id = id << 8 | s->payload[at + 1];
		at += (size_t)id_len;
		size_t len = t & 7;
		if (len_len) {
			len = 0;
			for (int k = 0; k < len_len; k++)
				len = len << 8 | s->payload[at++];
		}
		cr_assert_leq(at + len, s->len, "TLV runs past the payload");
		cr_assert_eq(t >> 6, 3, "a resource with value (type 0x%02x) at top level", t);
		if (id == rid) {
			v.found = 1;
			memcpy(v.bytes, s->payload + at, len);
			v.len = len;
			/* TLV integers are big-endian, 1 to 8 bytes. */
			unsigned long long u = 0;
			for (size_t k = 0; k < len && len <= 8; k++)
				u = u << 8 | s->payload[at + k];
			v.i = (long long)u;
			v.b = len == 1 && s->payload[at] == 1;
		}
		at += len;
	}
	return v;
}

static void expect_bytes(struct val v, const void *want, size_t len, const char *what)
{
	cr_expect(v.found, "%s not written", what);
	cr_expect_eq(v.len, len, "%s: %zu bytes, wanted %zu", what, v.len, len);
	cr_expect(v.len == len && memcmp(v.bytes, want, len) == 0, "%s differs", what);
}

static const uint8_t KEY[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static void expect_seen(const struct bsc *c, int i, int method, const char *path)
{
	cr_assert_gt(c->n, i, "only %d requests came", c->n);
	cr_expect_eq(c->seen[i].method, method, "request %d: method %d, wanted %d", i,
	             c->seen[i].method, method);
	cr_expect_str_eq(c->seen[i].path, path, "request %d", i);
}

/* Reads the event stream fd until a bootstrap event came: its data. */
static json_t *bootstrap_event(int fd, int timeout_ms)
{
	static char buf[65536];
	size_t len = 0;
	buf[0] = '\0';
	int rc = httpc_read_until(fd, buf, sizeof(buf), &len, "event: bootstrap\ndata: ",
	                          timeout_ms);
	cr_assert_eq(rc, 0, "no bootstrap event:\n%s\n%s", buf, lw_slurp(d.err));
	char *data = strstr(buf, "event: bootstrap\ndata: ") + strlen("event: bootstrap\ndata: ");
	/* The rest of the frame may still be on its way. */
	while (!strchr(data, '\n') && httpc_read_until(fd, buf, sizeof(buf), &len, NULL, 200) == 0)
		;
	char *end = strchr(data, '\n');
	cr_assert(end, "unterminated event: %s", data);
	*end = '\0';
	return json_of(data);
}

static int open_events(const char *ep)
{
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/events?ep=%s", ep);
	int fd = httpc_send(http_port, "GET", target, AUTH, NULL, NULL);
	cr_assert_geq(fd, 0);
	char buf[4096];
	size_t len = 0;
	cr_assert_eq(httpc_read_until(fd, buf, sizeof(buf), &len, "\r\n\r\n", 5000), 0,
	             "no event stream");
	return fd;
}

/* ---- tests ---- */

Test(bootstrap, full_sequence_senml_json)
{
	start(10);
	put_config("dev1");
	int ev = open_events("dev1");
	struct bsc c;
	bsc_open(&c);
	bsc_request(&c, "dev1", 110);
	cr_assert_eq(c.reply_code, COAP_RESPONSE_CODE_CHANGED, "Bootstrap-Request got %d.%02d",
	             c.reply_code >> 5, c.reply_code & 31);
	bsc_serve(&c, 8000);

	/* Delete "/", Discover "/", two Security instances beside the kept
	 * bootstrap account /0/0, two Server instances, Finish; nothing more. */
	cr_assert_eq(c.n, 7, "%d requests", c.n);
	expect_seen(&c, 0, COAP_REQUEST_CODE_DELETE, "/");
	expect_seen(&c, 1, COAP_REQUEST_CODE_GET, "/");
	expect_seen(&c, 2, COAP_REQUEST_CODE_PUT, "/0/1");
	expect_seen(&c, 3, COAP_REQUEST_CODE_PUT, "/0/2");
	expect_seen(&c, 4, COAP_REQUEST_CODE_PUT, "/1/0");
	expect_seen(&c, 5, COAP_REQUEST_CODE_PUT, "/1/1");
	expect_seen(&c, 6, COAP_REQUEST_CODE_POST, "/bs");
	for (int i = 2; i < 6; i++)
		cr_expect_eq(c.seen[i].cf, 110, "write %d in format %d, asked for 110", i,
		             c.seen[i].cf);

	char uri[64];
	snprintf(uri, sizeof(uri), "coaps://127.0.0.1:%d", coaps_port);
	const struct seen *s1 = &c.seen[2];
	expect_bytes(senml(s1, "/0/1/0"), uri, strlen(uri), "/0/1/0 URI");
	cr_expect(senml(s1, "/0/1/1").found && !senml(s1, "/0/1/1").b, "Bootstrap-Server false");
	cr_expect_eq(senml(s1, "/0/1/2").i, 0, "security mode PSK (0)");
	expect_bytes(senml(s1, "/0/1/3"), "dev1-id", 7, "/0/1/3 identity");
	expect_bytes(senml(s1, "/0/1/5"), KEY, sizeof(KEY), "/0/1/5 key");
	cr_expect_eq(senml(s1, "/0/1/10").i, 1, "short server id");

	const struct seen *s2 = &c.seen[3];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", d.port);
	expect_bytes(senml(s2, "/0/2/0"), uri, strlen(uri), "/0/2/0 URI");
	cr_expect_eq(senml(s2, "/0/2/2").i, 3, "security mode NoSec (3)");
	cr_expect_eq(senml(s2, "/0/2/10").i, 7, "short server id");

	const struct seen *v1 = &c.seen[4], *v2 = &c.seen[5];
	cr_expect_eq(senml(v1, "/1/0/0").i, 1);
	cr_expect_eq(senml(v1, "/1/0/1").i, 300, "lifetime");
	cr_expect(senml(v1, "/1/0/6").b, "notification storing defaults to true");
	expect_bytes(senml(v1, "/1/0/7"), "U", 1, "binding");
	cr_expect_eq(senml(v2, "/1/1/0").i, 7);
	cr_expect_eq(senml(v2, "/1/1/1").i, 60, "lifetime");
	cr_expect(senml(v2, "/1/1/6").found && !senml(v2, "/1/1/6").b, "notification storing");
	expect_bytes(senml(v2, "/1/1/7"), "UQ", 2, "binding");

	json_t *e = bootstrap_event(ev, 5000);
	cr_expect_str_eq(json_string_value(json_object_get(e, "endpoint")), "dev1");
	cr_expect_str_eq(json_string_value(json_object_get(e, "status")), "finished");
	json_t *servers = json_object_get(e, "servers");
	cr_expect_eq(json_array_size(servers), 2);
	cr_expect_eq(json_integer_value(json_array_get(servers, 0)), 1);
	cr_expect_eq(json_integer_value(json_array_get(servers, 1)), 7);
	json_decref(e);
	close(ev);
	bsc_close(&c);

	/* The DTLS server is this daemon: its PSK is dev1's credential here. */
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/security/dev1", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *cred = json_of(r.body);
	cr_expect_str_eq(json_string_value(json_object_get(cred, "mode")), "psk");
	cr_expect_str_eq(json_string_value(json_object_get(cred, "identity")), "dev1-id");
	cr_expect_str_eq(json_string_value(json_object_get(cred, "keyHint")), "0001...(16 bytes)");
	json_decref(cred);

	/* The configuration reads back without its key. */
	http(&r, "GET", "/api/v1/bootstrap/dev1", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect(!strstr(r.body, "0a0b0c0d"), "the key came back in full: %s", r.body);
	json_t *cfg = json_of(r.body);
	json_t *sec = json_object_get(json_array_get(json_object_get(cfg, "servers"), 0), "security");
	cr_expect_str_eq(json_string_value(json_object_get(sec, "keyHint")), "0001...(16 bytes)");
	cr_expect_eq(json_object_get(sec, "key"), NULL);
	cr_expect(json_is_true(json_object_get(json_array_get(json_object_get(cfg, "servers"), 0),
	                                       "local")));
	/* The plain server is this daemon too (its CoAP port), but NoSec has
	 * nothing to install: the credential above is the PSK's. */
	cr_expect(json_is_true(json_object_get(json_array_get(json_object_get(cfg, "servers"), 1),
	                                       "local")),
	          "%s", r.body);
	json_decref(cfg);
	http(&r, "GET", "/api/v1/bootstrap", NULL);
	cr_expect_eq(r.status, 200);
	cr_expect(strstr(r.body, "\"endpoint\":\"dev1\"") || strstr(r.body, "\"endpoint\": \"dev1\""),
	          "%s", r.body);
}

Test(bootstrap, lwm2m_1_0_client_gets_tlv)
{
	start(10);
	put_config("dev10");
	struct bsc c;
	bsc_open(&c);
	c.discover = 0; /* 1.0: no Bootstrap-Discover */
	bsc_request(&c, "dev10", -1);
	cr_assert_eq(c.reply_code, COAP_RESPONSE_CODE_CHANGED);
	bsc_serve(&c, 8000);
	cr_assert_eq(c.n, 7, "%d requests", c.n);
	/* Nothing discovered: /0/0 is taken to be the bootstrap account. */
	expect_seen(&c, 2, COAP_REQUEST_CODE_PUT, "/0/1");
	expect_seen(&c, 4, COAP_REQUEST_CODE_PUT, "/1/0");
	for (int i = 2; i < 6; i++)
		cr_expect_eq(c.seen[i].cf, 11542, "write %d in format %d, wanted TLV", i,
		             c.seen[i].cf);
	const struct seen *s1 = &c.seen[2];
	char uri[64];
	snprintf(uri, sizeof(uri), "coaps://127.0.0.1:%d", coaps_port);
	expect_bytes(tlv(s1, 0), uri, strlen(uri), "URI");
	cr_expect(tlv(s1, 1).found && !tlv(s1, 1).b, "Bootstrap-Server false");
	cr_expect(tlv(s1, 2).found && tlv(s1, 2).i == 0, "mode PSK");
	expect_bytes(tlv(s1, 3), "dev10-id", 8, "identity");
	expect_bytes(tlv(s1, 5), KEY, sizeof(KEY), "key");
	cr_expect_eq(tlv(s1, 10).i, 1, "short server id");
	const struct seen *v2 = &c.seen[5];
	cr_expect_eq(tlv(v2, 0).i, 7);
	cr_expect_eq(tlv(v2, 1).i, 60);
	expect_bytes(tlv(v2, 7), "UQ", 2, "binding");
	bsc_close(&c);
}

Test(bootstrap, unknown_endpoint_refused)
{
	start(10);
	struct bsc c;
	bsc_open(&c);
	bsc_request(&c, "nobody", -1);
	cr_expect_eq(c.reply_code, COAP_RESPONSE_CODE_NOT_FOUND, "got %d.%02d",
	             c.reply_code >> 5, c.reply_code & 31);
	cr_expect(strstr(c.reply_payload, "nobody"), "diagnostic: %s", c.reply_payload);
	/* And nothing follows: no Delete for a refused client. */
	uint64_t end = lw_now_ms() + 300;
	while (lw_now_ms() < end)
		coap_io_process(c.ctx, 50);
	cr_expect_eq(c.n, 0);
	bsc_close(&c);
	cr_expect_eq(lw_wait_for_text(d.err, "Bootstrap-Request from 127.0.0.1", 2000), 0,
	             "no log line:\n%s", lw_slurp(d.err));
	char *log = lw_slurp(d.err);
	cr_expect(log && strstr(log, "no bootstrap configuration for \"nobody\""), "%s", log);
	free(log);
}

Test(bootstrap, silent_client_times_out)
{
	start(1);
	put_config("dev2");
	int ev = open_events("dev2");
	struct bsc c;
	bsc_open(&c);
	bsc_request(&c, "dev2", -1);
	cr_assert_eq(c.reply_code, COAP_RESPONSE_CODE_CHANGED);
	/* The client goes away: the server's Delete is never answered. */
	bsc_close(&c);
	uint64_t t0 = lw_now_ms();
	json_t *e = bootstrap_event(ev, 5000);
	cr_expect_geq(lw_now_ms() - t0, 700, "timed out before the session timeout");
	cr_expect_str_eq(json_string_value(json_object_get(e, "status")), "timeout");
	cr_expect(strstr(json_string_value(json_object_get(e, "message")), "Bootstrap-Delete"),
	          "message: %s", json_string_value(json_object_get(e, "message")));
	json_decref(e);
	close(ev);
}

Test(bootstrap, finish_refused_is_failed)
{
	start(10);
	put_config("dev3");
	int ev = open_events("dev3");
	struct bsc c;
	bsc_open(&c);
	c.finish_code = COAP_RESPONSE_CODE(406);
	bsc_request(&c, "dev3", 110);
	bsc_serve(&c, 8000);
	json_t *e = bootstrap_event(ev, 5000);
	cr_expect_str_eq(json_string_value(json_object_get(e, "status")), "failed");
	cr_expect(strstr(json_string_value(json_object_get(e, "message")), "4.06"), "message: %s",
	          json_string_value(json_object_get(e, "message")));
	json_decref(e);
	close(ev);
	bsc_close(&c);
}

static void expect_400(const char *body, const char *needle)
{
	struct httpc_resp r;
	http(&r, "PUT", "/api/v1/bootstrap/bad", body);
	cr_expect_eq(r.status, 400, "%s: %d %s", body, r.status, r.body);
	json_t *j = json_of(r.body);
	const char *msg = json_string_value(json_object_get(j, "message"));
	cr_expect(msg && strstr(msg, needle), "%s: message \"%s\" lacks \"%s\"", body, msg, needle);
	cr_expect_str_eq(json_string_value(json_object_get(j, "error")), "bad-configuration");
	json_decref(j);
}

Test(bootstrap, put_validation)
{
	start(10);
#define SRV(x) "{\"servers\": [" x "]}"
	expect_400("[]", "JSON object");
	expect_400("{\"servers\": []}", "1 to 16");
	expect_400("{\"servers\": [], \"extra\": 1}", "extra");
	expect_400(SRV("{\"shortServerId\": 0, \"uri\": \"coap://h:1\"}"), "shortServerId");
	expect_400(SRV("{\"shortServerId\": 65535, \"uri\": \"coap://h:1\"}"), "shortServerId");
	expect_400(SRV("{\"shortServerId\": 1}"), "uri");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"http://h:1\"}"), "coap://");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coap://h\"}"), "port");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coap://:5683\"}"), "host");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coap://h:70000\"}"), "port");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coap://h:1\"},"
	               "{\"shortServerId\": 1, \"uri\": \"coap://g:1\"}"),
	           "twice");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coap://h:1\", \"lifetime\": 0}"),
	           "lifetime");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coap://h:1\", \"binding\": \"X\"}"),
	           "binding");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coaps://h:1\"}"), "security");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coap://h:1\", \"security\": "
	               "{\"mode\": \"psk\", \"identity\": \"i\", \"key\": \"00\"}}"),
	           "coap://");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coaps://h:1\", \"security\": "
	               "{\"mode\": \"nosec\"}}"),
	           "coaps://");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coaps://h:1\", \"security\": "
	               "{\"mode\": \"psk\", \"identity\": \"i\", \"key\": \"0g\"}}"),
	           "hex");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coaps://h:1\", \"security\": "
	               "{\"mode\": \"psk\", \"key\": \"00\"}}"),
	           "identity");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coaps://h:1\", \"security\": "
	               "{\"mode\": \"magic\"}}"),
	           "mode");
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coap://h:1\", \"colour\": 1}"), "colour");
	/* Nothing of it was kept. */
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/bootstrap/bad", NULL);
	cr_expect_eq(r.status, 404, "%s", r.body);
	http(&r, "DELETE", "/api/v1/bootstrap/bad", NULL);
	cr_expect_eq(r.status, 404, "%s", r.body);
}

Test(bootstrap, configuration_survives_restart)
{
	start(10);
	put_config("dev4");
	int status = lwd_stop(&d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "lwm2md exit status 0x%x",
	          status);
	start(10);
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/bootstrap/dev4", NULL);
	cr_assert_eq(r.status, 200, "the configuration is gone after a restart: %s", r.body);
	cr_expect(strstr(r.body, "dev4-id"), "%s", r.body);
	/* And it still bootstraps. */
	struct bsc c;
	bsc_open(&c);
	bsc_request(&c, "dev4", 110);
	cr_assert_eq(c.reply_code, COAP_RESPONSE_CODE_CHANGED);
	bsc_serve(&c, 8000);
	cr_expect_eq(c.n, 7);
	bsc_close(&c);
	/* DELETE removes it; a Bootstrap-Request is then refused. */
	http(&r, "DELETE", "/api/v1/bootstrap/dev4", NULL);
	cr_expect_eq(r.status, 204, "%s", r.body);
	bsc_open(&c);
	bsc_request(&c, "dev4", 110);
	cr_expect_eq(c.reply_code, COAP_RESPONSE_CODE_NOT_FOUND);
	bsc_close(&c);
}

Test(bootstrap, foreign_server_installs_no_credential)
{
	start(10);
	struct httpc_resp r;
	http(&r, "PUT", "/api/v1/bootstrap/dev5",
	     "{\"servers\": [{\"shortServerId\": 3, \"uri\": \"coaps://192.0.2.1:5684\","
	     " \"security\": {\"mode\": \"psk\", \"identity\": \"dev5-id\", \"key\": \"abcd\"}}]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *j = json_of(r.body);
	cr_expect(json_is_false(json_object_get(json_array_get(json_object_get(j, "servers"), 0),
	                                        "local")),
	          "%s", r.body);
	json_decref(j);
	http(&r, "GET", "/api/v1/security/dev5", NULL);
	cr_expect_eq(r.status, 404, "another server's key was installed here: %s", r.body);
	/* "local": true says it is ours after all (a name behind a load balancer). */
	http(&r, "PUT", "/api/v1/bootstrap/dev5",
	     "{\"servers\": [{\"shortServerId\": 3, \"uri\": \"coaps://lwm2m.example:5684\","
	     " \"local\": true, \"security\": {\"mode\": \"psk\", \"identity\": \"dev5-id\","
	     " \"key\": \"abcd\"}}]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	http(&r, "GET", "/api/v1/security/dev5", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	/* An identity another endpoint has is a conflict, and nothing changes. */
	http(&r, "PUT", "/api/v1/bootstrap/dev6",
	     "{\"servers\": [{\"shortServerId\": 3, \"uri\": \"coaps://lwm2m.example:5684\","
	     " \"local\": true, \"security\": {\"mode\": \"psk\", \"identity\": \"dev5-id\","
	     " \"key\": \"abcd\"}}]}");
	cr_expect_eq(r.status, 409, "%s", r.body);
	http(&r, "GET", "/api/v1/bootstrap/dev6", NULL);
	cr_expect_eq(r.status, 404, "%s", r.body);
}

Test(bootstrap, stop_during_session)
{
	start(30);
	put_config("dev8");
	struct bsc c;
	bsc_open(&c);
	bsc_request(&c, "dev8", -1);
	cr_assert_eq(c.reply_code, COAP_RESPONSE_CODE_CHANGED);
	/* The Delete is out, unanswered: the session is in flight when the
	 * daemon stops (teardown checks it exits 0 with nothing leaked). */
	uint64_t end = lw_now_ms() + 2000;
	while (c.n == 0 && lw_now_ms() < end)
		coap_io_process(c.ctx, 50);
	cr_assert_eq(c.n, 1, "no Bootstrap-Delete came");
	bsc_close(&c);
}

/* The reference client, factory-fresh: only its bootstrap account. */
static pid_t run_client(const char *ep, char *err_path, size_t cap)
{
	char bin[1024], uri[64];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", bs_port);
	snprintf(err_path, cap, "%s/client.err", d.dir);
	const char *argv[] = {bin, "-b", "-u", uri, "-n", ep, NULL};
	pid_t pid = lw_spawn(argv, NULL, err_path);
	cr_assert_gt(pid, 0);
	return pid;
}

/* Waits for the event stream to show ep registered after its bootstrap. */
static void expect_bootstrap_then_register(int ev, const char *client_err)
{
	json_t *e = bootstrap_event(ev, 8000);
	cr_expect_str_eq(json_string_value(json_object_get(e, "status")), "finished");
	json_decref(e);
	char buf[16384];
	size_t len = 0;
	int rc = httpc_read_until(ev, buf, sizeof(buf), &len, "event: registration", 8000);
	char *log = lw_slurp(client_err);
	cr_expect_eq(rc, 0, "no registration after the bootstrap:\n%s", log);
	free(log);
}

Test(bootstrap, reference_client_bootstraps_then_registers)
{
	start(10);
	char body[300];
	snprintf(body, sizeof(body),
	         "{\"servers\": [{\"shortServerId\": 1, \"uri\": \"coap://127.0.0.1:%d\","
	         " \"lifetime\": 60}]}",
	         d.port);
	struct httpc_resp r;
	http(&r, "PUT", "/api/v1/bootstrap/ref1", body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	int ev = open_events("ref1");
	char err_path[400];
	pid_t pid = run_client("ref1", err_path, sizeof(err_path));
	expect_bootstrap_then_register(ev, err_path);
	http(&r, "GET", "/api/v1/clients/ref1", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"lifetime\":60"), "the lifetime written is used: %s", r.body);
	lw_stop_child(pid, 5000);
	close(ev);
}

Test(bootstrap, reference_client_bootstraps_then_registers_over_dtls)
{
	start(10);
	put_config("ref2"); /* server 1: this daemon over DTLS with a PSK */
	int ev = open_events("ref2");
	char err_path[400];
	pid_t pid = run_client("ref2", err_path, sizeof(err_path));
	expect_bootstrap_then_register(ev, err_path);
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/clients/ref2", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	lw_stop_child(pid, 5000);
	close(ev);
	char *log = lw_slurp(d.err);
	cr_expect(log && strstr(log, "authenticated as endpoint \"ref2\" (psk"),
	          "not registered over DTLS with the bootstrapped PSK:\n%s", log);
	free(log);
}

Test(bootstrap, write_refused_is_failed)
{
	start(10);
	put_config("dev11");
	int ev = open_events("dev11");
	struct bsc c;
	bsc_open(&c);
	c.write_code = COAP_RESPONSE_CODE(400);
	bsc_request(&c, "dev11", 110);
	uint64_t end = lw_now_ms() + 5000;
	while (c.n < 3 && lw_now_ms() < end)
		coap_io_process(c.ctx, 50);
	json_t *e = bootstrap_event(ev, 5000);
	cr_expect_str_eq(json_string_value(json_object_get(e, "status")), "failed");
	cr_expect_str_eq(json_string_value(json_object_get(e, "message")),
	                 "Bootstrap-Write /0/1 answered 4.00");
	json_decref(e);
	/* Nothing after the refused write: no more writes, no Finish. */
	end = lw_now_ms() + 300;
	while (lw_now_ms() < end)
		coap_io_process(c.ctx, 50);
	cr_expect_eq(c.n, 3, "%d requests", c.n);
	cr_expect(!c.finished);
	close(ev);
	bsc_close(&c);
}

Test(bootstrap, unsupported_format_falls_back_to_tlv)
{
	start(10);
	put_config("dev12");
	struct bsc c;
	bsc_open(&c);
	c.reject_cf = 110;
	bsc_request(&c, "dev12", 110);
	bsc_serve(&c, 8000);
	/* Delete, Discover, /0/1 in SenML JSON (refused) then in TLV, and
	 * TLV from then on. */
	cr_assert_eq(c.n, 8, "%d requests", c.n);
	expect_seen(&c, 2, COAP_REQUEST_CODE_PUT, "/0/1");
	cr_expect_eq(c.seen[2].cf, 110);
	expect_seen(&c, 3, COAP_REQUEST_CODE_PUT, "/0/1");
	for (int i = 3; i < 7; i++)
		cr_expect_eq(c.seen[i].cf, 11542, "write %d in %d", i, c.seen[i].cf);
	expect_bytes(tlv(&c.seen[3], 3), "dev12-id", 8, "identity");
	bsc_close(&c);
}

/* GET /bspack?ep=EP with Accept accept (-1: none): the answer in c. */
static void bsc_pack(struct bsc *c, const char *ep, int accept)
{
	coap_pdu_t *pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_GET, c->sess);
	cr_assert(pdu);
	uint8_t tok[8], b[4];
	size_t toklen;
	coap_session_new_token(c->sess, &toklen, tok);
	coap_add_token(pdu, toklen, tok);
	coap_add_option(pdu, COAP_OPTION_URI_PATH, 6, (const uint8_t *)"bspack");
	char q[300];
	int n = snprintf(q, sizeof(q), "ep=%s", ep);
	coap_add_option(pdu, COAP_OPTION_URI_QUERY, (size_t)n, (const uint8_t *)q);
	if (accept >= 0)
		coap_add_option(pdu, COAP_OPTION_ACCEPT,
		                coap_encode_var_safe(b, sizeof(b), (unsigned)accept), b);
	cr_assert_neq(coap_send(c->sess, pdu), COAP_INVALID_MID);
	uint64_t end = lw_now_ms() + 5000;
	while (!c->reply_code && lw_now_ms() < end)
		coap_io_process(c->ctx, 50);
	cr_assert(c->reply_code, "no answer to the Bootstrap-Pack-Request");
}

Test(bootstrap, bootstrap_pack)
{
	start(10);
	put_config("dev13");
	int ev = open_events("dev13");
	struct bsc c;
	bsc_open(&c);
	bsc_pack(&c, "dev13", 110);
	cr_assert_eq(c.reply_code, COAP_RESPONSE_CODE_CONTENT, "got %d.%02d", c.reply_code >> 5,
	             c.reply_code & 31);
	struct seen s = {0};
	s.len = strlen(c.reply_payload);
	cr_assert_gt(s.len, 0);
	memcpy(s.payload, c.reply_payload, s.len);
	char uri[64];
	snprintf(uri, sizeof(uri), "coaps://127.0.0.1:%d", coaps_port);
	expect_bytes(senml(&s, "/0/1/0"), uri, strlen(uri), "/0/1/0 URI");
	expect_bytes(senml(&s, "/0/1/5"), KEY, sizeof(KEY), "/0/1/5 key");
	cr_expect_eq(senml(&s, "/0/2/10").i, 7);
	cr_expect_eq(senml(&s, "/1/0/1").i, 300);
	expect_bytes(senml(&s, "/1/1/7"), "UQ", 2, "binding");
	json_t *e = bootstrap_event(ev, 5000);
	cr_expect_str_eq(json_string_value(json_object_get(e, "status")), "finished");
	json_decref(e);
	bsc_close(&c);
	/* A format a pack cannot come in, and an unknown endpoint. */
	bsc_open(&c);
	bsc_pack(&c, "dev13", 0);
	cr_expect_eq(c.reply_code, COAP_RESPONSE_CODE(406));
	bsc_close(&c);
	bsc_open(&c);
	bsc_pack(&c, "nobody", 110);
	cr_expect_eq(c.reply_code, COAP_RESPONSE_CODE(404));
	bsc_close(&c);
	close(ev);
}

Test(bootstrap, port_in_use_refuses_to_start)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t len = sizeof(sin);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	char extra[200];
	snprintf(extra, sizeof(extra), "[coaps]\nport = 0\n[bootstrap]\nbind = 127.0.0.1\nport = %d\n",
	         ntohs(sin.sin_port));
	cr_assert_eq(lwd_write_config(&d, lw_free_udp_port(), extra), 0);
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[] = {bin, "-f", "-c", d.conf, NULL};
	char *err = NULL;
	int rc = lw_run(argv, 10000, NULL, &err);
	close(fd);
	cr_expect_eq(rc, 1, "exit status %d:\n%s", rc, err);
	cr_expect(err && strstr(err, "[bootstrap] cannot bind UDP"), "%s", err);
	free(err);
}

/* A P-256 key pair made for this test (SubjectPublicKeyInfo and SEC 1 DER). */
#define PUB "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZ6IXuP+Sy+MgUEkWL/08/aorOqEDpXrSPdfFuLi8BvI/" \
            "4asrjiYHb9VtBcyGzYybZqaTsl7C6J99KGHhzIm3Hg=="
#define PRIV "MHcCAQEEIA9j9PNOx7yVg9Baun8fraktWoIshGOeJHfYWwM6J8RhoAoGCCqGSM49AwEHoUQDQgAEZ6IX" \
             "uP+Sy+MgUEkWL/08/aorOqEDpXrSPdfFuLi8BvI/4asrjiYHb9VtBcyGzYybZqaTsl7C6J99KGHhzIm3Hg=="
#define PUB_SHA256 "d22c49f0c20ffff7bceb85a7b3966f616491713d0b92f189166bc0c8f5c5f103"

Test(bootstrap, rpk_and_x509_servers)
{
	start(10);
	char body[2048];
	snprintf(body, sizeof(body),
	         "{\"servers\": ["
	         "{\"shortServerId\": 1, \"uri\": \"coaps://127.0.0.1:%d\", \"security\": "
	         "{\"mode\": \"rpk\", \"publicKey\": \"" PUB "\", \"privateKey\": \"" PRIV "\","
	         " \"serverPublicKey\": \"" PUB "\"}},"
	         "{\"shortServerId\": 2, \"uri\": \"coaps://192.0.2.7:5684\", \"security\": "
	         "{\"mode\": \"x509\", \"certificate\": \"" PUB "\", \"privateKey\": \"" PRIV "\"}}]}",
	         coaps_port);
	struct httpc_resp r;
	http(&r, "PUT", "/api/v1/bootstrap/dev14", body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect(!strstr(r.body, "MHcCAQEE"), "a private key came back: %s", r.body);
	cr_expect(strstr(r.body, "\"privateKeyHint\""), "%s", r.body);
	/* Server 1 is this daemon: the device's public key is its credential. */
	http(&r, "GET", "/api/v1/security/dev14", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *cred = json_of(r.body);
	cr_expect_str_eq(json_string_value(json_object_get(cred, "mode")), "rpk");
	cr_expect_str_eq(json_string_value(json_object_get(cred, "publicKeySha256")), PUB_SHA256);
	json_decref(cred);

	struct bsc c;
	bsc_open(&c);
	bsc_request(&c, "dev14", 110);
	bsc_serve(&c, 8000);
	cr_assert_eq(c.n, 7, "%d requests", c.n);
	uint8_t pub[200], priv[200];
	size_t pub_len = b64url_decode(PUB, pub), priv_len = b64url_decode(PRIV, priv);
	const struct seen *s1 = &c.seen[2], *s2 = &c.seen[3];
	cr_expect_eq(senml(s1, "/0/1/2").i, 1, "mode RPK (1)");
	expect_bytes(senml(s1, "/0/1/3"), pub, pub_len, "own public key");
	expect_bytes(senml(s1, "/0/1/4"), pub, pub_len, "server public key");
	expect_bytes(senml(s1, "/0/1/5"), priv, priv_len, "private key");
	cr_expect_eq(senml(s2, "/0/2/2").i, 2, "mode certificate (2)");
	expect_bytes(senml(s2, "/0/2/3"), pub, pub_len, "certificate");
	cr_expect(senml(s2, "/0/2/4").found && senml(s2, "/0/2/4").len == 0,
	          "no server certificate: written empty");
	bsc_close(&c);

	/* An RPK publicKey that is no key at all is refused for this daemon. */
	snprintf(body, sizeof(body),
	         "{\"servers\": [{\"shortServerId\": 1, \"uri\": \"coaps://127.0.0.1:%d\", "
	         "\"security\": {\"mode\": \"rpk\", \"publicKey\": \"AAAA\", \"privateKey\": \"AAAA\"}}]}",
	         coaps_port);
	http(&r, "PUT", "/api/v1/bootstrap/dev15", body);
	cr_expect_eq(r.status, 400, "%s", r.body);
	cr_expect(strstr(r.body, "publicKey"), "%s", r.body);
}

/* ---- bootstrap over DTLS ([bootstrap] secure_port) ---- */

#define BS_KEY "0f0e0d0c0b0a09080706050403020100"
#define DM_KEY "00112233445566778899aabbccddeeff"

/* ep's configuration: its bootstrap PSK (bsid, BS_KEY), the one a device
 * has from the factory, and this daemon over DTLS with a PSK the device
 * does not know yet (EP-dm, DM_KEY). */
static void put_dtls_config(const char *ep, const char *bsid, int want)
{
	char body[1024], target[128];
	snprintf(body, sizeof(body),
	         "{\"bootstrapSecurity\": {\"mode\": \"psk\", \"identity\": \"%s\","
	         " \"key\": \"" BS_KEY "\"},"
	         " \"servers\": [{\"shortServerId\": 1, \"uri\": \"coaps://127.0.0.1:%d\","
	         " \"lifetime\": 300, \"security\": {\"mode\": \"psk\", \"identity\": \"%s-dm\","
	         " \"key\": \"" DM_KEY "\"}}]}",
	         bsid, coaps_port, ep);
	snprintf(target, sizeof(target), "/api/v1/bootstrap/%s", ep);
	struct httpc_resp r;
	http(&r, "PUT", target, body);
	cr_assert_eq(r.status, want, "PUT %s: %d %s", target, r.status, r.body);
}

/* The reference client, factory-fresh: only the bootstrap server's coaps://
 * URI and a bootstrap PSK. */
static pid_t run_dtls_client(const char *ep, const char *id, const char *key, char *err_path,
                             size_t cap)
{
	char bin[1024], uri[64];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coaps://127.0.0.1:%d", bss_port);
	snprintf(err_path, cap, "%s/%s.err", d.dir, ep);
	const char *argv[] = {bin, "-b", "-u", uri, "-n", ep, "-i", id, "-k", key,
	                      "--give-up", "1", NULL};
	pid_t pid = lw_spawn(argv, NULL, err_path);
	cr_assert_gt(pid, 0);
	return pid;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay ? strstr(hay, needle) : NULL; p; p = strstr(p + 1, needle))
		n++;
	return n;
}

Test(bootstrap, factory_fresh_client_bootstraps_over_dtls)
{
	start(10);
	put_dtls_config("sec1", "sec1-bs", 200);
	struct httpc_resp r;
	/* The bootstrap credential is shown as a hint, and is not a DM one. */
	http(&r, "GET", "/api/v1/bootstrap/sec1", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *j = json_of(r.body);
	json_t *bsec = json_object_get(j, "bootstrapSecurity");
	cr_expect_str_eq(json_string_value(json_object_get(bsec, "mode")), "psk");
	cr_expect_str_eq(json_string_value(json_object_get(bsec, "identity")), "sec1-bs");
	cr_expect(json_object_get(bsec, "keyHint") && !json_object_get(bsec, "key"), "%s", r.body);
	cr_expect(!strstr(r.body, BS_KEY) && !strstr(r.body, DM_KEY), "a key in full: %s", r.body);
	json_decref(j);
	http(&r, "GET", "/api/v1/security/sec1", NULL);
	cr_expect(strstr(r.body, "\"identity\":\"sec1-dm\""), "the DM credential: %s", r.body);

	int ev = open_events("sec1");
	char err_path[400];
	pid_t pid = run_dtls_client("sec1", "sec1-bs", BS_KEY, err_path, sizeof(err_path));
	expect_bootstrap_then_register(ev, err_path);
	http(&r, "GET", "/api/v1/clients/sec1", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"secure\":true"), "not registered over DTLS: %s", r.body);
	char *log = lw_slurp(d.err);
	/* Bootstrap on the bootstrap listener, then the DM listener with the
	 * PSK the bootstrap wrote. */
	char bs_line[64];
	snprintf(bs_line, sizeof(bs_line), "bootstrap dtls: 127.0.0.1:");
	cr_expect(log && strstr(log, bs_line), "no bootstrap DTLS session:\n%s", log);
	cr_expect_eq(count(log, "authenticated as endpoint \"sec1\" (psk"), 2,
	             "one bootstrap and one DM handshake expected:\n%s", log);
	free(log);
	/* Server-initiated: the device goes back to the bootstrap server over
	 * DTLS with its bootstrap credentials, and registers again. */
	http(&r, "POST", "/api/v1/bootstrap/sec1/start", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	expect_bootstrap_then_register(ev, err_path);
	log = lw_slurp(d.err);
	cr_expect_eq(count(log, "authenticated as endpoint \"sec1\" (psk"), 4,
	             "a second bootstrap and DM handshake expected:\n%s", log);
	free(log);
	lw_stop_child(pid, 5000);
	close(ev);
	char *clog = lw_slurp(err_path);
	char want[96];
	snprintf(want, sizeof(want), "registering with coaps://127.0.0.1:%d (security mode 0",
	         coaps_port);
	cr_expect(clog && strstr(clog, want), "%s", clog);
	free(clog);
}

Test(bootstrap, wrong_bootstrap_key_refused)
{
	start(10);
	put_dtls_config("sec2", "sec2-bs", 200);
	char err_path[400];
	pid_t pid = run_dtls_client("sec2", "sec2-bs", "ffeeddccbbaa99887766554433221100",
	                            err_path, sizeof(err_path));
	int st = lw_wait_timeout(pid, 10000);
	char *clog = lw_slurp(err_path);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1,
	          "the client should give up (status 0x%x):\n%s", st, clog);
	cr_expect(clog && strstr(clog, "DTLS handshake failed"), "%s", clog);
	free(clog);
	if (st < 0)
		lw_stop_child(pid, 1000);
	char *log = lw_slurp(d.err);
	cr_expect(log && strstr(log, "bootstrap dtls: 127.0.0.1:") &&
	                  strstr(log, "handshake failed"),
	          "%s", log);
	cr_expect(!strstr(log, "bootstrap of sec2"), "a session started:\n%s", log);
	free(log);
	/* Nor does plain CoAP get around it: sec2 has bootstrap credentials. */
	struct bsc c;
	bsc_open(&c);
	bsc_request(&c, "sec2", -1);
	cr_expect_eq(c.reply_code, COAP_RESPONSE_CODE_FORBIDDEN, "got %d.%02d",
	             c.reply_code >> 5, c.reply_code & 31);
	cr_expect(strstr(c.reply_payload, "must bootstrap over DTLS"), "%s", c.reply_payload);
	bsc_close(&c);
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/clients/sec2", NULL);
	cr_expect_eq(r.status, 404, "%s", r.body);
}

Test(bootstrap, identity_endpoint_mismatch_refused)
{
	start(10);
	put_dtls_config("sec3", "sec3-bs", 200);
	put_dtls_config("sec4", "sec4-bs", 200);
	/* sec4's bootstrap credentials, sec3's name. */
	char err_path[400];
	pid_t pid = run_dtls_client("sec3", "sec4-bs", BS_KEY, err_path, sizeof(err_path));
	int st = lw_wait_timeout(pid, 10000);
	char *clog = lw_slurp(err_path);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1, "status 0x%x:\n%s", st, clog);
	cr_expect(clog && strstr(clog, "refused: 4.03"), "%s", clog);
	free(clog);
	if (st < 0)
		lw_stop_child(pid, 1000);
	char *log = lw_slurp(d.err);
	cr_expect(log && strstr(log, "the DTLS session authenticated as endpoint \"sec4\", "
	                             "not \"sec3\""),
	          "%s", log);
	cr_expect(!strstr(log, "bootstrap of sec3"), "a session started:\n%s", log);
	free(log);
}

Test(bootstrap, bootstrap_security_rules)
{
	start(10);
	expect_400("{\"bootstrapSecurity\": {\"mode\": \"nosec\"}, \"servers\": [{\"shortServerId\":"
	           " 1, \"uri\": \"coap://h:1\"}]}",
	           "bootstrapSecurity");
	expect_400("{\"bootstrapSecurity\": {\"mode\": \"psk\", \"identity\": \"x\"}, \"servers\":"
	           " [{\"shortServerId\": 1, \"uri\": \"coap://h:1\"}]}",
	           "key");
	expect_400("{\"bootstrapSecurity\": {\"mode\": \"psk\", \"identity\": \"x\", \"key\": "
	           "\"00\", \"endpoint\": \"y\"}, \"servers\": [{\"shortServerId\": 1, \"uri\": "
	           "\"coap://h:1\"}]}",
	           "endpoint");
	/* One identity, one endpoint: the listener must know whose key it is. */
	put_dtls_config("sec5", "shared-bs", 200);
	put_dtls_config("sec6", "shared-bs", 409);
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/bootstrap/sec6", NULL);
	cr_expect_eq(r.status, 404, "a refused configuration was kept: %s", r.body);
	/* Removing sec5's configuration frees its bootstrap identity (its DM
	 * credential stays, as documented). */
	http(&r, "DELETE", "/api/v1/bootstrap/sec5", NULL);
	cr_expect_eq(r.status, 204, "%s", r.body);
	put_dtls_config("sec6", "shared-bs", 200);
	/* And the bootstrap credentials come back after a restart. */
	int status = lwd_stop(&d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
	start(10);
	put_dtls_config("sec5", "shared-bs", 409);
	http(&r, "GET", "/api/v1/bootstrap/sec6", NULL);
	cr_expect(strstr(r.body, "\"identity\":\"shared-bs\"") && strstr(r.body, "keyHint"),
	          "%s", r.body);
}

/* ---- server-initiated bootstrap (POST /api/v1/bootstrap/{ep}/start) ---- */

static void wait_registered(const char *ep, const char *client_err)
{
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/clients/%s", ep);
	struct httpc_resp r;
	uint64_t end = lw_now_ms() + 8000;
	do {
		http(&r, "GET", target, NULL);
		if (r.status == 200)
			return;
		usleep(50000);
	} while (lw_now_ms() < end);
	cr_assert_fail("%s did not register:\n%s", ep, lw_slurp(client_err));
}

Test(bootstrap, server_initiated_bootstrap)
{
	start(10);
	char body[300];
	snprintf(body, sizeof(body),
	         "{\"servers\": [{\"shortServerId\": 1, \"uri\": \"coap://127.0.0.1:%d\","
	         " \"lifetime\": 60}]}",
	         d.port);
	struct httpc_resp r;
	http(&r, "PUT", "/api/v1/bootstrap/si1", body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	int ev = open_events("si1");
	char err_path[400];
	pid_t pid = run_client("si1", err_path, sizeof(err_path));
	expect_bootstrap_then_register(ev, err_path);

	/* The device has a bootstrap account: it allows it, answers 2.04, and
	 * bootstraps again, then registers again. */
	http(&r, "POST", "/api/v1/bootstrap/si1/start", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	json_t *j = json_of(r.body);
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "2.04");
	cr_expect_str_eq(json_string_value(json_object_get(j, "path")), "/1/0/9");
	json_decref(j);
	expect_bootstrap_then_register(ev, err_path);
	char *clog = lw_slurp(err_path);
	cr_expect(clog && strstr(clog, "bootstrap requested by the server"), "%s", clog);
	free(clog);
	lw_stop_child(pid, 5000);
	close(ev);

	http(&r, "POST", "/api/v1/bootstrap/nobody/start", NULL);
	cr_expect_eq(r.status, 404, "%s", r.body);
	cr_expect(strstr(r.body, "not-registered"), "%s", r.body);

	/* A device that registered on its own, with no bootstrap account. */
	char bin[1024], uri[64], err2[400];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", d.port);
	snprintf(err2, sizeof(err2), "%s/si2.err", d.dir);
	const char *argv[] = {bin, "-u", uri, "-n", "si2", NULL};
	pid = lw_spawn(argv, NULL, err2);
	cr_assert_gt(pid, 0);
	wait_registered("si2", err2);
	http(&r, "POST", "/api/v1/bootstrap/si2/start", NULL);
	cr_expect_eq(r.status, 409, "%s", r.body);
	cr_expect(strstr(r.body, "no-bootstrap-configuration"), "%s", r.body);
	http(&r, "PUT", "/api/v1/bootstrap/si2", body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	http(&r, "POST", "/api/v1/bootstrap/si2/start", NULL);
	cr_expect_eq(r.status, 409, "%s", r.body);
	j = json_of(r.body);
	cr_expect_str_eq(json_string_value(json_object_get(j, "error")), "bootstrap-not-allowed");
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "4.05");
	const char *msg = json_string_value(json_object_get(j, "message"));
	cr_expect(msg && strstr(msg, "does not allow"), "%s", r.body);
	json_decref(j);
	/* It stays registered: nothing happened to it. */
	http(&r, "GET", "/api/v1/clients/si2", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	lw_stop_child(pid, 5000);
}

/* A configuration may point the device at CoAP over TLS (RFC 8323): the
 * reference client bootstraps over UDP and registers over TLS with the PSK
 * the bootstrap wrote, installed here as its credential. */
Test(bootstrap, bootstraps_onto_coap_over_tls)
{
	start(10);
	char body[600];
	snprintf(body, sizeof(body),
	         "{\"servers\": [{\"shortServerId\": 1, \"uri\": \"coaps+tcp://127.0.0.1:%d\","
	         " \"lifetime\": 300, \"binding\": \"T\", \"security\": {\"mode\": \"psk\","
	         " \"identity\": \"tls1-dm\", \"key\": \"" DM_KEY "\"}}]}",
	         tls_port);
	struct httpc_resp r;
	http(&r, "PUT", "/api/v1/bootstrap/tls1", body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"local\":true"), "coaps+tcp to this daemon is local: %s",
	          r.body);
	http(&r, "GET", "/api/v1/security/tls1", NULL);
	cr_expect_eq(r.status, 200, "the DM credential is installed: %s", r.body);
	int ev = open_events("tls1");
	char err_path[400];
	pid_t pid = run_client("tls1", err_path, sizeof(err_path));
	expect_bootstrap_then_register(ev, err_path);
	http(&r, "GET", "/api/v1/clients/tls1", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"secure\":true") && strstr(r.body, "\"binding\":\"T\""),
	          "not registered over TLS: %s", r.body);
	lw_stop_child(pid, 5000);
	close(ev);
	expect_400(SRV("{\"shortServerId\": 1, \"uri\": \"coaps+tcp://h:1\"}"), "coaps+tcp://");
}
