/* coap/udp.c: the UDP endpoint (see udp.h). */
#include "coap/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lwm2m/error.h"
#include "lwm2m/log.h"

/* Datagrams handled per readiness callback before yielding to other events. */
#define MAX_PER_WAKE 1024

static void flush(struct lw_coap_udp *u)
{
	size_t done = 0;
	while (done < u->n_tx) {
		int n = sendmmsg(u->fd, u->tx + done, (unsigned)(u->n_tx - done), 0);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			/* Skip the datagram that failed (e.g. unreachable); CON retransmits. */
			u->send_errors++;
			done++;
			continue;
		}
		done += (size_t)n;
	}
	u->n_tx = 0;
}

static int udp_send(struct lw_coap_endpoint *ep, const struct lw_coap_addr *to, const uint8_t *buf,
                    size_t len)
{
	struct lw_coap_udp *u = (struct lw_coap_udp *)ep;
	if (!u->batching || len > LW_UDP_MAX_DATAGRAM) {
		if (sendto(u->fd, buf, len, 0, &to->u.sa, to->len) < 0) {
			u->send_errors++;
			return LW_EIO;
		}
		return 0;
	}
	if (u->n_tx == LW_UDP_BATCH)
		flush(u);
	size_t i = u->n_tx++;
	memcpy(u->tx_buf[i], buf, len);
	u->tx_addr[i] = *to;
	u->tx_iov[i].iov_base = u->tx_buf[i];
	u->tx_iov[i].iov_len = len;
	memset(&u->tx[i].msg_hdr, 0, sizeof(u->tx[i].msg_hdr));
	u->tx[i].msg_hdr.msg_name = &u->tx_addr[i].u;
	u->tx[i].msg_hdr.msg_namelen = to->len;
	u->tx[i].msg_hdr.msg_iov = &u->tx_iov[i];
	u->tx[i].msg_hdr.msg_iovlen = 1;
	return 0;
}

void lw_coap_udp_hold(void *udp)
{
	((struct lw_coap_udp *)udp)->batching++;
}

void lw_coap_udp_release(void *udp)
{
	struct lw_coap_udp *u = udp;
	if (u->batching > 0 && --u->batching == 0)
		flush(u);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct lw_coap_udp *u = arg;
	struct lw_coap_engine *e = u->ep.engine;
	size_t handled = 0;
	u->batching++;
	while (handled < MAX_PER_WAKE) {
		for (int i = 0; i < LW_UDP_BATCH; i++) {
			u->rx[i].msg_hdr.msg_namelen = sizeof(u->rx_addr[i]);
			u->rx[i].msg_hdr.msg_flags = 0;
		}
		int n = recvmmsg(fd, u->rx, LW_UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		u->batches++;
		for (int i = 0; i < n; i++) {
			if (u->rx[i].msg_hdr.msg_flags & MSG_TRUNC) {
				u->truncated++;
				continue;
			}
			struct lw_coap_addr from;
			from.len = u->rx[i].msg_hdr.msg_namelen;
			if (from.len > sizeof(from.u))
				continue;
			memcpy(&from.u, &u->rx_addr[i], from.len);
			lw_coap_engine_input(e, &u->ep, &from, u->rx_buf[i], u->rx[i].msg_len);
		}
		handled += (size_t)n;
		flush(u);
		if (n < LW_UDP_BATCH)
			break;
	}
	lw_coap_udp_release(u);
}

int lw_coap_udp_open(struct lw_coap_udp *u, struct lw_coap_engine *e, struct event_base *base,
                     const char *bind_addr, int port, int rcvbuf, char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	u->fd = -1;
	u->ep.name = "udp";
	u->ep.send = udp_send;
	u->ep.engine = e;
	for (int i = 0; i < LW_UDP_BATCH; i++) {
		u->rx_iov[i].iov_base = u->rx_buf[i];
		u->rx_iov[i].iov_len = sizeof(u->rx_buf[i]);
		u->rx[i].msg_hdr.msg_name = &u->rx_addr[i];
		u->rx[i].msg_hdr.msg_iov = &u->rx_iov[i];
		u->rx[i].msg_hdr.msg_iovlen = 1;
	}

	char portstr[8];
	snprintf(portstr, sizeof(portstr), "%d", port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int gai = getaddrinfo(bind_addr, portstr, &hints, &ai);
	if (gai != 0) {
		snprintf(err, errlen, "cannot resolve UDP bind address %s: %s", bind_addr,
		         gai_strerror(gai));
		return LW_EINVAL;
	}
	int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create UDP socket: %s", strerror(errno));
		freeaddrinfo(ai);
		return LW_EIO;
	}
	/* No SO_REUSEADDR: UDP has no TIME_WAIT, and with it a second daemon
	 * could bind the same port and silently share the traffic. */
	int zero = 0;
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (rcvbuf > 0) {
		/* FORCE works as root past rmem_max; otherwise take what we may get. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		snprintf(err, errlen, "cannot bind UDP %s port %d: %s", bind_addr, port,
		         strerror(errno));
		close(fd);
		freeaddrinfo(ai);
		return LW_EIO;
	}
	freeaddrinfo(ai);
	u->local.len = sizeof(u->local.u);
	getsockname(fd, &u->local.u.sa, &u->local.len);
	u->fd = fd;
	u->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, u);
	if (!u->ev || event_add(u->ev, NULL) != 0) {
		snprintf(err, errlen, "cannot watch UDP socket");
		lw_coap_udp_close(u);
		return LW_ENOMEM;
	}
	return 0;
}

int lw_coap_udp_port(const struct lw_coap_udp *u)
{
	if (u->local.u.sa.sa_family == AF_INET)
		return ntohs(u->local.u.in.sin_port);
	return ntohs(u->local.u.in6.sin6_port);
}

int lw_coap_udp_pause(struct lw_coap_udp *u, int paused)
{
	if (!u->ev)
		return LW_EINVAL;
	return (paused ? event_del(u->ev) : event_add(u->ev, NULL)) == 0 ? 0 : LW_EIO;
}

void lw_coap_udp_close(struct lw_coap_udp *u)
{
	if (u->ev)
		event_free(u->ev);
	u->ev = NULL;
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}
