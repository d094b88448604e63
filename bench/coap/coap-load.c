/*
 * bench/coap/coap-load.c: a CoAP load driver for the daemon's UDP engine.
 *
 * It measures request/response exchanges per second: many UDP sockets, each
 * keeping a window of CON GET /.well-known/core requests in flight, counting an
 * exchange when the piggybacked ACK with the matching message id and token
 * comes back. One thread does all of it with epoll, recvmmsg and sendmmsg, so
 * that on a 2-core machine the daemon keeps the other core to itself.
 *
 * Before measuring it can make N "known peers" in the daemon (--peers): N
 * distinct source addresses (127.16.0.1, 127.16.0.2, ... all of 127/8 is local
 * on Linux loopback) each send one CON that the daemon answers. They all go
 * through one socket bound to 0.0.0.0, choosing each datagram's source with
 * IP_PKTINFO, because a process may not hold 100,000 sockets. A peer counts as
 * made only when its answer arrives addressed to that peer's own address.
 *
 * Load sockets bind to fresh addresses of 127.8/16 too: a socket that has
 * spent all 65536 message ids is drained and replaced by one on a new address,
 * so no (address, port, message id) is ever reused within a run; reusing one
 * within EXCHANGE_LIFETIME would (rightly) get the daemon's cached answer to
 * the old request instead of a new exchange.
 *
 * Output: one line "peers=... sockets=... window=... exchanges/s=... lost=...
 * p50_us=... p99_us=..." followed by a few more counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_WINDOW 1024
#define BATCH 64
#define LOST_AFTER_NS 1000000000ull
#define HIST_US 200000 /* latency histogram: 1 us buckets up to 200 ms */
#define PEER_WINDOW 2048
#define PEER_RETRY_NS 1000000000ull
#define PEER_GIVE_UP_NS 60000000000ull
#define REQ_MAX 32

/* Load sockets and known peers take their source addresses from here. */
#define LOAD_NET 0x7f080000u /* 127.8.0.0 */
#define PEER_NET 0x7f100000u /* 127.16.0.0 */

struct opts {
	const char *host;
	int port;
	int sockets, window;
	double duration, warmup;
	long peers;
	int daemon_pid;
};

struct slot {
	uint64_t sent_ns;
	uint16_t mid;
	uint16_t seq;
	uint8_t busy;
};

struct lsock {
	int fd;
	uint16_t next_mid;
	uint32_t mids_used; /* on this fd; at 65536 the socket drains and is replaced */
	int draining;
	int inflight;
	struct slot *slots;
	int *free_stack;
	int n_free;
};

struct stats {
	unsigned long long done, lost, stray, errors, send_fail;
	unsigned long long hist[HIST_US + 1];
};

static struct opts o = {
	.host = "127.0.0.1", .port = 5683, .sockets = 32, .window = 16,
	.duration = 5, .warmup = 1, .peers = 0, .daemon_pid = 0,
};
static struct sockaddr_in server;
static uint32_t next_load_addr;
static unsigned long long rotations;
static struct stats st;
static int measuring;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The i-th address of a /16 pool, never ending in .0 or .255. */
static uint32_t pool_addr(uint32_t net, uint32_t i)
{
	return net + (i / 254) * 256 + (i % 254) + 1;
}

/* CON GET /.well-known/core with a 4-byte token. Returns its length. */
static size_t build_get(uint8_t *b, uint16_t mid, const uint8_t tok[4])
{
	size_t n = 0;
	b[n++] = 0x44; /* version 1, CON, token length 4 */
	b[n++] = 0x01; /* GET */
	b[n++] = (uint8_t)(mid >> 8);
	b[n++] = (uint8_t)mid;
	memcpy(b + n, tok, 4);
	n += 4;
	b[n++] = 0xbb; /* Uri-Path (11), 11 bytes */
	memcpy(b + n, ".well-known", 11);
	n += 11;
	b[n++] = 0x04; /* Uri-Path again, 4 bytes */
	memcpy(b + n, "core", 4);
	n += 4;
	return n;
}

/*
 * Checks an answer: a piggybacked ACK with a 4-byte token. Returns 1 with mid
 * and token set, 0 for anything else; *ok says whether the code was 2.05.
 */
static int parse_ack(const uint8_t *b, size_t len, uint16_t *mid, uint8_t tok[4], int *ok)
{
	if (len < 8 || (b[0] & 0xc0) != 0x40 || ((b[0] >> 4) & 3) != 2 || (b[0] & 0x0f) != 4)
		return 0;
	*mid = (uint16_t)(b[2] << 8 | b[3]);
	memcpy(tok, b + 4, 4);
	*ok = b[1] == 0x45;
	return 1;
}

static void record_latency(uint64_t ns)
{
	uint64_t us = ns / 1000;
	st.hist[us > HIST_US ? HIST_US : us]++;
}

static unsigned long long percentile(double p)
{
	unsigned long long total = 0, acc = 0;
	for (int i = 0; i <= HIST_US; i++)
		total += st.hist[i];
	if (!total)
		return 0;
	unsigned long long want = (unsigned long long)(p * (double)total);
	if (want >= total)
		want = total - 1;
	for (int i = 0; i <= HIST_US; i++) {
		acc += st.hist[i];
		if (acc > want)
			return (unsigned long long)i;
	}
	return HIST_US;
}

/* utime + stime of a process in clock ticks, or -1. */
static long long proc_cpu_ticks(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command name, which may hold spaces: skip to ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	unsigned long long ut, stime;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stime) != 2)
		return -1;
	return (long long)(ut + stime);
}

/* Busy and total jiffies of the whole machine, from /proc/stat. */
static int machine_ticks(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
	               &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return -1;
	*total = 0;
	for (int i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4]; /* all but idle and iowait */
	return 0;
}

static int open_bound(uint32_t addr, int port, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (rcvbuf > 0) {
		/* FORCE works as root past rmem_max; otherwise take what we may get. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof(rcvbuf));
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                        .sin_addr.s_addr = htonl(addr)};
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- known peers ---- */

static int make_peers(long n)
{
	if (n <= 0)
		return 0;
	int fd = open_bound(INADDR_ANY, 0, 8 << 20);
	int one = 1;
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) != 0) {
		fprintf(stderr, "coap-load: peer socket: %s\n", strerror(errno));
		return -1;
	}
	uint8_t *answered = calloc((size_t)n, 1);
	uint64_t *sent_at = calloc((size_t)n, sizeof(*sent_at));
	if (!answered || !sent_at) {
		fprintf(stderr, "coap-load: out of memory\n");
		return -1;
	}
	static uint8_t txb[BATCH][REQ_MAX], rxb[BATCH][256];
	static union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} txc[BATCH], rxc[BATCH];
	struct mmsghdr tx[BATCH], rx[BATCH];
	struct iovec txv[BATCH], rxv[BATCH];
	for (int i = 0; i < BATCH; i++) {
		rxv[i].iov_base = rxb[i];
		rxv[i].iov_len = sizeof(rxb[i]);
	}
	long created = 0, next = 0, low = 0, outstanding = 0, wrong = 0;
	unsigned long long retries = 0;
	uint64_t start = now_ns(), last_scan = start;
	int nq = 0;
	long queue[BATCH];

	while (created < n) {
		uint64_t t = now_ns();
		if (t - start > PEER_GIVE_UP_NS)
			break;
		/* Resend what went unanswered for a second (same mid: the daemon's
		 * deduplication answers again without a second peer). */
		if (t - last_scan > PEER_RETRY_NS / 4) {
			last_scan = t;
			while (low < next && answered[low])
				low++;
			for (long i = low; i < next && nq < BATCH; i++)
				if (!answered[i] && t - sent_at[i] > PEER_RETRY_NS) {
					queue[nq++] = i;
					retries++;
				}
		}
		while (nq < BATCH && next < n && outstanding < PEER_WINDOW) {
			queue[nq++] = next++;
			outstanding++;
		}
		if (nq) {
			for (int k = 0; k < nq; k++) {
				uint32_t idx = (uint32_t)queue[k];
				uint8_t tok[4] = {(uint8_t)(idx >> 24), (uint8_t)(idx >> 16),
				                  (uint8_t)(idx >> 8), (uint8_t)idx};
				txv[k].iov_base = txb[k];
				txv[k].iov_len = build_get(txb[k], (uint16_t)idx, tok);
				memset(&tx[k], 0, sizeof(tx[k]));
				tx[k].msg_hdr.msg_name = &server;
				tx[k].msg_hdr.msg_namelen = sizeof(server);
				tx[k].msg_hdr.msg_iov = &txv[k];
				tx[k].msg_hdr.msg_iovlen = 1;
				tx[k].msg_hdr.msg_control = txc[k].buf;
				tx[k].msg_hdr.msg_controllen = sizeof(txc[k].buf);
				struct cmsghdr *c = CMSG_FIRSTHDR(&tx[k].msg_hdr);
				c->cmsg_level = IPPROTO_IP;
				c->cmsg_type = IP_PKTINFO;
				c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
				struct in_pktinfo pi = {0};
				pi.ipi_spec_dst.s_addr = htonl(pool_addr(PEER_NET, idx));
				memcpy(CMSG_DATA(c), &pi, sizeof(pi));
				sent_at[idx] = t;
			}
			int done = 0;
			while (done < nq) {
				int r = sendmmsg(fd, tx + done, (unsigned)(nq - done), 0);
				if (r < 0 && errno == EINTR)
					continue;
				if (r < 0) {
					if (errno == EAGAIN || errno == ENOBUFS)
						break; /* retried after a second like a loss */
					fprintf(stderr, "coap-load: sendmmsg (peers): %s\n", strerror(errno));
					return -1;
				}
				done += r;
			}
			nq = 0;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, outstanding >= PEER_WINDOW || next >= n ? 50 : 0) < 0 &&
		    errno != EINTR)
			return -1;
		for (;;) {
			for (int i = 0; i < BATCH; i++) {
				memset(&rx[i].msg_hdr, 0, sizeof(rx[i].msg_hdr));
				rx[i].msg_hdr.msg_iov = &rxv[i];
				rx[i].msg_hdr.msg_iovlen = 1;
				rx[i].msg_hdr.msg_control = rxc[i].buf;
				rx[i].msg_hdr.msg_controllen = sizeof(rxc[i].buf);
			}
			int r = recvmmsg(fd, rx, BATCH, MSG_DONTWAIT, NULL);
			if (r <= 0)
				break;
			for (int i = 0; i < r; i++) {
				uint16_t mid;
				uint8_t tok[4];
				int ok;
				if (!parse_ack(rxb[i], rx[i].msg_len, &mid, tok, &ok) || !ok) {
					wrong++;
					continue;
				}
				uint32_t idx = (uint32_t)tok[0] << 24 | (uint32_t)tok[1] << 16 |
				               (uint32_t)tok[2] << 8 | tok[3];
				/* The answer must come back to the peer's own address. */
				uint32_t to = 0;
				for (struct cmsghdr *c = CMSG_FIRSTHDR(&rx[i].msg_hdr); c;
				     c = CMSG_NXTHDR(&rx[i].msg_hdr, c))
					if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
						struct in_pktinfo pi;
						memcpy(&pi, CMSG_DATA(c), sizeof(pi));
						to = ntohl(pi.ipi_addr.s_addr);
					}
				if (idx >= (uint32_t)n || mid != (uint16_t)idx ||
				    to != pool_addr(PEER_NET, idx)) {
					wrong++;
					continue;
				}
				if (!answered[idx]) {
					answered[idx] = 1;
					created++;
					outstanding--;
				}
			}
		}
	}
	double secs = (double)(now_ns() - start) / 1e9;
	fprintf(stderr,
	        "coap-load: known peers: %ld of %ld answered from distinct addresses in %.2f s "
	        "(%llu resent, %ld unexpected answers)\n",
	        created, n, secs, retries, wrong);
	close(fd);
	free(answered);
	free(sent_at);
	return created == n ? 0 : -1;
}

/* ---- load ---- */

static int lsock_open(struct lsock *s, int ep)
{
	uint32_t addr = pool_addr(LOAD_NET, next_load_addr++);
	s->fd = open_bound(addr, 0, 1 << 20);
	if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&server, sizeof(server)) != 0) {
		fprintf(stderr, "coap-load: load socket: %s\n", strerror(errno));
		return -1;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev) != 0)
		return -1;
	uint64_t seed = now_ns() ^ ((uint64_t)addr << 20);
	s->next_mid = (uint16_t)(seed ^ seed >> 16 ^ seed >> 32);
	s->mids_used = 0;
	s->draining = 0;
	s->inflight = 0;
	s->n_free = 0;
	for (int i = o.window - 1; i >= 0; i--) {
		s->slots[i].busy = 0;
		s->free_stack[s->n_free++] = i;
	}
	return 0;
}

/* Messages queued for one socket's next sendmmsg. */
static struct mmsghdr q_msg[MAX_WINDOW];
static struct iovec q_iov[MAX_WINDOW];
static uint8_t q_buf[MAX_WINDOW][REQ_MAX];
static int q_slot[MAX_WINDOW];
static int q_n;

static void queue_req(struct lsock *s, int i)
{
	struct slot *sl = &s->slots[i];
	sl->mid = s->next_mid++;
	sl->seq++;
	s->mids_used++;
	if (s->mids_used >= 65536)
		s->draining = 1;
	uint8_t tok[4] = {(uint8_t)(i >> 8), (uint8_t)i, (uint8_t)(sl->seq >> 8), (uint8_t)sl->seq};
	q_iov[q_n].iov_base = q_buf[q_n];
	q_iov[q_n].iov_len = build_get(q_buf[q_n], sl->mid, tok);
	memset(&q_msg[q_n].msg_hdr, 0, sizeof(q_msg[q_n].msg_hdr));
	q_msg[q_n].msg_hdr.msg_iov = &q_iov[q_n];
	q_msg[q_n].msg_hdr.msg_iovlen = 1;
	q_slot[q_n] = i;
	q_n++;
	if (!sl->busy) {
		sl->busy = 1;
		s->inflight++;
	}
}

static void flush_queue(struct lsock *s)
{
	uint64_t t = now_ns();
	for (int k = 0; k < q_n; k++)
		s->slots[q_slot[k]].sent_ns = t;
	int done = 0;
	while (done < q_n) {
		int r = sendmmsg(s->fd, q_msg + done, (unsigned)(q_n - done), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* Those slots time out after a second and are reissued. */
			st.send_fail += (unsigned long long)(q_n - done);
			break;
		}
		done += r;
	}
	q_n = 0;
}

static void refill(struct lsock *s)
{
	while (!s->draining && s->n_free > 0)
		queue_req(s, s->free_stack[--s->n_free]);
	flush_queue(s);
}

static void on_readable(struct lsock *s, int ep)
{
	static struct mmsghdr rx[MAX_WINDOW];
	static struct iovec rxv[MAX_WINDOW];
	static uint8_t rxb[MAX_WINDOW][256];
	int want = o.window < BATCH ? BATCH : o.window;
	for (;;) {
		for (int i = 0; i < want; i++) {
			rxv[i].iov_base = rxb[i];
			rxv[i].iov_len = sizeof(rxb[i]);
			memset(&rx[i].msg_hdr, 0, sizeof(rx[i].msg_hdr));
			rx[i].msg_hdr.msg_iov = &rxv[i];
			rx[i].msg_hdr.msg_iovlen = 1;
		}
		int r = recvmmsg(s->fd, rx, (unsigned)want, MSG_DONTWAIT, NULL);
		if (r <= 0)
			break;
		uint64_t t = now_ns();
		for (int i = 0; i < r; i++) {
			uint16_t mid;
			uint8_t tok[4];
			int ok;
			if (!parse_ack(rxb[i], rx[i].msg_len, &mid, tok, &ok)) {
				st.stray++;
				continue;
			}
			int idx = tok[0] << 8 | tok[1];
			uint16_t seq = (uint16_t)(tok[2] << 8 | tok[3]);
			if (idx >= o.window || !s->slots[idx].busy || s->slots[idx].mid != mid ||
			    s->slots[idx].seq != seq) {
				st.stray++;
				continue;
			}
			struct slot *sl = &s->slots[idx];
			sl->busy = 0;
			s->inflight--;
			s->free_stack[s->n_free++] = idx;
			if (measuring) {
				if (ok) {
					st.done++;
					record_latency(t - sl->sent_ns);
				} else {
					st.errors++;
				}
			}
		}
		if (r < want)
			break;
	}
	if (s->draining && s->inflight == 0) {
		/* Every message id of this address is spent: move to a new one. */
		epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
		rotations++;
		if (lsock_open(s, ep) != 0)
			exit(1);
	}
	refill(s);
}

/* Slots waiting more than a second are counted lost and reissued. */
static void check_lost(struct lsock *socks, int ep)
{
	uint64_t t = now_ns();
	for (int k = 0; k < o.sockets; k++) {
		struct lsock *s = &socks[k];
		for (int i = 0; i < o.window; i++) {
			struct slot *sl = &s->slots[i];
			if (!sl->busy || t - sl->sent_ns < LOST_AFTER_NS)
				continue;
			if (measuring)
				st.lost++;
			if (s->draining) {
				sl->busy = 0;
				s->inflight--;
				s->free_stack[s->n_free++] = i;
			} else {
				queue_req(s, i);
			}
		}
		flush_queue(s);
		if (s->draining && s->inflight == 0)
			on_readable(s, ep);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: coap-load [--host A] [--port P] [--sockets S] [--window W]\n"
	        "                 [--duration SECONDS] [--warmup SECONDS] [--peers N] [--pid PID]\n"
	        "  --host, --port    the daemon's CoAP UDP endpoint (127.0.0.1:5683); IPv4 only\n"
	        "  --sockets         UDP sockets sending load (32)\n"
	        "  --window          requests in flight per socket (16, at most %d)\n"
	        "  --duration        seconds measured (5), after --warmup seconds (1)\n"
	        "  --peers           known peers to make in the daemon before measuring (0)\n"
	        "  --pid             the daemon's pid, to report its CPU use while measured\n",
	        MAX_WINDOW);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{"host", required_argument, NULL, 'H'},    {"port", required_argument, NULL, 'p'},
		{"sockets", required_argument, NULL, 's'}, {"window", required_argument, NULL, 'w'},
		{"duration", required_argument, NULL, 'd'}, {"warmup", required_argument, NULL, 'W'},
		{"peers", required_argument, NULL, 'n'},   {"pid", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'H': o.host = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 's': o.sockets = atoi(optarg); break;
		case 'w': o.window = atoi(optarg); break;
		case 'd': o.duration = atof(optarg); break;
		case 'W': o.warmup = atof(optarg); break;
		case 'n': o.peers = atol(optarg); break;
		case 'P': o.daemon_pid = atoi(optarg); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc || o.port <= 0 || o.port > 65535 || o.sockets < 1 || o.sockets > 10000 ||
	    o.window < 1 || o.window > MAX_WINDOW || o.duration <= 0 || o.warmup < 0 ||
	    o.peers < 0 || o.peers > 254L * 256 * 16) {
		usage(stderr);
		exit(2);
	}
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)o.port);
	if (inet_pton(AF_INET, o.host, &server.sin_addr) != 1) {
		fprintf(stderr, "coap-load: --host %s: expected an IPv4 address\n", o.host);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	if (make_peers(o.peers) != 0) {
		fprintf(stderr, "coap-load: could not make %ld known peers\n", o.peers);
		return 1;
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct lsock *socks = calloc((size_t)o.sockets, sizeof(*socks));
	if (ep < 0 || !socks)
		return 1;
	for (int k = 0; k < o.sockets; k++) {
		socks[k].slots = calloc((size_t)o.window, sizeof(struct slot));
		socks[k].free_stack = calloc((size_t)o.window, sizeof(int));
		if (!socks[k].slots || !socks[k].free_stack || lsock_open(&socks[k], ep) != 0)
			return 1;
	}
	for (int k = 0; k < o.sockets; k++)
		refill(&socks[k]);

	uint64_t start = now_ns();
	uint64_t measure_at = start + (uint64_t)(o.warmup * 1e9);
	uint64_t end = measure_at + (uint64_t)(o.duration * 1e9);
	uint64_t last_check = start, t0 = 0, t = start;
	long long cpu0 = -1;
	unsigned long long busy0 = 0, busy1, total0, total1;
	int have_busy = 0;
	struct timespec ru0;
	struct epoll_event evs[256];
	while (t < end) {
		int n = epoll_wait(ep, evs, 256, 10);
		if (n < 0 && errno != EINTR) {
			perror("coap-load: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++)
			on_readable(evs[i].data.ptr, ep);
		t = now_ns();
		if (!measuring && t >= measure_at) {
			memset(&st, 0, sizeof(st));
			measuring = 1;
			t0 = t;
			if (o.daemon_pid)
				cpu0 = proc_cpu_ticks(o.daemon_pid);
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ru0);
			have_busy = machine_ticks(&busy0, &total0) == 0;
		}
		if (t - last_check > LOST_AFTER_NS / 10) {
			last_check = t;
			check_lost(socks, ep);
		}
	}
	double secs = (double)(t - t0) / 1e9;
	struct timespec ru1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ru1);
	double self_cpu = ((double)(ru1.tv_sec - ru0.tv_sec) +
	                   (double)(ru1.tv_nsec - ru0.tv_nsec) / 1e9) / secs * 100;
	double tck = (double)sysconf(_SC_CLK_TCK);
	char dcpu[32] = "n/a", ocpu[32] = "n/a";
	double daemon_cpu = -1;
	if (cpu0 >= 0) {
		long long cpu1 = proc_cpu_ticks(o.daemon_pid);
		if (cpu1 >= 0) {
			daemon_cpu = (double)(cpu1 - cpu0) / tck / secs * 100;
			snprintf(dcpu, sizeof(dcpu), "%.0f%%", daemon_cpu);
		}
	}
	/* What everything else on the machine used meanwhile (in % of one CPU):
	 * a busy neighbour makes the figure mean less. */
	if (have_busy && daemon_cpu >= 0 && machine_ticks(&busy1, &total1) == 0) {
		double other = (double)(busy1 - busy0) / tck / secs * 100 - daemon_cpu - self_cpu;
		snprintf(ocpu, sizeof(ocpu), "%.0f%%", other < 0 ? 0 : other);
	}
	printf("peers=%ld sockets=%d window=%d exchanges/s=%.0f lost=%llu p50_us=%llu p99_us=%llu "
	       "completed=%llu seconds=%.2f errors=%llu stray=%llu send_fail=%llu rotations=%llu "
	       "driver_cpu=%.0f%% daemon_cpu=%s other_cpu=%s\n",
	       o.peers, o.sockets, o.window, (double)st.done / secs, st.lost, percentile(0.50),
	       percentile(0.99), st.done, secs, st.errors, st.stray, st.send_fail, rotations,
	       self_cpu, dcpu, ocpu);
	fflush(stdout);
	return 0;
}
