/*
 * client-ref/fleet/shard.c: one shard of the fleet: one epoll loop over every
 * device's socket and one timer heap (core/timer.h) for every device's
 * timers, so that the cost of a datagram or a timer does not grow with the
 * number of devices. It paces the Registers at its share of the rate,
 * reports its counters (to the parent through a pipe, or straight to stderr
 * when it is the only shard), and on a signal or at the end of the duration
 * deregisters its devices and returns.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fleet.h"
#include "lwm2m/error.h"

/* How often the pacer looks whether more Registers may start. */
#define PACE_MS 5
/* How long the shutdown waits for De-register answers. */
#define STOP_WAIT_MS 8000
#define EVENTS 256

struct fleet_shard *fleet_self;

static uint32_t rnd_state = 2463534242u;

uint32_t fleet_rand(void)
{
	uint32_t x = rnd_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rnd_state = x;
	return x;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t fleet_now(struct fleet_shard *s)
{
	return mono_ms() - s->t0_ms;
}

static uint64_t shard_clock(void *ctx)
{
	return fleet_now(ctx);
}

void fleet_endpoint(const struct fleet_cfg *cfg, uint32_t idx, char *out, size_t cap)
{
	snprintf(out, cap, "%s-%06u", cfg->prefix, idx);
}

/* FNV-1a of the endpoint name, as the reference client seeds its sensors. */
uint32_t fleet_seed(const struct fleet_cfg *cfg, uint32_t idx)
{
	char ep[96];
	fleet_endpoint(cfg, idx, ep, sizeof(ep));
	uint32_t h = 2166136261u;
	for (const char *p = ep; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h ? h : 1;
}

void fleet_send(struct fleet_shard *s, struct fleet_dev *d, const uint8_t *buf, size_t len)
{
	if (d->fd < 0)
		return;
	if (d->sec && d->sec->ses) {
		fleet_tls_send(s, d, buf, len);
		return;
	}
	if (send(d->fd, buf, len, MSG_DONTWAIT) < 0) {
		/* ECONNREFUSED: the server's port is closed (an ICMP came back
		 * for an earlier datagram); the retransmission covers it. */
		s->stats.c.errors++;
		return;
	}
	s->stats.c.tx++;
}

/* ---- reporting ---- */

static struct fleet_counters prev;
static double prev_t;

static void report(struct fleet_shard *s, bool final)
{
	double t = (double)fleet_now(s) / 1000.0;
	if (s->report_fd < 0) {
		if (!final)
			fleet_print_progress(s->cfg, t, &s->stats.c, &prev, t - prev_t);
		prev = s->stats.c;
		prev_t = t;
		return;
	}
	/* A tag and the counters (or the whole stats at the end): the parent
	 * reads them whole; one writer per pipe, so nothing interleaves. */
	uint32_t tag = final ? 2 : 1;
	const uint8_t *p = final ? (const uint8_t *)&s->stats : (const uint8_t *)&s->stats.c;
	size_t len = final ? sizeof(s->stats) : sizeof(s->stats.c);
	if (write(s->report_fd, &tag, sizeof(tag)) != (ssize_t)sizeof(tag))
		return;
	while (len) {
		ssize_t w = write(s->report_fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

static struct lw_timer pace_timer, progress_timer, end_timer;

static void pace(struct lw_timer *t, void *arg)
{
	struct fleet_shard *s = arg;
	if (s->stopping)
		return;
	double el = (double)fleet_now(s) / 1000.0;
	uint64_t target = s->rate > 0 ? (uint64_t)(s->rate * el) + 1 : s->n;
	if (target > s->n)
		target = s->n;
	while (s->started < target)
		fleet_dev_start(s, &s->devs[s->started++]);
	if (s->started < s->n)
		lw_timer_in(&s->timers, t, PACE_MS);
}

static void progress(struct lw_timer *t, void *arg)
{
	struct fleet_shard *s = arg;
	report(s, false);
	lw_timer_in(&s->timers, t, (uint64_t)(s->cfg->progress_interval * 1000.0));
}

static struct lw_timer stop_timer;
static uint32_t stop_next;
static uint64_t stop_t0;

/* De-registers go out at the Register rate too: 50,000 at once would
 * overflow the server's socket buffer and come back as retransmissions. */
static void stop_pace(struct lw_timer *t, void *arg)
{
	struct fleet_shard *s = arg;
	double el = (double)(fleet_now(s) - stop_t0) / 1000.0;
	uint64_t target = s->rate > 0 ? (uint64_t)(s->rate * el) + 1 : s->n;
	if (target > s->n)
		target = s->n;
	while (stop_next < target)
		fleet_dev_stop(s, &s->devs[stop_next++]);
	if (stop_next < s->n)
		lw_timer_in(&s->timers, t, PACE_MS);
}

static void begin_stop(struct fleet_shard *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	stop_t0 = fleet_now(s);
	uint64_t spread = s->rate > 0 ? (uint64_t)((double)s->n / s->rate * 1000.0) : 0;
	s->stop_deadline = stop_t0 + spread + STOP_WAIT_MS;
	lw_timer_init(&stop_timer, stop_pace, s);
	stop_pace(&stop_timer, s);
}

static void end_of_run(struct lw_timer *t, void *arg)
{
	(void)t;
	begin_stop(arg);
}

static int shard_init(struct fleet_shard *s)
{
	lw_timers_init(&s->timers, shard_clock, s);
	s->t0_ms = mono_ms();
	rnd_state ^= s->first * 2654435761u;
	if (!rnd_state)
		rnd_state = 1;
	s->devs = calloc(s->n ? s->n : 1, sizeof(*s->devs));
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!s->devs || s->epfd < 0)
		return -1;
	for (uint32_t i = 0; i < s->n; i++) {
		s->devs[i].fd = -1;
		s->devs[i].idx = s->first + i;
	}
	s->active = s->n;
	return 0;
}

/* Reads every waiting datagram of one device. */
static void drain(struct fleet_shard *s, struct fleet_dev *d)
{
	uint8_t buf[2048];
	for (int i = 0; i < 64 && d->fd >= 0; i++) {
		ssize_t n = recv(d->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ECONNREFUSED)
				s->stats.c.errors++;
			return;
		}
		s->stats.c.rx++;
		if (d->sec && d->sec->ses)
			fleet_tls_input(s, d, buf, (size_t)n);
		else
			fleet_dev_input(s, d, buf, (size_t)n);
	}
}

int fleet_shard_run(struct fleet_shard *s)
{
	fleet_self = s;
	if (shard_init(s))
		return -1;
	if ((s->cfg->secure || s->cfg->bs_uri) && fleet_tls_init(s->cfg))
		return -1;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
	if (sfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, sfd, &ev))
		return -1;

	lw_timer_init(&pace_timer, pace, s);
	lw_timer_init(&progress_timer, progress, s);
	lw_timer_init(&end_timer, end_of_run, s);
	lw_timer_in(&s->timers, &pace_timer, 0);
	lw_timer_in(&s->timers, &progress_timer, (uint64_t)(s->cfg->progress_interval * 1000.0));
	if (s->cfg->duration > 0)
		lw_timer_in(&s->timers, &end_timer, (uint64_t)(s->cfg->duration * 1000.0));

	struct epoll_event evs[EVENTS];
	for (;;) {
		uint64_t now = fleet_now(s);
		if (s->stopping && (s->active == 0 || now >= s->stop_deadline))
			break;
		/* Handshake-only devices are done once their handshake is. */
		if (s->cfg->handshake_only && s->started == s->n && s->active == 0)
			break;
		uint64_t next = lw_timers_next(&s->timers);
		if (s->stopping && next > s->stop_deadline)
			next = s->stop_deadline;
		int timeout = next == UINT64_MAX ? 1000 : next <= now ? 0 : (int)(next - now);
		if (timeout > 1000)
			timeout = 1000;
		int n = epoll_wait(s->epfd, evs, EVENTS, timeout);
		if (n < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < n; i++) {
			uint32_t k = evs[i].data.u32;
			if (k == UINT32_MAX) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
					;
				begin_stop(s);
				continue;
			}
			if (k < s->n)
				drain(s, &s->devs[k]);
		}
		lw_timers_run(&s->timers, fleet_now(s));
	}
	s->stats.c.done = 1;
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		s->stats.c.rss_kb = (uint64_t)ru.ru_maxrss;
	report(s, true);
	close(sfd);
	/* The heap still points into the devices' timers: it goes first. */
	lw_timers_free(&s->timers);
	for (uint32_t i = 0; i < s->n; i++)
		fleet_dev_free(&s->devs[i]);
	free(s->devs);
	s->devs = NULL;
	close(s->epfd);
	fleet_scratch_free();
	fleet_tls_deinit();
	return 0;
}
