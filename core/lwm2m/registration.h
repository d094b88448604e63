/*
 * lwm2m/registration.h: the LwM2M registration interface (Transport spec,
 * "Registration Interface" over CoAP): Register (POST /rd?ep=...), Update
 * (POST /rd/<id>) and De-register (DELETE /rd/<id>) as one handler of the
 * CoAP engine's /rd resource, feeding the registry.
 */
#ifndef LW_LWM2M_REGISTRATION_H
#define LW_LWM2M_REGISTRATION_H

#include <stddef.h>
#include <stdint.h>

struct lw_coap_engine;
struct lw_registry;
struct lw_reg_objects;

/* Adds the /rd resource to e, serving r. 0 or LW_ENOMEM. */
int lw_registration_attach(struct lw_coap_engine *e, struct lw_registry *r);
/*
 * Unhooks r from e's /rd resource (the engine has no way to remove a
 * resource): requests then get 5.03 until the engine is freed.
 */
void lw_registration_detach(struct lw_coap_engine *e, struct lw_registry *r);

/*
 * Parses a link-format object list (a Register or Update payload) into the
 * registry's compact form. Returns 0, or LW_EINVAL with a reason in why,
 * or LW_ENOTSUP when no link-format codec is loaded, or LW_ENOMEM.
 */
int lw_registration_parse_objects(const uint8_t *data, size_t len, struct lw_reg_objects *out,
                                  char *why, size_t whylen);

#endif
