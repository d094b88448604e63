/*
 * tests/unit/engine_rig.c: the socketless CoAP engine rig of the unit tests
 * (see engine_rig.h).
 */
#include "engine_rig.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_LSAN 1
#endif
#endif
#ifdef TEST_LSAN
#include <sanitizer/lsan_interface.h>
#endif

uint64_t er_fake_clock(void *ctx)
{
	return *(const uint64_t *)ctx;
}

void er_start(const struct engine_rig *r, uint64_t start, int (*send)(struct lw_coap_endpoint *,
	      const struct lw_coap_addr *, const uint8_t *, size_t),
	      const struct lw_coap_params *params)
{
	*r->now = start;
	lw_timers_init(r->timers, er_fake_clock, r->now);
	memset(r->ep, 0, sizeof(*r->ep));
	r->ep->name = "capture";
	r->ep->send = send;
	cr_assert_eq(lw_coap_engine_init(r->eng, r->timers, params), 0);
	r->ep->engine = r->eng;
}

void er_stop(const struct engine_rig *r)
{
	lw_coap_engine_free(r->eng);
	lw_timers_free(r->timers);
	/* No stale pointer in a static may hide a leaked block from LeakSanitizer. */
	memset(r->eng, 0, sizeof(*r->eng));
}

void er_advance_to(const struct engine_rig *r, uint64_t t)
{
	unsigned long guard = 0;

	for (;;) {
		uint64_t next = lw_timers_next(r->timers);
		if (next > t)
			break;
		if (next > *r->now)
			*r->now = next;
		lw_timers_run(r->timers, *r->now);
		cr_assert_lt(++guard, r->max_runs, "a timer keeps re-arming in the past");
	}
	if (t > *r->now)
		*r->now = t;
	lw_timers_run(r->timers, *r->now);
}

struct lw_coap_addr er_addr4(uint16_t port)
{
	struct lw_coap_addr a;

	memset(&a, 0, sizeof(a));
	a.len = sizeof(a.u.in);
	a.u.in.sin_family = AF_INET;
	a.u.in.sin_port = htons(port);
	a.u.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

void er_input(const struct engine_rig *r, uint16_t port, const uint8_t *buf, size_t len)
{
	struct lw_coap_addr a = er_addr4(port);

	lw_coap_engine_input(r->eng, r->ep, &a, buf, len);
}

struct lw_coap_peer *er_peer_of(const struct engine_rig *r, uint16_t port)
{
	struct lw_coap_addr a = er_addr4(port);

	return lw_coap_peer_find(&r->eng->peers, r->ep, &a);
}

void er_check_leaks(void)
{
#ifdef TEST_LSAN
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,
		     "memory leaked (LeakSanitizer's report is above)");
#endif
}
