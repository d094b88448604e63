/*
 * lwm2m/server.c: the LwM2M server side of the daemon (see server.h). It
 * owns the registry, the registration interface, the operations (with
 * observe) and the Send resource.
 */
#include "lwm2m/server.h"

#include <stdio.h>
#include <stdlib.h>

#include "coap/engine.h"
#include "daemon.h"
#include "lwm2m/ops.h"
#include "lwm2m/registration.h"
#include "lwm2m/registry.h"
#include "lwm2m/send.h"

struct lw_server {
	struct lw_registry registry;
	struct lw_operations ops;
	struct lw_coap_engine *coap;
};

int lw_server_start(struct lw_daemon *d, char *err, size_t errlen)
{
	/* CoAP off: nothing can register, so there is nothing to serve. */
	if (!d->coap)
		return LW_EXIT_OK;
	struct lw_server *s = calloc(1, sizeof(*s));
	if (!s || lw_registry_init(&s->registry, &d->loop.timers, &d->events) != 0) {
		free(s);
		snprintf(err, errlen, "cannot start the LwM2M server: out of memory");
		return LW_EXIT_RUNTIME;
	}
	s->coap = d->coap;
	if (lw_registration_attach(d->coap, &s->registry) != 0) {
		lw_registry_free(&s->registry);
		free(s);
		snprintf(err, errlen, "cannot start the LwM2M server: out of memory");
		return LW_EXIT_RUNTIME;
	}
	if (lw_ops_init(&s->ops, d->coap, &s->registry, &d->events, d->model) != 0 ||
	    lw_send_attach(d->coap, &s->ops) != 0) {
		lw_ops_free(&s->ops);
		lw_registration_detach(s->coap, &s->registry);
		lw_registry_free(&s->registry);
		free(s);
		snprintf(err, errlen, "cannot start the LwM2M server: out of memory");
		return LW_EXIT_RUNTIME;
	}
	s->ops.awake_s = (uint32_t)d->cfg->coap_queue_awake;
	d->server = s;
	return LW_EXIT_OK;
}

void lw_server_stop(struct lw_daemon *d)
{
	struct lw_server *s = d->server;
	if (!s)
		return;
	/* Operations end (cancelled) while their clients still exist. */
	lw_send_detach(s->coap);
	lw_ops_free(&s->ops);
	lw_registration_detach(s->coap, &s->registry);
	lw_registry_free(&s->registry);
	free(s);
	d->server = NULL;
}

size_t lw_server_client_count(const struct lw_daemon *d)
{
	return d->server ? d->server->registry.count : 0;
}

struct lw_registry *lw_server_registry(struct lw_daemon *d)
{
	return d->server ? &d->server->registry : NULL;
}

struct lw_operations *lw_server_ops(struct lw_daemon *d)
{
	return d->server ? &d->server->ops : NULL;
}
