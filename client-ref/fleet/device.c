/*
 * client-ref/fleet/device.c: one simulated device's registration life:
 * Register, Update before the lifetime runs out, De-register at the end,
 * each a CON request retransmitted with the back-off of RFC 7252 4.2 until
 * its answer comes; a 4.04 to an Update means the server forgot us, so we
 * register again. Queue-mode devices listen for a while after each exchange,
 * then sleep (they drop whatever comes) and wake with an Update.
 *
 * Requests are not kept as bytes: a retransmission rebuilds the same
 * message (same id, same token) from the device's state, which keeps the
 * device small.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "coap/message.h"
#include "fleet.h"
#include "lwm2m/error.h"

/* RFC 7252 4.8 defaults. */
#define ACK_TIMEOUT_MS 2000
#define MAX_RETRANSMIT 4
/* After an empty ACK, how long the separate response may take. */
#define SEPARATE_WAIT_MS 30000
/* Devices bound to one loopback source address: the kernel's ephemeral
 * range (32768-60999) would run out past ~28000 on one address. */
#define DEVS_PER_ADDR 20000
#define FLEET_PORT_BASE 10000 /* + a device's rank on its address: 10000..29999 */

static uint32_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

struct fleet_ext *fleet_ext(struct fleet_dev *d)
{
	if (!d->ext) {
		d->ext = calloc(1, sizeof(*d->ext));
		if (d->ext)
			for (int i = 0; i < FLEET_MAX_ATTRS; i++)
				d->ext->attrs[i].pmin = d->ext->attrs[i].pmax = NAN;
	}
	return d->ext;
}

void fleet_dev_free(struct fleet_dev *d)
{
	fleet_sec_free(d);
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->ext)
		free(d->ext->last_rsp);
	free(d->ext);
	d->ext = NULL;
}

void fleet_dev_done(struct fleet_shard *s, struct fleet_dev *d)
{
	if (d->state == DEV_DONE)
		return;
	/* close_notify frees the server's session now; --no-deregister
	 * leaves sessions as it leaves registrations. */
	if (d->sec)
		fleet_tls_end(d, !s->cfg->no_deregister);
	if (d->state == DEV_REGISTERED || d->state == DEV_UPDATING ||
	    d->state == DEV_DEREGISTERING)
		s->stats.c.registered--;
	d->state = DEV_DONE;
	d->req = REQ_NONE;
	lw_timer_cancel(&s->timers, &d->timer);
	lw_timer_cancel(&s->timers, &d->ntimer);
	s->active--;
}

static void dev_timer(struct lw_timer *t, void *arg);

static uint64_t update_delay(struct fleet_dev *d)
{
	/* Between 75 % and 90 % of the lifetime: early enough to beat the
	 * server's expiry, spread so that devices registered together do not
	 * update together forever. */
	double lt = (double)d->lifetime * 1000.0;
	return (uint64_t)(lt * (0.75 + 0.15 * (double)(fleet_rand() % 1000) / 1000.0));
}

/* ---- building requests ---- */

static void add_location(struct lw_coap_builder *b, const char *loc)
{
	lw_coap_build_opt_path(b, LW_COAP_OPT_URI_PATH, loc);
}

static size_t build_request(struct fleet_shard *s, struct fleet_dev *d, uint8_t *buf, size_t cap)
{
	const struct fleet_cfg *cfg = s->cfg;
	uint8_t tok[2] = {d->tok_gen, d->req};
	struct lw_coap_builder b;
	char q[128];
	uint8_t code = d->req == REQ_DEREGISTER ? LW_COAP_DELETE : LW_COAP_POST;
	lw_coap_build_start(&b, buf, cap, LW_COAP_CON, code, d->pend_mid, tok, sizeof(tok));
	if (d->req == REQ_BOOTSTRAP) {
		lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_PATH, "bs");
		int n = snprintf(q, sizeof(q), "ep=");
		fleet_endpoint(cfg, d->idx, q + n, sizeof(q) - (size_t)n);
		lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, q);
		if (cfg->vnum >= 11) {
			snprintf(q, sizeof(q), "pct=%u", (unsigned)cfg->fmt->content_format);
			lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, q);
		}
	} else if (d->req == REQ_REGISTER) {
		lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_PATH, "rd");
		lw_coap_build_opt_uint(&b, LW_COAP_OPT_CONTENT_FORMAT, 40);
		int n = snprintf(q, sizeof(q), "ep=");
		fleet_endpoint(cfg, d->idx, q + n, sizeof(q) - (size_t)n);
		lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, q);
		snprintf(q, sizeof(q), "lt=%u", d->lifetime);
		lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, q);
		snprintf(q, sizeof(q), "lwm2m=%s", cfg->version);
		lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, q);
		lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY,
		                      d->queue && cfg->vnum == 10 ? "b=UQ" : "b=U");
		if (d->queue && cfg->vnum >= 11)
			lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, "Q");
		char links[512];
		size_t n_links = fleet_register_links(s, d, links, sizeof(links));
		lw_coap_build_payload(&b, links, n_links);
	} else {
		add_location(&b, d->loc);
		if (d->req == REQ_UPDATE && d->lt_changed) {
			snprintf(q, sizeof(q), "lt=%u", d->lifetime);
			lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, q);
		}
	}
	size_t len = 0;
	if (lw_coap_build_end(&b, &len))
		return 0;
	return len;
}

static void transmit(struct fleet_shard *s, struct fleet_dev *d)
{
	uint8_t buf[1024];
	size_t len = build_request(s, d, buf, sizeof(buf));
	if (!len) {
		s->stats.c.errors++;
		return;
	}
	fleet_send(s, d, buf, len);
}

static void send_request(struct fleet_shard *s, struct fleet_dev *d, enum fleet_req kind)
{
	d->req = (uint8_t)kind;
	d->sleeping = 0; /* a device that sends listens for the answer */
	d->tok_gen++;
	d->pend_mid = d->mid++;
	d->tries = 0;
	d->acked = 0;
	d->sent_ms = now_us();
	transmit(s, d);
	uint64_t to = ACK_TIMEOUT_MS + fleet_rand() % (ACK_TIMEOUT_MS / 2);
	lw_timer_in(&s->timers, &d->timer, to);
}

const struct sockaddr_in *fleet_dev_peer(const struct fleet_shard *s, const struct fleet_dev *d,
                                         bool *secure, uint8_t *mode)
{
	const struct fleet_cfg *cfg = s->cfg;
	if (cfg->bs_uri && !(d->sec && d->sec->bootstrapped)) {
		*secure = cfg->bs_secure;
		*mode = cfg->mode;
		return &cfg->bs_server;
	}
	if (d->sec && d->sec->acct) {
		*secure = d->sec->acct->secure;
		*mode = d->sec->acct->mode;
		return &d->sec->acct->addr;
	}
	*secure = cfg->secure;
	*mode = cfg->mode;
	return &cfg->server;
}

static int open_socket(struct fleet_shard *s, struct fleet_dev *d)
{
	bool secure;
	uint8_t mode;
	const struct sockaddr_in *peer = fleet_dev_peer(s, d, &secure, &mode);
	if (d->fd >= 0) {
		/* Another server (bootstrap done) or another try: the same
		 * socket, connected anew. */
		if (connect(d->fd, (const struct sockaddr *)peer, sizeof(*peer)) == 0)
			return 0;
		if (s->cfg->verbose)
			fprintf(stderr, "lwm2m-fleet: device %u: connect: %s\n", d->idx,
			        strerror(errno));
		return -1;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* 127.0.0.1, then 127.0.0.2, ...: all loopback, each with its own
	 * ephemeral port range. */
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK + (d->idx - 1) / DEVS_PER_ADDR);
	if (peer->sin_addr.s_addr != htonl(INADDR_LOOPBACK))
		a.sin_addr.s_addr = htonl(INADDR_ANY);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)(d - s->devs)};
	/* A port of its own below the ephemeral range: bind() with port 0
	 * searches a port hash slot whose list grows with every socket on the
	 * machine, milliseconds per bind past a few hundred thousand. Taken
	 * (another fleet, another program): any port. */
	int bound = -1;
	if (a.sin_addr.s_addr != htonl(INADDR_ANY)) {
		a.sin_port = htons((uint16_t)(FLEET_PORT_BASE + (d->idx - 1) % DEVS_PER_ADDR));
		bound = bind(fd, (struct sockaddr *)&a, sizeof(a));
		a.sin_port = 0;
	}
	if ((bound && bind(fd, (struct sockaddr *)&a, sizeof(a))) ||
	    connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		if (s->cfg->verbose)
			fprintf(stderr, "lwm2m-fleet: device %u: socket: %s\n", d->idx,
			        strerror(errno));
		close(fd);
		return -1;
	}
	d->fd = fd;
	return 0;
}

void fleet_dev_start(struct fleet_shard *s, struct fleet_dev *d)
{
	lw_timer_init(&d->timer, dev_timer, d);
	lw_timer_init(&d->ntimer, fleet_obs_timer, d);
	d->lifetime = (uint32_t)s->cfg->lifetime;
	d->mid = (uint16_t)fleet_rand();
	d->tok_gen = (uint8_t)fleet_rand();
	d->mask3303 = 1;
	/* Every 1/share-th device is in queue mode: the same devices whatever
	 * the shard split, spread over the fleet. */
	d->queue = floor((double)d->idx * s->cfg->queue_share) !=
	           floor((double)(d->idx - 1) * s->cfg->queue_share);
	fleet_dev_connect(s, d);
}

void fleet_dev_connect(struct fleet_shard *s, struct fleet_dev *d)
{
	bool secure;
	uint8_t mode;
	fleet_dev_peer(s, d, &secure, &mode);
	if (open_socket(s, d)) {
		s->stats.c.errors++;
		fleet_dev_done(s, d);
		return;
	}
	if (secure) {
		fleet_tls_start(s, d);
		return;
	}
	fleet_dev_connected(s, d);
}

void fleet_dev_connected(struct fleet_shard *s, struct fleet_dev *d)
{
	if (s->cfg->bs_uri && !(d->sec && d->sec->bootstrapped)) {
		d->state = DEV_BOOTSTRAP;
		send_request(s, d, REQ_BOOTSTRAP);
		return;
	}
	if (s->cfg->handshake_only) {
		fleet_dev_done(s, d);
		return;
	}
	d->state = DEV_REGISTERING;
	send_request(s, d, REQ_REGISTER);
}

/* Arms the timer for what comes next when no request is outstanding. */
static void schedule(struct fleet_shard *s, struct fleet_dev *d, uint64_t next_update)
{
	uint64_t now = fleet_now(s);
	uint64_t due = next_update;
	if (d->queue && !d->sleeping && d->awake_until < due)
		due = d->awake_until;
	lw_timer_at(&s->timers, &d->timer, due > now ? due : now);
}

static uint64_t next_update_at(struct fleet_shard *s, struct fleet_dev *d)
{
	return fleet_now(s) + update_delay(d);
}

void fleet_dev_touch(struct fleet_shard *s, struct fleet_dev *d)
{
	if (!d->queue)
		return;
	uint64_t now = fleet_now(s);
	d->awake_until = (uint32_t)(now + (uint64_t)(s->cfg->awake_s * 1000.0));
	/* A timer set to put it to sleep earlier moves on. */
	if (d->state == DEV_REGISTERED && d->req == REQ_NONE && lw_timer_armed(&d->timer) &&
	    d->timer.due < d->awake_until)
		lw_timer_at(&s->timers, &d->timer, d->awake_until);
}

static void registered(struct fleet_shard *s, struct fleet_dev *d)
{
	d->state = DEV_REGISTERED;
	d->req = REQ_NONE;
	d->sleeping = 0;
	fleet_dev_touch(s, d);
	schedule(s, d, next_update_at(s, d));
	fleet_obs_arm(s, d);
}

void fleet_dev_backoff(struct fleet_shard *s, struct fleet_dev *d)
{
	s->stats.c.errors++;
	if (s->stopping) {
		fleet_dev_done(s, d);
		return;
	}
	/* Another try means another handshake (and another bootstrap). */
	if (d->sec)
		fleet_tls_end(d, false);
	if (d->state == DEV_REGISTERED || d->state == DEV_UPDATING)
		s->stats.c.registered--;
	d->state = DEV_BACKOFF;
	d->req = REQ_NONE;
	lw_timer_cancel(&s->timers, &d->ntimer);
	if (d->ext)
		memset(d->ext->obs, 0, sizeof(d->ext->obs));
	lw_timer_in(&s->timers, &d->timer, 5000 + fleet_rand() % 10000);
}

static void send_update(struct fleet_shard *s, struct fleet_dev *d)
{
	d->state = DEV_UPDATING;
	d->sleeping = 0;
	d->update_asked = 0;
	send_request(s, d, REQ_UPDATE);
}

static void reregister(struct fleet_shard *s, struct fleet_dev *d)
{
	if (d->state == DEV_REGISTERED || d->state == DEV_UPDATING)
		s->stats.c.registered--;
	lw_timer_cancel(&s->timers, &d->ntimer);
	if (d->ext)
		memset(d->ext->obs, 0, sizeof(d->ext->obs));
	d->state = DEV_REGISTERING;
	d->lt_changed = 0;
	send_request(s, d, REQ_REGISTER);
}

static void retransmit(struct fleet_shard *s, struct fleet_dev *d)
{
	if (d->acked || d->tries >= MAX_RETRANSMIT) {
		/* Given up (or the separate answer never came). */
		switch (d->req) {
		case REQ_DEREGISTER:
			fleet_dev_done(s, d);
			return;
		case REQ_UPDATE:
			s->stats.c.errors++;
			if (s->stopping) {
				fleet_dev_done(s, d);
				return;
			}
			reregister(s, d);
			return;
		default:
			fleet_dev_backoff(s, d);
			return;
		}
	}
	d->tries++;
	s->stats.c.retransmits++;
	transmit(s, d);
	uint64_t to = (uint64_t)ACK_TIMEOUT_MS << d->tries;
	to += fleet_rand() % (to / 2);
	lw_timer_in(&s->timers, &d->timer, to);
}

static void dev_timer(struct lw_timer *t, void *arg)
{
	(void)t;
	struct fleet_dev *d = arg;
	struct fleet_shard *s = fleet_self;
	if (d->req != REQ_NONE) {
		retransmit(s, d);
		return;
	}
	uint64_t now = fleet_now(s);
	switch (d->state) {
	case DEV_BACKOFF:
		if (s->stopping) {
			fleet_dev_done(s, d);
			return;
		}
		fleet_dev_connect(s, d);
		return;
	case DEV_HANDSHAKE:
		fleet_tls_step(s, d);
		return;
	case DEV_BOOTSTRAP:
		/* The bootstrap server went quiet before Finish. */
		if (s->cfg->verbose)
			fprintf(stderr, "lwm2m-fleet: device %u: bootstrap timed out\n", d->idx);
		fleet_dev_backoff(s, d);
		return;
	case DEV_REGISTERED:
		if (s->stopping)
			return;
		if (d->sleeping || d->update_asked || !d->queue || now < d->awake_until) {
			/* Wake-up, lifetime or a trigger: an Update. (A non-queue
			 * device's timer is only ever its next Update.) */
			if (d->queue && !d->sleeping && !d->update_asked && now < d->awake_until) {
				lw_timer_at(&s->timers, &d->timer, d->awake_until);
				return;
			}
			send_update(s, d);
			return;
		}
		/* Listening time over: sleep until the next wake-up (or the
		 * lifetime's Update, whichever is first). */
		d->sleeping = 1;
		uint64_t wake = (uint64_t)(s->cfg->sleep_s * 1000.0);
		uint64_t upd = update_delay(d);
		lw_timer_in(&s->timers, &d->timer, wake < upd ? wake : upd);
		return;
	default:
		return;
	}
}

/* An Execute of /1/0/8, or a written lifetime: an Update now. */
void fleet_dev_update_soon(struct fleet_shard *s, struct fleet_dev *d)
{
	d->update_asked = 1;
	if (d->state == DEV_REGISTERED && d->req == REQ_NONE)
		lw_timer_in(&s->timers, &d->timer, 0);
}

/* "rd/ID" from the Location-Path options of the Register answer. */
static int take_location(struct fleet_dev *d, const struct lw_coap_msg *m)
{
	size_t n = 0;
	for (const struct lw_coap_option *o = lw_coap_find(m, LW_COAP_OPT_LOCATION_PATH); o;
	     o = lw_coap_find_next(m, o)) {
		if (n + o->len + 2 > sizeof(d->loc))
			return -1;
		if (n)
			d->loc[n++] = '/';
		memcpy(d->loc + n, o->value, o->len);
		n += o->len;
	}
	d->loc[n] = 0;
	return n ? 0 : -1;
}

static void on_response(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m)
{
	uint8_t cls = LW_COAP_CLASS(m->code);
	switch (d->req) {
	case REQ_BOOTSTRAP:
		if (m->code != LW_COAP_CHANGED) {
			if (s->cfg->verbose) {
				char c[5];
				fprintf(stderr, "lwm2m-fleet: device %u: Bootstrap-Request answered %s\n",
				        d->idx, lw_coap_code_str(m->code, c));
			}
			fleet_dev_backoff(s, d);
			return;
		}
		/* The server drives the rest; Finish may even have come first. */
		d->req = REQ_NONE;
		if (d->state == DEV_BOOTSTRAP)
			lw_timer_in(&s->timers, &d->timer, 30000);
		return;
	case REQ_REGISTER:
		if (m->code != LW_COAP_CREATED || take_location(d, m)) {
			if (s->cfg->verbose) {
				char c[5];
				fprintf(stderr, "lwm2m-fleet: device %u: Register answered %s\n",
				        d->idx, lw_coap_code_str(m->code, c));
			}
			fleet_dev_backoff(s, d);
			return;
		}
		s->stats.c.registrations++;
		s->stats.c.registered++;
		double ms = (double)(uint32_t)(now_us() - d->sent_ms) / 1000.0;
		fleet_hist_add(&s->stats, ms);
		s->stats.c.last_reg_s = (double)fleet_now(s) / 1000.0;
		if (s->stopping) {
			d->state = DEV_DEREGISTERING;
			send_request(s, d, REQ_DEREGISTER);
			return;
		}
		registered(s, d);
		return;
	case REQ_UPDATE:
		if (m->code == LW_COAP_CHANGED) {
			s->stats.c.updates++;
			d->lt_changed = 0;
			registered(s, d);
			if (d->update_asked)
				fleet_dev_update_soon(s, d);
			return;
		}
		/* 4.04: the server lost the registration; any other 4.xx is
		 * no better. Register again. A 5.xx: try the Update later. */
		s->stats.c.errors++;
		if (cls == 4) {
			reregister(s, d);
		} else {
			registered(s, d);
		}
		return;
	case REQ_DEREGISTER:
		if (cls == 2)
			s->stats.c.deregistered++;
		else
			s->stats.c.errors++;
		fleet_dev_done(s, d);
		return;
	default:
		return;
	}
}

void fleet_dev_input(struct fleet_shard *s, struct fleet_dev *d, const uint8_t *buf, size_t len)
{
	struct lw_coap_msg m;
	int rc = lw_coap_parse(&m, buf, len);
	if (rc == LW_EINVAL || d->state == DEV_DONE)
		return;
	if (rc) {
		/* A malformed CON gets an RST (RFC 7252 4.2). */
		if (m.type == LW_COAP_CON && !d->sleeping) {
			uint8_t rst[4];
			struct lw_coap_builder b;
			size_t n;
			lw_coap_build_start(&b, rst, sizeof(rst), LW_COAP_RST, 0, m.mid, NULL, 0);
			if (!lw_coap_build_end(&b, &n))
				fleet_send(s, d, rst, n);
		}
		return;
	}
	/* Asleep: the radio is off, nothing is heard. */
	if (d->sleeping)
		return;
	uint8_t cls = LW_COAP_CLASS(m.code);
	if (cls == 0 && m.code != LW_COAP_EMPTY) {
		if (m.type == LW_COAP_CON || m.type == LW_COAP_NON) {
			fleet_dev_touch(s, d);
			if (d->state == DEV_BOOTSTRAP)
				fleet_bs_answer(s, d, &m);
			else
				fleet_answer(s, d, &m);
		}
		return;
	}
	if (m.type == LW_COAP_RST) {
		if (d->req != REQ_NONE && m.mid == d->pend_mid) {
			d->acked = 1; /* refused: the next timer gives up */
			d->tries = MAX_RETRANSMIT;
			lw_timer_in(&s->timers, &d->timer, 0);
		} else {
			fleet_obs_cancel_mid(d, m.mid);
		}
		return;
	}
	if (m.type == LW_COAP_ACK && m.code == LW_COAP_EMPTY) {
		/* Our CON arrived; its answer comes separately. */
		if (d->req != REQ_NONE && m.mid == d->pend_mid && !d->acked) {
			d->acked = 1;
			lw_timer_in(&s->timers, &d->timer, SEPARATE_WAIT_MS);
		}
		return;
	}
	/* A response: piggybacked in an ACK, or separate (CON or NON). */
	bool ours = d->req != REQ_NONE && m.token_len == 2 && m.token[0] == d->tok_gen &&
	            m.token[1] == d->req;
	if (m.type == LW_COAP_CON) {
		uint8_t ack[4];
		struct lw_coap_builder b;
		size_t n;
		lw_coap_build_start(&b, ack, sizeof(ack), ours ? LW_COAP_ACK : LW_COAP_RST, 0,
		                    m.mid, NULL, 0);
		if (!lw_coap_build_end(&b, &n))
			fleet_send(s, d, ack, n);
	}
	if (!ours || (m.type == LW_COAP_ACK && m.mid != d->pend_mid))
		return;
	lw_timer_cancel(&s->timers, &d->timer);
	fleet_dev_touch(s, d);
	on_response(s, d, &m);
}

void fleet_dev_stop(struct fleet_shard *s, struct fleet_dev *d)
{
	lw_timer_cancel(&s->timers, &d->ntimer);
	switch (d->state) {
	case DEV_REGISTERED:
	case DEV_UPDATING:
		if (!s->cfg->no_deregister) {
			d->state = DEV_DEREGISTERING;
			send_request(s, d, REQ_DEREGISTER);
			return;
		}
		fleet_dev_done(s, d);
		return;
	case DEV_REGISTERING:
		/* Its answer decides: a registration that lands is undone. */
		if (!s->cfg->no_deregister)
			return;
		fleet_dev_done(s, d);
		return;
	case DEV_DEREGISTERING:
	case DEV_DONE:
		return;
	default:
		fleet_dev_done(s, d);
		return;
	}
}
