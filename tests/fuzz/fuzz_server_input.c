/*
 * tests/fuzz/fuzz_server_input.c: libFuzzer harness for everything a device
 * can send the LwM2M server: the CoAP engine, the registration interface
 * (query parameters, link-format object lists), Send, responses and
 * notifications, block-wise uploads, on a fake clock with a capture endpoint.
 *
 * Input: a sequence of datagrams, each [source port byte][length byte][bytes],
 * with the clock moved on between them by the port byte's high bits. A few
 * operations are submitted to whatever registered, so that answers and
 * notifications have something to match. Everything is built and freed per
 * input so that the leak checker sees each run alone.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/engine.h"
#include "events.h"
#include "lwm2m/codecs.h"
#include "lwm2m/model_int.h"
#include "lwm2m/ops.h"
#include "lwm2m/registration.h"
#include "lwm2m/registry.h"
#include "lwm2m/send.h"

#include "../../plugins/codec-lwm2m-cbor/lwm2m_cbor.h"
#include "../../plugins/codec-opaque/opaque.h"
#include "../../plugins/codec-senml-cbor/senml_cbor.h"
#include "../../plugins/codec-text/text.h"
#include "../../plugins/codec-tlv/tlv.h"

/* The codec structs of the plugins without a header of their own. */
extern const struct lw_codec lw_codec_link;
extern const struct lw_codec lw_codec_senml_json;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t now = 1000000;

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return now;
}

static int64_t fake_wall(void *ctx)
{
	(void)ctx;
	return (int64_t)(now / 1000);
}

static int drop_send(struct lw_coap_endpoint *ep, const struct lw_coap_addr *to,
                     const uint8_t *buf, size_t len)
{
	(void)ep;
	(void)to;
	/* Whatever the server sends must itself be a well-formed message. */
	struct lw_coap_msg m;
	if (lw_coap_parse(&m, buf, len) != 0)
		abort();
	return 0;
}

static void ignore_result(void *arg, const struct lw_op_result *r)
{
	(void)arg;
	(void)r;
}

/* The endpoint of the last registration, to aim operations at. */
static char last_ep[256];

static void on_event(const lw_event *ev, void *ctx)
{
	(void)ctx;
	const char *ep = lw_event_endpoint(ev);
	if (lw_event_kind(ev) == LW_EVENT_REGISTRATION && ep)
		snprintf(last_ep, sizeof(last_ep), "%s", ep);
}

static void run_timers(struct lw_timers *ts)
{
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t next = lw_timers_next(ts);
		if (next > now)
			return;
		lw_timers_run(ts, now);
	}
	abort(); /* a timer re-arms itself in the past forever */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct lw_codec *const codecs[] = {
		&lw_codec_link, &lw_codec_tlv, &lw_codec_senml_json, &lw_codec_senml_cbor,
		&lw_codec_lwm2m_cbor, &lw_codec_text, &lw_codec_opaque,
	};
	struct lw_timers timers;
	struct lw_coap_engine *e = malloc(sizeof(*e));
	struct lw_coap_endpoint ep = {.name = "fuzz", .send = drop_send};
	struct lw_events bus;
	struct lw_registry reg;
	struct lw_operations ops;
	struct lw_coap_params params;
	lw_model *model = lw_model_new();

	if (!e || !model)
		abort();
	now = 1000000;
	lw_timers_init(&timers, fake_clock, NULL);
	lw_coap_params_default(&params);
	params.dedup_max = 64;
	if (lw_coap_engine_init(e, &timers, &params) != 0)
		abort();
	ep.engine = e;
	lw_events_init(&bus);
	last_ep[0] = '\0';
	lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, on_event, NULL);
	if (lw_registry_init(&reg, &timers, &bus) != 0)
		abort();
	reg.wall = fake_wall;
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		lw_codecs_add(NULL, codecs[i]);
	lw_model_add_builtin(model);
	if (lw_registration_attach(e, &reg) != 0 || lw_ops_init(&ops, e, &reg, &bus, model) != 0 ||
	    lw_send_attach(e, &ops) != 0)
		abort();

	size_t i = 0;
	int submitted = 0;
	while (i + 2 <= size) {
		uint8_t sel = data[i], len = data[i + 1];
		i += 2;
		if (len > size - i)
			len = (uint8_t)(size - i);
		struct lw_coap_addr from = {.len = sizeof(struct sockaddr_in)};
		from.u.in.sin_family = AF_INET;
		from.u.in.sin_port = htons((uint16_t)(41000 + (sel & 3)));
		from.u.in.sin_addr.s_addr = htonl(0x7f000001);
		lw_coap_engine_input(e, &ep, &from, data + i, len);
		i += len;
		/* The clock moves on: 0, 1 s, a minute or a day. */
		static const uint64_t steps[] = {0, 1000, 60000, 86400000};
		now += steps[(sel >> 6) & 3];
		run_timers(&timers);
		/* Ask the first registered client for something, now and then. */
		if ((sel & 0x30) == 0x30 && submitted < 4 && last_ep[0]) {
			static const lw_path target = {3, 0, LW_ID_NONE, LW_ID_NONE};
			struct lw_op_request req = {.kind = (sel & 4) ? LW_OP_OBSERVE : LW_OP_READ,
			                            .endpoint = last_ep,
			                            .paths = &target,
			                            .n_paths = 1,
			                            .format = -1,
			                            .timeout_ms = 5000};
			uint64_t id;
			lw_ops_submit(&ops, &req, ignore_result, NULL, &id);
			submitted++;
		}
	}

	lw_send_detach(e);
	lw_ops_free(&ops);
	lw_registration_detach(e, &reg);
	lw_registry_free(&reg);
	lw_coap_engine_free(e);
	lw_timers_free(&timers);
	lw_events_free(&bus);
	lw_codecs_unregister_owner(NULL);
	lw_model_free(model);
	free(e);
	return 0;
}
