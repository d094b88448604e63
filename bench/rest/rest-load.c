/*
 * bench/rest/rest-load.c: an HTTP load generator for lwm2md's REST API, to
 * measure operations on fleet devices through HTTP (bench/run). Like the
 * scripts and browsers it stands for, it keeps connections alive and
 * reuses them (--no-keep-alive: one TCP connection per request); one
 * thread drives them all with epoll, leaving the other core of a 2-core
 * machine to the daemon.
 *
 *   rest-load --port P --token T --devices N [--prefix fleet] MODE...
 *
 * Modes:
 *   --mode read     closed loop: --conns C requests in flight, each GET
 *                   /api/v1/clients/EP/PATH on the next device in turn, for
 *                   --duration s after --warmup s
 *   --mode open     open loop: one request every 1/--rate s whatever is in
 *                   flight; latency runs from the request's scheduled time,
 *                   so a stall of the server is not hidden by requests we
 *                   failed to send meanwhile (coordinated omission)
 *   --mode attributes  for every device once: PUT PATH/attributes
 *                   {"pmin":P,"pmax":P} (--period), --conns at a time
 *   --mode observe  for every device once: POST PATH/observe, --conns at a
 *                   time. Both stop starting requests after --max-time s
 *                   and then report how many devices got theirs.
 *
 * Prints one line: mode, completed, ok (HTTP 200/201), errors by kind,
 * requests/s, p50/p99/p999 latency in ms. Exit status 0, 1 when a request
 * failed (any non-2xx, a broken connection), 2 for bad arguments.
 *
 * Source addresses: connections bind 127.3.X.Y (X.Y from the connection
 * number) so that a high rate of short connections never runs out of
 * ephemeral ports, and close with an RST once the answer is complete (it
 * is: Content-Length), so that neither side keeps TIME_WAIT states. Idle
 * kept connections are reused last-in first-out, so that an open loop
 * holds about as many as it has requests in flight; a kept connection the
 * server closed meanwhile is replaced and the request sent again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HIST_N 200000 /* 0.05 ms buckets up to 10 s */
#define RESP_MAX 16384
#define MAX_CONNS 16384

enum { M_READ, M_OPEN, M_ATTRS, M_OBSERVE };

struct conn {
	int fd;
	int busy;
	int reused; /* the request went out on a kept connection */
	int close_after; /* the answer said Connection: close */
	unsigned dev;   /* device index, 0-based */
	uint64_t t0_us; /* scheduled (open) or sent time */
	size_t out_len, out_off, in_len;
	char out[512];
	char in[RESP_MAX];
};

static struct {
	struct sockaddr_in srv;
	const char *token, *prefix, *path;
	int mode;
	unsigned devices, conns, next_dev, src_next;
	double duration, warmup, rate, period, op_timeout, max_time;
	int epfd;
	struct conn *c;
	unsigned free_top, *free_list;
	unsigned long long ok, bad_status, conn_err, late, by_code[6];
	unsigned long long measured, measured_ok;
	unsigned long long obs_done;
	unsigned *hist;
	int measuring, draining;
	int keep_alive;
	uint64_t t_measure;
} g;

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char *conn_hdr(void)
{
	return g.keep_alive ? "keep-alive" : "close";
}

static void build_request(struct conn *k)
{
	char ep[64];
	snprintf(ep, sizeof(ep), "%s-%06u", g.prefix, k->dev + 1);
	int n;
	if (g.mode == M_READ || g.mode == M_OPEN) {
		n = snprintf(k->out, sizeof(k->out),
		             "GET /api/v1/clients/%s/%s?timeout=%g HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		             "Authorization: Bearer %s\r\nConnection: %s\r\n\r\n",
		             ep, g.path, g.op_timeout, g.token, conn_hdr());
	} else if (g.mode == M_ATTRS) {
		char body[64];
		int bl = snprintf(body, sizeof(body), "{\"pmin\":%g,\"pmax\":%g}", g.period,
		                  g.period);
		n = snprintf(k->out, sizeof(k->out),
		             "PUT /api/v1/clients/%s/%s/attributes?timeout=%g HTTP/1.1\r\n"
		             "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: %s\r\n"
		             "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		             ep, g.path, g.op_timeout, g.token, conn_hdr(), bl, body);
	} else {
		n = snprintf(k->out, sizeof(k->out),
		             "POST /api/v1/clients/%s/%s/observe?timeout=%g HTTP/1.1\r\n"
		             "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: %s\r\n"
		             "Content-Length: 0\r\n\r\n",
		             ep, g.path, g.op_timeout, g.token, conn_hdr());
	}
	k->out_len = (size_t)n;
	k->out_off = 0;
	k->in_len = 0;
	k->close_after = 0;
}

/* Sends the slot's request on its kept connection. */
static int reuse_conn(struct conn *k)
{
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)(k - g.c)};
	return epoll_ctl(g.epfd, EPOLL_CTL_MOD, k->fd, &ev);
}

static int open_conn(struct conn *k)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
#ifdef IP_BIND_ADDRESS_NO_PORT
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
#endif
	/* 127.3.0.1 .. 127.3.255.254: 65,000 addresses, each its own port range. */
	unsigned s = g.src_next++ % 65000u;
	struct sockaddr_in src = {.sin_family = AF_INET};
	src.sin_addr.s_addr = htonl((127u << 24) | (3u << 16) | (s + 1));
	bind(fd, (struct sockaddr *)&src, sizeof(src));
	if (connect(fd, (struct sockaddr *)&g.srv, sizeof(g.srv)) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)(k - g.c)};
	if (epoll_ctl(g.epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		return -1;
	}
	k->fd = fd;
	return 0;
}

static void close_conn(struct conn *k)
{
	/* RST: the answer is complete, and no TIME_WAIT is left anywhere. */
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(k->fd);
	k->fd = -1;
}

/* Starts a request on a free slot; t0 is its scheduled time. */
static int start(unsigned dev, uint64_t t0)
{
	if (!g.free_top)
		return -1;
	struct conn *k = &g.c[g.free_list[--g.free_top]];
	k->busy = 1;
	k->dev = dev;
	k->t0_us = t0;
	build_request(k);
	k->reused = k->fd >= 0;
	if (k->reused && reuse_conn(k) != 0)
		close_conn(k);
	if (k->fd < 0 && open_conn(k) != 0) {
		g.conn_err++;
		k->busy = 0;
		g.free_list[g.free_top++] = (unsigned)(k - g.c);
		return -1;
	}
	return 0;
}

static unsigned next_device(void)
{
	unsigned d = g.next_dev;
	g.next_dev = (g.next_dev + 1) % g.devices;
	return d;
}

static void finish(struct conn *k, int status)
{
	uint64_t t = now_us();
	if (!g.keep_alive || status <= 0 || k->close_after)
		close_conn(k);
	else {
		struct epoll_event ev = {.events = 0, .data.u32 = (uint32_t)(k - g.c)};
		epoll_ctl(g.epfd, EPOLL_CTL_MOD, k->fd, &ev); /* idle until reused */
	}
	k->busy = 0;
	g.free_list[g.free_top++] = (unsigned)(k - g.c);
	int good = status >= 200 && status < 300;
	if (status <= 0)
		g.conn_err++;
	else if (!good)
		g.bad_status++;
	else
		g.ok++;
	if (status > 0 && status / 100 < 6)
		g.by_code[status / 100]++;
	if (g.measuring && k->t0_us >= g.t_measure) {
		g.measured++;
		if (good) {
			g.measured_ok++;
			uint64_t b = (t - k->t0_us) / 50;
			g.hist[b < HIST_N ? b : HIST_N - 1]++;
		}
	}
	if (g.mode == M_ATTRS || g.mode == M_OBSERVE) {
		g.obs_done++;
		if (g.next_dev < g.devices && !g.draining)
			start(g.next_dev++, t);
	} else if (g.mode == M_READ && !g.draining) {
		start(next_device(), t);
	}
}

/* The HTTP status once the whole answer (Content-Length) is in; 0 while
 * incomplete, -1 when malformed. */
static int parse_done(struct conn *k, int eof)
{
	k->in[k->in_len] = '\0';
	char *hdr_end = strstr(k->in, "\r\n\r\n");
	if (!hdr_end)
		return eof ? -1 : 0;
	int status = 0;
	if (sscanf(k->in, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	const char *ch = strcasestr(k->in, "\r\nConnection: close");
	k->close_after = ch && ch < hdr_end;
	const char *cl = strcasestr(k->in, "\r\nContent-Length:");
	if (cl && cl < hdr_end) {
		size_t want = (size_t)strtoul(cl + 17, NULL, 10);
		size_t have = k->in_len - (size_t)(hdr_end + 4 - k->in);
		if (have >= want)
			return status;
	}
	return eof ? status : 0;
}

/* A kept connection that the server closed (idle timeout) before this
 * request's first byte of answer: not the server's failure; again on a
 * new connection. */
static int retry_fresh(struct conn *k)
{
	if (!k->reused || k->in_len)
		return 0;
	close_conn(k);
	k->reused = 0;
	k->out_off = 0;
	if (open_conn(k) != 0)
		return 0;
	return 1;
}

static void on_io(struct conn *k, uint32_t events)
{
	if (events & EPOLLOUT && k->out_off < k->out_len) {
		ssize_t n = send(k->fd, k->out + k->out_off, k->out_len - k->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN) {
			if (!retry_fresh(k))
				finish(k, -1);
			return;
		}
		if (n > 0)
			k->out_off += (size_t)n;
		if (k->out_off == k->out_len) {
			struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)(k - g.c)};
			epoll_ctl(g.epfd, EPOLL_CTL_MOD, k->fd, &ev);
		}
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		for (;;) {
			if (k->in_len >= RESP_MAX - 1) {
				int st = parse_done(k, 1);
				finish(k, st);
				return;
			}
			ssize_t n = recv(k->fd, k->in + k->in_len, RESP_MAX - 1 - k->in_len, 0);
			if (n > 0) {
				k->in_len += (size_t)n;
				int st = parse_done(k, 0);
				if (st != 0) {
					finish(k, st);
					return;
				}
				continue;
			}
			if (n == 0) {
				if (!retry_fresh(k))
					finish(k, parse_done(k, 1));
				return;
			}
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (!retry_fresh(k))
				finish(k, k->in_len ? parse_done(k, 1) : -1);
			return;
		}
	}
}

static double pct(double q)
{
	unsigned long long n = 0;
	for (size_t i = 0; i < HIST_N; i++)
		n += g.hist[i];
	if (!n)
		return 0;
	unsigned long long want = (unsigned long long)(q * (double)n), acc = 0;
	for (size_t i = 0; i < HIST_N; i++) {
		acc += g.hist[i];
		if (acc > want)
			return (double)i * 0.05;
	}
	return HIST_N * 0.05;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: rest-load --port P --token T --devices N [--host 127.0.0.1]\n"
	           "  [--prefix fleet] [--path 3303/0/5700] [--timeout S] [--no-keep-alive]\n"
	           "  --mode read [--conns 64] [--duration 10] [--warmup 2]\n"
	           "  --mode open --rate R [--duration 10] [--warmup 2] [--conns 4096]\n"
	           "  --mode attributes [--period 1] [--conns 64] [--max-time S]\n"
	           "  --mode observe [--conns 64] [--max-time S]\n");
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"host", required_argument, NULL, 'H'},   {"port", required_argument, NULL, 'p'},
		{"token", required_argument, NULL, 'T'},  {"devices", required_argument, NULL, 'n'},
		{"prefix", required_argument, NULL, 'P'}, {"path", required_argument, NULL, 'a'},
		{"mode", required_argument, NULL, 'm'},   {"conns", required_argument, NULL, 'c'},
		{"duration", required_argument, NULL, 'd'}, {"warmup", required_argument, NULL, 'w'},
		{"rate", required_argument, NULL, 'r'},   {"period", required_argument, NULL, 'e'},
		{"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
		{"max-time", required_argument, NULL, 'M'},
		{"no-keep-alive", no_argument, NULL, 'K'},
		{NULL, 0, NULL, 0},
	};
	const char *host = "127.0.0.1", *mode = "read";
	int port = 0, conns_set = 0;
	g.prefix = "fleet";
	g.path = "3303/0/5700";
	g.conns = 64;
	g.duration = 10;
	g.warmup = 2;
	g.period = 1;
	g.op_timeout = 10;
	g.keep_alive = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'H': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'T': g.token = optarg; break;
		case 'n': g.devices = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'P': g.prefix = optarg; break;
		case 'a': g.path = optarg; break;
		case 'm': mode = optarg; break;
		case 'c': g.conns = (unsigned)strtoul(optarg, NULL, 10); conns_set = 1; break;
		case 'd': g.duration = atof(optarg); break;
		case 'w': g.warmup = atof(optarg); break;
		case 'r': g.rate = atof(optarg); break;
		case 'e': g.period = atof(optarg); break;
		case 't': g.op_timeout = atof(optarg); break;
		case 'M': g.max_time = atof(optarg); break;
		case 'K': g.keep_alive = 0; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	g.mode = strcmp(mode, "read") == 0 ? M_READ : strcmp(mode, "open") == 0 ? M_OPEN
	         : strcmp(mode, "observe") == 0 ? M_OBSERVE
	         : strcmp(mode, "attributes") == 0 ? M_ATTRS : -1;
	if (g.mode == M_OPEN && !conns_set)
		g.conns = 4096;
	if (g.mode < 0 || !port || !g.token || !g.devices || !g.conns || g.conns > MAX_CONNS ||
	    (g.mode == M_OPEN && g.rate <= 0)) {
		usage(stderr);
		return 2;
	}
	g.srv.sin_family = AF_INET;
	g.srv.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &g.srv.sin_addr) != 1) {
		fprintf(stderr, "rest-load: bad host %s\n", host);
		return 2;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	g.c = calloc(g.conns, sizeof(*g.c));
	g.free_list = calloc(g.conns, sizeof(*g.free_list));
	g.hist = calloc(HIST_N, sizeof(*g.hist));
	g.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!g.c || !g.free_list || !g.hist || g.epfd < 0)
		return 1;
	for (unsigned i = 0; i < g.conns; i++) {
		g.c[i].fd = -1;
		g.free_list[g.free_top++] = g.conns - 1 - i;
	}

	uint64_t t_start = now_us(), t_measure = t_start + (uint64_t)(g.warmup * 1e6);
	uint64_t t_end = t_measure + (uint64_t)(g.duration * 1e6);
	uint64_t next_send = t_start, interval_ns = 0;
	if (g.mode == M_OPEN)
		interval_ns = (uint64_t)(1e9 / g.rate);
	uint64_t sched_ns = 0; /* open loop: nanoseconds of schedule since t_start */
	if (g.mode == M_ATTRS || g.mode == M_OBSERVE) {
		g.measuring = 1;
		t_measure = t_start;
		g.t_measure = t_start;
		for (unsigned i = 0; i < g.conns && g.next_dev < g.devices; i++)
			start(g.next_dev++, t_start);
	} else if (g.mode == M_READ) {
		for (unsigned i = 0; i < g.conns; i++)
			start(next_device(), t_start);
	}
	struct epoll_event evs[512];
	uint64_t drain_until = 0;
	g.t_measure = t_measure;
	for (;;) {
		uint64_t now = now_us();
		if (g.mode == M_ATTRS || g.mode == M_OBSERVE) {
			if (g.max_time > 0 && now - t_start >= (uint64_t)(g.max_time * 1e6))
				g.draining = 1; /* no new request; those in flight end */
			if (g.obs_done >= g.devices || (g.draining && g.free_top == g.conns))
				break;
		} else {
			if (!g.measuring && now >= t_measure && now < t_end)
				g.measuring = 1;
			if (!g.draining && now >= t_end) {
				g.measuring = 0;
				g.draining = 1;
				drain_until = now + (uint64_t)(g.op_timeout * 1e6) + 1000000;
			}
			if (g.draining && (g.free_top == g.conns || now >= drain_until))
				break;
		}
		if (g.mode == M_OPEN && !g.draining) {
			while (next_send <= now) {
				/* A request that finds every slot busy is late: counted, not
				 * sent, since sending it later would hide the stall. */
				if (start(next_device(), next_send) != 0 && !g.free_top && g.measuring)
					g.late++;
				sched_ns += interval_ns;
				next_send = t_start + sched_ns / 1000;
			}
		}
		struct timespec to = {0, 1000000};
		if (g.mode == M_OPEN && !g.draining) {
			uint64_t w = next_send > now ? next_send - now : 0;
			to.tv_nsec = (long)(w * 1000);
		}
		int n = epoll_pwait2(g.epfd, evs, 512, &to, NULL);
		for (int i = 0; i < n; i++) {
			struct conn *k = &g.c[evs[i].data.u32];
			if (k->busy && k->fd >= 0)
				on_io(k, evs[i].events);
			else if (k->fd >= 0)
				close_conn(k); /* an idle kept one the server closed */
		}
	}
	int setup = g.mode == M_ATTRS || g.mode == M_OBSERVE;
	double secs = setup ? (double)(now_us() - t_start) / 1e6 : g.duration;
	unsigned long long errors = g.bad_status + g.conn_err;
	printf("rest mode=%s conns=%u rate=%.0f completed=%llu ok=%llu per_s=%.0f errors=%llu "
	       "http4xx=%llu http5xx=%llu conn_errors=%llu late=%llu p50_ms=%.2f p99_ms=%.2f "
	       "p999_ms=%.2f seconds=%.2f\n",
	       mode, g.conns, g.rate, g.measured, g.measured_ok,
	       (double)g.measured_ok / secs, errors, g.by_code[4], g.by_code[5], g.conn_err,
	       g.late, pct(0.5), pct(0.99), pct(0.999), secs);
	for (unsigned i = 0; i < g.conns; i++)
		if (g.c[i].fd >= 0)
			close(g.c[i].fd);
	close(g.epfd);
	free(g.c);
	free(g.free_list);
	free(g.hist);
	if (setup && g.obs_done < g.devices)
		return 1; /* out of time: the line says how far it got */
	return errors || g.late ? 1 : 0;
}
