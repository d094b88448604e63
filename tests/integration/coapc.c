/*
 * tests/integration/coapc.c: the libcoap test client (see coapc.h). Each call
 * makes its own context and session so that calls stay independent: nothing
 * libcoap remembers (message ids, retransmission queues) leaks from one
 * check into the next.
 */
#include "coapc.h"

#include <arpa/inet.h>
#include <coap3/coap.h>
#include <string.h>
#include <time.h>

static unsigned long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

static void record(struct coapc_reply *r, const coap_pdu_t *pdu)
{
	r->received = 1;
	r->type = coap_pdu_get_type(pdu);
	r->code = coap_pdu_get_code(pdu);
	r->mid = coap_pdu_get_mid(pdu);
	coap_opt_iterator_t it;
	coap_opt_t *o = coap_check_option(pdu, COAP_OPTION_CONTENT_FORMAT, &it);
	r->content_format = o ? (int)coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o))
	                      : -1;
	size_t len = 0;
	const uint8_t *data = NULL;
	r->payload_len = 0;
	if (coap_get_data(pdu, &len, &data) && len) {
		r->payload_len = len;
		if (len > sizeof(r->payload) - 1)
			len = sizeof(r->payload) - 1;
		memcpy(r->payload, data, len);
	}
	r->payload[len] = '\0';
}

static coap_response_t on_response(coap_session_t *s, const coap_pdu_t *sent,
                                   const coap_pdu_t *received, const coap_mid_t mid)
{
	(void)sent;
	(void)mid;
	struct coapc_reply *r = coap_session_get_app_data(s);
	record(r, received);
	return COAP_RESPONSE_OK;
}

static void on_pong(coap_session_t *s, const coap_pdu_t *received, const coap_mid_t mid)
{
	(void)mid;
	struct coapc_reply *r = coap_session_get_app_data(s);
	record(r, received);
}

/*
 * libcoap 4.3.1 hands an RST to the pong handler only for its own keep-alive
 * pings; the RST to a ping sent by hand arrives here, already matched to the
 * ping by message id, which is what a pong is.
 */
static void on_nack(coap_session_t *s, const coap_pdu_t *sent, const coap_nack_reason_t reason,
                    const coap_mid_t mid)
{
	struct coapc_reply *r = coap_session_get_app_data(s);
	if (reason != COAP_NACK_RST || coap_pdu_get_code(sent) != COAP_EMPTY_CODE)
		return;
	r->received = 1;
	r->type = COAP_MESSAGE_RST;
	r->code = 0;
	r->mid = mid;
	r->content_format = -1;
	r->payload_len = 0;
}

struct conn {
	coap_context_t *ctx;
	coap_session_t *session;
};

static int open_conn(struct conn *c, int port, struct coapc_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->content_format = -1;
	coap_startup();
	/* Quiet: libcoap logs every RST (our pongs) at LOG_ALERT. */
	coap_set_log_level(LOG_EMERG);
	c->session = NULL;
	c->ctx = coap_new_context(NULL);
	if (!c->ctx)
		return -1;
	coap_register_response_handler(c->ctx, on_response);
	coap_register_pong_handler(c->ctx, on_pong);
	coap_register_nack_handler(c->ctx, on_nack);
	coap_address_t dst;
	coap_address_init(&dst);
	dst.addr.sin.sin_family = AF_INET;
	dst.addr.sin.sin_port = htons((uint16_t)port);
	dst.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.size = sizeof(dst.addr.sin);
	c->session = coap_new_client_session(c->ctx, NULL, &dst, COAP_PROTO_UDP);
	if (!c->session)
		return -1;
	coap_session_set_app_data(c->session, r);
	return 0;
}

static void close_conn(struct conn *c)
{
	if (c->session)
		coap_session_release(c->session);
	if (c->ctx)
		coap_free_context(c->ctx);
	coap_cleanup();
}

static int wait_reply(struct conn *c, struct coapc_reply *r, int timeout_ms)
{
	unsigned long long end = now_ms() + (unsigned long long)timeout_ms;
	while (!r->received) {
		unsigned long long now = now_ms();
		if (now >= end)
			break;
		if (coap_io_process(c->ctx, (uint32_t)(end - now)) < 0)
			break;
	}
	return r->received ? 0 : -1;
}

int coapc_ping(int port, int timeout_ms, struct coapc_reply *r)
{
	struct conn c;
	int rc = -1;
	if (open_conn(&c, port, r) == 0) {
		r->sent_mid = coap_session_send_ping(c.session);
		if (r->sent_mid != COAP_INVALID_MID)
			rc = wait_reply(&c, r, timeout_ms);
	}
	close_conn(&c);
	return rc;
}

int coapc_get(int port, const char *path, int confirmable, int timeout_ms,
              struct coapc_reply *r)
{
	struct conn c;
	int rc = -1;
	if (open_conn(&c, port, r) != 0)
		goto out;
	coap_pdu_t *pdu = coap_pdu_init(confirmable ? COAP_MESSAGE_CON : COAP_MESSAGE_NON,
	                                COAP_REQUEST_CODE_GET, coap_new_message_id(c.session),
	                                coap_session_max_pdu_size(c.session));
	if (!pdu)
		goto out;
	uint8_t token[8];
	size_t token_len = 0;
	coap_session_new_token(c.session, &token_len, token);
	coap_add_token(pdu, token_len, token);
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len)
			coap_add_option(pdu, COAP_OPTION_URI_PATH, len, (const uint8_t *)p);
		p += len;
	}
	r->sent_mid = coap_pdu_get_mid(pdu);
	if (coap_send(c.session, pdu) == COAP_INVALID_MID)
		goto out;
	rc = wait_reply(&c, r, timeout_ms);
out:
	close_conn(&c);
	return rc;
}
