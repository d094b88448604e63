/*
 * lwm2m/observe.c: observations and the notifications that feed them (see
 * observe.h). Observations hang off the client's operation state as a short
 * list: a notification finds its client through the peer (peer->user) and
 * its observation by token among that client's few, so the cost does not
 * grow with the fleet.
 */
#include "lwm2m/observe.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/engine.h"
#include "coap/peer.h"
#include "events.h"
#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/formats.h"
#include "lwm2m/log.h"
#include "lwm2m/ops.h"
#include "lwm2m/records_json.h"
#include "lwm2m/registry.h"

/* RFC 7641 3.4: sequence numbers are 24 bits and wrap; after 128 s any
 * number counts as newer. */
#define SEQ_HALF (UINT32_C(1) << 23)
#define SEQ_STALE_MS 128000u

int lw_observe_is_fresh(uint32_t v1, uint64_t t1, uint32_t v2, uint64_t t2)
{
	return (v1 < v2 && v2 - v1 < SEQ_HALF) || (v1 > v2 && v1 - v2 > SEQ_HALF) ||
	       t2 > t1 + SEQ_STALE_MS;
}

static int same_paths(const struct lw_observation *ob, const lw_path *paths, size_t n,
                      int composite)
{
	if (ob->n_paths != n || ob->composite != !!composite)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!lw_path_equal(&ob->paths[i], &paths[i]))
			return 0;
	return 1;
}

struct lw_observation *lw_observe_find(struct lw_client *c, const lw_path *paths,
                                       size_t n_paths, int composite)
{
	struct lw_observation **head = lw_ops_observations(c);
	for (struct lw_observation *ob = head ? *head : NULL; ob; ob = ob->next)
		if (same_paths(ob, paths, n_paths, composite))
			return ob;
	return NULL;
}

size_t lw_observe_count(struct lw_client *c)
{
	size_t n = 0;
	struct lw_observation **head = lw_ops_observations(c);
	for (struct lw_observation *ob = head ? *head : NULL; ob; ob = ob->next)
		n++;
	return n;
}

void lw_observe_remove(struct lw_operations *o, struct lw_client *c, struct lw_observation *ob)
{
	struct lw_observation **pp = lw_ops_observations(c);
	while (pp && *pp && *pp != ob)
		pp = &(*pp)->next;
	if (pp && *pp)
		*pp = ob->next;
	if (o->store && o->store->observation)
		o->store->observation(o->store->ctx, c, ob, 0);
	free(ob);
}

void lw_observe_drop_all(struct lw_client *c)
{
	struct lw_observation **head = lw_ops_observations(c);
	while (head && *head) {
		struct lw_observation *ob = *head;
		*head = ob->next;
		free(ob);
	}
}

int lw_observe_add(struct lw_operations *o, struct lw_client *c, uint64_t id, const lw_path *paths,
                   size_t n_paths, int composite, const uint8_t *token, size_t token_len,
                   uint32_t seq, int format)
{
	if (token_len == 0 || token_len > LW_COAP_MAX_TOKEN || n_paths == 0)
		return LW_EINVAL;
	struct lw_observation *old = lw_observe_find(c, paths, n_paths, composite);
	if (!old && lw_observe_count(c) >= LW_OBS_MAX)
		return LW_ENOSPC;
	struct lw_observation *ob = calloc(1, sizeof(*ob) + n_paths * sizeof(lw_path));
	if (!ob)
		return LW_ENOMEM;
	struct lw_client_ops *st = lw_ops_state(o, c);
	if (!st) {
		free(ob);
		return LW_ENOMEM;
	}
	/* A second Observe of the same target replaces the first: the device
	 * keeps one observation per target, with the newest token. */
	if (old)
		lw_observe_remove(o, c, old);
	ob->id = id;
	ob->seq = seq;
	ob->seq_time_ms = lw_timers_now(o->timers);
	ob->format = format;
	ob->req_format = -1;
	ob->composite = (uint8_t)!!composite;
	ob->token_len = (uint8_t)token_len;
	memcpy(ob->token, token, token_len);
	ob->n_paths = (uint16_t)n_paths;
	memcpy(ob->paths, paths, n_paths * sizeof(lw_path));
	struct lw_observation **head = lw_ops_observations(c);
	ob->next = *head;
	*head = ob;
	return 0;
}

int lw_observe_forget(struct lw_operations *o, const char *endpoint, const lw_path *path)
{
	struct lw_client *c = lw_registry_find_ep(o->reg, endpoint);
	if (!c)
		return LW_ENOENT;
	struct lw_observation *ob = lw_observe_find(c, path, 1, 0);
	if (!ob)
		return LW_ENOENT;
	lw_observe_remove(o, c, ob);
	lw_ops_settle(c);
	return 0;
}

static json_t *paths_json(const struct lw_observation *ob)
{
	json_t *arr = json_array();
	for (uint16_t i = 0; arr && i < ob->n_paths; i++) {
		char p[LW_PATH_MAX_TEXT];
		lw_path_format(&ob->paths[i], p, sizeof(p));
		json_array_append_new(arr, json_string(p));
	}
	return arr;
}

char *lw_observe_list_json(struct lw_client *c)
{
	json_t *arr = json_array();
	if (!arr)
		return NULL;
	struct lw_observation **head = lw_ops_observations(c);
	for (struct lw_observation *ob = head ? *head : NULL; ob; ob = ob->next) {
		json_t *j = json_object();
		if (!j)
			continue;
		json_object_set_new(j, "id", json_integer((json_int_t)ob->id));
		json_object_set_new(j, "paths", paths_json(ob));
		json_object_set_new(j, "composite", json_boolean(ob->composite));
		if (ob->format >= 0)
			json_object_set_new(j, "format", json_integer(ob->format));
		if (ob->replaces)
			json_object_set_new(j, "replaces", json_integer((json_int_t)ob->replaces));
		json_array_append_new(arr, j);
	}
	char *s = lw_json_dumps(arr, 0);
	json_decref(arr);
	return s;
}

struct notification {
	const struct lw_observation *ob;
	uint32_t seq;
	const lw_records *recs;
	uint8_t code;
};

/* The notification event's members, made only when someone reads its JSON. */
static char *notification_fields(void *ctx)
{
	const struct notification *n = ctx;
	const struct lw_observation *ob = n->ob;
	json_t *j = json_object();
	if (!j)
		return NULL;
	char p[LW_PATH_MAX_TEXT], cs[5];
	lw_path_format(&ob->paths[0], p, sizeof(p));
	json_object_set_new(j, "id", json_integer((json_int_t)ob->id));
	if (ob->replaces)
		json_object_set_new(j, "replaces", json_integer((json_int_t)ob->replaces));
	json_object_set_new(j, "path", json_string(p));
	if (ob->composite)
		json_object_set_new(j, "paths", paths_json(ob));
	json_object_set_new(j, "seq", json_integer(n->seq));
	json_object_set_new(j, "status", json_string(lw_coap_code_str(n->code, cs)));
	json_t *arr = NULL;
	if (n->recs && lw_records_to_json(n->recs, &arr) == 0)
		json_object_set_new(j, "records", arr);
	char *s = lw_json_members(j);
	json_decref(j);
	return s;
}

static void publish(struct lw_operations *o, struct lw_client *c, const struct lw_observation *ob,
                    uint32_t seq, const lw_records *recs, uint8_t code)
{
	if (!o->events)
		return;
	struct notification n = {ob, seq, recs, code};
	lw_events_publish_lazy(o->events, LW_EVENT_NOTIFICATION, c->endpoint, notification_fields,
	                       &n, recs);
}

int lw_observe_on_notify(void *ctx, struct lw_coap_peer *peer, const struct lw_coap_msg *m)
{
	struct lw_operations *o = ctx;
	struct lw_client *c = peer->user;
	if (!c || !m->token_len)
		return 0;
	struct lw_observation **head = lw_ops_observations(c);
	struct lw_observation *ob = head ? *head : NULL;
	while (ob && (ob->token_len != m->token_len || memcmp(ob->token, m->token, m->token_len)))
		ob = ob->next;
	if (!ob)
		return 0; /* RST: a passive cancel, or a token of an old life */
	lw_ops_wake(o, c);
	o->stats.notifications++;
	const struct lw_coap_option *obs = lw_coap_find(m, LW_COAP_OPT_OBSERVE);
	uint32_t seq = 0;
	if (LW_COAP_CLASS(m->code) != 2 || !obs || lw_coap_opt_uint(obs, &seq) != 0) {
		/* RFC 7641 3.2: an error, or a response without Observe, ends
		 * the observation on the client's side. */
		publish(o, c, ob, seq, NULL, m->code);
		lw_observe_remove(o, c, ob);
		lw_ops_settle(c);
		return 1;
	}
	uint64_t now = lw_timers_now(o->timers);
	if (!lw_observe_is_fresh(ob->seq, ob->seq_time_ms, seq, now)) {
		o->stats.notifications_dropped++;
		return 1; /* reordered: older than what we have; ACK it all the same */
	}
	ob->seq = seq;
	ob->seq_time_ms = now;
	uint32_t cf;
	const struct lw_coap_option *cfo = lw_coap_find(m, LW_COAP_OPT_CONTENT_FORMAT);
	if (!cfo || lw_coap_opt_uint(cfo, &cf) != 0)
		cf = ob->format >= 0 ? (uint32_t)ob->format : LW_CF_TEXT;
	lw_records recs;
	lw_records_init(&recs);
	char why[200];
	int rc = lw_format_decode(o->model, (int)cf, ob->composite ? &LW_PATH_ROOT : &ob->paths[0],
	                          m->payload, m->payload_len, &recs, why, sizeof(why));
	if (rc == 0) {
		publish(o, c, ob, seq, &recs, m->code);
	} else {
		o->stats.notifications_dropped++;
		lw_log(LW_LOG_WARN, "endpoint %s: notification dropped: %s", c->endpoint, why);
	}
	lw_records_free(&recs);
	return 1;
}
